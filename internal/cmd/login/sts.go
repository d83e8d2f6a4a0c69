package login

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/sesamehq/sesame/internal/cmdutil"
)

// GetFederationToken limits and the values sesame sends.
const (
	// DefaultFederationDuration is the federation token's (and so the
	// console session's) length when --duration is not given.
	DefaultFederationDuration = time.Hour
	// MaxFederationDuration is GetFederationToken's limit (129600 s).
	MaxFederationDuration = 36 * time.Hour
	// FederationPolicy is the inline session policy: it allows everything,
	// so that the federated user can do exactly what the IAM user's own
	// policies allow (without a policy it could do nothing).
	FederationPolicy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}`
	// federatedNamePrefix starts the federated user's name.
	federatedNamePrefix = "sesame-"
	// maxFederatedName is GetFederationToken's limit on Name.
	maxFederatedName = 32
)

// STSClient is the part of STS that login calls with an IAM user's
// long-term keys.
type STSClient interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
	GetFederationToken(ctx context.Context, in *sts.GetFederationTokenInput, optFns ...func(*sts.Options)) (*sts.GetFederationTokenOutput, error)
}

// NewSTSFunc makes an STS client for profile that signs with c in region.
type NewSTSFunc func(ctx context.Context, c aws.Credentials, profile, region string) (STSClient, error)

// factorySTS is NewSTSFunc on the Factory's STS constructor (awssdk.STS:
// the SDK's endpoint overrides, CA bundle and retries, and the profile's
// endpoint_url when the environment sets no STS endpoint).
func factorySTS(f *cmdutil.Factory) NewSTSFunc {
	return func(ctx context.Context, c aws.Credentials, profile, region string) (STSClient, error) {
		if f.STS == nil {
			return nil, errors.New("no STS client is built into this binary")
		}
		client, err := f.STS(ctx, credentials.StaticCredentialsProvider{Value: c}, profile, region)
		if err != nil {
			return nil, err
		}
		return client, nil
	}
}

// federate turns an IAM user's long-term keys into GetFederationToken
// credentials, which the console accepts: named sesame-USER after the IAM
// user (GetCallerIdentity), lasting d, with FederationPolicy.
func federate(ctx context.Context, newSTS NewSTSFunc, profile string, keys aws.Credentials, region string, d time.Duration) (aws.Credentials, error) {
	client, err := newSTS(ctx, keys, profile, region)
	if err != nil {
		return aws.Credentials{}, err
	}
	id, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return aws.Credentials{}, stsError(err, profile, "GetCallerIdentity")
	}
	out, err := client.GetFederationToken(ctx, &sts.GetFederationTokenInput{
		Name:            aws.String(FederatedName(aws.ToString(id.Arn))),
		DurationSeconds: aws.Int32(int32(d / time.Second)),
		Policy:          aws.String(FederationPolicy),
	})
	if err != nil {
		return aws.Credentials{}, stsError(err, profile, "GetFederationToken")
	}
	c := out.Credentials
	if c == nil || aws.ToString(c.AccessKeyId) == "" || aws.ToString(c.SecretAccessKey) == "" || aws.ToString(c.SessionToken) == "" {
		return aws.Credentials{}, cmdutil.WithHint(errors.New("GetFederationToken answered without credentials"), "check the STS endpoint (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL)")
	}
	res := aws.Credentials{
		AccessKeyID:     aws.ToString(c.AccessKeyId),
		SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken:    aws.ToString(c.SessionToken),
		Source:          "GetFederationToken",
	}
	if c.Expiration != nil {
		res.CanExpire, res.Expires = true, *c.Expiration
	}
	return res, nil
}

// FederatedName is the federated user's name for the caller ARN: "sesame-"
// and the IAM user's name ("sesame-root" for the root user), cut to the
// 32 characters STS allows, any character STS refuses replaced by "-".
func FederatedName(callerARN string) string {
	name := "user"
	// arn:PARTITION:iam::ACCOUNT:user/PATH/NAME, or ACCOUNT:root.
	if parts := strings.SplitN(callerARN, ":", 6); len(parts) == 6 && parts[0] == "arn" {
		switch resource := parts[5]; {
		case resource == "root":
			name = "root"
		case strings.HasPrefix(resource, "user/"):
			name = resource[strings.LastIndexByte(resource, '/')+1:]
		}
	}
	out := []byte(federatedNamePrefix + name)
	for i, c := range out {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("+=,.@_-", c) >= 0) {
			out[i] = '-'
		}
	}
	if len(out) > maxFederatedName {
		out = out[:maxFederatedName]
	}
	return string(out)
}

// stsError says what went wrong with an STS call made with profile's
// long-term keys and what to do next.
func stsError(err error, profile, call string) error {
	if cmdutil.Hint(err) != "" || errors.Is(err, context.Canceled) {
		return err
	}
	var api smithy.APIError
	if !errors.As(err, &api) {
		return cmdutil.WithHint(fmt.Errorf("%s: %w", call, err),
			"check the network and the STS endpoint (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL), then try again")
	}
	msg := fmt.Errorf("%s failed: %s: %s", call, api.ErrorCode(), api.ErrorMessage())
	switch api.ErrorCode() {
	case "InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException", "ExpiredToken":
		return cmdutil.WithHint(msg, fmt.Sprintf("AWS refused the stored key of profile %s: check it (sesame add %s replaces it)", profile, profile))
	case "AccessDenied", "AccessDeniedException":
		return cmdutil.WithHint(msg, fmt.Sprintf("allow sts:GetFederationToken to the IAM user of profile %s, or sign in through a role: a profile with role_arn and source_profile = %s", profile, profile))
	}
	return cmdutil.WithHint(msg, "run again with --debug for details")
}
