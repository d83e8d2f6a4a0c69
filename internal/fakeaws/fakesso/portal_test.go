package fakesso_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/fakeaws/fakesso"
)

func TestGenerate(t *testing.T) {
	t.Parallel()
	accts := fakesso.Generate(12, 7)
	if len(accts) != 12 {
		t.Fatalf("%d accounts", len(accts))
	}
	first, last := accts[0], accts[11]
	if first.ID != "100000000001" || last.ID != "100000000012" || first.Name != "account-0001" || first.Email != "account-0001@example.com" {
		t.Errorf("accounts %+v ... %+v", first, last)
	}
	if len(first.Roles) != 7 || first.Roles[0] != "AdministratorAccess" || first.Roles[6] != "Role7" {
		t.Errorf("roles %q", first.Roles)
	}
	first.Roles[0] = "changed"
	if accts[1].Roles[0] != "AdministratorAccess" {
		t.Error("accounts share their role slices")
	}
}

func TestGetRoleCredentials(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakesso.Config{RoleCredentialTTL: 2 * time.Minute})
	_, tok := e.signIn([]string{"sso:account:access"})
	at := tok.str(t, "accessToken")
	a := e.portal(http.MethodGet, "/federation/credentials?account_id=100000000002&role_name=ReadOnlyAccess", at)
	if a.status != 200 {
		t.Fatalf("got %d %s", a.status, a.body)
	}
	var out struct {
		RoleCredentials struct {
			AccessKeyID     string `json:"accessKeyId"`
			SecretAccessKey string `json:"secretAccessKey"`
			SessionToken    string `json:"sessionToken"`
			Expiration      int64  `json:"expiration"`
		} `json:"roleCredentials"`
	}
	if err := json.Unmarshal(a.body, &out); err != nil {
		t.Fatal(err)
	}
	rc := out.RoleCredentials
	if !strings.HasPrefix(rc.AccessKeyID, "ASIA") || len(rc.AccessKeyID) != 20 || len(rc.SecretAccessKey) != 40 || rc.SessionToken == "" {
		t.Errorf("credentials %+v", rc)
	}
	if want := e.clk.Now().Add(2 * time.Minute).UnixMilli(); rc.Expiration != want {
		t.Errorf("expiration %d, want %d (epoch milliseconds)", rc.Expiration, want)
	}

	for _, tc := range []struct {
		name, query string
		status      int
		code        string
	}{
		{"no role", "account_id=100000000002", 400, "InvalidRequestException"},
		{"no account", "role_name=ReadOnlyAccess", 400, "InvalidRequestException"},
		{"unknown account", "account_id=999999999999&role_name=ReadOnlyAccess", 404, "ResourceNotFoundException"},
		{"unassigned role", "account_id=100000000002&role_name=Billing", 404, "ResourceNotFoundException"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			wantPortalError(t, e.portal(http.MethodGet, "/federation/credentials?"+tc.query, at), tc.status, tc.code)
		})
	}
}

func TestPortalUnauthorized(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		// token returns the bearer token to use after doing what the case
		// is about.
		token func(t *testing.T, e *env) string
	}{
		{"no token", func(t *testing.T, e *env) string { return "" }},
		{"unknown token", func(t *testing.T, e *env) string { return "aoaNOPE" }},
		{"expired", func(t *testing.T, e *env) string {
			_, tok := e.signIn(nil)
			e.clk.Advance(fakesso.DefaultTokenTTL)
			return tok.str(t, "accessToken")
		}},
		{"ExpireToken", func(t *testing.T, e *env) string {
			_, tok := e.signIn(nil)
			if !e.srv.ExpireToken(tok.str(t, "accessToken")) {
				t.Fatal("ExpireToken did not know the token")
			}
			return tok.str(t, "accessToken")
		}},
		{"logged out", func(t *testing.T, e *env) string {
			_, tok := e.signIn([]string{"sso:account:access"})
			at := tok.str(t, "accessToken")
			if a := e.portal(http.MethodPost, "/logout", at); a.status != 200 {
				t.Fatalf("logout: %d %s", a.status, a.body)
			}
			return at
		}},
		{"scope without account access", func(t *testing.T, e *env) string {
			_, tok := e.signIn([]string{"openid"})
			return tok.str(t, "accessToken")
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			e := newEnv(t, fakesso.Config{})
			at := tc.token(t, e)
			for _, call := range []struct{ method, path string }{
				{http.MethodGet, "/federation/credentials?account_id=100000000001&role_name=ReadOnlyAccess"},
				{http.MethodGet, "/assignment/accounts"},
				{http.MethodGet, "/assignment/roles?account_id=100000000001"},
				{http.MethodPost, "/logout"},
			} {
				wantPortalError(t, e.portal(call.method, call.path, at), 401, "UnauthorizedException")
			}
		})
	}
}

func TestLegacyTokenWorksAtThePortal(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakesso.Config{})
	_, tok := e.signIn(nil) // a registration without scopes, as legacy profiles make
	if a := e.portal(http.MethodGet, "/assignment/accounts", tok.str(t, "accessToken")); a.status != 200 {
		t.Errorf("got %d %s", a.status, a.body)
	}
}

func TestListAccountsPagination(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakesso.Config{Accounts: fakesso.Generate(45, 2)})
	at := e.srv.IssueToken(startURL, "sso:account:access").AccessToken
	list := func(query string) answer {
		t.Helper()
		return e.portal(http.MethodGet, "/assignment/accounts?"+query, at)
	}
	type page struct {
		NextToken   *string `json:"nextToken"`
		AccountList []struct {
			AccountID    string `json:"accountId"`
			AccountName  string `json:"accountName"`
			EmailAddress string `json:"emailAddress"`
		} `json:"accountList"`
	}
	var sizes []int
	var ids []string
	query := url.Values{"max_result": {"20"}}
	for {
		a := list(query.Encode())
		if a.status != 200 {
			t.Fatalf("got %d %s", a.status, a.body)
		}
		var p page
		if err := json.Unmarshal(a.body, &p); err != nil {
			t.Fatal(err)
		}
		sizes = append(sizes, len(p.AccountList))
		for _, acct := range p.AccountList {
			ids = append(ids, acct.AccountID)
		}
		if p.NextToken == nil {
			break
		}
		query.Set("next_token", *p.NextToken)
	}
	if len(sizes) != 3 || sizes[0] != 20 || sizes[1] != 20 || sizes[2] != 5 {
		t.Errorf("page sizes %v, want [20 20 5]", sizes)
	}
	if len(ids) != 45 || ids[0] != "100000000001" || ids[44] != "100000000045" {
		t.Errorf("ids %v", ids)
	}
	// Default page size.
	var p page
	if err := json.Unmarshal(list("").body, &p); err != nil || len(p.AccountList) != fakesso.DefaultPageSize {
		t.Errorf("default page: %d accounts (err %v)", len(p.AccountList), err)
	}

	for _, q := range []string{"max_result=0", "max_result=101", "max_result=x", "next_token=garbage", "next_token=" + rolesToken(t, e, at)} {
		t.Run(q, func(t *testing.T) {
			t.Parallel()
			wantPortalError(t, list(q), 400, "InvalidRequestException")
		})
	}
}

// rolesToken returns a next_token of a ListAccountRoles listing, which
// ListAccounts must refuse.
func rolesToken(t *testing.T, e *env, at string) string {
	t.Helper()
	a := e.portal(http.MethodGet, "/assignment/roles?account_id=100000000001&max_result=1", at)
	tok := a.str(t, "nextToken")
	if tok == "" {
		t.Fatalf("no nextToken in %s", a.body)
	}
	return tok
}

func TestListAccountRoles(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakesso.Config{Accounts: fakesso.Generate(2, 5)})
	at := e.srv.IssueToken(startURL, "sso:account:access").AccessToken
	var roles []string
	next := ""
	for range 10 {
		q := url.Values{"account_id": {"100000000002"}, "max_result": {"2"}}
		if next != "" {
			q.Set("next_token", next)
		}
		a := e.portal(http.MethodGet, "/assignment/roles?"+q.Encode(), at)
		if a.status != 200 {
			t.Fatalf("got %d %s", a.status, a.body)
		}
		var p struct {
			NextToken *string `json:"nextToken"`
			RoleList  []struct {
				RoleName  string `json:"roleName"`
				AccountID string `json:"accountId"`
			} `json:"roleList"`
		}
		if err := json.Unmarshal(a.body, &p); err != nil {
			t.Fatal(err)
		}
		for _, r := range p.RoleList {
			if r.AccountID != "100000000002" {
				t.Errorf("role %+v of another account", r)
			}
			roles = append(roles, r.RoleName)
		}
		if p.NextToken == nil {
			break
		}
		next = *p.NextToken
	}
	if want := "AdministratorAccess ReadOnlyAccess PowerUserAccess ViewOnlyAccess Billing"; strings.Join(roles, " ") != want {
		t.Errorf("roles %q, want %s", roles, want)
	}
	wantPortalError(t, e.portal(http.MethodGet, "/assignment/roles", at), 400, "InvalidRequestException")
	wantPortalError(t, e.portal(http.MethodGet, "/assignment/roles?account_id=999999999999", at), 404, "ResourceNotFoundException")
	// A token of one account's roles is not one of another's.
	wantPortalError(t, e.portal(http.MethodGet, "/assignment/roles?account_id=100000000001&next_token="+next, at), 400, "InvalidRequestException")
}

func TestRateLimit(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakesso.Config{Rate: 2, TokenTTL: 24 * time.Hour})
	at := e.srv.IssueToken(startURL, "sso:account:access").AccessToken
	call := func() answer {
		t.Helper()
		return e.portal(http.MethodGet, "/assignment/accounts", at)
	}
	for i := range 2 {
		if a := call(); a.status != 200 {
			t.Fatalf("call %d: %d %s", i+1, a.status, a.body)
		}
	}
	wantPortalError(t, call(), 429, "TooManyRequestsException")
	// Unauthenticated calls count too, and are throttled before their
	// token is looked at.
	wantPortalError(t, e.portal(http.MethodGet, "/assignment/accounts", ""), 429, "TooManyRequestsException")
	e.clk.Advance(500 * time.Millisecond)
	if a := call(); a.status != 200 {
		t.Errorf("after 0.5 s at 2/s: %d", a.status)
	}
	wantPortalError(t, call(), 429, "TooManyRequestsException")
	// The bucket holds at most Rate calls however long the pause.
	e.clk.Advance(time.Hour)
	for range 2 {
		call()
	}
	wantPortalError(t, call(), 429, "TooManyRequestsException")

	e.srv.SetRate(0)
	for range 50 {
		if a := call(); a.status != 200 {
			t.Fatalf("unlimited: %d", a.status)
		}
	}
	e.srv.SetRate(1)
	call()
	wantPortalError(t, call(), 429, "TooManyRequestsException")
	// OIDC calls are not throttled by the portal's rate.
	if a := e.post("/client/register", map[string]string{"clientName": "x", "clientType": "public"}); a.status != 200 {
		t.Errorf("register under the portal's rate limit: %d", a.status)
	}
}

func TestRequestLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakesso.Config{})
	r, tok := e.signIn([]string{"sso:account:access"})
	at, rt := tok.str(t, "accessToken"), tok.str(t, "refreshToken")
	if a := e.refresh(r, rt); a.status != 200 {
		t.Fatal(a.status)
	}
	e.portal(http.MethodGet, "/federation/credentials?account_id=100000000001&role_name=AdministratorAccess", at)
	e.portal(http.MethodGet, "/federation/credentials?account_id=100000000001&role_name=Nope", at)

	reqs := e.srv.Requests()
	var ops []string
	for _, r := range reqs {
		ops = append(ops, r.Op)
	}
	if want := "RegisterClient StartDeviceAuthorization CreateToken CreateToken GetRoleCredentials GetRoleCredentials"; strings.Join(ops, " ") != want {
		t.Fatalf("ops %q, want %s", ops, want)
	}
	if reqs[2].GrantType != fakesso.GrantDeviceCode || reqs[3].GrantType != fakesso.GrantRefreshToken || reqs[3].Status != 200 {
		t.Errorf("CreateToken entries %+v %+v", reqs[2], reqs[3])
	}
	if got := reqs[5]; got.Status != 404 || got.ErrorCode != "ResourceNotFoundException" || got.AccountID != "100000000001" || got.RoleName != "Nope" {
		t.Errorf("error entry %+v", got)
	}
	if !reqs[0].Time.Equal(e.clk.Now()) || reqs[0].Method != "POST" || reqs[0].Path != "/client/register" {
		t.Errorf("first entry %+v", reqs[0])
	}
	if n := e.srv.Count(fakesso.OpCreateToken, fakesso.GrantRefreshToken); n != 1 {
		t.Errorf("Count(CreateToken, refresh_token) = %d", n)
	}
	if n := e.srv.Count(fakesso.OpCreateToken, ""); n != 2 {
		t.Errorf("Count(CreateToken) = %d", n)
	}

	// The log over HTTP holds the same, and no secret.
	a := e.do(http.MethodGet, fakesso.RequestsPath, nil, nil)
	var overHTTP []fakesso.Request
	if err := json.Unmarshal(a.body, &overHTTP); err != nil || len(overHTTP) != len(reqs) {
		t.Fatalf("%s: %d entries (err %v)", fakesso.RequestsPath, len(overHTTP), err)
	}
	for _, secret := range []string{at, rt, r.secret, r.id} {
		if strings.Contains(string(a.body), secret) {
			t.Errorf("the log holds a secret: %s", a.body)
		}
	}
	e.srv.ResetLog()
	if len(e.srv.Requests()) != 0 {
		t.Error("ResetLog left entries")
	}
}

func TestIssueToken(t *testing.T) {
	t.Parallel()
	e := newEnv(t, fakesso.Config{Region: "eu-west-1"})
	tok := e.srv.IssueToken(startURL, "sso:account:access")
	if tok.StartURL != startURL || tok.Region != "eu-west-1" || tok.RefreshToken == "" || tok.ClientID == "" ||
		!tok.ExpiresAt.Equal(e.clk.Now().Add(time.Hour)) || !tok.RegistrationExpiresAt.Equal(e.clk.Now().Add(90*24*time.Hour)) {
		t.Errorf("token %+v", tok)
	}
	if a := e.refresh(registration{tok.ClientID, tok.ClientSecret}, tok.RefreshToken); a.status != 200 {
		t.Errorf("refresh: %d %s", a.status, a.body)
	}
	if legacy := e.srv.IssueToken(startURL); legacy.RefreshToken != "" {
		t.Error("a refresh token without sso:account:access")
	}
}

func TestTokenCacheFile(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	tok := fakesso.CachedToken{
		StartURL: startURL, Region: "us-east-1", AccessToken: "aoaX",
		ExpiresAt: time.Date(2026, 11, 21, 10, 40, 24, 0, time.UTC), ClientID: "c", ClientSecret: "s",
		RegistrationExpiresAt: time.Date(2027, 2, 19, 10, 40, 24, 0, time.UTC), RefreshToken: "aorX",
	}
	path, err := fakesso.WriteTokenCache(home, "my-sso", tok)
	if err != nil {
		t.Fatal(err)
	}
	// sha1("my-sso")
	if want := filepath.Join(home, ".aws", "sso", "cache", "0ad374308c5a4e22f723adf10145eafad7c4031c.json"); path != want {
		t.Errorf("path %s", path)
	}
	if path != fakesso.TokenCachePath(home, "my-sso") {
		t.Errorf("WriteTokenCache wrote %s, TokenCachePath says %s", path, fakesso.TokenCachePath(home, "my-sso"))
	}
	body, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(body), `"expiresAt":"2026-11-21T10:40:24Z"`) || !strings.Contains(string(body), `"registrationExpiresAt":"2027-02-19T10:40:24Z"`) {
		t.Errorf("cache file %s", body)
	}
	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v (err %v)", fi.Mode(), err)
	}
	back, err := fakesso.ReadTokenCache(path)
	if err != nil || back != tok {
		t.Errorf("read back %+v (err %v), want %+v", back, err, tok)
	}
}

func TestWriteCLIv2Overrides(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	if err := fakesso.WriteCLIv2Overrides(dir, "http://127.0.0.1:1", "http://127.0.0.1:2"); err != nil {
		t.Fatal(err)
	}
	for svc, want := range map[string]string{
		"sso-oidc/2019-06-10": "http://127.0.0.1:1",
		"sso/2019-06-10":      "http://127.0.0.1:1",
		"sts/2011-06-15":      "http://127.0.0.1:2",
	} {
		body, err := os.ReadFile(filepath.Join(dir, svc, "endpoint-rule-set-1.json"))
		if err != nil {
			t.Fatal(err)
		}
		var rs struct {
			Version    string                     `json:"version"`
			Parameters map[string]json.RawMessage `json:"parameters"`
			Rules      []struct {
				Type     string `json:"type"`
				Endpoint struct {
					URL string `json:"url"`
				} `json:"endpoint"`
			} `json:"rules"`
		}
		if err := json.Unmarshal(body, &rs); err != nil {
			t.Fatal(err)
		}
		if rs.Version != "1.0" || len(rs.Rules) != 1 || rs.Rules[0].Type != "endpoint" || rs.Rules[0].Endpoint.URL != want || rs.Parameters["Region"] == nil {
			t.Errorf("%s: %s", svc, body)
		}
	}
	// Without an STS URL, STS is left alone.
	dir = t.TempDir()
	if err := fakesso.WriteCLIv2Overrides(dir, "http://127.0.0.1:1", ""); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "sts")); !os.IsNotExist(err) {
		t.Errorf("sts override written without an STS URL (err %v)", err)
	}
}
