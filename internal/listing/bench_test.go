package listing

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/iostreams"
)

// BenchmarkList5000 is `sesame list` minus process start-up over the
// generated config of BENCHMARKS.md: load, resolve every profile, print.
func BenchmarkList5000(b *testing.B) {
	path := filepath.Join(b.TempDir(), "config")
	if out, err := exec.Command("python3", "../../scripts/gen-config.py", "5000", path).CombinedOutput(); err != nil {
		b.Fatalf("gen-config.py: %v\n%s", err, out)
	}
	paths := awsconfig.Paths{Config: path, Credentials: path + ".missing"}
	for _, json := range []bool{false, true} {
		name := "tsv"
		if json {
			name = "json"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				ios, _, _, _ := iostreams.Test()
				if err := Run(context.Background(), &Options{IO: ios, Config: func() (*awsconfig.Config, error) { return awsconfig.Load(paths) }, JSON: json}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
