package testenv

import (
	"context"
	"errors"
	"fmt"
	"github.com/sesamehq/sesame/internal/fakeaws/fakesignin"
	"github.com/sesamehq/sesame/internal/fakeaws/fakesso"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sesamehq/sesame/internal/fakeaws"
)

// motoAcquireTimeout bounds how long a script's moto command waits for a
// server of the pool while other tests hold them all.
const motoAcquireTimeout = 5 * time.Minute

// ScriptParams returns testscript parameters that run the scripts in dir
// (*.txtar) with the directory of each binary in bins first on PATH (so a
// binary from [Sesame] is run as `sesame`), in a sandbox, with the commands
// and conditions below. Use it as
//
//	testscript.Run(t, testenv.ScriptParams("../../testdata/script", testenv.Sesame(t)))
//
// Each script gets the environment of [Sandbox] with HOME=$WORK/home
// (AWS_CONFIG_FILE=$HOME/.aws/config,
// AWS_SHARED_CREDENTIALS_FILE=$HOME/.aws/credentials, XDG_* under $HOME,
// ~/.aws and XDG_RUNTIME_DIR mode 0700), testscript's own TMPDIR and
// variables, and CI if the test process has it. Nothing else leaks in from
// the developer's environment.
//
// Commands, in addition to testscript's (which include chmod):
//
//	moto
//	    Acquire a moto server of the pool for the rest of the script (reset,
//	    authentication off) with a fresh recording proxy. Sets
//	    AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL_IAM to
//	    the proxy, AWS_REGION and AWS_DEFAULT_REGION to us-east-1, MOTO_URL
//	    to moto itself and RECORDER_URL to the proxy (its log is at
//	    $RECORDER_URL/__recorder/requests). Without moto_server the script
//	    fails in CI and is skipped elsewhere.
//	motoauth
//	    Turn on moto's authentication (see MotoServer.ResetAuth).
//	awscalls SERVICE ACTION N
//	    Assert that the proxy saw exactly N requests for SERVICE and ACTION
//	    (e.g. awscalls sts AssumeRole 1).
//	awslog
//	    Print the proxy's log to stdout, one request a line:
//	    SERVICE ACTION key=AKID status=CODE [error=CODE] NAME=VALUE...
//	    (parameters sorted, Action and Version left out), for stdout
//	    assertions such as: stdout '^sts AssumeRole .*DurationSeconds=900'.
//	awsreset
//	    Empty the proxy's log.
//	filemode MODE FILE...
//	    Assert that each FILE has the permission bits MODE (octal, e.g.
//	    0600); with !, that none has.
//	need PROGRAM [HINT...]
//	    Require PROGRAM on PATH (or at its path): without it the script
//	    fails in CI and is skipped elsewhere, the message naming HINT.
//	npmclients
//	    Install (once, into a cache folder) and use the npm packages of
//	    testdata/npm: the AWS SDK for JavaScript v3 and the AWS CDK CLI
//	    (see npm.go). Sets NODE_PATH to their node_modules (for require),
//	    puts its .bin (cdk) first on PATH, sets JS to testdata/js and turns
//	    off the CDK's version check and telemetry. Without node or npm the
//	    script fails in CI and is skipped elsewhere.
//	needroot
//	    Require root (to run a program as nobody with setpriv --reuid
//	    65534): without it the script fails in CI and is skipped elsewhere.
//
// Conditions: [moto] is true when moto_server is installed; in CI its
// absence is an error rather than false. [root] is true when the script runs
// as root (who can read files whatever their mode).
func ScriptParams(dir string, bins ...string) testscript.Params {
	return testscript.Params{
		Dir:                dir,
		Setup:              scriptSetup(bins),
		Condition:          scriptCondition,
		Cmds:               ScriptCmds(),
		RequireUniqueNames: true,
	}
}

type scriptStateKey struct{}

// scriptState is what the custom commands of one script share. Commands of
// one script run one at a time.
type scriptState struct {
	t    testscript.T
	moto *MotoServer
	sso  *fakesso.Server
	// signin is the fake AWS Sign-In (script_signin.go).
	signin *fakesignin.Server
}

func scriptStateOf(ts *testscript.TestScript) *scriptState {
	st, _ := ts.Value(scriptStateKey{}).(*scriptState)
	if st == nil {
		ts.Fatalf("testenv: script not set up by testenv.ScriptParams")
	}
	return st
}

func scriptSetup(bins []string) func(*testscript.Env) error {
	return func(env *testscript.Env) error {
		home, err := NewHome(filepath.Join(env.WorkDir, "home"))
		if err != nil {
			return err
		}
		var path []string
		for _, b := range bins {
			abs, err := filepath.Abs(b)
			if err != nil {
				return err
			}
			path = append(path, filepath.Dir(abs))
		}
		path = append(path, os.Getenv("PATH"))
		for _, kv := range home.Env() {
			k, v, _ := strings.Cut(kv, "=")
			switch k {
			case "TMPDIR":
				// Keep testscript's $WORK/.tmp.
			case "PATH":
				env.Setenv("PATH", strings.Join(path, string(os.PathListSeparator)))
			default:
				env.Setenv(k, v)
			}
		}
		if ci, ok := os.LookupEnv("CI"); ok {
			env.Setenv("CI", ci)
		}
		env.Values[scriptStateKey{}] = &scriptState{t: env.T()}
		return nil
	}
}

func scriptCondition(cond string) (bool, error) {
	switch cond {
	case "moto":
		err := MotoAvailable()
		if err != nil && InCI() {
			return false, err
		}
		return err == nil, nil
	case "root":
		return os.Geteuid() == 0, nil
	}
	return false, fmt.Errorf("unknown condition %q", cond)
}

// ScriptCmds returns the custom commands documented at [ScriptParams], for
// a testscript.Params built by hand; they need ScriptParams's Setup.
func ScriptCmds() map[string]func(ts *testscript.TestScript, neg bool, args []string) {
	return signinCmds(map[string]func(ts *testscript.TestScript, neg bool, args []string){
		"moto":           cmdMoto,
		"motoauth":       cmdMotoAuth,
		"awscalls":       cmdAWSCalls,
		"awslog":         cmdAWSLog,
		"awsreset":       cmdAWSReset,
		"filemode":       cmdFileMode,
		"need":           cmdNeed,
		"needroot":       cmdNeedRoot,
		"npmclients":     cmdNPMClients,
		"fakesso":        cmdFakeSSO,
		"ssocalls":       cmdSSOCalls,
		"ssoerrors":      cmdSSOErrors,
		"ssorevoke":      cmdSSORevoke,
		"ssoreset":       cmdSSOReset,
		"ssoexpire":      cmdSSOExpire,
		"ssoapprove":     cmdSSOApprove,
		"cliv2overrides": cmdCLIv2Overrides,
		"fakefederation": cmdFakeFederation,
	})
}

// skipOrFailScript is SkipOrFail for a script.
func skipOrFailScript(ts *testscript.TestScript, err error) {
	if InCI() {
		ts.Fatalf("%v (CI=true: a missing tool is a failure)", err)
	}
	ts.Logf("skipping: %v", err)
	scriptStateOf(ts).t.Skip("skipping: " + err.Error())
}

func cmdMoto(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: moto")
	}
	st := scriptStateOf(ts)
	if st.moto != nil {
		ts.Fatalf("moto: already acquired by this script")
	}
	ctx, cancel := context.WithTimeout(context.Background(), motoAcquireTimeout)
	defer cancel()
	start := time.Now()
	m, release, err := AcquireMoto(ctx)
	if err != nil {
		if _, ok := errors.AsType[*MissingToolError](err); ok {
			skipOrFailScript(ts, err)
		}
		ts.Fatalf("moto: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		ts.Logf("moto: waited %.1fs for a server of the pool", d.Seconds())
	}
	ts.Defer(release)
	st.moto = m
	for _, kv := range m.Env() {
		k, v, _ := strings.Cut(kv, "=")
		ts.Setenv(k, v)
	}
	ts.Setenv("MOTO_URL", m.URL)
	ts.Setenv("RECORDER_URL", m.ProxyURL())
}

func needMoto(ts *testscript.TestScript, cmd string) *MotoServer {
	m := scriptStateOf(ts).moto
	if m == nil {
		ts.Fatalf("%s: run moto first", cmd)
	}
	return m
}

func cmdMotoAuth(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: motoauth")
	}
	m := needMoto(ts, "motoauth")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ts.Check(m.EnableAuth(ctx))
}

func cmdAWSCalls(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: awscalls SERVICE ACTION N")
	}
	want, err := strconv.Atoi(args[2])
	if err != nil || want < 0 {
		ts.Fatalf("awscalls: N must be a count, not %q", args[2])
	}
	m := needMoto(ts, "awscalls")
	if got := m.Proxy.Count(args[0], args[1]); got != want {
		ts.Fatalf("awscalls: %d %s %s calls, want %d; all calls:\n%s", got, args[0], args[1], want, formatLog(m.Proxy.Requests()))
	}
}

func cmdAWSLog(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: awslog")
	}
	_, err := fmt.Fprint(ts.Stdout(), formatLog(needMoto(ts, "awslog").Proxy.Requests()))
	ts.Check(err)
}

func cmdAWSReset(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: awsreset")
	}
	needMoto(ts, "awsreset").Proxy.Reset()
}

// formatLog renders requests as awslog prints them.
func formatLog(reqs []fakeaws.Request) string {
	var b strings.Builder
	for _, r := range reqs {
		service, action := r.Service, r.Action
		if service == "" {
			service = "-"
		}
		if action == "" {
			action = r.Method + "_" + r.Path
		}
		fmt.Fprintf(&b, "%s %s key=%s status=%d", service, action, r.AccessKeyID, r.Status)
		if r.ErrorCode != "" {
			fmt.Fprintf(&b, " error=%s", r.ErrorCode)
		}
		names := slices.Sorted(func(yield func(string) bool) {
			for k := range r.Params {
				if k != "Action" && k != "Version" && !yield(k) {
					return
				}
			}
		})
		for _, k := range names {
			for _, v := range r.Params[k] {
				fmt.Fprintf(&b, " %s=%s", k, v)
			}
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func cmdFileMode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: filemode MODE FILE...")
	}
	want, err := strconv.ParseUint(args[0], 8, 32)
	if err != nil || want > 0o777 {
		ts.Fatalf("filemode: MODE must be octal permission bits like 0600, not %q", args[0])
	}
	for _, f := range args[1:] {
		fi, err := os.Stat(ts.MkAbs(f))
		ts.Check(err)
		got := fi.Mode().Perm()
		switch {
		case !neg && uint64(got) != want:
			ts.Fatalf("filemode: %s has mode %#o, want %#o", f, got, want)
		case neg && uint64(got) == want:
			ts.Fatalf("filemode: %s has mode %#o, want anything else", f, got)
		}
	}
}

func cmdNeed(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) == 0 {
		ts.Fatalf("usage: need PROGRAM [HINT...]")
	}
	hint := strings.Join(args[1:], " ")
	if hint == "" {
		hint = "install it"
	}
	// Look it up on the script's PATH, not the test process's.
	name := args[0]
	if !strings.ContainsRune(name, os.PathSeparator) {
		for _, dir := range filepath.SplitList(ts.Getenv("PATH")) {
			if fi, err := os.Stat(filepath.Join(dir, name)); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
				return
			}
		}
		skipOrFailScript(ts, &MissingToolError{Name: name, Hint: hint})
		return
	}
	if _, err := LookTool(name, hint); err != nil {
		skipOrFailScript(ts, err)
	}
}
