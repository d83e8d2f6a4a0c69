// Package use implements `sesame use PROFILE` and `sesame use --unset`:
// switch the shell it is typed in to a profile, or back.
//
// A program cannot change its parent shell's environment, so the work is
// split: the shell function of `sesame shell-init` runs this command as
// `sesame use --shell SHELL ...` and evaluates the code it writes on the
// shell's code channel, and nothing else (see package shellinit): file
// descriptor 3 for bash, zsh and fish, so that help, errors and the picker
// can never be evaluated; for PowerShell stdout, after a marker line.
// Without --shell the command only says how to load that function.
//
// By default the shell gets AWS_PROFILE, so that the AWS CLI and SDKs fetch
// and refresh credentials themselves. A profile they cannot use on their
// own, one whose credentials start from keys in sesame's store, is reached
// through a profile that sesame writes next to it: [profile sesame-NAME]
// with credential_process = sesame export --format json -- NAME, marked
// sesame_generated = use (see plan.go). The user's own profiles are never
// changed. With --keys the shell gets temporary keys instead.
package use

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/credcheck"
	"github.com/sesamehq/sesame/internal/credfmt"
	"github.com/sesamehq/sesame/internal/creds"
	"github.com/sesamehq/sesame/internal/genprofile"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/sso"
	"github.com/sesamehq/sesame/internal/timefmt"
)

// MarkerEnv names the profile that `sesame use` switched the shell to; it
// is set while a switch is in effect (for shell prompts, and so that the
// next switch knows which AWS_REGION it set).
const MarkerEnv = "SESAME_USE_PROFILE"

// credentialVars are the variables that carry credentials: a switch
// removes those it does not set, so that nothing stale is used with the
// new profile.
var credentialVars = []string{"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_CREDENTIAL_EXPIRATION"}

// profileVars select a profile. botocore reads AWS_DEFAULT_PROFILE before
// AWS_PROFILE, so both are handled.
var profileVars = []string{"AWS_PROFILE", "AWS_DEFAULT_PROFILE"}

var regionVars = []string{"AWS_REGION", "AWS_DEFAULT_REGION"}

// Options are the inputs of `sesame use`.
type Options struct {
	IO *iostreams.IOStreams
	// Config loads the AWS files.
	Config func() (*awsconfig.Config, error)
	// SelectProfile checks a named profile (cli.md's rules for an
	// argument: a name that does not exist is an error with a suggestion).
	SelectProfile func(ctx context.Context, arg string) (string, error)
	// Pick lets the person choose a profile when none is named; it returns
	// an error where it cannot.
	Pick func(ctx context.Context) (string, error)
	// Creds gets credentials for --keys.
	Creds creds.Getter
	// Getenv reads the environment.
	Getenv func(string) string
	// HomeDir is the home folder, where the AWS CLI keeps its SSO cache.
	HomeDir func() (string, error)
	// Now is the clock.
	Now func() time.Time
	// Command is how the AWS CLI is to run sesame in credential_process.
	Command func() string
	// Backend is the --backend flag, repeated in credential_process.
	Backend func() string
	// CodeOut opens the channel the shell code goes to for the shell
	// (see credfmt.CodeFD) and says whether it is a terminal; nil means
	// IO.Out.
	CodeOut func(shell string) (w io.Writer, isTTY bool, err error)

	// Profile is the argument ("" when none).
	Profile string
	// Shell is the hidden --shell flag: the shell whose code to print.
	Shell string
	Keys  bool
	Unset bool
	Force bool
	// code and codeTTY are the open code channel (see codeOut).
	code    io.Writer
	codeTTY bool
	// Request carries --region, and with --keys --duration, --no-session
	// and --mfa-token.
	Request creds.Request
}

// NewCmdUse builds the command on getter, the credential chain; runF replaces
// the run function in tests.
func NewCmdUse(f *cmdutil.Factory, getter creds.Getter, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{
		Creds:         getter,
		IO:            f.IOStreams,
		Config:        f.Config,
		SelectProfile: func(ctx context.Context, arg string) (string, error) { return cmdutil.SelectProfile(ctx, f, arg) },
		Getenv:        f.Getenv,
		HomeDir:       f.HomeDir,
		Now:           f.Now,
		Command:       func() string { return cmdutil.SelfCommand(exec.LookPath, f.Executable) },
		Backend:       func() string { return f.BackendName },
		CodeOut:       func(shell string) (io.Writer, bool, error) { return codeOut(shell, f.IOStreams) },
	}
	opts.Pick = func(ctx context.Context) (string, error) {
		cfg, err := f.Config()
		if err != nil {
			return "", err
		}
		if f.Picker == nil || !f.IOStreams.IsStdinTTY() || !f.IOStreams.IsStderrTTY() || len(cfg.ProfileNames()) == 0 {
			return "", cmdutil.WithHint(cmdutil.Usagef("sesame use needs a profile to switch to"), "name one: sesame use PROFILE (run: sesame list)")
		}
		return f.Picker.PickProfile(ctx, cfg)
	}
	cmd := &cobra.Command{
		Use:   "use [PROFILE]",
		Short: "Switch the current shell to a profile",
		Long: `Switch the shell you type it in to PROFILE, or with --unset back to none.
It needs the shell function of sesame shell-init; add to your shell's startup file:

  eval "$(sesame shell-init bash)"       # ~/.bashrc (zsh: the same with zsh, in ~/.zshrc)
  sesame shell-init fish | source        # ~/.config/fish/config.fish

Without PROFILE, a picker lists the profiles on the terminal.

By default the shell gets AWS_PROFILE, so that the AWS CLI and SDKs get and
refresh credentials themselves, and AWS_REGION and AWS_DEFAULT_REGION when the
profile has a region (or --region is given). The credential variables
(AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_SECURITY_TOKEN,
AWS_CREDENTIAL_EXPIRATION) and AWS_DEFAULT_PROFILE are removed.

The AWS CLI cannot read sesame's store. For a profile whose credentials start
from keys kept there, sesame adds a profile named sesame-PROFILE to the config
file and sets AWS_PROFILE to it:

  [profile sesame-PROFILE]
  sesame_generated = use
  credential_process = sesame export --format json -- PROFILE
  region = ...            (and the other settings of PROFILE that are not credentials)

It rewrites that profile when PROFILE changes, and never changes a profile it
did not write: if sesame-PROFILE exists without sesame_generated = use, it stops
and says so.

With --keys the shell gets temporary credentials instead (AWS_ACCESS_KEY_ID,
AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_CREDENTIAL_EXPIRATION, and the
region), as sesame export prints them, and AWS_PROFILE is removed; they do not
renew themselves: run sesame use --keys again when they expire.

SESAME_USE_PROFILE names the profile while a switch is in effect. A switch to a
profile without a region removes the region variables an earlier switch set.
sesame use --unset removes AWS_PROFILE, AWS_DEFAULT_PROFILE, the credential
variables and SESAME_USE_PROFILE, and the region variables when a switch was
in effect.

Put global flags after use (sesame use --backend file dev): the shell function
only recognises use as the first word.`,
		Example: `  sesame use dev
  sesame use               # pick from a list
  sesame use --keys prod   # temporary keys in the environment
  sesame use --unset`,
		Args: cmdutil.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&opts.Unset, "unset", false, "switch back: remove AWS_PROFILE, the credential variables and the region sesame use set")
	fl.BoolVar(&opts.Keys, "keys", false, "put temporary credentials in the environment instead of AWS_PROFILE")
	fl.BoolVar(&opts.Force, "force", false, "with --keys, print the credentials even when stdout is a terminal")
	credcheck.AddRequestFlags(fl, &opts.Request)
	fl.StringVar(&opts.Shell, "shell", "", "the shell to print code for (set by the function of sesame shell-init)")
	_ = fl.MarkHidden("shell")
	_ = cmd.RegisterFlagCompletionFunc("shell", cobra.FixedCompletions(credfmt.Shells, cobra.ShellCompDirectiveNoFileComp))
	cmdutil.AddProfileArg(cmd, f, "", &opts.Profile)
	return cmd
}

// Run writes the shell code of the switch on the shell's code channel
// (opts.CodeOut), and says what it did on stderr.
func Run(ctx context.Context, opts *Options) error {
	if opts.Shell == "" {
		return notLoaded(opts)
	}
	format, ok := credfmt.ShellFormat(opts.Shell)
	if !ok {
		return cmdutil.Usagef("unknown shell %q: choose one of %s", opts.Shell, strings.Join(credfmt.Shells, ", "))
	}
	// First, before anything opens a file that could take its number.
	code, codeTTY, err := opts.codeOut()
	if err != nil {
		return err
	}
	opts.code, opts.codeTTY = code, codeTTY
	if opts.Unset {
		if opts.Profile != "" || opts.Keys {
			return cmdutil.Usagef("--unset takes no profile and no --keys")
		}
		return unset(opts, format)
	}
	req := opts.Request
	if !opts.Keys && (req.Duration != 0 || req.NoSession || req.MFAToken != "") {
		return cmdutil.Usagef("--duration, --no-session and --mfa-token shape temporary keys: use them with --keys")
	}
	if opts.Keys && opts.codeTTY && !opts.Force {
		return cmdutil.WithHint(errors.New("refusing to print secret credentials to a terminal"),
			"load the shell function (sesame shell-init --help) and run sesame use --keys through it, or pass --force")
	}
	profile, err := selectProfile(ctx, opts)
	if err != nil {
		return err
	}
	if opts.Keys {
		return useKeys(ctx, opts, format, profile)
	}
	return useProfile(opts, format, profile)
}

func selectProfile(ctx context.Context, opts *Options) (string, error) {
	if opts.Profile != "" {
		return opts.SelectProfile(ctx, opts.Profile)
	}
	if opts.Pick == nil {
		return "", cmdutil.WithHint(cmdutil.Usagef("sesame use needs a profile to switch to"), "name one: sesame use PROFILE (run: sesame list)")
	}
	return opts.Pick(ctx)
}

// notLoaded is the error for `sesame use` run without the shell function.
func notLoaded(opts *Options) error {
	shell := credfmt.GuessShell(opts.Getenv("SHELL"), runtime.GOOS)
	hint := "load the shell function of sesame shell-init from your shell's startup file, then open a new shell: see sesame shell-init --help"
	if shell != "" {
		file, line := credfmt.ShellSetup(shell)
		hint = fmt.Sprintf("add this line to %s, then open a new shell: %s", file, line)
	}
	return cmdutil.WithHint(errors.New("sesame use changes the environment of the shell it is typed in, which needs the shell function of sesame shell-init"), hint)
}

// useProfile switches the shell to AWS_PROFILE: the profile itself, or
// the generated profile that reaches it through credential_process.
func useProfile(opts *Options, format, profile string) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	p, err := plan(cfg, profile, credentialProcess(opts, profile))
	if err != nil {
		return err
	}
	if p.Generated {
		changed, err := writeGenerated(cfg.Paths.Config, p.AWSProfile, profile, p.Keys)
		if err != nil {
			return err
		}
		if changed {
			opts.IO.Warnf("wrote [%s] to %s: %s, so that the AWS CLI and SDKs get profile %s's credentials from sesame (%s)",
				awsconfig.ConfigSection(p.AWSProfile), cfg.Paths.Config, "credential_process = "+p.Process, profile, p.Why)
		}
	}
	if note := ssoNote(opts, cfg, p.Resolved); note != "" && !p.Generated {
		opts.IO.Warnf("%s", note)
	}
	set := []credfmt.Var{{Name: "AWS_PROFILE", Value: p.AWSProfile}}
	region := opts.Request.Region
	if region == "" {
		region = p.Region
	}
	set, unsetVars := withRegion(opts, set, region)
	set = append(set, credfmt.Var{Name: MarkerEnv, Value: profile})
	unsetVars = append(unsetVars, credentialVars...)
	unsetVars = append(unsetVars, "AWS_DEFAULT_PROFILE")
	if err := opts.emit(credfmt.ShellCode(format, set, unsetVars)); err != nil {
		return err
	}
	msg := "AWS_PROFILE=" + p.AWSProfile
	if p.Generated {
		msg += " (profile " + profile + ")"
	}
	if region != "" {
		msg += ", AWS_REGION=" + region
	}
	opts.IO.Warnf("%s", msg)
	return nil
}

// ssoNote warns when the profile starts from IAM Identity Center and the
// AWS CLI's own token cache has no sign-in it can use: it does not read
// sesame's. It says nothing when it cannot tell.
func ssoNote(opts *Options, cfg *awsconfig.Config, r *awsconfig.Resolved) string {
	root := r.Root()
	if root.Source != awsconfig.SourceSSO || opts.HomeDir == nil || opts.Now == nil {
		return ""
	}
	s, err := sso.SessionFor(cfg, root, false)
	if err != nil {
		return ""
	}
	home, err := opts.HomeDir()
	if err != nil {
		return ""
	}
	t, ok, err := sso.ReadCLICache(home, s)
	if err != nil || ok && (t.ExpiresAt.After(opts.Now()) || t.RefreshToken != "") {
		return ""
	}
	login := strings.TrimPrefix(s.LoginHint(root.Name), "run: ")
	return fmt.Sprintf("the AWS CLI signs in to %s on its own and has no valid sign-in: run %s --share (or aws sso login --profile %s)", s.Describe(), login, r.Name)
}

// withRegion adds AWS_REGION and AWS_DEFAULT_REGION to set when region is
// known. When it is not, it removes them if an earlier switch is in effect
// (it may have set them), and leaves them alone otherwise.
func withRegion(opts *Options, set []credfmt.Var, region string) ([]credfmt.Var, []string) {
	if region != "" {
		return append(set, credfmt.Var{Name: "AWS_REGION", Value: region}, credfmt.Var{Name: "AWS_DEFAULT_REGION", Value: region}), nil
	}
	if opts.Getenv(MarkerEnv) != "" {
		return set, append([]string(nil), regionVars...)
	}
	return set, nil
}

// useKeys puts temporary credentials in the shell's environment.
func useKeys(ctx context.Context, opts *Options, format, profile string) error {
	req := opts.Request
	req.Profile = profile
	res, err := opts.Creds(ctx, req)
	if err != nil {
		return err
	}
	vars := credfmt.Vars(res)
	has := map[string]bool{}
	for _, v := range vars {
		has[v.Name] = true
	}
	set, unsetVars := vars, []string(nil)
	if res.Region == "" {
		set, unsetVars = withRegion(opts, set, "")
	}
	set = append(set, credfmt.Var{Name: MarkerEnv, Value: profile})
	for _, name := range credentialVars {
		if !has[name] {
			unsetVars = append(unsetVars, name)
		}
	}
	unsetVars = append(unsetVars, profileVars...)
	if err := opts.emit(credfmt.ShellCode(format, set, unsetVars)); err != nil {
		return err
	}
	until := "long-term keys, no expiry"
	if res.CanExpire && !res.Expires.IsZero() {
		until = "valid until " + timefmt.At(res.Expires, opts.Now()) + "; run sesame use --keys " + profile + " again then"
	}
	opts.IO.Warnf("temporary credentials of profile %s in the environment (%s)", profile, until)
	return nil
}

// unset switches the shell back.
func unset(opts *Options, format string) error {
	vars := append(append([]string{MarkerEnv}, profileVars...), credentialVars...)
	if opts.Getenv(MarkerEnv) != "" {
		vars = append(vars, regionVars...)
	}
	if err := opts.emit(credfmt.ShellCode(format, nil, vars)); err != nil {
		return err
	}
	opts.IO.Warnf("removed AWS_PROFILE and the credential variables from this shell")
	return nil
}

// codeOut opens the code channel: opts.CodeOut, else IO.Out.
func (opts *Options) codeOut() (io.Writer, bool, error) {
	if opts.CodeOut == nil {
		return opts.IO.Out, opts.IO.IsStdoutTTY(), nil
	}
	return opts.CodeOut(opts.Shell)
}

// emit writes shell code to the code channel; for PowerShell, whose
// function reads stdout, after credfmt.PowerShellMarker.
func (opts *Options) emit(code string) error {
	w := opts.code
	if w == nil {
		w = opts.IO.Out
	}
	if opts.Shell == credfmt.PowerShell {
		code = credfmt.PowerShellMarker + "\n" + code
	}
	_, err := io.WriteString(w, code)
	return err
}

// credentialProcess is the command line of the generated profile.
func credentialProcess(opts *Options, profile string) string {
	cmd := "sesame"
	if opts.Command != nil {
		cmd = opts.Command()
	}
	var backend string
	if opts.Backend != nil {
		backend = opts.Backend()
	}
	return genprofile.ProcessLine(cmd, backend, profile)
}
