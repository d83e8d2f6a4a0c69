package atomicfile

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestWriteFileModes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		existing fs.FileMode // 0: no file yet
		perm     fs.FileMode
		want     fs.FileMode
	}{
		{"new file gets perm 0600", 0, 0o600, 0o600},
		{"new file gets perm 0640", 0, 0o640, 0o640},
		{"existing 0644 stays 0644", 0o644, 0o600, 0o644},
		{"existing 0600 stays 0600", 0o600, 0o644, 0o600},
		{"existing 0400 stays 0400", 0o400, 0o600, 0o400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "config")
			if tt.existing != 0 {
				if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(path, tt.existing); err != nil {
					t.Fatal(err)
				}
			}
			if err := WriteFile(path, []byte("new"), tt.perm); err != nil {
				t.Fatal(err)
			}
			checkContent(t, path, "new")
			checkMode(t, path, tt.want)
			checkClean(t, dir)
		})
	}
}

func TestWriteFileCreatesParents(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	path := filepath.Join(root, "a", "b", "c", "config")
	if err := WriteFile(path, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	checkContent(t, path, "x")
	for _, d := range []string{"a", "a/b", "a/b/c"} {
		checkMode(t, filepath.Join(root, filepath.FromSlash(d)), 0o700|fs.ModeDir)
	}
	// An existing parent keeps its mode.
	if err := os.Chmod(filepath.Join(root, "a"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(filepath.Join(root, "a", "d", "config"), []byte("y"), 0o600); err != nil {
		t.Fatal(err)
	}
	checkMode(t, filepath.Join(root, "a"), 0o755|fs.ModeDir)
	checkMode(t, filepath.Join(root, "a", "d"), 0o700|fs.ModeDir)
}

func TestWriteFileSymlink(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		links map[string]string // link -> destination, relative to the root
		path  string            // written through
		dest  string            // the regular file that must change
	}{
		{"relative link", map[string]string{"config": "dotfiles/aws"}, "config", "dotfiles/aws"},
		{"absolute link", map[string]string{"config": "ABS/dotfiles/aws"}, "config", "dotfiles/aws"},
		{"chain of links", map[string]string{"config": "l1", "l1": "dotfiles/l2", "dotfiles/l2": "aws"}, "config", "dotfiles/aws"},
		{"dangling link creates its target", map[string]string{"config": "dotfiles/new/aws"}, "config", "dotfiles/new/aws"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			root := t.TempDir()
			if err := os.MkdirAll(filepath.Join(root, "dotfiles"), 0o700); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(tt.dest, "new") {
				if err := os.WriteFile(filepath.Join(root, filepath.FromSlash(tt.dest)), []byte("old"), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			for link, dest := range tt.links {
				dest = strings.Replace(filepath.FromSlash(dest), "ABS", root, 1)
				if err := os.Symlink(dest, filepath.Join(root, filepath.FromSlash(link))); err != nil {
					t.Skip("symlinks not available:", err)
				}
			}
			if err := WriteFile(filepath.Join(root, tt.path), []byte("new"), 0o600); err != nil {
				t.Fatal(err)
			}
			for link := range tt.links {
				fi, err := os.Lstat(filepath.Join(root, filepath.FromSlash(link)))
				if err != nil {
					t.Fatal(err)
				}
				if fi.Mode()&fs.ModeSymlink == 0 {
					t.Errorf("%s is no longer a symbolic link", link)
				}
			}
			dest := filepath.Join(root, filepath.FromSlash(tt.dest))
			checkContent(t, dest, "new")
			want := fs.FileMode(0o644)
			if strings.Contains(tt.dest, "new") {
				want = 0o600
			}
			checkMode(t, dest, want)
			checkClean(t, root)
			checkClean(t, filepath.Dir(dest))
		})
	}
}

func TestWriteFileSymlinkLoop(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	a, b := filepath.Join(root, "a"), filepath.Join(root, "b")
	if err := os.Symlink("b", a); err != nil {
		t.Skip("symlinks not available:", err)
	}
	if err := os.Symlink("a", b); err != nil {
		t.Fatal(err)
	}
	err := WriteFile(a, []byte("x"), 0o600)
	if err == nil || !strings.Contains(err.Error(), "too many levels of symbolic links") {
		t.Fatalf("error = %v", err)
	}
	checkClean(t, root)
}

func TestWriteFileFailures(t *testing.T) {
	t.Parallel()
	t.Run("target is a directory", func(t *testing.T) {
		t.Parallel()
		root := t.TempDir()
		target := filepath.Join(root, "config")
		if err := os.Mkdir(target, 0o700); err != nil {
			t.Fatal(err)
		}
		err := WriteFile(target, []byte("x"), 0o600)
		if err == nil || !strings.Contains(err.Error(), "not a regular file") {
			t.Fatalf("error = %v", err)
		}
		checkClean(t, root)
		checkClean(t, target)
	})
	t.Run("parent is a file", func(t *testing.T) {
		t.Parallel()
		root := t.TempDir()
		if err := os.WriteFile(filepath.Join(root, "file"), nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := WriteFile(filepath.Join(root, "file", "config"), []byte("x"), 0o600); err == nil {
			t.Fatal("WriteFile under a file succeeded")
		}
		checkClean(t, root)
	})
}

func TestWriteFileConcurrent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	const n = 16
	contents := make([][]byte, n)
	for i := range contents {
		contents[i] = bytes.Repeat([]byte{byte('a' + i)}, 64<<10)
	}
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := WriteFile(path, contents[i], 0o600); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	whole := false
	for _, c := range contents {
		whole = whole || bytes.Equal(got, c)
	}
	if !whole {
		t.Errorf("the file is not one writer's content whole (%d bytes)", len(got))
	}
	checkClean(t, dir)
}

func TestLock(t *testing.T) {
	t.Parallel()
	root := t.TempDir()
	target := filepath.Join(root, "dotfiles", "aws")
	link := filepath.Join(root, "aws", "config")
	if err := os.MkdirAll(filepath.Dir(link), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Skip("symlinks not available:", err)
	}

	unlock, err := Lock(link)
	if err != nil {
		t.Fatal(err)
	}
	// The lock lives next to the real file, in a folder created 0700.
	lockFile := filepath.Join(root, "dotfiles", ".aws.lock")
	checkMode(t, lockFile, 0o600)
	checkMode(t, filepath.Dir(lockFile), 0o700|fs.ModeDir)

	// Locking the target itself waits for the holder of the link's lock.
	got := make(chan error, 1)
	go func() {
		u, err := Lock(target)
		if err == nil {
			err = u()
		}
		got <- err
	}()
	select {
	case err := <-got:
		t.Fatalf("a second Lock did not wait (err %v)", err)
	case <-time.After(100 * time.Millisecond):
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the second Lock never got the lock")
	}
	// The lock file stays, and the file itself was never created.
	if _, err := os.Stat(lockFile); err != nil {
		t.Error(err)
	}
	if _, err := os.Lstat(target); err == nil {
		t.Error("Lock created the file it locks")
	}
}

func TestLockSerialises(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "counter")
	const n = 20
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			unlock, err := Lock(path)
			if err != nil {
				t.Error(err)
				return
			}
			defer func() { _ = unlock() }()
			data, _ := os.ReadFile(path)
			var count int
			_, _ = fmt.Sscan(string(data), &count)
			if err := WriteFile(path, []byte(fmt.Sprint(count+1)), 0o600); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	checkContent(t, path, fmt.Sprint(n))
}

func checkContent(t *testing.T, path, want string) {
	t.Helper()
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("%s = %q, want %q", path, got, want)
	}
}

func checkMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	if runtime.GOOS == "windows" {
		return
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode() & (fs.ModePerm | fs.ModeDir); got != want {
		t.Errorf("%s has mode %v, want %v", path, got, want)
	}
}

// checkClean fails if dir holds a leftover temporary file.
func checkClean(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind in %s: %s", dir, e.Name())
		}
	}
}
