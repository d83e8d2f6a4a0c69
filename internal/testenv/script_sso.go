package testenv

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sesamehq/sesame/internal/fakeaws/fakesso"
)

// Script commands for the fake IAM Identity Center:
//
//	fakesso [-token-ttl D] [-role-ttl D] [-rate N] [-poll D] [-accounts N -roles R]
//	    start a fake (after moto) for the rest of the script; sets
//	    AWS_ENDPOINT_URL_SSO, AWS_ENDPOINT_URL_SSO_OIDC and SSO_URL. Its
//	    accounts: 111111111111 "dev" (Developer, ReadOnly) and
//	    222222222222 "prod" (ReadOnly); with -accounts and -roles,
//	    fakesso.Generate(N, R) instead (account-0001 = 100000000001 ...,
//	    roles AdministratorAccess, ReadOnlyAccess, PowerUserAccess, ...).
//	ssocalls OP[:GRANT] N
//	    assert the fake answered OP (e.g. GetRoleCredentials,
//	    CreateToken:refresh_token) exactly N times.
//	ssoerrors CODE N
//	    assert the fake answered the error CODE (e.g.
//	    InvalidGrantException) exactly N times.
//	ssorevoke
//	    make every refresh token invalid.
//	ssoreset
//	    empty the fake's request log.

func cmdFakeSSO(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("fakesso", flag.ContinueOnError)
	tokenTTL := fs.Duration("token-ttl", time.Hour, "")
	roleTTL := fs.Duration("role-ttl", time.Hour, "")
	rate := fs.Float64("rate", 0, "")
	poll := fs.Duration("poll", time.Second, "")
	nAccounts := fs.Int("accounts", 0, "")
	nRoles := fs.Int("roles", 0, "")
	if neg || fs.Parse(args) != nil || fs.NArg() != 0 || *nAccounts < 0 || *nRoles < 0 || (*nAccounts > 0) != (*nRoles > 0) {
		ts.Fatalf("usage: fakesso [-token-ttl D] [-role-ttl D] [-rate N] [-poll D] [-accounts N -roles R]")
	}
	accounts := []fakesso.Account{
		{ID: "111111111111", Name: "dev", Email: "dev@example.com", Roles: []string{"Developer", "ReadOnly"}},
		{ID: "222222222222", Name: "prod", Email: "prod@example.com", Roles: []string{"ReadOnly"}},
	}
	if *nAccounts > 0 {
		accounts = fakesso.Generate(*nAccounts, *nRoles)
	}
	st := scriptStateOf(ts)
	m := needMoto(ts, "fakesso")
	if st.sso != nil {
		ts.Fatalf("fakesso: already started")
	}
	srv := fakesso.New(fakesso.Config{
		Accounts: accounts,
		TokenTTL: *tokenTTL, RoleCredentialTTL: *roleTTL, Rate: *rate, PollInterval: *poll, MotoURL: m.URL, Region: "eu-west-1",
	})
	url, stop, err := srv.Listen("127.0.0.1:0")
	ts.Check(err)
	ts.Defer(stop)
	st.sso = srv
	ts.Setenv("AWS_ENDPOINT_URL_SSO", url)
	ts.Setenv("AWS_ENDPOINT_URL_SSO_OIDC", url)
	ts.Setenv("SSO_URL", url)
}

func needSSO(ts *testscript.TestScript, cmd string) *fakesso.Server {
	s := scriptStateOf(ts).sso
	if s == nil {
		ts.Fatalf("%s: run fakesso first", cmd)
	}
	return s
}

func cmdSSOCalls(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: ssocalls OP[:GRANT] N")
	}
	s := needSSO(ts, "ssocalls")
	op, grant, _ := strings.Cut(args[0], ":")
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	if got := s.Count(op, grant); got != want {
		var log []string
		for _, r := range s.Requests() {
			log = append(log, fmt.Sprintf("%s %s %d %s", r.Op, r.GrantType, r.Status, r.ErrorCode))
		}
		ts.Fatalf("ssocalls: %s answered %d times, want %d; log:\n%s", args[0], got, want, strings.Join(log, "\n"))
	}
}

func cmdSSOErrors(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: ssoerrors CODE N")
	}
	s := needSSO(ts, "ssoerrors")
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	got := 0
	var log []string
	for _, r := range s.Requests() {
		if r.ErrorCode == args[0] {
			got++
		}
		log = append(log, fmt.Sprintf("%s %s %d %s", r.Op, r.GrantType, r.Status, r.ErrorCode))
	}
	if got != want {
		ts.Fatalf("ssoerrors: %s answered %d times, want %d; log:\n%s", args[0], got, want, strings.Join(log, "\n"))
	}
}

func cmdSSORevoke(ts *testscript.TestScript, neg bool, args []string) {
	needSSO(ts, "ssorevoke").RevokeRefreshTokens()
}

// cmdSSOExpire makes every access token the fake issued expired at the
// portal: GetRoleCredentials answers UnauthorizedException.
func cmdSSOExpire(ts *testscript.TestScript, neg bool, args []string) {
	needSSO(ts, "ssoexpire").ExpireAllTokens()
}

func cmdSSOReset(ts *testscript.TestScript, neg bool, args []string) {
	needSSO(ts, "ssoreset").ResetLog()
}

// cmdSSOApprove waits (up to 30 s) for a device authorization to be pending
// at the fake and approves it, as a person on the approval page would.
func cmdSSOApprove(ts *testscript.TestScript, neg bool, args []string) {
	s := needSSO(ts, "ssoapprove")
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if codes := s.PendingUserCodes(); len(codes) > 0 {
			for _, c := range codes {
				ts.Check(s.Approve(c))
			}
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	ts.Fatalf("ssoapprove: no device authorization became pending within 30s")
}

// cmdCLIv2Overrides writes the AWS_DATA_PATH endpoint overrides that send
// the AWS CLI v2 (which ignores AWS_ENDPOINT_URL) to the fake SSO and to
// moto's recording proxy, and sets AWS_DATA_PATH.
func cmdCLIv2Overrides(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: cliv2overrides DIR")
	}
	s := scriptStateOf(ts)
	needSSO(ts, "cliv2overrides")
	dir := ts.MkAbs(args[0])
	ts.Check(fakesso.WriteCLIv2Overrides(dir, ts.Getenv("SSO_URL"), s.moto.ProxyURL()))
	ts.Setenv("AWS_DATA_PATH", dir)
}
