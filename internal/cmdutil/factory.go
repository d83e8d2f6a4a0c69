// Package cmdutil holds what every command package shares: the Factory of
// lazily built dependencies, the error kinds that become exit codes and
// hints, and profile selection.
package cmdutil

import (
	"log/slog"
	"sync"
	"time"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/iostreams"
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
	// Now is the clock.
	Now func() time.Time
	// Logger writes --debug diagnostics to stderr.
	Logger *slog.Logger
	// Picker chooses a profile on a terminal; nil where none is available.
	Picker Picker
	// Build describes the binary.
	Build BuildInfo

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
