//go:build windows

package vault

import (
	"context"
	"os/exec"
	"path/filepath"
	"syscall"
)

// passphraseShell is the passphrase command run the way Windows runs a
// command line: by cmd.exe (%ComSpec%, else System32's) as
// cmd /d /s /c "COMMAND", so that the command is taken verbatim (no
// quoting is added or removed), %VARIABLES% are expanded and AutoRun
// commands from the registry are not run first. A PowerShell command
// can be given as powershell -NoProfile -Command "...".
func passphraseShell(ctx context.Context, command string, lookupEnv func(string) (string, bool)) *exec.Cmd {
	shell, ok := lookupEnv("ComSpec")
	if !ok || shell == "" {
		root, _ := lookupEnv("SystemRoot")
		if root == "" {
			root = `C:\Windows`
		}
		shell = filepath.Join(root, "System32", "cmd.exe")
	}
	cmd := exec.CommandContext(ctx, shell)
	cmd.SysProcAttr = &syscall.SysProcAttr{CmdLine: `cmd /d /s /c "` + command + `"`}
	return cmd
}
