package use_test

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sesamehq/sesame/internal/testenv"
)

// TestUseHelpRunsNothing types sesame use --help into bash, zsh and fish
// with the function of sesame shell-init loaded: the help reaches the
// terminal (and a pipe), and none of it is run as shell code. The help
// starts with the word "Switch", and a program of that name on PATH leaves
// a file behind if it is ever run; so would a command substitution in an
// error message.
func TestUseHelpRunsNothing(t *testing.T) {
	testenv.NeedCommand(t, "tmux", tmuxHint)
	for _, sh := range shells {
		t.Run(sh.name, func(t *testing.T) {
			shell := testenv.NeedCommand(t, sh.bin, sh.hint)
			w := newWorld(t, nil, shell)
			ran := filepath.Join(w.home, "ran")
			bin := filepath.Join(w.home, "bin")
			if err := os.MkdirAll(bin, 0o755); err != nil {
				t.Fatal(err)
			}
			testenv.WriteExecutable(t, filepath.Join(bin, "Switch"), []byte("#!/bin/sh\necho Switch >> "+ran+"\n"))
			env := append([]string(nil), w.env...)
			for i, kv := range env {
				if v, ok := strings.CutPrefix(kv, "PATH="); ok {
					env[i] = "PATH=" + bin + string(os.PathListSeparator) + v
				}
			}
			tm := startShell(t, env, w.home, append([]string{shell}, sh.argv...)...)
			tm.step(1, sh.init)

			s := tm.step(2, `sesame use --help; echo "rc=`+sh.status+`"`)
			if !strings.Contains(s, "Switch the shell you type it in to PROFILE") || !regexp.MustCompile(`(?m)^rc=0$`).MatchString(s) {
				t.Errorf("sesame use --help through the function:\n%s", s)
			}
			s = tm.step(3, `sesame use --help | grep -c '^Usage:'`)
			if !regexp.MustCompile(`(?m)^1$`).MatchString(s) {
				t.Errorf("the help did not reach the function's stdout:\n%s", s)
			}
			s = tm.step(4, `sesame use '$(touch `+ran+`)'; echo "rc=`+sh.status+`"`)
			if !strings.Contains(s, "does not exist") || !regexp.MustCompile(`(?m)^rc=1$`).MatchString(s) {
				t.Errorf("sesame use of a profile that does not exist:\n%s", s)
			}
			// The function still switches the shell.
			s = tm.step(5, `sesame use dev; echo "P=$AWS_PROFILE"`)
			if !regexp.MustCompile(`(?m)^P=sesame-dev$`).MatchString(s) {
				t.Errorf("sesame use dev did not switch the shell:\n%s", s)
			}
			if b, err := os.ReadFile(ran); err == nil {
				t.Errorf("%s evaluated output that was not shell code (ran: %q)", sh.name, b)
			}
		})
	}
}

// TestUseCodeChannel runs the binary as the bash function does: the code
// arrives on file descriptor 3 and nothing on stdout; without descriptor 3
// sesame use --shell refuses with a hint, and writes no code anywhere.
func TestUseCodeChannel(t *testing.T) {
	w := newWorld(t, nil, "/bin/sh")
	run := func(fd3 bool, args ...string) (stdout, stderr, code string, err error) {
		cmd := exec.CommandContext(t.Context(), w.bin, args...)
		cmd.Env = w.env
		var out, errOut bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		var r *os.File
		if fd3 {
			var pw *os.File
			r, pw, err = os.Pipe()
			if err != nil {
				t.Fatal(err)
			}
			cmd.ExtraFiles = []*os.File{pw}
			defer r.Close()
			defer pw.Close()
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			pw.Close()
			b, _ := io.ReadAll(r)
			return out.String(), errOut.String(), string(b), cmd.Wait()
		}
		err = cmd.Run()
		return out.String(), errOut.String(), "", err
	}
	stdout, stderr, code, err := run(true, "use", "--shell", "bash", "dev")
	if err != nil || stdout != "" || !strings.Contains(code, "export AWS_PROFILE='sesame-dev'\n") {
		t.Errorf("with fd 3: err %v, stdout %q, code %q, stderr %s", err, stdout, code, stderr)
	}
	stdout, _, code, err = run(true, "use", "--shell", "bash", "--help")
	if err != nil || code != "" || !strings.Contains(stdout, "Switch the shell") {
		t.Errorf("--help with fd 3: err %v, code %q, stdout %q", err, code, stdout)
	}
	stdout, stderr, _, err = run(false, "use", "--shell", "zsh", "dev")
	if err == nil || stdout != "" || !strings.Contains(stderr, "file descriptor 3, which is not a pipe from the shell function") || !strings.Contains(stderr, "hint: run sesame use through the shell function") {
		t.Errorf("without fd 3: err %v, stdout %q, stderr %s", err, stdout, stderr)
	}
	stdout, _, _, err = run(false, "use", "--shell", "powershell", "dev")
	if err != nil || !strings.HasPrefix(stdout, "# sesame use: PowerShell code follows\n$Env:AWS_PROFILE = 'sesame-dev'\n") {
		t.Errorf("powershell: err %v, stdout %q", err, stdout)
	}
}
