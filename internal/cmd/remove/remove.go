// Package remove implements `sesame remove`: delete a stored key pair and
// the profile's cached sessions.
package remove

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/prompt"
	"github.com/sesamehq/sesame/internal/store"
)

// Options are the inputs of `sesame remove`.
type Options struct {
	IO       *iostreams.IOStreams
	Prompter prompt.Prompter
	Store    func(context.Context) (*store.Store, error)
	Config   func() (*awsconfig.Config, error)

	Profile string
	Force   bool
}

// NewCmdRemove builds the command; runF replaces the run function in tests.
func NewCmdRemove(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Prompter: f.Prompter, Store: f.Store, Config: f.Config}
	cmd := &cobra.Command{
		Use:     "remove PROFILE",
		Aliases: []string{"rm"},
		Short:   "Delete a stored key pair and the profile's cached sessions",
		Long: `Delete the key pair stored for PROFILE and every session cached for it.
On a terminal sesame asks first, unless --force. The AWS config is not changed.`,
		Args: cmdutil.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Force, "force", "f", false, "do not ask for confirmation")
	cmdutil.AddProfileArg(cmd, f, "sesame remove PROFILE", &opts.Profile)
	return cmd
}

// Run removes the key pair.
func Run(ctx context.Context, opts *Options) error {
	st, err := opts.Store(ctx)
	if err != nil {
		return err
	}
	if _, err := st.Keys(ctx, opts.Profile); err != nil {
		if errors.Is(err, store.ErrNotFound) {
			return cmdutil.WithHint(fmt.Errorf("no key pair is stored for profile %s", opts.Profile), "run: sesame list")
		}
		return err
	}
	if !opts.Force && opts.IO.IsStdinTTY() {
		ok, err := opts.Prompter.Confirm(ctx, fmt.Sprintf("Delete the key pair stored for %s?", opts.Profile), false)
		if err != nil {
			return err
		}
		if !ok {
			return cmdutil.WithHint(errors.New("nothing was deleted"), "run with --force to skip the question")
		}
	}
	if err := st.RemoveKeys(ctx, opts.Profile); err != nil && !errors.Is(err, store.ErrNotFound) {
		return err
	}
	cfg, _ := opts.Config() // with a broken config, only the profile's own sessions go
	n, err := st.ClearProfiles(ctx, cfg.BuiltOn(opts.Profile))
	if err != nil {
		return fmt.Errorf("deleted the key pair, but cannot clear cached sessions: %w", err)
	}
	opts.IO.Warnf("deleted the key pair of %s and %d cached session(s)", opts.Profile, n)
	return nil
}
