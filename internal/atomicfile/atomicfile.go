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
	"strconv"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// WriteFile writes data to path atomically. An existing file keeps its
// permission bits; a new one gets perm. Missing parent folders are created
// with mode 0700. When path is a symbolic link the file it points to is
// replaced and the link is kept (dotfile managers link ~/.aws/config).
//
// The temporary file is created 0600 (O_EXCL) and gets the final mode only
// after its data is written and synced, just before the rename, so the data
// is never readable by others while it is being written, and a writer killed
// half-way leaves a 0600 file. Such leftovers (named
// ".NAME.tmp-sesame-PID-RANDOM") are removed by the next write into the same
// folder once they are stale: older than StaleAfter with their writer gone,
// or older than StaleAlways. Other tools' files are never touched.
func WriteFile(path string, data []byte, perm fs.FileMode) error {
	return write(path, data, perm, nil)
}

// Temporaries of a writer that has exited are removed after StaleAfter, any
// temporary after StaleAlways (a process id may be reused, or belong to
// another PID namespace).
const (
	StaleAfter  = time.Minute
	StaleAlways = time.Hour
)

// tmpMarker follows ".NAME" in the name of every temporary file WriteFile
// creates; the writer's process id and a random part follow it.
const tmpMarker = ".tmp-sesame-"

// write is WriteFile; afterData, when not nil, runs once the data is in the
// temporary file, before its mode changes (tests kill the writer there).
func write(path string, data []byte, perm fs.FileMode, afterData func(tmp string)) (err error) {
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
	sweep(dir, time.Now())
	// os.CreateTemp opens with O_CREATE|O_EXCL and mode 0600.
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(target)+tmpMarker+strconv.Itoa(os.Getpid())+"-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if afterData != nil {
		afterData(tmp.Name())
	}
	if err = tmp.Chmod(mode); err != nil {
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

// sweep removes the stale temporaries WriteFile left in dir (see
// WriteFile). It is best effort: errors are ignored.
func sweep(dir string, now time.Time) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		pid, ok := tmpOwner(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue
		}
		age := now.Sub(fi.ModTime())
		if age > StaleAlways || (age > StaleAfter && pid != os.Getpid() && !processAlive(pid)) {
			_ = os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// tmpOwner returns the process id in the name of one of WriteFile's
// temporaries, ".NAME.tmp-sesame-PID-RANDOM", and whether name is one.
func tmpOwner(name string) (int, bool) {
	i := strings.LastIndex(name, tmpMarker)
	if i < 1 || name[0] != '.' {
		return 0, false
	}
	pidStr, random, ok := strings.Cut(name[i+len(tmpMarker):], "-")
	if !ok || random == "" || strings.Trim(random, "0123456789") != "" {
		return 0, false
	}
	pid, err := strconv.Atoi(pidStr)
	if err != nil || pid <= 0 || strconv.Itoa(pid) != pidStr {
		return 0, false
	}
	return pid, true
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
