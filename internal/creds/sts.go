package creds

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/sesamehq/sesame/internal/awssdk"
)

// STSLoader makes real STS clients (see package awssdk): the SDK's endpoint
// overrides, CA bundle and retries apply; credentials and region are
// sesame's, and a profile's endpoint_url is used when the environment sets
// no STS endpoint.
type STSLoader struct {
	// StateDir is sesame's private state folder.
	StateDir string
	// LookupEnv tells whether an endpoint is set in the environment.
	LookupEnv func(string) (string, bool)
	// Endpoints maps a profile to its endpoint_url.
	Endpoints func(profile string) string
}

// New implements NewSTSFunc.
func (l STSLoader) New(ctx context.Context, creds aws.CredentialsProvider, profile, region string) (STSClient, error) {
	cfg, err := awssdk.Load(ctx, l.StateDir, creds, region)
	if err != nil {
		return nil, err
	}
	endpoint := ""
	if l.Endpoints != nil && !awssdk.EndpointFromEnv(l.LookupEnv, "STS") {
		endpoint = l.Endpoints(profile)
	}
	return sts.NewFromConfig(cfg, func(o *sts.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}), nil
}
