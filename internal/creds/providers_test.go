package creds

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/sesamehq/sesame/internal/store"
)

// TestProvidersStandAlone builds each provider by itself, with nothing but
// its own dependencies (no Builder, no config), and checks the STS call it
// makes and the credentials it gives.
func TestProvidersStandAlone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st := store.New(store.NewMemory(), filepath.Join(dir, "locks"))
	ctx := context.Background()
	if err := st.SetKeys(ctx, store.KeyPair{Profile: "base", AccessKeyID: "AKIABASE", SecretAccessKey: "s"}); err != nil {
		t.Fatal(err)
	}
	open := func(context.Context) (Store, error) { return st, nil }
	token := filepath.Join(dir, "token")
	if err := os.WriteFile(token, []byte(" jwt \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	static := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		return aws.Credentials{AccessKeyID: "AKIASTATIC", SecretAccessKey: "s"}, nil
	})
	mfa := func(_ context.Context, serial string) (string, error) { return "654321", nil }

	tests := []struct {
		name    string
		p       func(newSTS NewSTSFunc) aws.CredentialsProvider
		wantKey string // the access key ID given
		wantOp  string // the STS call made ("" for none)
	}{
		{"stored keys", func(NewSTSFunc) aws.CredentialsProvider {
			return &StoredKeys{Store: open, Profile: "base"}
		}, "AKIABASE", ""},
		{"environment keys", func(NewSTSFunc) aws.CredentialsProvider {
			env := map[string]string{"AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "s"}
			return &EnvKeys{LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }, Profile: "p"}
		}, "AKIAENV", ""},
		{"session token with MFA", func(n NewSTSFunc) aws.CredentialsProvider {
			return &SessionToken{NewSTS: n, MFA: mfa, Profile: "p", Source: static, Serial: "arn:aws:iam::111111111111:mfa/me", Duration: time.Hour, Region: "eu-west-1"}
		}, "ASIAGET001", "GetSessionToken key=AKIASTATIC region=eu-west-1 d=3600 code=654321"},
		{"assume role", func(n NewSTSFunc) aws.CredentialsProvider {
			in := sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/r"), RoleSessionName: aws.String("x"), DurationSeconds: aws.Int32(900)}
			return &AssumeRole{NewSTS: n, MFA: mfa, Profile: "p", Source: static, Input: in, Region: "us-east-1"}
		}, "ASIAASS001", "AssumeRole key=AKIASTATIC region=us-east-1 d=900 code="},
		{"web identity", func(n NewSTSFunc) aws.CredentialsProvider {
			in := sts.AssumeRoleWithWebIdentityInput{RoleArn: aws.String("arn:aws:iam::111111111111:role/w"), RoleSessionName: aws.String("x"), DurationSeconds: aws.Int32(900)}
			return &WebIdentity{NewSTS: n, ReadFile: os.ReadFile, Profile: "p", TokenFile: token, Input: in, Region: "us-east-1"}
		}, "ASIAASS001", "AssumeRoleWithWebIdentity key= region=us-east-1 d=900 code=jwt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := &fakeSTS{}
			newSTS := func(_ context.Context, c aws.CredentialsProvider, _, region string) (STSClient, error) {
				return fakeClient{f: f, creds: c, region: region}, nil
			}
			got, err := tt.p(newSTS).Retrieve(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if got.AccessKeyID != tt.wantKey {
				t.Errorf("key = %s, want %s", got.AccessKeyID, tt.wantKey)
			}
			var ops []string
			for _, c := range f.calls {
				ops = append(ops, strings.Join([]string{c.op, "key=" + c.key, "region=" + c.region, "d=" + strconv.Itoa(int(c.duration)), "code=" + c.code}, " "))
			}
			if got := strings.Join(ops, "; "); got != tt.wantOp {
				t.Errorf("STS calls = %q, want %q", got, tt.wantOp)
			}
		})
	}
}

// TestCachedStandAlone: Cached in front of any provider calls it once and
// then answers from the store until the session is near its end.
func TestCachedStandAlone(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	st := store.New(store.NewMemory(), filepath.Join(dir, "locks"))
	calls := 0
	inner := aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
		calls++
		return aws.Credentials{AccessKeyID: "ASIA" + strconv.Itoa(calls), SecretAccessKey: "s", SessionToken: "t", CanExpire: true, Expires: now.Add(time.Hour)}, nil
	})
	clock := now
	c := &Cached{Inner: inner, Profile: "p", ID: "step", Store: func(context.Context) (Store, error) { return st, nil },
		LockDir: filepath.Join(dir, "locks"), Now: func() time.Time { return clock }}
	for i, want := range []struct {
		at   time.Duration
		key  string
		call int
	}{{0, "ASIA1", 1}, {30 * time.Minute, "ASIA1", 1}, {46 * time.Minute, "ASIA2", 2}} {
		clock = now.Add(want.at)
		got, err := c.Retrieve(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if got.AccessKeyID != want.key || calls != want.call {
			t.Errorf("call %d at +%s: key %s after %d inner calls, want %s after %d", i, want.at, got.AccessKeyID, calls, want.key, want.call)
		}
	}
}

// TestStoredKeysFallsBackToFile: with nothing stored, the plain-text pair
// is used with a notice naming the file; with neither, the error says
// which command adds one.
func TestStoredKeysFallsBackToFile(t *testing.T) {
	t.Parallel()
	st := store.New(store.NewMemory(), t.TempDir())
	open := func(context.Context) (Store, error) { return st, nil }
	var notice string
	p := &StoredKeys{Store: open, Profile: "old", FileID: "AKIAFILE", FileSecret: "s", FilePath: "/home/me/.aws/credentials",
		Notice: func(format string, args ...any) { notice = strings.TrimSpace(fmt.Sprintf(format, args...)) }}
	got, err := p.Retrieve(context.Background())
	if err != nil || got.AccessKeyID != "AKIAFILE" {
		t.Fatalf("Retrieve = %v, %v", got.AccessKeyID, err)
	}
	if want := "profile old uses the plain-text key in /home/me/.aws/credentials; run: sesame migrate"; notice != want {
		t.Errorf("notice = %q, want %q", notice, want)
	}
	_, err = (&StoredKeys{Store: open, Profile: "none"}).Retrieve(context.Background())
	var ce *ChainError
	if !errors.As(err, &ce) || ce.Hint != "run: sesame add none" {
		t.Errorf("err = %v, want a ChainError with hint 'run: sesame add none'", err)
	}
}
