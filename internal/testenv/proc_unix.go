//go:build unix && !linux

package testenv

import (
	"os/exec"
	"syscall"
)

// setProcAttr puts the command in a process group of its own, so that the
// whole group can be stopped. dieWithParent is not supported here: only
// Cleanup stops the process.
func setProcAttr(cmd *exec.Cmd, dieWithParent bool) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
}

// signalGroup sends sig to the process group led by cmd's process.
func signalGroup(cmd *exec.Cmd, sig syscall.Signal) {
	_ = syscall.Kill(-cmd.Process.Pid, sig)
}
