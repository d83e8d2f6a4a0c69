//go:build windows

package picker

import (
	"os"

	"golang.org/x/term"

	"github.com/sesamehq/sesame/internal/prompt"
)

// openTerminal opens the console for the list: it reads keys from the
// console input and draws on CONOUT$. When standard input is the console
// (as in $env:X = sesame export, whose output is captured) the list reads
// it through os.Stdin, which bubbletea reads as console input records and
// can stop reading when the list ends; otherwise it opens CONIN$. No
// console is prompt.ErrNoTerminal. A path (tests) names the input and the
// output both.
func openTerminal(path string) (in, out *os.File, closeTerm func(), err error) {
	inName, outName := "CONIN$", "CONOUT$"
	if path != "" {
		inName, outName = path, path
	}
	out, err = os.OpenFile(outName, os.O_RDWR, 0)
	if err != nil || !term.IsTerminal(int(out.Fd())) {
		if out != nil {
			out.Close()
		}
		return nil, nil, nil, prompt.ErrNoTerminal
	}
	if path == "" && term.IsTerminal(int(os.Stdin.Fd())) {
		return os.Stdin, out, func() { out.Close() }, nil
	}
	in, err = os.OpenFile(inName, os.O_RDWR, 0)
	if err != nil || !term.IsTerminal(int(in.Fd())) {
		if in != nil {
			in.Close()
		}
		out.Close()
		return nil, nil, nil, prompt.ErrNoTerminal
	}
	return in, out, func() { in.Close(); out.Close() }, nil
}
