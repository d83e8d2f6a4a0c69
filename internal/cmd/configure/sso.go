package configure

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/prompt"
	"github.com/sesamehq/sesame/internal/sso"
	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/timefmt"
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
	// LoginOptions picks the sign-in flow (Factory.SSOLoginOptions).
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

// NewCmdSSO builds `sesame configure sso`; runF replaces the run function
// in tests.
func NewCmdSSO(f *cmdutil.Factory, runF func(context.Context, *SSOOptions) error) *cobra.Command {
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
			c, err := f.SSO()
			if err != nil {
				return nil, err
			}
			return SSOClient{c}, nil
		},
		LoginOptions: f.SSOLoginOptions,
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

// wizard is one run: the answers so far.
type wizard struct {
	opts *SSOOptions
	cfg  *awsconfig.Config

	session sso.Session
	// reused is set when an existing sso-session was taken as it is;
	// sessionWritten when the wizard wrote or changed one.
	reused, sessionWritten bool

	account  store.ListedAccount
	role     string
	region   string
	output   string
	profile  string
	asDflt   bool
	replaced []string // notes on what replacing existing sections removed
}

func (w *wizard) run(ctx context.Context) error {
	if err := w.askSession(ctx); err != nil {
		return err
	}
	if !w.reused {
		if err := w.writeSession(); err != nil {
			return err
		}
	}
	client, err := w.opts.Client()
	if err != nil {
		return err
	}
	accounts, err := w.signInAndList(ctx, client)
	if err != nil {
		return err
	}
	if err := w.chooseAccount(ctx, accounts); err != nil {
		return err
	}
	if err := w.chooseRole(ctx); err != nil {
		return err
	}
	if w.region, err = w.ask(ctx, "Default client region", w.session.Region, checkRegion); err != nil {
		return err
	}
	if w.output, err = w.ask(ctx, "CLI default output format", "json", checkOutput); err != nil {
		return err
	}
	if err := w.askProfile(ctx); err != nil {
		return err
	}
	if err := w.askDefault(ctx); err != nil {
		return err
	}
	if err := w.writeProfile(); err != nil {
		return err
	}
	w.summary()
	return nil
}

// ask asks label until check accepts the answer; an empty answer is def
// (shown in brackets). A refused answer's problem is shown above the
// question when it is asked again.
func (w *wizard) ask(ctx context.Context, label, def string, check func(string) (string, error)) (string, error) {
	q := label
	if def != "" {
		q += " [" + def + "]"
	}
	q += ": "
	problem := ""
	for {
		shown := q
		if problem != "" {
			shown = "  " + problem + "\n" + q
		}
		s, err := w.opts.Prompter.Line(ctx, shown)
		if err != nil {
			return "", err
		}
		if s = strings.TrimSpace(s); s == "" {
			s = def
		}
		v, err := check(s)
		if err == nil {
			return v, nil
		}
		problem = err.Error()
	}
}

// askSession asks for the start URL and region, and reuses the
// sso-session that has both; otherwise it asks for the new session's name
// and scopes.
func (w *wizard) askSession(ctx context.Context) error {
	names := w.cfg.SSOSessionNames()
	var known []sso.Session // the config's usable sso-sessions
	for _, n := range names {
		if s, err := sso.SessionNamed(w.cfg, n); err == nil {
			known = append(known, s)
		}
	}
	defURL := ""
	if len(known) == 1 {
		defURL = known[0].StartURL
	}
	startURL, err := w.ask(ctx, "SSO start URL", defURL, checkStartURL)
	if err != nil {
		return err
	}
	defRegion := regionOfURL(startURL)
	for _, s := range known {
		if defRegion == "" && sameStartURL(s.StartURL, startURL) {
			defRegion = s.Region
		}
	}
	region, err := w.ask(ctx, "SSO region", defRegion, checkSSORegion(startURL))
	if err != nil {
		return err
	}
	for _, s := range known {
		if sameStartURL(s.StartURL, startURL) && s.Region == region {
			w.session, w.reused = s, true
			w.opts.IO.Warnf("using [sso-session %s]: it has this start URL and region", s.Name)
			return nil
		}
	}

	defName := freeName(sessionNameFor(startURL), func(n string) bool { _, ok := w.cfg.SSOSession(n); return ok })
	var name string
	for {
		if name, err = w.ask(ctx, "SSO session name", defName, checkName("an sso-session")); err != nil {
			return err
		}
		sec, ok := w.cfg.SSOSession(name)
		if !ok {
			break
		}
		oldURL, _ := sec.Get("sso_start_url")
		oldRegion, _ := sec.Get("sso_region")
		yes, err := w.opts.Prompter.Confirm(ctx, fmt.Sprintf("[sso-session %s] signs in to %s in %s; change it to this start URL and region (its profiles too)?", name, oldURL, oldRegion), false)
		if err != nil {
			return err
		}
		if yes {
			break
		}
	}
	defScopes := sso.DefaultScope
	if sec, ok := w.cfg.SSOSession(name); ok {
		if v, ok := sec.Get("sso_registration_scopes"); ok && strings.TrimSpace(v) != "" {
			defScopes = strings.TrimSpace(v)
		}
	}
	scopes, err := w.ask(ctx, "SSO registration scopes", defScopes, checkScopes)
	if err != nil {
		return err
	}
	w.session = sso.Session{Name: name, StartURL: startURL, Region: region, Scopes: strings.Split(scopes, ", ")}
	return nil
}

// signInAndList signs in (or uses the sign-in it has, for a reused
// session) and lists the accounts and roles, at the portal's pace.
func (w *wizard) signInAndList(ctx context.Context, client Client) ([]store.ListedAccount, error) {
	s := w.session
	token, fresh := "", false
	if w.reused {
		t, err := client.Token(ctx, s, "")
		var le *sso.LoginError
		switch {
		case err == nil:
			token = t
			w.opts.IO.Warnf("using your sign-in to %s", s.Describe())
		case !errors.As(err, &le):
			return nil, err
		}
	}
	for try := 0; ; try++ {
		if token == "" {
			t, err := client.Login(ctx, s, w.opts.LoginOptions(false, false))
			if err != nil {
				return nil, cmdutil.WithHint(fmt.Errorf("signing in to %s: %w", s.Describe(), err),
					"run sesame configure sso again; or sign in with: sesame sso login --device-code --sso-session "+s.Name)
			}
			token, fresh = t.AccessToken, true
			w.opts.IO.Warnf("signed in to %s until %s", s.Describe(), timefmt.At(t.ExpiresAt, w.now()))
		}
		accounts, err := w.list(ctx, client, token)
		if errors.Is(err, sso.ErrUnauthorized) && !fresh && try == 0 {
			// The kept sign-in was refused: sign in again, once.
			_ = client.Forget(ctx, s)
			token = ""
			continue
		}
		if errors.Is(err, sso.ErrUnauthorized) {
			_ = client.Forget(ctx, s)
			return nil, &sso.LoginError{Session: s, Reason: sso.ErrUnauthorized.Error()}
		}
		return accounts, err
	}
}

// list lists the accounts the token reaches and their roles, leaving out
// accounts with no role.
func (w *wizard) list(ctx context.Context, client Client, token string) ([]store.ListedAccount, error) {
	portal, err := client.Portal(ctx, w.session.Region)
	if err != nil {
		return nil, err
	}
	w.opts.IO.Warnf("listing your accounts and roles")
	l := &sso.Lister{Portal: portal, Token: token, Logger: w.opts.Logger}
	if w.opts.IO.IsStderrTTY() {
		stop := w.progress(l)
		defer stop()
	}
	if w.opts.Lister != nil {
		w.opts.Lister(l)
	}
	all, err := l.List(ctx)
	if err != nil {
		if errors.Is(err, sso.ErrUnauthorized) {
			return nil, err
		}
		return nil, fmt.Errorf("listing the accounts of %s: %w", w.session.Describe(), err)
	}
	var out []store.ListedAccount
	for _, a := range all {
		if len(a.Roles) > 0 {
			out = append(out, a)
		}
	}
	if len(out) == 0 {
		return nil, cmdutil.WithHint(fmt.Errorf("your sign-in to %s reaches no account with a role", w.session.Describe()),
			"ask your IAM Identity Center administrator to assign you a permission set")
	}
	return out, nil
}

// now is the wizard's clock.
func (w *wizard) now() time.Time {
	if w.opts.Now == nil {
		return time.Now()
	}
	return w.opts.Now()
}

// progress shows the listing's progress on one line of stderr (a
// terminal), at most ten times a second; stop erases the line.
func (w *wizard) progress(l *sso.Lister) (stop func()) {
	now := w.now
	var last time.Time
	shown := false
	l.Progress = func(p sso.Progress) {
		if t := now(); t.Sub(last) >= 100*time.Millisecond {
			last, shown = t, true
			more := "+"
			if p.AllFound {
				more = ""
			}
			fmt.Fprintf(w.opts.IO.ErrOut, "\r\x1b[Ksesame: listed the roles in %d of %d%s accounts", p.Done, p.Accounts, more)
		}
	}
	return func() {
		if shown {
			fmt.Fprint(w.opts.IO.ErrOut, "\r\x1b[K")
		}
	}
}

// chooseAccount lets the person choose an account, unless there is one.
func (w *wizard) chooseAccount(ctx context.Context, accounts []store.ListedAccount) error {
	if len(accounts) == 1 {
		w.account = accounts[0]
		w.opts.IO.Warnf("the only account you can use is %s (%s)", w.account.Name, w.account.ID)
		return nil
	}
	w.opts.IO.Warnf("you can use %d accounts", len(accounts))
	rows := make([][]string, len(accounts))
	for i, a := range accounts {
		roles := fmt.Sprintf("%d roles", len(a.Roles))
		if len(a.Roles) == 1 {
			roles = "1 role"
		}
		rows[i] = []string{a.Name, a.ID, a.Email, roles}
	}
	i, err := w.opts.Chooser.Choose(ctx, Choice{Title: "AWS account", Filter: "account", Header: []string{"ACCOUNT", "ID", "EMAIL", "ROLES"}, Rows: rows})
	if err != nil {
		return err
	}
	w.account = accounts[i]
	return nil
}

// chooseRole lets the person choose a role in the account, unless there is
// one.
func (w *wizard) chooseRole(ctx context.Context) error {
	roles := w.account.Roles
	if len(roles) == 1 {
		w.role = roles[0]
		w.opts.IO.Warnf("the only role you can use in %s is %s", w.account.Name, w.role)
		return nil
	}
	rows := make([][]string, len(roles))
	for i, r := range roles {
		rows[i] = []string{r}
	}
	i, err := w.opts.Chooser.Choose(ctx, Choice{Title: "Role", Filter: "role", Header: []string{"ROLE IN " + strings.ToUpper(w.account.Name)}, Rows: rows})
	if err != nil {
		return err
	}
	w.role = roles[i]
	return nil
}

// askProfile asks for the profile's name, suggesting one made from the
// account and role names. A name that a profile has already is asked again
// unless the person agrees to replace that profile.
func (w *wizard) askProfile(ctx context.Context) error {
	def := sso.SafeName(w.account.Name + "-" + w.role)
	if def == "" {
		def = sso.SafeName(w.account.ID + "-" + w.role)
	}
	for {
		name, err := w.ask(ctx, "Profile name", def, checkName("a profile"))
		if err != nil {
			return err
		}
		p, ok := w.cfg.Profile(name)
		if !ok {
			w.profile = name
			return nil
		}
		q := fmt.Sprintf("profile %s exists; replace its settings?", name)
		if id, _ := p.Get("sso_account_id"); id == w.account.ID {
			if role, _ := p.Get("sso_role_name"); role == w.role {
				q = fmt.Sprintf("profile %s exists for this role; update it?", name)
			}
		}
		yes, err := w.opts.Prompter.Confirm(ctx, q, false)
		if err != nil {
			return err
		}
		if yes {
			w.profile = name
			return nil
		}
		def = freeName(def, func(n string) bool { _, ok := w.cfg.Profile(n); return ok })
	}
}

// askDefault settles whether the profile is also [default]: yes with
// --default, and for the profile named default; otherwise asked.
func (w *wizard) askDefault(ctx context.Context) error {
	if w.opts.Default || w.profile == "default" {
		w.asDflt = true
		return nil
	}
	q := fmt.Sprintf("Make %s the default profile (write it as [default] too)?", w.profile)
	if _, ok := w.cfg.Profile("default"); ok {
		q = fmt.Sprintf("Make %s the default profile (replacing the settings of [default])?", w.profile)
	}
	yes, err := w.opts.Prompter.Confirm(ctx, q, false)
	w.asDflt = yes
	return err
}

// summary says what was written and what to run next.
func (w *wizard) summary() {
	io := w.opts.IO
	what := "[profile " + w.profile + "]"
	if w.profile == "default" {
		what = "[default]"
	} else if w.asDflt {
		what += " and [default]"
	}
	if w.sessionWritten {
		what = "[sso-session " + w.session.Name + "], " + what
	}
	io.Warnf("wrote %s to %s", what, w.cfg.Paths.Config)
	for _, r := range w.replaced {
		io.Warnf("%s", r)
	}
	io.Warnf("profile %s: account %s (%s), role %s, region %s, output %s, sso-session %s",
		w.profile, w.account.Name, w.account.ID, w.role, w.region, w.output, w.session.Name)
	if w.profile != "default" && w.asDflt {
		io.Warnf("it is also the default profile, used when no profile is named")
	}
	for _, name := range w.targets() {
		if p, ok := w.cfg.Profile(name); ok {
			if v, ok := p.Value("aws_access_key_id"); ok && v.File != "" && v.File == w.cfg.Paths.Credentials {
				io.Warnf("warning: [%s] in %s has access keys, which the AWS CLI and SDKs use before SSO: remove them there", name, v.File)
			}
		}
	}
	io.Warnf("next: sesame exec %s -- aws sts get-caller-identity", w.profile)
}
