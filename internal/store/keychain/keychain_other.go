//go:build !darwin

package keychain

import (
	"fmt"

	"github.com/sesamehq/sesame/internal/store"
)

// New returns the backend for the user's default (login) keychain. On this
// OS there is none: it returns an error wrapping store.ErrUnavailable.
func New() (*Backend, error) {
	return nil, fmt.Errorf("the keychain backend is only on macOS: %w", store.ErrUnavailable)
}
