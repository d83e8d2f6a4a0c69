package eks

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseks "github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/creds"
	k8s "github.com/sesamehq/sesame/internal/eks"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/mfa"
)

var now = time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)

var session = creds.Result{
	Credentials: aws.Credentials{
		AccessKeyID:     "ASIAEXAMPLESESSION01",
		SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSESSIONKEY",
		SessionToken:    "FwoGZXIvYXdzEJr//////////wEaDExampleSessionToken",
		CanExpire:       true,
		Expires:         now.Add(time.Hour),
	},
	Region: "eu-west-1",
}

// presigner is the real STS presigner of the SDK, without an endpoint:
// presigning calls nothing.
func presigner(regions *[]string) func(ctx context.Context, c aws.CredentialsProvider, profile, region string) (k8s.Presigner, error) {
	return func(_ context.Context, c aws.CredentialsProvider, _, region string) (k8s.Presigner, error) {
		*regions = append(*regions, region)
		return sts.NewPresignClient(sts.New(sts.Options{Region: region, Credentials: c})), nil
	}
}

func tokenOpts(t *testing.T, res creds.Result, err error, env map[string]string) (*TokenOptions, *bytes.Buffer, *bytes.Buffer, *[]string) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	var regions []string
	return &TokenOptions{
		IO: ios,
		Creds: func(_ context.Context, req creds.Request) (creds.Result, error) {
			if req.Profile != "work" {
				t.Errorf("credentials asked for profile %q", req.Profile)
			}
			return res, err
		},
		SelectProfile: func(_ context.Context, arg string) (string, error) { return arg, nil },
		Presigner:     presigner(&regions),
		Getenv:        func(k string) string { return env[k] },
		Now:           func() time.Time { return now },
		Profile:       "work",
		Cluster:       "prod",
	}, out, errOut, &regions
}

// TestToken: one ExecCredential line whose token is presigned in the
// profile's region for the cluster, in the apiVersion kubectl asks for,
// expiring 14 minutes ahead, or sooner with the credentials.
func TestToken(t *testing.T) {
	t.Parallel()
	expiring := session
	expiring.Expires = now.Add(5 * time.Minute)
	for _, tt := range []struct {
		name, execInfo, wantVersion, wantExpiry, warning string
		res                                              creds.Result
	}{
		{"default", "", k8s.APIVersionV1beta1, "2026-12-05T12:14:00Z", "", session},
		{"v1", `{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"interactive":false}}`, k8s.APIVersionV1, "2026-12-05T12:14:00Z", "", session},
		{"unknown", `{"apiVersion":"client.authentication.k8s.io/v9"}`, k8s.APIVersionV1beta1, "2026-12-05T12:14:00Z", "unknown apiVersion", session},
		{"expiring credentials", "", k8s.APIVersionV1beta1, "2026-12-05T12:05:00Z", "", expiring},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts, out, errOut, regions := tokenOpts(t, tt.res, nil, map[string]string{"KUBERNETES_EXEC_INFO": tt.execInfo})
			if err := RunToken(t.Context(), opts); err != nil {
				t.Fatal(err)
			}
			if strings.Count(out.String(), "\n") != 1 {
				t.Errorf("output is not one line: %q", out)
			}
			var doc k8s.ExecCredential
			if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			if doc.Kind != "ExecCredential" || doc.APIVersion != tt.wantVersion || doc.Status.ExpirationTimestamp != tt.wantExpiry {
				t.Errorf("document %+v, want %s expiring %s", doc, tt.wantVersion, tt.wantExpiry)
			}
			u, err := k8s.DecodeToken(doc.Status.Token)
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			if u.Host != "sts.eu-west-1.amazonaws.com" || q.Get("X-Amz-SignedHeaders") != "host;x-k8s-aws-id" ||
				!strings.HasPrefix(q.Get("X-Amz-Credential"), session.AccessKeyID+"/") {
				t.Errorf("token URL %s", u)
			}
			if len(*regions) != 1 || (*regions)[0] != "eu-west-1" {
				t.Errorf("presigned in %v", *regions)
			}
			if (tt.warning == "") != (errOut.Len() == 0) || !strings.Contains(errOut.String(), tt.warning) {
				t.Errorf("stderr %q, want a warning containing %q", errOut, tt.warning)
			}
		})
	}
}

// TestTokenRegion: --region (applied by the chain to the result) or, with
// none at all, us-east-1.
func TestTokenRegion(t *testing.T) {
	t.Parallel()
	noRegion := session
	noRegion.Region = ""
	opts, out, _, regions := tokenOpts(t, noRegion, nil, nil)
	if err := RunToken(t.Context(), opts); err != nil {
		t.Fatal(err)
	}
	if len(*regions) != 1 || (*regions)[0] != "us-east-1" || !strings.Contains(out.String(), `"token":"k8s-aws-v1.`) {
		t.Errorf("regions %v, output %s", *regions, out)
	}
}

// TestTokenRefusals: no cluster is a usage error; a terminal on stdout is
// refused without --force; nothing is asked of the chain in either case.
func TestTokenRefusals(t *testing.T) {
	t.Parallel()
	opts, out, _, _ := tokenOpts(t, session, nil, nil)
	called := false
	opts.Creds = func(context.Context, creds.Request) (creds.Result, error) { called = true; return session, nil }
	opts.Cluster = ""
	var ue *cmdutil.UsageError
	if err := RunToken(t.Context(), opts); !errors.As(err, &ue) || !strings.Contains(err.Error(), "--cluster") {
		t.Errorf("no cluster: %v", err)
	}
	opts.Cluster = "prod"
	opts.IO.SetTTY(false, true, true)
	err := RunToken(t.Context(), opts)
	if err == nil || !strings.Contains(err.Error(), "terminal") || !strings.Contains(cmdutil.Hint(err), "--force") {
		t.Errorf("terminal: %v (hint %q)", err, cmdutil.Hint(err))
	}
	if called || out.Len() != 0 {
		t.Errorf("the chain was called (%v) or something printed: %q", called, out)
	}
	opts.Force = true
	if err := RunToken(t.Context(), opts); err != nil || !strings.Contains(out.String(), "ExecCredential") {
		t.Errorf("--force: %v, %q", err, out)
	}
}

// TestTokenNeedsMFA: kubectl has no terminal: an MFA failure says which
// command to run in one first; other errors pass through unchanged.
func TestTokenNeedsMFA(t *testing.T) {
	t.Parallel()
	mfaErr := &mfa.Error{Err: errors.New("an MFA code is needed for arn:aws:iam::123456789012:mfa/alice and there is no terminal to ask on"), Hint: "pass --mfa-token CODE"}
	opts, out, _, _ := tokenOpts(t, creds.Result{}, errors.Join(errors.New("GetSessionToken"), mfaErr), nil)
	err := RunToken(t.Context(), opts)
	if err == nil || !strings.Contains(err.Error(), "no terminal to ask on") {
		t.Fatalf("err = %v", err)
	}
	if h := cmdutil.Hint(err); !strings.Contains(h, "sesame eks token --cluster prod work > /dev/null") {
		t.Errorf("hint %q does not name the command to run first", h)
	}
	if out.Len() != 0 {
		t.Errorf("output %q", out)
	}
	other := cmdutil.WithHint(errors.New("no keys stored"), "run: sesame add work")
	opts, _, _, _ = tokenOpts(t, creds.Result{}, other, nil)
	if err := RunToken(t.Context(), opts); !errors.Is(err, other) {
		t.Errorf("err = %v, want the chain's", err)
	}
}

type fakeClusters struct {
	out   *awseks.DescribeClusterOutput
	err   error
	calls []string
}

func (f *fakeClusters) DescribeCluster(_ context.Context, in *awseks.DescribeClusterInput, _ ...func(*awseks.Options)) (*awseks.DescribeClusterOutput, error) {
	f.calls = append(f.calls, aws.ToString(in.Name))
	return f.out, f.err
}

func kubeconfigOpts(t *testing.T, fc *fakeClusters, env map[string]string) (*KubeconfigOptions, *bytes.Buffer, *[]string, string) {
	t.Helper()
	ios, _, _, errOut := iostreams.Test()
	home := t.TempDir()
	var regions []string
	return &KubeconfigOptions{
		IO:            ios,
		Creds:         func(context.Context, creds.Request) (creds.Result, error) { return session, nil },
		SelectProfile: func(_ context.Context, arg string) (string, error) { return arg, nil },
		Clusters: func(_ context.Context, _ aws.CredentialsProvider, _, region string) (ClusterDescriber, error) {
			regions = append(regions, region)
			return fc, nil
		},
		Getenv:  func(k string) string { return env[k] },
		HomeDir: func() (string, error) { return home, nil },
		Profile: "work",
		Cluster: "prod",
	}, errOut, &regions, home
}

var prodCluster = &awseks.DescribeClusterOutput{Cluster: &ekstypes.Cluster{
	Name:                 aws.String("prod"),
	Arn:                  aws.String("arn:aws:eks:eu-west-1:123456789012:cluster/prod"),
	Endpoint:             aws.String("https://ABC.gr7.eu-west-1.eks.amazonaws.com"),
	CertificateAuthority: &ekstypes.Certificate{Data: aws.String("LS0tLS1CRUdJTg==")},
	Status:               ekstypes.ClusterStatusActive,
}}

// TestKubeconfig: ~/.kube/config gets the cluster from DescribeCluster and
// a user running sesame with the profile named; with --region, the token
// is asked for in that region too. KUBECONFIG's first file wins.
func TestKubeconfig(t *testing.T) {
	t.Parallel()
	fc := &fakeClusters{out: prodCluster}
	opts, errOut, regions, home := kubeconfigOpts(t, fc, nil)
	opts.Alias = "prod"
	if err := RunKubeconfig(t.Context(), opts); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(home, ".kube", "config"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"server: https://ABC.gr7.eu-west-1.eks.amazonaws.com", "certificate-authority-data: LS0tLS1CRUdJTg==",
		"command: sesame", "- --cluster\n", "- prod\n", "- work\n", "current-context: prod", "name: arn:aws:eks:eu-west-1:123456789012:cluster/prod"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("kubeconfig lacks %q:\n%s", want, b)
		}
	}
	if strings.Contains(string(b), "--region") {
		t.Errorf("--region in the user without --region:\n%s", b)
	}
	if len(fc.calls) != 1 || fc.calls[0] != "prod" || (*regions)[0] != "eu-west-1" {
		t.Errorf("DescribeCluster calls %v in %v", fc.calls, *regions)
	}
	if !strings.Contains(errOut.String(), "context prod") {
		t.Errorf("stderr %q", errOut)
	}

	other := filepath.Join(t.TempDir(), "kube.yaml")
	opts, _, _, _ = kubeconfigOpts(t, fc, map[string]string{"KUBECONFIG": string(os.PathListSeparator) + other + string(os.PathListSeparator) + "/elsewhere"})
	opts.Request.Region = "eu-west-1"
	if err := RunKubeconfig(t.Context(), opts); err != nil {
		t.Fatal(err)
	}
	b, err = os.ReadFile(other)
	if err != nil || !strings.Contains(string(b), "- --region\n") || !strings.Contains(string(b), "current-context: arn:aws:eks:eu-west-1:123456789012:cluster/prod") {
		t.Errorf("KUBECONFIG file: %v\n%s", err, b)
	}
}

// TestKubeconfigUnknownCluster: EKS's ResourceNotFound is said with the
// cluster and the region, and the kubeconfig is not created.
func TestKubeconfigUnknownCluster(t *testing.T) {
	t.Parallel()
	fc := &fakeClusters{err: &ekstypes.ResourceNotFoundException{Message: aws.String("No cluster found for name: nope.")}}
	opts, _, _, home := kubeconfigOpts(t, fc, nil)
	opts.Cluster = "nope"
	err := RunKubeconfig(t.Context(), opts)
	if err == nil || !strings.Contains(err.Error(), "no EKS cluster nope in eu-west-1") || !strings.Contains(cmdutil.Hint(err), "--region") {
		t.Fatalf("err = %v (hint %q)", err, cmdutil.Hint(err))
	}
	if _, err := os.Stat(filepath.Join(home, ".kube")); !os.IsNotExist(err) {
		t.Errorf("~/.kube exists after a failure: %v", err)
	}
}

// TestKubeconfigUnparsable: a kubeconfig that does not parse is refused
// before AWS is asked anything, and left as it was.
func TestKubeconfigUnparsable(t *testing.T) {
	t.Parallel()
	fc := &fakeClusters{out: prodCluster}
	path := filepath.Join(t.TempDir(), "config")
	bad := "apiVersion: v1\nclusters: [unclosed\n"
	if err := os.WriteFile(path, []byte(bad), 0o600); err != nil {
		t.Fatal(err)
	}
	opts, _, _, _ := kubeconfigOpts(t, fc, map[string]string{"KUBECONFIG": path})
	err := RunKubeconfig(t.Context(), opts)
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(cmdutil.Hint(err), "nothing was changed") {
		t.Fatalf("err = %v (hint %q)", err, cmdutil.Hint(err))
	}
	if len(fc.calls) != 0 {
		t.Errorf("DescribeCluster was called: %v", fc.calls)
	}
	if b, _ := os.ReadFile(path); string(b) != bad {
		t.Errorf("the file changed: %q", b)
	}
}
