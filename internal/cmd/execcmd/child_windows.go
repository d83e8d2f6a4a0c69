//go:build windows

package execcmd

import "os"

// forwardedSignals are the signals RunChild catches: Ctrl-C and
// Ctrl-Break, which the console also delivers to the child.
var forwardedSignals = []os.Signal{os.Interrupt}

// canForward: Windows processes cannot be sent signals; the console
// delivers Ctrl-C to every process attached to it.
const canForward = false

// exitStatus is the child's exit code.
func exitStatus(ps *os.ProcessState) int { return ps.ExitCode() }

// SentByTerminal reports true: on Windows only the console sends the
// signals RunChild catches.
func SentByTerminal(os.Signal) bool { return true }
