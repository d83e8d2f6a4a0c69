// Package login implements `sesame login`: sign in to the AWS Management
// Console through the federation endpoint with a profile's credentials, and
// open the result in a browser or print it (--stdout).
//
// # Which credentials
//
// The console accepts temporary credentials of a role, of IAM Identity
// Center, or of GetFederationToken; it refuses long-term keys and
// GetSessionToken credentials. So, by the kind of credentials the chain
// gives (creds.Result.Kind):
//
//   - role, sso: used as they are; --duration becomes the console session's
//     length (SessionDuration, 15m to 12h). With --duration a role is
//     assumed straight from the long-term keys (creds.Request.DirectRole),
//     so that it is not chained through an MFA session.
//   - role-chained: used as they are, without SessionDuration, which the
//     endpoint refuses after role chaining; a --duration is dropped with a
//     notice, and AWS's default console session length applies.
//   - long-term (a keys profile, asked for with NoSession): STS
//     GetFederationToken with those keys, named sesame-USER after the IAM
//     user, lasting --duration (default 1h, at most 36h), with a policy that
//     allows everything so that the user's own IAM policies decide; its
//     credentials then sign in without SessionDuration.
//   - process (credential_process): used as they are, without
//     SessionDuration; without a session token they are long-term keys and
//     go through GetFederationToken.
//   - session-token: refused, with the next step.
//
// # Where
//
// The partition comes from the region (--region, else the profile's, else
// us-east-1): cn-* is aws-cn, us-gov-* aws-us-gov, anything else aws; it
// picks the federation endpoint (SESAME_FEDERATION_URL overrides it) and
// the console host. See [Destination] for --path.
//
// # Secrets
//
// The sign-in URL signs in whoever opens it for 15 minutes. It goes to
// stdout with --stdout; never into an error, a log line, stderr or a
// command line. The browser is started with a one-time link on 127.0.0.1
// ([loopback.Redirect]) that redirects it to the sign-in URL once, and
// sesame waits until it has (at most BrowserWait). Nor does the Session
// document go anywhere but the federation endpoint.
package login

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/browser"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/creds"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/loopback"
)

// DefaultRegion is the region used when neither --region nor the profile
// names one.
const DefaultRegion = "us-east-1"

// DefaultBrowserWait is how long sesame waits for the browser to follow
// the one-time sign-in link.
const DefaultBrowserWait = 2 * time.Minute

// HTTPTimeout bounds the sign-in token request.
const HTTPTimeout = 30 * time.Second

// Options are the inputs of `sesame login`.
type Options struct {
	IO *iostreams.IOStreams
	// Creds gets the credentials.
	Creds creds.Getter
	// SelectProfile picks the profile from the argument (cli.md's order).
	SelectProfile func(ctx context.Context, arg string) (string, error)
	// Source tells how a profile gets its credentials: a keys profile is
	// asked for its long-term keys.
	Source func(profile string) (awsconfig.Source, error)
	// NewSTS makes the STS client for GetFederationToken.
	NewSTS NewSTSFunc
	// HTTPClient calls the federation endpoint (nil: one with
	// HTTPTimeout). Redirects are never followed.
	HTTPClient *http.Client
	// Browser opens the one-time link to the sign-in URL when --stdout is
	// not given.
	Browser browser.Opener
	// BrowserWait is how long the browser has to follow that link (0:
	// DefaultBrowserWait).
	BrowserWait time.Duration
	// FederationURL is SESAME_FEDERATION_URL ("" when unset).
	FederationURL string
	// Logger gets the --debug explanation of each choice (nil: none). It
	// is never given a secret or the sign-in URL.
	Logger *slog.Logger

	// Profile is the argument ("" when none).
	Profile string
	// Duration is --duration (0 when not given).
	Duration time.Duration
	// Region is --region.
	Region string
	// Path is --path: the console page to land on.
	Path string
	// MFAToken is --mfa-token.
	MFAToken string
	// Stdout is --stdout: print the URL instead of opening it.
	Stdout bool
}

// NewCmdLogin builds the command on getter, the credential chain; runF replaces
// the run function in tests.
func NewCmdLogin(f *cmdutil.Factory, getter creds.Getter, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{
		Creds:         getter,
		IO:            f.IOStreams,
		SelectProfile: func(ctx context.Context, arg string) (string, error) { return cmdutil.SelectProfile(ctx, f, arg) },
		Source: func(profile string) (awsconfig.Source, error) {
			cfg, err := f.Config()
			if err != nil {
				return "", err
			}
			r, err := cfg.Resolve(profile)
			if err != nil {
				return "", err
			}
			return r.Source, nil
		},
		NewSTS:  factorySTS(f),
		Browser: browser.System{LookupEnv: f.LookupEnv, Stderr: f.IOStreams.ErrOut},
		Logger:  f.Logger,
	}
	cmd := &cobra.Command{
		Use:   "login [PROFILE]",
		Short: "Sign in to the AWS console with a profile's credentials",
		Long: `Sign in to the AWS Management Console with PROFILE's credentials, through
AWS's federation endpoint, and open the console in the browser; with --stdout,
print the sign-in URL instead.

Role and IAM Identity Center credentials sign in as they are; --duration
(15m to 12h) sets the console session's length, and a role is then assumed
straight from the long-term keys. A role assumed through another role (role
chaining) signs in without a session length: AWS refuses one there. An IAM
user's keys sign in through STS GetFederationToken, as federated user
sesame-USER, for --duration (default 1h, at most 36h); the user's own IAM
policies decide what the console may do, but IAM and most STS actions are
closed to federated users. credential_process credentials are tried as they
are (keys without a session token go through GetFederationToken).
GetSessionToken credentials cannot sign in.

The console opens at the home page of the region (--region, else the
profile's, else us-east-1). --path P opens https://CONSOLE/P instead, with
region=REGION added to its query unless it names one; an https URL is used as
given. Regions cn-* sign in to the China console, us-gov-* to GovCloud.
SESAME_FEDERATION_URL replaces the federation endpoint.

The browser is $BROWSER when set (its command, then the URL as one argument;
several commands may be given separated by ':'), else the desktop's (xdg-open,
open). It is given a one-time link on 127.0.0.1 that redirects it to the
sign-in URL, so that the sign-in URL is on no command line (where every local
user could read it); sesame waits up to 2 minutes for the browser to follow
it. The sign-in URL is valid for 15 minutes and signs in whoever opens it:
--stdout prints it on stdout only, and never to a log.`,
		Example: `  sesame login work
  sesame login admin --duration 8h --path ec2/home
  sesame login work --region eu-west-1 --stdout | xclip -selection clipboard`,
		Args: cmdutil.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.FederationURL = f.Getenv("SESAME_FEDERATION_URL")
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.DurationVar(&opts.Duration, "duration", 0, "console session length, e.g. 8h: 15m to 12h (36h for an IAM user's keys; default: AWS's for roles, 1h for keys)")
	fl.StringVar(&opts.Region, "region", "", "region of the console and of STS (default: the profile's, else us-east-1)")
	fl.StringVar(&opts.Path, "path", "", "console page to open, e.g. s3/home or ec2/home#Instances (default: the console home)")
	fl.StringVar(&opts.MFAToken, "mfa-token", "", "the current MFA code, instead of being asked for it")
	fl.BoolVar(&opts.Stdout, "stdout", false, "print the sign-in URL instead of opening the browser")
	cmdutil.AddProfileArg(cmd, f, "", &opts.Profile)
	return cmd
}

// Run signs in and opens or prints the sign-in URL.
func Run(ctx context.Context, opts *Options) error {
	if err := checkDuration(opts.Duration, MaxFederationDuration); err != nil {
		return err
	}
	// Check --path before any credentials are made (the region only
	// changes the query).
	if _, err := Destination(PartitionAWS, DefaultRegion, opts.Path); err != nil {
		return &cmdutil.UsageError{Err: err}
	}
	profile, err := opts.SelectProfile(ctx, opts.Profile)
	if err != nil {
		return err
	}
	// A profile that cannot be resolved is explained by the credential
	// chain below, with its hints.
	source, _ := opts.Source(profile)
	req := creds.Request{Profile: profile, Region: opts.Region, MFAToken: opts.MFAToken}
	switch {
	case source == awsconfig.SourceKeys:
		req.NoSession = true
	case source != awsconfig.SourceProcess:
		if err := checkDuration(opts.Duration, MaxSessionDuration); err != nil {
			return err
		}
		// Not chained through an MFA session, so that the console
		// accepts the session duration.
		req.DirectRole = opts.Duration > 0
	}
	res, err := opts.Creds(ctx, req)
	if err != nil {
		return err
	}
	region := res.Region
	if region == "" {
		region = DefaultRegion
	}
	part := PartitionOf(region)
	fed, err := FederationURL(part, opts.FederationURL)
	if err != nil {
		return cmdutil.WithHint(err, "set SESAME_FEDERATION_URL to the federation endpoint's https URL, or unset it")
	}
	destination, err := Destination(part, region, opts.Path)
	if err != nil {
		return &cmdutil.UsageError{Err: err}
	}

	c, sessionDuration, err := consoleCredentials(ctx, opts, profile, res, region)
	if err != nil {
		return err
	}
	opts.debug("console sign-in", "profile", profile, "source", string(source), "kind", string(res.Kind), "partition", part.Name,
		"region", region, "session_duration", sessionDuration, "endpoint", fed.Redacted(), "destination", destination)
	client := httpClient(opts.HTTPClient)
	token, err := SigninToken(ctx, client, fed, c, sessionDuration)
	if err != nil {
		return endpointError(err, profile, res.Kind, opts.FederationURL != "")
	}
	link := LoginURL(fed, token, destination)

	if opts.Stdout {
		if _, err := fmt.Fprintln(opts.IO.Out, link); err != nil {
			return err
		}
		opts.IO.Warnf("the sign-in URL is valid for %s and signs in whoever opens it: do not share it", short(LinkLifetime))
		return nil
	}
	if opts.Browser == nil {
		return cmdutil.WithHint(browser.ErrNoBrowser, fmt.Sprintf("print the URL instead: sesame login %s --stdout", profile))
	}
	if err := openOnce(ctx, opts, link, profile); err != nil {
		return err
	}
	opts.IO.Warnf("opened the AWS console (%s) for profile %s in the browser", part.ConsoleHost, profile)
	return nil
}

// openOnce hands the browser a one-time link on 127.0.0.1 that redirects
// it to the sign-in URL, so that the sign-in URL is on no command line,
// and waits for the browser to follow it.
func openOnce(ctx context.Context, opts *Options, link, profile string) error {
	wait := opts.BrowserWait
	if wait <= 0 {
		wait = DefaultBrowserWait
	}
	r, err := loopback.NewRedirect(ctx, link, wait)
	if err != nil {
		return err
	}
	defer r.Close()
	if err := opts.Browser.Open(ctx, r.URL()); err != nil {
		return cmdutil.WithHint(fmt.Errorf("cannot open the sign-in URL in a browser: %w", err),
			fmt.Sprintf("print it and open it yourself: sesame login %s --stdout (or set BROWSER to the program that opens URLs)", profile))
	}
	opts.debug("waiting for the browser to follow the one-time sign-in link", "wait", wait)
	if err := r.Wait(ctx); err != nil {
		if errors.Is(err, loopback.ErrTimeout) {
			err = fmt.Errorf("the browser did not open the sign-in link within %s", short(wait))
		}
		return cmdutil.WithHint(err, fmt.Sprintf("print the URL and open it yourself: sesame login %s --stdout", profile))
	}
	return nil
}

func (opts *Options) debug(msg string, args ...any) {
	if opts.Logger != nil {
		opts.Logger.Debug(msg, args...)
	}
}

// consoleCredentials are the credentials to sign in with, and the console
// session length to ask for (0: none), by the kind of res.
func consoleCredentials(ctx context.Context, opts *Options, profile string, res creds.Result, region string) (aws.Credentials, time.Duration, error) {
	switch res.Kind {
	case creds.KindRole, creds.KindSSO:
		return res.Credentials, opts.Duration, nil
	case creds.KindRoleChained:
		if opts.Duration > 0 {
			opts.IO.Warnf("profile %s assumes its role with temporary credentials (role chaining), and the console refuses a session length for those: --duration is not used, AWS's default applies", profile)
		}
		return res.Credentials, 0, nil
	case creds.KindSessionToken:
		return aws.Credentials{}, 0, cmdutil.WithHint(
			fmt.Errorf("profile %s gives GetSessionToken credentials, which the AWS console refuses", profile),
			"sign in with a profile that assumes a role (role_arn, source_profile), or with the keys profile itself: sesame signs an IAM user in through GetFederationToken")
	case creds.KindLongTerm:
		return federateKeys(ctx, opts, profile, res, region)
	}
	// credential_process (or a kind this command does not know): long-term
	// keys when there is no session token, else used as they are.
	if res.SessionToken == "" {
		return federateKeys(ctx, opts, profile, res, region)
	}
	if opts.Duration > 0 {
		opts.IO.Warnf("profile %s: credential_process credentials are used as they are, and the console accepts a session length only for role credentials: --duration is not used", profile)
	}
	return res.Credentials, 0, nil
}

func federateKeys(ctx context.Context, opts *Options, profile string, res creds.Result, region string) (aws.Credentials, time.Duration, error) {
	if res.SessionToken != "" {
		// GetFederationToken needs long-term keys.
		return res.Credentials, 0, nil
	}
	d := opts.Duration
	if d == 0 {
		d = DefaultFederationDuration
	}
	if opts.NewSTS == nil {
		return aws.Credentials{}, 0, errors.New("this build of sesame has no STS client")
	}
	opts.debug("GetFederationToken with the IAM user's long-term keys", "profile", profile, "duration", d)
	c, err := federate(ctx, opts.NewSTS, profile, res.Credentials, region, d)
	return c, 0, err
}

// checkDuration refuses a --duration outside 15m..limit.
func checkDuration(d, limit time.Duration) error {
	switch {
	case d == 0:
		return nil
	case d < 0:
		return cmdutil.Usagef("--duration must be positive, not %v", d)
	case d < MinSessionDuration:
		return cmdutil.Usagef("--duration %s is too short: the console session lasts at least %s", short(d), short(MinSessionDuration))
	case d > limit && limit == MaxSessionDuration:
		return cmdutil.Usagef("--duration %s is too long: a console session with role credentials lasts at most %s", short(d), short(limit))
	case d > limit:
		return cmdutil.Usagef("--duration %s is too long: at most %s (GetFederationToken's limit)", short(d), short(limit))
	}
	return nil
}

// short writes d without trailing zero units: 15m, 12h, 1h30m.
func short(d time.Duration) string {
	s := d.String()
	if strings.HasSuffix(s, "m0s") {
		s = strings.TrimSuffix(s, "0s")
	}
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

// httpClient is c (or a new client with HTTPTimeout) that never follows
// redirects.
func httpClient(c *http.Client) *http.Client {
	var out http.Client
	if c != nil {
		out = *c
	} else {
		out.Timeout = HTTPTimeout
	}
	out.CheckRedirect = noRedirect
	return &out
}

// endpointError gives an error from the federation endpoint its next step.
func endpointError(err error, profile string, kind creds.Kind, overridden bool) error {
	if cmdutil.Hint(err) != "" || errors.Is(err, context.Canceled) {
		return err
	}
	var ee *EndpointError
	switch {
	case !errors.As(err, &ee):
		hint := "check the network, then try again"
		if overridden {
			hint = "check SESAME_FEDERATION_URL and the network, then try again"
		}
		return cmdutil.WithHint(err, hint)
	case ee.SessionDuration:
		return cmdutil.WithHint(err, fmt.Sprintf("AWS accepts a console session length only for role credentials not obtained by role chaining: try again without --duration (sesame login %s)", profile))
	case kind == creds.KindProcess:
		return cmdutil.WithHint(err, fmt.Sprintf("the credentials of profile %s come from credential_process; the console accepts only role, IAM Identity Center and GetFederationToken credentials", profile))
	}
	return cmdutil.WithHint(err, fmt.Sprintf("the credentials of profile %s may have expired or been revoked: run sesame clear %s and try again", profile, profile))
}
