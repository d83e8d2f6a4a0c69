package rotate

import (
	"context"
	"errors"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/sesamehq/sesame/internal/cmdutil"
)

// factoryClients is NewClientsFunc on the Factory's IAM and STS
// constructors (awssdk.IAM and awssdk.STS: AWS_ENDPOINT_URL_IAM,
// AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, AWS_CA_BUNDLE and the SDK's
// retries apply, and the profile's endpoint_url where the environment sets
// no endpoint for the service). The clients are safe for concurrent use.
func factoryClients(f *cmdutil.Factory) NewClientsFunc {
	return func(ctx context.Context, c aws.Credentials, profile, region string) (Clients, error) {
		if f.IAM == nil || f.STS == nil {
			return Clients{}, errors.New("no IAM and STS clients are built into this binary")
		}
		keys := credentials.StaticCredentialsProvider{Value: c}
		iamClient, err := f.IAM(ctx, keys, profile, region)
		if err != nil {
			return Clients{}, err
		}
		stsClient, err := f.STS(ctx, keys, profile, region)
		if err != nil {
			return Clients{}, err
		}
		return Clients{IAM: iamClient, STS: stsClient}, nil
	}
}
