package creds

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/store"
)

// fakeSignIn hands out credentials for login sessions and records them.
type fakeSignIn struct {
	calls []string
	need  string
	err   error
}

func (f *fakeSignIn) Credentials(_ context.Context, profile, ls, region string) (aws.Credentials, error) {
	f.calls = append(f.calls, profile+"|"+ls+"|"+region)
	if f.err != nil {
		return aws.Credentials{}, f.err
	}
	return aws.Credentials{AccessKeyID: "ASIASIGNIN", SecretAccessKey: "s", SessionToken: "t", CanExpire: true, Expires: now.Add(15 * time.Minute)}, nil
}

func (f *fakeSignIn) Need(context.Context, string, string) (string, error) { return f.need, nil }

const loginConfig = `
[profile console]
login_session = arn:aws:sts::123456789012:assumed-role/Admin/alice
region = eu-west-1
[profile ops]
role_arn = arn:aws:iam::123456789012:role/ops
source_profile = console
[profile both]
login_session = arn:aws:iam::123456789012:user/bob
credential_process = echo never
`

func TestLoginSessionProfiles(t *testing.T) {
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config")
	if err := os.WriteFile(cfgPath, []byte(loginConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := awsconfig.Load(awsconfig.Paths{Config: cfgPath, Credentials: filepath.Join(dir, "credentials")})
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]awsconfig.Source{"console": awsconfig.SourceLogin, "both": awsconfig.SourceLogin, "ops": awsconfig.SourceRole} {
		if r, err := cfg.Resolve(name); err != nil || r.Source != want {
			t.Errorf("%s: source %v (%v), want %s", name, r.Source, err, want)
		}
	}
	fsts := &fakeSTS{}
	si := &fakeSignIn{}
	st := store.New(store.NewMemory(), filepath.Join(dir, "locks"))
	b := &Builder{
		Config: cfg, Store: func(context.Context) (Store, error) { return st, nil },
		NewSTS: func(ctx context.Context, creds aws.CredentialsProvider, profile, region string) (STSClient, error) {
			return fakeClient{f: fsts, creds: creds, region: region}, nil
		},
		LookupEnv: func(string) (string, bool) { return "", false },
		Now:       func() time.Time { return now },
		LockDir:   filepath.Join(dir, "locks"),
		SignIn:    si,
	}
	res, err := b.Get(t.Context(), Request{Profile: "console"})
	if err != nil || res.Credentials.AccessKeyID != "ASIASIGNIN" || res.Kind != KindSignin {
		t.Fatalf("console: %+v %v", res, err)
	}
	if len(si.calls) != 1 || si.calls[0] != "console|arn:aws:sts::123456789012:assumed-role/Admin/alice|eu-west-1" {
		t.Fatalf("calls %v", si.calls)
	}
	// login_session comes before credential_process, as in botocore.
	if _, err := b.Get(t.Context(), Request{Profile: "both"}); err != nil || si.calls[1] != "both|arn:aws:iam::123456789012:user/bob|" {
		t.Fatalf("both: %v %v", si.calls, err)
	}
	// A role chained from the session's credentials.
	res, err = b.Get(t.Context(), Request{Profile: "ops"})
	if err != nil || res.Kind != KindRoleChained {
		t.Fatalf("ops: %+v %v", res, err)
	}
	if len(fsts.calls) != 1 || fsts.calls[0].key != "ASIASIGNIN" || fsts.calls[0].duration != 3600 {
		t.Fatalf("sts calls %+v", fsts.calls)
	}
	// status's question: what a person must do.
	si.need = "a sign-in (sesame signin console)"
	if got, err := b.Need(t.Context(), Request{Profile: "console"}); err != nil || got != si.need {
		t.Fatalf("need %q %v", got, err)
	}
	// An error that says all is not presented as an STS failure.
	si.err = &sayAll{msg: "the AWS Sign-In session has expired (TOKEN_EXPIRED): run sesame signin console"}
	if _, err := st.ClearSessions(t.Context(), ""); err != nil {
		t.Fatal(err)
	}
	_, err = b.Get(t.Context(), Request{Profile: "ops"})
	if err == nil || !strings.Contains(err.Error(), "run sesame signin console") || strings.Contains(err.Error(), "AssumeRole") {
		t.Fatalf("ops after expiry: %v", err)
	}
	// Without a SignIn, the profile is refused with the command to run.
	b.SignIn = nil
	var ce *ChainError
	if _, err := b.Get(t.Context(), Request{Profile: "console"}); !errors.As(err, &ce) || ce.Hint != "run: sesame signin console" {
		t.Fatalf("no SignIn: %v", err)
	}
}

type sayAll struct{ msg string }

func (e *sayAll) Error() string    { return e.msg }
func (e *sayAll) NextStep() string { return "" }
func (e *sayAll) SaysAll() bool    { return true }
