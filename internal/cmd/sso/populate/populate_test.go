package populate

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/fakeaws/fakeportal"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/sso"
	"github.com/sesamehq/sesame/internal/store"
)

// handWritten is a config whose every byte must survive a run.
const handWritten = `# my AWS config
[default]
region = eu-west-1

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

; the profile I use every day
[profile acct-001/Admin]
sso_session = corp
sso_account_id = 100000000001
sso_role_name = Admin
region = us-east-1
output = json
`

var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// env is a test bed for Run: a config file, a memory store with a token
// for corp, and a fake portal.
type env struct {
	t      *testing.T
	dir    string
	paths  awsconfig.Paths
	st     *store.Store
	portal *fakeportal.Portal
	now    time.Time
	out    *bytes.Buffer
	errOut *bytes.Buffer
}

func newEnv(t *testing.T, config string, accounts []store.ListedAccount) *env {
	t.Helper()
	dir := t.TempDir()
	e := &env{t: t, dir: dir, now: t0,
		paths:  awsconfig.Paths{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")},
		st:     store.New(store.NewMemory(), filepath.Join(dir, "locks")),
		portal: &fakeportal.Portal{T: t, Accounts: accounts}}
	if err := os.WriteFile(e.paths.Config, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	e.signIn()
	return e
}

func (e *env) signIn() {
	if err := e.st.SetToken(context.Background(), store.Token{Session: "corp", StartURL: "https://corp.awsapps.com/start", Region: "eu-west-1",
		AccessToken: "access", ExpiresAt: e.now.Add(8 * time.Hour)}); err != nil {
		e.t.Fatal(err)
	}
}

func (e *env) config() string {
	e.t.Helper()
	data, err := os.ReadFile(e.paths.Config)
	if err != nil {
		e.t.Fatal(err)
	}
	return string(data)
}

// run runs the command with args applied to its options.
func (e *env) run(set func(*Options)) error {
	e.t.Helper()
	io, _, out, errOut := iostreams.Test()
	e.out, e.errOut = out, errOut
	opts := &Options{
		IO:     io,
		Config: func() (*awsconfig.Config, error) { return awsconfig.Load(e.paths) },
		Client: func() (*sso.Client, error) {
			return &sso.Client{
				Store:     func(context.Context) (*store.Store, error) { return e.st, nil },
				NewPortal: func(context.Context, string) (sso.PortalAPI, error) { return e.portal, nil },
				Home:      e.dir, LockDir: filepath.Join(e.dir, "locks"), Now: func() time.Time { return e.now },
			}, nil
		},
		Store:    func(context.Context) (*store.Store, error) { return e.st, nil },
		Now:      func() time.Time { return e.now },
		Sessions: sso.PickSessions,
		Lister:   func(l *sso.Lister) { l.Sleep = (&fakeportal.NoSleep{}).Sleep },
		Session:  "corp",
		Template: DefaultTemplate,
	}
	if set != nil {
		set(opts)
	}
	return Run(context.Background(), opts)
}

func (e *env) mustRun(set func(*Options)) {
	e.t.Helper()
	if err := e.run(set); err != nil {
		e.t.Fatalf("run: %v\nstderr:\n%s", err, e.errOut)
	}
}

func profile(t *testing.T, paths awsconfig.Paths, name string) map[string]string {
	t.Helper()
	cfg, err := awsconfig.Load(paths)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := cfg.Profile(name)
	if !ok {
		return nil
	}
	out := map[string]string{}
	for _, k := range p.Keys() {
		out[k], _ = p.Get(k)
	}
	return out
}

func TestPopulateWritesProfiles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, handWritten, fakeportal.AccountsN(3, "Admin", "ReadOnly"))
	e.mustRun(nil)
	got := e.config()
	if !strings.HasPrefix(got, handWritten) {
		t.Fatalf("the hand-written part changed:\n%s", got)
	}
	want := handWritten + `
[profile acct-001/Admin-100000000001]
sso_session = corp
sso_account_id = 100000000001
sso_role_name = Admin
sesame_generated = corp

[profile acct-001/ReadOnly]
sso_session = corp
sso_account_id = 100000000001
sso_role_name = ReadOnly
sesame_generated = corp

[profile acct-002/Admin]
sso_session = corp
sso_account_id = 100000000002
sso_role_name = Admin
sesame_generated = corp

[profile acct-002/ReadOnly]
sso_session = corp
sso_account_id = 100000000002
sso_role_name = ReadOnly
sesame_generated = corp

[profile acct-003/Admin]
sso_session = corp
sso_account_id = 100000000003
sso_role_name = Admin
sesame_generated = corp

[profile acct-003/ReadOnly]
sso_session = corp
sso_account_id = 100000000003
sso_role_name = ReadOnly
sesame_generated = corp
`
	if got != want {
		t.Errorf("config:\n%s\nwant:\n%s", got, want)
	}
	if s := e.errOut.String(); !strings.Contains(s, "sesame: 6 added, 0 updated, 0 removed, in ") {
		t.Errorf("stderr: %q", s)
	}
	if e.out.Len() != 0 {
		t.Errorf("stdout: %q", e.out)
	}
	if p := profile(t, e.paths, "acct-002/ReadOnly"); p["sso_session"] != "corp" || p["sso_role_name"] != "ReadOnly" {
		t.Errorf("profile: %v", p)
	}
	if fi, _ := os.Stat(e.paths.Config); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode())
	}

	// The same run again: nothing to do, nothing listed, nothing written.
	before := e.portal.Count("ListAccounts") + e.portal.Count("ListAccountRoles")
	fi1, _ := os.Stat(e.paths.Config)
	e.mustRun(nil)
	if e.config() != want {
		t.Errorf("a second run changed the file")
	}
	if fi2, _ := os.Stat(e.paths.Config); !fi2.ModTime().Equal(fi1.ModTime()) {
		t.Errorf("a run with nothing to do wrote the file")
	}
	if n := e.portal.Count("ListAccounts") + e.portal.Count("ListAccountRoles"); n != before {
		t.Errorf("a run within the day made %d portal calls", n-before)
	}
	if s := e.errOut.String(); !strings.Contains(s, "using the account listing made 0s ago (--refresh lists again)") || !strings.Contains(s, "0 added, 0 updated, 0 removed") {
		t.Errorf("stderr: %q", s)
	}
}

func TestPopulateCache(t *testing.T) {
	t.Parallel()
	e := newEnv(t, handWritten, fakeportal.AccountsN(2, "Admin"))
	e.mustRun(nil)
	if n := e.portal.Count("ListAccountRoles"); n != 2 {
		t.Fatalf("ListAccountRoles %d", n)
	}
	// Within the day, with the sign-in gone: the cached listing, no call.
	if err := e.st.RemoveToken(context.Background(), "corp"); err != nil {
		t.Fatal(err)
	}
	e.now = t0.Add(23 * time.Hour)
	e.portal.Accounts = fakeportal.AccountsN(3, "Admin")
	e.mustRun(nil)
	if n := e.portal.Count("ListAccountRoles"); n != 2 || e.portal.Count("ListAccounts") != 1 {
		t.Errorf("a cached run listed again")
	}
	// --refresh lists again, and needs the sign-in.
	err := e.run(func(o *Options) { o.Refresh = true })
	var le *sso.LoginError
	if !errors.As(err, &le) || cmdutil.Hint(err) != "run: sesame sso login --sso-session corp" {
		t.Fatalf("--refresh without a sign-in: %v (hint %q)", err, cmdutil.Hint(err))
	}
	e.signIn()
	e.mustRun(func(o *Options) { o.Refresh = true })
	if n := e.portal.Count("ListAccountRoles"); n != 5 {
		t.Errorf("--refresh: ListAccountRoles %d times in all, want 5", n)
	}
	if !strings.Contains(e.errOut.String(), "1 added") {
		t.Errorf("stderr %q", e.errOut)
	}
	// After a day the listing is stale.
	e.now = t0.Add(48 * time.Hour)
	e.signIn()
	e.mustRun(nil)
	if n := e.portal.Count("ListAccountRoles"); n != 8 {
		t.Errorf("after a day: ListAccountRoles %d times in all, want 8", n)
	}
	// A listing for another start URL is not used.
	cfg := strings.Replace(e.config(), "https://corp.awsapps.com/start", "https://other.awsapps.com/start", 1)
	if err := os.WriteFile(e.paths.Config, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	e.mustRun(nil)
	if n := e.portal.Count("ListAccountRoles"); n != 11 {
		t.Errorf("another start URL: ListAccountRoles %d times in all, want 11 (the listing was not used)", n)
	}
}

func TestPopulateNeedsSignIn(t *testing.T) {
	t.Parallel()
	e := newEnv(t, handWritten, fakeportal.AccountsN(2, "Admin"))
	if err := e.st.RemoveToken(context.Background(), "corp"); err != nil {
		t.Fatal(err)
	}
	err := e.run(nil)
	if !errors.Is(err, sso.ErrNeedLogin) || cmdutil.Hint(err) != "run: sesame sso login --sso-session corp" {
		t.Errorf("err %v, hint %q", err, cmdutil.Hint(err))
	}
	if e.config() != handWritten {
		t.Errorf("the file changed")
	}

	// A token the portal refuses is forgotten.
	e.signIn()
	e.portal.Unauthorized = true
	err = e.run(nil)
	if !errors.Is(err, sso.ErrNeedLogin) || !strings.Contains(err.Error(), "refused the sign-in") {
		t.Errorf("refused token: %v", err)
	}
	if _, err := e.st.Token(context.Background(), "corp"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("the refused token was kept: %v", err)
	}
}

func TestPopulateDryRun(t *testing.T) {
	t.Parallel()
	e := newEnv(t, handWritten, fakeportal.AccountsN(2, "Admin"))
	e.mustRun(nil)
	before := e.config()
	e.portal.Accounts = []store.ListedAccount{fakeportal.AccountsN(2, "Admin", "Billing")[1], {ID: "100000000009", Name: "new", Roles: []string{"Dev"}}}
	e.mustRun(func(o *Options) { o.DryRun = true; o.Prune = true; o.Refresh = true; o.Region = "ap-south-1" })
	if e.config() != before {
		t.Errorf("--dry-run changed the file")
	}
	want := `-[profile acct-001/Admin-100000000001]
-sso_session = corp
-sso_account_id = 100000000001
-sso_role_name = Admin
-sesame_generated = corp

 [profile acct-002/Admin]
+region = ap-south-1

+[profile acct-002/Billing]
+sso_session = corp
+sso_account_id = 100000000002
+sso_role_name = Billing
+region = ap-south-1
+sesame_generated = corp

+[profile new/Dev]
+sso_session = corp
+sso_account_id = 100000000009
+sso_role_name = Dev
+region = ap-south-1
+sesame_generated = corp
`
	if got := e.out.String(); got != want {
		t.Errorf("diff:\n%s\nwant:\n%s", got, want)
	}
	if s := e.errOut.String(); !strings.Contains(s, "would add 2, update 1 and remove 1 profiles (dry run: nothing was written)") {
		t.Errorf("stderr %q", s)
	}
	// The real run does what the dry run said.
	e.mustRun(func(o *Options) { o.Prune = true; o.Region = "ap-south-1" })
	if s := e.errOut.String(); !strings.Contains(s, "2 added, 1 updated, 1 removed") {
		t.Errorf("stderr %q", s)
	}
	if p := profile(t, e.paths, "acct-002/Admin"); p["region"] != "ap-south-1" {
		t.Errorf("updated profile %v", p)
	}
	if p := profile(t, e.paths, "acct-001/Admin-100000000001"); p != nil {
		t.Errorf("pruned profile still there: %v", p)
	}
}

func TestPopulatePrune(t *testing.T) {
	t.Parallel()
	other := `
[profile theirs]
sso_session = other
sso_account_id = 100000000002
sso_role_name = Admin
sesame_generated = other
`
	e := newEnv(t, handWritten+other, fakeportal.AccountsN(3, "Admin", "ReadOnly"))
	e.mustRun(nil)
	full := e.config()

	// acct-002 goes away and acct-003 loses ReadOnly.
	accts := fakeportal.AccountsN(3, "Admin", "ReadOnly")
	e.portal.Accounts = []store.ListedAccount{accts[0], {ID: accts[2].ID, Name: accts[2].Name, Roles: []string{"Admin"}}}
	e.mustRun(func(o *Options) { o.Refresh = true })
	if e.config() != full {
		t.Errorf("without --prune a profile changed")
	}
	e.mustRun(func(o *Options) { o.Prune = true })
	if s := e.errOut.String(); !strings.Contains(s, "0 added, 0 updated, 3 removed") {
		t.Errorf("stderr %q", s)
	}
	want := handWritten + other + `
[profile acct-001/Admin-100000000001]
sso_session = corp
sso_account_id = 100000000001
sso_role_name = Admin
sesame_generated = corp

[profile acct-001/ReadOnly]
sso_session = corp
sso_account_id = 100000000001
sso_role_name = ReadOnly
sesame_generated = corp

[profile acct-003/Admin]
sso_session = corp
sso_account_id = 100000000003
sso_role_name = Admin
sesame_generated = corp
`
	if got := e.config(); got != want {
		t.Errorf("after --prune:\n%s\nwant:\n%s", got, want)
	}

	// Everything goes: the file is the hand-written one again.
	e.portal.Accounts = nil
	e.mustRun(func(o *Options) { o.Prune = true; o.Refresh = true })
	if got := e.config(); got != handWritten+other {
		t.Errorf("after pruning everything:\n%q\nwant:\n%q", got, handWritten+other)
	}
}

// TestPopulateKeepsEditsToGeneratedProfiles: keys added by hand to a
// generated profile stay, a region stays without --region, a key edited by
// hand is put right (in place, keeping its indentation), and a profile in
// the middle of hand-written ones is edited where it is.
func TestPopulateKeepsEditsToGeneratedProfiles(t *testing.T) {
	t.Parallel()
	config := handWritten + `
[profile acct-002/Admin]
  sso_session=old
    continued
sso_account_id = 100000000002
  # a comment
sso_role_name   =   Admin
region = ca-central-1
output = text
sesame_generated = corp

[profile after]
region = us-west-2
`
	e := newEnv(t, config, fakeportal.AccountsN(2, "Admin"))
	e.mustRun(nil)
	want := handWritten + `
[profile acct-002/Admin]
  sso_session = corp
sso_account_id = 100000000002
  # a comment
sso_role_name   =   Admin
region = ca-central-1
output = text
sesame_generated = corp

[profile after]
region = us-west-2

[profile acct-001/Admin-100000000001]
sso_session = corp
sso_account_id = 100000000001
sso_role_name = Admin
sesame_generated = corp
`
	if got := e.config(); got != want {
		t.Errorf("config:\n%s\nwant:\n%s", got, want)
	}
	if s := e.errOut.String(); !strings.Contains(s, "1 added, 1 updated, 0 removed") {
		t.Errorf("stderr %q", s)
	}
}

func TestPopulateCRLFAndNoFinalNewline(t *testing.T) {
	t.Parallel()
	config := "[sso-session corp]\r\nsso_start_url = https://corp.awsapps.com/start\r\nsso_region = eu-west-1\r\n\r\n[profile x]\r\nregion = eu-west-1"
	e := newEnv(t, config, fakeportal.AccountsN(1, "Admin"))
	e.mustRun(nil)
	want := config + "\r\n\r\n[profile acct-001/Admin]\r\nsso_session = corp\r\nsso_account_id = 100000000001\r\nsso_role_name = Admin\r\nsesame_generated = corp\r\n"
	if got := e.config(); got != want {
		t.Errorf("config:\n%q\nwant:\n%q", got, want)
	}
}

func TestPopulateNewConfigFile(t *testing.T) {
	t.Parallel()
	e := newEnv(t, "", fakeportal.AccountsN(1, "Admin"))
	// The sso-session lives in the file; start from one holding only it.
	session := "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"
	if err := os.WriteFile(e.paths.Config, []byte(session), 0o600); err != nil {
		t.Fatal(err)
	}
	e.mustRun(func(o *Options) { o.Template = "{{.SessionName}} {{.AccountID}} {{.RoleName}}" })
	if p := profile(t, e.paths, "corp-100000000001-Admin"); p == nil {
		t.Errorf("no profile corp-100000000001-Admin:\n%s", e.config())
	}
}

func TestPopulateUsageErrors(t *testing.T) {
	t.Parallel()
	e := newEnv(t, handWritten, fakeportal.AccountsN(1, "Admin"))
	for _, tc := range []struct {
		set  func(*Options)
		want string
		code int
	}{
		{func(o *Options) { o.Template = "{{.Acount}}" }, "--template", cmdutil.ExitUsage},
		{func(o *Options) { o.Template = "{{" }, "--template", cmdutil.ExitUsage},
		{func(o *Options) { o.Region = "eu west 1" }, "--region", cmdutil.ExitUsage},
		{func(o *Options) { o.Session = "corpp" }, `did you mean "corp"`, cmdutil.ExitError},
	} {
		err := e.run(tc.set)
		if err == nil || !strings.Contains(err.Error(), tc.want) || cmdutil.ExitCode(err) != tc.code {
			t.Errorf("err %v (exit %d), want %q (exit %d)", err, cmdutil.ExitCode(err), tc.want, tc.code)
		}
	}
	if n := e.portal.Count("ListAccounts"); n != 0 {
		t.Errorf("a usage error listed accounts")
	}
}

// TestPopulateThousands writes 3,000 profiles and prunes them, in well
// under a second each (awsconfig's per-key edits would take minutes).
func TestPopulateThousands(t *testing.T) {
	t.Parallel()
	e := newEnv(t, handWritten, fakeportal.AccountsN(1000, "Admin", "ReadOnly", "Billing"))
	start := time.Now()
	e.mustRun(nil)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("writing 3,000 profiles took %s", d)
	}
	cfg, err := awsconfig.Load(e.paths)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(cfg.ProfileNames()); n != 3002 {
		t.Errorf("%d profiles, want 3002", n)
	}
	start = time.Now()
	e.mustRun(func(o *Options) { o.Region = "eu-west-1" })
	if !strings.Contains(e.errOut.String(), "0 added, 3000 updated") {
		t.Errorf("stderr %q", e.errOut)
	}
	e.portal.Accounts = nil
	e.mustRun(func(o *Options) { o.Prune = true; o.Refresh = true })
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("updating and pruning 3,000 profiles took %s", d)
	}
	if got := e.config(); got != handWritten {
		t.Errorf("after pruning everything the file is not the hand-written one")
	}
}

func TestPopulateCollisions(t *testing.T) {
	t.Parallel()
	config := handWritten + `
[profile shared/Admin]
sso_session = other
sso_account_id = 100000000777
sso_role_name = Admin
sesame_generated = other
`
	accts := []store.ListedAccount{
		{ID: "100000000002", Name: "dup", Roles: []string{"Admin"}},
		{ID: "100000000001", Name: "dup", Roles: []string{"Admin"}},
		{ID: "100000000003", Name: "shared", Roles: []string{"Admin", "Read Only", "Read-Only"}},
	}
	e := newEnv(t, config, accts)
	if err := os.WriteFile(e.paths.Credentials, []byte("[dup/Admin-100000000002]\naws_access_key_id = AKIAEXAMPLE\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	e.mustRun(nil)
	for name, id := range map[string]string{
		"dup/Admin":                     "100000000001", // the portal's order does not matter: sorted by id
		"dup/Admin-2":                   "100000000002", // -ACCOUNTID is a profile of the credentials file
		"shared/Admin-100000000003":     "100000000003", // another session's generated profile is not ours
		"shared/Read-Only":              "100000000003",
		"shared/Read-Only-100000000003": "100000000003",
	} {
		p := profile(t, e.paths, name)
		if p["sso_account_id"] != id || p[MarkerKey] != "corp" {
			t.Errorf("profile %s = %v, want account %s", name, p, id)
		}
	}
	if p := profile(t, e.paths, "shared/Admin"); p[MarkerKey] != "other" || p["sso_account_id"] != "100000000777" {
		t.Errorf("the other session's profile changed: %v", p)
	}
	if !strings.HasPrefix(e.config(), config) {
		t.Errorf("hand-written part changed")
	}
}

func TestNewCmdPopulateFlags(t *testing.T) {
	t.Parallel()
	io, _, _, _ := iostreams.Test()
	var got *Options
	cmd := NewCmdPopulate(&cmdutil.Factory{IOStreams: io}, sso.Deps{}, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"--sso-session", "corp", "--template", "{{.RoleName}}", "--region", "eu-west-1", "--dry-run", "--prune", "--refresh"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Session != "corp" || got.Template != "{{.RoleName}}" || got.Region != "eu-west-1" || !got.DryRun || !got.Prune || !got.Refresh {
		t.Errorf("options %+v", got)
	}
	cmd = NewCmdPopulate(&cmdutil.Factory{IOStreams: io}, sso.Deps{}, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs(nil)
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Template != DefaultTemplate || got.DryRun || got.Prune || got.Refresh || got.Region != "" {
		t.Errorf("defaults %+v", got)
	}
}

// TestPopulateSkipsUnwritableNames: a role whose name holds a line break
// or another control character, and an account whose id does, cannot be a
// profile; each is skipped with a warning and every other profile is
// written, the cached listing included (a second run says the same).
func TestPopulateSkipsUnwritableNames(t *testing.T) {
	t.Parallel()
	accounts := []store.ListedAccount{
		{ID: "100000000001", Name: "acct-001", Roles: []string{"Admin", "Evil\nrole", "Bell\x07"}},
		{ID: "10000000000\n2", Name: "acct-002", Roles: []string{"Admin"}},
		{ID: "100000000003", Name: "acct\x1b-003", Roles: []string{" Padded", "ReadOnly"}},
	}
	e := newEnv(t, handWritten, accounts)
	for run := 1; run <= 2; run++ {
		e.mustRun(nil)
		got := e.config()
		want := handWritten + `
[profile acct--003/ReadOnly]
sso_session = corp
sso_account_id = 100000000003
sso_role_name = ReadOnly
sesame_generated = corp

[profile acct-001/Admin-100000000001]
sso_session = corp
sso_account_id = 100000000001
sso_role_name = Admin
sesame_generated = corp
`
		if got != want {
			t.Fatalf("run %d: config:\n%s\nwant:\n%s", run, got, want)
		}
		for _, w := range []string{
			`sesame: skipped role "Evil\nrole" of account 100000000001 ("acct-001"): its name is not one line of printable text, so no profile can name it` + "\n",
			`sesame: skipped role "Bell\a" of account 100000000001 ("acct-001"): its name is not one line of printable text, so no profile can name it` + "\n",
			`sesame: skipped account "10000000000\n2" ("acct-002"): its id is not one line of printable text, so no profile can name it` + "\n",
			`sesame: skipped role " Padded" of account 100000000003 ("acct\x1b-003"): its name is not one line of printable text, so no profile can name it` + "\n",
		} {
			if !strings.Contains(e.errOut.String(), w) {
				t.Errorf("run %d: stderr lacks %q:\n%s", run, w, e.errOut)
			}
		}
	}
	if !strings.Contains(e.errOut.String(), "0 added, 0 updated, 0 removed") {
		t.Errorf("second run: %s", e.errOut)
	}
}
