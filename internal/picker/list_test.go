package picker

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
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

// keys feeds the model key presses: runes as typed text, and named keys.
func keys(m tea.Model, presses ...tea.Msg) tea.Model {
	for _, k := range presses {
		m, _ = m.Update(k)
	}
	return m
}

func typed(s string) tea.KeyMsg      { return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)} }
func keyOf(t tea.KeyType) tea.KeyMsg { return tea.KeyMsg{Type: t} }

func TestListKeys(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name    string
		presses []tea.KeyMsg
		chosen  int
		cancel  bool
	}{
		{"first", []tea.KeyMsg{keyOf(tea.KeyEnter)}, 0, false},
		{"down", []tea.KeyMsg{keyOf(tea.KeyDown), keyOf(tea.KeyDown), keyOf(tea.KeyDown), keyOf(tea.KeyEnter)}, 2, false},
		{"up stops", []tea.KeyMsg{keyOf(tea.KeyUp), keyOf(tea.KeyEnter)}, 0, false},
		{"filter by name", []tea.KeyMsg{typed("prod"), keyOf(tea.KeyEnter)}, 2, false},
		{"filter by id", []tea.KeyMsg{typed("3333"), keyOf(tea.KeyEnter)}, 1, false},
		{"filter by email", []tea.KeyMsg{typed("dev@"), keyOf(tea.KeyEnter)}, 0, false},
		{"nothing matches", []tea.KeyMsg{typed("zzz"), keyOf(tea.KeyEnter), keyOf(tea.KeyBackspace), keyOf(tea.KeyBackspace), keyOf(tea.KeyBackspace), keyOf(tea.KeyEnter)}, 0, false},
		{"esc", []tea.KeyMsg{typed("prod"), keyOf(tea.KeyEsc)}, -1, true},
		{"ctrl-c", []tea.KeyMsg{keyOf(tea.KeyCtrlC)}, -1, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var msgs []tea.Msg
			for _, p := range tt.presses {
				msgs = append(msgs, p)
			}
			m := keys(newListModel(accountsChoice, plain()), msgs...).(listModel)
			if m.chosen != tt.chosen || m.canceled != tt.cancel || !m.done {
				t.Errorf("chosen %d, canceled %v, done %v; want %d, %v", m.chosen, m.canceled, m.done, tt.chosen, tt.cancel)
			}
			if m.View() != "" {
				t.Errorf("the list stays on the terminal: %q", m.View())
			}
		})
	}
}

func TestListView(t *testing.T) {
	t.Parallel()
	m := newListModel(accountsChoice, plain())
	view := m.View()
	for _, want := range []string{"account> ", "  ACCOUNT         ID            EMAIL", "> dev-sandbox     111111111111  dev@example.com", "  shared          333333333333\n", "3/3  enter: choose  esc: cancel"} {
		if !strings.Contains(view, want) {
			t.Errorf("view lacks %q:\n%s", want, view)
		}
	}
	m = keys(m, typed("prod")).(listModel)
	view = m.View()
	if !strings.Contains(view, "1/3") || strings.Contains(view, "dev-sandbox") || !strings.Contains(view, "> workloads-prod") {
		t.Errorf("filtered view:\n%s", view)
	}
	m = keys(m, typed("zzz")).(listModel)
	if view = m.View(); !strings.Contains(view, `no account matches "prodzzz"`) {
		t.Errorf("empty view:\n%s", view)
	}
	// A short terminal scrolls.
	many := Choice{Title: "Role", Filter: "role", Header: []string{"ROLE"}}
	for _, r := range strings.Split("a b c d e f g h i j k l m n o p", " ") {
		many.Rows = append(many.Rows, []string{"role-" + r})
	}
	view = keys(newListModel(many, plain()), tea.WindowSizeMsg{Width: 40, Height: 6}, keyOf(tea.KeyPgDown), keyOf(tea.KeyDown)).View()
	if strings.Count(view, "role-") != 3 || !strings.Contains(view, "> role-e") || !strings.Contains(view, "  role-c") {
		t.Errorf("scrolled view:\n%s", view)
	}
}

// TestListEscapesControlCharacters: names holding terminal escape
// sequences are shown escaped, never raw, and typing what is shown finds
// them.
func TestListEscapesControlCharacters(t *testing.T) {
	t.Parallel()
	ch := Choice{Filter: "profile", Header: []string{"PROFILE", "ROLE"},
		Rows:   [][]string{{"evil\x1b]0;pwned\x07", "Admin\u009b2J"}, {"good", "ReadOnly"}},
		Search: []string{"evil\x1b]0;pwned\x07 Admin\u009b2J", "good ReadOnly"}}
	m := newListModel(ch, plain())
	view := m.View()
	if strings.ContainsAny(view, "\x07\u009b") || strings.Contains(view, "\x1b]") {
		t.Errorf("a control character reached the terminal: %q", view)
	}
	if !strings.Contains(view, `> evil\x1b]0;pwned\x07  Admin\u009b2J`) {
		t.Errorf("view lacks the escaped row:\n%s", view)
	}
	m = keys(m, typed(`pwned\x07`), keyOf(tea.KeyEnter)).(listModel)
	if m.chosen != 0 {
		t.Errorf("typing the escaped name chose %d", m.chosen)
	}
	if ch.Rows[0][0] != "evil\x1b]0;pwned\x07" {
		t.Errorf("the caller's rows changed: %q", ch.Rows[0][0])
	}
}
