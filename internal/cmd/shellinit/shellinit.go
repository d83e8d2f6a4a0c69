// Package shellinit implements `sesame shell-init bash|zsh|fish|powershell`:
// print the shell code that defines a shell function named sesame, so that
// `sesame use` can change the environment of the shell it is typed in.
//
// The contract between the function and the binary: for `sesame use ARGS`
// the function runs `command sesame use --shell SHELL ARGS` and evaluates
// the shell code the binary writes on a channel of its own, and only that,
// only when the binary exits with status 0:
//
//   - bash, zsh and fish: file descriptor 3 (credfmt.CodeFD), a pipe the
//     function reads. The binary's stdout and stderr stay the function's own, so
//     help (sesame use --help), errors and the picker reach the terminal
//     and are never evaluated.
//   - PowerShell, which cannot hand a native program another descriptor:
//     stdout, where the code follows a first line credfmt.PowerShellMarker.
//     Output without it (help) is shown, not evaluated.
//
// Every other command line goes to the binary unchanged. The binary is
// looked up on PATH each time, so upgrading it needs no new shell.
package shellinit

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/credfmt"
	"github.com/sesamehq/sesame/internal/iostreams"
)

// Options are the inputs of `sesame shell-init`.
type Options struct {
	IO    *iostreams.IOStreams
	Shell string
}

// NewCmdShellInit builds the command; runF replaces the run function in
// tests.
func NewCmdShellInit(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "shell-init bash|zsh|fish|powershell",
		Short: "Print the shell function that lets sesame use switch the current shell",
		Long: `Print shell code that defines a shell function named sesame. With it loaded,
sesame use PROFILE (and sesame use --unset) change the environment of the shell
you type them in; every other sesame command runs as before.

Load it from your shell's startup file:

  bash        ~/.bashrc                        eval "$(sesame shell-init bash)"
  zsh         ~/.zshrc                         eval "$(sesame shell-init zsh)"
  fish        ~/.config/fish/config.fish       sesame shell-init fish | source
  powershell  $PROFILE                         Invoke-Expression (& sesame shell-init powershell | Out-String)

The function finds the sesame binary on PATH each time it runs.`,
		Args:      cmdutil.ExactArgs(1, "the shell: "+strings.Join(credfmt.Shells, ", ")),
		ValidArgs: credfmt.Shells,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Shell = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	return cmd
}

// Run prints the shell code.
func Run(_ context.Context, opts *Options) error {
	code, err := Script(opts.Shell)
	if err != nil {
		return err
	}
	_, err = fmt.Fprint(opts.IO.Out, code)
	return err
}

// Script returns the shell-init code for shell. An unknown shell is a
// usage error.
func Script(shell string) (string, error) {
	switch shell {
	case credfmt.Bash, credfmt.Zsh:
		return strings.ReplaceAll(posixScript, "SHELL", shell), nil
	case credfmt.Fish:
		return fishScript, nil
	case credfmt.PowerShell:
		return powerShellScript, nil
	}
	return "", cmdutil.Usagef("unknown shell %q: choose one of %s", shell, strings.Join(credfmt.Shells, ", "))
}

// posixScript is for bash and zsh; SHELL is replaced by the shell's name.
// The variable is declared local before it is assigned, so that the
// assignment's status is that of the binary. Inside the command
// substitution, descriptor 3 is its pipe and stdout is the function's own
// (saved on 4).
const posixScript = `# sesame shell integration for SHELL. Load it from your startup file with
#   eval "$(sesame shell-init SHELL)"
# It defines the shell function sesame: "sesame use ..." runs the binary,
# which writes shell code on file descriptor 3, and evaluates that code,
# and nothing else, in this shell; every other command line goes to the
# binary unchanged.
sesame() {
  if [ "${1-}" = use ]; then
    shift
    local __sesame_code
    { __sesame_code="$(command sesame use --shell SHELL "$@" 3>&1 1>&4 4>&-)"; } 4>&1 || return
    eval "$__sesame_code"
  else
    command sesame "$@"
  fi
}
`

// fishScript is for fish 3. A command substitution cannot reach the
// function's own stdout, so descriptor 3 is piped (3>|) to read, which,
// last in the pipeline, runs in the function; $pipestatus[1] is the
// binary's status.
const fishScript = `# sesame shell integration for fish. Load it from
# ~/.config/fish/config.fish with
#   sesame shell-init fish | source
# It defines the function sesame: "sesame use ..." runs the binary, which
# writes shell code on file descriptor 3, and evaluates that code, and
# nothing else, in this shell; every other command line goes to the binary
# unchanged.
function sesame --description 'sesame, whose "sesame use" switches this shell'
    if test (count $argv) -gt 0; and test "$argv[1]" = use
        set -e argv[1]
        command sesame use --shell fish $argv 3>| read -lz __sesame_code
        set -l __sesame_status $pipestatus[1]
        test $__sesame_status -eq 0; or return $__sesame_status
        printf '%s' $__sesame_code | source
        # "set -e" of a variable that was not set fails: not a failure of use.
        return 0
    else
        command sesame $argv
    end
end
`

// powerShellScript is for PowerShell 5.1 and 7. The function shadows the
// binary, which it finds with Get-Command -CommandType Application.
const powerShellScript = `# sesame shell integration for PowerShell. Load it from $PROFILE with
#   Invoke-Expression (& sesame shell-init powershell | Out-String)
# It defines the function sesame: "sesame use ..." runs the binary, which
# prints PowerShell code after the line "` + credfmt.PowerShellMarker + `",
# and evaluates that code in this session; output without that first line
# (help) is shown, never evaluated. Every other command line goes to the
# binary unchanged.
function sesame {
    $sesameExe = Get-Command -Name sesame -CommandType Application -ErrorAction Stop | Select-Object -First 1
    if ($args.Count -gt 0 -and $args[0] -eq 'use') {
        $sesameArgs = @($args | Select-Object -Skip 1)
        $sesameOut = @(& $sesameExe use --shell powershell @sesameArgs)
        $sesameStatus = $LASTEXITCODE
        if ($sesameOut.Count -eq 0 -or $sesameOut[0] -ne '` + credfmt.PowerShellMarker + `') {
            $sesameOut
            return
        }
        if ($sesameStatus -ne 0) { return }
        Invoke-Expression (($sesameOut | Select-Object -Skip 1) -join [Environment]::NewLine)
    } else {
        & $sesameExe @args
    }
}
`
