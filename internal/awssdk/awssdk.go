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
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"

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
