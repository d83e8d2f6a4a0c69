package main_test

import (
	"flag"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sesamehq/sesame/internal/testenv"
)

// scriptParallel is how many tests (the scripts, each t.Parallel) run at
// once unless -test.parallel says otherwise. A script spends most of its
// time waiting for what it starts (sesame, the AWS CLIs, moto, a
// terminal), so more scripts than GOMAXPROCS (go test's default) keep the
// cores busy; twice the moto pool lets scripts without moto run beside
// those with it.
const scriptParallel = 2 * testenv.MotoPoolSize

func TestMain(m *testing.M) {
	flag.Parse()
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		if err := flag.Set("test.parallel", strconv.Itoa(scriptParallel)); err != nil {
			panic(err)
		}
	}
	testenv.Main(m)
}

// TestScript runs the end-to-end scripts in testdata/script against the
// built sesame binary, each in a sandboxed home; see testenv.ScriptParams
// for the environment, the extra commands (moto, awscalls, awslog,
// filemode, need, ...) and conditions.
func TestScript(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testenv.ScriptParams("../../testdata/script", testenv.Sesame(t)))
}
