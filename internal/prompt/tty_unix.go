//go:build !windows

package prompt

import (
	"os"

	"golang.org/x/term"
)

// open opens the terminal, for reading and writing. The file stays in the
// Go runtime's poller (non-blocking): f.Fd() would switch it back to
// blocking mode, so the descriptor is only used through SyscallConn, and a
// read can be ended with SetReadDeadline when the context ends.
func (t TTY) open() (in, out *os.File, err error) {
	path := t.Path
	if path == "" {
		path = "/dev/tty"
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		return nil, nil, ErrNoTerminal
	}
	isTerm := false
	if rc, err := f.SyscallConn(); err == nil {
		rc.Control(func(fd uintptr) { isTerm = term.IsTerminal(int(fd)) })
	}
	if !isTerm {
		f.Close()
		return nil, nil, ErrNoTerminal
	}
	return f, f, nil
}

// interrupts returns nil: on Unix Ctrl-C at a prompt is the terminal's
// SIGINT, whose default action ends sesame as it ends any program.
func interrupts() (<-chan os.Signal, func()) { return nil, func() {} }
