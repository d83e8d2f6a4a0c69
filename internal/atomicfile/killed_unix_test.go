//go:build unix

package atomicfile

import (
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestKilledWriter kills a writer (a child process running write) once its
// data is in the temporary file: the leftover was 0600 from its first byte,
// though the target is 0644, and the next write sweeps it.
func TestKilledWriter(t *testing.T) {
	if target := os.Getenv("ATOMICFILE_KILLED_WRITER"); target != "" {
		_ = write(target, []byte("aws_secret_access_key = SECRET\n"), 0o600, func(string) {
			_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
			select {}
		})
		os.Exit(3) // not reached
	}
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "credentials")
	if err := os.WriteFile(target, []byte("old\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(target, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledWriter$")
	cmd.Env = append(os.Environ(), "ATOMICFILE_KILLED_WRITER="+target)
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the writer was not killed: %v", err)
	}
	leftovers := temporaries(t, dir)
	if len(leftovers) != 1 {
		t.Fatalf("temporaries after the kill: %v, want one", leftovers)
	}
	leftover := filepath.Join(dir, leftovers[0])
	if got, _ := os.ReadFile(leftover); !strings.Contains(string(got), "SECRET") {
		t.Fatalf("the leftover holds %q, not the data", got)
	}
	checkMode(t, leftover, 0o600)
	checkContent(t, target, "old\n")

	// A fresh leftover is kept (its writer could be in another PID
	// namespace), a stale one is swept by the next write.
	if err := WriteFile(target, []byte("new\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got := temporaries(t, dir); len(got) != 1 {
		t.Fatalf("a fresh leftover was swept or a write left one: %v", got)
	}
	old := time.Now().Add(-StaleAfter - time.Second)
	if err := os.Chtimes(leftover, old, old); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(target, []byte("newer\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	checkClean(t, dir)
	checkContent(t, target, "newer\n")
	checkMode(t, target, 0o644)
}

// TestSweep checks which files a write removes from its folder.
func TestSweep(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	// A process that has exited: a child we started and waited for.
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	deadPID := itoa(dead.ProcessState.Pid())
	live := itoa(os.Getppid())
	now := time.Now()
	files := []struct {
		name  string
		age   time.Duration
		swept bool
	}{
		{".config.tmp-sesame-" + deadPID + "-123", 2 * StaleAfter, true},
		{".credentials.tmp-sesame-" + deadPID + "-456", 2 * StaleAfter, true}, // any target in the folder
		{".config.tmp-sesame-" + deadPID + "-789", StaleAfter / 2, false},     // too fresh
		{".config.tmp-sesame-" + live + "-123", 2 * StaleAfter, false},        // its writer still runs
		{".config.tmp-sesame-" + live + "-456", StaleAlways + time.Minute, true},
		// Other tools' files, however old.
		{".config.tmp-123456", 2 * StaleAlways, false},
		{"config.tmp-sesame-" + deadPID + "-123", 2 * StaleAlways, false},
		{".config.tmp-sesame-" + deadPID + "-abc", 2 * StaleAlways, false},
		{".config.tmp-sesame-" + deadPID, 2 * StaleAlways, false},
		{".config.tmp-sesame-0" + deadPID + "-1", 2 * StaleAlways, false},
		{".config.swp", 2 * StaleAlways, false},
	}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chtimes(p, now.Add(-f.age), now.Add(-f.age)); err != nil {
			t.Fatal(err)
		}
	}
	// A folder with a matching name is not removed either.
	if err := os.Mkdir(filepath.Join(dir, ".x.tmp-sesame-"+deadPID+"-1"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(filepath.Join(dir, "config"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		_, err := os.Lstat(filepath.Join(dir, f.name))
		if gone := errors.Is(err, fs.ErrNotExist); gone != f.swept {
			t.Errorf("%s (age %s): removed = %v, want %v", f.name, f.age, gone, f.swept)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, ".x.tmp-sesame-"+deadPID+"-1")); err != nil {
		t.Error("a folder was removed:", err)
	}
}

func temporaries(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			names = append(names, e.Name())
		}
	}
	return names
}

func itoa(i int) string { return strconv.Itoa(i) }
