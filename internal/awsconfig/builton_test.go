package awsconfig

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// TestBuiltOn: a profile, and the profiles chained from it (source_profile),
// and no other.
func TestBuiltOn(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	paths := Paths{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
	config := "[profile base]\nregion = eu-west-1\n\n" +
		"[profile admin]\nrole_arn = arn:aws:iam::111111111111:role/admin\nsource_profile = base\n\n" +
		"[profile deep]\nrole_arn = arn:aws:iam::111111111111:role/deep\nsource_profile = admin\n\n" +
		"[profile other]\nregion = eu-west-1\n"
	if err := os.WriteFile(paths.Config, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := Load(paths)
	if err != nil {
		t.Fatal(err)
	}
	got := cfg.BuiltOn("base")
	slices.Sort(got)
	if want := []string{"admin", "base", "deep"}; !slices.Equal(got, want) {
		t.Errorf("BuiltOn(base) = %v, want %v", got, want)
	}
	var none *Config
	if got := none.BuiltOn("other"); !slices.Equal(got, []string{"other"}) {
		t.Errorf("nil config: BuiltOn(other) = %v, want [other]", got)
	}
}
