package eks

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/sesamehq/sesame/internal/fakeaws"
)

const (
	testKey    = "ASIAEXAMPLESESSION01"
	testSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSESSIONKEY"
	testToken  = "FwoGZXIvYXdzEJr//////////wEaDExample+Session/Token=="
)

func presigner(region, endpoint string) *sts.PresignClient {
	opts := sts.Options{
		Region:      region,
		Credentials: credentials.NewStaticCredentialsProvider(testKey, testSecret, testToken),
	}
	if endpoint != "" {
		opts.BaseEndpoint = aws.String(endpoint)
	}
	return sts.NewPresignClient(sts.New(opts))
}

// TestTokenURL: the token is the prefix and the unpadded base64url of a
// GET of STS GetCallerIdentity at the region's endpoint (or the endpoint
// given), presigned for 60 s with host and x-k8s-aws-id signed, as the
// AWS CLI's (checked against `aws eks get-token` 2.9: the same query
// parameters, in the same order).
func TestTokenURL(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ region, endpoint, wantHost, wantScheme string }{
		{"eu-west-1", "", "sts.eu-west-1.amazonaws.com", "https"},
		{"us-east-1", "", "sts.us-east-1.amazonaws.com", "https"},
		{"us-east-1", "http://127.0.0.1:4566", "127.0.0.1:4566", "http"},
	} {
		tok, err := Token(t.Context(), presigner(tt.region, tt.endpoint), "prod-cluster")
		if err != nil {
			t.Fatal(err)
		}
		rest, ok := strings.CutPrefix(tok, "k8s-aws-v1.")
		if !ok || strings.ContainsAny(rest, "=+/") {
			t.Fatalf("token %q: want k8s-aws-v1. and unpadded base64url", tok)
		}
		u, err := DecodeToken(tok)
		if err != nil {
			t.Fatal(err)
		}
		if u.Scheme != tt.wantScheme || u.Host != tt.wantHost || (u.Path != "/" && u.Path != "") {
			t.Errorf("%s: URL %s, want %s://%s/", tt.region, u, tt.wantScheme, tt.wantHost)
		}
		q := u.Query()
		for k, want := range map[string]string{
			"Action": "GetCallerIdentity", "Version": "2011-06-15", "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
			"X-Amz-Expires": "60", "X-Amz-SignedHeaders": "host;x-k8s-aws-id", "X-Amz-Security-Token": testToken,
		} {
			if got := q.Get(k); got != want {
				t.Errorf("%s: %s = %q, want %q", tt.region, k, got, want)
			}
		}
		if cred := q.Get("X-Amz-Credential"); !strings.HasPrefix(cred, testKey+"/") || !strings.HasSuffix(cred, "/"+tt.region+"/sts/aws4_request") {
			t.Errorf("X-Amz-Credential = %q", cred)
		}
		if strings.Contains(u.String(), testSecret) {
			t.Error("the URL holds the secret key")
		}
	}
}

// TestTokenSignature checks the signature with fakeaws's SigV4 computation
// (not the SDK's): it holds for the cluster's name in
// x-k8s-aws-id and fails for any other name, so the authenticator's
// request for another cluster would be refused by STS.
func TestTokenSignature(t *testing.T) {
	t.Parallel()
	tok, err := Token(t.Context(), presigner("eu-west-1", ""), "prod-cluster")
	if err != nil {
		t.Fatal(err)
	}
	u, err := DecodeToken(tok)
	if err != nil {
		t.Fatal(err)
	}
	if !fakeaws.VerifyPresigned(u, testSecret, map[string]string{"host": u.Host, "x-k8s-aws-id": "prod-cluster"}) {
		t.Errorf("the signature does not verify for x-k8s-aws-id: prod-cluster (%s)", u)
	}
	if fakeaws.VerifyPresigned(u, testSecret, map[string]string{"host": u.Host, "x-k8s-aws-id": "other-cluster"}) {
		t.Error("the signature also verifies for another cluster: x-k8s-aws-id is not signed")
	}
}

func TestTokenNeedsCluster(t *testing.T) {
	t.Parallel()
	if _, err := Token(t.Context(), presigner("eu-west-1", ""), ""); err == nil {
		t.Error("a token without a cluster name")
	}
}

func TestDecodeTokenRefuses(t *testing.T) {
	t.Parallel()
	for _, tok := range []string{"", "k8s-aws-v2.aGVsbG8", "k8s-aws-v1.!!!"} {
		if _, err := DecodeToken(tok); err == nil {
			t.Errorf("DecodeToken(%q) = nil error", tok)
		}
	}
}

// TestAPIVersion: the choices `aws eks get-token` makes for
// KUBERNETES_EXEC_INFO (awscli/customizations/eks/get_token.py).
func TestAPIVersion(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		info, want string
		warns      bool
	}{
		{"", APIVersionV1beta1, false},
		{`{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}`, APIVersionV1, false},
		{`{"apiVersion":"client.authentication.k8s.io/v1beta1"}`, APIVersionV1beta1, false},
		{`{"apiVersion":"client.authentication.k8s.io/v1alpha1"}`, APIVersionV1alpha1, true},
		{`{"apiVersion":"client.authentication.k8s.io/v2"}`, APIVersionV1beta1, true},
		{`{}`, APIVersionV1beta1, true},
		{`not json`, APIVersionV1beta1, true},
	} {
		got, warning := APIVersion(tt.info)
		if got != tt.want || (warning != "") != tt.warns {
			t.Errorf("APIVersion(%q) = %q, %q; want %q, warning %v", tt.info, got, warning, tt.want, tt.warns)
		}
	}
}

// TestExecCredentialJSON: the document has exactly the AWS CLI's fields,
// and expires 14 minutes later, RFC 3339 in UTC, whole seconds.
func TestExecCredentialJSON(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 5, 23, 59, 30, 500, time.FixedZone("X", 3600))
	b, err := json.Marshal(NewExecCredential(APIVersionV1, "k8s-aws-v1.abc", Expiry(now, time.Time{})))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{},"status":{"expirationTimestamp":"2026-12-05T23:13:30Z","token":"k8s-aws-v1.abc"}}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	soon := now.Add(5 * time.Minute)
	if got := Expiry(now, soon); !got.Equal(soon) {
		t.Errorf("credentials expiring in 5 min: Expiry = %v, want %v", got, soon)
	}
	if got := Expiry(now, now.Add(time.Hour)); !got.Equal(now.Add(14 * time.Minute)) {
		t.Errorf("credentials expiring in 1 h: Expiry = %v, want 14 min", got)
	}
}
