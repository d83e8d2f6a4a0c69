// Package signin implements `sesame signin`: an AWS Sign-In session (what
// `aws login` makes) kept in sesame's store.
package signin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/prompt"
	"github.com/sesamehq/sesame/internal/signin"
	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/timefmt"
)

// Options are the inputs of `sesame signin`.
type Options struct {
	IO       *iostreams.IOStreams
	Config   func() (*awsconfig.Config, error)
	Getenv   func(string) string
	Store    func(context.Context) (*store.Store, error)
	Prompter prompt.Prompter
	Deps     signin.Deps
	Now      func() time.Time

	Profile   string
	Region    string
	Remote    bool
	NoBrowser bool
	Share     bool
}

// NewCmdSignin builds the command; runF replaces the run function in tests.
func NewCmdSignin(f *cmdutil.Factory, deps signin.Deps, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, Getenv: f.Getenv, Store: f.Store, Prompter: f.Prompter, Deps: deps, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "signin [PROFILE] [--region R] [--remote] [--no-browser] [--share]",
		Short: "Sign in with your AWS console credentials (AWS Sign-In, what aws login does)",
		Long: `Sign in through the AWS console's own sign-in page (passwords, passkeys and MFA
work as in the console) and get short-lived credentials for PROFILE without
any access key. sesame writes login_session (and region, if it had to ask)
into the profile, creating it if needed, as aws login does.

The session's DPoP private key, its refresh token and the current 15-minute
credentials are kept in sesame's store, never in a plain file; sesame
refreshes them with a DPoP proof 5 minutes before they expire. The signed-in
principal needs the AWS managed policy SignInLocalDevelopmentAccess.

By default sesame opens your browser on a one-time 127.0.0.1 link and waits
on 127.0.0.1 for the sign-in to come back (PKCE). With --remote, and by
itself over SSH or on Linux without DISPLAY, WAYLAND_DISPLAY or BROWSER, it
prints a URL to open on any device and reads the code that page shows.

With --share the session is also written to the AWS CLI's cache
(~/.aws/login/cache, or AWS_LOGIN_CACHE_DIRECTORY), mode 0600, and kept in
step after each refresh, so that the AWS CLI and SDKs run without sesame can
use it. A session made by aws login is used, and refreshed in place, too.`,
		Args: cmdutil.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmdutil.AddProfileArg(cmd, f, "", &opts.Profile)
	cmd.Flags().StringVar(&opts.Region, "region", "", "the region to sign in to (default: the profile's)")
	cmd.Flags().BoolVar(&opts.Remote, "remote", false, "sign in on another device: print the URL, paste the code")
	cmd.Flags().BoolVar(&opts.NoBrowser, "no-browser", false, "print the URL instead of opening a browser")
	cmd.Flags().BoolVar(&opts.Share, "share", false, "also keep the AWS CLI's ~/.aws/login/cache file in step")
	return cmd
}

// otherSources are keys that give a profile credentials some other way.
var otherSources = []string{"role_arn", "sso_session", "sso_start_url", "sso_account_id", "credential_process", "web_identity_token_file", "aws_access_key_id"}

// Run signs in.
func Run(ctx context.Context, opts *Options) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	profile := opts.Profile
	if profile == "" {
		profile = opts.Getenv("AWS_PROFILE")
	}
	if profile == "" {
		profile = "default"
	}
	var r *awsconfig.Resolved
	if _, ok := cfg.Profile(profile); ok {
		if r, err = cfg.Resolve(profile); err != nil {
			return err
		}
		for _, k := range otherSources {
			if _, has := r.Get(k); has {
				return cmdutil.WithHint(fmt.Errorf("profile %s already gets credentials through %s", profile, k),
					"sign in to a profile of its own: sesame signin NEW-PROFILE")
			}
		}
	}
	get := func(k string) string {
		if r == nil {
			return ""
		}
		v, _ := r.Get(k)
		return v
	}
	// The profile's region is never changed; one that has none gets the
	// region the session was made in (--region, the environment, or asked).
	region, writeRegion := opts.Region, get("region") == ""
	if region == "" {
		region = get("region")
	}
	if region == "" {
		region = firstNonEmpty(opts.Getenv("AWS_REGION"), opts.Getenv("AWS_DEFAULT_REGION"))
		if region == "" {
			if opts.Prompter == nil || !opts.IO.IsStdinTTY() {
				return cmdutil.WithHint(fmt.Errorf("profile %s has no region to sign in to", profile), "give one: sesame signin "+profile+" --region REGION")
			}
			if region, err = opts.Prompter.Line(ctx, "AWS Region: "); err != nil {
				return err
			}
			region = strings.TrimSpace(region)
			if region == "" {
				return cmdutil.WithHint(errors.New("no region given"), "sesame signin "+profile+" --region REGION")
			}
		}
	}
	api, base, err := opts.Deps.NewAPI(ctx, region, get("endpoint_url"))
	if err != nil {
		return err
	}
	flow := opts.Deps.Flow(opts.Remote, opts.NoBrowser)
	flow.Base, flow.Describe = base, "profile "+profile
	if flow.Remote && flow.ReadCode == nil && opts.Prompter != nil {
		flow.ReadCode = func(ctx context.Context) (string, error) { return opts.Prompter.Line(ctx, "Code: ") }
	}
	ex, err := (&signin.Client{API: api, Now: opts.Now}).SignIn(ctx, flow)
	if err != nil {
		var se *signin.Error
		if errors.As(err, &se) {
			return err
		}
		return cmdutil.WithHint(err, "run sesame signin "+profile+" again; --remote signs in from another device")
	}
	mgr, err := opts.Deps.Manager()
	if err != nil {
		return err
	}
	if err := mgr.Save(ctx, ex.LoginSession, region, ex.Token, opts.Share); err != nil {
		return err
	}
	if err := awsconfig.Update(cfg.Paths.Config, func(f *awsconfig.File) error {
		section, ok := f.ProfileSection(profile)
		if !ok {
			section = awsconfig.ConfigSection(profile)
		}
		if err := f.Set(section, "login_session", ex.LoginSession); err != nil {
			return err
		}
		if writeRegion {
			return f.Set(section, "region", region)
		}
		return nil
	}); err != nil {
		return fmt.Errorf("signed in, but cannot write login_session into %s: %w", cfg.Paths.Config, err)
	}
	// Role sessions cached from an earlier identity of this profile are
	// not this sign-in's.
	if st, err := opts.Store(ctx); err == nil {
		_, _ = st.ClearProfiles(ctx, cfg.BuiltOn(profile))
	}
	if opts.Share {
		opts.IO.Warnf("wrote the session to the AWS CLI's cache (%s)", mgr.CachePath(ex.LoginSession))
	}
	opts.IO.Warnf("signed in to profile %s as %s; credentials until %s, refreshed by sesame", profile, ex.LoginSession, timefmt.At(ex.Token.Expires, opts.Now()))
	return nil
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}
