//go:build windows

package execcmd

import (
	"context"
	"os"

	"github.com/sesamehq/sesame/internal/cmdutil"
)

// replaceProcess runs the command as a child, as a Windows process cannot
// be replaced, and returns its exit status as an *cmdutil.ExitCodeError
// (nil for 0).
func replaceProcess(ctx context.Context, path string, argv, env []string) error {
	code, err := RunChild(ctx, Child{Path: path, Args: argv, Env: env, Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr})
	if err != nil {
		return err
	}
	if code != 0 {
		return &cmdutil.ExitCodeError{Code: code}
	}
	return nil
}
