// Package awssdk loads AWS SDK configurations the way every sesame client
// of an AWS API needs them: through config.LoadDefaultConfig, so that
// AWS_ENDPOINT_URL and its per-service forms, AWS_CA_BUNDLE and the SDK's
// retries (throttling included) apply, but with sesame's own credentials and
// region and without the user's config files: sesame has resolved the
// profile itself, and the SDK would otherwise resolve the profile's whole
// credential chain on its own (and fail where sesame keeps the keys).
package awssdk

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/signin"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/sesamehq/sesame/internal/atomicfile"
)

// Load returns an SDK configuration signing with creds (nil: unsigned) in
// region. stateDir is sesame's private state folder: the SDK is given an
// empty config file there holding only [default], because with no config
// file at all it fails whenever AWS_PROFILE is set.
func Load(ctx context.Context, stateDir string, creds aws.CredentialsProvider, region string) (aws.Config, error) {
	if creds == nil {
		creds = aws.AnonymousCredentials{}
	}
	empty := filepath.Join(stateDir, "sdk-config")
	if _, err := os.Stat(empty); err != nil {
		if err := atomicfile.WriteFile(empty, []byte("[default]\n"), 0o600); err != nil {
			return aws.Config{}, err
		}
	}
	return config.LoadDefaultConfig(ctx,
		config.WithRegion(region),
		config.WithCredentialsProvider(creds),
		config.WithSharedConfigFiles([]string{empty}),
		config.WithSharedCredentialsFiles([]string{}),
		config.WithSharedConfigProfile("default"),
	)
}

// EndpointFromEnv reports whether the environment sets the endpoint of the
// service whose environment suffix is service (e.g. "STS", "SSO_OIDC"),
// which wins over a profile's endpoint_url.
func EndpointFromEnv(lookupEnv func(string) (string, bool), service string) bool {
	for _, k := range []string{"AWS_ENDPOINT_URL_" + service, "AWS_ENDPOINT_URL"} {
		if v, ok := lookupEnv(k); ok && v != "" {
			return true
		}
	}
	return false
}

// ClientInput is what STS and IAM need to build a client for one step of a
// profile.
type ClientInput struct {
	// StateDir is sesame's private state folder (see Load).
	StateDir string
	// Region is the region the client calls.
	Region string
	// Credentials sign the requests (nil: unsigned).
	Credentials aws.CredentialsProvider
	// Endpoint is the profile's endpoint_url ("" when none): it is used
	// unless the environment sets the service's endpoint, which wins.
	Endpoint string
	// LookupEnv reads the environment for that check (nil: os.LookupEnv;
	// the SDK itself reads the process environment).
	LookupEnv func(string) (string, bool)
}

// endpoint is in's Endpoint unless the environment sets service's.
func (in ClientInput) endpoint(service string) string {
	lookup := in.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	if in.Endpoint == "" || EndpointFromEnv(lookup, service) {
		return ""
	}
	return in.Endpoint
}

// STS is the one way sesame builds an STS client: the configuration of
// Load, and the profile's endpoint_url where the environment sets no STS
// endpoint (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL). optFns apply last.
func STS(ctx context.Context, in ClientInput, optFns ...func(*sts.Options)) (*sts.Client, error) {
	cfg, err := Load(ctx, in.StateDir, in.Credentials, in.Region)
	if err != nil {
		return nil, fmt.Errorf("cannot set up the STS client: %w", err)
	}
	endpoint := in.endpoint("STS")
	return sts.NewFromConfig(cfg, append([]func(*sts.Options){func(o *sts.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}}, optFns...)...), nil
}

// IAM builds an IAM client as STS builds an STS client, the environment's
// endpoints being AWS_ENDPOINT_URL_IAM and AWS_ENDPOINT_URL.
func IAM(ctx context.Context, in ClientInput, optFns ...func(*iam.Options)) (*iam.Client, error) {
	cfg, err := Load(ctx, in.StateDir, in.Credentials, in.Region)
	if err != nil {
		return nil, fmt.Errorf("cannot set up the IAM client: %w", err)
	}
	endpoint := in.endpoint("IAM")
	return iam.NewFromConfig(cfg, append([]func(*iam.Options){func(o *iam.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}}, optFns...)...), nil
}

// EKS builds an EKS client as STS builds an STS client, the environment's
// endpoints being AWS_ENDPOINT_URL_EKS and AWS_ENDPOINT_URL.
func EKS(ctx context.Context, in ClientInput, optFns ...func(*eks.Options)) (*eks.Client, error) {
	cfg, err := Load(ctx, in.StateDir, in.Credentials, in.Region)
	if err != nil {
		return nil, fmt.Errorf("cannot set up the EKS client: %w", err)
	}
	endpoint := in.endpoint("EKS")
	return eks.NewFromConfig(cfg, append([]func(*eks.Options){func(o *eks.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}}, optFns...)...), nil
}

// Signin builds an AWS Sign-In client (unsigned: its token calls carry a
// DPoP proof instead) as STS builds an STS client, the environment's
// endpoints being AWS_ENDPOINT_URL_SIGNIN and AWS_ENDPOINT_URL.
func Signin(ctx context.Context, in ClientInput, optFns ...func(*signin.Options)) (*signin.Client, error) {
	cfg, err := Load(ctx, in.StateDir, nil, in.Region)
	if err != nil {
		return nil, fmt.Errorf("cannot set up the AWS Sign-In client: %w", err)
	}
	endpoint := in.endpoint("SIGNIN")
	return signin.NewFromConfig(cfg, append([]func(*signin.Options){func(o *signin.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}}, optFns...)...), nil
}

// STSPresigner is an STS presign client for in: the region, credentials
// and endpoint an STS client from [STS] would have (the profile's
// endpoint_url unless the environment sets an STS endpoint,
// AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, AWS_IGNORE_CONFIGURED_ENDPOINT_URLS,
// AWS_USE_FIPS_ENDPOINT, AWS_USE_DUALSTACK_ENDPOINT), built without
// config.LoadDefaultConfig. Presigning sends nothing, so the HTTP client,
// the retryer and AWS_CA_BUNDLE are not needed; the SDK would parse that
// bundle on every load (about 6 ms for a system bundle), which `sesame eks
// token`, run by kubectl for every call, should not pay.
func STSPresigner(in ClientInput) *sts.PresignClient {
	lookup := in.LookupEnv
	if lookup == nil {
		lookup = os.LookupEnv
	}
	env := func(k string) string {
		v, _ := lookup(k)
		return strings.TrimSpace(v)
	}
	opts := sts.Options{Region: in.Region, Credentials: in.Credentials}
	endpoint := in.endpoint("STS")
	if endpoint == "" && !strings.EqualFold(env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		for _, k := range []string{"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"} {
			if v := env(k); v != "" {
				endpoint = v
				break
			}
		}
	}
	if endpoint != "" {
		opts.BaseEndpoint = aws.String(endpoint)
	}
	if strings.EqualFold(env("AWS_USE_FIPS_ENDPOINT"), "true") {
		opts.EndpointOptions.UseFIPSEndpoint = aws.FIPSEndpointStateEnabled
	}
	if strings.EqualFold(env("AWS_USE_DUALSTACK_ENDPOINT"), "true") {
		opts.EndpointOptions.UseDualStackEndpoint = aws.DualStackEndpointStateEnabled
	}
	return sts.NewPresignClient(sts.New(opts))
}
