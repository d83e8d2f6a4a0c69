package awsconfig

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestLoadRefusesBadFiles: a config or credentials file that is not a
// regular file, or is larger than 16 MiB, is refused with an error naming it,
// without reading it whole or waiting on it (issue 11 item 15: before,
// AWS_CONFIG_FILE=/dev/zero ate memory until killed and a named pipe hung).
func TestLoadRefusesBadFiles(t *testing.T) {
	t.Parallel()
	type setup func(t *testing.T, path string)
	tests := []struct {
		name  string
		setup setup
		want  string
	}{
		{"folder", func(t *testing.T, path string) { mustDo(t, os.Mkdir(path, 0o700)) }, "not a regular file (a folder)"},
		{"/dev/zero", func(t *testing.T, path string) {
			needUnix(t)
			mustDo(t, os.Symlink("/dev/zero", path))
		}, "not a regular file (a character device)"},
		{"/dev/urandom", func(t *testing.T, path string) {
			needUnix(t)
			mustDo(t, os.Symlink("/dev/urandom", path))
		}, "not a regular file (a character device)"},
		{"named pipe with no writer", func(t *testing.T, path string) { needUnix(t); mkfifo(t, path) }, "not a regular file (a named pipe)"},
		{"16 MiB and a byte", func(t *testing.T, path string) {
			mustDo(t, os.WriteFile(path, []byte("[default]\n"), 0o600))
			mustDo(t, os.Truncate(path, MaxFileSize+1))
		}, "larger than 16 MiB"},
		{"4 GiB (sparse)", func(t *testing.T, path string) {
			mustDo(t, os.WriteFile(path, nil, 0o600))
			mustDo(t, os.Truncate(path, 4<<30))
		}, "larger than 16 MiB"},
	}
	for _, tt := range tests {
		for _, which := range []string{"config", "credentials"} {
			t.Run(tt.name+"/"+which, func(t *testing.T) {
				t.Parallel()
				dir := t.TempDir()
				p := Paths{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
				bad := filepath.Join(dir, which)
				tt.setup(t, bad)
				err := within(t, func() error { _, err := Load(p); return err })
				var fe *FileError
				if !errors.As(err, &fe) {
					t.Fatalf("Load: %v, want a *FileError", err)
				}
				if want := bad + ": " + tt.want; err.Error() != want {
					t.Errorf("Load: %q, want %q", err, want)
				}
				if !strings.Contains(fe.NextStep(), "AWS_CONFIG_FILE") {
					t.Errorf("hint %q does not name AWS_CONFIG_FILE", fe.NextStep())
				}
				// Editing the file refuses it the same way.
				err = within(t, func() error {
					return Update(bad, func(f *File) error { return f.Set("default", "region", "eu-west-1") })
				})
				if !errors.As(err, &fe) {
					t.Errorf("Update: %v, want a *FileError", err)
				}
			})
		}
	}
}

// TestReadFileLimits: a file of exactly 16 MiB is read; one that grows past
// the limit between the check of its size and the read is refused.
func TestReadFileLimits(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "config")
	mustDo(t, os.WriteFile(path, nil, 0o600))
	mustDo(t, os.Truncate(path, MaxFileSize))
	data, err := ReadFile(path)
	if err != nil || len(data) != MaxFileSize {
		t.Fatalf("ReadFile of 16 MiB: %d bytes, %v", len(data), err)
	}
	_, err = readLimited(path, io.LimitReader(zeros{}, MaxFileSize+100), 10)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Problem != "larger than 16 MiB" {
		t.Errorf("a file that grew: %v, want larger than 16 MiB", err)
	}
	// A missing file is still fs.ErrNotExist, and reads as empty in Load.
	_, err = ReadFile(path + "-missing")
	if !errors.Is(err, fs.ErrNotExist) || !strings.HasPrefix(err.Error(), "cannot read ") {
		t.Errorf("missing file: %v", err)
	}
}

type zeros struct{}

func (zeros) Read(b []byte) (int, error) { clear(b); return len(b), nil }

// within runs f, failing the test if it takes more than ten seconds (a read
// that blocks on a named pipe would never return).
func within(t *testing.T, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(10 * time.Second):
		t.Fatal("still waiting after 10s: the read blocks")
		return nil
	}
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func needUnix(t *testing.T) {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("no devices or named pipes in the file system on Windows")
	}
}
