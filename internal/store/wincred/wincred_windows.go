//go:build windows

package wincred

import (
	"errors"
	"fmt"

	"github.com/danieljoos/wincred"

	"github.com/sesamehq/sesame/internal/store"
)

// New returns the Credential Manager backend of the current user.
func New() (*Backend, error) { return newBackend(sysAPI{}), nil }

// sysAPI is credAPI over the real Credential Manager.
type sysAPI struct{}

func (sysAPI) Read(target string) ([]byte, error) {
	c, err := wincred.GetGenericCredential(target)
	if err != nil {
		return nil, classify(err)
	}
	return c.CredentialBlob, nil
}

func (sysAPI) Write(target string, blob []byte) error {
	c := wincred.NewGenericCredential(target)
	c.CredentialBlob = blob
	c.Persist = wincred.PersistLocalMachine
	c.Comment = "sesame"
	return classify(c.Write())
}

func (sysAPI) Delete(target string) error {
	c, err := wincred.GetGenericCredential(target)
	if err != nil {
		return classify(err)
	}
	return classify(c.Delete())
}

func (sysAPI) List(prefix string) ([]string, error) {
	creds, err := wincred.FilteredList(prefix + "*")
	if err != nil {
		return nil, classify(err)
	}
	names := make([]string, 0, len(creds))
	for _, c := range creds {
		names = append(names, c.TargetName)
	}
	return names, nil
}

// classify maps Credential Manager errors to the store's: ERROR_NOT_FOUND is
// store.ErrNotFound, anything else (no logon session, access denied...)
// store.ErrUnavailable.
func classify(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, wincred.ErrElementNotFound):
		return store.ErrNotFound
	default:
		return fmt.Errorf("%w: %w", err, store.ErrUnavailable)
	}
}
