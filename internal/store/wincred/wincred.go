// Package wincred is sesame's store.Backend over the Windows Credential
// Manager, through github.com/danieljoos/wincred (no cgo).
//
// Item NAME is the generic credential with the target name NAME, persisted
// for the local machine. The store's item names all start with "sesame:"
// (TargetPrefix), which is what List looks for; a name without it gets it
// added, so "x" and "sesame:x" are the same item. A credential blob holds
// at most 2,560 bytes, so larger values are split into "sesame:NAME",
// "sesame:NAME#1", "sesame:NAME#2"... with a small header in the first recording the count,
// length and checksum; stale chunks are removed when a value shrinks or is
// removed (see package chunked, which holds that logic and is tested on
// every OS). Item names may therefore not contain "#".
//
// Sesame 1 added the prefix to names that already had it, naming items
// "sesame:sesame:...". Such an item is still found: Get moves it to its
// one-prefix name (the copy is written before the old one is removed),
// Set and Remove remove it, and List reports it under its new name.
//
// [New] works on Windows only; elsewhere it returns an error wrapping
// store.ErrUnavailable. Credential Manager calls never prompt, so they are
// not interrupted; the caller's context is checked before each one.
//
// A Backend is safe for concurrent use.
package wincred

import (
	"context"
	"errors"
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
	legacy *chunked.Store // the items under their sesame 1 names
}

var _ store.Backend = (*Backend)(nil)

func newBackend(api credAPI) *Backend {
	return &Backend{api: api, chunks: chunked.New(raw{api, target}, MaxBlob),
		legacy: chunked.New(raw{api, legacyTarget}, MaxBlob)}
}

// target is the target name of the item (or chunk) key: the key itself
// when it starts with TargetPrefix, else the key with the prefix.
func target(key string) string {
	if strings.HasPrefix(key, TargetPrefix) {
		return key
	}
	return TargetPrefix + key
}

// legacyTarget is the target name sesame 1 gave the item key: the prefix
// added once more.
func legacyTarget(key string) string { return TargetPrefix + target(key) }

// hasLegacy reports whether name can have a sesame 1 item distinct from
// its current one (a name without the prefix had one prefix then too).
func hasLegacy(name string) bool {
	return strings.HasPrefix(name, TargetPrefix)
}

// Name implements store.Backend.
func (b *Backend) Name() string { return Name }

// Get implements store.Backend.
func (b *Backend) Get(ctx context.Context, name string) ([]byte, error) {
	data, err := b.chunks.Get(ctx, name)
	if errors.Is(err, store.ErrNotFound) && hasLegacy(name) {
		data, err = b.legacy.Get(ctx, name)
		if err == nil {
			// Move it: a failure leaves the old item, found again next time.
			if b.chunks.Set(ctx, name, data) == nil {
				_ = b.legacy.Remove(ctx, name)
			}
		}
	}
	if err != nil {
		return nil, wrap("read item "+name, err)
	}
	return data, nil
}

// Set implements store.Backend.
func (b *Backend) Set(ctx context.Context, name string, data []byte) error {
	if err := b.chunks.Set(ctx, name, data); err != nil {
		return wrap("store item "+name, err)
	}
	return wrap("store item "+name, b.removeLegacy(ctx, name))
}

// Remove implements store.Backend.
func (b *Backend) Remove(ctx context.Context, name string) error {
	err := b.chunks.Remove(ctx, name)
	if errors.Is(err, store.ErrNotFound) && hasLegacy(name) {
		err = b.legacy.Remove(ctx, name)
	} else if err == nil {
		err = b.removeLegacy(ctx, name)
	}
	return wrap("remove item "+name, err)
}

// removeLegacy removes the sesame 1 item of name, if there is one, so
// that it cannot come back.
func (b *Backend) removeLegacy(ctx context.Context, name string) error {
	if !hasLegacy(name) {
		return nil
	}
	if err := b.legacy.Remove(ctx, name); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	return nil
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
		rest, ok := strings.CutPrefix(t, TargetPrefix)
		if !ok || rest == "" || chunked.IsChunk(rest) {
			continue
		}
		name := t
		if strings.HasPrefix(rest, TargetPrefix) { // a sesame 1 name
			name = rest
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

// raw is the chunked.Raw of the Credential Manager: keys are item names
// (and chunk names), stored under the target name target(key).
type raw struct {
	api    credAPI
	target func(key string) string
}

func (r raw) Read(ctx context.Context, key string) ([]byte, error) {
	if err := live(ctx); err != nil {
		return nil, err
	}
	return r.api.Read(r.target(key))
}

func (r raw) Write(ctx context.Context, key string, blob []byte) error {
	if err := live(ctx); err != nil {
		return err
	}
	return r.api.Write(r.target(key), blob)
}

func (r raw) Delete(ctx context.Context, key string) error {
	if err := live(ctx); err != nil {
		return err
	}
	return r.api.Delete(r.target(key))
}

func live(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("%w: %w", err, store.ErrUnavailable)
	}
	return nil
}
