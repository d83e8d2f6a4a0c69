package picker

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// TestFilterInputEdits: typing, pasting and the shell's editing keys change
// the filter text as they do in a shell line.
func TestFilterInputEdits(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name    string
		presses []tea.KeyMsg
		want    string
	}{
		{"typing", []tea.KeyMsg{typed("pr"), typed("od")}, "prod"},
		{"space", []tea.KeyMsg{typed("a"), keyOf(tea.KeySpace), typed("b")}, "a b"},
		{"paste drops line breaks", []tea.KeyMsg{{Type: tea.KeyRunes, Runes: []rune("pr\nod\t"), Paste: true}}, "prod"},
		{"backspace", []tea.KeyMsg{typed("prod"), keyOf(tea.KeyBackspace)}, "pro"},
		{"backspace at start", []tea.KeyMsg{keyOf(tea.KeyBackspace)}, ""},
		{"insert after left", []tea.KeyMsg{typed("prd"), keyOf(tea.KeyLeft), typed("o")}, "prod"},
		{"home and delete", []tea.KeyMsg{typed("xprod"), keyOf(tea.KeyHome), keyOf(tea.KeyDelete)}, "prod"},
		{"ctrl-a then end", []tea.KeyMsg{typed("pro"), keyOf(tea.KeyCtrlA), keyOf(tea.KeyEnd), typed("d")}, "prod"},
		{"ctrl-u", []tea.KeyMsg{typed("dev prod"), keyOf(tea.KeyLeft), keyOf(tea.KeyLeft), keyOf(tea.KeyCtrlU)}, "od"},
		{"ctrl-k", []tea.KeyMsg{typed("prodxx"), keyOf(tea.KeyLeft), keyOf(tea.KeyLeft), keyOf(tea.KeyCtrlK)}, "prod"},
		{"ctrl-w", []tea.KeyMsg{typed("dev prod  "), keyOf(tea.KeyCtrlW)}, "dev "},
		{"alt-backspace", []tea.KeyMsg{typed("dev prod"), {Type: tea.KeyBackspace, Alt: true}}, "dev "},
		{"right stops at end", []tea.KeyMsg{typed("ab"), keyOf(tea.KeyRight), typed("c")}, "abc"},
	} {
		in := filterInput{}
		for _, k := range c.presses {
			in.Update(k)
		}
		if got := in.Value(); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

// TestFilterInputView: the prompt, the placeholder until something is
// typed, and the text around the cursor.
func TestFilterInputView(t *testing.T) {
	t.Parallel()
	in := filterInput{prompt: "profile> ", placeholder: "type to filter"}
	if got := in.View(); got != "profile> type to filter" {
		t.Errorf("empty: %q", got)
	}
	in.Update(typed("prod"))
	in.Update(keyOf(tea.KeyLeft))
	if got := in.View(); got != "profile> prod" {
		t.Errorf("typed: %q", got)
	}
	in.Update(keyOf(tea.KeyEnd))
	if got := in.View(); got != "profile> prod " {
		t.Errorf("cursor at the end: %q", got)
	}
}
