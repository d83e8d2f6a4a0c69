//go:build unix

package use

import (
	"errors"
	"io"
	"os"
	"syscall"

	"golang.org/x/term"

	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/credfmt"
	"github.com/sesamehq/sesame/internal/iostreams"
)

// codeOut is the code channel of shell: file descriptor credfmt.CodeFD
// for bash, zsh and fish, a pipe that the function reads;
// stdout for PowerShell. The descriptor is marked close-on-exec at once,
// so that no child (credential_process, a browser that outlives sesame)
// inherits it and keeps the function waiting.
func codeOut(shell string, ios *iostreams.IOStreams) (io.Writer, bool, error) {
	if shell == credfmt.PowerShell {
		return ios.Out, ios.IsStdoutTTY(), nil
	}
	// The functions make it a pipe. Anything else is not theirs: when the
	// shell left it closed, the Go runtime may hold a file of its own
	// there (it keeps a cgroup file open on 3).
	var st syscall.Stat_t
	if err := syscall.Fstat(credfmt.CodeFD, &st); err != nil || st.Mode&syscall.S_IFMT != syscall.S_IFIFO {
		return nil, false, cmdutil.WithHint(errors.New("sesame use --shell writes the shell code to file descriptor 3, which is not a pipe from the shell function"),
			"run sesame use through the shell function of sesame shell-init (see sesame shell-init --help)")
	}
	syscall.CloseOnExec(credfmt.CodeFD)
	return os.NewFile(uintptr(credfmt.CodeFD), "shell code"), term.IsTerminal(credfmt.CodeFD), nil
}
