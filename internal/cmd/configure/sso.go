package configure

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/prompt"
	"github.com/sesamehq/sesame/internal/sso"
	"github.com/sesamehq/sesame/internal/store"
)

// Client is the part of the IAM Identity Center client the wizard uses;
// SSOClient adapts an *sso.Client.
type Client interface {
	// Token returns a valid access token without asking anyone, or an
	// *sso.LoginError.
	Token(ctx context.Context, s sso.Session, profile string) (string, error)
	// Login signs in interactively.
	Login(ctx context.Context, s sso.Session, o sso.LoginOptions) (store.Token, error)
	// Forget drops the session's token after the portal refused it.
	Forget(ctx context.Context, s sso.Session) error
	// Portal returns the portal client of a region.
	Portal(ctx context.Context, region string) (sso.ListAPI, error)
}

// SSOClient is an *sso.Client as a Client.
type SSOClient struct{ *sso.Client }

var _ Client = SSOClient{}

// Portal implements Client.
func (c SSOClient) Portal(ctx context.Context, region string) (sso.ListAPI, error) {
	return c.NewPortal(ctx, region)
}

// SSOOptions are the inputs of `sesame configure sso`.
type SSOOptions struct {
	IO     *iostreams.IOStreams
	Config func() (*awsconfig.Config, error)
	// Prompter asks the questions; Chooser shows the account and role
	// lists. Both work on the terminal.
	Prompter prompt.Prompter
	Chooser  Chooser
	// Client builds the IAM Identity Center client.
	Client func() (Client, error)
	// LoginOptions picks the sign-in flow (sso.Deps.LoginOptions).
	LoginOptions func(deviceCode, noBrowser bool) sso.LoginOptions
	Logger       *slog.Logger
	// Now is the clock (time.Now when nil); it paces the progress line.
	Now func() time.Time
	// Lister, when set, adjusts the account Lister before it runs (tests
	// set its rate).
	Lister func(*sso.Lister)

	// Default writes the profile as [default] too, without asking.
	Default bool
}

// NewCmdSSO builds `sesame configure sso` on deps; runF replaces the run
// function in tests.
func NewCmdSSO(f *cmdutil.Factory, deps sso.Deps, runF func(context.Context, *SSOOptions) error) *cobra.Command {
	opts := &SSOOptions{
		IO:       f.IOStreams,
		Config:   f.Config,
		Prompter: f.Prompter,
		Chooser: &TTYChooser{Color: func() bool {
			// --no-color turns colour off on the streams; NO_COLOR and a
			// dumb terminal turn it off everywhere.
			return f.Getenv("NO_COLOR") == "" && f.Getenv("TERM") != "dumb" &&
				(!f.IOStreams.IsStdoutTTY() || f.IOStreams.ColorEnabled())
		}},
		Client: func() (Client, error) {
			c, err := deps.Client()
			if err != nil {
				return nil, err
			}
			return SSOClient{c}, nil
		},
		LoginOptions: deps.LoginOptions,
		Logger:       f.Logger,
		Now:          f.Now,
	}
	cmd := &cobra.Command{
		Use:   "sso [--default]",
		Short: "Set up an IAM Identity Center (SSO) profile, step by step",
		Long: `Set up a profile that gets credentials from IAM Identity Center, as
aws configure sso does, asking on the terminal:

  SSO start URL, SSO region      an [sso-session] with both is reused as it is;
  SSO session name, scopes       otherwise one is written (or updated)
  (sign-in in the browser; BROWSER is honoured)
  AWS account, role              chosen from lists you filter by typing
  default region, output format
  profile name                   suggested from the account and role names
  default profile?               --default answers yes

It then writes to the config file:

  [sso-session NAME]
  sso_start_url = URL
  sso_region = REGION
  sso_registration_scopes = sso:account:access

  [profile PROFILE]
  sso_session = NAME
  sso_account_id = ACCOUNT
  sso_role_name = ROLE
  region = REGION
  output = json

and the same keys to [default] when it is the default profile. Every other
line of the file stays as it is. Replacing an existing profile needs your
confirmation, and then removes the keys that would give it credentials
another way (role_arn, source_profile, credential_process, keys, ...).

The wizard needs a terminal. Elsewhere, write the sections above by hand,
or sign in with sesame sso login and let sesame sso populate write a
profile for every account and role.`,
		Example: `  sesame configure sso
  sesame configure sso --default`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return RunSSO(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Default, "default", false, "also write the profile as [default], without asking")
	return cmd
}

// errNeedTerminal is the wizard run where nobody can answer.
var errNeedTerminal = errors.New("the configure sso wizard asks its questions on a terminal, and there is none here")

// noTerminalHint says what to do instead of the wizard.
const noTerminalHint = "write the sections by hand (sesame configure sso --help shows them), or write only " +
	"[sso-session NAME] and run: sesame sso login --sso-session NAME && sesame sso populate --sso-session NAME"

// RunSSO runs the wizard.
func RunSSO(ctx context.Context, opts *SSOOptions) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	w := &wizard{opts: opts, cfg: cfg}
	err = w.run(ctx)
	switch {
	case errors.Is(err, prompt.ErrNoTerminal):
		return cmdutil.WithHint(errNeedTerminal, noTerminalHint)
	case errors.Is(err, io.EOF):
		// Ctrl-D at a question.
		return cmdutil.ErrCanceled
	}
	return err
}
