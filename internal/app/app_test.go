package app

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// run runs sesame in-process with a sandboxed home and returns its output.
func run(t *testing.T, config string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	home := t.TempDir()
	if config != "" {
		_ = os.MkdirAll(filepath.Join(home, ".aws"), 0o700)
		if err := os.WriteFile(filepath.Join(home, ".aws", "config"), []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ios, _, out, errOut := iostreams.Test()
	level := new(slog.LevelVar)
	f := &cmdutil.Factory{
		IOStreams: ios,
		LookupEnv: func(string) (string, bool) { return "", false },
		HomeDir:   func() (string, error) { return home, nil },
		Now:       time.Now,
		Logger:    NewLogger(errOut, level),
		Build:     cmdutil.BuildInfo{Version: "v1.2.3", Commit: "abc1234", Date: "2026-11-21"},
	}
	code = Run(context.Background(), f, level, args)
	return out.String(), errOut.String(), code
}

func TestExitCodesAndHints(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		config     string
		args       []string
		wantCode   int
		wantStderr []string
		wantStdout string
	}{
		{name: "unknown command", args: []string{"frobnicate"}, wantCode: 2,
			wantStderr: []string{`sesame: unknown command "frobnicate"`, "sesame: hint: run: sesame --help"}},
		{name: "unknown flag", args: []string{"list", "--frob"}, wantCode: 2, wantStderr: []string{"sesame: unknown flag: --frob"}},
		{name: "extra argument", args: []string{"list", "x"}, wantCode: 2, wantStderr: []string{"takes no arguments"}},
		{name: "broken config", config: "[default]\nregion = a\nregion = b\n", args: []string{"list"}, wantCode: 1,
			wantStderr: []string{`config:3: duplicate key "region"`, "sesame: hint: the AWS CLI cannot read this file either; fix line 3"}},
		{name: "version", args: []string{"version"}, wantStdout: "sesame v1.2.3 (commit abc1234, built 2026-11-21"},
		{name: "version flag", args: []string{"--version"}, wantStdout: "v1.2.3\n"},
		{name: "list", config: "[profile a]\n", args: []string{"list"}, wantStdout: "a\tkeys\t\t\t\tno\t\n"},
		{name: "completion", args: []string{"completion", "bash"}, wantStdout: "# bash completion V2 for sesame"},
		{name: "completion fish", args: []string{"completion", "fish"}, wantStdout: "# fish completion for sesame"},
		{name: "completion of commands", args: []string{"__complete", "l"}, wantStdout: "list\t"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out, errOut, code := run(t, tt.config, tt.args...)
			if code != tt.wantCode {
				t.Errorf("exit code = %d, want %d (stderr %q)", code, tt.wantCode, errOut)
			}
			for _, w := range tt.wantStderr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr %q does not contain %q", errOut, w)
				}
			}
			if !strings.HasPrefix(out, tt.wantStdout) {
				t.Errorf("stdout %q does not start with %q", out, tt.wantStdout)
			}
			if tt.wantCode != 0 && out != "" {
				t.Errorf("a failure wrote to stdout: %q", out)
			}
			if tt.args[0] == "__complete" {
				return // cobra reports its completion directive on stderr
			}
			for _, line := range strings.Split(strings.TrimSpace(errOut), "\n") {
				if line != "" && !strings.HasPrefix(line, "sesame: ") {
					t.Errorf("stderr line without the sesame: prefix: %q", line)
				}
			}
		})
	}
}

func TestHelpGolden(t *testing.T) {
	t.Parallel()
	out, _, code := run(t, "", "--help")
	if code != 0 {
		t.Fatalf("exit code %d", code)
	}
	testenv.Golden(t, "help.golden", out, *update)
}

func TestPrintError(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	PrintError(&b, cmdutil.WithHint(errors.New("two\nlines"), "run: sesame list"))
	if got, want := b.String(), "sesame: two\nsesame: lines\nsesame: hint: run: sesame list\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	// A name from the files cannot drive the terminal.
	b.Reset()
	PrintError(&b, cmdutil.WithHint(errors.New("profile evil\x1b]0;pwned\x07 in region \x1b[2J\u009b"), "run: sesame list \x1b[31m"))
	if got, want := b.String(), "sesame: profile evil\\x1b]0;pwned\\x07 in region \\x1b[2J\\u009b\nsesame: hint: run: sesame list \\x1b[31m\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	b.Reset()
	PrintError(&b, &cmdutil.ExitCodeError{Code: 3})
	if b.Len() != 0 {
		t.Errorf("an exit code error printed %q", b.String())
	}
}

func TestDebugLoggerRedacts(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	level := new(slog.LevelVar)
	log := NewLogger(&b, level)
	log.Debug("hidden before --debug")
	level.Set(slog.LevelDebug)
	log.Debug("provider", "profile", "dev", "secret_access_key", "wJalrXUtnFEMI", "SessionToken", "FwoGZXIvY", "mfa_token_code", "123456")
	got := b.String()
	if strings.Contains(got, "hidden") {
		t.Errorf("debug output before --debug: %q", got)
	}
	for _, secret := range []string{"wJalrXUtnFEMI", "FwoGZXIvY", "123456"} {
		if strings.Contains(got, secret) {
			t.Errorf("debug output leaks %q: %q", secret, got)
		}
	}
	if !strings.Contains(got, "profile=dev") {
		t.Errorf("debug output lost a plain attribute: %q", got)
	}
}
