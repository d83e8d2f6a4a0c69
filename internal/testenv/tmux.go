package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TerminalTimeout bounds how long Terminal.WaitFor waits for the screen.
const TerminalTimeout = 30 * time.Second

// Terminal is a program in a real pseudo-terminal: a detached tmux session
// of a tmux server of its own, typed into with send-keys and read with
// capture-pane. The server is stopped when the test ends.
type Terminal struct {
	t      testing.TB
	tmux   string
	socket string
}

// StartTerminal runs argv in dir with the environment env (nil: PATH only)
// in a new width×height terminal. When the program exits, the terminal
// shows "[exited N]" and stays: a shell that started argv waits there
// until the test ends, because tmux 3.3 can drop the last lines a pane
// printed when the pane's own process exits (seen once in CI: a script's
// final echo never reached the screen). tmux missing follows
// NeedCommand's rule (fail in CI, skip elsewhere). A Ctrl-C that the
// terminal turns into SIGINT for the whole foreground group does not end
// that shell (it traps SIGINT; argv gets the default action), so the
// program's own exit status is still shown.
func StartTerminal(t testing.TB, env []string, dir string, width, height int, argv ...string) *Terminal {
	t.Helper()
	SkipInShort(t, "drives a terminal")
	tmux := NeedCommand(t, "tmux", "apt-get install -y tmux")
	sockDir, err := os.MkdirTemp("", "tmux") // short: socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(sockDir, "tmux.conf")
	if err := os.WriteFile(conf, []byte("set -g remain-on-exit on\nset -g history-limit 2000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tm := &Terminal{t: t, tmux: tmux, socket: filepath.Join(sockDir, "sock")}
	args := append([]string{"-f", conf, "new-session", "-d", "-s", "main", "-c", dir,
		"-x", strconv.Itoa(width), "-y", strconv.Itoa(height),
		"/bin/sh", "-c", `trap : INT; "$@"; printf '\n[exited %d]\n' "$?"; exec sleep 86400`, "sh"}, argv...)
	if out, err := tm.command(env, args...).CombinedOutput(); err != nil {
		t.Fatalf("tmux new-session: %v\n%s", err, out)
	}
	t.Cleanup(func() {
		tm.stop()
		_ = os.RemoveAll(sockDir)
	})
	return tm
}

// stop kills the tmux server and waits for it (and what it ran) to be gone,
// so that nothing writes into the test's folders while they are removed.
func (tm *Terminal) stop() {
	_ = tm.command(nil, "kill-server").Run()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if tm.command(nil, "list-sessions").Run() != nil {
			return
		}
	}
}

func (tm *Terminal) command(env []string, args ...string) *exec.Cmd {
	cmd := exec.Command(tm.tmux, append([]string{"-S", tm.socket}, args...)...)
	cmd.WaitDelay = 10 * time.Second
	cmd.Env = env
	if env == nil {
		cmd.Env = []string{"PATH=" + os.Getenv("PATH")}
	}
	return cmd
}

func (tm *Terminal) run(args ...string) string {
	tm.t.Helper()
	out, err := tm.command(nil, args...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// TypeLine types text and presses Enter.
func (tm *Terminal) TypeLine(text string) {
	tm.t.Helper()
	tm.TypeText(text)
	tm.Keys("Enter")
}

// TypeText types text literally.
func (tm *Terminal) TypeText(text string) {
	tm.t.Helper()
	tm.run("send-keys", "-t", "main", "-l", text)
}

// Keys presses named keys (Enter, Escape, Tab, C-c, ...).
func (tm *Terminal) Keys(keys ...string) {
	tm.t.Helper()
	tm.run(append([]string{"send-keys", "-t", "main"}, keys...)...)
}

// Screen is what the terminal shows, with its scroll-back.
func (tm *Terminal) Screen() string {
	tm.t.Helper()
	return tm.run("capture-pane", "-p", "-J", "-t", "main", "-S", "-1000")
}

// WaitFor waits (up to TerminalTimeout) until the screen matches the
// regular expression re, and returns the screen.
func (tm *Terminal) WaitFor(re string) string {
	tm.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(TerminalTimeout)
	for {
		s := tm.Screen()
		if rx.MatchString(s) {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("the terminal did not show %q within %v; it shows:\n%s", re, TerminalTimeout, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WaitForText is WaitFor for literal text (capture-pane drops the spaces at
// the end of a line, so text's are ignored).
func (tm *Terminal) WaitForText(text string) string {
	tm.t.Helper()
	return tm.WaitFor(regexp.QuoteMeta(strings.TrimRight(text, " ")))
}
