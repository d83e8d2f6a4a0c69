package cmdutil

import (
	"os"
	"path/filepath"
)

// SelfCommand is how sesame names itself in what it writes for other
// programs to run (credential_process lines, the use function): "sesame"
// when that name on PATH is this program, else its absolute path, so that
// they run the same sesame. executable is the Factory's Executable (the
// front program's path when the front started this one).
func SelfCommand(lookPath func(string) (string, error), executable func() (string, error)) string {
	self, err := executable()
	if err != nil {
		return "sesame"
	}
	if onPath, err := lookPath("sesame"); err == nil && sameFile(onPath, self) {
		return "sesame"
	}
	if abs, err := filepath.Abs(self); err == nil {
		return abs
	}
	return "sesame"
}

func sameFile(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}
