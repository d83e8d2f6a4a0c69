package app

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/sesamehq/sesame/internal/awssdk"
	ekscmd "github.com/sesamehq/sesame/internal/cmd/eks"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/creds"
	k8s "github.com/sesamehq/sesame/internal/eks"
)

// newSTSClient is the Factory's STS: awssdk.STS for a step of profile.
func newSTSClient(ctx context.Context, f *cmdutil.Factory, c aws.CredentialsProvider, profile, region string) (*sts.Client, error) {
	in, err := clientInput(f, c, profile, region)
	if err != nil {
		return nil, err
	}
	return awssdk.STS(ctx, in)
}

// newIAMClient is the Factory's IAM: awssdk.IAM for a step of profile.
func newIAMClient(ctx context.Context, f *cmdutil.Factory, c aws.CredentialsProvider, profile, region string) (*iam.Client, error) {
	in, err := clientInput(f, c, profile, region)
	if err != nil {
		return nil, err
	}
	return awssdk.IAM(ctx, in)
}

// newEKSClient is awssdk.EKS for profile, signing with c in region.
func newEKSClient(ctx context.Context, f *cmdutil.Factory, c aws.CredentialsProvider, profile, region string) (*eks.Client, error) {
	in, err := clientInput(f, c, profile, region)
	if err != nil {
		return nil, err
	}
	return awssdk.EKS(ctx, in)
}

// eksClusters is the EKS client the eks commands describe clusters with.
func eksClusters(f *cmdutil.Factory) func(ctx context.Context, c aws.CredentialsProvider, profile, region string) (ekscmd.ClusterDescriber, error) {
	return func(ctx context.Context, c aws.CredentialsProvider, profile, region string) (ekscmd.ClusterDescriber, error) {
		client, err := newEKSClient(ctx, f, c, profile, region)
		if err != nil {
			return nil, err
		}
		return client, nil
	}
}

// eksPresigner is the STS presigner of sesame eks token: awssdk.STSPresigner
// for profile, signing with c in region.
func eksPresigner(f *cmdutil.Factory) func(ctx context.Context, c aws.CredentialsProvider, profile, region string) (k8s.Presigner, error) {
	return func(_ context.Context, c aws.CredentialsProvider, profile, region string) (k8s.Presigner, error) {
		in, err := clientInput(f, c, profile, region)
		if err != nil {
			return nil, err
		}
		return awssdk.STSPresigner(in), nil
	}
}

// clientInput is what awssdk needs for a client of profile's step signing
// with c in region.
func clientInput(f *cmdutil.Factory, c aws.CredentialsProvider, profile, region string) (awssdk.ClientInput, error) {
	state, err := f.StateDir()
	if err != nil {
		return awssdk.ClientInput{}, err
	}
	return awssdk.ClientInput{StateDir: state, Region: region, Credentials: c, Endpoint: profileEndpoint(f, profile), LookupEnv: f.LookupEnv}, nil
}

// profileEndpoint is the profile's endpoint_url, or "" when it has none or
// the AWS files cannot be read (the command reports that on its own).
func profileEndpoint(f *cmdutil.Factory, profile string) string {
	cfg, err := f.Config()
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

// credsSTS is the credential chain's NewSTSFunc: the Factory's STS.
func credsSTS(f *cmdutil.Factory) creds.NewSTSFunc {
	return func(ctx context.Context, c aws.CredentialsProvider, profile, region string) (creds.STSClient, error) {
		client, err := f.STS(ctx, c, profile, region)
		if err != nil {
			return nil, err
		}
		return client, nil
	}
}
