package testenv

import (
	"errors"
	"os"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// NobodyUID is the uid (and gid) of the user nobody, as whom [AsNobody]
// runs a program.
const NobodyUID = 65534

// errNotRoot is why a test cannot act as another user.
var errNotRoot = errors.New("running a program as another user (setpriv --reuid 65534) needs root: run the tests as root, as CI does")

// AsNobody returns the command line prefix that runs a program as the
// user nobody (uid and gid 65534, no supplementary groups):
//
//	setpriv --reuid 65534 --regid 65534 --clear-groups --
//
// It needs root and setpriv (util-linux); without either the test fails in
// CI and is skipped elsewhere, saying which. The program must be one that
// nobody can run (not under /root), and it starts in a folder nobody may
// not be able to read.
func AsNobody(t testing.TB) []string {
	t.Helper()
	setpriv := NeedCommand(t, "setpriv", "apt-get install -y util-linux")
	if os.Geteuid() != 0 {
		SkipOrFail(t, errNotRoot)
	}
	return []string{setpriv, "--reuid", "65534", "--regid", "65534", "--clear-groups", "--"}
}

// cmdNeedRoot is the script command needroot: without root the script
// fails in CI and is skipped elsewhere.
func cmdNeedRoot(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: needroot")
	}
	if os.Geteuid() != 0 {
		skipOrFailScript(ts, errNotRoot)
	}
}
