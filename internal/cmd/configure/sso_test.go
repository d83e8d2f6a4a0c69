package configure

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssso "github.com/aws/aws-sdk-go-v2/service/sso"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/prompt"
	"github.com/sesamehq/sesame/internal/sso"
	"github.com/sesamehq/sesame/internal/store"
)

// handWritten is a config whose every byte must survive a run.
const handWritten = `# my AWS config; keep this comment
[profile handmade]
region = ap-south-1 ; an inline remark
output = text

; and this one
[profile chained]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = handmade
`

var twoAccounts = []store.ListedAccount{
	{ID: "111111111111", Name: "dev-sandbox", Email: "dev@example.com", Roles: []string{"Developer"}},
	{ID: "222222222222", Name: "workloads-prod", Email: "prod@example.com", Roles: []string{"AdministratorAccess", "ReadOnly"}},
}

// fakePortal lists accounts; with unauthorized set it refuses every token.
type fakePortal struct {
	mu           sync.Mutex
	accounts     []store.ListedAccount
	unauthorized map[string]bool // tokens it refuses
	tokens       []string        // tokens it was called with
}

func (p *fakePortal) check(token *string) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tokens = append(p.tokens, aws.ToString(token))
	if p.unauthorized[aws.ToString(token)] {
		return &ssotypes.UnauthorizedException{Message: aws.String("expired")}
	}
	return nil
}

func (p *fakePortal) ListAccounts(ctx context.Context, in *awssso.ListAccountsInput, optFns ...func(*awssso.Options)) (*awssso.ListAccountsOutput, error) {
	if err := p.check(in.AccessToken); err != nil {
		return nil, err
	}
	out := &awssso.ListAccountsOutput{}
	for _, a := range p.accounts {
		out.AccountList = append(out.AccountList, ssotypes.AccountInfo{AccountId: aws.String(a.ID), AccountName: aws.String(a.Name), EmailAddress: aws.String(a.Email)})
	}
	return out, nil
}

func (p *fakePortal) ListAccountRoles(ctx context.Context, in *awssso.ListAccountRolesInput, optFns ...func(*awssso.Options)) (*awssso.ListAccountRolesOutput, error) {
	if err := p.check(in.AccessToken); err != nil {
		return nil, err
	}
	out := &awssso.ListAccountRolesOutput{}
	for _, a := range p.accounts {
		if a.ID == aws.ToString(in.AccountId) {
			for _, r := range a.Roles {
				out.RoleList = append(out.RoleList, ssotypes.RoleInfo{AccountId: in.AccountId, RoleName: aws.String(r)})
			}
		}
	}
	return out, nil
}

// fakeClient keeps one token per session; Login hands out a new one.
type fakeClient struct {
	portal *fakePortal
	tokens map[string]string // session key -> token
	logins []sso.Session
	forgot []string
	fail   error // Login's error
}

func (c *fakeClient) Token(ctx context.Context, s sso.Session, profile string) (string, error) {
	if t, ok := c.tokens[s.Key()]; ok {
		return t, nil
	}
	return "", &sso.LoginError{Session: s, Reason: "no sign-in yet"}
}

func (c *fakeClient) Login(ctx context.Context, s sso.Session, o sso.LoginOptions) (store.Token, error) {
	if o.Out == nil {
		return store.Token{}, errors.New("login options without a writer")
	}
	if c.fail != nil {
		return store.Token{}, c.fail
	}
	c.logins = append(c.logins, s)
	t := fmt.Sprintf("token-%d", len(c.logins))
	c.tokens[s.Key()] = t
	return store.Token{Session: s.Key(), AccessToken: t, ExpiresAt: time.Now().Add(time.Hour)}, nil
}

func (c *fakeClient) Forget(ctx context.Context, s sso.Session) error {
	c.forgot = append(c.forgot, s.Key())
	delete(c.tokens, s.Key())
	return nil
}

func (c *fakeClient) Portal(ctx context.Context, region string) (sso.ListAPI, error) {
	if region == "" {
		return nil, errors.New("no region")
	}
	return c.portal, nil
}

// fakeChooser answers each list with the row whose first cell is the next
// answer; a list with no answer left fails (an unexpected list).
type fakeChooser struct {
	answers []string
	shown   []Choice
	err     error
}

func (c *fakeChooser) Choose(ctx context.Context, ch Choice) (int, error) {
	c.shown = append(c.shown, ch)
	if c.err != nil {
		return 0, c.err
	}
	if len(c.answers) == 0 {
		return 0, fmt.Errorf("unexpected list %q", ch.Title)
	}
	want := c.answers[0]
	c.answers = c.answers[1:]
	for i, row := range ch.Rows {
		if row[0] == want {
			return i, nil
		}
	}
	return 0, fmt.Errorf("list %q has no row %q", ch.Title, want)
}

// bed is a test bed for RunSSO.
type bed struct {
	t       *testing.T
	paths   awsconfig.Paths
	client  *fakeClient
	chooser *fakeChooser
	prompt  *prompt.Fake
	errOut  *bytes.Buffer
	out     *bytes.Buffer
	opts    *SSOOptions
}

func newBed(t *testing.T, config string, accounts []store.ListedAccount) *bed {
	t.Helper()
	dir := t.TempDir()
	b := &bed{t: t,
		paths:   awsconfig.Paths{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")},
		client:  &fakeClient{portal: &fakePortal{accounts: accounts}, tokens: map[string]string{}},
		chooser: &fakeChooser{},
		prompt:  &prompt.Fake{},
	}
	if config != "" {
		if err := os.WriteFile(b.paths.Config, []byte(config), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ios, _, out, errOut := iostreams.Test()
	b.out, b.errOut = out, errOut
	b.opts = &SSOOptions{
		IO:       ios,
		Config:   func() (*awsconfig.Config, error) { return awsconfig.Load(b.paths) },
		Prompter: b.prompt,
		Chooser:  b.chooser,
		Client:   func() (Client, error) { return b.client, nil },
		LoginOptions: func(deviceCode, noBrowser bool) sso.LoginOptions {
			if deviceCode || noBrowser {
				t.Errorf("LoginOptions(%v, %v): the wizard signs in the default way", deviceCode, noBrowser)
			}
			return sso.LoginOptions{Out: errOut}
		},
		Lister: func(l *sso.Lister) { l.Rate = 1000 },
	}
	return b
}

// run answers the prompts and lists and runs the wizard; every answer must
// be used.
func (b *bed) run(answers, choices []string) error {
	b.t.Helper()
	b.prompt.Answers = answers
	b.chooser.answers = choices
	err := RunSSO(context.Background(), b.opts)
	if err == nil && (len(b.prompt.Answers) > 0 || len(b.chooser.answers) > 0) {
		b.t.Errorf("unused answers %q and choices %q; asked %q", b.prompt.Answers, b.chooser.answers, b.prompt.Asked)
	}
	if b.out.Len() > 0 {
		b.t.Errorf("stdout is for data, got %q", b.out)
	}
	return err
}

func (b *bed) config() string {
	b.t.Helper()
	data, err := os.ReadFile(b.paths.Config)
	if err != nil {
		b.t.Fatal(err)
	}
	return string(data)
}

// section returns a profile's or sso-session's keys as botocore reads them.
func (b *bed) section(kind, name string) map[string]string {
	b.t.Helper()
	cfg, err := awsconfig.Load(b.paths)
	if err != nil {
		b.t.Fatal(err)
	}
	var get func(string) (string, bool)
	var keys []string
	switch kind {
	case "profile":
		p, ok := cfg.Profile(name)
		if !ok {
			return nil
		}
		get, keys = p.Get, p.Keys()
	default:
		s, ok := cfg.SSOSession(name)
		if !ok {
			return nil
		}
		get, keys = s.Get, s.Keys()
	}
	out := map[string]string{}
	for _, k := range keys {
		out[k], _ = get(k)
	}
	return out
}

func equalMaps(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestWizardNewSession(t *testing.T) {
	t.Parallel()
	b := newBed(t, handWritten, twoAccounts)
	b.opts.Default = true
	err := b.run([]string{
		"https://my-corp.awsapps.com/start", // start URL
		"eu-west-1",                         // SSO region
		"",                                  // session name: my-corp
		"",                                  // scopes: sso:account:access
		"us-east-2",                         // default region
		"",                                  // output: json
		"",                                  // profile name: workloads-prod-ReadOnly
	}, []string{"workloads-prod", "ReadOnly"})
	if err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, b.errOut)
	}
	wantAsked := []string{
		"SSO start URL: ",
		"SSO region: ",
		"SSO session name [my-corp]: ",
		"SSO registration scopes [sso:account:access]: ",
		"Default client region [eu-west-1]: ",
		"CLI default output format [json]: ",
		"Profile name [workloads-prod-ReadOnly]: ",
	}
	if !slices.Equal(b.prompt.Asked, wantAsked) {
		t.Errorf("asked\n%q\nwant\n%q", b.prompt.Asked, wantAsked)
	}
	if len(b.client.logins) != 1 {
		t.Fatalf("signed in %d times, want once", len(b.client.logins))
	}
	s := b.client.logins[0]
	if s.Name != "my-corp" || s.StartURL != "https://my-corp.awsapps.com/start" || s.Region != "eu-west-1" || !slices.Equal(s.Scopes, []string{sso.DefaultScope}) {
		t.Errorf("signed in to %+v", s)
	}
	// The lists: accounts with name, id, email; then the account's roles.
	if len(b.chooser.shown) != 2 {
		t.Fatalf("showed %d lists, want 2", len(b.chooser.shown))
	}
	acc := b.chooser.shown[0]
	if !slices.Equal(acc.Rows[0], []string{"dev-sandbox", "111111111111", "dev@example.com", "1 role"}) || len(acc.Rows) != 2 {
		t.Errorf("account list %q", acc.Rows)
	}
	if roles := b.chooser.shown[1].Rows; len(roles) != 2 || roles[0][0] != "AdministratorAccess" {
		t.Errorf("role list %q", roles)
	}

	got := b.config()
	if !strings.HasPrefix(got, handWritten) {
		t.Errorf("the hand-written part changed:\n%s", got)
	}
	want := handWritten + `
[sso-session my-corp]
sso_start_url = https://my-corp.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access

[profile workloads-prod-ReadOnly]
sso_session = my-corp
sso_account_id = 222222222222
sso_role_name = ReadOnly
region = us-east-2
output = json

[default]
sso_session = my-corp
sso_account_id = 222222222222
sso_role_name = ReadOnly
region = us-east-2
output = json
`
	if got != want {
		t.Errorf("config:\n%s\nwant:\n%s", got, want)
	}
	// What is written works: the profile resolves to the SSO session.
	cfg, err := awsconfig.Load(b.paths)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"workloads-prod-ReadOnly", "default"} {
		r, err := cfg.Resolve(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sso.SessionFor(cfg, r, true); err != nil {
			t.Errorf("profile %s: %v", name, err)
		}
	}
	for _, line := range []string{
		"sesame: signed in to sso-session my-corp until",
		"sesame: wrote [sso-session my-corp], [profile workloads-prod-ReadOnly] and [default] to " + b.paths.Config,
		"sesame: profile workloads-prod-ReadOnly: account workloads-prod (222222222222), role ReadOnly, region us-east-2, output json, sso-session my-corp",
		"sesame: it is also the default profile",
		"sesame: next: sesame exec workloads-prod-ReadOnly -- aws sts get-caller-identity",
	} {
		if !strings.Contains(b.errOut.String(), line) {
			t.Errorf("stderr lacks %q:\n%s", line, b.errOut)
		}
	}
}

func TestWizardReusesSession(t *testing.T) {
	t.Parallel()
	const config = `[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-central-1
sso_registration_scopes = sso:account:access
`
	one := []store.ListedAccount{{ID: "333333333333", Name: "Shared Services", Email: "ops@example.com", Roles: []string{"PowerUser"}},
		{ID: "444444444444", Name: "no-roles", Roles: []string{}}}
	b := newBed(t, config, one)
	b.client.tokens["corp"] = "kept"
	err := b.run([]string{
		"",  // start URL: the only session's
		"",  // region: the session's
		"",  // default region: eu-central-1
		"",  // output
		"",  // profile name
		"n", // default profile?
	}, nil)
	if err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, b.errOut)
	}
	wantAsked := []string{
		"SSO start URL [https://corp.awsapps.com/start]: ",
		"SSO region [eu-central-1]: ",
		"Default client region [eu-central-1]: ",
		"CLI default output format [json]: ",
		"Profile name [Shared-Services-PowerUser]: ",
		"Make Shared-Services-PowerUser the default profile (write it as [default] too)?",
	}
	if !slices.Equal(b.prompt.Asked, wantAsked) {
		t.Errorf("asked\n%q\nwant\n%q", b.prompt.Asked, wantAsked)
	}
	if len(b.client.logins) != 0 {
		t.Errorf("signed in again with a sign-in at hand")
	}
	if len(b.chooser.shown) != 0 {
		t.Errorf("showed a list for one account with one role")
	}
	if !slices.Equal(b.client.portal.tokens, []string{"kept", "kept", "kept"}) {
		t.Errorf("portal calls with %q", b.client.portal.tokens)
	}
	want := config + `
[profile Shared-Services-PowerUser]
sso_session = corp
sso_account_id = 333333333333
sso_role_name = PowerUser
region = eu-central-1
output = json
`
	if got := b.config(); got != want {
		t.Errorf("config:\n%s\nwant:\n%s", got, want)
	}
	for _, line := range []string{
		"sesame: using [sso-session corp]: it has this start URL and region",
		"sesame: using your sign-in to sso-session corp",
		"sesame: the only account you can use is Shared Services (333333333333)",
		"sesame: the only role you can use in Shared Services is PowerUser",
		"sesame: wrote [profile Shared-Services-PowerUser] to ",
	} {
		if !strings.Contains(b.errOut.String(), line) {
			t.Errorf("stderr lacks %q:\n%s", line, b.errOut)
		}
	}
	if strings.Contains(b.errOut.String(), "default profile, used") {
		t.Errorf("says it is the default profile:\n%s", b.errOut)
	}
}

func TestWizardAsksAgain(t *testing.T) {
	t.Parallel()
	b := newBed(t, "", twoAccounts[:1])
	err := b.run([]string{
		"http://corp.awsapps.com/start", // not https
		"corp.awsapps.com",              // no scheme
		"https://ssoins-7223.portal.eu-west-1.app.aws",
		"eu-west",   // not a region
		"us-east-1", // not the URL's region
		"",          // the URL's region
		"my corp",   // not a name
		"",          // the derived name
		" , ",       // no scopes
		"sso:account:access, openid",
		"EU-WEST-1", // not a region
		"ap-southeast-2",
		"xml", // not an output format
		"yaml",
		"dev/Developer", // a custom name
		"y",             // default profile
	}, nil)
	if err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, b.errOut)
	}
	for _, want := range []string{
		"  \"http://corp.awsapps.com/start\" is not an https URL such as https://my-org.awsapps.com/start\nSSO start URL: ",
		"  \"corp.awsapps.com\" is not an https URL such as https://my-org.awsapps.com/start\nSSO start URL: ",
		"SSO region [eu-west-1]: ",
		"  \"eu-west\" is not a region name such as eu-west-1\nSSO region [eu-west-1]: ",
		"  \"us-east-1\" does not match the start URL's region eu-west-1\nSSO region [eu-west-1]: ",
		"SSO session name [ssoins-7223]: ",
		"  \"my corp\" cannot be an sso-session name: use letters, digits and - _ . + = , @ /\nSSO session name [ssoins-7223]: ",
		"  give at least one scope, such as sso:account:access\nSSO registration scopes [sso:account:access]: ",
		"  \"EU-WEST-1\" is not a region name such as eu-west-1\nDefault client region [eu-west-1]: ",
		"  \"xml\" is not an output format: choose one of json, yaml, yaml-stream, text, table\nCLI default output format [json]: ",
		"Make dev/Developer the default profile (write it as [default] too)?",
	} {
		if !slices.Contains(b.prompt.Asked, want) {
			t.Errorf("never asked %q; asked:\n%q", want, b.prompt.Asked)
		}
	}
	if s := b.section("sso-session", "ssoins-7223"); !equalMaps(s, map[string]string{
		"sso_start_url": "https://ssoins-7223.portal.eu-west-1.app.aws", "sso_region": "eu-west-1",
		"sso_registration_scopes": "sso:account:access, openid"}) {
		t.Errorf("sso-session %v", s)
	}
	if s := b.client.logins[0].Scopes; !slices.Equal(s, []string{"sso:account:access", "openid"}) {
		t.Errorf("signed in with scopes %q", s)
	}
	want := map[string]string{"sso_session": "ssoins-7223", "sso_account_id": "111111111111", "sso_role_name": "Developer", "region": "ap-southeast-2", "output": "yaml"}
	for _, name := range []string{"dev/Developer", "default"} {
		if p := b.section("profile", name); !equalMaps(p, want) {
			t.Errorf("profile %s = %v, want %v", name, p, want)
		}
	}
}

func TestWizardProfileNameTaken(t *testing.T) {
	t.Parallel()
	const existing = `[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1

[profile dev-sandbox-Developer]
# the old way in
role_arn = arn:aws:iam::111111111111:role/Developer
source_profile = handmade
mfa_serial = arn:aws:iam::999999999999:mfa/me
cli_pager =

[default]
aws_access_key_id = AKIAEXAMPLE
region = us-west-2
`
	t.Run("another name", func(t *testing.T) {
		t.Parallel()
		b := newBed(t, existing, twoAccounts[:1])
		b.client.tokens["corp"] = "kept"
		err := b.run([]string{"", "", "", "", "", "n", "", "n"}, nil)
		if err != nil {
			t.Fatalf("%v\nstderr:\n%s", err, b.errOut)
		}
		wantAsked := []string{
			"SSO start URL [https://corp.awsapps.com/start]: ",
			"SSO region [eu-west-1]: ",
			"Default client region [eu-west-1]: ",
			"CLI default output format [json]: ",
			"Profile name [dev-sandbox-Developer]: ",
			"profile dev-sandbox-Developer exists; replace its settings?",
			"Profile name [dev-sandbox-Developer-2]: ",
			"Make dev-sandbox-Developer-2 the default profile (replacing the settings of [default])?",
		}
		if !slices.Equal(b.prompt.Asked, wantAsked) {
			t.Errorf("asked\n%q\nwant\n%q", b.prompt.Asked, wantAsked)
		}
		if got := b.config(); !strings.HasPrefix(got, existing) {
			t.Errorf("changed what it should not:\n%s", got)
		}
		if p := b.section("profile", "dev-sandbox-Developer-2"); p["sso_role_name"] != "Developer" {
			t.Errorf("new profile %v", p)
		}
	})
	t.Run("replace", func(t *testing.T) {
		t.Parallel()
		b := newBed(t, existing, twoAccounts[:1])
		b.client.tokens["corp"] = "kept"
		b.opts.Default = true
		err := b.run([]string{"", "", "", "", "", "y"}, nil)
		if err != nil {
			t.Fatalf("%v\nstderr:\n%s", err, b.errOut)
		}
		want := `[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1

[profile dev-sandbox-Developer]
# the old way in
mfa_serial = arn:aws:iam::999999999999:mfa/me
cli_pager =
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Developer
region = eu-west-1
output = json

[default]
region = eu-west-1
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Developer
output = json
`
		if got := b.config(); got != want {
			t.Errorf("config:\n%s\nwant:\n%s", got, want)
		}
		for _, line := range []string{
			"sesame: removed role_arn, source_profile from [profile dev-sandbox-Developer]",
			"sesame: removed aws_access_key_id from [default]",
		} {
			if !strings.Contains(b.errOut.String(), line) {
				t.Errorf("stderr lacks %q:\n%s", line, b.errOut)
			}
		}
	})
}

func TestWizardSessionNameTaken(t *testing.T) {
	t.Parallel()
	const existing = `[sso-session my-corp]
sso_start_url = https://other.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access, openid
`
	b := newBed(t, existing, twoAccounts[:1])
	err := b.run([]string{
		"https://my-corp.awsapps.com/start", "eu-west-1",
		"my-corp", "n", // the taken name, not replaced
		"my-corp", "y", // replaced after all
		"", // scopes: the session's
		"", "", "", "n",
	}, nil)
	if err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, b.errOut)
	}
	wantAsked := []string{
		"SSO start URL [https://other.awsapps.com/start]: ",
		"SSO region: ",
		"SSO session name [my-corp-2]: ",
		"[sso-session my-corp] signs in to https://other.awsapps.com/start in us-east-1; change it to this start URL and region (its profiles too)?",
		"SSO session name [my-corp-2]: ",
		"[sso-session my-corp] signs in to https://other.awsapps.com/start in us-east-1; change it to this start URL and region (its profiles too)?",
		"SSO registration scopes [sso:account:access, openid]: ",
	}
	if !slices.Equal(b.prompt.Asked[:len(wantAsked)], wantAsked) {
		t.Errorf("asked\n%q\nwant\n%q", b.prompt.Asked, wantAsked)
	}
	want := `[sso-session my-corp]
sso_start_url = https://my-corp.awsapps.com/start
sso_region = eu-west-1
sso_registration_scopes = sso:account:access, openid
`
	if got := b.config(); !strings.HasPrefix(got, want) {
		t.Errorf("config:\n%s\nwant it to start:\n%s", got, want)
	}
}

func TestWizardKeptSignInRefused(t *testing.T) {
	t.Parallel()
	const config = "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"
	b := newBed(t, config, twoAccounts[:1])
	b.client.tokens["corp"] = "stale"
	b.client.portal.unauthorized = map[string]bool{"stale": true}
	if err := b.run([]string{"", "", "", "", "", "n"}, nil); err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, b.errOut)
	}
	if !slices.Equal(b.client.forgot, []string{"corp"}) || len(b.client.logins) != 1 {
		t.Errorf("forgot %q and signed in %d times; want the refused token dropped and one sign-in", b.client.forgot, len(b.client.logins))
	}
}

func TestWizardErrors(t *testing.T) {
	t.Parallel()
	newSession := []string{"https://corp.awsapps.com/start", "eu-west-1", "", ""}
	for _, tt := range []struct {
		name     string
		accounts []store.ListedAccount
		set      func(*bed)
		answers  []string
		wantErr  string
		wantHint string
		canceled bool
	}{{
		name: "no terminal",
		set: func(b *bed) {
			b.opts.Prompter = noTTY{}
		},
		wantErr:  "the configure sso wizard asks its questions on a terminal, and there is none here",
		wantHint: "write the sections by hand (sesame configure sso --help shows them), or write only [sso-session NAME] and run: sesame sso login --sso-session NAME && sesame sso populate --sso-session NAME",
	}, {
		name:     "no terminal for the list",
		accounts: twoAccounts,
		set:      func(b *bed) { b.chooser.err = prompt.ErrNoTerminal },
		answers:  newSession,
		wantErr:  "asks its questions on a terminal",
	}, {
		name:     "list canceled",
		accounts: twoAccounts,
		set:      func(b *bed) { b.chooser.err = cmdutil.ErrCanceled },
		answers:  newSession,
		canceled: true,
	}, {
		name:     "ctrl-d",
		answers:  []string{},
		set:      func(b *bed) { b.opts.Prompter = eofTTY{} },
		canceled: true,
	}, {
		name:     "no account",
		accounts: []store.ListedAccount{{ID: "1", Name: "empty", Roles: []string{}}},
		answers:  newSession,
		wantErr:  "your sign-in to sso-session corp reaches no account with a role",
		wantHint: "ask your IAM Identity Center administrator to assign you a permission set",
	}, {
		name:     "sign-in fails",
		accounts: twoAccounts,
		set:      func(b *bed) { b.client.fail = errors.New("nobody finished signing in") },
		answers:  newSession,
		wantErr:  "signing in to sso-session corp: nobody finished signing in",
		wantHint: "run sesame configure sso again; or sign in with: sesame sso login --device-code --sso-session corp",
	}, {
		name:     "refused right after signing in",
		accounts: twoAccounts,
		set:      func(b *bed) { b.client.portal.unauthorized = map[string]bool{"token-1": true} },
		answers:  newSession,
		wantErr:  "not signed in to IAM Identity Center (sso-session corp): IAM Identity Center refused the sign-in",
		wantHint: "run: sesame sso login --sso-session corp",
	}} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := newBed(t, handWritten, tt.accounts)
			if tt.set != nil {
				tt.set(b)
			}
			err := b.run(tt.answers, nil)
			switch {
			case err == nil:
				t.Fatal("no error")
			case tt.canceled:
				if !errors.Is(err, cmdutil.ErrCanceled) || cmdutil.ExitCode(err) != cmdutil.ExitCanceled {
					t.Errorf("err = %v, want a cancel", err)
				}
			case !strings.Contains(err.Error(), tt.wantErr):
				t.Errorf("err = %v, want %q", err, tt.wantErr)
			}
			if tt.wantHint != "" && cmdutil.Hint(err) != tt.wantHint {
				t.Errorf("hint = %q, want %q", cmdutil.Hint(err), tt.wantHint)
			}
			// A failed run may have written the sso-session, nothing else.
			got := b.config()
			if !strings.HasPrefix(got, handWritten) || strings.Contains(got, "[profile corp") || strings.Contains(got, "sso_account_id") {
				t.Errorf("config after a failed run:\n%s", got)
			}
		})
	}
}

// noTTY is a Prompter where there is no terminal.
type noTTY struct{}

func (noTTY) Secret(context.Context, string) (string, error) { return "", prompt.ErrNoTerminal }
func (noTTY) Line(context.Context, string) (string, error)   { return "", prompt.ErrNoTerminal }
func (noTTY) Confirm(context.Context, string, bool) (bool, error) {
	return false, prompt.ErrNoTerminal
}

// eofTTY is a Prompter whose person pressed Ctrl-D.
type eofTTY struct{}

func (eofTTY) Secret(context.Context, string) (string, error)      { return "", io.EOF }
func (eofTTY) Line(context.Context, string) (string, error)        { return "", io.EOF }
func (eofTTY) Confirm(context.Context, string, bool) (bool, error) { return false, io.EOF }

func TestNewCmdSSOFlags(t *testing.T) {
	t.Parallel()
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios, LookupEnv: func(string) (string, bool) { return "", false }}
	for _, tt := range []struct {
		args    []string
		dflt    bool
		wantErr bool
	}{
		{args: nil},
		{args: []string{"--default"}, dflt: true},
		{args: []string{"extra"}, wantErr: true},
	} {
		var got *SSOOptions
		cmd := NewCmdSSO(f, sso.Deps{}, func(ctx context.Context, o *SSOOptions) error { got = o; return nil })
		cmd.SetArgs(tt.args)
		cmd.SetOut(&bytes.Buffer{})
		cmd.SetErr(&bytes.Buffer{})
		err := cmd.Execute()
		if tt.wantErr {
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage {
				t.Errorf("%q: err = %v, want a usage error", tt.args, err)
			}
			continue
		}
		if err != nil || got == nil || got.Default != tt.dflt {
			t.Errorf("%q: err %v, options %+v", tt.args, err, got)
		}
	}
	parent := NewCmdConfigure(f, sso.Deps{})
	if sub, _, err := parent.Find([]string{"sso"}); err != nil || sub.Name() != "sso" {
		t.Errorf("configure has no sso subcommand: %v", err)
	}
}

func TestWizardProfileNamedDefault(t *testing.T) {
	t.Parallel()
	const config = "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"
	b := newBed(t, config, twoAccounts[:1])
	b.client.tokens["corp"] = "kept"
	// No question about the default profile: it is the default profile.
	if err := b.run([]string{"", "", "", "", "default"}, nil); err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, b.errOut)
	}
	want := config + "\n[default]\nsso_session = corp\nsso_account_id = 111111111111\nsso_role_name = Developer\nregion = eu-west-1\noutput = json\n"
	if got := b.config(); got != want {
		t.Errorf("config:\n%s\nwant:\n%s", got, want)
	}
	if !strings.Contains(b.errOut.String(), "sesame: wrote [default] to ") || strings.Contains(b.errOut.String(), "also the default") {
		t.Errorf("stderr:\n%s", b.errOut)
	}
}

func TestWizardProgressOnTerminal(t *testing.T) {
	t.Parallel()
	const config = "[sso-session corp]\nsso_start_url = https://corp.awsapps.com/start\nsso_region = eu-west-1\n"
	b := newBed(t, config, twoAccounts)
	b.client.tokens["corp"] = "kept"
	b.opts.IO.SetTTY(false, false, true)
	var mu sync.Mutex
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	b.opts.Now = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Second)
		return now
	}
	if err := b.run([]string{"", "", "", "", "", "n"}, []string{"dev-sandbox"}); err != nil {
		t.Fatalf("%v\nstderr:\n%s", err, b.errOut)
	}
	out := b.errOut.String()
	if !strings.Contains(out, "\r\x1b[Ksesame: listed the roles in 2 of 2 accounts\r\x1b[Ksesame: you can use 2 accounts") {
		t.Errorf("no progress line, or not erased:\n%q", out)
	}
}
