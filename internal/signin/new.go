package signin

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/signin"

	"github.com/sesamehq/sesame/internal/awssdk"
)

// NewAPI builds the SDK client for region with its endpoint pinned to
// [BaseURL], so that the token calls and the browser's sign-in page go to
// the same place. profileEndpoint is the profile's endpoint_url ("" if none).
func NewAPI(ctx context.Context, stateDir, region, profileEndpoint string, lookupEnv func(string) (string, bool)) (*signin.Client, string, error) {
	base := BaseURL(region, profileEndpoint, lookupEnv)
	c, err := awssdk.Signin(ctx, awssdk.ClientInput{StateDir: stateDir, Region: region, LookupEnv: lookupEnv}, func(o *signin.Options) {
		o.BaseEndpoint = aws.String(base)
	})
	return c, base, err
}
