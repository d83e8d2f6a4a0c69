// Package add implements `sesame add`: store a long-term key pair.
package add

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/prompt"
	"github.com/sesamehq/sesame/internal/store"
)

// Options are the inputs of `sesame add`.
type Options struct {
	IO        *iostreams.IOStreams
	Prompter  prompt.Prompter
	LookupEnv func(string) (string, bool)
	Store     func(context.Context) (*store.Store, error)
	Config    func() (*awsconfig.Config, error)
	Now       func() time.Time

	Profile  string
	FromEnv  bool
	NoConfig bool
}

// NewCmdAdd builds the command; runF replaces the run function in tests.
func NewCmdAdd(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Prompter: f.Prompter, LookupEnv: f.LookupEnv, Store: f.Store, Config: f.Config, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "add PROFILE",
		Short: "Store a long-term access key pair",
		Long: `Store a long-term access key pair for PROFILE in the secret store.

On a terminal sesame asks for the access key id and the secret access key (the
secret is not echoed). When stdin is not a terminal it reads them as two lines
from stdin. With --env it takes AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
A secret is never accepted as an argument.

Unless --no-config, [profile PROFILE] is added to the AWS config file when it is
missing. Cached sessions of the profile are cleared.`,
		Example: `  sesame add work
  printf '%s\n%s\n' "$ID" "$SECRET" | sesame add ci
  sesame add ci --env`,
		Args: cmdutil.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.FromEnv, "env", false, "take the key pair from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
	cmd.Flags().BoolVar(&opts.NoConfig, "no-config", false, "do not add the profile to the AWS config file")
	cmdutil.AddProfileArg(cmd, f, "sesame add PROFILE", &opts.Profile)
	return cmd
}

// Run stores the key pair.
func Run(ctx context.Context, opts *Options) error {
	if err := checkName(opts); err != nil {
		return err
	}
	// Open the store first, so that a store that cannot work fails before
	// anyone types a secret.
	st, err := opts.Store(ctx)
	if err != nil {
		return err
	}
	id, secret, err := readKeyPair(ctx, opts)
	if err != nil {
		return err
	}
	if err := checkKeyPair(id, secret); err != nil {
		return err
	}
	if err := st.SetKeys(ctx, store.KeyPair{Profile: opts.Profile, AccessKeyID: id, SecretAccessKey: secret, Added: opts.Now().UTC()}); err != nil {
		return fmt.Errorf("cannot store the key pair: %w", err)
	}
	cfg, cfgErr := opts.Config()
	if _, err := st.ClearProfiles(ctx, cfg.BuiltOn(opts.Profile)); err != nil {
		return fmt.Errorf("stored the key pair, but cannot clear the profile's cached sessions: %w", err)
	}
	opts.IO.Warnf("stored %s for profile %s in the %s store", store.MaskKeyID(id), opts.Profile, st.Backend().Name())

	if cfgErr != nil {
		return cfgErr
	}
	if !opts.NoConfig {
		if _, ok := cfg.Profile(opts.Profile); !ok || !inConfigFile(cfg, opts.Profile) {
			section := awsconfig.ConfigSection(opts.Profile)
			if err := awsconfig.Update(cfg.Paths.Config, func(f *awsconfig.File) error {
				if _, ok := f.ProfileSection(opts.Profile); ok {
					return nil
				}
				return f.AddSection(section)
			}); err != nil {
				return fmt.Errorf("stored the key pair, but cannot add [%s] to the config: %w", section, err)
			}
			opts.IO.Warnf("added [%s] to %s", section, cfg.Paths.Config)
		}
	}
	if p, ok := cfg.Profile(opts.Profile); ok && p.InCredentials {
		if _, has := p.Get("aws_secret_access_key"); has {
			opts.IO.Warnf("%s still holds a plain-text key for %s", cfg.Paths.Credentials, opts.Profile)
			opts.IO.Warnf("hint: run: sesame migrate")
		}
	}
	return nil
}

// checkName refuses a name that cannot be a new profile's
// (awsconfig.CheckNewProfileName). A profile that the AWS files already
// have keeps its name, even one that starts with '-'.
func checkName(opts *Options) error {
	err := awsconfig.CheckNewProfileName(opts.Profile)
	if err == nil {
		return nil
	}
	if strings.HasPrefix(opts.Profile, "-") && opts.Config != nil {
		if cfg, cerr := opts.Config(); cerr == nil {
			if _, ok := cfg.Profile(opts.Profile); ok {
				return nil
			}
		}
	}
	return &cmdutil.UsageError{Err: err}
}

func inConfigFile(cfg *awsconfig.Config, profile string) bool {
	p, ok := cfg.Profile(profile)
	return ok && p.Section != ""
}

// readKeyPair reads the key pair from the environment, the terminal or
// stdin, in that order of preference.
func readKeyPair(ctx context.Context, opts *Options) (id, secret string, err error) {
	switch {
	case opts.FromEnv:
		id, _ = opts.LookupEnv("AWS_ACCESS_KEY_ID")
		secret, _ = opts.LookupEnv("AWS_SECRET_ACCESS_KEY")
		if id == "" || secret == "" {
			return "", "", cmdutil.WithHint(errors.New("--env needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY to be set"), "export both, or run sesame add without --env to be asked")
		}
		return id, secret, nil
	case opts.IO.IsStdinTTY():
		if id, err = opts.Prompter.Line(ctx, "Access key ID: "); err != nil {
			return "", "", err
		}
		if secret, err = opts.Prompter.Secret(ctx, "Secret access key: "); err != nil {
			return "", "", err
		}
		return strings.TrimSpace(id), strings.TrimSpace(secret), nil
	default:
		return readTwoLines(opts.IO.In)
	}
}

func readTwoLines(r io.Reader) (id, secret string, err error) {
	sc := bufio.NewScanner(io.LimitReader(r, 64<<10))
	var lines []string
	for len(lines) < 2 && sc.Scan() {
		if l := strings.TrimSpace(sc.Text()); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) < 2 {
		return "", "", cmdutil.WithHint(errors.New("stdin must hold two lines: the access key id, then the secret access key"),
			`printf '%s\n%s\n' "$ID" "$SECRET" | sesame add PROFILE`)
	}
	return lines[0], lines[1], nil
}

func checkKeyPair(id, secret string) error {
	switch {
	case !store.ValidAccessKeyID(id):
		return cmdutil.WithHint(errors.New("that does not look like an access key id (16-128 upper-case letters and digits, such as AKIA...)"),
			"give the access key id first and the secret second")
	case strings.HasPrefix(id, "ASIA"):
		return cmdutil.WithHint(errors.New("that is a temporary access key (ASIA...): it needs a session token and expires"),
			"store a long-term key (AKIA...) instead")
	case !store.ValidSecretAccessKey(secret):
		return cmdutil.WithHint(errors.New("that does not look like a secret access key: it holds a space, a control character or a line break; nothing was stored"),
			"give the secret access key exactly as IAM showed it, on one line")
	case len(secret) < 16:
		return errors.New("that does not look like a secret access key: it is too short; nothing was stored")
	}
	return nil
}
