// Package store keeps sesame's secrets: long-term key pairs, cached
// temporary credentials and SSO tokens. A Backend is a flat, named set of
// secret byte strings (an OS keyring, pass, or sesame's encrypted vault
// file); the typed views in this package (Keys, Sessions, Tokens) are how the
// rest of sesame uses one.
//
// Item names never reveal what they belong to: every name is
// "sesame:<kind>:<tag>" where the tag is an HMAC of the profile (or
// sso-session) under a random name key that is itself a secret item of the
// backend. Someone who can list the keyring without unlocking it learns how
// many items sesame keeps, not which profiles or MFA devices they are for.
//
// Error contract, for every backend: a missing item is ErrNotFound and
// nothing else is. A locked keyring, a wrong passphrase, a timeout or an
// unreachable service is an error (wrapping ErrLocked, ErrWrongPassphrase or
// ErrUnavailable where it applies) that callers must report, never treat as
// "not cached". Errors never contain secret values.
package store

import (
	"context"
	"errors"
	"time"
)

// Errors shared by every backend.
var (
	// ErrNotFound is the only error that means "there is no such item".
	ErrNotFound = errors.New("not found in the store")
	// ErrLocked means the keyring or vault is locked and could not be
	// unlocked without a person.
	ErrLocked = errors.New("the store is locked")
	// ErrWrongPassphrase means the vault passphrase does not open the vault.
	ErrWrongPassphrase = errors.New("wrong passphrase")
	// ErrUnavailable means the backend cannot be reached at all.
	ErrUnavailable = errors.New("the store is not available")
)

// Unavailable marks err as ErrUnavailable without adding words to its
// message, for an error that already says why the backend is out of reach.
func Unavailable(err error) error { return &unavailableError{err} }

type unavailableError struct{ err error }

func (e *unavailableError) Error() string   { return e.err.Error() }
func (e *unavailableError) Unwrap() []error { return []error{e.err, ErrUnavailable} }

// Backend is one keyring. Implementations are safe for concurrent use by
// one process; the file vault is also safe across processes.
type Backend interface {
	// Name is the backend's name as --backend takes it.
	Name() string
	// Get returns the item's data, or ErrNotFound.
	Get(ctx context.Context, name string) ([]byte, error)
	// Set creates or replaces the item.
	Set(ctx context.Context, name string, data []byte) error
	// Remove deletes the item; removing a missing item is ErrNotFound.
	Remove(ctx context.Context, name string) error
	// List returns the names of all of sesame's items.
	List(ctx context.Context) ([]string, error)
}

// DefaultTimeout bounds one backend call, so that a keyring waiting for a
// person who is not there fails instead of hanging.
const DefaultTimeout = 30 * time.Second

// WithTimeout returns b with every call bounded by d (when the caller's
// context has no earlier deadline).
func WithTimeout(b Backend, d time.Duration) Backend { return timeoutBackend{b, d} }

type timeoutBackend struct {
	b Backend
	d time.Duration
}

func (t timeoutBackend) Name() string { return t.b.Name() }

func (t timeoutBackend) Get(ctx context.Context, name string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, t.d)
	defer cancel()
	return t.b.Get(ctx, name)
}

func (t timeoutBackend) Set(ctx context.Context, name string, data []byte) error {
	ctx, cancel := context.WithTimeout(ctx, t.d)
	defer cancel()
	return t.b.Set(ctx, name, data)
}

func (t timeoutBackend) Remove(ctx context.Context, name string) error {
	ctx, cancel := context.WithTimeout(ctx, t.d)
	defer cancel()
	return t.b.Remove(ctx, name)
}

func (t timeoutBackend) List(ctx context.Context) ([]string, error) {
	ctx, cancel := context.WithTimeout(ctx, t.d)
	defer cancel()
	return t.b.List(ctx)
}

// Unwrap returns the backend under the wrappers of this package.
func Unwrap(b Backend) Backend {
	for {
		t, ok := b.(timeoutBackend)
		if !ok {
			return b
		}
		b = t.b
	}
}
