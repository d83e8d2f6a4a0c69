// Package migrate implements `sesame migrate`: move the key pairs of the
// shared credentials file into the secret store.
package migrate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/atomicfile"
	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/prompt"
	"github.com/sesamehq/sesame/internal/store"
)

// Options are the inputs of `sesame migrate`.
type Options struct {
	IO       *iostreams.IOStreams
	Prompter prompt.Prompter
	Store    func(context.Context) (*store.Store, error)
	Paths    func() (awsconfig.Paths, error)
	Config   func() (*awsconfig.Config, error)
	Now      func() time.Time

	DryRun   bool
	KeepFile bool
	Yes      bool
}

// NewCmdMigrate builds the command; runF replaces the run function in tests.
func NewCmdMigrate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{IO: f.IOStreams, Prompter: f.Prompter, Store: f.Store, Paths: f.ConfigPaths, Config: f.Config, Now: f.Now}
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Move the plain-text keys of the shared credentials file into the store",
		Long: `Store every long-term key pair of the shared credentials file
(~/.aws/credentials) in the secret store, write a 0600 backup of the file, and
remove the secrets from it, leaving a comment where they were. Other keys,
sections and comments stay as they are. Sections with temporary credentials,
half a key pair, or a different key already stored are skipped, each with the
reason. Running it again is safe.

On a terminal sesame asks before changing the file, unless --yes.`,
		Args: cmdutil.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "report what would move and change nothing")
	cmd.Flags().BoolVar(&opts.KeepFile, "keep-file", false, "store the keys but leave the credentials file as it is")
	cmd.Flags().BoolVarP(&opts.Yes, "yes", "y", false, "do not ask before changing the file")
	return cmd
}

const noKeyPair = "no key pair"

type candidate struct {
	profile string
	keys    store.KeyPair
	already bool // the same key is already stored
}

// Run migrates.
func Run(ctx context.Context, opts *Options) error {
	paths, err := opts.Paths()
	if err != nil {
		return err
	}
	path := paths.Credentials
	data, err := awsconfig.ReadFile(path) // refuses a device, a pipe, a file over 16 MiB
	if errors.Is(err, fs.ErrNotExist) {
		opts.IO.Warnf("nothing to migrate: %s does not exist", path)
		return nil
	}
	if err != nil {
		return err
	}
	file, err := awsconfig.Parse(path, data)
	if err != nil {
		return cmdutil.ConfigError(err)
	}
	st, err := opts.Store(ctx)
	if err != nil {
		return err
	}

	var moving []candidate
	skipped := 0
	if d, ok := file.Section("DEFAULT"); ok && len(d.Keys) > 0 {
		opts.IO.Warnf("skipped [DEFAULT]: its keys apply to every section; move them by hand")
	}
	for _, s := range file.Sections() {
		c, reason, err := examine(ctx, st, s, opts.Now().UTC())
		if err != nil {
			return err
		}
		if reason != "" {
			opts.IO.Warnf("skipped [%s]: %s", s.Name, reason)
			if reason != noKeyPair {
				skipped++
			}
			continue
		}
		moving = append(moving, c)
	}
	switch {
	case len(moving) == 0 && skipped > 0:
		opts.IO.Warnf("nothing moved: every key pair was skipped, for the reasons above")
		return nil
	case len(moving) == 0:
		opts.IO.Warnf("nothing to migrate: %s holds no long-term key pairs", path)
		return nil
	}
	verb := "will move"
	if opts.DryRun {
		verb = "would move"
	}
	for _, c := range moving {
		note := ""
		if c.already {
			note = " (already stored)"
		}
		opts.IO.Warnf("%s [%s] %s to the %s store%s", verb, c.profile, store.MaskKeyID(c.keys.AccessKeyID), st.Backend().Name(), note)
	}
	if opts.DryRun {
		opts.IO.Warnf("dry run: nothing was changed")
		return nil
	}
	if !opts.Yes && !opts.KeepFile && opts.IO.IsStdinTTY() {
		ok, err := opts.Prompter.Confirm(ctx, fmt.Sprintf("Store these keys and remove them from %s (a backup is kept)?", path), true)
		if err != nil {
			return err
		}
		if !ok {
			return errors.New("nothing was changed")
		}
	}

	// Store and verify every key before the file is touched.
	for _, c := range moving {
		if !c.already {
			if err := st.SetKeys(ctx, c.keys); err != nil {
				return fmt.Errorf("cannot store the key of [%s]; %s was not changed: %w", c.profile, path, err)
			}
		}
		got, err := st.Keys(ctx, c.profile)
		if err != nil || got.AccessKeyID != c.keys.AccessKeyID || got.SecretAccessKey != c.keys.SecretAccessKey {
			return fmt.Errorf("the key of [%s] did not read back from the store; %s was not changed", c.profile, path)
		}
		cfg, _ := opts.Config()
		if _, err := st.ClearProfiles(ctx, cfg.BuiltOn(c.profile)); err != nil {
			return err
		}
	}
	if opts.KeepFile {
		opts.IO.Warnf("stored %d key pair(s); %s was left as it is (--keep-file)", len(moving), path)
		return nil
	}

	backup := fmt.Sprintf("%s.sesame-backup-%s", path, opts.Now().UTC().Format("20060102T150405Z"))
	if err := atomicfile.WriteFile(backup, data, 0o600); err != nil {
		return fmt.Errorf("stored the keys, but cannot write the backup %s, so %s was not changed: %w", backup, path, err)
	}
	if err := os.Chmod(backup, 0o600); err != nil {
		return err
	}
	date := opts.Now().UTC().Format("2006-01-02")
	err = awsconfig.Update(path, func(f *awsconfig.File) error {
		for _, c := range moving {
			for _, k := range []string{"aws_access_key_id", "aws_secret_access_key"} {
				if _, err := f.Unset(c.profile, k); err != nil {
					return err
				}
			}
			comment := fmt.Sprintf("sesame: key pair moved to the %s store on %s (sesame export --no-session %s)", st.Backend().Name(), date, c.profile)
			if err := f.AddComment(c.profile, comment); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("stored the keys, but cannot rewrite %s (unchanged; backup at %s): %w", path, backup, err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().Perm() != 0o600 {
		if err := os.Chmod(path, 0o600); err != nil {
			return fmt.Errorf("cannot make %s private (mode 0600): %w", path, err)
		}
		opts.IO.Warnf("%s was mode %04o; it is 0600 now", path, fi.Mode().Perm())
	}
	opts.IO.Warnf("moved %d key pair(s) to the %s store and removed them from %s", len(moving), st.Backend().Name(), path)
	opts.IO.Warnf("the old file is backed up at %s (mode 0600); delete it once sesame works for you", backup)
	return nil
}

// examine decides whether a credentials-file section can move; reason says
// why not.
func examine(ctx context.Context, st *store.Store, s *awsconfig.Section, now time.Time) (c candidate, reason string, err error) {
	id, hasID := s.Key("aws_access_key_id")
	secret, hasSecret := s.Key("aws_secret_access_key")
	_, hasToken := s.Key("aws_session_token")
	switch {
	case !hasID && !hasSecret:
		return c, noKeyPair, nil
	case hasToken:
		return c, "temporary credentials (aws_session_token) expire; there is nothing to keep", nil
	case !hasID:
		return c, "aws_secret_access_key without aws_access_key_id", nil
	case !hasSecret:
		return c, "aws_access_key_id without aws_secret_access_key", nil
	case !store.ValidAccessKeyID(id.Value):
		return c, "aws_access_key_id does not look like an access key id", nil
	case secret.Value == "":
		return c, "aws_secret_access_key is empty", nil
	case strings.Contains(secret.Value, "\n"):
		return c, fmt.Sprintf("aws_secret_access_key continues on an indented line (line %d), so it is several lines; correct it by hand", secret.EndLine), nil
	case !store.ValidSecretAccessKey(secret.Value):
		return c, "aws_secret_access_key holds a space or a control character; correct it by hand", nil
	}
	c = candidate{profile: s.Name, keys: store.KeyPair{Profile: s.Name, AccessKeyID: id.Value, SecretAccessKey: secret.Value, Added: now}}
	stored, err := st.Keys(ctx, s.Name)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return c, "", nil
	case err != nil:
		return c, "", err
	case stored.AccessKeyID == c.keys.AccessKeyID && stored.SecretAccessKey == c.keys.SecretAccessKey:
		c.already = true
		return c, "", nil
	default:
		return c, fmt.Sprintf("a different key (%s) is already stored for it; run sesame remove %s first to replace it", store.MaskKeyID(stored.AccessKeyID), s.Name), nil
	}
}
