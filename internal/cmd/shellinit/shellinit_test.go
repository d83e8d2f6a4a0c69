package shellinit

import (
	"context"
	"flag"
	"os/exec"
	"strings"
	"testing"

	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/credfmt"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestScriptsGolden pins each shell's code. PowerShell is checked this way
// only: it is not installed where the tests run.
func TestScriptsGolden(t *testing.T) {
	t.Parallel()
	for _, shell := range credfmt.Shells {
		t.Run(shell, func(t *testing.T) {
			t.Parallel()
			ios, _, out, _ := iostreams.Test()
			if err := Run(context.Background(), &Options{IO: ios, Shell: shell}); err != nil {
				t.Fatal(err)
			}
			testenv.Golden(t, shell+".golden", out.String(), *update)
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
	for _, c := range []struct{ shell, bin string }{{credfmt.Bash, "bash"}, {credfmt.Zsh, "zsh"}, {credfmt.Fish, "fish"}} {
		t.Run(c.shell, func(t *testing.T) {
			t.Parallel()
			path := testenv.NeedCommand(t, c.bin, "install it with apt-get install -y "+c.bin)
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

// TestCodeChannels: bash, zsh and fish read the code from descriptor
// credfmt.CodeFD only; PowerShell evaluates only output that starts with
// credfmt.PowerShellMarker.
func TestCodeChannels(t *testing.T) {
	t.Parallel()
	for shell, want := range map[string]string{
		credfmt.Bash:       `"$(command sesame use --shell bash "$@" 3>&1 1>&4 4>&-)"`,
		credfmt.Zsh:        `"$(command sesame use --shell zsh "$@" 3>&1 1>&4 4>&-)"`,
		credfmt.Fish:       `command sesame use --shell fish $argv 3>| read -lz __sesame_code`,
		credfmt.PowerShell: `$sesameOut[0] -ne '` + credfmt.PowerShellMarker + `'`,
	} {
		code, err := Script(shell)
		if err != nil || !strings.Contains(code, want) {
			t.Errorf("%s: the function lacks %s", shell, want)
		}
	}
}
