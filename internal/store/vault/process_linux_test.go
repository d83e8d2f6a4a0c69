package vault

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// scanCmdlines looks for needle in the command line of every process it
// can see. It returns the pids whose command line has it, and how many
// processes it looked at whose pid is in watch.
func scanCmdlines(needle []byte, watch map[int]bool) (leaks []int, seen int) {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		if watch[pid] {
			seen++
		}
		if bytes.Contains(b, needle) {
			leaks = append(leaks, pid)
		}
	}
	return leaks, seen
}

// TestManyProcesses has twenty processes each set a different item at
// once, half with the passphrase in the environment, half from a command;
// none is lost. Meanwhile no process's command line shows the passphrase.
func TestManyProcesses(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pass := randomPassphrase(t)
	passFile := filepath.Join(t.TempDir(), "pass")
	if err := os.WriteFile(passFile, []byte(pass+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	const n = 20
	cmds := make([]*exec.Cmd, n)
	stderrs := make([]bytes.Buffer, n)
	for i := range cmds {
		source := EnvPassphrase + "=" + pass
		if i%2 == 1 {
			// The sleep keeps sh alive long enough to be seen.
			source = EnvPassphraseCommand + "=sleep 0.2; cat " + passFile
		}
		cmds[i] = helperCmd(t, "set",
			helperDirEnv+"="+dir,
			helperNameEnv+"="+fmt.Sprintf("item-%02d", i),
			helperValueEnv+"="+fmt.Sprint("value ", i),
			helperHoldEnv+"=300ms",
			source)
		cmds[i].Stderr = &stderrs[i]
	}
	watch := map[int]bool{}
	for _, cmd := range cmds {
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		watch[cmd.Process.Pid] = true
	}
	var wg sync.WaitGroup
	var running atomic.Int32
	running.Store(n)
	for i, cmd := range cmds {
		wg.Go(func() {
			defer running.Add(-1)
			if err := cmd.Wait(); err != nil {
				t.Errorf("helper %d: %v\n%s", i, err, stderrs[i].String())
			}
		})
	}
	scans, seen := 0, 0
	for running.Load() > 0 {
		leaks, s := scanCmdlines([]byte(pass), watch)
		if len(leaks) > 0 {
			t.Errorf("passphrase in the command line of processes %v", leaks)
		}
		scans++
		seen += s
		time.Sleep(5 * time.Millisecond)
	}
	wg.Wait()
	if seen == 0 {
		t.Errorf("%d scans of /proc never saw a helper", scans)
	}
	t.Logf("%d scans of /proc, %d sightings of helpers", scans, seen)

	v := newVault(t, dir, passEnv(pass), nil, 0)
	names, err := v.List(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != n {
		t.Fatalf("%d items, want %d: %q", len(names), n, names)
	}
	for i := range n {
		if got := mustGet(t, v.Vault, fmt.Sprintf("item-%02d", i)); got != fmt.Sprint("value ", i) {
			t.Errorf("item %d = %q", i, got)
		}
	}
}

// TestKilledWriter kills a process that keeps rewriting the vault at
// random moments; every time the vault still opens, with the content of a
// whole write.
func TestKilledWriter(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pass := randomPassphrase(t)
	v := newVault(t, dir, passEnv(pass), nil, 0)
	mustSet(t, v.Vault, "fixed", "keep")
	// Go on until some kills have landed between creating the temporary
	// file and renaming it (seen from the file left behind), within bounds.
	minRounds, maxRounds, wantLeftovers := 10, 30, 2
	if testing.Short() {
		minRounds, maxRounds = 3, 3
	}
	leftovers, rounds := 0, 0
	for round := 0; round < maxRounds && (round < minRounds || leftovers < wantLeftovers); round++ {
		rounds++
		cmd := helperCmd(t, "loop", helperDirEnv+"="+dir, EnvPassphrase+"="+pass)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var last atomic.Int64
		last.Store(-1)
		done := make(chan struct{})
		go func() {
			defer close(done)
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				i, _ := strconv.Atoi(sc.Text())
				last.Store(int64(i))
			}
		}()
		wait, _ := rand.Int(rand.Reader, big.NewInt(200))
		time.Sleep(20*time.Millisecond + time.Duration(wait.Int64())*time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-done
		err = cmd.Wait()
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: helper ended with %v before it was killed\n%s", round, err, stderr.String())
		}
		if tmps, _ := filepath.Glob(filepath.Join(dir, ".vault.tmp-*")); len(tmps) > 0 {
			leftovers++
		}

		r := newVault(t, dir, passEnv(pass), nil, 0)
		if got := mustGet(t, r.Vault, "fixed"); got != "keep" {
			t.Fatalf("round %d: fixed = %q", round, got)
		}
		blob, err := r.Get(context.Background(), "blob")
		printed := int(last.Load())
		if printed < 0 {
			// No write of this round finished; any whole blob will do.
			if err != nil {
				continue
			}
		} else if err != nil {
			t.Fatalf("round %d: Get(blob) after %d writes: %v", round, printed+1, err)
		}
		i, err := parseBlob(blob)
		if err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		if printed >= 0 && i != printed && i != printed+1 {
			t.Fatalf("round %d: blob of write %d, but write %d had finished", round, i, printed)
		}
		t.Logf("round %d: killed after write %d finished; vault has write %d", round, printed, i)
	}
	t.Logf("%d of %d kills left a temporary file behind", leftovers, rounds)
	// The next write removes what killed writers left.
	mustSet(t, v.Vault, "fixed", "keep")
	if tmps, _ := filepath.Glob(filepath.Join(dir, ".vault.tmp-*")); len(tmps) > 0 {
		t.Errorf("temporary files left after a write: %q", tmps)
	}
}
