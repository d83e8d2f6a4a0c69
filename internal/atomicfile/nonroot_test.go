package atomicfile_test

import (
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/sesamehq/sesame/internal/atomicfile"
	"github.com/sesamehq/sesame/internal/testenv"
)

// TestWriteFileFolderNotWritable: in a folder the user may not write,
// WriteFile fails and leaves the file and the folder as they were. Root
// writes anywhere, so as root (as CI runs) the test runs as the user nobody.
func TestWriteFileFolderNotWritable(t *testing.T) {
	t.Parallel()
	if runtime.GOOS == "windows" {
		t.Skip("a folder's mode does not stop writes on Windows")
	}
	if !testenv.RunAsNonRoot(t) {
		return
	}
	root := t.TempDir()
	path := filepath.Join(root, "config")
	if err := os.WriteFile(path, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(root, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(root, 0o700) })
	if err := atomicfile.WriteFile(path, []byte("new"), 0o600); err == nil {
		t.Fatal("WriteFile in a read-only folder succeeded")
	}
	atomicfile.CheckContent(t, path, "old")
	atomicfile.CheckClean(t, root)
}
