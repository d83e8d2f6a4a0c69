// Package login implements `sesame sso login`.
package login

import (
	"context"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/sso"
	"github.com/sesamehq/sesame/internal/timefmt"
)

// Options are the inputs of `sesame sso login`.
type Options struct {
	IO     *iostreams.IOStreams
	Config func() (*awsconfig.Config, error)
	Getenv func(string) string
	Client func() (*sso.Client, error)
	// Now is the clock.
	Now          func() time.Time
	LoginOptions func(deviceCode, noBrowser bool) sso.LoginOptions
	// Sessions picks the sessions from the flags (sso.PickSessions).
	Sessions func(cfg *awsconfig.Config, getenv func(string) string, session, profile string, all bool) ([]sso.Session, error)

	Session    string
	Profile    string
	All        bool
	DeviceCode bool
	NoBrowser  bool
	Share      bool
}

// NewCmdLogin builds the command on deps; runF replaces the run function in
// tests.
func NewCmdLogin(f *cmdutil.Factory, deps sso.Deps, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, Getenv: f.Getenv, Client: deps.Client, Now: f.Now, LoginOptions: deps.LoginOptions, Sessions: sso.PickSessions}
	cmd := &cobra.Command{
		Use:   "login [--sso-session NAME | --profile P | --all]",
		Short: "Sign in to IAM Identity Center",
		Long: `Sign in to IAM Identity Center and keep the sign-in in sesame's store.

By default sesame opens your browser (BROWSER is honoured) on the sign-in page
and waits on 127.0.0.1 for it to come back (authorization code with PKCE). The
browser is started with a one-time 127.0.0.1 link that redirects it to the
sign-in page, so that the flow's state is on no command line; answers that do
not carry that state are refused and sesame keeps waiting (up to 5 minutes).
With --device-code, and by itself over SSH or on Linux with none of DISPLAY,
WAYLAND_DISPLAY and BROWSER set, it prints a URL and a code to approve on any
device instead (and a QR code on a terminal), opening the URL too unless
--no-browser.

With --share the sign-in is also written to the AWS CLI's cache
(~/.aws/sso/cache), so that the AWS CLI, boto3 and the CDK use it.`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Session, "sso-session", "", "the [sso-session NAME] to sign in to")
	cmd.Flags().StringVar(&opts.Profile, "profile", "", "sign in to the session of this profile")
	cmd.Flags().BoolVar(&opts.All, "all", false, "sign in to every sso-session of the config")
	cmd.Flags().BoolVar(&opts.DeviceCode, "device-code", false, "use the device code flow")
	cmd.Flags().BoolVar(&opts.NoBrowser, "no-browser", false, "print the URL instead of opening a browser")
	cmd.Flags().BoolVar(&opts.Share, "share", false, "also write the sign-in to the AWS CLI's cache")
	cmd.MarkFlagsMutuallyExclusive("sso-session", "profile", "all")
	_ = cmd.RegisterFlagCompletionFunc("sso-session", cmdutil.CompleteSSOSessions(f))
	_ = cmd.RegisterFlagCompletionFunc("profile", cmdutil.CompleteProfiles(f))
	return cmd
}

// Run signs in.
func Run(ctx context.Context, opts *Options) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	sessions, err := opts.Sessions(cfg, opts.Getenv, opts.Session, opts.Profile, opts.All)
	if err != nil {
		return err
	}
	client, err := opts.Client()
	if err != nil {
		return err
	}
	for _, s := range sessions {
		t, err := client.Login(ctx, s, opts.LoginOptions(opts.DeviceCode, opts.NoBrowser))
		if err != nil {
			return cmdutil.WithHint(err, "run sesame sso login again; --device-code signs in from another device")
		}
		if opts.Share {
			if err := client.Share(ctx, s, t); err != nil {
				return err
			}
			opts.IO.Warnf("wrote the sign-in to the AWS CLI's cache (%s)", sso.CachePath("~", s))
		}
		opts.IO.Warnf("signed in to %s until %s", s.Describe(), timefmt.At(t.ExpiresAt, opts.Now()))
	}
	return nil
}
