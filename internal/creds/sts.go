package creds

import (
	"context"
	"os"
	"path/filepath"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/sesamehq/sesame/internal/atomicfile"
)

// STSLoader makes real STS clients with config.LoadDefaultConfig, so that
// AWS_ENDPOINT_URL(_STS), AWS_CA_BUNDLE and the SDK's retries (throttling
// included) apply as in any AWS SDK. Credentials, region and endpoint_url
// are sesame's own, from the profile it resolved.
//
// The SDK is not given the user's config files: it would resolve the
// profile's whole credential chain itself and fail where sesame keeps the
// keys. It gets an empty config with only [default] instead, which also
// keeps AWS_PROFILE (the SDK insists on loading the profile it names) from
// making it fail.
type STSLoader struct {
	// StateDir is sesame's private state folder, where the empty config
	// file lives.
	StateDir string
	// LookupEnv tells whether an endpoint is set in the environment.
	LookupEnv func(string) (string, bool)
	// Endpoints maps a profile to its endpoint_url.
	Endpoints func(profile string) string
}

// New implements NewSTSFunc.
func (l STSLoader) New(ctx context.Context, creds aws.CredentialsProvider, profile, region string) (STSClient, error) {
	if creds == nil {
		creds = aws.AnonymousCredentials{}
	}
	empty := filepath.Join(l.StateDir, "sdk-config")
	if _, err := os.Stat(empty); err != nil {
		if err := atomicfile.WriteFile(empty, []byte("[default]\n"), 0o600); err != nil {
			return nil, err
		}
	}
	cfg, err := config.LoadDefaultConfig(ctx,
		config.WithRegion(region),
		config.WithCredentialsProvider(creds),
		config.WithSharedConfigFiles([]string{empty}),
		config.WithSharedCredentialsFiles([]string{}),
		config.WithSharedConfigProfile("default"),
	)
	if err != nil {
		return nil, err
	}
	endpoint := ""
	if l.Endpoints != nil && !l.envEndpoint() {
		endpoint = l.Endpoints(profile)
	}
	return sts.NewFromConfig(cfg, func(o *sts.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
	}), nil
}

// envEndpoint reports whether the environment sets STS's endpoint, which
// wins over a profile's endpoint_url.
func (l STSLoader) envEndpoint() bool {
	for _, k := range []string{"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"} {
		if v, ok := l.LookupEnv(k); ok && v != "" {
			return true
		}
	}
	return false
}
