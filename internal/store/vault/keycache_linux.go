//go:build linux

package vault

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"time"

	"golang.org/x/sys/unix"
)

// Key permissions (linux/keyctl.h). A possessor (a process whose session
// keyring holds the key) may do anything; the key's user may only see that
// it exists (view) and revoke or overwrite it (write), so that sesame lock
// in another session can drop it, but not read it or change its
// permissions; group and others get nothing.
const (
	keyPosAll   = 0x3f000000
	keyUsrView  = 0x00010000
	keyUsrWrite = 0x00040000

	keyPerm = keyPosAll | keyUsrView | keyUsrWrite
)

// isMiss reports whether err from a key search means only "no such key".
func isMiss(err error) bool {
	return errors.Is(err, unix.ENOKEY) || errors.Is(err, unix.EKEYEXPIRED) || errors.Is(err, unix.EKEYREVOKED)
}

// sessionKeyring is the id of this process's session keyring, looked up
// without creating one: a process started without a session keyring of its
// own (no pam_keyinit) gets the user's shared session keyring (@us), which
// the next sesame process finds too. (KEY_SPEC_SESSION_KEYRING as the
// target of add_key or a link would instead make a new, private session
// keyring for this process, which dies with it.)
func sessionKeyring() (int, error) {
	id, err := unix.KeyctlGetKeyringID(unix.KEY_SPEC_SESSION_KEYRING, false)
	if err != nil {
		return 0, fmt.Errorf("keyctl get session keyring: %w", err)
	}
	return id, nil
}

// cacheLoad returns the vault key cached under desc in the session
// keyring (or a keyring linked into it, such as the user keyring where an
// earlier sesame put it), or nil when there is none.
func cacheLoad(desc string) ([]byte, error) {
	ring, err := sessionKeyring()
	if err != nil {
		return nil, err
	}
	id, err := unix.KeyctlSearch(ring, "user", desc, 0)
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

// cacheStore caches key under desc in the session keyring for ttl,
// readable by its possessors only. The key is made in the process keyring,
// given its permissions and timeout, and only then linked into the session
// keyring, so that it is never there without them.
func cacheStore(desc string, key []byte, ttl time.Duration) error {
	// The process keyring is made by the first add_key that names it,
	// in the calling thread's credentials only: every step below must run
	// on that thread, or the next one may not possess the key (setperm
	// then fails with "permission denied"; seen once under load).
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ring, err := sessionKeyring()
	if err != nil {
		return err
	}
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
	if _, err := unix.KeyctlInt(unix.KEYCTL_LINK, id, ring, 0, 0); err != nil {
		return fmt.Errorf("keyctl link: %w", err)
	}
	return nil
}

// cacheForget removes the keys cached under desc at once: the one this
// session sees (invalidated), and those of other sessions of the user,
// found in /proc/keys (revoked: their user may write them, not read them).
func cacheForget(desc string) error {
	ring, err := sessionKeyring()
	if err != nil {
		return fmt.Errorf("%w: %w", errCacheUnavailable, err)
	}
	gone := false
	for range 8 {
		id, err := unix.KeyctlSearch(ring, "user", desc, 0)
		if isMiss(err) {
			gone = true
			break
		}
		if err != nil {
			return fmt.Errorf("keyctl search: %w: %w", errCacheUnavailable, err)
		}
		if _, err := unix.KeyctlInt(unix.KEYCTL_INVALIDATE, id, 0, 0, 0); err != nil {
			if _, err := unix.KeyctlInt(unix.KEYCTL_REVOKE, id, 0, 0, 0); err != nil {
				return fmt.Errorf("keyctl revoke: %w", err)
			}
		}
	}
	if !gone {
		return errors.New("keyctl: the cached key is still there after removing it")
	}
	ids, err := visibleKeys(desc)
	if err != nil {
		// Without /proc/keys only this session's key could be dropped.
		return nil
	}
	for _, id := range ids {
		if _, err := unix.KeyctlInt(unix.KEYCTL_REVOKE, id, 0, 0, 0); err != nil && !isMiss(err) {
			return fmt.Errorf("keyctl revoke: %w", err)
		}
	}
	return nil
}

// visibleKeys returns the ids of the live "user" keys named desc that this
// process may view (/proc/keys), in any keyring.
func visibleKeys(desc string) ([]int, error) {
	data, err := os.ReadFile("/proc/keys")
	if err != nil {
		return nil, err
	}
	var ids []int
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		// ID FLAGS USAGE TIMEOUT PERM UID GID TYPE DESCRIPTION: SUMMARY
		f := bytes.Fields(sc.Bytes())
		if len(f) < 9 || string(f[7]) != "user" || string(bytes.TrimSuffix(f[8], []byte(":"))) != desc {
			continue
		}
		if bytes.ContainsAny(f[1], "RDi") { // revoked, dead, invalidated
			continue
		}
		id, err := strconv.ParseInt(string(f[0]), 16, 32)
		if err == nil {
			ids = append(ids, int(id))
		}
	}
	return ids, sc.Err()
}
