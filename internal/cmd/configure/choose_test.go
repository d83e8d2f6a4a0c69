package configure

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/sesamehq/sesame/internal/prompt"
)

var accountsChoice = Choice{
	Title: "AWS account", Filter: "account",
	Header: []string{"ACCOUNT", "ID", "EMAIL"},
	Rows: [][]string{
		{"dev-sandbox", "111111111111", "dev@example.com"},
		{"shared", "333333333333", ""},
		{"workloads-prod", "222222222222", "prod@example.com"},
	},
}

func TestTTYChooserWithoutTerminal(t *testing.T) {
	t.Parallel()
	notTTY := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(notTTY, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{notTTY, filepath.Join(t.TempDir(), "missing")} {
		c := &TTYChooser{Path: path}
		if _, err := c.Choose(context.Background(), accountsChoice); !errors.Is(err, prompt.ErrNoTerminal) {
			t.Errorf("%s: err = %v, want ErrNoTerminal", path, err)
		}
	}
	if _, err := (&TTYChooser{Path: notTTY}).Choose(context.Background(), Choice{Filter: "role"}); err == nil || errors.Is(err, prompt.ErrNoTerminal) {
		t.Errorf("an empty list: err = %v", err)
	}
}
