// Package populate implements `sesame sso populate`: one profile for every
// account and role an IAM Identity Center sign-in can reach.
//
// A run lists the accounts (ListAccounts) and each account's roles
// (ListAccountRoles) at the portal's pace (see sso.Lister), or takes the
// listing cached in the store by a run of the last day, names a profile
// for each role with a template, and writes the profiles to the config
// file in one atomic update. Profiles it writes carry the marker key
// sesame_generated = SESSION; it changes no other profile, and no line of
// the file outside the sections it writes.
//
// Two runs at once (in one process or several) are safe: the config file is
// changed under awsconfig.Update's lock, and the later run's changes are
// worked out again on the file as the earlier one left it. The listing in
// the store is simply replaced by the later run's.
package populate

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/sso"
	"github.com/sesamehq/sesame/internal/store"
)

// CacheTTL is how long a listing is used before the accounts are listed
// again.
const CacheTTL = 24 * time.Hour

// Options are the inputs of `sesame sso populate`.
type Options struct {
	IO     *iostreams.IOStreams
	Config func() (*awsconfig.Config, error)
	Client func() (*sso.Client, error)
	Store  func(context.Context) (*store.Store, error)
	Now    func() time.Time
	Logger *slog.Logger
	// Sessions picks the session from the flags (sso.PickSessions).
	Sessions func(cfg *awsconfig.Config, getenv func(string) string, session, profile string, all bool) ([]sso.Session, error)
	// Lister, when set, adjusts the sso.Lister before it runs (tests set its
	// rate and clock).
	Lister func(*sso.Lister)

	Session  string
	Template string
	Region   string
	DryRun   bool
	Prune    bool
	Refresh  bool
}

// NewCmdPopulate builds the command on deps; runF replaces the run function
// in tests.
func NewCmdPopulate(f *cmdutil.Factory, deps sso.Deps, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, Client: deps.Client, Store: f.Store, Now: f.Now,
		Logger: f.Logger, Sessions: sso.PickSessions}
	cmd := &cobra.Command{
		Use:   "populate [--sso-session NAME] [--template T] [--region R] [--dry-run] [--prune] [--refresh]",
		Short: "Write a profile for every account and role of a sign-in",
		Long: `Write one profile to the config file for every account and role that your
IAM Identity Center sign-in can reach, as an sso_session profile:

  [profile NAME]
  sso_session = SESSION
  sso_account_id = ACCOUNT
  sso_role_name = ROLE
  region = R               (only with --region)
  sesame_generated = SESSION

NAME comes from --template, a Go template over .AccountName, .AccountID,
.RoleName and .SessionName (default {{.AccountName}}/{{.RoleName}}). Every
run of characters other than letters, digits and "-_.+=,@/" becomes "-", so
the name works in botocore, on command lines and in shells. A name that a
hand-written profile (or another generated one) has gets "-ACCOUNTID", else
"-2", "-3"... A profile keeps its name from run to run.

The sesame_generated key marks a profile as sesame's: a later run updates it
and --prune removes it when the run would not write it any more (the role is
no longer granted, or the template or account name changed). Hand-written
profiles, comments and every other line of the file are never changed. The
file is written once, atomically. Without --region, region is not written,
and a region you add to a generated profile stays.

Listing a thousand accounts takes a minute: IAM Identity Center allows
about 20 calls a second, so sesame paces its calls and backs off when
throttled. The listing is kept in sesame's store for a day; a run within
the day lists nothing (and needs no sign-in); --refresh lists again.`,
		Example: `  sesame sso populate --sso-session corp --dry-run
  sesame sso populate --sso-session corp --region eu-west-1 --prune
  sesame sso populate --sso-session corp --template '{{.SessionName}}-{{.AccountName}}-{{.RoleName}}'`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Session, "sso-session", "", "the [sso-session NAME] to list (default: the only one)")
	cmd.Flags().StringVar(&opts.Template, "template", DefaultTemplate, "Go template of the profile names")
	cmd.Flags().StringVar(&opts.Region, "region", "", "region to write in every generated profile")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print what would change, change nothing")
	cmd.Flags().BoolVar(&opts.Prune, "prune", false, "remove generated profiles this run does not write")
	cmd.Flags().BoolVar(&opts.Refresh, "refresh", false, "list the accounts again even if a listing of the last day is cached")
	_ = cmd.RegisterFlagCompletionFunc("sso-session", cmdutil.CompleteSSOSessions(f))
	return cmd
}

// Run writes the profiles.
func Run(ctx context.Context, opts *Options) error {
	start := opts.Now()
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	if opts.Region != "" && !sso.ValidRegion(opts.Region) {
		return cmdutil.WithHint(cmdutil.Usagef("--region %q is not a region name such as eu-west-1", opts.Region), "run: sesame sso populate --help")
	}
	// Only --sso-session, or the config's only sso-session: not the
	// session of $AWS_PROFILE, which login and logout also take.
	noEnv := func(string) string { return "" }
	sessions, err := opts.Sessions(cfg, noEnv, opts.Session, "", false)
	if err != nil {
		return err
	}
	s := sessions[0]
	namer, err := NewNamer(opts.Template, s.Name)
	if err != nil {
		return cmdutil.WithHint(cmdutil.Usagef("--template: %v", err),
			"the template's fields are .AccountName, .AccountID, .RoleName and .SessionName; run: sesame sso populate --help")
	}
	accounts, err := listing(ctx, opts, s)
	if err != nil {
		return err
	}
	if len(accounts) == 0 {
		opts.IO.Warnf("the sign-in to %s reaches no account", s.Describe())
	}
	accounts = writable(accounts, opts.IO.Warnf)
	po := planOptions{Session: s.Name, Region: opts.Region, Prune: opts.Prune, Namer: namer, Paths: cfg.Paths, Credentials: cfg.CredentialsFile}

	if opts.DryRun {
		data, err := awsconfig.ReadFile(cfg.Paths.Config)
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		f, err := awsconfig.Parse(cfg.Paths.Config, data)
		if err != nil {
			return cmdutil.ConfigError(err)
		}
		p, err := makePlan(f, accounts, po)
		if err != nil {
			return err
		}
		if err := p.WriteDiff(opts.IO.Out); err != nil {
			return err
		}
		opts.IO.Warnf("would add %d, update %d and remove %d profiles (dry run: nothing was written)", p.Count(Added), p.Count(Updated), p.Count(Removed))
		return nil
	}

	var p *Plan
	err = awsconfig.Update(cfg.Paths.Config, func(f *awsconfig.File) error {
		// Update may call this more than once (when the file changed
		// meanwhile); each time on a fresh File.
		var err error
		if p, err = makePlan(f, accounts, po); err != nil {
			return err
		}
		return apply(f, p)
	})
	if err != nil {
		return err
	}
	opts.IO.Warnf("%d added, %d updated, %d removed, in %s", p.Count(Added), p.Count(Updated), p.Count(Removed), roundDuration(opts.Now().Sub(start)))
	return nil
}

// listing returns the session's accounts and roles: the store's listing
// when it is less than a day old (and --refresh was not given), else a new
// one, which is then stored.
func listing(ctx context.Context, opts *Options, s sso.Session) ([]store.ListedAccount, error) {
	st, err := opts.Store(ctx)
	if err != nil {
		return nil, err
	}
	if !opts.Refresh {
		l, err := st.AccountListing(ctx, s.Key())
		switch {
		case errors.Is(err, store.ErrNotFound):
		case err != nil:
			return nil, err
		case l.StartURL == s.StartURL && opts.Now().Sub(l.Listed) < CacheTTL && !l.Listed.After(opts.Now()):
			opts.IO.Warnf("using the account listing made %s ago (--refresh lists again)", roundDuration(opts.Now().Sub(l.Listed)))
			return l.Accounts, nil
		}
	}
	client, err := opts.Client()
	if err != nil {
		return nil, err
	}
	token, err := client.Token(ctx, s, "")
	if err != nil {
		return nil, err // a *sso.LoginError names the command to run
	}
	portal, err := client.NewPortal(ctx, s.Region)
	if err != nil {
		return nil, err
	}
	l := &sso.Lister{Portal: portal, Token: token, Logger: opts.Logger}
	var pl *progressLine
	if opts.IO.IsStderrTTY() {
		pl = newProgressLine(opts.IO.ErrOut, opts.Now)
		l.Progress = pl.Update
	}
	if opts.Lister != nil {
		opts.Lister(l)
	}
	started := opts.Now()
	accounts, err := l.List(ctx)
	if pl != nil {
		pl.Stop()
	}
	if errors.Is(err, sso.ErrUnauthorized) {
		_ = client.Forget(ctx, s)
		return nil, &sso.LoginError{Session: s, Reason: sso.ErrUnauthorized.Error()}
	}
	if err != nil {
		return nil, fmt.Errorf("listing the accounts of %s: %w", s.Describe(), err)
	}
	stats := l.Stats()
	if opts.Logger != nil {
		opts.Logger.Debug("listed the accounts", "session", s.Key(), "accounts", len(accounts), "calls", stats.Calls, "throttled", stats.Throttled, "took", opts.Now().Sub(started))
	}
	if stats.Throttled > 0 {
		opts.IO.Warnf("IAM Identity Center throttled %d of %d calls; sesame slowed down and tried them again", stats.Throttled, stats.Calls)
	}
	if err := st.SetAccountListing(ctx, store.AccountListing{Session: s.Key(), StartURL: s.StartURL, Listed: started.UTC(), Accounts: accounts}); err != nil {
		return nil, err
	}
	return accounts, nil
}

// roundDuration rounds d for people: milliseconds under a second, tenths
// of a second under a minute, seconds above.
func roundDuration(d time.Duration) time.Duration {
	switch {
	case d < time.Second:
		return d.Round(time.Millisecond)
	case d < time.Minute:
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}
