//go:build windows

package prompt

import (
	"os"

	"golang.org/x/sys/windows"
)

// echoOff turns off echo on the console input f, keeping line input and
// Ctrl-C processing (as term.ReadPassword does), and returns the function
// that puts the console mode back as it was.
func echoOff(f *os.File) (restore func(), err error) {
	h := windows.Handle(f.Fd())
	var old uint32
	if err := windows.GetConsoleMode(h, &old); err != nil {
		return nil, err
	}
	mode := old&^windows.ENABLE_ECHO_INPUT | windows.ENABLE_PROCESSED_INPUT | windows.ENABLE_LINE_INPUT
	if err := windows.SetConsoleMode(h, mode); err != nil {
		return nil, err
	}
	return func() { windows.SetConsoleMode(h, old) }, nil
}
