//go:build !windows

package wincred

import (
	"fmt"

	"github.com/sesamehq/sesame/internal/store"
)

// New returns the Credential Manager backend of the current user. On this
// OS there is none: it returns an error wrapping store.ErrUnavailable.
func New() (*Backend, error) {
	return nil, fmt.Errorf("the wincred backend is only on Windows: %w", store.ErrUnavailable)
}
