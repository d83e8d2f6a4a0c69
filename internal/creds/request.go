// Package creds turns a profile into credentials: a pure builder makes a
// tree of aws.CredentialsProviders from a resolved profile (stored keys,
// GetSessionToken, AssumeRole hops, web identity, credential_process,
// environment), explaining each choice, and a cache decorator keeps every
// temporary credential in the secret store, refreshing it under a
// cross-process lock so that N parallel callers make one STS call and one
// MFA prompt.
package creds

import (
	"context"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Request asks for a profile's credentials.
type Request struct {
	// Profile is the profile's name (already selected).
	Profile string
	// Duration is the session length asked for (--duration); 0 means the
	// profile's duration_seconds, else one hour.
	Duration time.Duration
	// NoSession skips GetSessionToken (--no-session): a keys profile gives
	// its long-term keys, a role is assumed straight from them.
	NoSession bool
	// Region overrides the profile's region (--region).
	Region string
	// MFAToken is a code given on the command line (--mfa-token).
	MFAToken string
	// DirectRole assumes a role straight from long-term keys even when an
	// MFA session could serve it, so that the role session is not chained
	// (console sign-in with --duration needs that).
	DirectRole bool
}

// Kind is what sort of credentials a Result holds.
type Kind string

// The kinds of credentials.
const (
	KindLongTerm     Kind = "long-term"     // an IAM user's access key
	KindSessionToken Kind = "session-token" // GetSessionToken
	KindRole         Kind = "role"          // AssumeRole from long-term keys (or web identity)
	KindRoleChained  Kind = "role-chained"  // AssumeRole with temporary credentials
	KindSSO          Kind = "sso"           // IAM Identity Center role credentials
	KindProcess      Kind = "process"       // credential_process
)

// Result is what a Request gives.
type Result struct {
	aws.Credentials
	// Region is the region the profile works in ("" when none is known).
	Region string
	// Kind says how the credentials were made.
	Kind Kind
}

// Getter gets credentials for a request. Commands take one, so that they
// can be tested with a fake.
type Getter func(ctx context.Context, req Request) (Result, error)
