//go:build darwin

package keychain

import "github.com/zalando/go-keyring"

// New returns the backend for the user's default (login) keychain.
func New() (*Backend, error) { return newBackend(goKeyring{}, keyring.ErrNotFound), nil }

// goKeyring is keyringAPI over go-keyring's package functions.
type goKeyring struct{}

func (goKeyring) Get(service, user string) (string, error) { return keyring.Get(service, user) }
func (goKeyring) Set(service, user, password string) error {
	return keyring.Set(service, user, password)
}
func (goKeyring) Delete(service, user string) error { return keyring.Delete(service, user) }
