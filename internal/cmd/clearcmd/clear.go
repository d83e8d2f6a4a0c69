// Package clearcmd implements `sesame clear`: delete cached sessions.
package clearcmd

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/store"
)

// Options are the inputs of `sesame clear`.
type Options struct {
	IO     *iostreams.IOStreams
	Store  func(context.Context) (*store.Store, error)
	Config func() (*awsconfig.Config, error)

	Profile string
}

// NewCmdClear builds the command; runF replaces the run function in tests.
func NewCmdClear(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Store: f.Store, Config: f.Config}
	cmd := &cobra.Command{
		Use:   "clear [PROFILE]",
		Short: "Delete cached sessions (all, or one profile's)",
		Long: `Delete the temporary credentials sesame has cached, for every profile or for
PROFILE only. Long-term keys and SSO sign-ins stay.`,
		Args: cmdutil.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmdutil.AddProfileArg(cmd, f, "", &opts.Profile)
	return cmd
}

// Run clears the sessions.
func Run(ctx context.Context, opts *Options) error {
	st, err := opts.Store(ctx)
	if err != nil {
		return err
	}
	n, err := st.ClearSessions(ctx, opts.Profile)
	if err != nil {
		return err
	}
	if opts.Profile != "" && n == 0 {
		// A typo would otherwise clear nothing in silence.
		if cfg, err := opts.Config(); err == nil {
			if _, ok := cfg.Profile(opts.Profile); !ok {
				_, err := cfg.Resolve(opts.Profile)
				return cmdutil.WithHint(err, "run: sesame list")
			}
		}
	}
	what := "every profile"
	if opts.Profile != "" {
		what = opts.Profile
	}
	opts.IO.Warnf("cleared %d cached session(s) of %s", n, what)
	return nil
}
