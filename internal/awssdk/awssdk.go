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

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
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
