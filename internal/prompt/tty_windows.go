//go:build windows

package prompt

import (
	"os"
	"os/signal"

	"golang.org/x/term"
)

// open opens the console: its input buffer CONIN$ to read (opened for
// writing too, which SetConsoleMode needs) and its screen buffer CONOUT$
// to write the questions on. A process without a console (a service, or
// one started with DETACHED_PROCESS) has neither: ErrNoTerminal. Path,
// when set, names the input and output both (tests).
func (t TTY) open() (in, out *os.File, err error) {
	inName, outName := "CONIN$", "CONOUT$"
	if t.Path != "" {
		inName, outName = t.Path, t.Path
	}
	in, err = os.OpenFile(inName, os.O_RDWR, 0)
	if err != nil {
		return nil, nil, ErrNoTerminal
	}
	if !term.IsTerminal(int(in.Fd())) {
		in.Close()
		return nil, nil, ErrNoTerminal
	}
	out, err = os.OpenFile(outName, os.O_RDWR, 0)
	if err != nil {
		in.Close()
		return nil, nil, ErrNoTerminal
	}
	return in, out, nil
}

// interrupts delivers Ctrl-C and Ctrl-Break typed on the console while a
// prompt waits, so that the prompt ends with ErrCanceled (exit status
// 130) and the console mode is restored; without it Windows would end
// sesame at once (STATUS_CONTROL_C_EXIT; Wine reports 0), as if it had
// succeeded, possibly with echo still off.
func interrupts() (<-chan os.Signal, func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt)
	return ch, func() { signal.Stop(ch) }
}
