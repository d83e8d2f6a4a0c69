package sso

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sesamehq/sesame/internal/awsconfig"
)

// PickSessions picks the sign-in sessions a command of `sesame sso` works
// on: --sso-session (session), --profile (profile), --all, else the
// sso-session of $AWS_PROFILE, else the only sso-session of the config.
// Its errors name the next step (NextStep).
func PickSessions(cfg *awsconfig.Config, getenv func(string) string, session, profile string, all bool) ([]Session, error) {
	switch {
	case all:
		names := cfg.SSOSessionNames()
		if len(names) == 0 {
			return nil, withHint(fmt.Errorf("%s has no [sso-session] sections", cfg.Paths.Config), "run: sesame configure sso, or add an [sso-session NAME] section")
		}
		var out []Session
		for _, n := range names {
			s, err := SessionNamed(cfg, n)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	case session != "":
		s, err := SessionNamed(cfg, session)
		return []Session{s}, err
	case profile == "":
		if p := getenv("AWS_PROFILE"); p != "" {
			if r, err := cfg.Resolve(p); err == nil && r.Source == awsconfig.SourceSSO {
				profile = p
			}
		}
	}
	if profile != "" {
		r, err := cfg.Resolve(profile)
		if err != nil {
			return nil, withHint(err, "run: sesame list")
		}
		for ; r != nil && r.Source != awsconfig.SourceSSO; r = r.Parent {
		}
		if r == nil {
			return nil, withHint(fmt.Errorf("profile %s does not use IAM Identity Center", profile), "give an SSO profile, or --sso-session NAME")
		}
		s, err := SessionFor(cfg, r, false)
		return []Session{s}, err
	}
	names := cfg.SSOSessionNames()
	switch len(names) {
	case 1:
		s, err := SessionNamed(cfg, names[0])
		return []Session{s}, err
	case 0:
		return nil, withHint(errors.New("no sso-session to sign in to"), "add an [sso-session NAME] section to "+cfg.Paths.Config+", or give --profile P")
	}
	return nil, withHint(fmt.Errorf("several sso-sessions: %s", strings.Join(names, ", ")), "choose one: --sso-session "+names[0]+", or --all")
}

// hintError is an error with a next step, for commands to show under it.
type hintError struct {
	err  error
	hint string
}

func withHint(err error, hint string) error { return &hintError{err: err, hint: hint} }

func (e *hintError) Error() string { return e.err.Error() }
func (e *hintError) Unwrap() error { return e.err }

// NextStep is the innermost next step, as cmdutil.Hint gives it: that of
// the wrapped error when it has one, else the hint.
func (e *hintError) NextStep() string {
	var ns interface{ NextStep() string }
	if errors.As(e.err, &ns) {
		if h := ns.NextStep(); h != "" {
			return h
		}
	}
	return e.hint
}

// Target is one sign-in of a config: an sso-session, or the start URL of
// legacy profiles, with a profile that uses it (for the login hint).
type Target struct {
	Session Session
	// Profile is the first legacy profile with this start URL; "" for an
	// sso-session.
	Profile string
}

// LoginCommand is the command that signs in to the target.
func (t Target) LoginCommand() string {
	if t.Session.Name != "" {
		return "sesame sso login --sso-session " + t.Session.Name
	}
	return "sesame sso login --profile " + t.Profile
}

// Targets returns the sign-ins of cfg that are configured correctly (the
// others are errors of their profiles), by store key, sso-sessions first.
func Targets(cfg *awsconfig.Config) []Target {
	var out []Target
	seen := map[string]bool{}
	for _, name := range cfg.SSOSessionNames() {
		if s, err := SessionNamed(cfg, name); err == nil {
			seen[s.Key()] = true
			out = append(out, Target{Session: s})
		}
	}
	for _, name := range cfg.ProfileNames() {
		r, err := cfg.Resolve(name)
		if err != nil || r.Source != awsconfig.SourceSSO || r.SSOSession != nil {
			continue
		}
		s, err := SessionFor(cfg, r, false)
		if err != nil || seen[s.Key()] {
			continue
		}
		seen[s.Key()] = true
		out = append(out, Target{Session: s, Profile: name})
	}
	return out
}
