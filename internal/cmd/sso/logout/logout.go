// Package logout implements `sesame sso logout`.
package logout

import (
	"context"
	"errors"

	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/sso"
	"github.com/sesamehq/sesame/internal/store"
)

// Options are the inputs of `sesame sso logout`.
type Options struct {
	IO       *iostreams.IOStreams
	Config   func() (*awsconfig.Config, error)
	Getenv   func(string) string
	Client   func() (*sso.Client, error)
	Store    func(context.Context) (*store.Store, error)
	Sessions func(cfg *awsconfig.Config, getenv func(string) string, session, profile string, all bool) ([]sso.Session, error)

	Session string
	All     bool
}

// NewCmdLogout builds the command on deps; runF replaces the run function
// in tests.
func NewCmdLogout(f *cmdutil.Factory, deps sso.Deps, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, Getenv: f.Getenv, Client: deps.Client, Store: f.Store, Sessions: sso.PickSessions}
	cmd := &cobra.Command{
		Use:   "logout [--sso-session NAME | --all]",
		Short: "Sign out of IAM Identity Center and forget the sign-in",
		Long: `Sign out at the IAM Identity Center portal, then delete the sign-in and every
role credential cached from it. The session's file in the AWS CLI's cache
(~/.aws/sso/cache) goes too, whatever the last sign-in's flags, when sesame
wrote it (sesame sso login --share) or it holds a sign-in to the session's
start URL; that sign-in is signed out at the portal as well. Files of other
sessions are left alone.`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Session, "sso-session", "", "the [sso-session NAME] to sign out of")
	cmd.Flags().BoolVar(&opts.All, "all", false, "sign out of every sso-session")
	cmd.MarkFlagsMutuallyExclusive("sso-session", "all")
	_ = cmd.RegisterFlagCompletionFunc("sso-session", cmdutil.CompleteSSOSessions(f))
	return cmd
}

// Run signs out.
func Run(ctx context.Context, opts *Options) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	sessions, err := opts.Sessions(cfg, opts.Getenv, opts.Session, "", opts.All)
	if err != nil {
		return err
	}
	client, err := opts.Client()
	if err != nil {
		return err
	}
	st, err := opts.Store(ctx)
	if err != nil {
		return err
	}
	for _, s := range sessions {
		if err := client.Logout(ctx, s); err != nil {
			return err
		}
		// The account and role listing of sso populate came from this
		// sign-in too.
		if err := st.RemoveAccountListing(ctx, s.Key()); err != nil && !errors.Is(err, store.ErrNotFound) {
			return err
		}
		n := 0
		for _, p := range profilesOf(cfg, s) {
			m, err := st.ClearProfiles(ctx, cfg.BuiltOn(p))
			if err != nil {
				return err
			}
			n += m
		}
		opts.IO.Warnf("signed out of %s and deleted %d cached role session(s)", s.Describe(), n)
	}
	return nil
}

// profilesOf lists the SSO profiles that sign in through session s.
func profilesOf(cfg *awsconfig.Config, s sso.Session) []string {
	var out []string
	for _, name := range cfg.ProfileNames() {
		r, err := cfg.Resolve(name)
		if err != nil || r.Source != awsconfig.SourceSSO {
			continue
		}
		if ps, err := sso.SessionFor(cfg, r, false); err == nil && ps.Key() == s.Key() {
			out = append(out, name)
		}
	}
	return out
}
