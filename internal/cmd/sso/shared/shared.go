// Package shared holds what the `sesame sso` commands share.
package shared

import (
	"errors"
	"fmt"
	"strings"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/sso"
)

// Sessions picks the sign-in sessions a command works on: --sso-session,
// --profile, --all, else the sso-session of $AWS_PROFILE, else the only
// sso-session of the config.
func Sessions(cfg *awsconfig.Config, getenv func(string) string, session, profile string, all bool) ([]sso.Session, error) {
	switch {
	case all:
		names := cfg.SSOSessionNames()
		if len(names) == 0 {
			return nil, cmdutil.WithHint(fmt.Errorf("%s has no [sso-session] sections", cfg.Paths.Config), "run: sesame configure sso, or add an [sso-session NAME] section")
		}
		var out []sso.Session
		for _, n := range names {
			s, err := sso.SessionNamed(cfg, n)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	case session != "":
		s, err := sso.SessionNamed(cfg, session)
		return []sso.Session{s}, err
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
			return nil, cmdutil.WithHint(err, "run: sesame list")
		}
		for ; r != nil && r.Source != awsconfig.SourceSSO; r = r.Parent {
		}
		if r == nil {
			return nil, cmdutil.WithHint(fmt.Errorf("profile %s does not use IAM Identity Center", profile), "give an SSO profile, or --sso-session NAME")
		}
		s, err := sso.SessionFor(cfg, r, false)
		return []sso.Session{s}, err
	}
	names := cfg.SSOSessionNames()
	switch len(names) {
	case 1:
		s, err := sso.SessionNamed(cfg, names[0])
		return []sso.Session{s}, err
	case 0:
		return nil, cmdutil.WithHint(errors.New("no sso-session to sign in to"), "add an [sso-session NAME] section to "+cfg.Paths.Config+", or give --profile P")
	}
	return nil, cmdutil.WithHint(fmt.Errorf("several sso-sessions: %s", strings.Join(names, ", ")), "choose one: --sso-session "+names[0]+", or --all")
}
