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
)

// initBanned are packages that must not be linked at all, with the reason.
var initBanned = map[string]string{
	"github.com/atotto/clipboard": "its init looks up five clipboard tools in every PATH folder (about 50 stat calls a run); " +
		"it came with github.com/charmbracelet/bubbles/textinput, which the picker replaced with internal/picker/input.go",
	"github.com/charmbracelet/bubbles/textinput": "it links github.com/atotto/clipboard (see above)",
}

func TestInitBudget(t *testing.T) {
	bin := testenv.Sesame(t)
	// A fixed environment: runewidth's init reads the locale, and the
	// clipboard library's searched PATH.
	cmd := exec.Command(bin, "version")
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=" + t.TempDir(), "LANG=C", "GODEBUG=inittrace=1"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sesame version: %v\n%s", err, out)
	}
	for _, p := range checkInitTrace(string(out)) {
		t.Error(p)
	}
}

type initCost struct {
	pkg    string
	bytes  int
	allocs int
}

// checkInitTrace returns what is wrong with an inittrace against the
// budgets above.
func checkInitTrace(trace string) []string {
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
		return []string{"no inittrace lines in the output of GODEBUG=inittrace=1 sesame version:\n" + trace}
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
	if total > initBytesBudget {
		problems = append(problems, fmt.Sprintf("package initialisation allocates %d bytes, over the budget of %d; the largest:\n  %s",
			total, initBytesBudget, strings.Join(top, "\n  ")))
	}
	if len(costs) > initPackagesBudget {
		problems = append(problems, fmt.Sprintf("%d packages have init work, over the budget of %d", len(costs), initPackagesBudget))
	}
	return problems
}
