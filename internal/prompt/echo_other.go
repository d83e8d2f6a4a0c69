//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly || windows)

package prompt

import (
	"errors"
	"os"
)

// echoOff is not available here; there is no /dev/tty to open either, so
// TTY returns ErrNoTerminal before it gets this far.
func echoOff(f *os.File) (restore func(), err error) {
	return nil, errors.New("secret prompts need a unix terminal")
}
