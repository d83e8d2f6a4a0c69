package testenv

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// WineInstallHint says what to install for [NeedWine] (Debian packages,
// also in scripts/ci-packages.txt).
const WineInstallHint = "install it with apt-get install -y wine wine64 gcc-mingw-w64-x86-64"

// processPrngSource is the C source of a bcryptprimitives.dll exporting
// ProcessPrng, which Go 1.24+ Windows programs load from system32 at start
// and Wine 8 does not have.
//
//go:embed wine/processprng.c
var processPrngSource []byte

// Wine runs Windows programs under Wine, in a prefix (a Windows
// installation) of its own made once per test binary by [NeedWine], with a
// persistent wineserver, so that each program starts in about a quarter of
// a second. Every Windows program of the test binary shares the prefix:
// its registry (where Wine keeps the Credential Manager), its user folder
// and its console. Wine ignores HOME: a program's home folder is
// [Wine.Home].
type Wine struct {
	// Prefix is the WINEPREFIX folder.
	Prefix string
	// Home is the Windows user's profile folder (C:\users\NAME) as a
	// Linux path: where %USERPROFILE%\.aws is.
	Home string
	// Setup is how long making the prefix took.
	Setup time.Duration

	wine string
	env  []string
}

var wineState struct {
	once sync.Once
	w    *Wine
	err  error // a *MissingToolError, or why the prefix could not be made
}

// NeedWine returns the test binary's Wine prefix, making it on first use:
// a bcryptprimitives.dll built with mingw from wine/processprng.c,
// wineboot -i in a new temporary WINEPREFIX, and a persistent wineserver
// started with its standard streams closed (a wineserver started by wine
// inherits the caller's stdout, and whoever reads that pipe waits for it
// forever). [Cleanup] stops the server and removes the prefix, so the
// package's TestMain must call [Main]. Wine or mingw missing follows
// NeedCommand's rule: the test fails in CI, and is skipped elsewhere, as
// with -short.
func NeedWine(t testing.TB) *Wine {
	t.Helper()
	SkipInShort(t, "runs the Windows build under Wine")
	if err := checkMain(); err != nil {
		t.Fatal(err)
	}
	wineState.once.Do(func() { wineState.w, wineState.err = startWine() })
	if _, ok := errors.AsType[*MissingToolError](wineState.err); ok {
		SkipOrFail(t, wineState.err)
	}
	if wineState.err != nil {
		t.Fatal(wineState.err)
	}
	return wineState.w
}

func startWine() (*Wine, error) {
	tools := map[string]string{}
	for _, name := range []string{"wine", "wineserver", "wineboot", "x86_64-w64-mingw32-gcc"} {
		p, err := LookTool(name, WineInstallHint)
		if err != nil {
			return nil, err
		}
		tools[name] = p
	}
	start := time.Now()
	dir, err := os.MkdirTemp("", "sesame-wine-")
	if err != nil {
		return nil, err
	}
	w := &Wine{Prefix: filepath.Join(dir, "prefix"), wine: tools["wine"]}
	w.env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"WINEPREFIX=" + w.Prefix,
		"WINEDEBUG=-all",
		// No Mono, Gecko or desktop menus: nothing here needs them, and
		// wineboot would spend seconds on each.
		"WINEDLLOVERRIDES=mscoree,mshtml,winemenubuilder.exe=d",
	}
	if u := os.Getenv("USER"); u != "" {
		w.env = append(w.env, "USER="+u)
	}
	fail := func(err error) (*Wine, error) {
		_ = os.RemoveAll(dir)
		return nil, fmt.Errorf("testenv: make a Wine prefix: %w", err)
	}
	if err := os.Mkdir(w.Prefix, 0o700); err != nil {
		return fail(err)
	}

	src := filepath.Join(dir, "processprng.c")
	dll := filepath.Join(dir, "bcryptprimitives.dll")
	if err := os.WriteFile(src, processPrngSource, 0o600); err != nil {
		return fail(err)
	}
	if out, err := exec.Command(tools["x86_64-w64-mingw32-gcc"], "-shared", "-O2", "-o", dll, src).CombinedOutput(); err != nil {
		return fail(fmt.Errorf("build bcryptprimitives.dll: %w\n%s", err, out))
	}

	// The persistent server, before anything else starts one: stdin,
	// stdout and stderr are /dev/null.
	// started from a locked thread (startLocked), so that the kernel kills
	// it if the test binary dies, and only then.
	server := exec.Command(tools["wineserver"], "-p", "-f")
	server.Env = w.env
	setProcAttr(server, true)
	serverDone := make(chan struct{})
	if err := startLocked(server, func(error) { close(serverDone) }); err != nil {
		return fail(fmt.Errorf("start wineserver: %w", err))
	}
	stop := func() {
		// -k kills every Windows process of the prefix (wineboot's
		// services too), then the server ends.
		kill := exec.Command(tools["wineserver"], "-k")
		kill.Env = w.env
		_ = kill.Run()
		select {
		case <-serverDone:
		case <-time.After(5 * time.Second):
			_ = server.Process.Kill()
			<-serverDone
		}
		_ = os.RemoveAll(dir)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// wineboot's output goes to a file: the services it starts (which
	// stay, under the persistent server) inherit it, and a pipe would
	// never end.
	bootLog, err := os.Create(filepath.Join(dir, "wineboot.log"))
	if err != nil {
		stop()
		return fail(err)
	}
	boot := exec.CommandContext(ctx, tools["wineboot"], "-i")
	boot.Env = w.env
	boot.Stdout, boot.Stderr = bootLog, bootLog
	err = boot.Run()
	bootLog.Close()
	if err != nil {
		out, _ := os.ReadFile(bootLog.Name())
		stop()
		return fail(fmt.Errorf("wineboot -i: %w\n%s", err, out))
	}
	sys32 := filepath.Join(w.Prefix, "drive_c", "windows", "system32")
	data, err := os.ReadFile(dll)
	if err == nil {
		err = os.WriteFile(filepath.Join(sys32, "bcryptprimitives.dll"), data, 0o644)
	}
	if err != nil {
		stop()
		return fail(err)
	}
	users, err := os.ReadDir(filepath.Join(w.Prefix, "drive_c", "users"))
	if err != nil {
		stop()
		return fail(err)
	}
	for _, u := range users {
		if u.IsDir() && u.Name() != "Public" {
			w.Home = filepath.Join(w.Prefix, "drive_c", "users", u.Name())
		}
	}
	if w.Home == "" {
		stop()
		return fail(errors.New("wineboot made no user folder"))
	}
	w.Setup = time.Since(start)
	atExit(stop)
	return w, nil
}

// Env returns the environment that runs Wine in the prefix (WINEPREFIX,
// WINEDEBUG, PATH...) followed by env. Wine passes the environment on to
// the Windows program.
func (w *Wine) Env(env ...string) []string {
	return append(append([]string(nil), w.env...), env...)
}

// Argv returns the command line that runs the Windows program exe with
// args under Wine, for a terminal ([StartTerminal]) with [Wine.Env].
func (w *Wine) Argv(exe string, args ...string) []string {
	return append([]string{w.wine, exe}, args...)
}

// WindowsPath is the Windows name of the Linux path p: Wine's drive Z: is
// the Linux root.
func WindowsPath(p string) string {
	return `Z:` + strings.ReplaceAll(p, "/", `\`)
}

// Run runs the Windows program exe with args under Wine, with the
// environment [Wine.Env](env...) and stdin as standard input, and returns
// what it wrote and its exit code. It fails the test if the program cannot
// be started or runs longer than [DefaultRunTimeout].
func (w *Wine) Run(t testing.TB, env []string, stdin string, exe string, args ...string) (stdout, stderr string, exitCode int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), DefaultRunTimeout)
	defer cancel()
	var outBuf, errBuf bytes.Buffer
	cmd := exec.CommandContext(ctx, w.wine, append([]string{exe}, args...)...)
	cmd.Env = w.Env(env...)
	cmd.Dir = t.TempDir()
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout = &outBuf
	cmd.Stderr = &errBuf
	setProcAttr(cmd, false)
	cmd.Cancel = func() error {
		signalGroup(cmd, syscall.SIGKILL)
		return nil
	}
	cmd.WaitDelay = 5 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("wine %s %s: did not finish within %v\nstdout:\n%s\nstderr:\n%s",
			filepath.Base(exe), strings.Join(args, " "), DefaultRunTimeout, outBuf.String(), errBuf.String())
	}
	if _, ok := errors.AsType[*exec.ExitError](err); err != nil && !ok {
		t.Fatalf("wine %s: %v\nstderr:\n%s", exe, err, errBuf.String())
	}
	return outBuf.String(), errBuf.String(), cmd.ProcessState.ExitCode()
}

var winBuilds struct {
	mu   sync.Mutex
	root string
	pkgs map[string]*build
}

// BuildWindows returns the path of the command pkg (an import path, or a
// path relative to the test's package folder such as ./testdata/helper)
// built for windows/amd64 without cgo, as sesame is released for Windows,
// once per test binary. The package's TestMain must call [Main].
func BuildWindows(t testing.TB, pkg string) string {
	t.Helper()
	if err := checkMain(); err != nil {
		t.Fatal(err)
	}
	b := winBuild(pkg)
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// StartWindowsBuilds starts building the packages for [BuildWindows] in
// the background, so that the builds overlap with making the Wine prefix.
func StartWindowsBuilds(pkgs ...string) {
	if checkMain() != nil {
		return
	}
	for _, pkg := range pkgs {
		go winBuild(pkg)
	}
}

// winBuild builds pkg for Windows once and returns the result.
func winBuild(pkg string) *build {
	winBuilds.mu.Lock()
	if winBuilds.pkgs == nil {
		winBuilds.pkgs = map[string]*build{}
	}
	b := winBuilds.pkgs[pkg]
	if b == nil {
		b = new(build)
		winBuilds.pkgs[pkg] = b
	}
	if winBuilds.root == "" {
		root, err := os.MkdirTemp("", "sesame-testenv-win-")
		if err != nil {
			winBuilds.mu.Unlock()
			return &build{err: err}
		}
		winBuilds.root = root
		atExit(func() { _ = os.RemoveAll(root) })
	}
	root := winBuilds.root
	winBuilds.mu.Unlock()

	b.once.Do(func() {
		dir, err := os.MkdirTemp(root, "")
		if err != nil {
			b.err = err
			return
		}
		out := filepath.Join(dir, path.Base(pkg)+".exe")
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, pkg)
		cmd.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
		if output, err := cmd.CombinedOutput(); err != nil {
			b.err = fmt.Errorf("testenv: GOOS=windows go build %s: %w\n%s", pkg, err, output)
			return
		}
		b.path = out
	})
	return b
}

// WaitConsoleInput waits (up to [TerminalTimeout]) until the terminal is
// in raw mode (stty -icanon), as Wine's console puts it when it reads
// input itself. Type only then: a line typed while the terminal is still
// cooked reaches the Windows program with Enter turned into a line feed,
// which the console does not take for Enter, and the program waits
// forever. (The prompt can show on the screen a moment before.)
func (tm *Terminal) WaitConsoleInput() {
	tm.t.Helper()
	tty := strings.TrimSpace(tm.run("display-message", "-p", "-t", "main", "#{pane_tty}"))
	deadline := time.Now().Add(TerminalTimeout)
	for {
		out, err := exec.Command("stty", "-F", tty, "-a").Output()
		if err == nil && strings.Contains(" "+string(out), " -icanon") {
			return
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("the terminal %s never went raw (Wine's console reading input): stty: %v\n%s\nscreen:\n%s", tty, err, out, tm.Screen())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
