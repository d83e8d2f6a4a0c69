// Package status implements `sesame status`: every IAM Identity Center
// sign-in and cached session with its time left, soonest first, and for one
// profile whether its credentials can be handed out without a person.
package status

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/creds"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/safetext"
	"github.com/sesamehq/sesame/internal/signin"
	"github.com/sesamehq/sesame/internal/sso"
	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/timefmt"
)

// ExitNeedsPerson is the exit status when the profile's credentials need a
// sign-in, an MFA code or a key pair first.
const ExitNeedsPerson = 3

// Options are the inputs of `sesame status`.
type Options struct {
	IO     *iostreams.IOStreams
	Config func() (*awsconfig.Config, error)
	Store  func(context.Context) (*store.Store, error)
	SSO    func() (*sso.Client, error)
	// SignIn keeps the AWS Sign-In sessions (nil: none are shown).
	SignIn        func() (*signin.Manager, error)
	SelectProfile func(ctx context.Context, arg string) (string, error)
	// Need says what a person must do before the profile's credentials
	// can be handed out ("" for nothing); it calls no AWS API.
	Need func(ctx context.Context, profile string) (string, error)
	Now  func() time.Time

	Profile string
	JSON    bool
}

// NewCmdStatus builds the command on need and the IAM Identity Center
// client of deps; runF replaces the run function in tests.
func NewCmdStatus(f *cmdutil.Factory, need func(ctx context.Context, profile string) (string, error), deps sso.Deps, signinDeps signin.Deps, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Config: f.Config, Store: f.Store, SSO: deps.Client, SignIn: signinDeps.Manager, Need: need, Now: f.Now,
		SelectProfile: func(ctx context.Context, arg string) (string, error) { return cmdutil.SelectProfile(ctx, f, arg) }}
	cmd := &cobra.Command{
		Use:   "status [PROFILE] [--json]",
		Short: "Show sign-ins and cached sessions with their time left",
		Long: `Show every IAM Identity Center sign-in (expires in, refreshable or not), every
AWS Sign-In session (sesame signin, aws login; its credentials' expiry) and
every cached session (profile, kind, expires in), soonest first. It reads what
is stored: it never calls AWS, refreshes nothing and prints no secret.

With PROFILE (or --profile), say whether sesame can hand out its credentials
now without a person, and exit 0 when it can (cached, or made from stored
keys without MFA, or from a sign-in it can refresh) and 3 when a sign-in, an
MFA code or a key pair is needed first:

  sesame status prod || sesame sso login --profile prod

On a terminal the output is a table. When piped it is tab-separated text with
no header, one line each, in the columns:
  type (sso-session, signin or session), name (the sso-session, start URL,
  login_session ARN or profile), kind (sso, session-token, role,
  role-chained; empty for a sign-in), expiration (RFC 3339, UTC), refreshable (yes, no; empty for a
  session)
With --json it is an object: "entries", an array of objects with the keys
type, name, kind, expiration and refreshable (as above; refreshable is a
boolean), and with a profile "profile", "ready" (true or false) and "needs"
(what is needed, or "").`,
		Example: `  sesame status
  sesame status prod || sesame sso login --profile prod`,
		Args: cmdutil.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	cmdutil.AddProfileArg(cmd, f, "", &opts.Profile)
	return cmd
}

// Entry is one line of status.
type Entry struct {
	Type        string    `json:"type"` // "sso-session", "signin" or "session"
	Name        string    `json:"name"`
	Kind        string    `json:"kind"`
	Expiration  time.Time `json:"expiration"`
	Refreshable bool      `json:"refreshable"`
}

type report struct {
	Entries []Entry `json:"entries"`
	Profile string  `json:"profile,omitempty"`
	Ready   *bool   `json:"ready,omitempty"`
	Needs   *string `json:"needs,omitempty"`
}

// Run prints the status.
func Run(ctx context.Context, o *Options) error {
	cfg, err := o.Config()
	if err != nil {
		return err
	}
	var rep report
	if o.Profile != "" {
		// An explicit name must exist; none means no profile part.
		name, err := o.SelectProfile(ctx, o.Profile)
		if err != nil {
			return err
		}
		needs, err := o.Need(ctx, name)
		if err != nil {
			return err
		}
		ready := needs == ""
		rep.Profile, rep.Ready, rep.Needs = name, &ready, &needs
	}
	if rep.Entries, err = entries(ctx, o, cfg); err != nil {
		return err
	}
	if err := o.print(rep); err != nil {
		return err
	}
	if rep.Ready != nil && !*rep.Ready {
		return &cmdutil.ExitCodeError{Code: ExitNeedsPerson}
	}
	return nil
}

// entries reads the sign-ins and the cached sessions, soonest first.
func entries(ctx context.Context, o *Options, cfg *awsconfig.Config) ([]Entry, error) {
	st, err := o.Store(ctx)
	if err != nil {
		return nil, err
	}
	var out []Entry
	if targets := sso.Targets(cfg); len(targets) > 0 {
		client, err := o.SSO()
		if err != nil {
			return nil, err
		}
		for _, t := range targets {
			state, err := client.State(ctx, t.Session)
			if err != nil {
				return nil, err
			}
			if !state.Found {
				continue
			}
			name := t.Session.Name
			if name == "" {
				name = t.Session.StartURL
			}
			out = append(out, Entry{Type: "sso-session", Name: name, Expiration: state.ExpiresAt.UTC(), Refreshable: state.Refreshable})
		}
	}
	if o.SignIn != nil {
		signins, err := signinEntries(ctx, o, cfg)
		if err != nil {
			return nil, err
		}
		out = append(out, signins...)
	}
	sessions, err := st.SessionInfos(ctx)
	if err != nil {
		return nil, err
	}
	for _, s := range sessions {
		out = append(out, Entry{Type: "session", Name: s.Profile, Kind: string(creds.SessionKind(s.ID)), Expiration: s.Expiration.UTC()})
	}
	slices.SortStableFunc(out, func(a, b Entry) int { return a.Expiration.Compare(b.Expiration) })
	return out, nil
}

func (o *Options) print(rep report) error {
	out := o.IO.Out
	if o.JSON {
		if rep.Entries == nil {
			rep.Entries = []Entry{}
		}
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(out, "%s\n", b)
		return err
	}
	now := o.Now()
	if !o.IO.IsStdoutTTY() {
		for _, e := range rep.Entries {
			refresh := ""
			if e.Type != "session" {
				refresh = yesNo(e.Refreshable)
			}
			fmt.Fprintf(out, "%s\t%s\t%s\t%s\t%s\n", e.Type, tsvField(e.Name), e.Kind, e.Expiration.Format(time.RFC3339), refresh)
		}
		if rep.Ready != nil && !*rep.Ready {
			o.IO.Warnf("profile %s needs %s", safetext.Escape(rep.Profile), *rep.Needs)
		}
		return nil
	}
	if len(rep.Entries) == 0 {
		fmt.Fprintln(out, "No sign-ins and no cached sessions.")
	} else {
		tw := tabwriter.NewWriter(out, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "TYPE\tNAME\tKIND\tEXPIRES\tREFRESHABLE")
		for _, e := range rep.Entries {
			refresh := "-"
			if e.Type != "session" {
				refresh = yesNo(e.Refreshable)
			}
			kind := e.Kind
			if kind == "" {
				kind = "-"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", e.Type, safetext.Escape(e.Name), kind, left(e.Expiration, now), refresh)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	if rep.Ready != nil {
		if *rep.Ready {
			fmt.Fprintf(out, "\nprofile %s: ready, no sign-in or MFA code needed\n", safetext.Escape(rep.Profile))
		} else {
			fmt.Fprintf(out, "\nprofile %s: needs %s\n", safetext.Escape(rep.Profile), *rep.Needs)
		}
	}
	return nil
}

func left(t, now time.Time) string {
	if !t.After(now) {
		return "expired " + timefmt.Short(now.Sub(t)) + " ago"
	}
	return "in " + timefmt.Short(t.Sub(now))
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// tsvField is a field of the TSV: tabs and line breaks become spaces and
// other control characters escapes, as in sesame list.
func tsvField(s string) string {
	return safetext.Escape(strings.NewReplacer("\t", " ", "\n", " ", "\r", " ").Replace(s))
}
