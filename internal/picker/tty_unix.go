//go:build !windows

package picker

import (
	"os"

	"golang.org/x/term"

	"github.com/sesamehq/sesame/internal/prompt"
)

// openTerminal opens the terminal at path ("" is /dev/tty) for the list to
// read keys from (in) and draw on (out), and returns the function that
// closes it. No terminal is prompt.ErrNoTerminal.
func openTerminal(path string) (in, out *os.File, closeTerm func(), err error) {
	if path == "" {
		path = "/dev/tty"
	}
	tty, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, nil, nil, prompt.ErrNoTerminal
	}
	if !term.IsTerminal(int(tty.Fd())) {
		tty.Close()
		return nil, nil, nil, prompt.ErrNoTerminal
	}
	return tty, tty, func() { tty.Close() }, nil
}
