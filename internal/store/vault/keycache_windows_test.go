//go:build windows

package vault

import "errors"

// peek is the helper's "peek" mode; there is no kernel keyring here (the
// DPAPI cache is tested under Wine, internal/testenv/wintest).
func peek(*Vault) error { return errors.New("no kernel keyring on Windows") }
