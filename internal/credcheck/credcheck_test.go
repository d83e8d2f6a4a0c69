package credcheck

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/creds"
	"github.com/sesamehq/sesame/internal/mfa"
	"github.com/sesamehq/sesame/internal/store"
)

var session = creds.Result{
	Credentials: aws.Credentials{
		AccessKeyID:     "ASIAEXAMPLESESSION01",
		SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSESSIONKEY",
		SessionToken:    "FwoGZXIvYXdzEJr//////////wEaDExampleSessionToken+abc/def==",
		CanExpire:       true,
		Expires:         time.Date(2026, 11, 21, 11, 0, 0, 0, time.UTC),
	},
	Region: "eu-west-1",
}

// fakeGetter returns res and records the requests.
type fakeGetter struct {
	res  creds.Result
	err  error
	reqs []creds.Request
}

func (g *fakeGetter) get(_ context.Context, req creds.Request) (creds.Result, error) {
	g.reqs = append(g.reqs, req)
	return g.res, g.err
}

// TestRegionAndRequest: the request reaches the chain unchanged, and
// --region is the region of the result.
func TestRegionAndRequest(t *testing.T) {
	t.Parallel()
	g := &fakeGetter{res: session}
	req := creds.Request{Profile: "dev", Duration: time.Hour, Region: "ap-south-1", MFAToken: "123456"}
	res, err := Checked(g.get)(context.Background(), req)
	if err != nil {
		t.Fatal(err)
	}
	if len(g.reqs) != 1 || g.reqs[0] != req {
		t.Errorf("requests = %+v, want %+v", g.reqs, req)
	}
	if res.Region != "ap-south-1" || res.AccessKeyID != session.AccessKeyID {
		t.Errorf("result = %+v", res)
	}
	if res, _ := Checked(g.get)(context.Background(), creds.Request{Profile: "dev"}); res.Region != "eu-west-1" {
		t.Errorf("without --region the region is %q, want the chain's", res.Region)
	}
}

func TestGetErrors(t *testing.T) {
	t.Parallel()
	secret := "wJalrXUtnFEMI/K7MDENG"
	bad := func(mod func(*creds.Result)) creds.Result {
		r := session
		mod(&r)
		return r
	}
	for _, tt := range []struct {
		name     string
		getter   creds.Getter
		req      creds.Request
		want     string
		wantHint string
		exit     int
	}{
		{name: "no getter", want: "no credential chain", exit: 1},
		{name: "negative duration", getter: (&fakeGetter{res: session}).get, req: creds.Request{Duration: -time.Minute}, want: "--duration must be positive", exit: 2},
		{name: "mfa error hint", getter: (&fakeGetter{err: fmt.Errorf("assume role: %w", &mfa.Error{Err: errors.New("no terminal"), Hint: "pass --mfa-token CODE"})}).get,
			want: "assume role: no terminal", wantHint: "pass --mfa-token CODE", exit: 1},
		{name: "hint kept", getter: (&fakeGetter{err: cmdutil.WithHint(errors.New("sso expired"), "run: sesame sso login")}).get,
			want: "sso expired", wantHint: "run: sesame sso login", exit: 1},
		{name: "store error hint", getter: (&fakeGetter{err: fmt.Errorf("read keys: %w", store.ErrLocked)}).get,
			want: "read keys", wantHint: "unlock your keyring", exit: 1},
		{name: "generic hint", getter: (&fakeGetter{err: errors.New("boom")}).get, req: creds.Request{Profile: "dev"},
			want: "boom", wantHint: "check how profile dev gets credentials: sesame list", exit: 1},
		{name: "empty key", getter: (&fakeGetter{res: bad(func(r *creds.Result) { r.AccessKeyID = "" })}).get,
			want: "empty or malformed access key id", wantHint: "sesame list", exit: 1},
		{name: "newline in secret", getter: (&fakeGetter{res: bad(func(r *creds.Result) { r.SecretAccessKey = secret + "\nX=1" })}).get,
			want: "malformed secret access key", exit: 1},
		{name: "space in token", getter: (&fakeGetter{res: bad(func(r *creds.Result) { r.SessionToken = "a b" })}).get,
			want: "malformed session token", exit: 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := Checked(tt.getter)(context.Background(), tt.req)
			if err == nil || !strings.Contains(err.Error(), tt.want) || cmdutil.ExitCode(err) != tt.exit {
				t.Fatalf("error = %v (exit %d), want %q (exit %d)", err, cmdutil.ExitCode(err), tt.want, tt.exit)
			}
			if !strings.Contains(cmdutil.Hint(err), tt.wantHint) {
				t.Errorf("hint = %q, want %q", cmdutil.Hint(err), tt.wantHint)
			}
			if strings.Contains(err.Error()+cmdutil.Hint(err), secret) {
				t.Error("a secret is in the error")
			}
		})
	}
}
