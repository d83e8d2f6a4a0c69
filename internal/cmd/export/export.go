// Package export implements `sesame export`: print a profile's temporary
// credentials as environment variables (env, sh, fish, powershell), as the
// credential_process document (json) or as a shared-credentials-file
// section (ini), or write that section into the shared credentials file
// (--format ini --write).
//
// Secrets go to stdout only, and not to a terminal unless --force is given.
// The formats are those of internal/credfmt; the Getter is the checked
// chain of internal/credcheck, which the Factory builds.
package export

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/credcheck"
	"github.com/sesamehq/sesame/internal/credfmt"
	"github.com/sesamehq/sesame/internal/creds"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/timefmt"
)

// Options are the inputs of `sesame export`.
type Options struct {
	IO *iostreams.IOStreams
	// Creds gets the credentials: the Factory's chain, checked by
	// credcheck.Checked.
	Creds creds.Getter
	// SelectProfile picks the profile from the argument (cli.md's order).
	SelectProfile func(ctx context.Context, arg string) (string, error)
	// ConfigPaths names the config and shared credentials files.
	ConfigPaths func() (awsconfig.Paths, error)
	// Config loads the AWS files; used to warn when --write targets a
	// profile that botocore resolves some other way.
	Config func() (*awsconfig.Config, error)
	// Now is the clock (for the time left in --write's message).
	Now func() time.Time

	// Profile is the argument ("" when none).
	Profile string
	// Request carries --duration, --no-session, --region and --mfa-token.
	Request creds.Request
	Format  string
	Write   bool
	As      string
	Force   bool
}

// NewCmdExport builds the command on getter, the credential chain; runF replaces
// the run function in tests.
func NewCmdExport(f *cmdutil.Factory, getter creds.Getter, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{
		Creds:         getter,
		IO:            f.IOStreams,
		SelectProfile: func(ctx context.Context, arg string) (string, error) { return cmdutil.SelectProfile(ctx, f, arg) },
		ConfigPaths:   f.ConfigPaths,
		Config:        f.Config,
		Now:           f.Now,
	}
	cmd := &cobra.Command{
		Use:   "export [PROFILE]",
		Short: "Print temporary credentials, or write them to the credentials file",
		Long: `Print PROFILE's temporary credentials on stdout, in one of the formats:

  env         KEY=value lines (the default)
  sh          export KEY='value' lines for sh, bash and zsh: eval "$(sesame export --format sh)"
  fish        set -gx KEY 'value'; lines: sesame export --format fish | source
  powershell  $Env:KEY = 'value' lines: sesame export --format powershell | Invoke-Expression
  json        the credential_process document (version 1), for
              credential_process = sesame export --format json PROFILE
  ini         a section of the shared credentials file

The variables are AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
(when there is one), AWS_CREDENTIAL_EXPIRATION (RFC 3339, when they expire),
AWS_REGION and AWS_DEFAULT_REGION (when the region is known). The shell formats
also remove AWS_SECURITY_TOKEN, and AWS_SESSION_TOKEN and
AWS_CREDENTIAL_EXPIRATION when the new credentials have none.

The ini section holds aws_access_key_id, aws_secret_access_key,
aws_session_token and x_security_token_expires (RFC 3339; AWS tools ignore it,
other helpers and shell prompts read it).

With --write (ini only), section NAME (--as, default the profile's name) of the
shared credentials file is updated in place instead: atomically, keeping every
other section and comment, mode 0600. That helps tools that understand neither
SSO nor credential_process; prefer sesame exec or credential_process where you
can, as the file then holds the temporary credentials in plain text.

sesame refuses to print secrets to a terminal unless --force is given.`,
		Example: `  eval "$(sesame export --format sh work)"
  sesame export --format json work          # credential_process = sesame export --format json work
  sesame export --format ini --write --as legacy-tool work`,
		Args: cmdutil.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Format, "format", "f", credfmt.FormatEnv, "output format: "+strings.Join(credfmt.Formats, ", "))
	fl.BoolVar(&opts.Write, "write", false, "write the ini section into the shared credentials file instead of printing it")
	fl.StringVar(&opts.As, "as", "", "section name for --format ini (default: the profile's name)")
	fl.BoolVar(&opts.Force, "force", false, "print secrets even when stdout is a terminal")
	credcheck.AddRequestFlags(fl, &opts.Request)
	_ = cmd.RegisterFlagCompletionFunc("format", cobra.FixedCompletions(credfmt.Formats, cobra.ShellCompDirectiveNoFileComp))
	cmdutil.AddProfileArg(cmd, f, "", &opts.Profile)
	return cmd
}

// Run prints or writes the credentials.
func Run(ctx context.Context, opts *Options) error {
	if !slices.Contains(credfmt.Formats, opts.Format) {
		return cmdutil.Usagef("unknown format %q: choose one of %s", opts.Format, strings.Join(credfmt.Formats, ", "))
	}
	if opts.Write && opts.Format != credfmt.FormatINI {
		return cmdutil.Usagef("--write writes a section of the shared credentials file: use it with --format ini")
	}
	if opts.As != "" && opts.Format != credfmt.FormatINI {
		return cmdutil.Usagef("--as names the section of --format ini; the %s format has none", opts.Format)
	}
	if opts.As != "" {
		if err := credfmt.CheckSection(opts.As); err != nil {
			return &cmdutil.UsageError{Err: fmt.Errorf("--as: %w", err)}
		}
	}
	if !opts.Write && opts.IO.IsStdoutTTY() && !opts.Force {
		name := opts.Profile
		if name == "" {
			name = "PROFILE"
		}
		return cmdutil.WithHint(errors.New("refusing to print secret credentials to a terminal"),
			fmt.Sprintf("run the program with them instead: sesame exec %s -- CMD; or pipe the output, or pass --force", name))
	}
	profile, err := opts.SelectProfile(ctx, opts.Profile)
	if err != nil {
		return err
	}
	req := opts.Request
	req.Profile = profile
	res, err := opts.Creds(ctx, req)
	if err != nil {
		return err
	}
	section := opts.As
	if section == "" {
		section = profile
	}
	if opts.Write {
		return write(opts, profile, section, res)
	}
	if opts.Format == credfmt.FormatINI {
		if err := credfmt.CheckSection(section); err != nil {
			return cmdutil.WithHint(err, "name the section with --as NAME")
		}
	}
	return credfmt.Render(opts.IO.Out, opts.Format, res, section)
}

// write updates section of the shared credentials file with res.
func write(opts *Options, profile, section string, res creds.Result) error {
	paths, err := opts.ConfigPaths()
	if err != nil {
		return err
	}
	path := paths.Credentials
	if opts.Config != nil {
		if cfg, err := opts.Config(); err == nil {
			warnShadowed(opts.IO, cfg, section)
		}
	}
	// Tighten the mode first, so that the new secrets are never readable
	// by others (an existing file keeps its mode when rewritten).
	fi, err := os.Stat(path)
	switch {
	case err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o077 != 0:
		if err := os.Chmod(path, 0o600); err != nil {
			return cmdutil.WithHint(fmt.Errorf("%s is readable by others (mode %#o) and its mode cannot be changed: %w", path, fi.Mode().Perm(), err),
				"run: chmod 600 "+path)
		}
		opts.IO.Warnf("%s was readable by others (mode %#o): its mode is now 0600", path, fi.Mode().Perm())
	case err != nil && !errors.Is(err, fs.ErrNotExist):
		return cmdutil.WithHint(fmt.Errorf("cannot read %s: %w", path, err),
			"check the file's permissions, or point AWS_SHARED_CREDENTIALS_FILE elsewhere")
	}
	err = awsconfig.Update(path, func(f *awsconfig.File) error { return credfmt.SetSection(f, section, res) })
	if err != nil {
		var pe *awsconfig.ParseError
		if errors.As(err, &pe) {
			return cmdutil.ConfigError(err)
		}
		// Update's errors name the file.
		return cmdutil.WithHint(err, "check the file and its folder's permissions, or point AWS_SHARED_CREDENTIALS_FILE elsewhere")
	}
	until := "long-term keys, no expiry"
	if res.CanExpire && !res.Expires.IsZero() {
		until = "valid until " + timefmt.At(res.Expires, opts.Now())
	}
	opts.IO.Warnf("wrote the credentials of profile %s to [%s] in %s (%s)", profile, section, path, until)
	return nil
}

// warnShadowed warns when the config gives profile name a credential
// source that botocore uses before the shared credentials file, so that
// the written keys are only seen by tools that read that file alone.
func warnShadowed(io *iostreams.IOStreams, cfg *awsconfig.Config, name string) {
	p, ok := cfg.Profile(name)
	if !ok {
		return
	}
	for _, key := range []string{"role_arn", "web_identity_token_file", "sso_session", "sso_start_url"} {
		if _, ok := p.Get(key); ok {
			io.Warnf("profile %s has %s, which the AWS CLI and SDKs use before the credentials file; only tools that read the file alone get these keys (use --as NAME for a section of its own)", name, key)
			return
		}
	}
}
