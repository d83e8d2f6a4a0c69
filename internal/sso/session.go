// Package sso signs in to IAM Identity Center and keeps the sign-in: OIDC
// client registration, the authorization-code (PKCE) and device-code
// flows, silent refresh, the AWS CLI's token cache (read, and written when
// asked), and role credentials from the portal.
//
// Tokens and registrations live in sesame's store, never in plain text; a
// token found in the AWS CLI's cache (~/.aws/sso/cache) is used as it is.
// The package does no browser or terminal I/O of its own: the Login options
// carry an Opener and a writer for the instructions.
package sso

import (
	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/sso/ssoconf"
)

// DefaultScope is the registration scope that makes Identity Center issue
// refresh tokens (the AWS CLI's default for sso-session profiles).
const DefaultScope = ssoconf.DefaultScope

// Session is what a sign-in is for (package ssoconf reads it from the AWS
// files).
type Session = ssoconf.Session

// ConfigError is a problem with the SSO keys of a profile or sso-session.
type ConfigError = ssoconf.ConfigError

// SessionFor returns the sign-in session of an SSO profile, checking its
// keys: an https start URL, a region, and for a role the account and role.
func SessionFor(cfg *awsconfig.Config, r *awsconfig.Resolved, needRole bool) (Session, error) {
	return ssoconf.SessionFor(cfg, r, needRole)
}

// SessionNamed returns the [sso-session NAME] section's session.
func SessionNamed(cfg *awsconfig.Config, name string) (Session, error) {
	return ssoconf.SessionNamed(cfg, name)
}

// ValidRegion reports whether r looks like a region name.
func ValidRegion(r string) bool { return ssoconf.ValidRegion(r) }
