// Package signout implements `sesame signout`: forget AWS Sign-In sessions.
package signout

import (
	"context"
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/signin"
	"github.com/sesamehq/sesame/internal/store"
)

// Options are the inputs of `sesame signout`.
type Options struct {
	IO     *iostreams.IOStreams
	Config func() (*awsconfig.Config, error)
	Getenv func(string) string
	Store  func(context.Context) (*store.Store, error)
	Deps   signin.Deps

	Profile string
	All     bool
}

// NewCmdSignout builds the command; runF replaces the run function in tests.
func NewCmdSignout(f *cmdutil.Factory, deps signin.Deps, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, Getenv: f.Getenv, Store: f.Store, Deps: deps}
	cmd := &cobra.Command{
		Use:   "signout [PROFILE | --all]",
		Short: "Forget an AWS Sign-In session (sesame signin)",
		Long: `Delete the AWS Sign-In session of PROFILE (its login_session): the DPoP key,
refresh token and credentials in sesame's store, the AWS CLI's cache file of
that session (~/.aws/login/cache, whoever wrote it), and the role sessions
cached from it. The profile keeps its login_session: sesame signin PROFILE
signs in again. --all does so for every session sesame stores and every
login_session of the config.`,
		Args: cmdutil.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.All && opts.Profile != "" {
				return cmdutil.Usagef("give a PROFILE or --all, not both")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmdutil.AddProfileArg(cmd, f, "", &opts.Profile)
	cmd.Flags().BoolVar(&opts.All, "all", false, "forget every AWS Sign-In session")
	return cmd
}

// Run signs out.
func Run(ctx context.Context, opts *Options) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	mgr, err := opts.Deps.Manager()
	if err != nil {
		return err
	}
	// login_session -> the profiles naming it.
	byProfile := map[string][]string{}
	for _, name := range cfg.ProfileNames() {
		if r, err := cfg.Resolve(name); err == nil {
			if ls, ok := r.Get("login_session"); ok && ls != "" {
				byProfile[ls] = append(byProfile[ls], name)
			}
		}
	}
	var sessions []string
	if opts.All {
		if sessions, err = mgr.Stored(ctx); err != nil {
			return err
		}
		for ls := range byProfile {
			if !slices.Contains(sessions, ls) {
				sessions = append(sessions, ls)
			}
		}
		slices.Sort(sessions)
	} else {
		profile := opts.Profile
		if profile == "" {
			profile = opts.Getenv("AWS_PROFILE")
		}
		if profile == "" {
			profile = "default"
		}
		r, err := cfg.Resolve(profile)
		if err != nil {
			return cmdutil.WithHint(err, "run: sesame list")
		}
		ls, _ := r.Get("login_session")
		if ls == "" {
			return cmdutil.WithHint(fmt.Errorf("profile %s has no login_session", profile), "sesame signout --all forgets every AWS Sign-In session")
		}
		sessions = []string{ls}
	}
	st, err := opts.Store(ctx)
	if err != nil {
		return cmdutil.StoreError(err)
	}
	for _, ls := range sessions {
		inStore, file, err := mgr.Remove(ctx, ls)
		if err != nil {
			return err
		}
		n := 0
		for _, p := range byProfile[ls] {
			m, err := st.ClearProfiles(ctx, cfg.BuiltOn(p))
			if err != nil {
				return err
			}
			n += m
		}
		what := "nothing was stored"
		switch {
		case inStore && file:
			what = "deleted it from the store and the AWS CLI's cache"
		case inStore:
			what = "deleted it from the store"
		case file:
			what = "deleted the AWS CLI's cache file"
		}
		opts.IO.Warnf("signed out of %s: %s, and %d cached role session(s)", ls, what, n)
	}
	if opts.All && len(sessions) == 0 {
		opts.IO.Warnf("no AWS Sign-In session to forget")
	}
	return nil
}
