//go:build unix

package mfa

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sesamehq/sesame/internal/prompt"
)

const serial = "arn:aws:iam::999988887777:mfa/alice"

// stubDir holds the stub programs, written once before any test runs:
// a test writing an executable while another forks can make exec fail
// with "text file busy". Each stub runs the shell code in the variable
// STUB_<name> of its environment.
var stubDir string

// stubNames are the stub programs in stubDir.
var stubNames = []string{"zenity", "kdialog", "osascript", "ykman", "totp"}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "mfa-stubs-")
	if err != nil {
		panic(err)
	}
	for _, name := range stubNames {
		body := "#!/bin/sh\neval \"$STUB_" + name + "\"\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o755); err != nil {
			panic(err)
		}
	}
	stubDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// stubs returns an environment whose PATH has the stubs first, then the
// test process's PATH (for sh, cat and friends), with each stub's
// behaviour (name → shell code) and STUB_OUT, a new folder for the stubs
// to write to.
func stubs(t *testing.T, programs map[string]string) (env []string, out string) {
	t.Helper()
	out = t.TempDir()
	env = []string{"PATH=" + stubDir + string(os.PathListSeparator) + os.Getenv("PATH"), "STUB_OUT=" + out}
	for name, body := range programs {
		env = append(env, "STUB_"+name+"="+body)
	}
	return env, out
}

// onlyEmptyPath is an environment whose PATH finds nothing.
func onlyEmptyPath(t *testing.T) []string {
	t.Helper()
	return []string{"PATH=" + t.TempDir()}
}

// noTerminal is a Prompter with no terminal.
type noTerminal struct{}

func (noTerminal) Secret(context.Context, string) (string, error) { return "", prompt.ErrNoTerminal }
func (noTerminal) Line(context.Context, string) (string, error)   { return "", prompt.ErrNoTerminal }
func (noTerminal) Confirm(context.Context, string, bool) (bool, error) {
	return false, prompt.ErrNoTerminal
}

// failPrompter fails the test when asked anything.
type failPrompter struct{ t *testing.T }

func (p failPrompter) Secret(_ context.Context, l string) (string, error) {
	p.t.Errorf("unexpected prompt %q", l)
	return "", errors.New("unexpected")
}
func (p failPrompter) Line(ctx context.Context, l string) (string, error) { return p.Secret(ctx, l) }
func (p failPrompter) Confirm(_ context.Context, l string, _ bool) (bool, error) {
	p.t.Errorf("unexpected prompt %q", l)
	return false, errors.New("unexpected")
}

// wantError checks err: non-nil, with every substring in want, a hint
// containing hint, and none of the forbidden strings in message or hint.
func wantError(t *testing.T, err error, want []string, hint string, forbidden ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not contain %q", err, w)
		}
	}
	var me *Error
	if !errors.As(err, &me) {
		t.Fatalf("error %q is not an *mfa.Error with a hint", err)
	}
	if me.NextStep() != me.Hint {
		t.Errorf("NextStep() = %q, want the hint %q", me.NextStep(), me.Hint)
	}
	if !strings.Contains(me.Hint, hint) {
		t.Errorf("hint %q does not contain %q", me.Hint, hint)
	}
	for _, f := range forbidden {
		if strings.Contains(err.Error()+me.Hint, f) {
			t.Errorf("error or hint contains %q: %q / %q", f, err, me.Hint)
		}
	}
}

func TestGivenToken(t *testing.T) {
	t.Parallel()
	fake := &prompt.Fake{Answers: []string{"222222"}}
	get := Source(Options{Token: "111111", Prompter: fake, Profile: "dev"})
	ctx := context.Background()
	if code, err := get(ctx, serial); err != nil || code != "111111" {
		t.Fatalf("first call = %q, %v; want the given token", code, err)
	}
	if len(fake.Asked) != 0 {
		t.Fatalf("asked %q although a token was given", fake.Asked)
	}
	// Used once: the next call asks.
	if code, err := get(ctx, serial); err != nil || code != "222222" {
		t.Fatalf("second call = %q, %v; want the prompt's answer", code, err)
	}
	if len(fake.Asked) != 1 || fake.Asked[0] != "MFA code for "+serial+": " {
		t.Errorf("asked %q", fake.Asked)
	}
}

func TestGivenTokenUsedOnceAcrossGoroutines(t *testing.T) {
	t.Parallel()
	env, _ := stubs(t, nil)
	get := Source(Options{Token: "111111", Process: "echo 222222", Env: env, Profile: "dev"})
	var mu sync.Mutex
	got := map[string]int{}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			code, err := get(context.Background(), serial)
			if err != nil {
				t.Error(err)
			}
			mu.Lock()
			got[code]++
			mu.Unlock()
		})
	}
	wg.Wait()
	if got["111111"] != 1 || got["222222"] != 7 {
		t.Errorf("codes = %v, want the given one once", got)
	}
}

func TestInvalidCodes(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"12345", "1234567", "12345a", "١٢٣٤٥٦", "", "12 456"} {
		t.Run(code, func(t *testing.T) {
			t.Parallel()
			get := Source(Options{Token: code, Prompter: failPrompter{t}})
			if code == "" {
				// An empty --mfa-token is no token: the prompt is used.
				get = Source(Options{Prompter: &prompt.Fake{Answers: []string{"", "", ""}}})
			}
			_, err := get(context.Background(), serial)
			var forbid []string
			if code != "" {
				forbid = []string{code}
			}
			wantError(t, err, []string{"not six digits", serial}, "six-digit code of the MFA device "+serial, forbid...)
			if !errors.Is(err, ErrInvalidCode) {
				t.Errorf("error %v does not wrap ErrInvalidCode", err)
			}
		})
	}
}

func TestMFAProcess(t *testing.T) {
	t.Parallel()
	env, _ := stubs(t, map[string]string{
		"totp": `echo "asked for $1" >&2; printf ' 123456 \n'`,
	})
	var stderr bytes.Buffer
	get := Source(Options{Process: "totp dev", Profile: "dev", Env: env, Stderr: &stderr, Prompter: failPrompter{t}})
	code, err := get(context.Background(), serial)
	if err != nil || code != "123456" {
		t.Fatalf("code = %q, %v", code, err)
	}
	if stderr.String() != "asked for dev\n" {
		t.Errorf("stderr = %q, want the process's stderr passed through", stderr.String())
	}
}

func TestMFAProcessFailures(t *testing.T) {
	t.Parallel()
	env, _ := stubs(t, nil)
	tests := []struct {
		name    string
		process string
		want    []string
		hint    string
	}{
		{name: "exit status", process: "echo 654321 top-secret-output; exit 3",
			want: []string{"mfa_process of profile dev failed", "exit status 3"}, hint: "run the mfa_process command of profile dev by hand"},
		{name: "not six digits", process: "echo top-secret-output",
			want: []string{"the MFA code from mfa_process of profile dev for " + serial + " is not six digits"}, hint: "six-digit code"},
		{name: "nothing printed", process: "true", want: []string{"not six digits"}, hint: "six-digit code"},
		{name: "missing command", process: "no-such-command-xyz", want: []string{"exit status 127"}, hint: "--mfa-token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			get := Source(Options{Process: tt.process, Profile: "dev", Env: env, Prompter: failPrompter{t}})
			_, err := get(context.Background(), serial)
			wantError(t, err, tt.want, tt.hint, "top-secret-output", "654321")
		})
	}
}

func TestMFAProcessCancelled(t *testing.T) {
	t.Parallel()
	env, _ := stubs(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	get := Source(Options{Process: "sleep 30", Env: env})
	cancel()
	if _, err := get(ctx, serial); !errors.Is(err, context.Canceled) {
		t.Errorf("error = %v, want context.Canceled", err)
	}
}

func TestTerminalPrompt(t *testing.T) {
	t.Parallel()
	t.Run("asks again after a wrong answer", func(t *testing.T) {
		t.Parallel()
		fake := &prompt.Fake{Answers: []string{"12345", " 654321 "}}
		for _, kind := range []string{"", "terminal"} {
			fake.Answers = []string{"12345", " 654321 "}
			fake.Asked = nil
			code, err := Source(Options{Prompt: kind, Prompter: fake})(context.Background(), serial)
			if err != nil || code != "654321" {
				t.Fatalf("SESAME_PROMPT=%q: code = %q, %v", kind, code, err)
			}
			want := []string{"MFA code for " + serial + ": ", "that is not six digits; MFA code for " + serial + ": "}
			if strings.Join(fake.Asked, "|") != strings.Join(want, "|") {
				t.Errorf("asked %q, want %q", fake.Asked, want)
			}
		}
	})
	t.Run("gives up after three", func(t *testing.T) {
		t.Parallel()
		fake := &prompt.Fake{Answers: []string{"1", "2", "3", "123456"}}
		_, err := Source(Options{Prompter: fake})(context.Background(), serial)
		wantError(t, err, []string{"not six digits"}, "six-digit")
		if len(fake.Asked) != 3 {
			t.Errorf("asked %d times, want 3", len(fake.Asked))
		}
	})
	t.Run("no terminal", func(t *testing.T) {
		t.Parallel()
		_, err := Source(Options{Prompter: noTerminal{}})(context.Background(), serial)
		wantError(t, err, []string{"no terminal to ask on", serial}, "--mfa-token")
		for _, w := range []string{"mfa_process", "SESAME_PROMPT"} {
			if !strings.Contains(err.(*Error).Hint, w) {
				t.Errorf("hint does not mention %s", w)
			}
		}
		if !errors.Is(err, prompt.ErrNoTerminal) && strings.Contains(err.Error(), "Unable to locate") {
			t.Error("bare SDK message")
		}
	})
	t.Run("context ends", func(t *testing.T) {
		t.Parallel()
		p := ctxPrompter{}
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := Source(Options{Prompter: p})(ctx, serial); !errors.Is(err, context.Canceled) {
			t.Errorf("error = %v", err)
		}
	})
}

type ctxPrompter struct{ noTerminal }

func (ctxPrompter) Line(ctx context.Context, _ string) (string, error) { return "", ctx.Err() }

// argsScript records its arguments, one a line, in $STUB_OUT/NAME.args and
// prints out.
func argsScript(name, out string) string {
	return `for a in "$@"; do printf '%s\n' "$a"; done > "$STUB_OUT/` + name + `.args"; printf '%s' '` + out + `'`
}

func TestPromptPrograms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		kind     string
		out      string
		wantArgs []string
	}{
		{kind: "zenity", out: "123456\n", wantArgs: []string{"--entry", "--title", "sesame", "--text", "MFA code for " + serial}},
		{kind: "kdialog", out: "123456\n", wantArgs: []string{"--title", "sesame", "--inputbox", "MFA code for " + serial}},
		{kind: "osascript", out: "123456\n", wantArgs: []string{"-e",
			`text returned of (display dialog "MFA code for ` + serial + `" default answer "" with title "sesame")`}},
		{kind: "ykman", out: "Amazon Web Services:alice@123456789012  123456\n",
			wantArgs: []string{"oath", "accounts", "code", "--single", serial}},
		{kind: "ykman", out: "123456\n", wantArgs: []string{"oath", "accounts", "code", "--single", serial}},
	}
	for _, tt := range tests {
		t.Run(tt.kind, func(t *testing.T) {
			t.Parallel()
			env, dir := stubs(t, map[string]string{tt.kind: argsScript(tt.kind, tt.out)})
			code, err := Source(Options{Prompt: tt.kind, Env: env, Prompter: failPrompter{t}})(context.Background(), serial)
			if err != nil || code != "123456" {
				t.Fatalf("code = %q, %v", code, err)
			}
			args, err := os.ReadFile(filepath.Join(dir, tt.kind+".args"))
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Split(strings.TrimSuffix(string(args), "\n"), "\n"); strings.Join(got, "|") != strings.Join(tt.wantArgs, "|") {
				t.Errorf("%s ran with %q, want %q", tt.kind, got, tt.wantArgs)
			}
		})
	}
}

func TestPromptProgramFailures(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"zenity", "kdialog", "osascript", "ykman"} {
		t.Run(kind+" missing", func(t *testing.T) {
			t.Parallel()
			env := onlyEmptyPath(t)
			_, err := Source(Options{Prompt: kind, Env: env})(context.Background(), serial)
			wantError(t, err, []string{"SESAME_PROMPT=" + kind, kind + " is not installed"}, "install "+kind)
		})
		t.Run(kind+" cancelled", func(t *testing.T) {
			t.Parallel()
			env, _ := stubs(t, map[string]string{kind: "echo 123456 top-secret-output; exit 1"})
			_, err := Source(Options{Prompt: kind, Env: env})(context.Background(), serial)
			wantError(t, err, []string{kind, serial, "exit status 1"}, "", "top-secret-output", "123456")
		})
		t.Run(kind+" prints junk", func(t *testing.T) {
			t.Parallel()
			env, _ := stubs(t, map[string]string{kind: "echo top-secret-output"})
			_, err := Source(Options{Prompt: kind, Env: env})(context.Background(), serial)
			wantError(t, err, []string{"not six digits", serial}, "six-digit", "top-secret-output")
		})
	}
	t.Run("unknown SESAME_PROMPT", func(t *testing.T) {
		t.Parallel()
		_, err := Source(Options{Prompt: "pinentry"})(context.Background(), serial)
		wantError(t, err, []string{"SESAME_PROMPT=pinentry"}, "terminal, zenity, kdialog, osascript, ykman")
	})
	t.Run("mfa_process wins over SESAME_PROMPT", func(t *testing.T) {
		t.Parallel()
		env, _ := stubs(t, map[string]string{"zenity": "exit 1"})
		code, err := Source(Options{Prompt: "zenity", Process: "echo 000111", Env: env})(context.Background(), serial)
		if err != nil || code != "000111" {
			t.Errorf("code = %q, %v", code, err)
		}
	})
}

func TestLookPathIn(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "prog"), []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "plain"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	path := "/nonexistent" + string(os.PathListSeparator) + dir
	if p, err := lookPathIn("prog", path); err != nil || p != filepath.Join(dir, "prog") {
		t.Errorf("prog = %q, %v", p, err)
	}
	for _, name := range []string{"plain", "sub", "missing"} {
		if p, err := lookPathIn(name, path); err == nil {
			t.Errorf("%s found at %q", name, p)
		}
	}
	if p, err := lookPathIn(filepath.Join(dir, "prog"), ""); err != nil || p != filepath.Join(dir, "prog") {
		t.Errorf("absolute path = %q, %v", p, err)
	}
}
