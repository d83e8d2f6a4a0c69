package doctor

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/sesamehq/sesame/internal/store/vault"
)

// checkFileModes: the credentials file, the AWS CLI's SSO cache files and
// sesame's vault and folders are private (checkWritable checks the config
// file and the AWS folders). Not on Windows, where modes say nothing.
func checkFileModes(_ context.Context, e *Env) []Line {
	if e.GOOS == "windows" {
		return []Line{ok("file modes are not checked on Windows")}
	}
	var lines []Line
	private := func(path string, dir bool) {
		fi, err := os.Stat(path)
		if errors.Is(err, fs.ErrNotExist) {
			return
		}
		if err != nil {
			lines = append(lines, fail("chmod u+rwx "+e.show(filepath.Dir(path)), "cannot check %s: %v", e.show(path), rootCause(err)))
			return
		}
		mode := fi.Mode().Perm()
		if mode&0o077 == 0 {
			return
		}
		how := "readable by others"
		if mode&0o044 == 0 {
			how = "open to others"
		}
		fix := "chmod 600 " + e.show(path)
		if dir {
			fix = "chmod 700 " + e.show(path)
		}
		lines = append(lines, fail(fix, "%s is %s (mode %04o)", e.show(path), how, mode))
	}
	private(e.Paths.Credentials, false)
	// The config file's write bits are checkWritable's.
	cacheFiles, _ := filepath.Glob(filepath.Join(e.Home, ".aws", "sso", "cache", "*.json"))
	sort.Strings(cacheFiles)
	for _, f := range cacheFiles {
		private(f, false)
	}
	if e.VaultDir != "" {
		private(e.VaultDir, true)
		private(filepath.Join(e.VaultDir, vault.FileName), false)
	}
	if e.StateDir != "" {
		private(e.StateDir, true)
	}
	if len(lines) == 0 {
		lines = append(lines, ok("file modes: the credentials file, the AWS CLI's SSO cache and sesame's folders are private"))
	}
	return lines
}
