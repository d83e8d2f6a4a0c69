package testenv

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
)

// NobodyUID is the uid (and gid) of the user nobody, as whom [AsNobody]
// runs a program.
const NobodyUID = 65534

// errNotRoot is why a test cannot act as another user.
var errNotRoot = errors.New("running a program as another user (setpriv --reuid 65534) needs root: run the tests as root, as CI does")

// AsNobody returns the command line prefix that runs a program as the
// user nobody (uid and gid 65534, no supplementary groups):
//
//	setpriv --reuid 65534 --regid 65534 --clear-groups --
//
// It needs root and setpriv (util-linux); without either the test fails in
// CI and is skipped elsewhere, saying which. The program must be one that
// nobody can run (not under /root), and it starts in a folder nobody may
// not be able to read.
func AsNobody(t testing.TB) []string {
	t.Helper()
	setpriv := NeedCommand(t, "setpriv", "apt-get install -y util-linux")
	if os.Geteuid() != 0 {
		SkipOrFail(t, errNotRoot)
	}
	return []string{setpriv, "--reuid", "65534", "--regid", "65534", "--clear-groups", "--"}
}

// cmdNeedRoot is the script command needroot: without root the script
// fails in CI and is skipped elsewhere.
func cmdNeedRoot(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: needroot")
	}
	if os.Geteuid() != 0 {
		skipOrFailScript(ts, errNotRoot)
	}
}

// RunAsNonRoot makes the calling test (or subtest) run as a user other
// than root, for a test of what file permissions refuse (root is refused
// nothing). Call it first, as
//
//	if !testenv.RunAsNonRoot(t) {
//		return
//	}
//
// Not root, it returns true: the test goes on. As root (as CI runs), it runs
// a copy of the test binary as the user nobody ([AsNobody]: without setpriv
// the test fails in CI and is skipped elsewhere) with -test.run selecting
// only this test, fails the test unless that run passed it, and returns
// false. That run starts in an empty folder, with HOME and TMPDIR there; the
// test must not read files of the package's folder.
func RunAsNonRoot(t testing.TB) bool {
	t.Helper()
	if os.Geteuid() != 0 {
		return true
	}
	nobody := AsNobody(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatalf("testenv: the test binary: %v", err)
	}
	bin, err := os.ReadFile(exe)
	if err != nil {
		t.Fatalf("testenv: the test binary: %v", err)
	}
	// A folder nobody may enter (not list), holding the copy and a home
	// of nobody's own: the test binary's own folder is root's alone.
	dir, err := os.MkdirTemp("", "sesame-nonroot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	home := filepath.Join(dir, "home")
	for _, err := range []error{os.Chmod(dir, 0o711), os.Mkdir(home, 0o700), os.Chown(home, NobodyUID, NobodyUID)} {
		if err != nil {
			t.Fatalf("testenv: a folder for the user nobody: %v", err)
		}
	}
	copyPath := filepath.Join(dir, filepath.Base(exe))
	WriteExecutable(t, copyPath, bin)

	var run []string
	for _, part := range strings.Split(t.Name(), "/") {
		run = append(run, "^"+regexp.QuoteMeta(part)+"$")
	}
	args := append(append([]string(nil), nobody...), copyPath, "-test.run="+strings.Join(run, "/"), "-test.count=1", "-test.v=true")
	if testing.Short() {
		args = append(args, "-test.short")
	}
	timeout := DefaultRunTimeout
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if dl, ok := d.Deadline(); ok {
			timeout = min(timeout, time.Until(dl)*9/10)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = home
	for _, kv := range os.Environ() {
		switch k, _, _ := strings.Cut(kv, "="); k {
		case "HOME", "TMPDIR", "GOCOVERDIR":
		default:
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "HOME="+home, "TMPDIR="+home)
	out, err := cmd.CombinedOutput()
	passed := regexp.MustCompile(`(?m)^\s*--- PASS: ` + regexp.QuoteMeta(t.Name()) + ` \(`)
	if err != nil || !passed.Match(out) {
		t.Fatalf("as the user nobody (%s): %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("passed as the user nobody (uid %d)", NobodyUID)
	return false
}
