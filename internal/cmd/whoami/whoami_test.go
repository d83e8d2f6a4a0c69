package whoami

import (
	"bytes"
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/sesamehq/sesame/internal/awssdk"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/creds"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// Keys moto accepts (with authentication off it accepts any).
const (
	motoKeyID  = "AKIAIOSFODNN7EXAMPLE"
	motoSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

type fakeIdentity struct {
	id       Identity
	err      error
	seen     []creds.Result
	profiles []string
}

func (f *fakeIdentity) CallerIdentity(_ context.Context, profile string, c creds.Result) (Identity, error) {
	f.seen = append(f.seen, c)
	f.profiles = append(f.profiles, profile)
	return f.id, f.err
}

// sdkSTS is the STS client whoami gets from the Factory in a real run:
// awssdk.STS, with endpoints[profile] as the profile's endpoint_url.
func sdkSTS(t *testing.T, endpoints map[string]string) STS {
	state := t.TempDir()
	return STS{New: func(ctx context.Context, c aws.CredentialsProvider, profile, region string) (*sts.Client, error) {
		return awssdk.STS(ctx, awssdk.ClientInput{StateDir: state, Region: region, Credentials: c, Endpoint: endpoints[profile]})
	}}
}

var alice = Identity{Account: "123456789012", ARN: "arn:aws:iam::123456789012:user/alice", UserID: "AIDAEXAMPLEALICE"}

func newOpts(t *testing.T, client IdentityClient, res creds.Result) (*Options, *bytes.Buffer, *bytes.Buffer, *[]creds.Request) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	var reqs []creds.Request
	return &Options{
		IO: ios,
		Creds: func(_ context.Context, req creds.Request) (creds.Result, error) {
			reqs = append(reqs, req)
			return res, nil
		},
		SelectProfile: func(_ context.Context, arg string) (string, error) {
			if arg == "" {
				return "dev", nil
			}
			return arg, nil
		},
		Identity: client,
	}, out, errOut, &reqs
}

var static = creds.Result{Credentials: aws.Credentials{AccessKeyID: motoKeyID, SecretAccessKey: motoSecret}}

func TestOutput(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		tty  bool
		json bool
		want string
	}{
		{name: "piped", want: "account\t123456789012\narn\tarn:aws:iam::123456789012:user/alice\nuser_id\tAIDAEXAMPLEALICE\n"},
		{name: "terminal", tty: true, want: "account  123456789012\narn      arn:aws:iam::123456789012:user/alice\nuser_id  AIDAEXAMPLEALICE\n"},
		{name: "json", json: true, want: "{\n  \"account\": \"123456789012\",\n  \"arn\": \"arn:aws:iam::123456789012:user/alice\",\n  \"user_id\": \"AIDAEXAMPLEALICE\"\n}\n"},
		{name: "json on a terminal", tty: true, json: true, want: "{\n  \"account\": \"123456789012\",\n  \"arn\": \"arn:aws:iam::123456789012:user/alice\",\n  \"user_id\": \"AIDAEXAMPLEALICE\"\n}\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			fake := &fakeIdentity{id: alice}
			opts, out, errOut, reqs := newOpts(t, fake, static)
			opts.IO.SetTTY(false, tt.tty, false)
			opts.JSON, opts.Profile = tt.json, "prod"
			if err := Run(context.Background(), opts); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("output:\n%s\nwant:\n%s", out, tt.want)
			}
			if errOut.Len() != 0 {
				t.Errorf("stderr = %q", errOut)
			}
			if len(*reqs) != 1 || (*reqs)[0] != (creds.Request{Profile: "prod"}) || len(fake.seen) != 1 || fake.seen[0].AccessKeyID != motoKeyID || fake.profiles[0] != "prod" {
				t.Errorf("requests %+v, seen %+v for %q", *reqs, fake.seen, fake.profiles)
			}
		})
	}
}

type apiError struct{ code, msg string }

func (e apiError) Error() string                 { return e.code + ": " + e.msg }
func (e apiError) ErrorCode() string             { return e.code }
func (e apiError) ErrorMessage() string          { return e.msg }
func (e apiError) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

func TestErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, want, hint string
		err              error
	}{
		{name: "refused", err: apiError{"InvalidClientTokenId", "The security token included in the request is invalid."},
			want: "GetCallerIdentity failed: InvalidClientTokenId: The security token included in the request is invalid.", hint: "run sesame clear dev"},
		{name: "expired", err: apiError{"ExpiredToken", "expired"}, want: "ExpiredToken", hint: "sesame add dev replaces it"},
		{name: "other API error", err: apiError{"Throttling", "slow down"}, want: "Throttling: slow down", hint: "--debug"},
		{name: "network", err: errors.New("dial tcp 127.0.0.1:1: connection refused"), want: "GetCallerIdentity: dial tcp", hint: "AWS_ENDPOINT_URL_STS"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts, out, _, _ := newOpts(t, &fakeIdentity{err: tt.err}, static)
			err := Run(context.Background(), opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) || cmdutil.ExitCode(err) != 1 {
				t.Fatalf("error = %v, want %q", err, tt.want)
			}
			if !strings.Contains(cmdutil.Hint(err), tt.hint) {
				t.Errorf("hint = %q, want %q", cmdutil.Hint(err), tt.hint)
			}
			if strings.Contains(err.Error()+cmdutil.Hint(err), motoSecret) || out.Len() != 0 {
				t.Error("a secret in the error, or output")
			}
		})
	}
	t.Run("credentials error", func(t *testing.T) {
		t.Parallel()
		fake := &fakeIdentity{}
		opts, _, _, _ := newOpts(t, fake, static)
		opts.Creds = func(context.Context, creds.Request) (creds.Result, error) {
			return creds.Result{}, cmdutil.WithHint(errors.New("sso token expired"), "run: sesame sso login")
		}
		err := Run(context.Background(), opts)
		if err == nil || cmdutil.Hint(err) != "run: sesame sso login" || len(fake.seen) != 0 {
			t.Errorf("error = %v, hint %q", err, cmdutil.Hint(err))
		}
	})
}

func TestFlags(t *testing.T) {
	t.Parallel()
	ios, _, _, _ := iostreams.Test()
	var built []string
	f := &cmdutil.Factory{IOStreams: ios, STS: func(_ context.Context, c aws.CredentialsProvider, profile, region string) (*sts.Client, error) {
		built = append(built, profile+" "+region)
		return nil, errors.New("no client in this test")
	}}
	var got *Options
	cmd := NewCmdWhoami(f, nil, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"prod", "--json"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Profile != "prod" || !got.JSON {
		t.Errorf("options = %+v", got)
	}
	if _, ok := got.Identity.(STS); !ok {
		t.Errorf("Identity = %T, want STS", got.Identity)
	}
	// The client comes from the Factory, built for the profile (whose
	// endpoint_url applies) in the default region.
	if _, err := got.Identity.CallerIdentity(t.Context(), "prod", static); err == nil || len(built) != 1 || built[0] != "prod "+DefaultRegion {
		t.Errorf("CallerIdentity: %v; Factory.STS calls %q, want [\"prod %s\"]", err, built, DefaultRegion)
	}
	cmd = NewCmdWhoami(f, nil, func(context.Context, *Options) error { return nil })
	cmd.SetArgs([]string{"a", "b"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.Execute(); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("two profiles: %v, want a usage error", err)
	}
}

// TestSTSAgainstMoto calls moto through the recording proxy with static
// keys, with an environment that would mislead a careless client: another
// profile in AWS_PROFILE and other keys in AWS_ACCESS_KEY_ID. Not
// parallel: it sets the process environment, which the SDK reads.
func TestSTSAgainstMoto(t *testing.T) {
	m := testenv.Moto(t)
	tmp := t.TempDir()
	testenv.Setenv(t, append(m.Env(),
		"TMPDIR="+tmp,
		"AWS_PROFILE=no-such-profile",
		"AWS_ACCESS_KEY_ID=AKIAFROMTHEENVIRONMENT",
		"AWS_SECRET_ACCESS_KEY=from-the-environment",
		"AWS_CONFIG_FILE=/nonexistent/config",
	))
	for _, res := range []creds.Result{
		static,
		{Credentials: aws.Credentials{AccessKeyID: "ASIAEXAMPLESESSION01", SecretAccessKey: motoSecret, SessionToken: "session-token",
			CanExpire: true, Expires: time.Now().Add(time.Hour)}, Region: "eu-west-1"},
	} {
		m.Proxy.Reset()
		opts, out, _, _ := newOpts(t, sdkSTS(t, nil), res)
		opts.JSON = true
		if err := Run(t.Context(), opts); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), `"account": "123456789012"`) || !strings.Contains(out.String(), `"arn": "arn:aws:sts::123456789012:user/moto"`) {
			t.Errorf("output = %s", out)
		}
		if n := m.Proxy.Count("sts", "GetCallerIdentity"); n != 1 {
			t.Errorf("%d GetCallerIdentity calls, want 1", n)
		}
		reqs := m.Proxy.Requests()
		if len(reqs) != 1 || reqs[0].AccessKeyID != res.AccessKeyID {
			t.Errorf("requests = %+v, want one signed with %s", reqs, res.AccessKeyID)
		}
	}
	if left, _ := os.ReadDir(tmp); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

// TestSTSProfileEndpoint: with no STS endpoint in the environment, the
// call goes to the profile's endpoint_url (here the recording proxy), and
// only for that profile. Not parallel: it sets the process environment.
func TestSTSProfileEndpoint(t *testing.T) {
	m := testenv.Moto(t)
	testenv.Setenv(t, append(m.Env(), "AWS_ENDPOINT_URL=", "AWS_ENDPOINT_URL_STS=", "AWS_ENDPOINT_URL_IAM=", "AWS_PROFILE=no-such-profile"))
	opts, out, _, _ := newOpts(t, sdkSTS(t, map[string]string{"dev": m.ProxyURL()}), static)
	opts.JSON = true
	if err := Run(t.Context(), opts); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"account": "123456789012"`) {
		t.Errorf("output = %s", out)
	}
	if n := m.Proxy.Count("sts", "GetCallerIdentity"); n != 1 {
		t.Errorf("%d GetCallerIdentity calls at the profile's endpoint_url, want 1", n)
	}
}

// TestSTSRefused turns on moto's authentication, so that unknown keys are
// refused, and checks the error and its hint.
func TestSTSRefused(t *testing.T) {
	m := testenv.Moto(t)
	testenv.Setenv(t, m.Env())
	m.ResetAuth()
	opts, _, _, _ := newOpts(t, sdkSTS(t, nil), creds.Result{Credentials: aws.Credentials{AccessKeyID: "AKIAUNKNOWNKEY000000", SecretAccessKey: "nope"}})
	err := Run(t.Context(), opts)
	if err == nil || !strings.Contains(err.Error(), "InvalidClientTokenId") || !strings.Contains(cmdutil.Hint(err), "sesame clear dev") {
		t.Errorf("error = %v, hint %q", err, cmdutil.Hint(err))
	}
	if n := m.Proxy.Count("sts", "GetCallerIdentity"); n != 1 {
		t.Errorf("%d GetCallerIdentity calls, want 1 (no retries of a refusal)", n)
	}
}
