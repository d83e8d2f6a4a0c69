package creds

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/sesamehq/sesame/internal/store"
)

// The providers below stand alone, as the AWS SDK's do: each holds only
// what it uses (an STS client maker, the MFA function, a view of the store,
// its input), so each can be built and tested without a Builder.

// STSClient is the part of STS that sesame calls.
type STSClient interface {
	GetSessionToken(ctx context.Context, in *sts.GetSessionTokenInput, optFns ...func(*sts.Options)) (*sts.GetSessionTokenOutput, error)
	AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleOutput, error)
	AssumeRoleWithWebIdentity(ctx context.Context, in *sts.AssumeRoleWithWebIdentityInput, optFns ...func(*sts.Options)) (*sts.AssumeRoleWithWebIdentityOutput, error)
}

// NewSTSFunc makes an STS client for a profile's step that signs with creds
// (nil: unsigned) in region.
type NewSTSFunc func(ctx context.Context, creds aws.CredentialsProvider, profile, region string) (STSClient, error)

// MFAFunc returns a one-time code for the MFA device serial.
type MFAFunc func(ctx context.Context, serial string) (string, error)

// Store is the part of the secret store the providers use: long-term keys
// and cached sessions. *store.Store is one.
type Store interface {
	Backend() store.Backend
	Keys(ctx context.Context, profile string) (store.KeyPair, error)
	Session(ctx context.Context, profile, id string) (store.Session, error)
	SessionTag(ctx context.Context, profile, id string) (string, error)
	SetSession(ctx context.Context, sess store.Session) error
}

// OpenStoreFunc opens the store when a step first needs it (a profile run
// by credential_process alone works without one).
type OpenStoreFunc func(context.Context) (Store, error)

// StoredKeys gives a profile's long-term key pair from the store, else the
// plain-text pair of the credentials file (with a notice).
type StoredKeys struct {
	Store   OpenStoreFunc
	Profile string
	// FileID and FileSecret are the profile's aws_access_key_id and
	// aws_secret_access_key in the credentials file at FilePath, if any.
	FileID, FileSecret, FilePath string
	// Notice, when set, tells the user that a plain-text key was used.
	Notice func(format string, args ...any)
}

var _ aws.CredentialsProvider = (*StoredKeys)(nil)

// Retrieve reads the key pair.
func (p *StoredKeys) Retrieve(ctx context.Context) (aws.Credentials, error) {
	st, err := p.Store(ctx)
	if err != nil {
		return aws.Credentials{}, err
	}
	kp, err := st.Keys(ctx, p.Profile)
	switch {
	case err == nil:
		return aws.Credentials{AccessKeyID: kp.AccessKeyID, SecretAccessKey: kp.SecretAccessKey, Source: "sesame:" + st.Backend().Name()}, nil
	case !errors.Is(err, store.ErrNotFound):
		return aws.Credentials{}, err
	case p.FileID != "" && p.FileSecret != "":
		if p.Notice != nil {
			p.Notice("profile %s uses the plain-text key in %s; run: sesame migrate", p.Profile, p.FilePath)
		}
		return aws.Credentials{AccessKeyID: p.FileID, SecretAccessKey: p.FileSecret, Source: "credentials file"}, nil
	}
	return aws.Credentials{}, &ChainError{Profile: p.Profile, Err: fmt.Errorf("no key pair is stored for profile %s", p.Profile),
		Hint: "run: sesame add " + p.Profile}
}

// EnvKeys is credential_source = Environment.
type EnvKeys struct {
	LookupEnv func(string) (string, bool)
	Profile   string
}

var _ aws.CredentialsProvider = (*EnvKeys)(nil)

// Retrieve reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
// AWS_SESSION_TOKEN.
func (p *EnvKeys) Retrieve(ctx context.Context) (aws.Credentials, error) {
	get := func(k string) string { v, _ := p.LookupEnv(k); return v }
	c := aws.Credentials{AccessKeyID: get("AWS_ACCESS_KEY_ID"), SecretAccessKey: get("AWS_SECRET_ACCESS_KEY"),
		SessionToken: get("AWS_SESSION_TOKEN"), Source: "environment"}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return c, &ChainError{Profile: p.Profile, Err: errors.New("credential_source = Environment, but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"),
			Hint: "export them, or give the profile a source_profile"}
	}
	return c, nil
}

// SessionToken is GetSessionToken with Source's long-term keys, with MFA
// when Serial is set.
type SessionToken struct {
	NewSTS   NewSTSFunc
	MFA      MFAFunc
	Profile  string
	Source   aws.CredentialsProvider
	Serial   string
	Duration time.Duration
	Region   string
}

var _ aws.CredentialsProvider = (*SessionToken)(nil)

// Retrieve calls GetSessionToken.
func (p *SessionToken) Retrieve(ctx context.Context) (aws.Credentials, error) {
	client, err := p.NewSTS(ctx, p.Source, p.Profile, p.Region)
	if err != nil {
		return aws.Credentials{}, err
	}
	in := &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(int32(p.Duration / time.Second))}
	if p.Serial != "" {
		code, err := p.MFA(ctx, p.Serial)
		if err != nil {
			return aws.Credentials{}, err
		}
		in.SerialNumber, in.TokenCode = aws.String(p.Serial), aws.String(code)
	}
	out, err := client.GetSessionToken(ctx, in)
	if err != nil {
		return aws.Credentials{}, stsError(p.Profile, "GetSessionToken", err)
	}
	return fromSTS(out.Credentials, "GetSessionToken")
}

// AssumeRole is one AssumeRole hop with Source's credentials. MFA is asked
// for when Input has a SerialNumber.
type AssumeRole struct {
	NewSTS  NewSTSFunc
	MFA     MFAFunc
	Profile string
	Source  aws.CredentialsProvider
	Input   sts.AssumeRoleInput // everything but the MFA code
	Region  string
}

var _ aws.CredentialsProvider = (*AssumeRole)(nil)

// Retrieve calls AssumeRole.
func (p *AssumeRole) Retrieve(ctx context.Context) (aws.Credentials, error) {
	client, err := p.NewSTS(ctx, p.Source, p.Profile, p.Region)
	if err != nil {
		return aws.Credentials{}, err
	}
	in := p.Input
	if in.SerialNumber != nil {
		code, err := p.MFA(ctx, *in.SerialNumber)
		if err != nil {
			return aws.Credentials{}, err
		}
		in.TokenCode = aws.String(code)
	}
	out, err := client.AssumeRole(ctx, &in)
	if err != nil {
		return aws.Credentials{}, stsError(p.Profile, "AssumeRole "+aws.ToString(in.RoleArn), err)
	}
	return fromSTS(out.Credentials, "AssumeRole")
}

// WebIdentity is AssumeRoleWithWebIdentity with a token read from a file
// on every call (the token is rotated by whoever writes it).
type WebIdentity struct {
	NewSTS    NewSTSFunc
	ReadFile  func(string) ([]byte, error)
	Profile   string
	TokenFile string
	Input     sts.AssumeRoleWithWebIdentityInput // everything but the token
	Region    string
}

var _ aws.CredentialsProvider = (*WebIdentity)(nil)

// Retrieve reads the token and calls AssumeRoleWithWebIdentity.
func (p *WebIdentity) Retrieve(ctx context.Context) (aws.Credentials, error) {
	token, err := p.ReadFile(p.TokenFile)
	if err != nil {
		return aws.Credentials{}, &ChainError{Profile: p.Profile, Err: fmt.Errorf("cannot read web_identity_token_file %s: %w", p.TokenFile, unwrapPath(err)),
			Hint: "check the path in the profile, or that the token has been written"}
	}
	client, err := p.NewSTS(ctx, nil, p.Profile, p.Region)
	if err != nil {
		return aws.Credentials{}, err
	}
	in := p.Input
	in.WebIdentityToken = aws.String(strings.TrimSpace(string(token)))
	out, err := client.AssumeRoleWithWebIdentity(ctx, &in)
	if err != nil {
		return aws.Credentials{}, stsError(p.Profile, "AssumeRoleWithWebIdentity "+aws.ToString(in.RoleArn), err)
	}
	return fromSTS(out.Credentials, "AssumeRoleWithWebIdentity")
}

func fromSTS(c *ststypes.Credentials, source string) (aws.Credentials, error) {
	if c == nil || c.AccessKeyId == nil || c.SecretAccessKey == nil {
		return aws.Credentials{}, fmt.Errorf("STS %s answered without credentials", source)
	}
	return aws.Credentials{
		AccessKeyID: aws.ToString(c.AccessKeyId), SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken: aws.ToString(c.SessionToken), CanExpire: c.Expiration != nil, Expires: aws.ToTime(c.Expiration), Source: source,
	}, nil
}
