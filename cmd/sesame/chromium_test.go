//go:build linux

package main_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/sesamehq/sesame/internal/fakeaws/fakesso"
	"github.com/sesamehq/sesame/internal/testenv"
)

// TestSSOLoginInChromium signs in to a (fake) IAM Identity Center the way a
// person does: sesame sso login opens the consent page in a browser (here
// headless Chromium driven with chromedp), the person clicks Allow, the page
// redirects to sesame's loopback listener, and sesame saves the sign-in. The
// scripts do the same with curl (testdata/script/sso.txtar); this test shows
// that a real browser follows the redirect to 127.0.0.1 and gets sesame's
// "Signed in" page.
//
// A screenshot of the consent page is written to the test's artifact
// directory; run with -artifacts to keep it.
func TestSSOLoginInChromium(t *testing.T) {
	t.Parallel()
	chromium := testenv.NeedCommand(t, "/usr/bin/chromium", "apt-get install -y chromium")
	sesame := testenv.Sesame(t)
	m := testenv.Moto(t)

	// The budget of the test itself, once the shared harness (the built
	// binary, the moto server) is ready. It ends in a cleanup, not when the
	// test function returns (nor with t.Context), so that after a failure
	// Chromium is still alive to be closed properly.
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	t.Cleanup(cancel)

	fake := fakesso.New(fakesso.Config{
		Accounts: []fakesso.Account{{ID: "111111111111", Name: "dev", Email: "dev@example.com", Roles: []string{"Developer"}}},
		MotoURL:  m.URL,
	})
	ssoURL := fake.Start(t)

	home := testenv.Sandbox(t)
	home.WriteConfig(`[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Developer
region = us-east-1
`)

	// The "browser" sesame opens only writes the URL down; Chromium is
	// driven from here.
	scratch := t.TempDir()
	urlFile := filepath.Join(scratch, "authorize-url")
	browserScript := filepath.Join(scratch, "browser.sh")
	script := "#!/bin/sh\nprintf '%s' \"$1\" >\"$URL_FILE.tmp\" && mv \"$URL_FILE.tmp\" \"$URL_FILE\"\n"
	testenv.WriteExecutable(t, browserScript, []byte(script))

	env := append(home.Env(),
		"AWS_ENDPOINT_URL_SSO="+ssoURL,
		"AWS_ENDPOINT_URL_SSO_OIDC="+ssoURL,
		"SESAME_BACKEND=file",
		"SESAME_FILE_PASSPHRASE=x",
		"SESAME_FILE_UNLOCK_TTL=0",
	)
	env = append(env, m.Env()...)
	env = append(env, "BROWSER="+browserScript, "URL_FILE="+urlFile)

	login := startProcess(t, ctx, env, sesame, "sso", "login", "--sso-session", "corp")

	// sesame hands the browser a one-time link on 127.0.0.1, which
	// redirects it to the fake's /authorize URL (the state stays off the
	// command line).
	onceURL := waitForFile(t, ctx, urlFile, login)
	if !strings.HasPrefix(onceURL, "http://127.0.0.1:") || strings.Contains(onceURL, "?") {
		t.Fatalf("sesame opened %q, want a one-time link on 127.0.0.1", onceURL)
	}

	bctx := startChromium(t, ctx, chromium)

	if err := chromedp.Do(bctx,
		chromedp.Navigate(onceURL),
		chromedp.WaitVisible(chromedp.CSS("#allow")),
	); err != nil {
		t.Fatalf("chromium: open the consent page: %v", err)
	}
	if location, err := chromedp.Run(bctx, chromedp.Location()); err != nil || !strings.HasPrefix(location, ssoURL+"/authorize?") {
		t.Fatalf("chromium followed the one-time link to %q (%v), want the fake's /authorize URL", location, err)
	}
	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("chromium: screenshot of the consent page: %v", err)
	}
	shotFile := filepath.Join(t.ArtifactDir(), "consent.png")
	if err := os.WriteFile(shotFile, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot of the consent page: %s", shotFile)

	if err := chromedp.Do(bctx, chromedp.Click(chromedp.CSS("#allow"))); err != nil {
		t.Fatalf("chromium: click Allow: %v", err)
	}
	text, location := waitForPageText(t, bctx, "Signed in")
	if !strings.HasPrefix(location, "http://127.0.0.1:") || !strings.Contains(location, "/oauth/callback?") {
		t.Errorf("the page saying %q is at %q, want sesame's loopback callback", text, location)
	}
	// Close the browser now: nothing else needs it.
	if err := chromedp.Cancel(bctx); err != nil {
		t.Logf("chromium: close: %v", err)
	}

	code, _, stderr := login.wait(t, 30*time.Second)
	if code != 0 {
		t.Fatalf("sesame sso login exited with %d; stderr:\n%s", code, stderr)
	}
	if !strings.Contains(stderr, "signed in to sso-session corp") {
		t.Errorf("sesame sso login stderr does not say it signed in:\n%s", stderr)
	}

	out, errOut, code := testenv.Run(t, env, "", "export", "--format", "json", "dev")
	if code != 0 {
		t.Fatalf("sesame export --format json dev exited with %d; stderr:\n%s", code, errOut)
	}
	var creds struct{ AccessKeyId string }
	if err := json.Unmarshal([]byte(out), &creds); err != nil || !strings.HasPrefix(creds.AccessKeyId, "ASIA") {
		t.Fatalf("sesame export printed no temporary AccessKeyId (%v):\n%s", err, out)
	}

	if n := fake.Count(fakesso.OpCreateToken, fakesso.GrantAuthorizationCode); n != 1 {
		t.Errorf("the fake answered CreateToken with the authorization_code grant %d times, want 1", n)
	}
	if n := fake.Count(fakesso.OpCreateToken, ""); n != 1 {
		t.Errorf("the fake answered CreateToken %d times, want 1", n)
	}
}

// process is a command running in the background in a process group of its
// own, killed with its group when the test ends.
type process struct {
	cmd            *exec.Cmd
	stdout, stderr bytes.Buffer
	done           chan struct{} // closed when cmd.Wait has returned
	err            error         // from cmd.Wait, once done is closed
}

func startProcess(t *testing.T, ctx context.Context, env []string, name string, args ...string) *process {
	t.Helper()
	p := &process{done: make(chan struct{})}
	p.cmd = exec.CommandContext(ctx, name, args...)
	p.cmd.Env = env
	p.cmd.Dir = t.TempDir()
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	p.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	p.cmd.Cancel = func() error { return syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL) }
	p.cmd.WaitDelay = 5 * time.Second
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		// Whatever happened, nothing of the group outlives the test.
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
	})
	return p
}

func (p *process) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits up to timeout for the process to exit, killing it after that,
// and returns its exit code (-1 when it was killed) and its output.
func (p *process) wait(t *testing.T, timeout time.Duration) (code int, stdout, stderr string) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(timeout):
		_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
		<-p.done
		t.Errorf("%s did not exit within %s", filepath.Base(p.cmd.Path), timeout)
	}
	code = p.cmd.ProcessState.ExitCode()
	var exitErr *exec.ExitError
	if p.err != nil && !errors.As(p.err, &exitErr) {
		t.Errorf("%s: %v", filepath.Base(p.cmd.Path), p.err)
	}
	return code, p.stdout.String(), p.stderr.String()
}

// waitForFile waits for the browser script to write the URL sesame opened.
func waitForFile(t *testing.T, ctx context.Context, path string, p *process) string {
	t.Helper()
	for {
		if b, err := os.ReadFile(path); err == nil {
			return string(b)
		}
		if p.exited() {
			t.Fatalf("sesame sso login exited with %d before opening a browser; stderr:\n%s", p.cmd.ProcessState.ExitCode(), p.stderr.String())
		}
		select {
		case <-ctx.Done():
			t.Fatalf("sesame sso login opened no browser: %v", context.Cause(ctx))
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// startChromium starts headless Chromium with a fresh profile and returns a
// chromedp context for a tab of it, which ends with ctx. When the test ends,
// Chromium is closed and any process left of it killed; if ctx ends first,
// Chromium is killed 10 s later in any case. Its output is logged if the test
// failed.
func startChromium(t *testing.T, ctx context.Context, chromium string) context.Context {
	t.Helper()
	deadline, ok := ctx.Deadline()
	if !ok {
		t.Fatal("startChromium needs a context with a deadline")
	}
	profile := t.TempDir()
	chromeHome := t.TempDir() // HOME for ~/.pki and the like
	var output lockedBuffer
	// Not under ctx: a browser whose context ends is killed, and its helper
	// processes are left to init.
	actx, acancel := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.Flag("disable-gpu", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		// Even with the flags above, Chromium 156 looks up
		// accounts.google.com, clients2.google.com and update.googleapis.com
		// at start-up. Nothing here has a host name: resolve none.
		chromedp.Flag("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"),
		chromedp.UserDataDir(profile),
		// Nothing of the developer's environment (proxies, DISPLAY, secrets).
		chromedp.NoInheritEnv,
		chromedp.Env("PATH="+os.Getenv("PATH"), "HOME="+chromeHome,
			"XDG_CONFIG_HOME="+chromeHome+"/.config", "XDG_CACHE_HOME="+chromeHome+"/.cache"),
		chromedp.CombinedOutput(&output),
	)
	bctx, bcancel := chromedp.NewContext(actx)
	watchdog := time.AfterFunc(time.Until(deadline)+10*time.Second, acancel)
	// Cleanups run last-registered first: close the browser, then kill what
	// is left of it, then remove its directories.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("chromium output (the end):\n%s", output.Tail(30))
		}
	})
	t.Cleanup(func() {
		if n := killProcessesUsing(profile); n > 0 {
			t.Logf("killed %d leftover chromium processes", n)
		}
	})
	t.Cleanup(func() {
		bcancel() // closes the browser and waits for it
		acancel()
		watchdog.Stop()
	})
	if err := chromedp.Do(bctx); err != nil { // starts the browser
		t.Fatalf("chromium: start: %v", err)
	}
	rctx, rcancel := context.WithDeadline(bctx, deadline)
	t.Cleanup(rcancel)
	return rctx
}

// waitForPageText waits until the text of the tab's page contains want and
// returns the text and the page's URL. The page may be navigating meanwhile,
// so failed evaluations are retried.
func waitForPageText(t *testing.T, ctx context.Context, want string) (text, location string) {
	t.Helper()
	var lastErr error
	for {
		text, lastErr = chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		if lastErr == nil && strings.Contains(text, want) {
			location, err := chromedp.Run(ctx, chromedp.Location())
			if err != nil {
				t.Fatalf("chromium: location: %v", err)
			}
			return text, location
		}
		select {
		case <-ctx.Done():
			t.Fatalf("chromium: the page never said %q (last text %q, last error %v): %v", want, text, lastErr, context.Cause(ctx))
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// killProcessesUsing kills the processes started with --user-data-dir=dir (a
// Chromium and its helpers) and returns how many it found.
func killProcessesUsing(dir string) int {
	want := []byte("--user-data-dir=" + dir)
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	n := 0
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil {
			continue
		}
		for _, arg := range bytes.Split(cmdline, []byte{0}) {
			if bytes.Equal(arg, want) {
				if syscall.Kill(pid, syscall.SIGKILL) == nil {
					n++
				}
				break
			}
		}
	}
	return n
}

// lockedBuffer is a bytes.Buffer safe for concurrent use.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// Tail returns the last n lines written.
func (b *lockedBuffer) Tail(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	lines := strings.SplitAfter(b.buf.String(), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "")
}
