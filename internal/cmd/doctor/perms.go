package doctor

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// checkWritable: no one but the user can write the config file or the
// folders that hold the AWS files and caches. Group or world write on the
// config is code execution as the user (a credential_process); on a folder
// it is the same through replacing the file, or planting cached sign-ins
// and credentials. Group write for a group that is the user's private one
// is only a warning. The credentials file and sesame's own folders are
// checked, more strictly, by checkFileModes. Not on Windows.
func checkWritable(_ context.Context, e *Env) []Line {
	if e.GOOS == "windows" {
		return nil
	}
	var lines []Line
	seen := map[string]bool{}
	awsDir := ""
	if e.Home != "" {
		awsDir = filepath.Join(e.Home, ".aws")
	}
	check := func(path, why string, dir bool) {
		if path == "" || seen[path] {
			return
		}
		seen[path] = true
		fi, err := os.Stat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return
		}
		if err != nil {
			lines = append(lines, fail("chmod u+rwx "+e.show(filepath.Dir(path)), "cannot check %s: %v", e.show(path), rootCause(err)))
			return
		}
		mode := fi.Mode()
		if !mode.IsRegular() && !mode.IsDir() {
			return // /dev/zero and such: the files check refuses them
		}
		if mode.Perm()&0o022 == 0 || (dir && mode&fs.ModeSticky != 0 && !e.under(path, awsDir)) {
			// A sticky folder outside ~/.aws (such as /tmp): others
			// cannot replace or remove what is the user's in it.
			return
		}
		fix := "chmod go-w " + e.show(path)
		if dir && e.under(path, awsDir) {
			fix = "chmod 700 " + e.show(path)
		}
		if mode.Perm()&0o002 != 0 {
			lines = append(lines, fail(fix, "%s is writable by everyone (mode %04o): %s", e.show(path), mode.Perm(), why))
			return
		}
		// Group write only: harmless while the group is the user's own
		// private one (Debian's and Ubuntu's umask 002 does this), but one
		// step from a problem, so a warning.
		if gid, ok := fileGID(fi); ok && e.PrivateGroup != nil {
			if name, private := e.PrivateGroup(gid); private {
				lines = append(lines, warn(fix, "%s is writable by its group %s (mode %04o), which has only you in it; if anyone joins it, %s",
					e.show(path), name, mode.Perm(), why))
				return
			}
		}
		lines = append(lines, fail(fix, "%s is writable by its group (mode %04o): %s", e.show(path), mode.Perm(), why))
	}
	const replace = "others can replace the files in it"
	check(filepath.Dir(e.Paths.Config), replace, true)
	check(filepath.Dir(e.Paths.Credentials), replace, true)
	check(awsDir, replace, true)
	check(e.Paths.Config, "others can set a credential_process that runs as you", false)
	if awsDir != "" {
		for _, sub := range []string{"sso", "cli", "login"} {
			check(filepath.Join(awsDir, sub), replace, true)
			check(filepath.Join(awsDir, sub, "cache"), "others can plant cached credentials or sign-ins in it", true)
		}
	}
	if len(lines) == 0 {
		lines = append(lines, ok("only you can write the config file and the folders of the AWS files and caches"))
	}
	return lines
}

// under reports whether path is dir or inside it.
func (e *Env) under(path, dir string) bool {
	if dir == "" {
		return false
	}
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator))
}
