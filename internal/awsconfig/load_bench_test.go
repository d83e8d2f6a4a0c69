package awsconfig

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// genConfig writes scripts/gen-config.py's config of n profiles, with the
// two profiles of scripts/bench.sh's export rows after them.
func genConfig(tb testing.TB, n string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "config")
	if out, err := exec.Command("python3", "../../scripts/gen-config.py", n, path).CombinedOutput(); err != nil {
		tb.Skipf("gen-config.py: %v\n%s", err, out)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	_, _ = f.WriteString("\n[profile base]\nregion = us-east-1\n[profile admin]\nrole_arn = arn:aws:iam::123456789012:role/admin\nsource_profile = base\n")
	_ = f.Close()
	return path
}

// BenchmarkLoad5000 is what a credential_process call does with a config of
// 5,000 profiles: Load, then resolve one profile.
func BenchmarkLoad5000(b *testing.B) {
	paths := Paths{Config: genConfig(b, "5000"), Credentials: "/nonexistent/credentials"}
	b.Run("Parse", func(b *testing.B) {
		data, _ := os.ReadFile(paths.Config)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Parse(paths.Config, data); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("LoadResolveOne", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			c, err := Load(paths)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := c.Resolve("admin"); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkScan5000 is the scan alone over the 5,000-profile config.
func BenchmarkScan5000(b *testing.B) {
	data, err := os.ReadFile(genConfig(b, "5000"))
	if err != nil {
		b.Fatal(err)
	}
	text := string(data)
	b.SetBytes(int64(len(text)))
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := scanFile(text); !ok {
			b.Fatal("scanFile gives up")
		}
	}
}
