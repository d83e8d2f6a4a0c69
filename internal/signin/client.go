package signin

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/signin/types"
	smithy "github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
)

// Client ids of AWS Sign-In's developer tools flows.
const (
	ClientSameDevice  = "arn:aws:signin:::devtools/same-device"
	ClientCrossDevice = "arn:aws:signin:::devtools/cross-device"
)

// ManagedPolicy is the AWS managed policy that grants what a sign-in for
// local development needs.
const ManagedPolicy = "SignInLocalDevelopmentAccess"

// TokenAPI is the part of the AWS SDK's signin client sesame uses.
type TokenAPI interface {
	CreateOAuth2Token(ctx context.Context, in *signin.CreateOAuth2TokenInput, optFns ...func(*signin.Options)) (*signin.CreateOAuth2TokenOutput, error)
}

// BaseURL is the AWS Sign-In endpoint for region: AWS_ENDPOINT_URL_SIGNIN,
// then AWS_ENDPOINT_URL, then the profile's endpoint_url (profileEndpoint),
// then the partition's https://{region}.signin.aws.amazon.com.
func BaseURL(region, profileEndpoint string, lookupEnv func(string) (string, bool)) string {
	if lookupEnv != nil {
		if v, _ := lookupEnv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"); !strings.EqualFold(strings.TrimSpace(v), "true") {
			for _, k := range []string{"AWS_ENDPOINT_URL_SIGNIN", "AWS_ENDPOINT_URL"} {
				if v, ok := lookupEnv(k); ok && strings.TrimSpace(v) != "" {
					return strings.TrimSuffix(strings.TrimSpace(v), "/")
				}
			}
			if profileEndpoint != "" {
				return strings.TrimSuffix(profileEndpoint, "/")
			}
		}
	}
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "https://" + region + ".signin.amazonaws.cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "https://" + region + ".signin.amazonaws-us-gov.com"
	}
	return "https://" + region + ".signin.aws.amazon.com"
}

// Client makes the token calls of AWS Sign-In: the code exchange and the
// refresh, each with a DPoP proof.
type Client struct {
	// API is the SDK client (see awssdk.Signin).
	API TokenAPI
	// Now is the clock (time.Now if nil).
	Now func() time.Time
}

func (c *Client) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

// Exchanged is the result of [Client.Exchange].
type Exchanged struct {
	Token Token
	// LoginSession is the idToken's sub: the value of login_session.
	LoginSession string
}

// Exchange trades an authorization code for a session bound to key.
// t holds the DPoP key and the client id of the authorization request.
func (c *Client) Exchange(ctx context.Context, t Token, code, verifier, redirectURI string) (Exchanged, error) {
	out, err := c.call(ctx, t, &types.CreateOAuth2TokenRequestBody{
		ClientId: aws.String(t.ClientID), GrantType: aws.String("authorization_code"),
		Code: aws.String(code), CodeVerifier: aws.String(verifier), RedirectUri: aws.String(redirectURI),
	}, "")
	if err != nil {
		return Exchanged{}, err
	}
	if out.IDToken == "" {
		return Exchanged{}, errors.New("the sign-in answered no idToken; run sesame signin again")
	}
	sub, err := SubjectOf(out.IDToken)
	if err != nil {
		return Exchanged{}, err
	}
	out.AccountID = AccountOf(sub)
	return Exchanged{Token: out, LoginSession: sub}, nil
}

// Refresh trades t's refresh token for new credentials and a new refresh
// token (the old one stops working). profile names the profile in errors
// that tell the person to sign in again.
func (c *Client) Refresh(ctx context.Context, t Token, profile string) (Token, error) {
	return c.call(ctx, t, &types.CreateOAuth2TokenRequestBody{
		ClientId: aws.String(t.ClientID), GrantType: aws.String("refresh_token"), RefreshToken: aws.String(t.RefreshToken),
	}, profile)
}

func (c *Client) call(ctx context.Context, t Token, body *types.CreateOAuth2TokenRequestBody, profile string) (Token, error) {
	if t.Key == nil {
		return Token{}, errors.New("the sign-in has no DPoP key")
	}
	mw := &dpopMiddleware{key: t.Key, now: c.now}
	start := c.now()
	out, err := c.API.CreateOAuth2Token(ctx, &signin.CreateOAuth2TokenInput{TokenInput: body}, signin.WithAPIOptions(func(s *middleware.Stack) error {
		return s.Finalize.Add(mw, middleware.After)
	}))
	if err != nil {
		return Token{}, mapError(err, profile)
	}
	o := out.TokenOutput
	if o == nil || o.AccessToken == nil || o.ExpiresIn == nil || aws.ToString(o.AccessToken.AccessKeyId) == "" ||
		aws.ToString(o.AccessToken.SecretAccessKey) == "" || aws.ToString(o.AccessToken.SessionToken) == "" || aws.ToString(o.RefreshToken) == "" {
		return Token{}, errors.New("AWS Sign-In answered without credentials or refresh token")
	}
	nt := t
	nt.AccessKeyID = aws.ToString(o.AccessToken.AccessKeyId)
	nt.SecretAccessKey = aws.ToString(o.AccessToken.SecretAccessKey)
	nt.SessionToken = aws.ToString(o.AccessToken.SessionToken)
	nt.Expires = start.Add(time.Duration(*o.ExpiresIn) * time.Second).UTC().Truncate(time.Second)
	nt.RefreshToken = aws.ToString(o.RefreshToken)
	if id := aws.ToString(o.IdToken); id != "" {
		nt.IDToken = id
	}
	return nt, nil
}

// Error is an AWS Sign-In token error.
type Error struct {
	// Code is the service's error code, e.g. TOKEN_EXPIRED.
	Code string
	// Shape is the error shape, e.g. AccessDeniedException.
	Shape   string
	profile string
	err     error
}

// SignInAgain reports whether the session has ended: the person must run
// sesame signin again.
func (e *Error) SignInAgain() bool {
	return e.Code == string(types.OAuth2ErrorCodeTokenExpired) || e.Code == string(types.OAuth2ErrorCodeUserCredentialsChanged) ||
		e.Code == string(types.OAuth2ErrorCodeAuthcodeExpired)
}

func (e *Error) Error() string {
	again := "run sesame signin"
	if e.profile != "" {
		again += " " + e.profile
	}
	switch e.Code {
	case string(types.OAuth2ErrorCodeTokenExpired):
		return "the AWS Sign-In session has expired (TOKEN_EXPIRED): " + again
	case string(types.OAuth2ErrorCodeUserCredentialsChanged):
		return "the AWS Sign-In session ended because the user's credentials changed (USER_CREDENTIALS_CHANGED): " + again
	case string(types.OAuth2ErrorCodeAuthcodeExpired):
		return "the sign-in took too long (AUTHCODE_EXPIRED): " + again
	case string(types.OAuth2ErrorCodeInsufficientPermissions):
		return "AWS Sign-In refused (INSUFFICIENT_PERMISSIONS): the signed-in principal needs signin:AuthorizeOAuth2Access and " +
			"signin:CreateOAuth2Token; attach the AWS managed policy " + ManagedPolicy + " to it, then " + again
	}
	return fmt.Sprintf("AWS Sign-In refused the token call (%s %s): %v", e.Shape, e.Code, e.err)
}

func (e *Error) Unwrap() error { return e.err }

// NextStep is a hint beyond the message ("" when the message says it).
func (e *Error) NextStep() string {
	if e.Shape == "TooManyRequestsError" || e.Shape == "InternalServerException" {
		return "try again in a minute"
	}
	return ""
}

// SaysAll tells creds' error wrapping that the message is complete: a
// role chain above the sign-in must not present it as an STS failure.
func (e *Error) SaysAll() bool { return true }

// mapError turns an SDK error into an *Error when the service answered.
func mapError(err error, profile string) error {
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		return fmt.Errorf("cannot reach AWS Sign-In: %w", err)
	}
	e := &Error{Shape: ae.ErrorCode(), profile: profile, err: err}
	var (
		ad *types.AccessDeniedException
		ve *types.ValidationException
		ie *types.InternalServerException
		tm *types.TooManyRequestsError
	)
	switch {
	case errors.As(err, &ad):
		e.Code = string(ad.Error_)
	case errors.As(err, &ve):
		e.Code = string(ve.Error_)
	case errors.As(err, &ie):
		e.Code = string(ie.Error_)
	case errors.As(err, &tm):
		e.Code = string(tm.Error_)
	}
	return e
}
