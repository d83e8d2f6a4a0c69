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

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sesamehq/sesame/internal/creds/plan"
)

// Request asks for a profile's credentials (see plan.Request).
type Request = plan.Request

// Kind is what sort of credentials a Result holds.
type Kind = plan.Kind

// The kinds of credentials.
const (
	KindLongTerm     = plan.KindLongTerm     // an IAM user's access key
	KindSessionToken = plan.KindSessionToken // GetSessionToken
	KindRole         = plan.KindRole         // AssumeRole from long-term keys (or web identity)
	KindRoleChained  = plan.KindRoleChained  // AssumeRole with temporary credentials
	KindSSO          = plan.KindSSO          // IAM Identity Center role credentials
	KindProcess      = plan.KindProcess      // credential_process
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
