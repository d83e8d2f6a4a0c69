// Package version implements `sesame version`.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"

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

// WithModuleInfo fills what the linker did not set in b (a build by
// `go install module@version` or a plain `go build`, without make's
// -ldflags) from the module's build information: the module version, and
// the VCS revision, commit time and modified flag that `go build` records
// in a checkout. A version of "dev" or "" counts as unset.
func WithModuleInfo(b cmdutil.BuildInfo, info *debug.BuildInfo, ok bool) cmdutil.BuildInfo {
	if !ok || info == nil {
		return b
	}
	if (b.Version == "" || b.Version == "dev") && info.Main.Version != "" && info.Main.Version != "(devel)" {
		b.Version = info.Main.Version
	}
	var revision, when string
	var modified bool
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			revision = s.Value
		case "vcs.time":
			when = s.Value
		case "vcs.modified":
			modified = s.Value == "true"
		}
	}
	if b.Commit == "" && revision != "" {
		if len(revision) > 12 {
			revision = revision[:12]
		}
		if modified {
			revision += "-dirty"
		}
		b.Commit = revision
	}
	if b.Date == "" {
		b.Date = when
	}
	return b
}
