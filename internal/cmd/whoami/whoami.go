// Package whoami implements `sesame whoami`: STS GetCallerIdentity with a
// profile's credentials, printing the account, ARN and user id.
package whoami

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/creds"
	"github.com/sesamehq/sesame/internal/iostreams"
)

// DefaultRegion is the region STS is called in when the profile names none.
const DefaultRegion = "us-east-1"

// Identity is who the credentials belong to, as `sesame whoami --json`
// prints it.
type Identity struct {
	Account string `json:"account"`
	ARN     string `json:"arn"`
	UserID  string `json:"user_id"`
}

// IdentityClient asks AWS who credentials belong to.
type IdentityClient interface {
	// CallerIdentity calls STS GetCallerIdentity with c, the credentials
	// of profile, in c's region (DefaultRegion when it has none).
	CallerIdentity(ctx context.Context, profile string, c creds.Result) (Identity, error)
}

// Options are the inputs of `sesame whoami`.
type Options struct {
	IO *iostreams.IOStreams
	// Creds gets the credentials.
	Creds creds.Getter
	// SelectProfile picks the profile from the argument (cli.md's order).
	SelectProfile func(ctx context.Context, arg string) (string, error)
	// Identity makes the call.
	Identity IdentityClient

	// Profile is the argument ("" when none).
	Profile string
	JSON    bool
}

// NewCmdWhoami builds the command on getter, the credential chain; runF replaces
// the run function in tests.
func NewCmdWhoami(f *cmdutil.Factory, getter creds.Getter, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{
		Creds:         getter,
		IO:            f.IOStreams,
		SelectProfile: func(ctx context.Context, arg string) (string, error) { return cmdutil.SelectProfile(ctx, f, arg) },
		Identity: STS{New: func(ctx context.Context, c aws.CredentialsProvider, profile, region string) (*sts.Client, error) {
			if f.STS == nil {
				return nil, errors.New("no STS client is built into this binary")
			}
			return f.STS(ctx, c, profile, region)
		}},
	}
	cmd := &cobra.Command{
		Use:   "whoami [PROFILE]",
		Short: "Show the account, ARN and user id of a profile's credentials",
		Long: `Call STS GetCallerIdentity with PROFILE's credentials and print who they
belong to: account, arn and user_id.

On a terminal the output is a small table. When piped it is one "KEY<tab>value"
line for each of account, arn and user_id. With --json it is an object with the
keys account, arn and user_id.

STS is called in the profile's region (us-east-1 when it has none), at the
profile's endpoint_url unless AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL is
set; AWS_CA_BUNDLE is honoured.`,
		Example: `  sesame whoami work
  sesame whoami --json | jq -r .account`,
		Args: cmdutil.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print a JSON object")
	cmdutil.AddProfileArg(cmd, f, "", &opts.Profile)
	return cmd
}

// Run asks STS and prints the identity.
func Run(ctx context.Context, opts *Options) error {
	profile, err := opts.SelectProfile(ctx, opts.Profile)
	if err != nil {
		return err
	}
	res, err := opts.Creds(ctx, creds.Request{Profile: profile})
	if err != nil {
		return err
	}
	id, err := opts.Identity.CallerIdentity(ctx, profile, res)
	if err != nil {
		return identityError(err, profile)
	}
	switch {
	case opts.JSON:
		enc := json.NewEncoder(opts.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(id)
	case opts.IO.IsStdoutTTY():
		var buf bytes.Buffer
		w := tabwriter.NewWriter(&buf, 0, 0, 2, ' ', 0)
		for _, row := range rows(id) {
			fmt.Fprintf(w, "%s\t%s\n", opts.IO.Bold(row[0]), row[1])
		}
		if err := w.Flush(); err != nil {
			return err
		}
		_, err := opts.IO.Out.Write(buf.Bytes())
		return err
	default:
		var b bytes.Buffer
		for _, row := range rows(id) {
			fmt.Fprintf(&b, "%s\t%s\n", row[0], row[1])
		}
		_, err := opts.IO.Out.Write(b.Bytes())
		return err
	}
}

func rows(id Identity) [][2]string {
	return [][2]string{{"account", id.Account}, {"arn", id.ARN}, {"user_id", id.UserID}}
}

// identityError says what went wrong with the call and what to do next.
func identityError(err error, profile string) error {
	if cmdutil.Hint(err) != "" || errors.Is(err, context.Canceled) {
		return err
	}
	var api smithy.APIError
	if !errors.As(err, &api) {
		return cmdutil.WithHint(fmt.Errorf("GetCallerIdentity: %w", err),
			"check the network and the STS endpoint (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL), then try again")
	}
	msg := fmt.Errorf("GetCallerIdentity failed: %s: %s", api.ErrorCode(), api.ErrorMessage())
	switch api.ErrorCode() {
	case "ExpiredToken", "InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException":
		return cmdutil.WithHint(msg, fmt.Sprintf("AWS refused the credentials of profile %s: run sesame clear %s and try again; if it persists, check the stored key (sesame add %s replaces it)", profile, profile, profile))
	}
	return cmdutil.WithHint(msg, "run again with --debug for details")
}

// STS is the IdentityClient of the AWS SDK for Go v2 (awssdk.STS through
// the Factory): AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, the profile's
// endpoint_url, AWS_CA_BUNDLE and the SDK's retries apply; no shared config
// or credentials file is read and AWS_PROFILE is ignored, as the credentials
// are given. It is safe for concurrent use.
type STS struct {
	// New builds the client for profile, signing with c in region.
	New func(ctx context.Context, c aws.CredentialsProvider, profile, region string) (*sts.Client, error)
}

var _ IdentityClient = STS{}

// CallerIdentity implements IdentityClient.
func (s STS) CallerIdentity(ctx context.Context, profile string, c creds.Result) (Identity, error) {
	region := c.Region
	if region == "" {
		region = DefaultRegion
	}
	client, err := s.New(ctx, credentials.StaticCredentialsProvider{Value: c.Credentials}, profile, region)
	if err != nil {
		return Identity{}, err
	}
	out, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return Identity{}, err
	}
	return Identity{Account: aws.ToString(out.Account), ARN: aws.ToString(out.Arn), UserID: aws.ToString(out.UserId)}, nil
}
