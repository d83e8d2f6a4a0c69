package creds

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/processcreds"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/creds/plan"
)

// Durations (package plan decides them).
const (
	// DefaultDuration is the session length when neither --duration nor
	// duration_seconds says otherwise.
	DefaultDuration = plan.DefaultDuration
	// ChainedMax is STS's limit for a role assumed with temporary
	// credentials (role chaining, or GetSessionToken credentials).
	ChainedMax = plan.ChainedMax
)

// Builder turns profiles into providers: package plan lays out the chain
// of steps, and the Builder makes each step's provider, handing it its
// dependencies as far as it needs them. Building does no I/O, so the tree
// it makes (and the reasons it gives under --debug) can be tested without
// AWS.
type Builder struct {
	Config *awsconfig.Config
	// Store opens the secret store, only when a step needs it (a profile
	// run by credential_process alone works without one).
	Store     OpenStoreFunc
	NewSTS    NewSTSFunc
	MFA       MFAFunc
	LookupEnv func(string) (string, bool)
	ReadFile  func(string) ([]byte, error)
	Now       func() time.Time
	// LockDir holds the per-session lock files (a private folder).
	LockDir string
	// Logger gets the --debug explanation of each choice.
	Logger *slog.Logger
	// Notice prints a line the user should see on stderr.
	Notice func(format string, args ...any)
	// SSO makes the providers of IAM Identity Center profiles; nil means
	// SSO profiles are refused.
	SSO SSO
	// SignIn gives the credentials of login_session profiles (login.go);
	// nil means they are refused.
	SignIn SignIn
}

// SSO makes the provider of an IAM Identity Center profile (internal/sso
// has the one sesame uses).
type SSO interface {
	// RoleProvider returns the provider of the role credentials of SSO
	// profile r, and the key of the sign-in it uses.
	RoleProvider(cfg *awsconfig.Config, r *awsconfig.Resolved) (p aws.CredentialsProvider, session string, err error)
}

// Get builds the provider for req and retrieves the credentials.
func (b *Builder) Get(ctx context.Context, req Request) (Result, error) {
	n, region, err := b.buildRequest(req)
	if err != nil {
		return Result{}, err
	}
	c, err := n.p.Retrieve(ctx)
	if err != nil {
		return Result{}, err
	}
	return Result{Credentials: c, Region: region, Kind: n.kind}, nil
}

// node is a step's provider and the kind of credentials it gives.
type node struct {
	p    aws.CredentialsProvider
	kind Kind
}

// Planner is the plan.Planner over the Builder's configuration.
func (b *Builder) Planner() *plan.Planner {
	p := &plan.Planner{Config: b.Config, LookupEnv: b.LookupEnv, Now: b.Now, Logger: b.Logger, Notice: b.Notice}
	if b.SSO != nil {
		p.SSOKey = func(cfg *awsconfig.Config, r *awsconfig.Resolved) (string, error) {
			_, key, err := b.SSO.RoleProvider(cfg, r)
			return key, err
		}
	}
	return p
}

// buildRequest plans req and builds the chain of providers for it.
func (b *Builder) buildRequest(req Request) (node, string, error) {
	s, region, err := b.Planner().Plan(req)
	if err != nil {
		return node{}, "", err
	}
	p, err := b.provider(s)
	if err != nil {
		return node{}, "", err
	}
	return node{p: p, kind: s.Kind}, region, nil
}

// provider makes step s's provider (and its sources').
func (b *Builder) provider(s *plan.Step) (aws.CredentialsProvider, error) {
	var p aws.CredentialsProvider
	switch s.Op {
	case plan.OpKeys:
		return &StoredKeys{Store: b.Store, Profile: s.Profile, FileID: s.FileID, FileSecret: s.FileSecret, FilePath: b.Config.Paths.Credentials, Notice: b.Notice}, nil
	case plan.OpEnv:
		return &EnvKeys{LookupEnv: b.LookupEnv, Profile: s.Profile}, nil
	case plan.OpProcess:
		return processcreds.NewProvider(s.Command), nil
	case plan.OpLogin:
		if b.SignIn == nil {
			return nil, &ChainError{Profile: s.Profile, Err: errors.New("AWS Sign-In sessions (login_session) are not set up here"), Hint: "run: sesame signin " + s.Profile}
		}
		return &LoginSession{SignIn: b.SignIn, Profile: s.Profile, Session: s.LoginSession, Region: s.Region}, nil
	case plan.OpSSO:
		rp, _, err := b.SSO.RoleProvider(b.Config, s.Resolved)
		if err != nil {
			return nil, err
		}
		p = rp
	case plan.OpWebIdentity:
		in := sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String(s.RoleARN), RoleSessionName: aws.String(s.SessionName),
			DurationSeconds: aws.Int32(int32(s.Duration / time.Second))}
		p = &WebIdentity{NewSTS: b.NewSTS, ReadFile: b.ReadFile, Profile: s.Profile, TokenFile: s.TokenFile, Input: in, Region: s.Region}
	case plan.OpSessionToken, plan.OpAssumeRole:
		src, err := b.provider(s.Source)
		if err != nil {
			return nil, err
		}
		if s.Op == plan.OpSessionToken {
			p = &SessionToken{NewSTS: b.NewSTS, MFA: b.MFA, Profile: s.Profile, Source: src, Serial: s.Serial, Duration: s.Duration, Region: s.Region}
		} else {
			p = &AssumeRole{NewSTS: b.NewSTS, MFA: b.MFA, Profile: s.Profile, Source: src, Input: assumeRoleInput(s), Region: s.Region}
		}
	}
	if s.Cached {
		p = &Cached{Inner: p, Profile: s.Profile, ID: s.ID, Store: b.Store, LockDir: b.LockDir, Now: b.Now, Logger: b.Logger}
	}
	return p, nil
}

// assumeRoleInput is the AssumeRole call of step s.
func assumeRoleInput(s *plan.Step) sts.AssumeRoleInput {
	in := sts.AssumeRoleInput{RoleArn: aws.String(s.RoleARN), RoleSessionName: aws.String(s.SessionName), DurationSeconds: aws.Int32(int32(s.Duration / time.Second))}
	if s.HasExternalID {
		in.ExternalId = aws.String(s.ExternalID)
	}
	if s.HasSourceIdentity {
		in.SourceIdentity = aws.String(s.SourceIdentity)
	}
	if s.Serial != "" {
		in.SerialNumber = aws.String(s.Serial)
	}
	for _, t := range s.Tags {
		in.Tags = append(in.Tags, ststypes.Tag{Key: aws.String(t.Key), Value: aws.String(t.Value)})
	}
	if s.HasTransitive {
		in.TransitiveTagKeys = s.TransitiveTagKeys
	}
	return in
}
