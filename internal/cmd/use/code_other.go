//go:build !unix

package use

import (
	"io"

	"github.com/sesamehq/sesame/internal/iostreams"
)

// codeOut is stdout here: the PowerShell function reads it, after
// credfmt.PowerShellMarker, and the other shells' functions, which read
// file descriptor 3, do not run on this system.
func codeOut(shell string, ios *iostreams.IOStreams) (io.Writer, bool, error) {
	return ios.Out, ios.IsStdoutTTY(), nil
}
