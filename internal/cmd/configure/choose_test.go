package configure

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"

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

func plain() *lipgloss.Renderer {
	r := lipgloss.NewRenderer(nil)
	r.SetColorProfile(termenv.Ascii)
	return r
}

// keys feeds the model key presses: runes as typed text, and named keys.
func keys(m tea.Model, presses ...tea.Msg) tea.Model {
	for _, k := range presses {
		m, _ = m.Update(k)
	}
	return m
}

func typed(s string) tea.KeyMsg    { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }
func key(t tea.KeyType) tea.KeyMsg { return tea.KeyMsg{Type: t} }

func TestChooseModel(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		presses []tea.KeyMsg
		chosen  int
		cancel  bool
	}{
		{"first", []tea.KeyMsg{key(tea.KeyEnter)}, 0, false},
		{"down", []tea.KeyMsg{key(tea.KeyDown), key(tea.KeyDown), key(tea.KeyDown), key(tea.KeyEnter)}, 2, false},
		{"up stops", []tea.KeyMsg{key(tea.KeyUp), key(tea.KeyEnter)}, 0, false},
		{"filter by name", []tea.KeyMsg{typed("prod"), key(tea.KeyEnter)}, 2, false},
		{"filter by id", []tea.KeyMsg{typed("3333"), key(tea.KeyEnter)}, 1, false},
		{"filter by email", []tea.KeyMsg{typed("dev@"), key(tea.KeyEnter)}, 0, false},
		{"nothing matches", []tea.KeyMsg{typed("zzz"), key(tea.KeyEnter), key(tea.KeyBackspace), key(tea.KeyBackspace), key(tea.KeyBackspace), key(tea.KeyEnter)}, 0, false},
		{"esc", []tea.KeyMsg{typed("prod"), key(tea.KeyEsc)}, -1, true},
		{"ctrl-c", []tea.KeyMsg{key(tea.KeyCtrlC)}, -1, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var msgs []tea.Msg
			for _, p := range tt.presses {
				msgs = append(msgs, p)
			}
			m := keys(newChooseModel(accountsChoice, plain()), msgs...).(chooseModel)
			if m.chosen != tt.chosen || m.canceled != tt.cancel || !m.done {
				t.Errorf("chosen %d, canceled %v, done %v; want %d, %v", m.chosen, m.canceled, m.done, tt.chosen, tt.cancel)
			}
			if m.View() != "" {
				t.Errorf("the list stays on the terminal: %q", m.View())
			}
		})
	}
}

func TestChooseModelView(t *testing.T) {
	t.Parallel()
	m := newChooseModel(accountsChoice, plain())
	view := m.View()
	for _, want := range []string{"account> ", "  ACCOUNT         ID            EMAIL", "> dev-sandbox     111111111111  dev@example.com", "  shared          333333333333\n", "3/3  enter: choose  esc: cancel"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
	m = keys(m, typed("prod")).(chooseModel)
	view = m.View()
	if !strings.Contains(view, "1/3") || strings.Contains(view, "dev-sandbox") || !strings.Contains(view, "> workloads-prod") {
		t.Errorf("filtered view:\n%s", view)
	}
	m = keys(m, typed("zzz")).(chooseModel)
	if view = m.View(); !strings.Contains(view, `no account matches "prodzzz"`) {
		t.Errorf("empty view:\n%s", view)
	}
	// A short terminal scrolls.
	many := Choice{Title: "Role", Filter: "role", Header: []string{"ROLE"}}
	for _, r := range strings.Split("a b c d e f g h i j k l m n o p", " ") {
		many.Rows = append(many.Rows, []string{"role-" + r})
	}
	view = keys(newChooseModel(many, plain()), tea.WindowSizeMsg{Width: 40, Height: 6}, key(tea.KeyPgDown), key(tea.KeyDown)).View()
	if strings.Count(view, "role-") != 3 || !strings.Contains(view, "> role-e") || !strings.Contains(view, "  role-c") {
		t.Errorf("scrolled view:\n%s", view)
	}
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
