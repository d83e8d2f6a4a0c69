package creds

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sesamehq/sesame/internal/creds/plan"
)

// KindSignin is the kind of an AWS Sign-In session's credentials.
const KindSignin = plan.KindSignin

// SignIn gives the credentials of AWS Sign-In sessions (internal/signin's
// Manager is the one sesame uses): refreshed with a DPoP proof before they
// expire, one token call for any number of callers.
type SignIn interface {
	// Credentials returns loginSession's credentials for profile (named
	// in errors); region is where a session made by aws login is
	// refreshed.
	Credentials(ctx context.Context, profile, loginSession, region string) (aws.Credentials, error)
	// Need says what a person must do first ("" for nothing), without
	// calling AWS.
	Need(ctx context.Context, profile, loginSession string) (string, error)
}

// LoginSession gives a login_session profile's credentials.
type LoginSession struct {
	SignIn  SignIn
	Profile string
	// Session is the profile's login_session ARN.
	Session string
	// Region is the profile's region.
	Region string
}

var _ aws.CredentialsProvider = (*LoginSession)(nil)

// Retrieve returns the session's current credentials.
func (p *LoginSession) Retrieve(ctx context.Context) (aws.Credentials, error) {
	return p.SignIn.Credentials(ctx, p.Profile, p.Session, p.Region)
}

// Need is a sign-in when there is no session to refresh.
func (p *LoginSession) Need(ctx context.Context) (string, error) {
	return p.SignIn.Need(ctx, p.Profile, p.Session)
}
