package setup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sesamehq/sesame/internal/atomicfile"
)

// RCFile is where shell loads sesame's shell function, and the line that
// does it (the one sesame shell-init --help and the README give).
type RCFile struct {
	Shell string
	Path  string
	Line  string
}

// ShellRC returns the startup file and the shell-init line of the shell
// named by $SHELL (a path or a name), or ok false for a shell setup does
// not edit (sh, dash, PowerShell, none). getenv reads ZDOTDIR and
// XDG_CONFIG_HOME.
func ShellRC(shellVar, home string, getenv func(string) string) (rc RCFile, ok bool) {
	switch shell := filepath.Base(shellVar); shell {
	case "bash":
		return RCFile{shell, filepath.Join(home, ".bashrc"), `eval "$(sesame shell-init bash)"`}, true
	case "zsh":
		dir := getenv("ZDOTDIR")
		if !filepath.IsAbs(dir) {
			dir = home
		}
		return RCFile{shell, filepath.Join(dir, ".zshrc"), `eval "$(sesame shell-init zsh)"`}, true
	case "fish":
		dir := getenv("XDG_CONFIG_HOME")
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(home, ".config")
		}
		return RCFile{shell, filepath.Join(dir, "fish", "config.fish"), "sesame shell-init fish | source"}, true
	}
	return RCFile{}, false
}

// rcComment is written above the line.
const rcComment = "# sesame: lets `sesame use PROFILE` switch this shell (added by sesame setup)"

// HasInitLine reports whether data, an rc file, already loads sesame's
// shell function: a line, not commented out, that runs sesame shell-init.
func HasInitLine(data []byte) bool {
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "#") {
			continue
		}
		if strings.Contains(line, "sesame shell-init") {
			return true
		}
	}
	return false
}

// AddInitLine appends the shell-init line to the rc file, unless it is
// there already (then it reports false and changes nothing). An existing
// file is first copied to a backup (returned; mode 0600) and then
// replaced atomically, keeping its mode (and a symbolic link: the file it
// points to is changed); a new file is created with mode 0600.
func AddInitLine(rc RCFile, now time.Time) (added bool, backup string, err error) {
	data, err := os.ReadFile(rc.Path)
	exists := err == nil
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, "", fmt.Errorf("cannot read %s: %w", rc.Path, err)
	}
	if HasInitLine(data) {
		return false, "", nil
	}
	if exists {
		if backup, err = Backup(rc.Path, data, now); err != nil {
			return false, "", err
		}
	}
	out := string(data)
	if out != "" && !strings.HasSuffix(out, "\n") {
		out += "\n"
	}
	if out != "" {
		out += "\n"
	}
	out += rcComment + "\n" + rc.Line + "\n"
	if err := atomicfile.WriteFile(rc.Path, []byte(out), 0o600); err != nil {
		return false, backup, fmt.Errorf("cannot write %s (unchanged): %w", rc.Path, err)
	}
	return true, backup, nil
}

// Backup writes data, the content of path, to PATH.sesame-backup-TIME (a
// new name: an existing backup is never overwritten) with mode 0600, and
// returns its name.
func Backup(path string, data []byte, now time.Time) (string, error) {
	base := fmt.Sprintf("%s.sesame-backup-%s", path, now.UTC().Format("20060102T150405Z"))
	name := base
	for i := 1; ; i++ {
		if _, err := os.Lstat(name); errors.Is(err, fs.ErrNotExist) {
			break
		}
		name = fmt.Sprintf("%s.%d", base, i)
	}
	if err := atomicfile.WriteFile(name, data, 0o600); err != nil {
		return "", fmt.Errorf("cannot write the backup %s, so %s was not changed: %w", name, path, err)
	}
	if err := os.Chmod(name, 0o600); err != nil {
		return "", err
	}
	return name, nil
}
