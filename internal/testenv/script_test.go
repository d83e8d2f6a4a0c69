package testenv_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sesamehq/sesame/internal/testenv"
)

func TestScriptHarness(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testenv.ScriptParams("testdata/script", testenv.BuildBinary(t, helloPkg)))
}

// scriptT is a testscript.T that records the outcome of scripts expected to
// fail or skip.
type scriptT struct {
	mu      sync.Mutex
	log     strings.Builder
	failed  bool
	skipped bool
}

func (s *scriptT) Log(args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintln(&s.log, args...)
}
func (s *scriptT) Fatal(args ...any) { s.Log(args...); s.FailNow() }
func (s *scriptT) FailNow() {
	s.mu.Lock()
	s.failed = true
	s.mu.Unlock()
	runtime.Goexit()
}
func (s *scriptT) Skip(args ...any) {
	s.Log(args...)
	s.mu.Lock()
	s.skipped = true
	s.mu.Unlock()
	runtime.Goexit()
}
func (s *scriptT) Parallel()     {}
func (s *scriptT) Verbose() bool { return false }
func (s *scriptT) Run(_ string, f func(testscript.T)) {
	var wg sync.WaitGroup
	wg.Go(func() { f(s) })
	wg.Wait()
}

// runScript runs one script through ScriptParams and reports what happened.
func runScript(t *testing.T, script string) (failed, skipped bool, log string) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "s.txtar"), []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	st := &scriptT{}
	testscript.RunT(st, testenv.ScriptParams(dir, testenv.BuildBinary(t, helloPkg)))
	return st.failed, st.skipped, st.log.String()
}

func TestScriptCommandFailures(t *testing.T) {
	// Not parallel: it sets CI.
	t.Setenv("CI", "false")
	tests := []struct {
		name        string
		script      string
		needMoto    bool
		wantSkipped bool
		want        string
	}{
		{name: "filemode mismatch", script: "chmod 0644 f\nfilemode 0600 f\n-- f --\nx\n", want: "filemode: f has mode 0644, want 0600"},
		{name: "negated filemode", script: "chmod 0600 f\n! filemode 0600 f\n-- f --\nx\n", want: "filemode: f has mode 0600, want anything else"},
		{name: "bad mode", script: "filemode rw f\n-- f --\nx\n", want: `MODE must be octal permission bits like 0600, not "rw"`},
		{name: "awscalls without moto", script: "awscalls sts GetCallerIdentity 0\n", want: "awscalls: run moto first"},
		{name: "need missing outside CI", script: "need sesame-no-such-tool 'apt-get install -y nothing'\nexec false\n", wantSkipped: true,
			want: "skipping: sesame-no-such-tool not found on PATH: apt-get install -y nothing"},
		{name: "awscalls count", needMoto: true, script: "moto\nawscalls sts GetCallerIdentity 1\n", want: "awscalls: 0 sts GetCallerIdentity calls, want 1; all calls:"},
		{name: "moto twice", needMoto: true, script: "moto\nmoto\n", want: "moto: already acquired by this script"},
		{name: "unknown condition", script: "[nosuchcond] exec true\n", want: `unknown condition "nosuchcond"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.needMoto {
				if err := testenv.MotoAvailable(); err != nil {
					testenv.SkipOrFail(t, err)
				}
			}
			failed, skipped, log := runScript(t, tt.script)
			if failed == tt.wantSkipped || skipped != tt.wantSkipped {
				t.Errorf("failed=%v skipped=%v, want skipped=%v; log:\n%s", failed, skipped, tt.wantSkipped, log)
			}
			if !strings.Contains(log, tt.want) {
				t.Errorf("log does not contain %q:\n%s", tt.want, log)
			}
		})
	}

	t.Run("need missing in CI", func(t *testing.T) {
		t.Setenv("CI", "true")
		failed, skipped, log := runScript(t, "need sesame-no-such-tool 'apt-get install -y nothing'\n")
		if !failed || skipped {
			t.Errorf("failed=%v skipped=%v, want a failure in CI; log:\n%s", failed, skipped, log)
		}
		if want := "sesame-no-such-tool not found on PATH: apt-get install -y nothing (CI=true: a missing tool is a failure)"; !strings.Contains(log, want) {
			t.Errorf("log does not contain %q:\n%s", want, log)
		}
	})
}
