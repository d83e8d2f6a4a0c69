package testenv

import (
	"os/exec"
	"syscall"
)

// setProcAttr puts the command in a process group of its own, so that the
// whole group can be stopped. With dieWithParent the kernel also kills it
// when the OS thread that started it ends (see startLocked).
func setProcAttr(cmd *exec.Cmd, dieWithParent bool) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if dieWithParent {
		cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
	}
}

// signalGroup sends sig to the process group led by cmd's process.
func signalGroup(cmd *exec.Cmd, sig syscall.Signal) {
	_ = syscall.Kill(-cmd.Process.Pid, sig)
}
