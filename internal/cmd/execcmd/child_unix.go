//go:build unix

package execcmd

import (
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// forwardedSignals are the signals RunChild passes on to the child.
var forwardedSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}

// canForward: Unix processes can be sent signals.
const canForward = true

// exitStatus is the child's exit code, or 128+N when signal N ended it.
func exitStatus(ps *os.ProcessState) int {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	return ps.ExitCode()
}

// SentByTerminal reports whether sig is SIGINT while sesame's process group
// is the foreground group of its controlling terminal: then the signal
// most likely came from the keyboard (Ctrl-C), and the terminal sent it to
// the child too. SIGINT sent with kill(1) while sesame runs in the
// foreground is taken as coming from the terminal as well; send the child
// its own signal then, or SIGTERM to sesame.
func SentByTerminal(sig os.Signal) bool {
	if sig != syscall.SIGINT {
		return false
	}
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return false
	}
	defer tty.Close()
	fg, err := unix.IoctlGetInt(int(tty.Fd()), unix.TIOCGPGRP)
	return err == nil && fg == syscall.Getpgrp()
}
