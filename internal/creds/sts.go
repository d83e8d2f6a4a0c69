package creds

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// NewSTS makes real STS clients with config.LoadDefaultConfig, so that
// AWS_ENDPOINT_URL(_STS), AWS_CA_BUNDLE and the SDK's retries (throttling
// included) apply. Shared config files are not read: sesame has already
// resolved the profile, and AWS_PROFILE must not pull in another.
func NewSTS(ctx context.Context, creds aws.CredentialsProvider, region, endpoint string) (STSClient, error) {
	if creds == nil {
		creds = aws.AnonymousCredentials{}
	}
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(region),
		config.WithCredentialsProvider(creds),
		config.WithSharedConfigFiles([]string{}),
		config.WithSharedCredentialsFiles([]string{}),
		config.WithSharedConfigProfile("default"),
	)
	if err != nil {
		return nil, err
	}
	return sts.NewFromConfig(cfg, func(o *sts.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}), nil
}

var _ NewSTSFunc = NewSTS
