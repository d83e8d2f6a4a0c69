// Package testenv is the harness sesame's tests run in: a small pool of
// moto servers, each used by one test at a time with a recording proxy, a sandboxed home directory and
// environment, the sesame binary built once per test binary, and the rule for
// missing tools.
//
// Import it from _test.go files only.
//
// # Missing tools
//
// A test that needs a program that is not installed fails when the
// environment variable CI is true (CI=true) and is skipped otherwise, in both
// cases with a message saying what is missing and how to install it. See
// [NeedCommand].
//
// # Per-test-binary state
//
// Starting moto and building sesame are slow, so they are cached in package
// state per test binary: up to [MotoPoolSize] moto processes, each used by
// one test at a time and reset for the next, and the binaries, built once.
// A package whose tests use [Moto], [AcquireMoto], [Sesame], [BuildBinary]
// or [Run] must stop that state at the end with a TestMain:
//
//	func TestMain(m *testing.M) { testenv.Main(m) }
//
// Those functions fail the test when TestMain was not set up this way, so no
// process or temporary directory outlives the test binary. On Linux the moto
// processes are also killed if the test binary dies without running TestMain to
// the end (a panic or a timeout).
//
// All functions are safe for concurrent use by parallel tests.
package testenv

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
)

// state is the package's once-per-test-binary state (see the package doc).
var state struct {
	// mainInstalled is set by Main and Cleanup's caller; the helpers that
	// leave something running refuse to work without it.
	mainInstalled atomic.Bool

	mu       sync.Mutex
	cleanups []func()
}

// Main runs the tests with m and then [Cleanup], and exits with their code.
// Call it from TestMain in every package that uses moto or builds binaries.
func Main(m *testing.M) {
	state.mainInstalled.Store(true)
	code := m.Run()
	Cleanup()
	os.Exit(code)
}

// Setup marks the harness as managed by the caller's TestMain, for a TestMain
// that does more than [Main]: call Setup before m.Run and [Cleanup] after it.
func Setup() {
	state.mainInstalled.Store(true)
}

// Cleanup stops the moto servers (killing each one's whole process group) and
// removes the binaries built by [BuildBinary]. Use it in a TestMain that does
// not call [Main], after m.Run. Calling it twice is harmless.
func Cleanup() {
	state.mu.Lock()
	fns := state.cleanups
	state.cleanups = nil
	state.mu.Unlock()
	for i := len(fns) - 1; i >= 0; i-- {
		fns[i]()
	}
}

// atExit registers f to run in Cleanup.
func atExit(f func()) {
	state.mu.Lock()
	defer state.mu.Unlock()
	state.cleanups = append(state.cleanups, f)
}

// errNoMain is returned by helpers that need Main.
var errNoMain = errors.New("testenv: this package's tests start shared processes: add `func TestMain(m *testing.M) { testenv.Main(m) }`")

func checkMain() error {
	if !state.mainInstalled.Load() {
		return errNoMain
	}
	return nil
}

// InCI reports whether the tests run in CI, that is whether the environment
// variable CI holds a true value ("true", "1", ...). In CI a missing tool is
// a failure, not a reason to skip.
func InCI() bool {
	ci, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && ci
}

// MissingToolError reports that a program a test needs is not installed.
type MissingToolError struct {
	// Name is the program as looked up: a name searched on PATH, or a path.
	Name string
	// Hint says what to install, e.g. "apt-get install -y tmux".
	Hint string
}

// Error returns, for example,
// "tmux not found on PATH: install it with apt-get install -y tmux".
func (e *MissingToolError) Error() string {
	where := " on PATH"
	if strings.ContainsRune(e.Name, os.PathSeparator) {
		where = ""
	}
	return fmt.Sprintf("%s not found%s: %s", e.Name, where, e.Hint)
}

// LookTool returns the full path of the program name (searched on PATH
// unless it contains a path separator), or a *[MissingToolError] carrying
// installHint.
func LookTool(name, installHint string) (string, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		return "", &MissingToolError{Name: name, Hint: installHint}
	}
	return path, nil
}

// NeedCommand returns the full path of the program name (searched on PATH
// unless it contains a path separator). When it is not installed the test
// fails in CI and is skipped elsewhere, with a message naming the program and
// installHint, for example:
//
//	tmux := testenv.NeedCommand(t, "tmux", "install it with apt-get install -y tmux")
//
// A test that needs a program other than the Go toolchain drives a real part
// (a keyring daemon, gpg, Python, a shell, a terminal), so it is skipped
// with -short too (SkipInShort), as `make check` runs the tests.
func NeedCommand(t testing.TB, name, installHint string) string {
	t.Helper()
	SkipInShort(t, "needs "+name)
	path, err := LookTool(name, installHint)
	if err != nil {
		SkipOrFail(t, err)
	}
	return path
}

// SkipInShort skips a test that starts real parts (a built binary, moto,
// a terminal) when the tests run with -short, as `make check` runs them
// for the edit loop; `make test`, and CI, never pass -short, so these tests
// always run there.
func SkipInShort(t testing.TB, why string) {
	t.Helper()
	if testing.Short() {
		t.Skipf("skipped with -short (make check): %s; make test runs it", why)
	}
}

// SkipOrFail stops the test because of err, something it needs that is
// missing: it fails the test in CI ([InCI]) and skips it otherwise.
func SkipOrFail(t testing.TB, err error) {
	t.Helper()
	skipOrFail(t, InCI(), err)
}

func skipOrFail(t testing.TB, ci bool, err error) {
	t.Helper()
	if ci {
		t.Fatalf("%v (CI=true: a missing tool is a failure)", err)
	}
	t.Skipf("skipping: %v", err)
}

// Setenv sets the environment of the test process, for code that reads it
// directly (config.LoadDefaultConfig): it removes every AWS_* and SESAME_*
// variable, then sets each KEY=VALUE entry of env. Everything is restored
// when the test ends. Like [testing.T.Setenv] it cannot be used in parallel
// tests.
func Setenv(t testing.TB, env []string) {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "AWS_") || strings.HasPrefix(k, "SESAME_") {
			t.Setenv(k, "") // registers the restore
			if err := os.Unsetenv(k); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, kv := range env {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			t.Fatalf("testenv.Setenv: malformed entry %q", kv)
		}
		t.Setenv(k, v)
	}
}

// WriteExecutable writes a script or program that the test then runs. It
// holds syscall.ForkLock while the file is open for writing, so that no
// process forked meanwhile by a parallel test inherits the write
// descriptor: running the file would then fail with "text file busy"
// (ETXTBSY) until that child had exec'd.
func WriteExecutable(t testing.TB, path string, content []byte) {
	t.Helper()
	syscall.ForkLock.Lock()
	err := os.WriteFile(path, content, 0o755)
	syscall.ForkLock.Unlock()
	if err != nil {
		t.Fatal(err)
	}
}
