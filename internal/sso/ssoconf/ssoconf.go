// Package ssoconf reads which IAM Identity Center sign-in a profile uses
// from the AWS files, and checks its keys. It links no AWS SDK, so that
// sesame's small front program (internal/front) can find a cached SSO
// session's key; internal/sso, which signs in, re-exports it.
package ssoconf

import (
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"sync"

	"github.com/sesamehq/sesame/internal/awsconfig"
)

// DefaultScope is the registration scope that makes Identity Center issue
// refresh tokens (the AWS CLI's default for sso-session profiles).
const DefaultScope = "sso:account:access"

// Session is what a sign-in is for: an [sso-session] section, or the
// sso_start_url of a legacy profile.
type Session struct {
	// Name is the sso-session's name; "" for a legacy profile.
	Name     string
	StartURL string
	Region   string
	// Scopes are the registration scopes: sso_registration_scopes, else
	// sso:account:access for an sso-session, else none (legacy profiles
	// get no refresh token, as with the AWS CLI).
	Scopes []string
}

// Key names the sign-in in the store and the AWS CLI's cache: the
// sso-session name, or the start URL of a legacy profile.
func (s Session) Key() string {
	if s.Name != "" {
		return s.Name
	}
	return s.StartURL
}

// CacheFile is the AWS CLI's token cache file name for the session:
// the hex SHA-1 of Key, plus ".json".
func (s Session) CacheFile() string {
	sum := sha1.Sum([]byte(s.Key()))
	return hex.EncodeToString(sum[:]) + ".json"
}

// Describe names the session for messages and hints.
func (s Session) Describe() string {
	if s.Name != "" {
		return "sso-session " + s.Name
	}
	return "start URL " + s.StartURL
}

// LoginHint is the command that signs in to the session.
func (s Session) LoginHint(profile string) string {
	if s.Name != "" {
		return "run: sesame sso login --sso-session " + s.Name
	}
	return "run: sesame sso login --profile " + profile
}

// ConfigError is a problem with the SSO keys of a profile or sso-session;
// it names the profile (or section) and the key.
type ConfigError struct {
	Where string // `profile "dev"` or `[sso-session corp]`
	Key   string
	Msg   string
	File  string
}

func (e *ConfigError) Error() string { return fmt.Sprintf("%s: %s %s", e.Where, e.Key, e.Msg) }

// NextStep is the hint shown under the error.
func (e *ConfigError) NextStep() string { return "fix " + e.Key + " in " + e.File }

var regionInHost = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`(?:^|\.)((?:us|eu|ap|sa|ca|me|af|il|mx|cn)(?:-gov|-iso[a-z]?)?-[a-z]+-\d+)\.`)
})

// SessionFor returns the sign-in session of an SSO profile, checking its
// keys: an https start URL, a region, and for a role the account and role.
func SessionFor(cfg *awsconfig.Config, r *awsconfig.Resolved, needRole bool) (Session, error) {
	where := fmt.Sprintf("profile %q", r.Name)
	file := cfg.Paths.Config
	var s Session
	get := r.Get
	if r.SSOSession != nil {
		where = "[sso-session " + r.SSOSession.Name + "]"
		s.Name = r.SSOSession.Name
		get = r.SSOSession.Get
		s.Scopes = []string{DefaultScope}
		if v, ok := get("sso_registration_scopes"); ok && strings.TrimSpace(v) != "" {
			s.Scopes = splitScopes(v)
		}
	}
	s.StartURL, _ = get("sso_start_url")
	s.Region, _ = get("sso_region")
	if err := check(s, where, file); err != nil {
		return s, err
	}
	if needRole {
		for _, k := range []string{"sso_account_id", "sso_role_name"} {
			if v, _ := r.Get(k); strings.TrimSpace(v) == "" {
				return s, &ConfigError{Where: fmt.Sprintf("profile %q", r.Name), Key: k, Msg: "is missing: an SSO profile needs sso_account_id and sso_role_name", File: file}
			}
		}
	}
	return s, nil
}

// SessionNamed returns the [sso-session NAME] section's session.
func SessionNamed(cfg *awsconfig.Config, name string) (Session, error) {
	sec, ok := cfg.SSOSession(name)
	if !ok {
		known := cfg.SSOSessionNames()
		return Session{}, &awsconfig.NotFoundError{Kind: "sso-session", Name: name, Suggestion: awsconfig.Closest(name, known), Known: known}
	}
	s := Session{Name: name, Scopes: []string{DefaultScope}}
	s.StartURL, _ = sec.Get("sso_start_url")
	s.Region, _ = sec.Get("sso_region")
	if v, ok := sec.Get("sso_registration_scopes"); ok && strings.TrimSpace(v) != "" {
		s.Scopes = splitScopes(v)
	}
	return s, check(s, "[sso-session "+name+"]", cfg.Paths.Config)
}

func check(s Session, where, file string) error {
	if s.StartURL == "" {
		return &ConfigError{Where: where, Key: "sso_start_url", Msg: "is missing", File: file}
	}
	u, err := url.Parse(s.StartURL)
	if err != nil || u.Scheme != "https" || u.Host == "" {
		return &ConfigError{Where: where, Key: "sso_start_url", Msg: fmt.Sprintf("%q is not an https URL", s.StartURL), File: file}
	}
	if s.Region == "" {
		return &ConfigError{Where: where, Key: "sso_region", Msg: "is missing", File: file}
	}
	if m := regionInHost().FindStringSubmatch(u.Host + "."); m != nil && m[1] != s.Region {
		return &ConfigError{Where: where, Key: "sso_region", Msg: fmt.Sprintf("%q does not match the start URL's region %s", s.Region, m[1]), File: file}
	}
	return nil
}

func splitScopes(v string) []string {
	return strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' })
}

// ValidRegion reports whether r looks like a region name (eu-west-1,
// us-gov-west-1, cn-north-1): lower-case words and a number, joined by
// dashes. (No regular expression: none is compiled at start-up.)
func ValidRegion(r string) bool {
	words := strings.Split(r, "-")
	if len(words) < 3 {
		return false
	}
	for i, w := range words {
		if w == "" || strings.Trim(w, "abcdefghijklmnopqrstuvwxyz0123456789") != "" {
			return false
		}
		last := i == len(words)-1
		if digits := strings.Trim(w, "0123456789") == ""; last != digits && (last || i == 0) {
			return false
		}
	}
	return true
}
