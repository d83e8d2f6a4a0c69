//go:build unix

package browser

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A URL with every character a shell or a naive split would trip on.
const testURL = "https://signin.example.com/federation?Action=login&Destination=https%3A%2F%2Fconsole.aws.amazon.com%2F&Issuer=sesame&Label=a b;c$d"

// TestSecretURLRefused: a URL carrying a secret parameter never reaches a
// command line, through BROWSER or the desktop opener; the error names
// the parameter, not its value.
func TestSecretURLRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ran := filepath.Join(dir, "ran")
	record := script(t, dir, "record", `touch "`+ran+`"`+"\n")
	for _, u := range []string{
		"https://signin.aws.amazon.com/federation?Action=login&SigninToken=s3cr3t-value&Destination=x",
		"https://oidc.eu-west-1.amazonaws.com/authorize?response_type=code&client_id=c&state=s3cr3t-value&code_challenge=x",
		"http://127.0.0.1:1234/oauth/callback?code=s3cr3t-value&STATE=y",
		"https://example.com/cb#access_token=s3cr3t-value",
	} {
		for _, vars := range []map[string]string{{"BROWSER": record}, {"DISPLAY": ":0"}} {
			b := System{LookupEnv: env(vars), GOOS: "linux", OpenURL: func(string) error { t.Errorf("the desktop opener got %s", u); return nil }}
			err := b.Open(t.Context(), u)
			if !errors.Is(err, ErrSecretURL) || strings.Contains(err.Error(), "s3cr3t") {
				t.Errorf("Open(%s) with %v: error %v, want ErrSecretURL without the value", u, vars, err)
			}
		}
	}
	if _, err := os.Stat(ran); err == nil {
		t.Error("the BROWSER program ran")
	}
	// The device flow's URL with its user code, and a loopback link, are
	// fine.
	for _, u := range []string{"https://device.sso.eu-west-1.amazonaws.com/?user_code=ABCD-EFGH", "http://127.0.0.1:1234/Zm9vYmFyYmF6cXV4"} {
		if err := checkNoSecret(u); err != nil {
			t.Errorf("checkNoSecret(%s) = %v", u, err)
		}
	}
}

// script writes an executable sh script into dir and returns its path.
func script(t *testing.T, dir, name, body string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

func env(vars map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := vars[k]; return v, ok }
}

func TestSystemVariable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	out := filepath.Join(dir, "args")
	record := script(t, dir, "record", `for a in "$@"; do printf '%s\n' "$a"; done > "`+out+`"`+"\n")
	fail := script(t, dir, "fail", "echo 'cannot open' \"$1\" >&2\nexit 3\n")
	slow := script(t, dir, "slow", "exec sleep 3\n")

	for _, tt := range []struct {
		name     string
		browser  string
		wantArgs string // lines written by the record script
		wantErr  string
	}{
		{name: "one argument", browser: record, wantArgs: testURL + "\n"},
		{name: "words and %s, after a program that is missing", browser: filepath.Join(dir, "missing") + ":" + record + " --new-window --url=%s",
			wantArgs: "--new-window\n--url=" + testURL + "\n"},
		{name: "nothing found", browser: "no-such-browser-anywhere", wantErr: "no program named in BROWSER"},
		{name: "program fails", browser: fail, wantErr: "exit status 3"},
		{name: "program still running", browser: slow},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_ = os.Remove(out)
			var stderr strings.Builder
			b := System{LookupEnv: env(map[string]string{"BROWSER": tt.browser}), Stderr: &stderr, Wait: 300 * time.Millisecond,
				OpenURL: func(string) error { t.Error("the desktop opener was used"); return nil }}
			start := time.Now()
			err := b.Open(t.Context(), testURL)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Open: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
			if err != nil && strings.Contains(err.Error(), "a b;c$d") {
				t.Errorf("the error shows the URL: %v", err)
			}
			if tt.wantErr == "no program named in BROWSER" && !errors.Is(err, ErrNoBrowser) {
				t.Errorf("error = %v, want ErrNoBrowser", err)
			}
			if tt.wantArgs != "" {
				got, err := os.ReadFile(out)
				if err != nil || string(got) != tt.wantArgs {
					t.Errorf("arguments = %q (%v), want %q", got, err, tt.wantArgs)
				}
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("Open took %v", d)
			}
		})
	}
}

func TestSystemCancelled(t *testing.T) {
	t.Parallel()
	slow := script(t, t.TempDir(), "slow", "exec sleep 3\n")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	b := System{LookupEnv: env(map[string]string{"BROWSER": slow}), Wait: time.Minute}
	if err := b.Open(ctx, testURL); !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}

func TestSystemDesktop(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		goos     string
		env      map[string]string
		openErr  error
		wantOpen bool
		wantErr  string
	}{
		{name: "linux without a display", goos: "linux", env: map[string]string{}, wantErr: "none of BROWSER, DISPLAY or WAYLAND_DISPLAY"},
		{name: "blank BROWSER", goos: "linux", env: map[string]string{"BROWSER": " "}, wantErr: "none of BROWSER"},
		{name: "X11", goos: "linux", env: map[string]string{"DISPLAY": ":0"}, wantOpen: true},
		{name: "Wayland", goos: "freebsd", env: map[string]string{"WAYLAND_DISPLAY": "wayland-0"}, wantOpen: true},
		{name: "WSL", goos: "linux", env: map[string]string{"WSL_DISTRO_NAME": "Debian"}, wantOpen: true},
		{name: "macOS", goos: "darwin", env: map[string]string{}, wantOpen: true},
		{name: "opener fails and quotes the URL", goos: "linux", env: map[string]string{"DISPLAY": ":0"}, openErr: errors.New("xdg-open " + testURL + ": exit status 4"),
			wantOpen: true, wantErr: "xdg-open <the sign-in URL>: exit status 4"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var opened []string
			b := System{LookupEnv: env(tt.env), GOOS: tt.goos, OpenURL: func(u string) error { opened = append(opened, u); return tt.openErr }}
			err := b.Open(t.Context(), testURL)
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("error = %v, want %q", err, tt.wantErr)
			}
			if tt.wantOpen != (len(opened) == 1 && opened[0] == testURL) {
				t.Errorf("opened %q, want open %v", opened, tt.wantOpen)
			}
		})
	}
}
