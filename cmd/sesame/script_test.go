package main_test

import (
	"cmp"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
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
	p := testenv.ScriptParams("../../testdata/script", testenv.Sesame(t))
	p.Files = slowFirst(t, p.Dir)
	p.Dir = ""
	testscript.Run(t, p)
}

// slowFirst lists the scripts in dir, those that drive the npm clients
// first and those that use moto next (each group in name order): they take
// longest, and started first they do not leave one long script running
// alone at the end.
func slowFirst(t *testing.T, dir string) []string {
	files, err := filepath.Glob(filepath.Join(dir, "*.txtar"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts in %s: %v", dir, err)
	}
	npm, moto := regexp.MustCompile(`(?m)^npmclients\b`), regexp.MustCompile(`(?m)^moto\b`)
	rank := func(file string) int {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case npm.Match(data):
			return 0
		case moto.Match(data):
			return 1
		}
		return 2
	}
	ranks := make(map[string]int, len(files))
	for _, f := range files {
		ranks[f] = rank(f)
	}
	slices.SortStableFunc(files, func(a, b string) int { return cmp.Compare(ranks[a], ranks[b]) })
	return files
}
