// Package cmdutil holds what every command package shares: the Factory of
// lazily built dependencies, the error kinds that become exit codes and
// hints, and profile selection.
package cmdutil

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/prompt"
	"github.com/sesamehq/sesame/internal/runenv"
	"github.com/sesamehq/sesame/internal/store"
)

// BuildInfo describes the binary.
type BuildInfo struct {
	Version string
	Commit  string
	Date    string
}

// Factory gives commands their dependencies. Nothing in it is global: main
// builds one per run and tests build their own. Fields are set once before
// commands run; Config is loaded lazily, once.
type Factory struct {
	IOStreams *iostreams.IOStreams
	// LookupEnv reads the process environment (os.LookupEnv in main).
	LookupEnv func(string) (string, bool)
	// HomeDir is the user's home folder.
	HomeDir func() (string, error)
	// Executable is the path sesame was started as (for SelfCommand).
	Executable func() (string, error)
	// Now is the clock.
	Now func() time.Time
	// Logger writes --debug diagnostics to stderr.
	Logger *slog.Logger
	// Picker chooses a profile on a terminal; nil where none is available.
	Picker Picker
	// Build describes the binary.
	Build BuildInfo
	// Prompter asks questions on the terminal.
	Prompter prompt.Prompter
	// BackendName is the --backend flag ("" when not given).
	BackendName string
	// SettingsPath is sesame's settings file (internal/settings), whose
	// values LookupEnv already returns for the variables they stand for.
	SettingsPath string
	// SettingsErr is why that file could not be read; commands other
	// than setup, doctor and version fail with it.
	SettingsErr error
	// OpenBackend opens a store backend by name; "" means SESAME_BACKEND,
	// else the platform's keyring.
	OpenBackend func(ctx context.Context, name string) (store.Backend, error)
	// STS builds the STS client for a step of profile, signing with c
	// (nil: unsigned) in region: awssdk.STS, with the profile's
	// endpoint_url unless the environment sets an STS endpoint.
	STS func(ctx context.Context, c aws.CredentialsProvider, profile, region string) (*sts.Client, error)
	// IAM builds the IAM client as STS builds the STS client.
	IAM func(ctx context.Context, c aws.CredentialsProvider, profile, region string) (*iam.Client, error)

	storeOnce sync.Once
	store     *store.Store
	storeErr  error

	configOnce sync.Once
	config     *awsconfig.Config
	configErr  error
}

// Getenv returns the variable's value, or "" when unset.
func (f *Factory) Getenv(key string) string {
	v, _ := f.LookupEnv(key)
	return v
}

// ConfigPaths returns the config and shared credentials file paths.
func (f *Factory) ConfigPaths() (awsconfig.Paths, error) {
	home, err := f.HomeDir()
	if err != nil {
		return awsconfig.Paths{}, WithHint(err, "set HOME, or AWS_CONFIG_FILE and AWS_SHARED_CREDENTIALS_FILE")
	}
	return awsconfig.DefaultPaths(f.LookupEnv, home), nil
}

// Config loads the AWS config and credentials files once.
func (f *Factory) Config() (*awsconfig.Config, error) {
	f.configOnce.Do(func() {
		paths, err := f.ConfigPaths()
		if err != nil {
			f.configErr = err
			return
		}
		f.config, f.configErr = awsconfig.Load(paths)
		if f.configErr != nil {
			f.configErr = ConfigError(f.configErr)
		}
	})
	return f.config, f.configErr
}

// StateDir is sesame's private folder for lock files and other state that
// is not secret: $XDG_STATE_HOME/sesame, else ~/.local/state/sesame.
func (f *Factory) StateDir() (string, error) {
	if d := f.Getenv("XDG_STATE_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "sesame"), nil
	}
	home, err := f.HomeDir()
	if err != nil {
		return "", err
	}
	return runenv.StateDir(f.LookupEnv, home), nil
}

// Store opens the secret store once: the backend named by --backend, else
// SESAME_BACKEND, else the platform keyring. A backend that cannot be
// opened is an error with a hint; there is never a silent fall-back.
func (f *Factory) Store(ctx context.Context) (*store.Store, error) {
	f.storeOnce.Do(func() {
		if f.OpenBackend == nil {
			f.storeErr = fmt.Errorf("no store backends are built into this binary")
			return
		}
		b, err := f.OpenBackend(ctx, f.BackendName)
		if err != nil {
			f.storeErr = err
			return
		}
		f.store, f.storeErr = f.NewStore(b)
	})
	return f.store, f.storeErr
}

// NewStore makes sesame's store over backend b: each call bounded by
// store.DefaultTimeout, its lock files and the expiry index (store.Index)
// in StateDir.
func (f *Factory) NewStore(b store.Backend) (*store.Store, error) {
	state, err := f.StateDir()
	if err != nil {
		return nil, err
	}
	return runenv.NewStore(b, state), nil
}
