//go:build !windows

package vault

import (
	"context"
	"os/exec"
)

// passphraseShell is the passphrase command run by sh -c.
func passphraseShell(ctx context.Context, command string, _ func(string) (string, bool)) *exec.Cmd {
	return exec.CommandContext(ctx, "sh", "-c", command)
}
