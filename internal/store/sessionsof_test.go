package store

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/awsconfig"
)

// TestClearSessionsOf clears the sessions of a profile and of the profiles
// chained from it (source_profile), and no other.
func TestClearSessionsOf(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	paths := awsconfig.Paths{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
	config := "[profile base]\nregion = eu-west-1\n\n" +
		"[profile admin]\nrole_arn = arn:aws:iam::111111111111:role/admin\nsource_profile = base\n\n" +
		"[profile deep]\nrole_arn = arn:aws:iam::111111111111:role/deep\nsource_profile = admin\n\n" +
		"[profile other]\nregion = eu-west-1\n"
	if err := os.WriteFile(paths.Config, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := awsconfig.Load(paths)
	if err != nil {
		t.Fatal(err)
	}
	st := New(NewMemory(), t.TempDir())
	exp := time.Now().Add(time.Hour)
	for _, p := range []string{"base", "admin", "deep", "other"} {
		if err := st.SetSession(ctx, Session{Profile: p, ID: "1", Expiration: exp}); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := st.ClearSessionsOf(ctx, cfg, "base"); n != 3 || err != nil {
		t.Errorf("ClearSessionsOf(base) = %d, %v; want 3 (base, admin, deep)", n, err)
	}
	if _, err := st.Session(ctx, "other", "1"); err != nil {
		t.Errorf("profile other's session went too: %v", err)
	}
	if n, err := st.ClearSessionsOf(ctx, nil, "other"); n != 1 || err != nil {
		t.Errorf("ClearSessionsOf(nil config, other) = %d, %v; want 1", n, err)
	}
}
