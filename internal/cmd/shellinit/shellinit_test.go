package shellinit

import (
	"context"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestScriptsGolden pins each shell's code. PowerShell is checked this way
// only: it is not installed where the tests run.
func TestScriptsGolden(t *testing.T) {
	t.Parallel()
	for _, shell := range Shells {
		t.Run(shell, func(t *testing.T) {
			t.Parallel()
			ios, _, out, _ := iostreams.Test()
			if err := Run(context.Background(), &Options{IO: ios, Shell: shell}); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", shell+".golden")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if out.String() != string(want) {
				t.Errorf("%s differs (go test -update to accept):\n%s", path, out)
			}
			if !strings.Contains(out.String(), "use --shell "+shell) {
				t.Errorf("the %s function does not pass --shell %s", shell, shell)
			}
		})
	}
}

// TestScriptsParse checks the syntax of each script with its shell, where
// the shell is installed (the tmux tests of package use run them).
func TestScriptsParse(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ shell, bin string }{{Bash, "bash"}, {Zsh, "zsh"}, {Fish, "fish"}} {
		t.Run(c.shell, func(t *testing.T) {
			t.Parallel()
			path, err := exec.LookPath(c.bin)
			if err != nil {
				t.Skipf("skipping: %s is not installed", c.bin)
			}
			code, _ := Script(c.shell)
			cmd := exec.CommandContext(t.Context(), path, "-n")
			cmd.Stdin = strings.NewReader(code)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s -n: %v\n%s", c.bin, err, out)
			}
		})
	}
}

func TestUnknownShell(t *testing.T) {
	t.Parallel()
	_, err := Script("tcsh")
	if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), "bash, zsh, fish, powershell") {
		t.Errorf("err = %v", err)
	}
}

func TestGuessAndSetup(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ path, goos, want string }{
		{"/bin/bash", "linux", Bash},
		{"/usr/local/bin/zsh", "darwin", Zsh},
		{"/opt/homebrew/bin/fish", "darwin", Fish},
		{"/usr/bin/pwsh", "linux", PowerShell},
		{"", "windows", PowerShell},
		{"", "linux", ""},
		{"/bin/tcsh", "linux", ""},
	} {
		if got := Guess(tt.path, tt.goos); got != tt.want {
			t.Errorf("Guess(%q, %q) = %q, want %q", tt.path, tt.goos, got, tt.want)
		}
	}
	for _, shell := range Shells {
		file, line := Setup(shell)
		if file == "" || !strings.Contains(line, "sesame shell-init "+shell) {
			t.Errorf("Setup(%s) = %q, %q", shell, file, line)
		}
	}
}

// TestCodeChannels: bash, zsh and fish read the code from descriptor
// CodeFD only; PowerShell evaluates only output that starts with
// PowerShellMarker.
func TestCodeChannels(t *testing.T) {
	t.Parallel()
	for shell, want := range map[string]string{
		Bash:       `"$(command sesame use --shell bash "$@" 3>&1 1>&4 4>&-)"`,
		Zsh:        `"$(command sesame use --shell zsh "$@" 3>&1 1>&4 4>&-)"`,
		Fish:       `command sesame use --shell fish $argv 3>| read -lz __sesame_code`,
		PowerShell: `$sesameOut[0] -ne '` + PowerShellMarker + `'`,
	} {
		code, err := Script(shell)
		if err != nil || !strings.Contains(code, want) {
			t.Errorf("%s: the function lacks %s", shell, want)
		}
	}
}
