// Package wincred is sesame's store.Backend over the Windows Credential
// Manager, through github.com/danieljoos/wincred (no cgo).
//
// Item NAME is the generic credential with the target name "sesame:NAME",
// persisted for the local machine. A credential blob holds at most 2,560
// bytes, so larger values are split into "sesame:NAME", "sesame:NAME#1",
// "sesame:NAME#2"... with a small header in the first recording the count,
// length and checksum; stale chunks are removed when a value shrinks or is
// removed (see package chunked, which holds that logic and is tested on
// every OS). Item names may therefore not contain "#".
//
// [New] works on Windows only; elsewhere it returns an error wrapping
// store.ErrUnavailable. Credential Manager calls never prompt, so they are
// not interrupted; the caller's context is checked before each one.
//
// A Backend is safe for concurrent use.
package wincred

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/store/chunked"
)

// Name is the backend's name, as --backend and SESAME_BACKEND take it.
const Name = "wincred"

// TargetPrefix starts the target name of every credential sesame writes.
const TargetPrefix = "sesame:"

// MaxBlob is the largest credential blob Credential Manager accepts
// (CRED_MAX_CREDENTIAL_BLOB_SIZE, 5*512 bytes).
const MaxBlob = 2560

// credAPI is the part of Credential Manager the backend uses, on whole
// target names. Read and Delete return an error wrapping store.ErrNotFound
// for a missing credential and only then; other errors wrap
// store.ErrUnavailable.
type credAPI interface {
	Read(target string) ([]byte, error)
	Write(target string, blob []byte) error
	Delete(target string) error
	// List returns the target names that start with prefix.
	List(prefix string) ([]string, error)
}

// Backend is the Credential Manager backend. Create it with [New].
type Backend struct {
	api    credAPI
	chunks *chunked.Store
}

var _ store.Backend = (*Backend)(nil)

func newBackend(api credAPI) *Backend {
	return &Backend{api: api, chunks: chunked.New(raw{api}, MaxBlob)}
}

// Name implements store.Backend.
func (b *Backend) Name() string { return Name }

// Get implements store.Backend.
func (b *Backend) Get(ctx context.Context, name string) ([]byte, error) {
	data, err := b.chunks.Get(ctx, name)
	if err != nil {
		return nil, wrap("read item "+name, err)
	}
	return data, nil
}

// Set implements store.Backend.
func (b *Backend) Set(ctx context.Context, name string, data []byte) error {
	return wrap("store item "+name, b.chunks.Set(ctx, name, data))
}

// Remove implements store.Backend.
func (b *Backend) Remove(ctx context.Context, name string) error {
	return wrap("remove item "+name, b.chunks.Remove(ctx, name))
}

// List implements store.Backend.
func (b *Backend) List(ctx context.Context) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, wrap("list items", fmt.Errorf("%w: %w", err, store.ErrUnavailable))
	}
	targets, err := b.api.List(TargetPrefix)
	if err != nil {
		return nil, wrap("list items", err)
	}
	var names []string
	for _, t := range targets {
		name, ok := strings.CutPrefix(t, TargetPrefix)
		if !ok || name == "" || chunked.IsChunk(name) {
			continue
		}
		names = append(names, name)
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// wrap adds context to errors other than a bare not-found.
func wrap(what string, err error) error {
	if err == nil || err == store.ErrNotFound {
		return err
	}
	return fmt.Errorf("windows credential manager: %s: %w", what, err)
}

// raw is the chunked.Raw of the Credential Manager: keys are item names,
// stored under TargetPrefix.
type raw struct{ api credAPI }

func (r raw) Read(ctx context.Context, key string) ([]byte, error) {
	if err := live(ctx); err != nil {
		return nil, err
	}
	return r.api.Read(TargetPrefix + key)
}

func (r raw) Write(ctx context.Context, key string, blob []byte) error {
	if err := live(ctx); err != nil {
		return err
	}
	return r.api.Write(TargetPrefix+key, blob)
}

func (r raw) Delete(ctx context.Context, key string) error {
	if err := live(ctx); err != nil {
		return err
	}
	return r.api.Delete(TargetPrefix + key)
}

func live(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", err, store.ErrUnavailable)
	}
	return nil
}
