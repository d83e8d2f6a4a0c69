package rotate

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/awssdk"
)

// SDKClients makes the real IAM and STS clients of the AWS SDK for Go v2
// through package awssdk: AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL_STS,
// AWS_ENDPOINT_URL, AWS_CA_BUNDLE and the SDK's retries apply, and the
// profile's endpoint_url where the environment sets no endpoint for the
// service. It is safe for concurrent use.
type SDKClients struct {
	// StateDir is sesame's private state folder.
	StateDir func() (string, error)
	// LookupEnv reads the environment.
	LookupEnv func(string) (string, bool)
	// Config loads the AWS files, for the profile's endpoint_url (nil:
	// none).
	Config func() (*awsconfig.Config, error)
}

// New implements NewClientsFunc.
func (s SDKClients) New(ctx context.Context, c aws.Credentials, profile, region string) (Clients, error) {
	state, err := s.StateDir()
	if err != nil {
		return Clients{}, err
	}
	cfg, err := awssdk.Load(ctx, state, credentials.StaticCredentialsProvider{Value: c}, region)
	if err != nil {
		return Clients{}, fmt.Errorf("cannot set up the IAM and STS clients: %w", err)
	}
	endpoint := s.endpoint(profile)
	return Clients{
		IAM: iam.NewFromConfig(cfg, func(o *iam.Options) {
			if endpoint != "" && !awssdk.EndpointFromEnv(s.LookupEnv, "IAM") {
				o.BaseEndpoint = aws.String(endpoint)
			}
		}),
		STS: sts.NewFromConfig(cfg, func(o *sts.Options) {
			if endpoint != "" && !awssdk.EndpointFromEnv(s.LookupEnv, "STS") {
				o.BaseEndpoint = aws.String(endpoint)
			}
		}),
	}, nil
}

// endpoint is the profile's endpoint_url, or "".
func (s SDKClients) endpoint(profile string) string {
	if s.Config == nil {
		return ""
	}
	cfg, err := s.Config()
	if err != nil {
		return ""
	}
	r, err := cfg.Resolve(profile)
	if err != nil {
		return ""
	}
	v, _ := r.Get("endpoint_url")
	return v
}
