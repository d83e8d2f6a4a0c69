// Package browser opens URLs for the person at the keyboard: with $BROWSER
// when it is set, as Unix tools do, else with the desktop's opener.
package browser

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"time"
)

// Opener opens a URL for the person at the keyboard.
type Opener interface {
	// Open opens url. Its errors never hold url.
	Open(ctx context.Context, url string) error
}

// ErrNoBrowser is returned when no browser can be reached from here.
var ErrNoBrowser = errors.New("no browser can be reached from here")

// browserWait is how long System waits for a $BROWSER program to
// exit before leaving it running: a browser started by it may run until the
// person closes it.
const browserWait = 5 * time.Second

// System opens URLs as Unix tools do.
//
// With BROWSER set, its value is a list of commands separated by the path
// list separator (':' on Unix); the first whose program can be found is run
// with the URL as its one argument added to its words (or put in place of
// a "%s" among them). The program's output goes to Stderr. When it exits
// within a few seconds its exit status counts; one still running then (a
// browser it started in the foreground) is left to run.
//
// Without BROWSER, the desktop's opener opens the URL (xdg-open on Linux
// and the BSDs, open on macOS, rundll32 on Windows). On Linux and the BSDs, with none of DISPLAY,
// WAYLAND_DISPLAY or a WSL session, that would only reach a text browser
// or fail, so Open returns ErrNoBrowser instead.
//
// The URL is passed on the browser's command line, as every tool that
// opens browsers does: other local users can read it in /proc while that
// program runs. So Open refuses a URL that carries a secret parameter
// (SigninToken, state, code, code_challenge, a token...; see
// [ErrSecretURL]): callers hand the browser a one-time loopback link
// (internal/loopback) that redirects to such a URL instead. A System is
// safe for concurrent use.
type System struct {
	// LookupEnv reads the environment.
	LookupEnv func(string) (string, bool)
	// Stderr receives the output of a $BROWSER program (nil: discarded).
	Stderr io.Writer
	// GOOS is the operating system ("" means runtime.GOOS).
	GOOS string
	// OpenURL opens a URL when BROWSER is unset (nil means the desktop's
	// opener).
	OpenURL func(url string) error
	// Wait is how long a $BROWSER program is waited for (0: 5 seconds).
	Wait time.Duration
}

var _ Opener = System{}

// Open implements Browser.
func (b System) Open(ctx context.Context, u string) error {
	if err := checkNoSecret(u); err != nil {
		return err
	}
	if v := b.getenv("BROWSER"); strings.TrimSpace(v) != "" {
		return redact(b.runBrowserVar(ctx, v, u), u)
	}
	goos := b.GOOS
	if goos == "" {
		goos = runtime.GOOS
	}
	switch goos {
	case "darwin", "windows":
	default:
		if b.getenv("DISPLAY") == "" && b.getenv("WAYLAND_DISPLAY") == "" && b.getenv("WSL_DISTRO_NAME") == "" {
			return fmt.Errorf("%w (none of BROWSER, DISPLAY or WAYLAND_DISPLAY is set)", ErrNoBrowser)
		}
	}
	open := b.OpenURL
	if open == nil {
		open = func(u string) error { return desktopOpen(goos, u) }
	}
	if err := open(u); err != nil {
		return redact(fmt.Errorf("%w: %w", ErrNoBrowser, err), u)
	}
	return nil
}

func (b System) getenv(key string) string {
	if b.LookupEnv == nil {
		return ""
	}
	v, _ := b.LookupEnv(key)
	return v
}

// runBrowserVar runs the first usable command of a BROWSER value.
func (b System) runBrowserVar(ctx context.Context, value, u string) error {
	for _, candidate := range strings.Split(value, string(os.PathListSeparator)) {
		words := strings.Fields(candidate)
		if len(words) == 0 {
			continue
		}
		prog, err := exec.LookPath(words[0])
		if err != nil {
			continue
		}
		args := words[1:]
		placed := false
		for i, w := range args {
			if strings.Contains(w, "%s") {
				args[i] = strings.ReplaceAll(w, "%s", u)
				placed = true
			}
		}
		if !placed {
			args = append(args, u)
		}
		// Not CommandContext: interrupting sesame must not kill a browser.
		cmd := exec.Command(prog, args...)
		cmd.Stdout, cmd.Stderr = b.Stderr, b.Stderr
		if err := cmd.Start(); err != nil {
			return fmt.Errorf("cannot start the browser %s (from BROWSER): %w", words[0], err)
		}
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		wait := b.Wait
		if wait <= 0 {
			wait = browserWait
		}
		timer := time.NewTimer(wait)
		defer timer.Stop()
		select {
		case err := <-done:
			if err != nil {
				return fmt.Errorf("the browser %s (from BROWSER) failed: %w", words[0], err)
			}
			return nil
		case <-timer.C:
			return nil
		case <-ctx.Done():
			return context.Cause(ctx)
		}
	}
	return fmt.Errorf("%w: no program named in BROWSER=%q can be found", ErrNoBrowser, value)
}

// ErrSecretURL is returned by Open for a URL with a parameter that must
// never be on a command line.
var ErrSecretURL = errors.New("refusing to put a secret on the browser's command line")

// secretParams are the (lower-case) parameter names that carry a secret or
// bind a sign-in: the console's SigninToken, OAuth's state, code, PKCE
// challenge and verifier, and tokens.
var secretParams = []string{"signintoken", "state", "code", "code_challenge", "code_verifier",
	"access_token", "refresh_token", "id_token", "client_secret", "token"}

// checkNoSecret refuses a URL whose query or fragment holds one of
// secretParams (the error names the parameter, never its value).
func checkNoSecret(u string) error {
	pu, err := url.Parse(u)
	if err != nil {
		return fmt.Errorf("%w: the URL does not parse", ErrSecretURL)
	}
	for _, raw := range []string{pu.RawQuery, pu.Fragment} {
		q, _ := url.ParseQuery(raw)
		for k := range q {
			if slices.Contains(secretParams, strings.ToLower(k)) {
				return fmt.Errorf("%w: the URL has a %s parameter", ErrSecretURL, k)
			}
		}
	}
	return nil
}

// redact removes u from err's text, in case something quoted it.
func redact(err error, u string) error {
	if err == nil || !strings.Contains(err.Error(), u) {
		return err
	}
	return errors.New(strings.ReplaceAll(err.Error(), u, "<the sign-in URL>"))
}

// desktopOpen hands the URL to the desktop's opener and does not wait for
// the browser.
func desktopOpen(goos, u string) error {
	name, args := "xdg-open", []string(nil)
	switch goos {
	case "darwin":
		name = "open"
	case "windows":
		name, args = "rundll32", []string{"url.dll,FileProtocolHandler"}
	}
	prog, err := exec.LookPath(name)
	if err != nil {
		return fmt.Errorf("no %s", name)
	}
	cmd := exec.Command(prog, append(args, u)...)
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }()
	return nil
}
