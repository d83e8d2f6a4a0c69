package setup

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestShellRC(t *testing.T) {
	t.Parallel()
	env := map[string]string{}
	getenv := func(k string) string { return env[k] }
	for _, tc := range []struct {
		shell, zdotdir, xdg string
		path, line          string
	}{
		{shell: "/bin/bash", path: "/h/.bashrc", line: `eval "$(sesame shell-init bash)"`},
		{shell: "/usr/bin/zsh", path: "/h/.zshrc", line: `eval "$(sesame shell-init zsh)"`},
		{shell: "zsh", zdotdir: "/z", path: "/z/.zshrc", line: `eval "$(sesame shell-init zsh)"`},
		{shell: "zsh", zdotdir: "relative", path: "/h/.zshrc", line: `eval "$(sesame shell-init zsh)"`},
		{shell: "/usr/bin/fish", path: "/h/.config/fish/config.fish", line: "sesame shell-init fish | source"},
		{shell: "fish", xdg: "/x", path: "/x/fish/config.fish", line: "sesame shell-init fish | source"},
		{shell: "/bin/sh"},
		{shell: ""},
	} {
		env = map[string]string{"ZDOTDIR": tc.zdotdir, "XDG_CONFIG_HOME": tc.xdg}
		rc, ok := ShellRC(tc.shell, "/h", getenv)
		if ok != (tc.path != "") || rc.Path != tc.path || rc.Line != tc.line {
			t.Errorf("ShellRC(%q, ZDOTDIR=%q, XDG_CONFIG_HOME=%q) = %+v, %v; want %s, %s", tc.shell, tc.zdotdir, tc.xdg, rc, ok, tc.path, tc.line)
		}
	}
}

func TestHasInitLine(t *testing.T) {
	t.Parallel()
	for text, want := range map[string]bool{
		"":                                       false,
		"alias ll=ls\n":                          false,
		"# eval \"$(sesame shell-init bash)\"\n": false,
		"eval \"$(sesame shell-init bash)\"\n":   true,
		"  eval \"$(/opt/bin/sesame shell-init zsh)\"": true,
		"sesame shell-init fish | source\n":            true,
	} {
		if got := HasInitLine([]byte(text)); got != want {
			t.Errorf("HasInitLine(%q) = %v, want %v", text, got, want)
		}
	}
}

// TestAddInitLine: the line is appended once (a second call changes
// nothing and writes no backup), the file keeps its mode, the backup holds
// the old content with mode 0600, and a symbolic link stays a link.
func TestAddInitLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "dotfiles", "bashrc")
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		t.Fatal(err)
	}
	old := "alias ll='ls -l'" // no final newline
	if err := os.WriteFile(target, []byte(old), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(target, 0o640); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, ".bashrc")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	rc, _ := ShellRC("bash", dir, func(string) string { return "" })
	now := time.Date(2026, 12, 5, 23, 0, 0, 0, time.UTC)
	added, backup, err := AddInitLine(rc, now)
	if err != nil || !added {
		t.Fatalf("AddInitLine = %v, %q, %v", added, backup, err)
	}
	want := old + "\n\n" + rcComment + "\n" + `eval "$(sesame shell-init bash)"` + "\n"
	if got, _ := os.ReadFile(link); string(got) != want {
		t.Errorf("rc file:\n%q\nwant\n%q", got, want)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v, %v", fi.Mode(), err)
	}
	if fi, _ := os.Stat(target); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode %v, want 0640 kept", fi.Mode().Perm())
	}
	if backup != link+".sesame-backup-20261205T230000Z" {
		t.Errorf("backup %q", backup)
	}
	if got, _ := os.ReadFile(backup); string(got) != old {
		t.Errorf("backup holds %q, want %q", got, old)
	}
	if fi, _ := os.Stat(backup); fi.Mode().Perm() != 0o600 {
		t.Errorf("backup mode %v, want 0600", fi.Mode().Perm())
	}

	added, backup2, err := AddInitLine(rc, now.Add(time.Hour))
	if err != nil || added || backup2 != "" {
		t.Errorf("second AddInitLine = %v, %q, %v; want no change", added, backup2, err)
	}
	if got, _ := os.ReadFile(link); string(got) != want {
		t.Errorf("second call changed the file:\n%q", got)
	}
	if got, _ := os.ReadFile(link); strings.Count(string(got), "shell-init") != 1 {
		t.Errorf("the line is in the file %d times, want once", strings.Count(string(got), "shell-init"))
	}
	matches, _ := filepath.Glob(link + ".sesame-backup-*")
	if len(matches) != 1 {
		t.Errorf("backups %v, want one", matches)
	}
}

// TestAddInitLineNewFile: a missing rc file (fish's, in a folder that does
// not exist yet) is created with mode 0600 and no backup.
func TestAddInitLineNewFile(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	rc, _ := ShellRC("fish", home, func(string) string { return "" })
	added, backup, err := AddInitLine(rc, time.Now())
	if err != nil || !added || backup != "" {
		t.Fatalf("AddInitLine = %v, %q, %v", added, backup, err)
	}
	got, err := os.ReadFile(filepath.Join(home, ".config", "fish", "config.fish"))
	if err != nil || string(got) != rcComment+"\nsesame shell-init fish | source\n" {
		t.Errorf("config.fish = %q, %v", got, err)
	}
	if fi, _ := os.Stat(rc.Path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}
}

// TestBackupNeverOverwrites: two backups in the same second get two names.
func TestBackupNeverOverwrites(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "f")
	now := time.Now()
	a, err := Backup(path, []byte("one"), now)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Backup(path, []byte("two"), now)
	if err != nil || a == b {
		t.Fatalf("second backup %q (first %q): %v", b, a, err)
	}
	if got, _ := os.ReadFile(a); string(got) != "one" {
		t.Errorf("first backup overwritten: %q", got)
	}
}
