//go:build linux

package vault

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// Key permissions (linux/keyctl.h): everything for a possessor, and view,
// read, write, search and setattr for processes of the same user, so
// that the next sesame process finds it; nothing for group or others.
const (
	keyPosAll     = 0x3f000000
	keyUsrView    = 0x00010000
	keyUsrRead    = 0x00020000
	keyUsrWrite   = 0x00040000
	keyUsrSearch  = 0x00080000
	keyUsrSetattr = 0x00200000

	keyPerm = keyPosAll | keyUsrView | keyUsrRead | keyUsrWrite | keyUsrSearch | keyUsrSetattr
)

// isMiss reports whether err from a key search means only "no such key".
func isMiss(err error) bool {
	return errors.Is(err, unix.ENOKEY) || errors.Is(err, unix.EKEYEXPIRED) || errors.Is(err, unix.EKEYREVOKED)
}

// cacheLoad returns the vault key cached under desc in the user keyring,
// or nil when there is none.
func cacheLoad(desc string) ([]byte, error) {
	id, err := unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "user", desc, 0)
	if isMiss(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("keyctl search: %w", err)
	}
	buf := make([]byte, keySize+1)
	n, err := unix.KeyctlBuffer(unix.KEYCTL_READ, id, buf, 0)
	if isMiss(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("keyctl read: %w", err)
	}
	if n != keySize {
		clear(buf)
		return nil, nil
	}
	return buf[:keySize], nil
}

// cacheStore caches key under desc in the user keyring for ttl. The key is
// made in the process keyring, given its permissions and timeout, and only
// then linked into the user keyring, so that it is never there without
// its expiry.
func cacheStore(desc string, key []byte, ttl time.Duration) error {
	id, err := unix.AddKey("user", desc, key, unix.KEY_SPEC_PROCESS_KEYRING)
	if err != nil {
		return fmt.Errorf("keyctl add: %w", err)
	}
	defer unix.KeyctlInt(unix.KEYCTL_UNLINK, id, unix.KEY_SPEC_PROCESS_KEYRING, 0, 0)
	if err := unix.KeyctlSetperm(id, keyPerm); err != nil {
		return fmt.Errorf("keyctl setperm: %w", err)
	}
	secs := int((ttl + time.Second - 1) / time.Second)
	if _, err := unix.KeyctlInt(unix.KEYCTL_SET_TIMEOUT, id, secs, 0, 0); err != nil {
		return fmt.Errorf("keyctl set timeout: %w", err)
	}
	if _, err := unix.KeyctlInt(unix.KEYCTL_LINK, id, unix.KEY_SPEC_USER_KEYRING, 0, 0); err != nil {
		return fmt.Errorf("keyctl link: %w", err)
	}
	return nil
}

// cacheForget removes the key cached under desc, if any, at once.
func cacheForget(desc string) error {
	for range 8 {
		id, err := unix.KeyctlSearch(unix.KEY_SPEC_USER_KEYRING, "user", desc, 0)
		if isMiss(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("keyctl search: %w: %w", errCacheUnavailable, err)
		}
		if _, err := unix.KeyctlInt(unix.KEYCTL_INVALIDATE, id, 0, 0, 0); err != nil {
			if _, err := unix.KeyctlInt(unix.KEYCTL_UNLINK, id, unix.KEY_SPEC_USER_KEYRING, 0, 0); err != nil {
				return fmt.Errorf("keyctl unlink: %w", err)
			}
		}
	}
	return errors.New("keyctl: the cached key is still there after removing it")
}
