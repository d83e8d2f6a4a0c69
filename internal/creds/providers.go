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

// storedKeys gives a profile's long-term key pair from the store, else the
// plain-text one of the credentials file (with a notice).
type storedKeys struct {
	b       *Builder
	profile string
	fileID  string // aws_access_key_id from the AWS files, if any
	fileKey string
}

var _ aws.CredentialsProvider = (*storedKeys)(nil)

func (p *storedKeys) Retrieve(ctx context.Context) (aws.Credentials, error) {
	st, err := p.b.Store(ctx)
	if err != nil {
		return aws.Credentials{}, err
	}
	kp, err := st.Keys(ctx, p.profile)
	switch {
	case err == nil:
		return aws.Credentials{AccessKeyID: kp.AccessKeyID, SecretAccessKey: kp.SecretAccessKey, Source: "sesame:" + st.Backend().Name()}, nil
	case !errors.Is(err, store.ErrNotFound):
		return aws.Credentials{}, err
	case p.fileID != "" && p.fileKey != "":
		p.b.notice("profile %s uses the plain-text key in %s; run: sesame migrate", p.profile, p.b.Config.Paths.Credentials)
		return aws.Credentials{AccessKeyID: p.fileID, SecretAccessKey: p.fileKey, Source: "credentials file"}, nil
	}
	return aws.Credentials{}, &ChainError{Profile: p.profile, Err: fmt.Errorf("no key pair is stored for profile %s", p.profile),
		Hint: "run: sesame add " + p.profile}
}

// envKeys is credential_source = Environment.
type envKeys struct {
	lookupEnv func(string) (string, bool)
	profile   string
}

func (p *envKeys) Retrieve(ctx context.Context) (aws.Credentials, error) {
	get := func(k string) string { v, _ := p.lookupEnv(k); return v }
	c := aws.Credentials{AccessKeyID: get("AWS_ACCESS_KEY_ID"), SecretAccessKey: get("AWS_SECRET_ACCESS_KEY"),
		SessionToken: get("AWS_SESSION_TOKEN"), Source: "environment"}
	if c.AccessKeyID == "" || c.SecretAccessKey == "" {
		return c, &ChainError{Profile: p.profile, Err: errors.New("credential_source = Environment, but AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"),
			Hint: "export them, or give the profile a source_profile"}
	}
	return c, nil
}

// sessionToken is GetSessionToken from long-term keys, with MFA when a
// serial is set.
type sessionToken struct {
	b        *Builder
	profile  string
	source   aws.CredentialsProvider
	serial   string
	duration time.Duration
	region   string
}

func (p *sessionToken) Retrieve(ctx context.Context) (aws.Credentials, error) {
	client, err := p.b.NewSTS(ctx, p.source, p.profile, p.region)
	if err != nil {
		return aws.Credentials{}, err
	}
	in := &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(int32(p.duration / time.Second))}
	if p.serial != "" {
		code, err := p.b.MFA(ctx, p.serial)
		if err != nil {
			return aws.Credentials{}, err
		}
		in.SerialNumber, in.TokenCode = aws.String(p.serial), aws.String(code)
	}
	out, err := client.GetSessionToken(ctx, in)
	if err != nil {
		return aws.Credentials{}, stsError(p.profile, "GetSessionToken", err)
	}
	return fromSTS(out.Credentials, "GetSessionToken")
}

// assumeRole is one AssumeRole hop.
type assumeRole struct {
	b       *Builder
	profile string
	source  aws.CredentialsProvider
	in      sts.AssumeRoleInput // everything but the MFA code
	region  string
}

func (p *assumeRole) Retrieve(ctx context.Context) (aws.Credentials, error) {
	client, err := p.b.NewSTS(ctx, p.source, p.profile, p.region)
	if err != nil {
		return aws.Credentials{}, err
	}
	in := p.in
	if in.SerialNumber != nil {
		code, err := p.b.MFA(ctx, *in.SerialNumber)
		if err != nil {
			return aws.Credentials{}, err
		}
		in.TokenCode = aws.String(code)
	}
	out, err := client.AssumeRole(ctx, &in)
	if err != nil {
		return aws.Credentials{}, stsError(p.profile, "AssumeRole "+aws.ToString(in.RoleArn), err)
	}
	return fromSTS(out.Credentials, "AssumeRole")
}

// webIdentity is AssumeRoleWithWebIdentity with a token read from a file.
type webIdentity struct {
	b         *Builder
	profile   string
	tokenFile string
	in        sts.AssumeRoleWithWebIdentityInput
	region    string
}

func (p *webIdentity) Retrieve(ctx context.Context) (aws.Credentials, error) {
	token, err := p.b.ReadFile(p.tokenFile)
	if err != nil {
		return aws.Credentials{}, &ChainError{Profile: p.profile, Err: fmt.Errorf("cannot read web_identity_token_file %s: %w", p.tokenFile, unwrapPath(err)),
			Hint: "check the path in the profile, or that the token has been written"}
	}
	client, err := p.b.NewSTS(ctx, nil, p.profile, p.region)
	if err != nil {
		return aws.Credentials{}, err
	}
	in := p.in
	in.WebIdentityToken = aws.String(strings.TrimSpace(string(token)))
	out, err := client.AssumeRoleWithWebIdentity(ctx, &in)
	if err != nil {
		return aws.Credentials{}, stsError(p.profile, "AssumeRoleWithWebIdentity "+aws.ToString(in.RoleArn), err)
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
