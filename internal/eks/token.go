// Package eks makes what kubectl needs to reach an Amazon EKS cluster with
// a profile's credentials: the bearer token of the
// client.authentication.k8s.io ExecCredential that `aws eks get-token`
// prints (see [Token] and [NewExecCredential]), and the kubeconfig entries
// that run `sesame eks token` (see [UpdateKubeconfig]).
//
// The token is what the EKS authenticator (aws-iam-authenticator) accepts:
// "k8s-aws-v1." followed by the unpadded base64url encoding of an STS
// GetCallerIdentity URL, presigned with SigV4 query parameters for 60
// seconds, whose signed headers include x-k8s-aws-id set to the cluster's
// name. The client never sends that request: the cluster's authenticator
// does, adding the header, and maps the identity STS answers to a
// Kubernetes user. Presigning is local, so making a token calls nothing.
//
// The functions are safe for concurrent use.
package eks

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// The token's parts and lifetimes, as the AWS CLI makes them.
const (
	// TokenPrefix starts every token.
	TokenPrefix = "k8s-aws-v1."
	// ClusterIDHeader is the signed header naming the cluster.
	ClusterIDHeader = "x-k8s-aws-id"
	// URLExpiry is how long the presigned URL is valid (X-Amz-Expires).
	URLExpiry = 60 * time.Second
	// TokenLifetime is how far ahead expirationTimestamp is: client-go
	// asks for a new token after it. (The authenticator accepts a URL for
	// 15 minutes after X-Amz-Date, whatever X-Amz-Expires says.)
	TokenLifetime = 14 * time.Minute
)

// The client.authentication.k8s.io API versions.
const (
	APIVersionV1       = "client.authentication.k8s.io/v1"
	APIVersionV1beta1  = "client.authentication.k8s.io/v1beta1"
	APIVersionV1alpha1 = "client.authentication.k8s.io/v1alpha1"
	// DefaultAPIVersion is used when KUBERNETES_EXEC_INFO is unset or
	// names a version this package does not know.
	DefaultAPIVersion = APIVersionV1beta1
)

// Presigner presigns STS GetCallerIdentity; *sts.PresignClient is one.
type Presigner interface {
	PresignGetCallerIdentity(ctx context.Context, params *sts.GetCallerIdentityInput, optFns ...func(*sts.PresignOptions)) (*v4.PresignedHTTPRequest, error)
}

var _ Presigner = (*sts.PresignClient)(nil)

// Token presigns GetCallerIdentity with p for cluster and returns the
// bearer token. The region and endpoint are those of p's STS client.
func Token(ctx context.Context, p Presigner, cluster string) (string, error) {
	if cluster == "" {
		return "", fmt.Errorf("no cluster name")
	}
	req, err := p.PresignGetCallerIdentity(ctx, &sts.GetCallerIdentityInput{}, func(o *sts.PresignOptions) {
		o.ClientOptions = append(o.ClientOptions, func(o *sts.Options) {
			o.APIOptions = append(o.APIOptions, clusterIDMiddleware(cluster))
		})
	})
	if err != nil {
		return "", fmt.Errorf("cannot presign the STS request: %w", err)
	}
	return TokenPrefix + base64.RawURLEncoding.EncodeToString([]byte(req.URL)), nil
}

// clusterIDMiddleware adds the cluster's header (which the signer then
// signs) and X-Amz-Expires to the request before it is signed.
func clusterIDMiddleware(cluster string) func(*middleware.Stack) error {
	return func(stack *middleware.Stack) error {
		return stack.Build.Add(middleware.BuildMiddlewareFunc("SesameEKSClusterID",
			func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
				req, ok := in.Request.(*smithyhttp.Request)
				if !ok {
					return middleware.BuildOutput{}, middleware.Metadata{}, fmt.Errorf("unexpected request type %T", in.Request)
				}
				req.Header.Set(ClusterIDHeader, cluster)
				q := req.URL.Query()
				q.Set("X-Amz-Expires", strconv.Itoa(int(URLExpiry/time.Second)))
				req.URL.RawQuery = q.Encode()
				return next.HandleBuild(ctx, in)
			}), middleware.After)
	}
}

// DecodeToken returns the presigned URL inside a token.
func DecodeToken(token string) (*url.URL, error) {
	rest, ok := strings.CutPrefix(token, TokenPrefix)
	if !ok {
		return nil, fmt.Errorf("the token does not start with %s", TokenPrefix)
	}
	b, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return nil, fmt.Errorf("the token is not base64url: %w", err)
	}
	return url.Parse(string(b))
}

// APIVersion is the ExecCredential apiVersion for KUBERNETES_EXEC_INFO
// (execInfo, "" when unset), chosen as `aws eks get-token` chooses it: v1
// and v1beta1 as asked, v1alpha1 as asked with a warning (it is
// deprecated), and v1beta1 otherwise, with a warning when execInfo is set
// but does not parse or names an unknown version. warning is "" when
// there is nothing to say.
func APIVersion(execInfo string) (version, warning string) {
	if execInfo == "" {
		return DefaultAPIVersion, ""
	}
	var info struct {
		APIVersion string `json:"apiVersion"`
	}
	if err := json.Unmarshal([]byte(execInfo), &info); err != nil {
		return DefaultAPIVersion, "KUBERNETES_EXEC_INFO does not parse as JSON: answering with " + DefaultAPIVersion
	}
	switch {
	case slices.Contains([]string{APIVersionV1, APIVersionV1beta1}, info.APIVersion):
		return info.APIVersion, ""
	case info.APIVersion == APIVersionV1alpha1:
		return info.APIVersion, "the kubeconfig user asks for the deprecated " + APIVersionV1alpha1 + ": run sesame eks kubeconfig again to update it"
	}
	return DefaultAPIVersion, fmt.Sprintf("KUBERNETES_EXEC_INFO names an unknown apiVersion %q: answering with %s", info.APIVersion, DefaultAPIVersion)
}

// ExecCredential is the document kubectl reads from an exec credential
// plugin, as `aws eks get-token` prints it.
type ExecCredential struct {
	Kind       string               `json:"kind"`
	APIVersion string               `json:"apiVersion"`
	Spec       struct{}             `json:"spec"`
	Status     ExecCredentialStatus `json:"status"`
}

// ExecCredentialStatus holds the token and when to ask for a new one.
type ExecCredentialStatus struct {
	// ExpirationTimestamp is RFC 3339 in UTC, whole seconds.
	ExpirationTimestamp string `json:"expirationTimestamp"`
	Token               string `json:"token"`
}

// NewExecCredential returns the document for token, to be replaced at
// expires (see [Expiry]).
func NewExecCredential(apiVersion, token string, expires time.Time) ExecCredential {
	return ExecCredential{
		Kind:       "ExecCredential",
		APIVersion: apiVersion,
		Status: ExecCredentialStatus{
			ExpirationTimestamp: expires.UTC().Format("2006-01-02T15:04:05Z"),
			Token:               token,
		},
	}
}

// Expiry is when a token made at now stops being useful: [TokenLifetime]
// later, or when the credentials that signed it expire (credsExpire; zero
// for credentials that do not), whichever comes first.
func Expiry(now, credsExpire time.Time) time.Time {
	exp := now.Add(TokenLifetime)
	if !credsExpire.IsZero() && credsExpire.Before(exp) {
		return credsExpire
	}
	return exp
}
