//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package prompt

import (
	"os"

	"golang.org/x/sys/unix"
)

// echoOff turns off echo on the terminal f, keeping line editing and
// signals (as term.ReadPassword does), and returns the function that puts
// the terminal back as it was. It uses f only through SyscallConn so that f
// stays non-blocking.
func echoOff(f *os.File) (restore func(), err error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, err
	}
	var old *unix.Termios
	cerr := rc.Control(func(fd uintptr) {
		old, err = unix.IoctlGetTermios(int(fd), ioctlReadTermios)
		if err != nil {
			return
		}
		t := *old
		t.Lflag &^= unix.ECHO
		t.Lflag |= unix.ICANON | unix.ISIG
		t.Iflag |= unix.ICRNL
		err = unix.IoctlSetTermios(int(fd), ioctlWriteTermios, &t)
	})
	if cerr != nil {
		return nil, cerr
	}
	if err != nil {
		return nil, err
	}
	return func() {
		rc.Control(func(fd uintptr) {
			unix.IoctlSetTermios(int(fd), ioctlWriteTermios, old)
		})
	}, nil
}
