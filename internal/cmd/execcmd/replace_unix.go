//go:build unix

package execcmd

import (
	"context"
	"syscall"
)

// replaceProcess replaces sesame with the command (execve): nothing of
// sesame stays behind, and the command gets sesame's process ID, terminal
// and signals. It returns only when that fails.
func replaceProcess(_ context.Context, path string, argv, env []string) error {
	return syscall.Exec(path, argv, env)
}
