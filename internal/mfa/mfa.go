// Package mfa gets one-time MFA codes for STS calls. [Source] builds a
// [TokenFunc] that takes a code from, in order:
//
//  1. a code given on the command line (--mfa-token), used for the first
//     call only, as a TOTP code can be used once;
//  2. the profile's mfa_process, run with `sh -c`: its stdout, trimmed, is
//     the code; its stderr goes to the user's stderr;
//  3. the prompt chosen by SESAME_PROMPT: "terminal" (the default; asks on
//     /dev/tty), "zenity", "kdialog", "osascript" or "ykman" (reads the code
//     from a YubiKey's OATH application).
//
// Every code is checked to be exactly six digits. A code is never put in
// the argument list of a process, and never in an error: errors name the
// source and the MFA device (mfa_serial), not what it printed. Errors that
// have a next step to suggest are *[Error] values carrying it as Hint,
// which cmdutil.Hint finds through the NextStep method.
//
// A TokenFunc is safe for concurrent use, but callers should make parallel
// calls share one code (a code is valid once per 30 s window): see
// internal/creds.
package mfa

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/sesamehq/sesame/internal/prompt"
)

// TokenFunc returns a fresh MFA code for the MFA device serial (an
// mfa_serial ARN or a hardware device's serial number).
type TokenFunc func(ctx context.Context, serial string) (string, error)

// Prompt kinds, the values of SESAME_PROMPT.
const (
	PromptTerminal  = "terminal"
	PromptZenity    = "zenity"
	PromptKDialog   = "kdialog"
	PromptOSAScript = "osascript"
	PromptYkman     = "ykman"
)

// Prompts lists the values SESAME_PROMPT accepts.
var Prompts = []string{PromptTerminal, PromptZenity, PromptKDialog, PromptOSAScript, PromptYkman}

// Options configure a [Source].
type Options struct {
	// Token is a code given on the command line (--mfa-token); "" for none.
	Token string
	// Process is the profile's mfa_process command; "" for none.
	Process string
	// Profile is the profile's name, for messages.
	Profile string
	// Prompt is SESAME_PROMPT; "" means terminal.
	Prompt string
	// Prompter asks on the terminal; nil means prompt.TTY{}.
	Prompter prompt.Prompter
	// Stderr receives the stderr of mfa_process and the prompt programs;
	// nil discards it.
	Stderr io.Writer
	// Env is the environment of the programs run, as KEY=VALUE entries;
	// nil means this process's own. Programs are looked up on its PATH.
	Env []string
}

// Error is a failure to get a code, with the next step to suggest. It never
// holds a code or a program's output.
type Error struct {
	Err error
	// Hint says what to do next, e.g. "pass --mfa-token CODE".
	Hint string
}

// Error returns the message without the hint.
func (e *Error) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// NextStep returns the hint; cmdutil.Hint shows it under the error.
func (e *Error) NextStep() string { return e.Hint }

func hinted(hint string, format string, args ...any) error {
	return &Error{Err: fmt.Errorf(format, args...), Hint: hint}
}

// ErrInvalidCode is wrapped by the error for a code that is not six digits.
var ErrInvalidCode = errors.New("an MFA code is six digits")

// hintSources names every way to give a code.
const hintSources = "pass --mfa-token CODE, set mfa_process in the profile, or choose a prompt with SESAME_PROMPT (terminal, zenity, kdialog, osascript, ykman)"

// terminalTries is how many times the terminal prompt asks again after
// an answer that is not six digits.
const terminalTries = 3

// waitDelay bounds how long a program's leftover children may hold its
// output open after it is killed.
const waitDelay = 2 * time.Second

// Source returns the TokenFunc for opts (see the package doc for the order).
func Source(opts Options) TokenFunc {
	var mu sync.Mutex
	given := opts.Token
	return func(ctx context.Context, serial string) (string, error) {
		mu.Lock()
		token := given
		given = ""
		mu.Unlock()
		if token != "" {
			return check(token, "--mfa-token", serial)
		}
		if opts.Process != "" {
			return opts.runProcess(ctx, serial)
		}
		return opts.prompt(ctx, serial)
	}
}

// check returns code when it is six ASCII digits, and otherwise an error
// naming where it came from and the device, but not the code.
func check(code, from, serial string) (string, error) {
	if len(code) == 6 && strings.Trim(code, "0123456789") == "" {
		return code, nil
	}
	return "", &Error{
		Err:  fmt.Errorf("the MFA code from %s for %s is not six digits: %w", from, serial, ErrInvalidCode),
		Hint: "give the current six-digit code of the MFA device " + serial,
	}
}

// runProcess runs mfa_process.
func (o *Options) runProcess(ctx context.Context, serial string) (string, error) {
	out, err := o.run(o.shell(ctx, o.Process))
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", &Error{
			Err:  fmt.Errorf("mfa_process of profile %s failed: %w", o.Profile, exitError(err)),
			Hint: fmt.Sprintf("run the mfa_process command of profile %s by hand to see why, or pass --mfa-token CODE", o.Profile),
		}
	}
	return check(strings.TrimSpace(out), "mfa_process of profile "+o.Profile, serial)
}

// shell returns the command that runs line: `sh -c LINE` (sh from PATH,
// else /bin/sh), or `cmd.exe /C LINE` on Windows.
func (o *Options) shell(ctx context.Context, line string) *exec.Cmd {
	if runtime.GOOS == "windows" {
		return exec.CommandContext(ctx, "cmd.exe", "/C", line)
	}
	sh, err := o.lookPath("sh")
	if err != nil {
		sh = "/bin/sh"
	}
	return exec.CommandContext(ctx, sh, "-c", line)
}

// prompt asks with the program SESAME_PROMPT names.
func (o *Options) prompt(ctx context.Context, serial string) (string, error) {
	label := "MFA code for " + serial
	switch kind := o.Prompt; kind {
	case "", PromptTerminal:
		p := o.Prompter
		if p == nil {
			p = prompt.TTY{}
		}
		ask := label + ": "
		for try := 1; ; try++ {
			code, err := p.Line(ctx, ask)
			if errors.Is(err, prompt.ErrNoTerminal) {
				return "", hinted(hintSources, "an MFA code is needed for %s and there is no terminal to ask on", serial)
			}
			if err != nil {
				return "", err
			}
			code, err = check(strings.TrimSpace(code), "the terminal", serial)
			if err == nil || try == terminalTries {
				return code, err
			}
			ask = "that is not six digits; " + ask
		}
	case PromptZenity:
		return o.dialog(ctx, serial, kind, "apt-get install zenity", "--entry", "--title", "sesame", "--text", label)
	case PromptKDialog:
		return o.dialog(ctx, serial, kind, "apt-get install kdialog", "--title", "sesame", "--inputbox", label)
	case PromptOSAScript:
		script := fmt.Sprintf(`text returned of (display dialog %s default answer "" with title "sesame")`, appleString(label))
		return o.dialog(ctx, serial, kind, "it comes with macOS; elsewhere use SESAME_PROMPT=terminal, zenity or kdialog", "-e", script)
	case PromptYkman:
		return o.ykman(ctx, serial)
	default:
		return "", hinted("set SESAME_PROMPT to one of "+strings.Join(Prompts, ", ")+", or unset it",
			"SESAME_PROMPT=%s is not a prompt sesame knows", kind)
	}
}

// dialog runs a prompt program whose stdout is the code.
func (o *Options) dialog(ctx context.Context, serial, name, install string, args ...string) (string, error) {
	path, err := o.lookPath(name)
	if err != nil {
		return "", missing(name, install)
	}
	out, err := o.run(exec.CommandContext(ctx, path, args...))
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", hinted("answer the "+name+" prompt, or pass --mfa-token CODE",
			"the %s prompt for the MFA code of %s was cancelled or failed: %w", name, serial, exitError(err))
	}
	return check(strings.TrimSpace(out), name, serial)
}

// ykman reads the code for serial from a YubiKey: the OATH account must be
// named like the serial. The code is the last field of the output.
func (o *Options) ykman(ctx context.Context, serial string) (string, error) {
	path, err := o.lookPath(PromptYkman)
	if err != nil {
		return "", missing(PromptYkman, "apt-get install yubikey-manager (or pip install yubikey-manager)")
	}
	out, err := o.run(exec.CommandContext(ctx, path, "oath", "accounts", "code", "--single", serial))
	if err != nil {
		if ctx.Err() != nil {
			return "", ctx.Err()
		}
		return "", hinted(fmt.Sprintf("insert the YubiKey and check that it has an OATH account named %s (ykman oath accounts list)", serial),
			"ykman could not read the MFA code for %s: %w", serial, exitError(err))
	}
	fields := strings.Fields(out)
	if len(fields) == 0 {
		return check("", "ykman", serial)
	}
	return check(fields[len(fields)-1], "ykman", serial)
}

func missing(name, install string) error {
	return hinted(fmt.Sprintf("install %s (%s), or choose another SESAME_PROMPT (%s)", name, install, strings.Join(Prompts, ", ")),
		"SESAME_PROMPT=%s but %s is not installed (not found on PATH)", name, name)
}

// run runs cmd with no stdin, its stderr to the user's, and returns stdout.
func (o *Options) run(cmd *exec.Cmd) (string, error) {
	var out bytes.Buffer
	cmd.Env = o.Env
	cmd.Stdout = &out
	cmd.Stderr = o.Stderr
	cmd.WaitDelay = waitDelay
	err := cmd.Run()
	return out.String(), err
}

// exitError describes a failed run without any of the program's output.
func exitError(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return fmt.Errorf("%s", ee.ProcessState.String())
	}
	return err
}

// lookPath finds name on the PATH of o.Env (this process's PATH when Env
// is nil).
func (o *Options) lookPath(name string) (string, error) {
	if o.Env == nil {
		return exec.LookPath(name)
	}
	path := ""
	for _, kv := range o.Env {
		if k, v, ok := strings.Cut(kv, "="); ok && envKeyEqual(k, "PATH") {
			path = v
		}
	}
	return lookPathIn(name, path)
}

// lookPathIn searches the directories of path (a PATH value) for an
// executable file called name, as a shell does; a name containing a path
// separator is checked as it is. An empty element of path means the
// current folder.
func lookPathIn(name, path string) (string, error) {
	if strings.ContainsRune(name, '/') || strings.ContainsRune(name, filepath.Separator) {
		if err := executable(name); err != nil {
			return "", &exec.Error{Name: name, Err: err}
		}
		return name, nil
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			dir = "."
		}
		p := filepath.Join(dir, name)
		if executable(p) == nil {
			return p, nil
		}
		if runtime.GOOS == "windows" && executable(p+".exe") == nil {
			return p + ".exe", nil
		}
	}
	return "", &exec.Error{Name: name, Err: exec.ErrNotFound}
}

func executable(path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	if fi.IsDir() {
		return fs.ErrPermission
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm()&0o111 == 0 {
		return fs.ErrPermission
	}
	return nil
}

func envKeyEqual(a, b string) bool {
	if runtime.GOOS == "windows" {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// appleString quotes s as an AppleScript string literal.
func appleString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
