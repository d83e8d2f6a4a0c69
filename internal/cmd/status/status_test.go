package status

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/sso"
	"github.com/sesamehq/sesame/internal/store"
)

// TestTable: on a terminal, a table soonest first with time left (expired
// ones say so), and for a profile that needs a person its need and exit
// status 3; no secret anywhere.
func TestTable(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)
	ctx := context.Background()
	st := store.New(store.NewMemory(), filepath.Join(t.TempDir(), "locks"))
	for _, s := range []store.Session{
		{Profile: "admin", ID: "role(keys(base)|arn:aws:iam::1:role/admin|d=3600)", SecretAccessKey: "s3cr3t", Expiration: now.Add(2 * time.Hour)},
		{Profile: "base", ID: "gst(keys(base)|mfa=|d=3600)", SecretAccessKey: "s3cr3t", Expiration: now.Add(42 * time.Minute)},
		{Profile: "old", ID: "role(gst(keys(x)|mfa=m|d=3600)|arn:aws:iam::1:role/o|d=3600)", SecretAccessKey: "s3cr3t", Expiration: now.Add(-5 * time.Minute)},
	} {
		if err := st.SetSession(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := awsconfig.Build(awsconfig.Paths{}, mustParse(t, "[profile base]\n[profile mfa]\nmfa_serial = arn:aws:iam::1:mfa/me\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	ios, _, out, _ := iostreams.Test()
	ios.SetTTY(false, true, true)
	o := &Options{IO: ios, Config: func() (*awsconfig.Config, error) { return cfg, nil },
		Store:         func(context.Context) (*store.Store, error) { return st, nil },
		SSO:           func() (*sso.Client, error) { t.Fatal("no sso-session: the client is not needed"); return nil, nil },
		SelectProfile: func(_ context.Context, arg string) (string, error) { return arg, nil },
		Need:          func(context.Context, string) (string, error) { return "an MFA code for arn:aws:iam::1:mfa/me", nil },
		Now:           func() time.Time { return now }, Profile: "mfa"}
	err = Run(ctx, o)
	if cmdutil.ExitCode(err) != ExitNeedsPerson {
		t.Fatalf("Run = %v, want exit status %d", err, ExitNeedsPerson)
	}
	want := `TYPE     NAME   KIND           EXPIRES         REFRESHABLE
session  old    role-chained   expired 5m ago  -
session  base   session-token  in 42m          -
session  admin  role           in 2h           -

profile mfa: needs an MFA code for arn:aws:iam::1:mfa/me
`
	if got := out.String(); got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
	if strings.Contains(out.String(), "s3cr3t") {
		t.Error("a secret was printed")
	}
}

func mustParse(t *testing.T, text string) *awsconfig.File {
	t.Helper()
	f, err := awsconfig.Parse("config", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return f
}
