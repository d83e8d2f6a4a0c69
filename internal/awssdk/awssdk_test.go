package awssdk

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// fakeAWS answers STS GetCallerIdentity and IAM GetUser on loopback and
// records the Authorization header of each request.
type fakeAWS struct {
	*httptest.Server
	mu    sync.Mutex
	auths []string
}

func newFakeAWS(t *testing.T) *fakeAWS {
	t.Helper()
	f := &fakeAWS{}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if name, ok := strings.CutPrefix(r.URL.Path, "/clusters/"); ok && r.Method == http.MethodGet {
			f.mu.Lock()
			f.auths = append(f.auths, r.Header.Get("Authorization"))
			f.mu.Unlock()
			w.Header().Set("Content-Type", "application/json")
			_, _ = fmt.Fprintf(w, `{"cluster":{"name":%q,"arn":"arn:aws:eks:eu-west-3:123456789012:cluster/%s","endpoint":"https://example.eks"}}`, name, name)
			return
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f.mu.Lock()
		f.auths = append(f.auths, r.Header.Get("Authorization"))
		f.mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		switch r.Form.Get("Action") {
		case "GetCallerIdentity":
			_, _ = w.Write([]byte(`<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><GetCallerIdentityResult><Arn>arn:aws:iam::123456789012:user/alice</Arn><UserId>AIDAALICE</UserId><Account>123456789012</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetCallerIdentityResponse>`))
		case "GetUser":
			_, _ = w.Write([]byte(`<GetUserResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetUserResult><User><UserId>AIDAALICE</UserId><Path>/</Path><UserName>alice</UserName><Arn>arn:aws:iam::123456789012:user/alice</Arn><CreateDate>2020-01-01T00:00:00Z</CreateDate></User></GetUserResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetUserResponse>`))
		default:
			http.Error(w, "unexpected action", http.StatusBadRequest)
		}
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *fakeAWS) requests() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.auths...)
}

// cleanEnv empties the environment the SDK would read endpoints, profiles
// and keys from, and sets AWS_PROFILE to a profile no file has (Load must
// not look for it). Not parallel: it sets the process environment.
func cleanEnv(t *testing.T) {
	t.Setenv("AWS_PROFILE", "no-such-profile")
	t.Setenv("AWS_CONFIG_FILE", "/nonexistent/config")
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFROMTHEENVIRONMENT")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "from-the-environment")
	for _, k := range []string{"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_EKS", "AWS_CA_BUNDLE"} {
		t.Setenv(k, "")
	}
}

// loopbackOnly is an HTTP client that refuses anything but 127.0.0.1, so
// that a client that ignores the endpoint fails instead of calling AWS.
type loopbackOnly struct{}

func (loopbackOnly) Do(r *http.Request) (*http.Response, error) {
	if r.URL.Hostname() != "127.0.0.1" {
		return nil, fmt.Errorf("refused a request to %s", r.URL.Host)
	}
	return http.DefaultClient.Do(r)
}

var keys = credentials.NewStaticCredentialsProvider("AKIAEXAMPLEKEY000001", "secret", "")

// TestSTSProfileEndpoint: with no STS endpoint in the environment, the
// client calls the profile's endpoint_url, signed with the given keys in the
// given region.
func TestSTSProfileEndpoint(t *testing.T) {
	cleanEnv(t)
	profile := newFakeAWS(t)
	c, err := STS(t.Context(), ClientInput{StateDir: t.TempDir(), Region: "eu-west-3", Credentials: keys, Endpoint: profile.URL},
		func(o *sts.Options) { o.HTTPClient = loopbackOnly{} })
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(out.Account) != "123456789012" {
		t.Errorf("account = %q", aws.ToString(out.Account))
	}
	reqs := profile.requests()
	if len(reqs) != 1 || !strings.Contains(reqs[0], "Credential=AKIAEXAMPLEKEY000001/") || !strings.Contains(reqs[0], "/eu-west-3/sts/") {
		t.Errorf("requests at the profile's endpoint = %q, want one signed with the given key in eu-west-3", reqs)
	}
}

// TestEnvironmentEndpointWins: AWS_ENDPOINT_URL_STS (then AWS_ENDPOINT_URL)
// wins over the profile's endpoint_url, and AWS_ENDPOINT_URL_IAM for IAM.
func TestEnvironmentEndpointWins(t *testing.T) {
	for _, v := range []string{"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"} {
		t.Run(v, func(t *testing.T) {
			cleanEnv(t)
			profile, env := newFakeAWS(t), newFakeAWS(t)
			t.Setenv(v, env.URL)
			c, err := STS(t.Context(), ClientInput{StateDir: t.TempDir(), Region: "us-east-1", Credentials: keys, Endpoint: profile.URL})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err != nil {
				t.Fatal(err)
			}
			if p, e := len(profile.requests()), len(env.requests()); p != 0 || e != 1 {
				t.Errorf("%d requests at the profile's endpoint, %d at %s's; want 0 and 1", p, e, v)
			}
		})
	}
	t.Run("IAM", func(t *testing.T) {
		cleanEnv(t)
		profile, env := newFakeAWS(t), newFakeAWS(t)
		in := ClientInput{StateDir: t.TempDir(), Region: "us-east-1", Credentials: keys, Endpoint: profile.URL}
		call := func() {
			t.Helper()
			c, err := IAM(t.Context(), in)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := c.GetUser(t.Context(), &iam.GetUserInput{}); err != nil {
				t.Fatal(err)
			}
		}
		call()
		t.Setenv("AWS_ENDPOINT_URL_IAM", env.URL)
		call()
		if p, e := len(profile.requests()), len(env.requests()); p != 1 || e != 1 {
			t.Errorf("%d requests at the profile's endpoint, %d at AWS_ENDPOINT_URL_IAM's; want 1 and 1", p, e)
		}
	})
}

// TestLookupEnv: the environment check uses the given LookupEnv.
func TestLookupEnv(t *testing.T) {
	in := ClientInput{Endpoint: "http://127.0.0.1:1", LookupEnv: func(k string) (string, bool) {
		return "http://127.0.0.1:2", k == "AWS_ENDPOINT_URL_STS"
	}}
	if got := in.endpoint("STS"); got != "" {
		t.Errorf("endpoint(STS) = %q, want \"\" (the environment sets one)", got)
	}
	if got := in.endpoint("IAM"); got != "http://127.0.0.1:1" {
		t.Errorf("endpoint(IAM) = %q, want the profile's", got)
	}
}

// TestEKSEndpoints: the EKS client calls the profile's endpoint_url, signed
// for eks in the given region, until AWS_ENDPOINT_URL_EKS names another.
func TestEKSEndpoints(t *testing.T) {
	cleanEnv(t)
	profile, env := newFakeAWS(t), newFakeAWS(t)
	in := ClientInput{StateDir: t.TempDir(), Region: "eu-west-3", Credentials: keys, Endpoint: profile.URL}
	call := func() {
		t.Helper()
		c, err := EKS(t.Context(), in, func(o *eks.Options) { o.HTTPClient = loopbackOnly{} })
		if err != nil {
			t.Fatal(err)
		}
		out, err := c.DescribeCluster(t.Context(), &eks.DescribeClusterInput{Name: aws.String("demo")})
		if err != nil {
			t.Fatal(err)
		}
		if got := aws.ToString(out.Cluster.Arn); got != "arn:aws:eks:eu-west-3:123456789012:cluster/demo" {
			t.Errorf("arn = %q", got)
		}
	}
	call()
	t.Setenv("AWS_ENDPOINT_URL_EKS", env.URL)
	call()
	p, e := profile.requests(), env.requests()
	if len(p) != 1 || len(e) != 1 {
		t.Fatalf("%d requests at the profile's endpoint, %d at AWS_ENDPOINT_URL_EKS's; want 1 and 1", len(p), len(e))
	}
	if !strings.Contains(p[0], "Credential=AKIAEXAMPLEKEY000001/") || !strings.Contains(p[0], "/eu-west-3/eks/") {
		t.Errorf("request = %q, want one signed with the given key for eks in eu-west-3", p[0])
	}
}

// TestSTSPresignerMatchesSTS: the presign client built without
// LoadDefaultConfig presigns the same URL (scheme, host, path, query
// parameters but the signature and time) as one on the STS client of
// [STS], for each way the environment and the profile name an endpoint.
func TestSTSPresignerMatchesSTS(t *testing.T) {
	session := credentials.NewStaticCredentialsProvider("ASIAEXAMPLESESSION01", "secret", "token")
	for _, tt := range []struct {
		name, region, profileEndpoint string
		env                           map[string]string
		wantHost                      string
	}{
		{"default", "eu-west-1", "", nil, "sts.eu-west-1.amazonaws.com"},
		{"us-east-1", "us-east-1", "", nil, "sts.us-east-1.amazonaws.com"},
		{"profile endpoint", "us-east-1", "http://127.0.0.1:4001", nil, "127.0.0.1:4001"},
		{"service env wins", "us-east-1", "http://127.0.0.1:4001", map[string]string{"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:4002", "AWS_ENDPOINT_URL": "http://127.0.0.1:4003"}, "127.0.0.1:4002"},
		{"global env", "us-east-1", "", map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4003"}, "127.0.0.1:4003"},
		{"ignored env", "eu-west-1", "", map[string]string{"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:4002", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, "sts.eu-west-1.amazonaws.com"},
		{"fips", "us-east-1", "", map[string]string{"AWS_USE_FIPS_ENDPOINT": "true"}, "sts-fips.us-east-1.amazonaws.com"},
		{"dual-stack", "eu-west-1", "", map[string]string{"AWS_USE_DUALSTACK_ENDPOINT": "true"}, "sts.eu-west-1.api.aws"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cleanEnv(t)
			for _, k := range []string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_USE_FIPS_ENDPOINT", "AWS_USE_DUALSTACK_ENDPOINT"} {
				t.Setenv(k, "")
			}
			for k, v := range tt.env {
				t.Setenv(k, v)
			}
			in := ClientInput{StateDir: t.TempDir(), Region: tt.region, Credentials: session, Endpoint: tt.profileEndpoint}
			client, err := STS(t.Context(), in)
			if err != nil {
				t.Fatal(err)
			}
			var urls []*url.URL
			for _, p := range []*sts.PresignClient{sts.NewPresignClient(client), STSPresigner(in)} {
				req, err := p.PresignGetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
				if err != nil {
					t.Fatal(err)
				}
				u, err := url.Parse(req.URL)
				if err != nil {
					t.Fatal(err)
				}
				q := u.Query()
				q.Del("X-Amz-Signature")
				q.Del("X-Amz-Date")
				q.Set("X-Amz-Credential", strings.Join(strings.Split(q.Get("X-Amz-Credential"), "/")[2:], "/"))
				u.RawQuery = q.Encode()
				urls = append(urls, u)
			}
			if urls[0].String() != urls[1].String() {
				t.Errorf("STSPresigner: %s\nSTS:          %s", urls[1], urls[0])
			}
			if urls[1].Host != tt.wantHost {
				t.Errorf("host %s, want %s", urls[1].Host, tt.wantHost)
			}
		})
	}
}
