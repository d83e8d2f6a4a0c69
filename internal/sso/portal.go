package sso

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"
	"github.com/aws/smithy-go"

	"github.com/sesamehq/sesame/internal/awsconfig"
)

// RoleProvider gets a role's credentials from the portal with the
// session's token. It is an aws.CredentialsProvider; callers cache it.
type RoleProvider struct {
	Client    *Client
	Session   Session
	Profile   string
	AccountID string
	RoleName  string
	// Login, when set, signs in interactively when there is no usable
	// token; nil means fail with the command to run.
	Login func(ctx context.Context, s Session, profile string) error
}

var _ aws.CredentialsProvider = (*RoleProvider)(nil)

// Retrieve implements aws.CredentialsProvider.
func (p *RoleProvider) Retrieve(ctx context.Context) (aws.Credentials, error) {
	token, err := p.Client.Token(ctx, p.Session, p.Profile)
	var le *LoginError
	if errors.As(err, &le) && p.Login != nil {
		if err := p.Login(ctx, p.Session, p.Profile); err != nil {
			return aws.Credentials{}, err
		}
		token, err = p.Client.Token(ctx, p.Session, p.Profile)
	}
	if err != nil {
		return aws.Credentials{}, err
	}
	portal, err := p.Client.NewPortal(ctx, p.Session.Region)
	if err != nil {
		return aws.Credentials{}, err
	}
	out, err := portal.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{AccessToken: aws.String(token),
		AccountId: aws.String(p.AccountID), RoleName: aws.String(p.RoleName)})
	var unauthorized *ssotypes.UnauthorizedException
	if errors.As(err, &unauthorized) {
		_ = p.Client.Forget(ctx, p.Session)
		return aws.Credentials{}, &LoginError{Session: p.Session, Profile: p.Profile, Reason: "IAM Identity Center refused the sign-in (expired or signed out)"}
	}
	if err != nil {
		return aws.Credentials{}, p.portalError(err)
	}
	rc := out.RoleCredentials
	if rc == nil || rc.AccessKeyId == nil {
		return aws.Credentials{}, fmt.Errorf("IAM Identity Center answered without role credentials")
	}
	return aws.Credentials{AccessKeyID: aws.ToString(rc.AccessKeyId), SecretAccessKey: aws.ToString(rc.SecretAccessKey),
		SessionToken: aws.ToString(rc.SessionToken), CanExpire: true, Expires: time.UnixMilli(rc.Expiration).UTC(), Source: "sso"}, nil
}

// PortalError is a refusal from the portal, with the next step.
type PortalError struct {
	Profile string
	Err     error
	Hint    string
}

func (e *PortalError) Error() string { return fmt.Sprintf("profile %s: %v", e.Profile, e.Err) }
func (e *PortalError) Unwrap() error { return e.Err }

// NextStep is the hint shown under the error.
func (e *PortalError) NextStep() string { return e.Hint }

func (p *RoleProvider) portalError(err error) error {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return &PortalError{Profile: p.Profile, Err: fmt.Errorf("GetRoleCredentials: %w", err), Hint: "check the network and AWS_ENDPOINT_URL_SSO, then try again"}
	}
	e := &PortalError{Profile: p.Profile, Err: fmt.Errorf("GetRoleCredentials for role %s in account %s failed: %s", p.RoleName, p.AccountID, api.ErrorCode())}
	switch api.ErrorCode() {
	case "ResourceNotFoundException":
		e.Hint = "check sso_account_id and sso_role_name: this sign-in has no such role in that account"
	case "TooManyRequestsException":
		e.Hint = "IAM Identity Center is throttling; try again in a moment"
	default:
		e.Hint = "run with --debug to see each step"
	}
	return e
}

// Profiles makes the providers of IAM Identity Center profiles for
// internal/creds (its SSO interface).
type Profiles struct {
	Client *Client
	// Login, when set, signs in interactively when there is no usable
	// token; nil means fail with the command to run.
	Login func(ctx context.Context, s Session, profile string) error
}

// RoleProvider returns the provider of SSO profile r's role credentials and
// the key of the sign-in it uses.
func (p *Profiles) RoleProvider(cfg *awsconfig.Config, r *awsconfig.Resolved) (aws.CredentialsProvider, string, error) {
	s, err := SessionFor(cfg, r, true)
	if err != nil {
		return nil, "", err
	}
	acct, _ := r.Get("sso_account_id")
	role, _ := r.Get("sso_role_name")
	return &RoleProvider{Client: p.Client, Session: s, Profile: r.Name, AccountID: acct, RoleName: role, Login: p.Login}, s.Key(), nil
}
