package promptcmd

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/store"
)

func TestRun(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 6, 1, 0, 0, 0, time.UTC)
	dir := t.TempDir()
	ix := store.Index{Sessions: map[string]time.Time{
		"dev": now.Add(42 * time.Minute), "soon": now.Add(5 * time.Minute), "old": now.Add(-time.Minute), "100%": now.Add(2 * time.Hour),
	}}
	b, _ := json.Marshal(ix)
	if err := os.WriteFile(filepath.Join(dir, store.IndexFile), b, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		env    map[string]string
		format string
		want   string
	}{
		{"no profile", nil, "text", ""},
		{"AWS_PROFILE", map[string]string{"AWS_PROFILE": "dev"}, "text", "dev 42m\n"},
		{"use wins over AWS_PROFILE", map[string]string{"AWS_PROFILE": "sesame-dev", "SESAME_USE_PROFILE": "dev"}, "text", "dev 42m\n"},
		{"no session known", map[string]string{"AWS_PROFILE": "other"}, "text", "other\n"},
		{"under 15 minutes, yellow", map[string]string{"AWS_PROFILE": "soon"}, "text", "\x1b[33msoon 5m\x1b[0m\n"},
		{"expired, red", map[string]string{"AWS_PROFILE": "old"}, "text", "\x1b[31mold expired\x1b[0m\n"},
		{"bash marks the escapes", map[string]string{"AWS_PROFILE": "soon"}, "bash", "\x01\x1b[33m\x02soon 5m\x01\x1b[0m\x02\n"},
		{"zsh marks the escapes", map[string]string{"AWS_PROFILE": "soon"}, "zsh", "%{\x1b[33m%}soon 5m%{\x1b[0m%}\n"},
		{"zsh doubles a percent", map[string]string{"AWS_PROFILE": "100%"}, "zsh", "100%% 2h\n"},
		{"plain has no colour", map[string]string{"AWS_PROFILE": "soon"}, "plain", "soon 5m\n"},
		{"exec's environment", map[string]string{"SESAME_PROFILE": "x", "AWS_ACCESS_KEY_ID": "ASIAX", "AWS_CREDENTIAL_EXPIRATION": now.Add(3 * time.Hour).Format(time.RFC3339)}, "text", "x 3h\n"},
		{"a control character is escaped", map[string]string{"AWS_PROFILE": "a\x1b]0;x\x07"}, "plain", "a\\x1b]0;x\\x07\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, out, _ := iostreams.Test()
			o := &Options{IO: ios, Getenv: func(k string) string { return tt.env[k] }, StateDir: func() (string, error) { return dir, nil },
				Now: func() time.Time { return now }, Format: tt.format}
			if err := Run(context.Background(), o); err != nil {
				t.Fatal(err)
			}
			if out.String() != tt.want {
				t.Errorf("got %q, want %q", out.String(), tt.want)
			}
		})
	}
}
