package testenv_test

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/testenv"
)

// gone reports whether no process of the group led by pid is left.
func gone(pid int) bool {
	return errors.Is(syscall.Kill(-pid, 0), syscall.ESRCH)
}

func waitGone(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !gone(pid) {
		if time.Now().After(deadline) {
			_ = syscall.Kill(-pid, syscall.SIGKILL)
			t.Fatalf("moto_server (process group %d) still running", pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func needMoto(t *testing.T) {
	t.Helper()
	if err := testenv.MotoAvailable(); err != nil {
		testenv.SkipOrFail(t, err)
	}
}

func TestMotoStopKillsProcessGroup(t *testing.T) {
	t.Parallel()
	needMoto(t)
	url, pid, stop, err := testenv.StartMoto()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(url + "/moto-api/")
	if err != nil {
		stop()
		t.Fatal(err)
	}
	resp.Body.Close()
	if gone(pid) {
		t.Fatal("moto's process group does not exist while it runs")
	}
	stop()
	waitGone(t, pid)
	if _, err := http.Get(url + "/moto-api/"); err == nil {
		t.Error("moto still answers after stop")
	}
}

// TestSharedMotoStopsWithTestBinary runs a child test binary that uses the
// moto pool and checks that no moto process outlives it, whether
// the child ends normally (TestMain's Cleanup) or dies abruptly (the
// kernel's parent-death signal).
func TestSharedMotoStopsWithTestBinary(t *testing.T) {
	if mode := os.Getenv("TESTENV_CHILD"); mode != "" {
		m := testenv.Moto(t)
		fmt.Printf("MOTO_PID=%d\n", m.PID())
		if mode == "die" {
			os.Exit(7)
		}
		return
	}
	t.Parallel()
	needMoto(t)
	for _, mode := range []string{"normal", "die"} {
		t.Run(mode, func(t *testing.T) {
			t.Parallel()
			cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestSharedMotoStopsWithTestBinary$", "-test.count=1")
			cmd.Env = append(os.Environ(), "TESTENV_CHILD="+mode)
			out, err := cmd.CombinedOutput()
			m := regexp.MustCompile(`MOTO_PID=(\d+)`).FindSubmatch(out)
			if m == nil {
				t.Fatalf("child: %v\n%s", err, out)
			}
			pid, _ := strconv.Atoi(string(m[1]))
			if pid == 0 {
				t.Fatalf("child reported no moto pid:\n%s", out)
			}
			waitGone(t, pid)
		})
	}
}
