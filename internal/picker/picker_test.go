package picker

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

	"github.com/sesamehq/sesame/internal/awsconfig"
)

const config = `[profile dev]
region = eu-west-1

[profile prod-admin]
role_arn = arn:aws:iam::123456789012:role/ops/Admin
source_profile = dev

[profile sso-read]
sso_session = corp
sso_account_id = 210987654321
sso_role_name = ReadOnly

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
sso_region = eu-west-1

[profile broken]
source_profile = nowhere
role_arn = arn:aws:iam::111122223333:role/x
`

func loadConfig(t *testing.T, text string) *awsconfig.Config {
	t.Helper()
	dir := t.TempDir()
	paths := awsconfig.Paths{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
	if err := os.WriteFile(paths.Config, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := awsconfig.Load(paths)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestRows(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	cfg := loadConfig(t, config)
	rows := Rows(cfg, map[string]time.Time{"prod-admin": now.Add(42*time.Minute + 30*time.Second)}, now)
	want := []Row{
		{Name: "broken", Account: "111122223333", Role: "x", Source: "role (broken)"},
		{Name: "dev", Source: "keys"},
		{Name: "prod-admin", Account: "123456789012", Role: "Admin", Source: "role", Session: "42m left"},
		{Name: "sso-read", Account: "210987654321", Role: "ReadOnly", Source: "sso"},
	}
	if len(rows) != len(want) {
		t.Fatalf("got %d rows, want %d: %+v", len(rows), len(want), rows)
	}
	for i := range want {
		if rows[i] != want[i] {
			t.Errorf("row %d = %+v, want %+v", i, rows[i], want[i])
		}
	}
}

func TestParseRoleARN(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ arn, account, role string }{
		{"arn:aws:iam::123456789012:role/Admin", "123456789012", "Admin"},
		{"arn:aws-cn:iam::123456789012:role/a/b/Deep", "123456789012", "Deep"},
		{"arn:aws:iam::123456789012:user/bob", "123456789012", ""},
		{"not an arn", "", ""},
	} {
		account, role := parseRoleARN(tt.arn)
		if account != tt.account || role != tt.role {
			t.Errorf("parseRoleARN(%q) = %q, %q; want %q, %q", tt.arn, account, role, tt.account, tt.role)
		}
	}
}

// plain is a renderer without any styling, so that views compare as text.
func plain() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(&strings.Builder{})
	r.SetColorProfile(termenv.Ascii)
	return r
}

func key(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "backspace":
		return tea.KeyMsg{Type: tea.KeyBackspace}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// press sends keys to m and returns the model after them.
func press(m listModel, keys ...string) listModel {
	for _, k := range keys {
		next, _ := m.Update(key(k))
		m = next.(listModel)
	}
	return m
}

func TestModelKeys(t *testing.T) {
	t.Parallel()
	cfg := loadConfig(t, config)
	rows := Rows(cfg, nil, time.Now())
	tests := []struct {
		name     string
		initial  string
		keys     []string
		chosen   string
		canceled bool
	}{
		{name: "enter takes the first", keys: []string{"enter"}, chosen: "broken"},
		{name: "down moves", keys: []string{"down", "down", "enter"}, chosen: "prod-admin"},
		{name: "up stops at the top", keys: []string{"up", "up", "enter"}, chosen: "broken"},
		{name: "down stops at the bottom", keys: []string{"down", "down", "down", "down", "down", "enter"}, chosen: "sso-read"},
		{name: "fuzzy filter", keys: []string{"p", "a", "d", "enter"}, chosen: "prod-admin"},
		{name: "filter by account", keys: []string{"2109", "enter"}, chosen: "sso-read"},
		{name: "filter by role", keys: []string{"readonly", "enter"}, chosen: "sso-read"},
		{name: "backspace widens", keys: []string{"zzz", "backspace", "backspace", "backspace", "down", "enter"}, chosen: "dev"},
		{name: "no match: enter does nothing, esc cancels", keys: []string{"zzz", "enter", "esc"}, canceled: true},
		{name: "esc", keys: []string{"esc"}, canceled: true},
		{name: "ctrl-c", keys: []string{"d", "ctrl+c"}, canceled: true},
		{name: "starts on the current profile", initial: "prod-admin", keys: []string{"enter"}, chosen: "prod-admin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := press(newListModel(profileChoice(rows, tt.initial), plain()), tt.keys...)
			if !m.done {
				t.Fatalf("not done after %q", tt.keys)
			}
			chosen := ""
			if m.chosen >= 0 {
				chosen = rows[m.chosen].Name
			}
			if chosen != tt.chosen || m.canceled != tt.canceled {
				t.Errorf("chosen %q canceled %v; want %q %v", chosen, m.canceled, tt.chosen, tt.canceled)
			}
			if m.View() != "" {
				t.Errorf("a finished picker leaves %q on the terminal", m.View())
			}
		})
	}
}

func TestModelView(t *testing.T) {
	t.Parallel()
	now := time.Now()
	rows := Rows(loadConfig(t, config), map[string]time.Time{"dev": now.Add(90 * time.Minute)}, now)
	m := newListModel(profileChoice(rows, ""), plain())
	next, _ := m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	m = press(next.(listModel), "down")
	view := m.View()
	for _, want := range []string{
		"profile> ",
		"  PROFILE     ACCOUNT       ROLE      SOURCE         SESSION",
		"  broken      111122223333  x         role (broken)",
		"> dev                                 keys           1h30m left",
		"  prod-admin  123456789012  Admin     role",
		"4/4",
	} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}

	m = press(m, "z", "z", "z")
	if view := m.View(); !strings.Contains(view, `no profile matches "zzz"`) {
		t.Errorf("view without matches:\n%s", view)
	}

	// A short terminal scrolls: the cursor stays on screen.
	small, _ := newListModel(profileChoice(rows, ""), plain()).Update(tea.WindowSizeMsg{Width: 40, Height: 5})
	m = press(small.(listModel), "down", "down", "down")
	view = m.View()
	if !strings.Contains(view, "> sso-read") || strings.Contains(view, "broken") {
		t.Errorf("scrolled view:\n%s", view)
	}
	for _, line := range strings.Split(view, "\n") {
		if w := len([]rune(line)); w > 40 {
			t.Errorf("line wider than the terminal (%d): %q", w, line)
		}
	}
}

func TestNoTerminal(t *testing.T) {
	t.Parallel()
	p := &TTY{Path: filepath.Join(t.TempDir(), "not-a-tty")}
	if err := os.WriteFile(p.Path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := p.PickProfile(context.Background(), loadConfig(t, config))
	if err == nil || !strings.Contains(err.Error(), "no terminal") {
		t.Errorf("err = %v, want no terminal", err)
	}
	p.Path = filepath.Join(t.TempDir(), "missing")
	if _, err := p.PickProfile(context.Background(), loadConfig(t, config)); err == nil || errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want no terminal", err)
	}
}
