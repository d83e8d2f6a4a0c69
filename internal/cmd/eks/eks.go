// Package eks implements `sesame eks token` (the kubectl exec credential
// that `aws eks get-token` prints, from any profile sesame can serve, with
// the cache and lock of `export`) and `sesame eks kubeconfig` (the
// kubeconfig cluster, user and context that run it). The token and the
// kubeconfig editing are internal/eks's; this package turns flags into
// Options and reports errors with the next step.
package eks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/credcheck"
	"github.com/sesamehq/sesame/internal/creds"
	k8s "github.com/sesamehq/sesame/internal/eks"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/mfa"
)

// DefaultRegion is the region used when neither --region nor the profile
// names one.
const DefaultRegion = "us-east-1"

// ClusterDescriber is EKS DescribeCluster; *eks.Client is one.
type ClusterDescriber interface {
	DescribeCluster(ctx context.Context, params *awseks.DescribeClusterInput, optFns ...func(*awseks.Options)) (*awseks.DescribeClusterOutput, error)
}

// Deps are what the wiring hands the eks commands.
type Deps struct {
	// Creds gets the credentials: the Factory's checked chain.
	Creds creds.Getter
	// Clusters builds the EKS client for profile, signing with c in
	// region (awssdk.EKS).
	Clusters func(ctx context.Context, c aws.CredentialsProvider, profile, region string) (ClusterDescriber, error)
	// Presigner builds the STS presigner for profile, signing with c in
	// region (awssdk.STSPresigner); nil: a presign client on the
	// Factory's STS client.
	Presigner func(ctx context.Context, c aws.CredentialsProvider, profile, region string) (k8s.Presigner, error)
}

// NewCmdEKS builds `sesame eks` and its subcommands.
func NewCmdEKS(f *cmdutil.Factory, deps Deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "eks <command>",
		Short: "Credentials for kubectl on Amazon EKS clusters",
		Long: `Give kubectl a profile's credentials for Amazon EKS clusters, without the AWS CLI.

  sesame eks kubeconfig --cluster NAME PROFILE   add the cluster to your kubeconfig
  sesame eks token --cluster NAME PROFILE        what kubectl then runs for a token`,
		Args: cmdutil.NoArgs,
	}
	cmd.AddCommand(NewCmdToken(f, deps, nil), NewCmdKubeconfig(f, deps, nil))
	return cmd
}

// TokenOptions are the inputs of `sesame eks token`.
type TokenOptions struct {
	IO *iostreams.IOStreams
	// Creds gets the credentials.
	Creds creds.Getter
	// SelectProfile picks the profile from the argument (cli.md's order).
	SelectProfile func(ctx context.Context, arg string) (string, error)
	// Presigner builds the STS presigner for profile, signing with c in
	// region.
	Presigner func(ctx context.Context, c aws.CredentialsProvider, profile, region string) (k8s.Presigner, error)
	// Getenv reads KUBERNETES_EXEC_INFO.
	Getenv func(string) string
	// Now is the clock.
	Now func() time.Time

	// Profile is the argument ("" when none).
	Profile string
	Cluster string
	// Request carries --region, --duration, --no-session and --mfa-token.
	Request creds.Request
	Force   bool
}

// NewCmdToken builds `sesame eks token` on deps (the credential chain and
// the presigner); runF replaces the run function in tests.
func NewCmdToken(f *cmdutil.Factory, deps Deps, runF func(context.Context, *TokenOptions) error) *cobra.Command {
	opts := &TokenOptions{
		IO:            f.IOStreams,
		Creds:         deps.Creds,
		SelectProfile: func(ctx context.Context, arg string) (string, error) { return cmdutil.SelectProfile(ctx, f, arg) },
		Presigner:     deps.Presigner,
		Getenv:        f.Getenv,
		Now:           f.Now,
	}
	if opts.Presigner == nil {
		opts.Presigner = func(ctx context.Context, c aws.CredentialsProvider, profile, region string) (k8s.Presigner, error) {
			if f.STS == nil {
				return nil, errors.New("no STS client is built into this binary")
			}
			client, err := f.STS(ctx, c, profile, region)
			if err != nil {
				return nil, err
			}
			return sts.NewPresignClient(client), nil
		}
	}
	cmd := &cobra.Command{
		Use:   "token --cluster NAME [PROFILE]",
		Short: "Print a kubectl exec credential for an EKS cluster",
		Long: `Print the client.authentication.k8s.io ExecCredential that kubectl reads from
an exec credential plugin, as "aws eks get-token" prints it: a bearer token for
cluster NAME made from PROFILE's credentials, valid for 14 minutes.

The token is an STS GetCallerIdentity request presigned with the profile's
credentials (nothing is sent to AWS to make it), in the profile's region or
--region (us-east-1 when neither names one). The credentials come from sesame's
cache as for "sesame export": a warm call is fast, and no prompt is needed until
the cached session expires.

The apiVersion is the one kubectl asks for in KUBERNETES_EXEC_INFO (v1 or
v1beta1; v1beta1 when unset). "sesame eks kubeconfig" writes the kubeconfig
entry that runs this command.

kubectl cannot answer prompts: when the profile needs an MFA code or an IAM
Identity Center sign-in, run the command it names in a terminal first.

sesame refuses to print the token to a terminal unless --force is given.`,
		Example: `  sesame eks token --cluster prod work | jq .status.expirationTimestamp
  sesame eks token --cluster prod work > /dev/null   # in a terminal: ask for MFA now, for kubectl later`,
		Args: cmdutil.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return RunToken(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Cluster, "cluster", "", "the EKS cluster's name (required)")
	fl.BoolVar(&opts.Force, "force", false, "print the token even when stdout is a terminal")
	credcheck.AddRequestFlags(fl, &opts.Request)
	cmdutil.AddProfileArg(cmd, f, "", &opts.Profile)
	return cmd
}

// RunToken prints the ExecCredential.
func RunToken(ctx context.Context, opts *TokenOptions) error {
	if opts.Cluster == "" {
		return cmdutil.Usagef("--cluster NAME is required: the EKS cluster's name")
	}
	if opts.IO.IsStdoutTTY() && !opts.Force {
		return cmdutil.WithHint(errors.New("refusing to print a bearer token to a terminal"),
			"kubectl runs this command itself (see sesame eks kubeconfig); to see the token, pipe the output or pass --force")
	}
	apiVersion, warning := k8s.APIVersion(opts.Getenv("KUBERNETES_EXEC_INFO"))
	if warning != "" {
		opts.IO.Warnf("%s", warning)
	}
	profile, err := opts.SelectProfile(ctx, opts.Profile)
	if err != nil {
		return err
	}
	req := opts.Request
	req.Profile = profile
	res, err := opts.Creds(ctx, req)
	if err != nil {
		return noPersonError(err, profile, opts.Cluster)
	}
	region := res.Region
	if region == "" {
		region = DefaultRegion
	}
	p, err := opts.Presigner(ctx, credentials.StaticCredentialsProvider{Value: res.Credentials}, profile, region)
	if err != nil {
		return err
	}
	token, err := k8s.Token(ctx, p, opts.Cluster)
	if err != nil {
		return err
	}
	var expires time.Time
	if res.CanExpire {
		expires = res.Expires
	}
	b, err := json.Marshal(k8s.NewExecCredential(apiVersion, token, k8s.Expiry(opts.Now(), expires)))
	if err != nil {
		return err
	}
	_, err = opts.IO.Out.Write(append(b, '\n'))
	return err
}

// noPersonError gives an MFA failure the next step for kubectl, which has
// no terminal to ask on: get the session cached from a terminal first.
func noPersonError(err error, profile, cluster string) error {
	if _, ok := errors.AsType[*mfa.Error](err); !ok {
		return err
	}
	// A new error, so that this hint replaces mfa's (the innermost wins).
	return cmdutil.WithHint(errors.New(err.Error()),
		fmt.Sprintf("in a terminal, run first: sesame eks token --cluster %s %s > /dev/null (it asks for the code and caches the session kubectl then uses); or set mfa_process in the profile", cluster, profile))
}

// KubeconfigOptions are the inputs of `sesame eks kubeconfig`.
type KubeconfigOptions struct {
	IO *iostreams.IOStreams
	// Creds gets the credentials.
	Creds creds.Getter
	// SelectProfile picks the profile from the argument (cli.md's order).
	SelectProfile func(ctx context.Context, arg string) (string, error)
	// Clusters builds the EKS client.
	Clusters func(ctx context.Context, c aws.CredentialsProvider, profile, region string) (ClusterDescriber, error)
	// Getenv reads KUBECONFIG.
	Getenv func(string) string
	// HomeDir finds ~ for ~/.kube/config.
	HomeDir func() (string, error)

	// Profile is the argument ("" when none).
	Profile string
	Cluster string
	Alias   string
	// Request carries --region, --duration, --no-session and --mfa-token.
	Request creds.Request
}

// NewCmdKubeconfig builds `sesame eks kubeconfig`; runF replaces the run
// function in tests.
func NewCmdKubeconfig(f *cmdutil.Factory, deps Deps, runF func(context.Context, *KubeconfigOptions) error) *cobra.Command {
	opts := &KubeconfigOptions{
		IO:            f.IOStreams,
		Creds:         deps.Creds,
		SelectProfile: func(ctx context.Context, arg string) (string, error) { return cmdutil.SelectProfile(ctx, f, arg) },
		Clusters:      deps.Clusters,
		Getenv:        f.Getenv,
		HomeDir:       f.HomeDir,
	}
	cmd := &cobra.Command{
		Use:   "kubeconfig --cluster NAME [PROFILE]",
		Short: "Add an EKS cluster to your kubeconfig, with sesame as its credential plugin",
		Long: `Look up cluster NAME with EKS DescribeCluster (PROFILE's credentials, in the
profile's region or --region) and add, or update, three entries in the kubeconfig
($KUBECONFIG's first file, default ~/.kube/config):

  cluster   named after the cluster's ARN: its endpoint and certificate authority
  user      runs "sesame eks token --cluster NAME PROFILE" (the profile named
            explicitly, so AWS_PROFILE does not matter; --region too when given)
  context   --alias, default the cluster's ARN, joining the two; it becomes
            the current context

Every other entry, key and comment is kept. The file is written atomically,
mode 0600. A kubeconfig that does not parse is refused and left unchanged.`,
		Example: `  sesame eks kubeconfig --cluster prod --alias prod work
  kubectl --context prod get pods`,
		Args: cmdutil.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return RunKubeconfig(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Cluster, "cluster", "", "the EKS cluster's name (required)")
	fl.StringVar(&opts.Alias, "alias", "", "the context's name (default: the cluster's ARN)")
	credcheck.AddRequestFlags(fl, &opts.Request)
	cmdutil.AddProfileArg(cmd, f, "", &opts.Profile)
	return cmd
}

// RunKubeconfig describes the cluster and updates the kubeconfig.
func RunKubeconfig(ctx context.Context, opts *KubeconfigOptions) error {
	if opts.Cluster == "" {
		return cmdutil.Usagef("--cluster NAME is required: the EKS cluster's name")
	}
	path, err := kubeconfigPath(opts)
	if err != nil {
		return err
	}
	if err := k8s.CheckKubeconfig(path); err != nil {
		return kubeconfigError(err)
	}
	profile, err := opts.SelectProfile(ctx, opts.Profile)
	if err != nil {
		return err
	}
	req := opts.Request
	req.Profile = profile
	res, err := opts.Creds(ctx, req)
	if err != nil {
		return err
	}
	region := res.Region
	if region == "" {
		region = DefaultRegion
	}
	if opts.Clusters == nil {
		return errors.New("no EKS client is built into this binary")
	}
	client, err := opts.Clusters(ctx, credentials.StaticCredentialsProvider{Value: res.Credentials}, profile, region)
	if err != nil {
		return err
	}
	out, err := client.DescribeCluster(ctx, &awseks.DescribeClusterInput{Name: aws.String(opts.Cluster)})
	if err != nil {
		return describeError(err, opts.Cluster, region, profile)
	}
	c := out.Cluster
	if c == nil || aws.ToString(c.Endpoint) == "" || aws.ToString(c.Arn) == "" {
		status := ""
		if c != nil {
			status = " (status " + string(c.Status) + ")"
		}
		return cmdutil.WithHint(fmt.Errorf("cluster %s in %s has no API server endpoint yet%s", opts.Cluster, region, status),
			"wait until the cluster is ACTIVE, then run this again")
	}
	arn := aws.ToString(c.Arn)
	name := opts.Alias
	if name == "" {
		name = arn
	}
	args := []string{"eks", "token", "--cluster", opts.Cluster}
	if opts.Request.Region != "" {
		args = append(args, "--region", opts.Request.Region)
	}
	args = append(args, profile)
	var ca string
	if c.CertificateAuthority != nil {
		ca = aws.ToString(c.CertificateAuthority.Data)
	}
	tightened, err := k8s.UpdateKubeconfig(path, k8s.Entry{
		ClusterName:              arn,
		Server:                   aws.ToString(c.Endpoint),
		CertificateAuthorityData: ca,
		UserName:                 name,
		ContextName:              name,
		Command:                  "sesame",
		Args:                     args,
	})
	if err != nil {
		return kubeconfigError(err)
	}
	if tightened {
		opts.IO.Warnf("%s was readable by others: its mode is now 0600", path)
	}
	opts.IO.Warnf("context %s in %s: cluster %s, credentials from sesame profile %s; it is the current context", name, path, arn, profile)
	return nil
}

// kubeconfigError gives an error of the kubeconfig its next step.
func kubeconfigError(err error) error {
	if _, ok := errors.AsType[*k8s.ParseError](err); ok {
		return cmdutil.WithHint(err, "nothing was changed: fix the file, or point KUBECONFIG at another file")
	}
	return cmdutil.WithHint(err, "check the file and its folder's permissions, or point KUBECONFIG at another file")
}

// kubeconfigPath is the first file of $KUBECONFIG, else ~/.kube/config.
func kubeconfigPath(opts *KubeconfigOptions) (string, error) {
	for _, p := range filepath.SplitList(opts.Getenv("KUBECONFIG")) {
		if strings.TrimSpace(p) != "" {
			return p, nil
		}
	}
	home, err := opts.HomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".kube", "config"), nil
}

// describeError says what went wrong with DescribeCluster and what to do.
func describeError(err error, cluster, region, profile string) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	if _, ok := errors.AsType[*ekstypes.ResourceNotFoundException](err); ok {
		return cmdutil.WithHint(fmt.Errorf("no EKS cluster %s in %s (profile %s's account)", cluster, region, profile),
			fmt.Sprintf("check the name (aws eks list-clusters --region %s), or pass --region for the cluster's region", region))
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		return cmdutil.WithHint(fmt.Errorf("DescribeCluster %s in %s failed: %s: %s", cluster, region, api.ErrorCode(), api.ErrorMessage()),
			fmt.Sprintf("check that profile %s may call eks:DescribeCluster; run again with --debug for details", profile))
	}
	return cmdutil.WithHint(fmt.Errorf("DescribeCluster %s in %s: %w", cluster, region, err),
		"check the network and the EKS endpoint (AWS_ENDPOINT_URL_EKS, AWS_ENDPOINT_URL), then try again")
}
