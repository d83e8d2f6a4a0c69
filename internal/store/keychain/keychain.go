// Package keychain is sesame's store.Backend over the macOS login keychain,
// through github.com/zalando/go-keyring, which runs /usr/bin/security (no
// cgo). go-keyring writes secrets with `security -i`, reading the command
// from standard input, so a secret never appears in any process's
// arguments; reads print it on the security tool's standard output.
//
// Item NAME is the generic password with service "sesame" and account NAME.
// The security tool reads at most 4,096 bytes per command, about 3 KB of
// data once go-keyring has base64-encoded it, so values are split into
// NAME, NAME#1, NAME#2... items of at most 2 KB (see package chunked);
// item names may therefore not contain "#".
//
// The keychain cannot be searched without cgo, so the backend keeps an index:
// the item "sesame:index" holds the JSON list of item names, updated after
// every Set and Remove. Two processes that change items at the same moment
// may lose an index entry (the item itself is kept); the next Set or Remove
// of that item repairs it.
//
// go-keyring takes no context: each call runs in a goroutine and the backend
// stops waiting when the caller's context ends, returning an error wrapping
// store.ErrLocked (the keychain is most likely waiting for someone to
// unlock it or allow access); the security process keeps waiting for its
// answer on its own. A locked keychain that may not prompt (exit status 36,
// "User interaction is not allowed"), a failed or cancelled authentication
// are store.ErrLocked; other failures store.ErrUnavailable.
//
// [New] works on macOS only; elsewhere it returns an error wrapping
// store.ErrUnavailable.
//
// A Backend is safe for concurrent use.
package keychain

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/store/chunked"
)

// Name is the backend's name, as --backend and SESAME_BACKEND take it.
const Name = "keychain"

// Service is the keychain service of every item sesame writes.
const Service = "sesame"

// IndexItem is the item that lists the names of all other items.
const IndexItem = "sesame:index"

// maxBlob bounds the data in one keychain item: go-keyring base64-encodes it
// (2 KB become 2,732 bytes) into a command of at most 4,096 bytes.
const maxBlob = 2048

// keyringAPI is the part of go-keyring the backend uses.
type keyringAPI interface {
	Get(service, user string) (string, error)
	Set(service, user, password string) error
	Delete(service, user string) error
}

// Backend is the keychain backend. Create it with [New].
type Backend struct {
	api      keyringAPI
	notFound error // the api's error for a missing item
	chunks   *chunked.Store
	index    sync.Mutex // serialises index updates
}

var _ store.Backend = (*Backend)(nil)

func newBackend(api keyringAPI, notFound error) *Backend {
	b := &Backend{api: api, notFound: notFound}
	b.chunks = chunked.New(raw{b}, maxBlob)
	return b
}

// Name implements store.Backend.
func (b *Backend) Name() string { return Name }

func checkName(name string) error {
	if name == IndexItem {
		return fmt.Errorf("keychain: %q is the backend's own index and cannot be used as an item name", name)
	}
	return nil
}

// Get implements store.Backend.
func (b *Backend) Get(ctx context.Context, name string) ([]byte, error) {
	if err := checkName(name); err != nil {
		return nil, err
	}
	data, err := b.chunks.Get(ctx, name)
	if err != nil {
		return nil, wrap("read item "+name, err)
	}
	return data, nil
}

// Set implements store.Backend.
func (b *Backend) Set(ctx context.Context, name string, data []byte) error {
	if err := checkName(name); err != nil {
		return err
	}
	if err := b.chunks.Set(ctx, name, data); err != nil {
		return wrap("store item "+name, err)
	}
	return wrap("update the index", b.updateIndex(ctx, name, true))
}

// Remove implements store.Backend.
func (b *Backend) Remove(ctx context.Context, name string) error {
	if err := checkName(name); err != nil {
		return err
	}
	err := b.chunks.Remove(ctx, name)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		return wrap("remove item "+name, err)
	}
	if ierr := b.updateIndex(ctx, name, false); ierr != nil {
		return wrap("update the index", ierr)
	}
	return err // nil or the bare store.ErrNotFound
}

// List implements store.Backend. It reads the index.
func (b *Backend) List(ctx context.Context) ([]string, error) {
	names, err := b.readIndex(ctx)
	if err != nil {
		return nil, wrap("list items", err)
	}
	return names, nil
}

func (b *Backend) readIndex(ctx context.Context) ([]string, error) {
	data, err := b.chunks.Get(ctx, IndexItem)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var names []string
	if err := json.Unmarshal(data, &names); err != nil {
		return nil, fmt.Errorf("the index item %s is damaged (remove it with `security delete-generic-password -s %s -a %s` and store your keys again): %w",
			IndexItem, Service, IndexItem, err)
	}
	slices.Sort(names)
	return slices.Compact(names), nil
}

// updateIndex adds name to the index (or removes it), writing the index
// only when it changes.
func (b *Backend) updateIndex(ctx context.Context, name string, add bool) error {
	b.index.Lock()
	defer b.index.Unlock()
	names, err := b.readIndex(ctx)
	if err != nil {
		return err
	}
	i, found := slices.BinarySearch(names, name)
	switch {
	case add && !found:
		names = slices.Insert(names, i, name)
	case !add && found:
		names = slices.Delete(names, i, i+1)
	default:
		return nil
	}
	if names == nil {
		names = []string{}
	}
	data, err := json.Marshal(names)
	if err != nil {
		return err
	}
	return b.chunks.Set(ctx, IndexItem, data)
}

// wrap adds context to errors other than a bare not-found.
func wrap(what string, err error) error {
	if err == nil || err == store.ErrNotFound {
		return err
	}
	return fmt.Errorf("keychain: %s: %w", what, err)
}

// raw is the chunked.Raw of the keychain: keys are accounts of Service.
type raw struct{ b *Backend }

func (r raw) Read(ctx context.Context, key string) ([]byte, error) {
	s, err := call(ctx, func() (string, error) { return r.b.api.Get(Service, key) })
	if err != nil {
		return nil, r.b.classify(err)
	}
	return []byte(s), nil
}

func (r raw) Write(ctx context.Context, key string, blob []byte) error {
	_, err := call(ctx, func() (struct{}, error) { return struct{}{}, r.b.api.Set(Service, key, string(blob)) })
	return r.b.classify(err)
}

func (r raw) Delete(ctx context.Context, key string) error {
	_, err := call(ctx, func() (struct{}, error) { return struct{}{}, r.b.api.Delete(Service, key) })
	return r.b.classify(err)
}

// timeoutError marks a call the caller's context gave up on.
type timeoutError struct{ err error }

func (e *timeoutError) Error() string {
	return "the keychain did not answer in time (is it waiting for you to unlock it or to allow sesame access?): " + e.err.Error()
}

func (e *timeoutError) Unwrap() []error { return []error{e.err, store.ErrLocked} }

// call runs f, waiting for it only as long as ctx allows.
func call[T any](ctx context.Context, f func() (T, error)) (T, error) {
	var zero T
	if err := ctx.Err(); err != nil {
		return zero, &timeoutError{err}
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		return zero, &timeoutError{ctx.Err()}
	}
}

// exitCoder is *exec.ExitError, as go-keyring returns it.
type exitCoder interface {
	error
	ExitCode() int
}

// Exit statuses of /usr/bin/security: the low byte of the OSStatus.
const (
	exitInteractionNotAllowed = 36  // errSecInteractionNotAllowed (-25308): locked, may not prompt
	exitAuthFailed            = 51  // errSecAuthFailed (-25293)
	exitNoSuchKeychain        = 50  // errSecNoSuchKeychain (-25294)
	exitUserCanceled          = 128 // errSecUserCanceled (-128)
)

// classify maps go-keyring's errors to the store's.
func (b *Backend) classify(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := errors.AsType[*timeoutError](err); ok {
		return err
	}
	if errors.Is(err, b.notFound) {
		return store.ErrNotFound
	}
	if e, ok := errors.AsType[exitCoder](err); ok {
		switch e.ExitCode() {
		case exitInteractionNotAllowed, exitAuthFailed, exitUserCanceled:
			return fmt.Errorf("the login keychain is locked or access was refused (security exit status %d): unlock it with `security unlock-keychain` or in Keychain Access, then try again: %w",
				e.ExitCode(), store.ErrLocked)
		case exitNoSuchKeychain:
			return fmt.Errorf("there is no default keychain (security exit status %d): %w", e.ExitCode(), store.ErrUnavailable)
		}
		return fmt.Errorf("/usr/bin/security failed (exit status %d): %w", e.ExitCode(), store.ErrUnavailable)
	}
	return fmt.Errorf("%w: %w", err, store.ErrUnavailable)
}
