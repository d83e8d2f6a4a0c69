package creds

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	ststypes "github.com/aws/aws-sdk-go-v2/service/sts/types"
	"github.com/aws/smithy-go"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/store"
)

var now = time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)

// call is one STS request the fake saw.
type call struct {
	op       string
	key      string // access key id it was signed with
	region   string // the region of the client
	role     string
	duration int32
	serial   string
	code     string
	extID    string
	tags     string
}

// fakeSTS answers every call with fresh credentials and records it. Like
// STS, it needs a region, and it refuses a role chained from a role's
// credentials for more than an hour.
type fakeSTS struct {
	mu    sync.Mutex
	calls []call
	err   error
	n     int
	// hold, when set, makes every call wait until it is closed; each
	// call first sends on held, when set.
	hold chan struct{}
	held chan struct{}
}

func (f *fakeSTS) record(ctx context.Context, c call, creds aws.CredentialsProvider, d int32) (*ststypes.Credentials, error) {
	if creds != nil {
		got, err := creds.Retrieve(ctx)
		if err != nil {
			return nil, err
		}
		c.key = got.AccessKeyID
	}
	if c.region == "" {
		// What the SDK says for a client without a region.
		return nil, errors.New("operation error STS: " + c.op + ", failed to resolve service endpoint, an AWS region is required, but was not found")
	}
	// The fake's role credentials are ASIAASS...: AssumeRole signed with
	// them is role chaining, limited to one hour.
	if c.op == "AssumeRole" && strings.HasPrefix(c.key, "ASIAASS") && d > 3600 {
		return nil, &fakeAPIError{code: "ValidationError", msg: "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."}
	}
	if f.held != nil {
		f.held <- struct{}{}
	}
	if f.hold != nil {
		<-f.hold
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, c)
	if f.err != nil {
		return nil, f.err
	}
	f.n++
	return &ststypes.Credentials{AccessKeyId: aws.String(fmt.Sprintf("ASIA%s%03d", strings.ToUpper(c.op[:3]), f.n)), SecretAccessKey: aws.String("secret"),
		SessionToken: aws.String("token"), Expiration: aws.Time(now.Add(time.Duration(d) * time.Second))}, nil
}

type fakeClient struct {
	f      *fakeSTS
	creds  aws.CredentialsProvider
	region string
}

func (c fakeClient) GetSessionToken(ctx context.Context, in *sts.GetSessionTokenInput, _ ...func(*sts.Options)) (*sts.GetSessionTokenOutput, error) {
	cr, err := c.f.record(ctx, call{op: "GetSessionToken", region: c.region, duration: aws.ToInt32(in.DurationSeconds), serial: aws.ToString(in.SerialNumber), code: aws.ToString(in.TokenCode)}, c.creds, aws.ToInt32(in.DurationSeconds))
	if err != nil {
		return nil, err
	}
	return &sts.GetSessionTokenOutput{Credentials: cr}, nil
}

func (c fakeClient) AssumeRole(ctx context.Context, in *sts.AssumeRoleInput, _ ...func(*sts.Options)) (*sts.AssumeRoleOutput, error) {
	var tags []string
	for _, t := range in.Tags {
		tags = append(tags, aws.ToString(t.Key)+"="+aws.ToString(t.Value))
	}
	cr, err := c.f.record(ctx, call{op: "AssumeRole", region: c.region, role: aws.ToString(in.RoleArn), duration: aws.ToInt32(in.DurationSeconds), serial: aws.ToString(in.SerialNumber),
		code: aws.ToString(in.TokenCode), extID: aws.ToString(in.ExternalId), tags: strings.Join(tags, ",")}, c.creds, aws.ToInt32(in.DurationSeconds))
	if err != nil {
		return nil, err
	}
	return &sts.AssumeRoleOutput{Credentials: cr}, nil
}

func (c fakeClient) AssumeRoleWithWebIdentity(ctx context.Context, in *sts.AssumeRoleWithWebIdentityInput, _ ...func(*sts.Options)) (*sts.AssumeRoleWithWebIdentityOutput, error) {
	cr, err := c.f.record(ctx, call{op: "AssumeRoleWithWebIdentity", region: c.region, role: aws.ToString(in.RoleArn), duration: aws.ToInt32(in.DurationSeconds), code: aws.ToString(in.WebIdentityToken)}, nil, aws.ToInt32(in.DurationSeconds))
	if err != nil {
		return nil, err
	}
	return &sts.AssumeRoleWithWebIdentityOutput{Credentials: cr}, nil
}

type harness struct {
	b       *Builder
	sts     *fakeSTS
	mem     *store.Memory
	mfa     []string // serials asked for
	notices []string
	mu      sync.Mutex
}

const testConfig = `
[profile base]
region = eu-west-1
[profile mfabase]
mfa_serial = arn:aws:iam::111111111111:mfa/me
[profile admin]
role_arn = arn:aws:iam::111111111111:role/admin
source_profile = base
external_id = ext-123
session_tags = team=blue, env = prod
transitive_session_tags = team
[profile mfarole]
role_arn = arn:aws:iam::111111111111:role/secure
source_profile = base
mfa_serial = arn:aws:iam::111111111111:mfa/me
[profile mfarole2]
role_arn = arn:aws:iam::111111111111:role/secure2
source_profile = base
mfa_serial = arn:aws:iam::111111111111:mfa/me
[profile chained]
role_arn = arn:aws:iam::222222222222:role/next
source_profile = admin
[profile deep]
role_arn = arn:aws:iam::333333333333:role/deep
source_profile = chained
[profile badarn]
role_arn = not-an-arn
source_profile = base
[profile baddur]
role_arn = arn:aws:iam::111111111111:role/x
source_profile = base
duration_seconds = 60
[profile long]
role_arn = arn:aws:iam::111111111111:role/long
source_profile = base
duration_seconds = 14400
[profile nokeys]
[profile fromenv]
role_arn = arn:aws:iam::111111111111:role/env
credential_source = Environment
[profile web]
role_arn = arn:aws:iam::111111111111:role/web
web_identity_token_file = TOKENFILE
[profile sso]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Dev
[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
`

func newHarness(t *testing.T) *harness {
	t.Helper()
	dir := t.TempDir()
	token := filepath.Join(dir, "token")
	if err := os.WriteFile(token, []byte("jwt-token\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfgPath := filepath.Join(dir, "config")
	if err := os.WriteFile(cfgPath, []byte(strings.ReplaceAll(testConfig, "TOKENFILE", token)), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := awsconfig.Load(awsconfig.Paths{Config: cfgPath, Credentials: filepath.Join(dir, "credentials")})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{sts: &fakeSTS{}, mem: store.NewMemory()}
	st := store.New(h.mem, filepath.Join(dir, "locks"))
	for _, p := range []string{"base", "mfabase"} {
		if err := st.SetKeys(context.Background(), store.KeyPair{Profile: p, AccessKeyID: "AKIA" + strings.ToUpper(p), SecretAccessKey: "s"}); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"USER": "alice", "AWS_ACCESS_KEY_ID": "AKIAFROMENV", "AWS_SECRET_ACCESS_KEY": "envsecret"}
	h.b = &Builder{
		Config: cfg, Store: func(context.Context) (Store, error) { return st, nil },
		NewSTS: func(ctx context.Context, creds aws.CredentialsProvider, profile, region string) (STSClient, error) {
			return fakeClient{f: h.sts, creds: creds, region: region}, nil
		},
		MFA: func(ctx context.Context, serial string) (string, error) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.mfa = append(h.mfa, serial)
			return "123456", nil
		},
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		ReadFile:  os.ReadFile,
		Now:       func() time.Time { return now },
		LockDir:   filepath.Join(dir, "locks"),
		Notice: func(format string, args ...any) {
			h.mu.Lock()
			defer h.mu.Unlock()
			h.notices = append(h.notices, fmt.Sprintf(format, args...))
		},
	}
	return h
}

func (h *harness) ops() string {
	var out []string
	for _, c := range h.sts.calls {
		s := fmt.Sprintf("%s key=%s d=%d", c.op, c.key, c.duration)
		if c.role != "" {
			s += " role=" + c.role[strings.LastIndex(c.role, "/")+1:]
		}
		if c.serial != "" {
			s += " mfa=" + c.code
		}
		out = append(out, s)
	}
	return strings.Join(out, "; ")
}

func TestChains(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		req     Request
		want    string // the STS calls, in order
		notice  string
		longKey bool // the result is the long-term key
	}{
		{name: "keys get a session token", req: Request{Profile: "base"}, want: "GetSessionToken key=AKIABASE d=3600"},
		{name: "keys with MFA", req: Request{Profile: "mfabase", Duration: 8 * time.Hour}, want: "GetSessionToken key=AKIAMFABASE d=28800 mfa=123456"},
		{name: "no-session gives the long-term key", req: Request{Profile: "base", NoSession: true}, want: "", longKey: true},
		{name: "single role without MFA is assumed from the keys", req: Request{Profile: "admin"}, want: "AssumeRole key=AKIABASE d=3600 role=admin"},
		{name: "single role for 4h is assumed from the keys", req: Request{Profile: "admin", Duration: 4 * time.Hour}, want: "AssumeRole key=AKIABASE d=14400 role=admin"},
		{name: "duration_seconds of a single role", req: Request{Profile: "long"}, want: "AssumeRole key=AKIABASE d=14400 role=long"},
		{name: "MFA role within an hour goes through one MFA session", req: Request{Profile: "mfarole"},
			want: "GetSessionToken key=AKIABASE d=3600 mfa=123456; AssumeRole key=ASIAGET001 d=3600 role=secure"},
		{name: "MFA role for 4h is assumed from the keys with MFA", req: Request{Profile: "mfarole", Duration: 4 * time.Hour},
			want: "AssumeRole key=AKIABASE d=14400 role=secure mfa=123456"},
		{name: "MFA role with --no-session", req: Request{Profile: "mfarole", NoSession: true},
			want: "AssumeRole key=AKIABASE d=3600 role=secure mfa=123456"},
		{name: "a chain assumes each hop with the one before", req: Request{Profile: "deep"},
			want: "AssumeRole key=AKIABASE d=3600 role=admin; AssumeRole key=ASIAASS001 d=3600 role=next; AssumeRole key=ASIAASS002 d=3600 role=deep"},
		{name: "a chain is clamped to 1h with a notice", req: Request{Profile: "chained", Duration: 3 * time.Hour},
			want: "AssumeRole key=AKIABASE d=3600 role=admin; AssumeRole key=ASIAASS001 d=3600 role=next", notice: "at most 1h"},
		{name: "credential_source Environment", req: Request{Profile: "fromenv"}, want: "AssumeRole key=AKIAFROMENV d=3600 role=env"},
		{name: "web identity", req: Request{Profile: "web"}, want: "AssumeRoleWithWebIdentity key= d=3600 role=web"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			res, err := h.b.Get(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if got := h.ops(); got != tt.want {
				t.Errorf("STS calls:\n got %s\nwant %s", got, tt.want)
			}
			if tt.longKey != (res.AccessKeyID == "AKIABASE") || tt.longKey == res.CanExpire {
				t.Errorf("result key %s (expires %v), long-term wanted: %v", res.AccessKeyID, res.CanExpire, tt.longKey)
			}
			if tt.notice != "" && !strings.Contains(strings.Join(h.notices, "\n"), tt.notice) {
				t.Errorf("notices %q lack %q", h.notices, tt.notice)
			}
			// A second request is served from the cache: no new call.
			before := len(h.sts.calls)
			res2, err := h.b.Get(context.Background(), tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if len(h.sts.calls) != before || res2.AccessKeyID != res.AccessKeyID {
				t.Errorf("second request made %d more calls (key %s, then %s)", len(h.sts.calls)-before, res.AccessKeyID, res2.AccessKeyID)
			}
		})
	}
}

// TestSTSRegion: STS is called in the profile's region, --region's when
// given, else us-east-1, at every hop of a chain.
func TestSTSRegion(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		req  Request
		want string
	}{
		{Request{Profile: "base"}, "eu-west-1"},
		{Request{Profile: "admin"}, "us-east-1"},
		{Request{Profile: "deep"}, "us-east-1"},
		{Request{Profile: "deep", Region: "ap-south-1"}, "ap-south-1"},
		{Request{Profile: "web", Region: "ca-central-1"}, "ca-central-1"},
	} {
		h := newHarness(t)
		if _, err := h.b.Get(context.Background(), tt.req); err != nil {
			t.Fatalf("%+v: %v", tt.req, err)
		}
		if len(h.sts.calls) == 0 {
			t.Fatalf("%+v: no STS call", tt.req)
		}
		for _, c := range h.sts.calls {
			if c.region != tt.want {
				t.Errorf("%+v: %s in %q, want %q", tt.req, c.op, c.region, tt.want)
			}
		}
	}
}

// TestFakeSTSRefusesLongChainedRole checks the fake itself: a role
// assumed with a role's credentials for more than an hour is refused, as
// STS does, so the clamping tested in TestChains is needed.
func TestFakeSTSRefusesLongChainedRole(t *testing.T) {
	t.Parallel()
	f := &fakeSTS{}
	role := fakeClient{f: f, creds: credentials("AKIAKEYS"), region: "us-east-1"}
	out, err := role.AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/a"), DurationSeconds: aws.Int32(7200)})
	if err != nil {
		t.Fatalf("AssumeRole from keys for 2h: %v", err)
	}
	chained := fakeClient{f: f, region: "us-east-1", creds: credentials(aws.ToString(out.Credentials.AccessKeyId))}
	_, err = chained.AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/b"), DurationSeconds: aws.Int32(3601)})
	var apiErr smithy.APIError
	if !errors.As(err, &apiErr) || apiErr.ErrorCode() != "ValidationError" {
		t.Fatalf("chained AssumeRole for 3601s = %v, want a ValidationError", err)
	}
	if _, err := chained.AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/b"), DurationSeconds: aws.Int32(3600)}); err != nil {
		t.Fatalf("chained AssumeRole for 1h: %v", err)
	}
	noRegion := fakeClient{f: f, creds: role.creds}
	if _, err := noRegion.GetSessionToken(context.Background(), &sts.GetSessionTokenInput{}); err == nil {
		t.Fatal("a call without a region succeeded")
	}
}

// credentials is a provider of the access key id; the fake reads only that.
func credentials(id string) aws.CredentialsProvider {
	return aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: id, SecretAccessKey: "s"}, nil
	})
}

func TestRoleParametersSent(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if _, err := h.b.Get(context.Background(), Request{Profile: "admin"}); err != nil {
		t.Fatal(err)
	}
	c := h.sts.calls[0]
	if c.extID != "ext-123" || c.tags != "team=blue,env=prod" {
		t.Errorf("AssumeRole sent external id %q, tags %q", c.extID, c.tags)
	}
}

func TestOneMFASessionServesTwoRoles(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, p := range []string{"mfarole", "mfarole2"} {
		if _, err := h.b.Get(context.Background(), Request{Profile: p}); err != nil {
			t.Fatal(err)
		}
	}
	if len(h.mfa) != 1 {
		t.Errorf("asked for MFA %d times, want once", len(h.mfa))
	}
	if got := h.ops(); !strings.HasPrefix(got, "GetSessionToken") || strings.Count(got, "GetSessionToken") != 1 {
		t.Errorf("calls: %s", got)
	}
}

func TestParallelColdRequestsMakeOneCall(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	// The first STS call is held until all 20 requests are inside Get, so
	// that they overlap; then 2 calls and 1 prompt in all prove they were
	// coalesced.
	h.sts.hold, h.sts.held = make(chan struct{}), make(chan struct{}, 100)
	var wg sync.WaitGroup
	keys := make([]string, 20)
	errs := make([]error, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			res, err := h.b.Get(context.Background(), Request{Profile: "mfarole"})
			keys[i], errs[i] = res.AccessKeyID, err
		}()
	}
	<-h.sts.held
	deadline := time.Now().Add(10 * time.Second)
	for inGet() < 20 {
		if time.Now().After(deadline) {
			close(h.sts.hold)
			t.Fatalf("only %d of 20 requests are in Builder.Get while the first STS call runs", inGet())
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(h.sts.hold)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		if keys[i] != keys[0] {
			t.Errorf("request %d got %s, request 0 got %s", i, keys[i], keys[0])
		}
	}
	if len(h.sts.calls) != 2 || len(h.mfa) != 1 {
		t.Errorf("20 parallel requests made %d STS calls (%s) and %d MFA prompts; want 2 and 1", len(h.sts.calls), h.ops(), len(h.mfa))
	}
}

// inGet counts the goroutines of TestParallelColdRequestsMakeOneCall
// inside Builder.Get, from their stacks.
func inGet() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for g := range strings.SplitSeq(string(buf), "\n\n") {
		if strings.Contains(g, "creds.(*Builder).Get(") && strings.Contains(g, "created by github.com/sesamehq/sesame/internal/creds.TestParallelColdRequestsMakeOneCall") {
			n++
		}
	}
	return n
}

func TestExpiringSessionIsRefreshed(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if _, err := h.b.Get(context.Background(), Request{Profile: "base", Duration: 20 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	h.b.Now = func() time.Time { return now.Add(6 * time.Minute) } // 14 minutes left
	if _, err := h.b.Get(context.Background(), Request{Profile: "base", Duration: 20 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	if len(h.sts.calls) != 2 {
		t.Errorf("a session with 14 minutes left was reused: %s", h.ops())
	}
}

func TestErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		req     Request
		setup   func(h *harness)
		want    string
		hint    string
		noCalls bool
	}{
		{name: "no stored key", req: Request{Profile: "nokeys"}, want: "no key pair is stored for profile nokeys", hint: "sesame add nokeys"},
		{name: "bad role_arn", req: Request{Profile: "badarn"}, want: `role_arn "not-an-arn" is not a role ARN`},
		{name: "bad duration_seconds", req: Request{Profile: "baddur"}, want: "duration_seconds = \"60\""},
		{name: "duration out of range", req: Request{Profile: "admin", Duration: time.Minute}, want: "--duration 1m0s is out of range"},
		{name: "role longer than 12h", req: Request{Profile: "admin", Duration: 13 * time.Hour}, want: "longer than STS allows"},
		{name: "sso not yet", req: Request{Profile: "sso"}, want: "IAM Identity Center", hint: "sesame sso login"},
		{name: "missing profile", req: Request{Profile: "nope"}, want: `profile "nope" does not exist`},
		{name: "locked store is an error, not a miss", req: Request{Profile: "base"}, setup: func(h *harness) { h.mem.Err = store.ErrLocked }, want: "locked", noCalls: true},
		{name: "STS refusal names the profile", req: Request{Profile: "admin"}, setup: func(h *harness) {
			h.sts.err = fmt.Errorf("wrapped: %w", &fakeAPIError{code: "AccessDenied", msg: "not authorized"})
		}, want: "profile admin: AssumeRole arn:aws:iam::111111111111:role/admin failed: AccessDenied: not authorized", hint: "trust policy"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			if tt.setup != nil {
				tt.setup(h)
			}
			_, err := h.b.Get(context.Background(), tt.req)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
			var ce *ChainError
			if tt.hint != "" && (!errors.As(err, &ce) || !strings.Contains(ce.Hint, tt.hint)) {
				t.Errorf("hint of %v does not contain %q", err, tt.hint)
			}
			if tt.noCalls && len(h.sts.calls) != 0 {
				t.Errorf("made STS calls despite the error: %s", h.ops())
			}
		})
	}
}

type fakeAPIError struct{ code, msg string }

func (e *fakeAPIError) Error() string        { return e.code + ": " + e.msg }
func (e *fakeAPIError) ErrorCode() string    { return e.code }
func (e *fakeAPIError) ErrorMessage() string { return e.msg }
func (e *fakeAPIError) ErrorFault() smithy.ErrorFault {
	return 0
}

func TestKinds(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		req  Request
		want Kind
		ops  string
	}{
		{Request{Profile: "base"}, KindSessionToken, "GetSessionToken"},
		{Request{Profile: "base", NoSession: true}, KindLongTerm, ""},
		{Request{Profile: "admin"}, KindRole, "AssumeRole"},
		{Request{Profile: "mfarole"}, KindRoleChained, "GetSessionToken; AssumeRole"},
		{Request{Profile: "mfarole", DirectRole: true}, KindRole, "AssumeRole"},
		{Request{Profile: "chained"}, KindRoleChained, "AssumeRole; AssumeRole"},
		{Request{Profile: "web"}, KindRole, "AssumeRoleWithWebIdentity"},
	} {
		h := newHarness(t)
		res, err := h.b.Get(context.Background(), tt.req)
		if err != nil {
			t.Fatal(err)
		}
		var ops []string
		for _, c := range h.sts.calls {
			ops = append(ops, c.op)
		}
		if res.Kind != tt.want || strings.Join(ops, "; ") != tt.ops {
			t.Errorf("%+v: kind %s after %q, want %s after %q", tt.req, res.Kind, ops, tt.want, tt.ops)
		}
	}
}
