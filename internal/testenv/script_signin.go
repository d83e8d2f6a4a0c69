package testenv

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sesamehq/sesame/internal/fakeaws/fakesignin"
)

// Script commands for the fake AWS Sign-In:
//
//	fakesignin [-token-ttl D] [-session-ttl D] [-auto-approve]
//	    start a fake (after moto) for the rest of the script; sets
//	    AWS_ENDPOINT_URL_SIGNIN and SIGNIN_URL, and LOGIN_SESSION to the
//	    ARN every sign-in gets (arn:aws:sts::123456789012:assumed-role/Admin/alice,
//	    which moto's GetCallerIdentity answers for its credentials).
//	signincalls OP[:GRANT] N
//	    assert the fake answered OP (e.g. CreateOAuth2Token:refresh_token,
//	    Authorize) exactly N times.
//	signinfail CODE
//	    make the fake's next token call fail with CODE (TOKEN_EXPIRED,
//	    USER_CREDENTIALS_CHANGED, INSUFFICIENT_PERMISSIONS, ...).
//	signinreset
//	    empty the fake's request log.
//	signinttl D
//	    make the credentials the fake issues from now on last D.
//	gosdk
//	    build gowhoami (the AWS SDK for Go v2's default chain, then STS
//	    GetCallerIdentity; see internal/testenv/gowhoami) and set GOWHOAMI
//	    to its path.

func cmdFakeSignin(ts *testscript.TestScript, neg bool, args []string) {
	fs := flag.NewFlagSet("fakesignin", flag.ContinueOnError)
	tokenTTL := fs.Duration("token-ttl", fakesignin.DefaultTokenTTL, "")
	sessionTTL := fs.Duration("session-ttl", fakesignin.DefaultSessionTTL, "")
	auto := fs.Bool("auto-approve", false, "")
	if neg || fs.Parse(args) != nil || fs.NArg() != 0 {
		ts.Fatalf("usage: fakesignin [-token-ttl D] [-session-ttl D] [-auto-approve]")
	}
	st := scriptStateOf(ts)
	m := needMoto(ts, "fakesignin")
	if st.signin != nil {
		ts.Fatalf("fakesignin: already started")
	}
	srv := fakesignin.New(fakesignin.Config{MotoURL: m.URL, TokenTTL: *tokenTTL, SessionTTL: *sessionTTL, AutoApprove: *auto})
	url, stop, err := srv.Listen("127.0.0.1:0")
	ts.Check(err)
	ts.Defer(stop)
	st.signin = srv
	ts.Setenv("AWS_ENDPOINT_URL_SIGNIN", url)
	ts.Setenv("SIGNIN_URL", url)
	ts.Setenv("LOGIN_SESSION", srv.SessionARN())
}

func needSignin(ts *testscript.TestScript, cmd string) *fakesignin.Server {
	s := scriptStateOf(ts).signin
	if s == nil {
		ts.Fatalf("%s: run fakesignin first", cmd)
	}
	return s
}

func cmdSigninCalls(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: signincalls OP[:GRANT] N")
	}
	s := needSignin(ts, "signincalls")
	op, grant, _ := strings.Cut(args[0], ":")
	want, err := strconv.Atoi(args[1])
	ts.Check(err)
	if got := s.Count(op, grant); got != want {
		var log []string
		for _, r := range s.Requests() {
			log = append(log, fmt.Sprintf("%s %s %d %s", r.Op, r.GrantType, r.Status, r.ErrorCode))
		}
		ts.Fatalf("signincalls: %s answered %d times, want %d; log:\n%s", args[0], got, want, strings.Join(log, "\n"))
	}
}

func cmdSigninFail(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: signinfail CODE")
	}
	ts.Check(needSignin(ts, "signinfail").FailNext(args[0]))
}

func cmdSigninReset(ts *testscript.TestScript, neg bool, args []string) {
	needSignin(ts, "signinreset").ResetLog()
}

func cmdSigninTTL(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: signinttl D")
	}
	d, err := time.ParseDuration(args[0])
	ts.Check(err)
	needSignin(ts, "signinttl").SetTokenTTL(d)
}

func cmdGoSDK(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: gosdk")
	}
	path, err := buildBinary("github.com/sesamehq/sesame/internal/testenv/gowhoami")
	ts.Check(err)
	ts.Setenv("GOWHOAMI", path)
}

// signinCmds are the commands above, for ScriptCmds.
func signinCmds(m map[string]func(ts *testscript.TestScript, neg bool, args []string)) map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	m["fakesignin"] = cmdFakeSignin
	m["signincalls"] = cmdSigninCalls
	m["signinfail"] = cmdSigninFail
	m["signinreset"] = cmdSigninReset
	m["signinttl"] = cmdSigninTTL
	m["gosdk"] = cmdGoSDK
	return m
}
