package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/sesamehq/sesame/internal/awsconfig"
)

// Picker lets a person choose a profile interactively on the terminal.
type Picker interface {
	// PickProfile returns the chosen profile's name. Cancelling returns an
	// error that maps to exit status 130.
	PickProfile(ctx context.Context, cfg *awsconfig.Config) (string, error)
}

// SelectProfile chooses the profile a command works on, as cli.md says:
// the argument, else $AWS_PROFILE, else [default] when it exists, else the
// picker on a terminal, else an error that lists the profiles. A name that
// does not exist is an error with a suggestion; it never falls back to
// [default].
func SelectProfile(ctx context.Context, f *Factory, arg string) (string, error) {
	cfg, err := f.Config()
	if err != nil {
		return "", err
	}
	name, from := arg, "argument"
	if name == "" {
		if v := f.Getenv("AWS_PROFILE"); v != "" {
			name, from = v, "AWS_PROFILE"
		}
	}
	if name != "" {
		if _, ok := cfg.Profile(name); ok {
			return name, nil
		}
		return "", profileNotFound(cfg, name, from)
	}
	if _, ok := cfg.Profile("default"); ok {
		return "default", nil
	}
	if f.Picker != nil && f.IOStreams.IsStdinTTY() && f.IOStreams.IsStderrTTY() && len(cfg.ProfileNames()) > 0 {
		return f.Picker.PickProfile(ctx, cfg)
	}
	return "", noProfileSelected(cfg)
}

func profileNotFound(cfg *awsconfig.Config, name, from string) error {
	_, err := cfg.Resolve(name)
	var nf *awsconfig.NotFoundError
	if !errors.As(err, &nf) {
		err = &awsconfig.NotFoundError{Kind: "profile", Name: name}
	}
	if from == "AWS_PROFILE" {
		err = fmt.Errorf("AWS_PROFILE=%s: %w", name, err)
		return WithHint(err, "set AWS_PROFILE to a profile that exists (run: sesame list), or unset it")
	}
	return WithHint(err, "run: sesame list")
}

// maxListed is how many profile names an error lists before cutting off.
const maxListed = 20

func noProfileSelected(cfg *awsconfig.Config) error {
	names := cfg.ProfileNames()
	if len(names) == 0 {
		return WithHint(fmt.Errorf("no profile selected, and %s defines no profiles", cfg.Paths.Config),
			"add a [profile NAME] section to "+cfg.Paths.Config+", or point AWS_CONFIG_FILE at your config")
	}
	listed := names
	more := ""
	if len(names) > maxListed {
		listed = names[:maxListed]
		more = fmt.Sprintf(" (and %d more)", len(names)-maxListed)
	}
	err := fmt.Errorf("no profile selected and there is no [default] profile\nprofiles: %s%s", strings.Join(listed, ", "), more)
	return WithHint(err, fmt.Sprintf("name one (sesame COMMAND %s) or export AWS_PROFILE=%s", names[0], names[0]))
}
