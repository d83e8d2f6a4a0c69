package main_test

import (
	"fmt"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/sesamehq/sesame/internal/testenv"
)

// Package initialisation runs on every sesame process, so on every
// credential_process call, whatever the command: it is the floor under a
// warm `sesame export` (BENCHMARKS.md). Its wall time is too noisy to assert
// on a shared machine, so TestInitBudget bounds deterministic proxies of it
// from GODEBUG=inittrace=1: the packages initialised, and what their
// initialisation allocates. Raise a budget only for a package the hot paths
// need, and say so in BENCHMARKS.md.
const (
	// initBytesBudget bounds the bytes allocated by package initialisation:
	// 755 KB at the time of writing, most of it the AWS SDK's endpoint
	// tables (five services) and bubbletea's key tables; then 1,411 KB with
	// the EKS client (sesame eks kubeconfig), whose schemas package alone
	// allocates 579 KB. That one is not for a hot path: BENCHMARKS.md says
	// what it costs and how a credential_process fast path would drop it.
	initBytesBudget = 1450 << 10
	// initPackagesBudget bounds the packages that have init work: 145 then.
	initPackagesBudget = 150

	// The front program (cmd/sesame-front, installed as sesame) answers a
	// cached credential_process and the prompt segment itself: 57
	// packages with init work allocating 31 KB when it was written.
	frontBytesBudget    = 64 << 10
	frontPackagesBudget = 70
)

// frontBanned are module path prefixes the front program must not link:
// their start-up cost is what the front exists to avoid.
var frontBanned = []string{
	"github.com/aws/",           // SDK clients: endpoint tables and schemas
	"github.com/spf13/",         // the command set
	"github.com/charmbracelet/", // the picker's terminal UI
	"github.com/mattn/",         // go-runewidth's tables, go-isatty
	"go.yaml.in/", "gopkg.in/",  // kubeconfig editing
	"github.com/sesamehq/sesame/internal/cmd", // any command package
}

// initBanned are packages that must not be linked at all, with the reason.
var initBanned = map[string]string{
	"github.com/atotto/clipboard": "its init looks up five clipboard tools in every PATH folder (about 50 stat calls a run); " +
		"it came with github.com/charmbracelet/bubbles/textinput, which the picker replaced with internal/picker/input.go",
	"github.com/charmbracelet/bubbles/textinput": "it links github.com/atotto/clipboard (see above)",
}

func TestInitBudget(t *testing.T) {
	// A fixed environment: runewidth's init reads the locale, and the
	// clipboard library's searched PATH.
	env := []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "LANG=C", "GODEBUG=inittrace=1"}
	t.Run("full", func(t *testing.T) {
		cmd := exec.Command(testenv.SesameFull(t), "version")
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("sesame version: %v\n%s", err, out)
		}
		for _, p := range checkInitTrace(string(out), initBytesBudget, initPackagesBudget) {
			t.Error(p)
		}
	})
	t.Run("front", func(t *testing.T) {
		// The front answers prompt itself: the trace is its own.
		cmd := exec.Command(testenv.Sesame(t), "prompt")
		cmd.Env = append(env, "AWS_PROFILE=init-budget")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "init-budget") {
			t.Fatalf("sesame prompt: %v\n%s", err, out)
		}
		if strings.Contains(string(out), "spf13/cobra") {
			t.Fatalf("the front ran the full program for sesame prompt:\n%s", out)
		}
		for _, p := range checkInitTrace(string(out), frontBytesBudget, frontPackagesBudget) {
			t.Error(p)
		}
	})
}

// TestFrontLinksLittle: the front program links none of what makes the
// full program's start-up slow (go list -deps, the real import graph).
func TestFrontLinksLittle(t *testing.T) {
	t.Parallel()
	out, err := exec.Command("go", "list", "-deps", testenv.FrontPackage).Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 20 {
		t.Fatalf("go list found %d packages", len(deps))
	}
	for _, d := range deps {
		for _, b := range frontBanned {
			if strings.HasPrefix(d, b) {
				t.Errorf("the front program links %s", d)
			}
		}
	}
}

type initCost struct {
	pkg    string
	bytes  int
	allocs int
}

// checkInitTrace returns what is wrong with an inittrace against the
// budgets: bytes allocated and packages with init work.
func checkInitTrace(trace string, bytesBudget, packagesBudget int) []string {
	var costs []initCost
	total := 0
	for _, line := range strings.Split(trace, "\n") {
		// init PKG @0.1 ms, 0.02 ms clock, 1234 bytes, 5 allocs
		f := strings.Fields(line)
		if len(f) < 11 || f[0] != "init" || f[8] != "bytes," {
			continue
		}
		b, err1 := strconv.Atoi(f[7])
		a, err2 := strconv.Atoi(f[9])
		if err1 != nil || err2 != nil {
			continue
		}
		costs = append(costs, initCost{f[1], b, a})
		total += b
	}
	if len(costs) == 0 {
		return []string{"no inittrace lines in the output:\n" + trace}
	}
	var problems []string
	for _, c := range costs {
		if why, ok := initBanned[c.pkg]; ok {
			problems = append(problems, fmt.Sprintf("%s is linked and initialised on every run: %s", c.pkg, why))
		}
	}
	sort.Slice(costs, func(i, j int) bool { return costs[i].bytes > costs[j].bytes })
	top := make([]string, 0, 10)
	for _, c := range costs[:min(10, len(costs))] {
		top = append(top, fmt.Sprintf("%s %d bytes", c.pkg, c.bytes))
	}
	if total > bytesBudget {
		problems = append(problems, fmt.Sprintf("package initialisation allocates %d bytes, over the budget of %d; the largest:\n  %s",
			total, bytesBudget, strings.Join(top, "\n  ")))
	}
	if len(costs) > packagesBudget {
		problems = append(problems, fmt.Sprintf("%d packages have init work, over the budget of %d", len(costs), packagesBudget))
	}
	return problems
}
