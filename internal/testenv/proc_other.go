//go:build !unix

package testenv

import (
	"os/exec"
	"syscall"
)

// setProcAttr does nothing: process groups are a Unix notion.
func setProcAttr(*exec.Cmd, bool) {}

// signalGroup kills cmd's process; there are no process groups to signal.
func signalGroup(cmd *exec.Cmd, _ syscall.Signal) {
	_ = cmd.Process.Kill()
}
