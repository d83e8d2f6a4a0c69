package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// SesamePackage is the import path of the sesame command (the full
// program).
const SesamePackage = "github.com/sesamehq/sesame/cmd/sesame"

// FrontPackage is the import path of sesame's front program, installed as
// `sesame` with the full program in ../libexec/sesame/ beside it.
const FrontPackage = "github.com/sesamehq/sesame/cmd/sesame-front"

// DefaultRunTimeout bounds one [Run] of the sesame binary.
const DefaultRunTimeout = 2 * time.Minute

// buildTimeout bounds one go build.
const buildTimeout = 5 * time.Minute

// builds caches the binaries built by this test binary (see the package
// doc), by import path, in one temporary directory removed by Cleanup.
var builds struct {
	mu   sync.Mutex
	root string
	pkgs map[string]*build
}

type build struct {
	once sync.Once
	path string
	err  error
}

// Sesame returns the path of sesame as users run it: the front program
// ([FrontPackage]) as DIR/bin/sesame, with the full program
// ([SesamePackage]) as DIR/libexec/sesame/sesame, as a release installs
// them (on Windows, the full program alone). Both are built once per test
// binary. A failed build fails the test with go build's output. The
// package's TestMain must call [Main].
func Sesame(t testing.TB) string {
	t.Helper()
	SkipInShort(t, "builds and runs the sesame binary")
	p, err := SesameBinary()
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// SesameFull returns the path of the full program alone (what `go
// install .../cmd/sesame` gives), built once per test binary.
func SesameFull(t testing.TB) string {
	t.Helper()
	SkipInShort(t, "builds and runs the sesame binary")
	return BuildBinary(t, SesamePackage)
}

// installed is the front and the full program laid out as a release
// installs them, made once per test binary.
var installed struct {
	once sync.Once
	path string
	err  error
}

func installSesame() (string, error) {
	full, err := buildBinary(SesamePackage)
	if err != nil || runtime.GOOS == "windows" {
		return full, err
	}
	front, err := buildBinary(FrontPackage)
	if err != nil {
		return "", err
	}
	prefix := filepath.Join(filepath.Dir(filepath.Dir(full)), "install")
	bin, libexec := filepath.Join(prefix, "bin", "sesame"), filepath.Join(prefix, "libexec", "sesame", "sesame")
	for _, l := range [][2]string{{front, bin}, {full, libexec}} {
		if err := os.MkdirAll(filepath.Dir(l[1]), 0o755); err != nil {
			return "", fmt.Errorf("testenv: install sesame: %w", err)
		}
		if err := os.Link(l[0], l[1]); err != nil {
			return "", fmt.Errorf("testenv: install sesame: %w", err)
		}
	}
	return bin, nil
}

// BuildBinary returns the path of the command pkg (an import path in this
// module, e.g. "github.com/sesamehq/sesame/cmd/sesame"), built with go build
// once per test binary and named after the last element of pkg. A failed
// build fails the test with go build's output. The package's TestMain must
// call [Main].
func BuildBinary(t testing.TB, pkg string) string {
	t.Helper()
	p, err := buildBinary(pkg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// SesameBinary is [Sesame] for code without a testing.TB: it returns the
// binary's path or the build error.
func SesameBinary() (string, error) {
	installed.once.Do(func() { installed.path, installed.err = installSesame() })
	return installed.path, installed.err
}

func buildBinary(pkg string) (string, error) {
	if err := checkMain(); err != nil {
		return "", err
	}
	builds.mu.Lock()
	if builds.pkgs == nil {
		builds.pkgs = make(map[string]*build)
	}
	b := builds.pkgs[pkg]
	if b == nil {
		b = new(build)
		builds.pkgs[pkg] = b
	}
	builds.mu.Unlock()

	b.once.Do(func() { b.path, b.err = goBuild(pkg) })
	return b.path, b.err
}

func goBuild(pkg string) (string, error) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("testenv: build %s: go not found on PATH", pkg)
	}
	builds.mu.Lock()
	if builds.root == "" {
		root, err := os.MkdirTemp("", "sesame-testenv-bin-")
		if err != nil {
			builds.mu.Unlock()
			return "", fmt.Errorf("testenv: build %s: %w", pkg, err)
		}
		builds.root = root
		atExit(func() { _ = os.RemoveAll(root) })
	}
	root := builds.root
	builds.mu.Unlock()

	dir, err := os.MkdirTemp(root, "")
	if err != nil {
		return "", fmt.Errorf("testenv: build %s: %w", pkg, err)
	}
	out := filepath.Join(dir, path.Base(pkg))
	if runtime.GOOS == "windows" {
		out += ".exe"
	}
	ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, gobin, "build", "-o", out, pkg)
	output, err := cmd.CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("testenv: go build %s: %w\n%s", pkg, err, output)
	}
	return out, nil
}

// Run runs the sesame binary (see [Sesame]) with args, the whole
// environment env (nil means PATH only, never the test process's
// environment; see [Sandbox] and [MotoServer.Env]) and stdin as standard
// input, in a new temporary directory, and returns what it wrote and its
// exit code (-1 if it was killed by a signal). It fails the test if the binary cannot be started or runs
// longer than [DefaultRunTimeout] (or past the test's deadline). Anything
// the binary left running in its process group is killed when it exits.
func Run(t testing.TB, env []string, stdin string, args ...string) (stdout, stderr string, exitCode int) {
	t.Helper()
	return RunBinary(t, Sesame(t), env, stdin, args...)
}

// RunBinary is [Run] for any program.
func RunBinary(t testing.TB, bin string, env []string, stdin string, args ...string) (stdout, stderr string, exitCode int) {
	t.Helper()
	timeout := DefaultRunTimeout
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if dl, ok := d.Deadline(); ok {
			// Leave time to report the failure.
			if left := time.Until(dl) * 9 / 10; left < timeout {
				timeout = left
			}
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()

	if env == nil {
		env = scrubbedEnv()
	}
	var outBuf, errBuf bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = env
	cmd.Dir = t.TempDir()
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout = &outBuf
	cmd.Stderr = &errBuf
	setProcAttr(cmd, false)
	cmd.Cancel = func() error {
		signalGroup(cmd, syscall.SIGKILL)
		return nil
	}
	// Do not hang on a pipe held open by a leftover grandchild.
	cmd.WaitDelay = 5 * time.Second

	err := cmd.Run()
	if cmd.Process != nil {
		signalGroup(cmd, syscall.SIGKILL)
	}
	if ctx.Err() != nil {
		t.Fatalf("%s %s: did not finish within %v\nstdout:\n%s\nstderr:\n%s",
			filepath.Base(bin), strings.Join(args, " "), timeout, outBuf.String(), errBuf.String())
	}
	if _, ok := errors.AsType[*exec.ExitError](err); err != nil && !ok {
		t.Fatalf("run %s: %v\nstderr:\n%s", bin, err, errBuf.String())
	}
	return outBuf.String(), errBuf.String(), cmd.ProcessState.ExitCode()
}
