// Package version implements `sesame version`.
package version

import (
	"fmt"
	"runtime"

	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
)

// Options are the inputs of `sesame version`.
type Options struct {
	IO    *iostreams.IOStreams
	Build cmdutil.BuildInfo
}

// NewCmdVersion builds the command; runF replaces the run function in tests.
func NewCmdVersion(f *cmdutil.Factory, runF func(*Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Build: f.Build}
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version and build information",
		Args:  cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(opts)
			}
			return Run(opts)
		},
	}
}

// Run prints one line: version, commit, build date, Go version and platform.
func Run(opts *Options) error {
	b := opts.Build
	fmt.Fprintf(opts.IO.Out, "sesame %s (commit %s, built %s, %s %s/%s)\n",
		orUnknown(b.Version), orUnknown(b.Commit), orUnknown(b.Date), runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}
