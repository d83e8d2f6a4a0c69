package picker

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// filterInput is the list's filter line: a prompt, the text typed and a
// cursor. It stands in for bubbles' textinput, which links a clipboard
// library (atotto/clipboard) whose package initialisation looks up xclip,
// xsel, wl-copy, termux-clipboard-set and clip.exe in every folder of PATH
// (some fifty stat calls) at the start of every sesame run, credential_process
// calls included (see init_test.go). Pasting still works: a terminal's
// bracketed paste arrives as typed runes.
type filterInput struct {
	prompt      string
	placeholder string
	value       []rune
	pos         int // the cursor, an index into value

	promptStyle, placeholderStyle, cursorStyle lipgloss.Style
}

// Value returns the text typed.
func (in *filterInput) Value() string { return string(in.value) }

// Update edits the text for a key: runes (and pastes) are inserted at the
// cursor; Backspace, Delete, Left, Right, Home/Ctrl-A, End/Ctrl-E, Ctrl-U,
// Ctrl-K and Ctrl-W (or Alt-Backspace) edit as in a shell. Other messages
// are ignored.
func (in *filterInput) Update(msg tea.Msg) {
	k, ok := msg.(tea.KeyMsg)
	if !ok {
		return
	}
	switch k.Type {
	case tea.KeyRunes, tea.KeySpace:
		runes := k.Runes
		if k.Type == tea.KeySpace {
			runes = []rune{' '}
		}
		// Line breaks and other controls in a paste are not filter text.
		clean := make([]rune, 0, len(runes))
		for _, r := range runes {
			if r >= ' ' && r != 0x7f {
				clean = append(clean, r)
			}
		}
		in.value = append(in.value[:in.pos], append(clean, in.value[in.pos:]...)...)
		in.pos += len(clean)
	case tea.KeyBackspace:
		if k.Alt {
			in.deleteWord()
		} else if in.pos > 0 {
			in.value = append(in.value[:in.pos-1], in.value[in.pos:]...)
			in.pos--
		}
	case tea.KeyDelete, tea.KeyCtrlD:
		if in.pos < len(in.value) {
			in.value = append(in.value[:in.pos], in.value[in.pos+1:]...)
		}
	case tea.KeyLeft, tea.KeyCtrlB:
		in.pos = max(in.pos-1, 0)
	case tea.KeyRight, tea.KeyCtrlF:
		in.pos = min(in.pos+1, len(in.value))
	case tea.KeyHome, tea.KeyCtrlA:
		in.pos = 0
	case tea.KeyEnd, tea.KeyCtrlE:
		in.pos = len(in.value)
	case tea.KeyCtrlU:
		in.value = append(in.value[:0], in.value[in.pos:]...)
		in.pos = 0
	case tea.KeyCtrlK:
		in.value = in.value[:in.pos]
	case tea.KeyCtrlW:
		in.deleteWord()
	}
}

// deleteWord deletes the word before the cursor, and the spaces after it.
func (in *filterInput) deleteWord() {
	i := in.pos
	for i > 0 && in.value[i-1] == ' ' {
		i--
	}
	for i > 0 && in.value[i-1] != ' ' {
		i--
	}
	in.value = append(in.value[:i], in.value[in.pos:]...)
	in.pos = i
}

// View renders the prompt, then the text with the cursor as a reversed
// cell, or the placeholder when nothing is typed.
func (in *filterInput) View() string {
	var b strings.Builder
	b.WriteString(in.promptStyle.Render(in.prompt))
	if len(in.value) == 0 && in.placeholder != "" {
		p := []rune(in.placeholder)
		b.WriteString(in.cursorStyle.Render(string(p[0])))
		b.WriteString(in.placeholderStyle.Render(string(p[1:])))
		return b.String()
	}
	b.WriteString(string(in.value[:in.pos]))
	under := " "
	if in.pos < len(in.value) {
		under = string(in.value[in.pos])
	}
	b.WriteString(in.cursorStyle.Render(under))
	if in.pos+1 < len(in.value) {
		b.WriteString(string(in.value[in.pos+1:]))
	}
	return b.String()
}
