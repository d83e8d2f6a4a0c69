//go:build unix

package main_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sesamehq/sesame/internal/testenv"
)

// TestControlCharactersOnATerminal runs the built binary in a real
// terminal (tmux) over a config whose profile name holds an OSC sequence
// (which would retitle the window) and whose values hold CSI sequences
// (clear the screen, colours): sesame list, sesame doctor, an error that
// names the profile, and the profile picker all show them as \x1b and
// \x07, so the terminal shows the escapes as text and acts on none.
func TestControlCharactersOnATerminal(t *testing.T) {
	t.Parallel()
	bin := testenv.Sesame(t)
	home := testenv.Sandbox(t)
	const evil = "evil\x1b]0;pwned\x07"
	home.WriteConfig("[profile \"" + evil + "\"]\nregion = \x1b[31mred\n\n" +
		"[profile child]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = gone\x1b[2J\n")
	env := append(home.Env(), "SESAME_BACKEND=file", "SESAME_FILE_PASSPHRASE=escape-test-pass",
		"AWS_ENDPOINT_URL_STS=http://127.0.0.1:9", "TERM=xterm-256color", "LANG=C.UTF-8")
	for i, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			env[i] = "PATH=" + filepath.Dir(bin) + string(os.PathListSeparator) + v
		}
	}
	script := filepath.Join(home.Dir, "run.sh")
	// The profile name is passed from a file, so that the command line
	// typed into the terminal holds no escape.
	if err := os.WriteFile(filepath.Join(home.Dir, "name"), []byte(evil), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(script, []byte(`#!/bin/sh
sesame list
echo END-OF-LIST
sesame doctor
echo END-OF-DOCTOR
sesame export "$(cat "$HOME/name")" | cat
echo END-OF-ERROR
sesame whoami
echo END-OF-PICKER
`), 0o700); err != nil {
		t.Fatal(err)
	}
	tm := testenv.StartTerminal(t, env, home.Dir, 200, 50, script)
	screen := tm.WaitForText(`profile> `)
	for _, want := range []string{
		// list: the table.
		`evil\x1b]0;pwned\x07  keys           \x1b[31mred  -`,
		// list's warning and doctor's line and fix.
		`sesame: profile "child": source_profile profile "gone\x1b[2J" does not exist`,
		`  fix: add a [profile gone\x1b[2J] section to ~/.aws/config, or change the source_profile that names it`,
		// The error and its hint.
		`sesame: profile evil\x1b]0;pwned\x07: no key pair is stored for profile evil\x1b]0;pwned\x07`,
		`sesame: hint: run: sesame add evil\x1b]0;pwned\x07`,
		// The picker.
		`evil\x1b]0;pwned\x07`,
	} {
		if !strings.Contains(screen, want) {
			t.Errorf("the terminal does not show %q:\n%s", want, screen)
		}
	}
	if !strings.Contains(screen, "END-OF-LIST") || !strings.Contains(screen, "END-OF-ERROR") {
		t.Errorf("a step did not finish:\n%s", screen)
	}
	tm.Keys("Escape")
	tm.WaitForText("END-OF-PICKER")
}
