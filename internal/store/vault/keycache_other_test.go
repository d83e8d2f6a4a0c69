//go:build !linux && !windows

package vault

import "errors"

// peek is the helper's "peek" mode; there is no kernel keyring here.
func peek(*Vault) error { return errors.New("no kernel keyring on this system") }
