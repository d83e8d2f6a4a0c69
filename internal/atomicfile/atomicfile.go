// Package atomicfile writes files so that a reader sees either the old
// content or the new, never a half-written file: the data goes to a
// temporary file in the same folder, is synced, and is renamed over the
// target. It is safe for concurrent use; concurrent writers of one file each
// win whole, the last rename last. Lock serialises read-modify-write cycles
// across goroutines and processes.
package atomicfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/gofrs/flock"
)

// WriteFile writes data to path atomically. An existing file keeps its
// permission bits; a new one gets perm. Missing parent folders are created
// with mode 0700. When path is a symbolic link the file it points to is
// replaced and the link is kept (dotfile managers link ~/.aws/config).
func WriteFile(path string, data []byte, perm fs.FileMode) (err error) {
	target, err := resolveLink(path)
	if err != nil {
		return err
	}
	mode := perm
	if fi, statErr := os.Stat(target); statErr == nil {
		if !fi.Mode().IsRegular() {
			return fmt.Errorf("%s is not a regular file", target)
		}
		mode = fi.Mode().Perm()
	}
	dir := filepath.Dir(target)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(target)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(mode); err != nil {
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), target); err != nil {
		return err
	}
	if d, openErr := os.Open(dir); openErr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// LockTimeout is how long Lock waits for another holder of the lock.
const LockTimeout = 30 * time.Second

// Lock takes an exclusive advisory lock (flock(2), LockFileEx on Windows)
// for path, waiting at most LockTimeout, and returns the function that
// releases it. The lock is the file ".NAME.lock" next to the file path
// resolves to (through symbolic links, so every name of one file shares one
// lock); it is created 0600, with missing parent folders 0700, and is left in
// place afterwards, as removing a lock file races with its next user. The
// lock only excludes other users of Lock: editors that do not take it (the
// AWS CLI's "aws configure set") are not held off.
func Lock(path string) (unlock func() error, err error) {
	target, err := resolveLink(path)
	if err != nil {
		return nil, err
	}
	dir := filepath.Dir(target)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	l := flock.New(filepath.Join(dir, "."+filepath.Base(target)+".lock"), flock.SetPermissions(0o600))
	deadline := time.Now().Add(LockTimeout)
	for delay := time.Millisecond; ; delay = min(2*delay, 20*time.Millisecond) {
		ok, err := l.TryLock()
		if err != nil {
			return nil, err
		}
		if ok {
			return l.Close, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s is locked by another process for more than %s", l.Path(), LockTimeout)
		}
		time.Sleep(delay)
	}
}

// resolveLink follows symbolic links to the final target, which need not
// exist yet.
func resolveLink(path string) (string, error) {
	for range 40 {
		fi, err := os.Lstat(path)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && fi.Mode()&fs.ModeSymlink == 0) {
			return path, nil
		}
		if err != nil {
			return "", err
		}
		dest, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(path), dest)
		}
		path = dest
	}
	return "", fmt.Errorf("%s: too many levels of symbolic links", path)
}
