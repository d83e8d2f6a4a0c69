package picker

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
	"github.com/sahilm/fuzzy"

	"github.com/sesamehq/sesame/internal/prompt"
	"github.com/sesamehq/sesame/internal/safetext"
)

// Choice is a table to choose one row of.
type Choice struct {
	// Title, when set, names what was chosen: the chosen row is left on
	// the terminal as "Title: cells". With no title nothing is left.
	Title string
	// Filter is the filter line's prompt ("profile", "account").
	Filter string
	// Header names the columns; every row has as many cells.
	Header []string
	// Rows are the choices, in the order shown.
	Rows [][]string
	// Search is, per row, the text typing is matched against; nil means
	// all of the row's cells.
	Search []string
	// Initial is the row the cursor starts on.
	Initial int
}

// Choose shows the choice as a fuzzy, filterable list on the terminal at
// path ("" is /dev/tty, on Windows the console) and returns the index of the chosen row: typing
// filters at once (there is no filter mode to enter), Up/Down (also
// Ctrl-P/Ctrl-N, Tab/Shift-Tab) move, PgUp/PgDn page, Enter chooses, Esc
// or Ctrl-C cancel (prompt.ErrCanceled). The list is erased when it ends.
// color reports whether styling may be used (nil: yes). No terminal is
// prompt.ErrNoTerminal.
func Choose(ctx context.Context, path string, color func() bool, ch Choice) (int, error) {
	if len(ch.Rows) == 0 {
		return 0, fmt.Errorf("there is no %s to choose from", ch.Filter)
	}
	in, tty, closeTerm, err := openTerminal(path)
	if err != nil {
		return 0, err
	}
	defer closeTerm()
	r := lipgloss.NewRenderer(tty)
	if color != nil && !color() {
		r.SetColorProfile(termenv.Ascii)
	}
	prog := tea.NewProgram(newListModel(ch, r),
		// Ctrl-C arrives as a key in raw mode; a SIGINT from elsewhere
		// ends the list as a cancel, with the terminal restored.
		tea.WithInput(in), tea.WithOutput(tty), tea.WithContext(ctx))
	final, err := prog.Run()
	switch {
	case errors.Is(err, tea.ErrInterrupted):
		return 0, prompt.ErrCanceled
	case ctx.Err() != nil:
		return 0, ctx.Err()
	case err != nil:
		return 0, fmt.Errorf("%s list: %w", ch.Filter, err)
	}
	m := final.(listModel)
	if m.canceled || m.chosen < 0 {
		return 0, prompt.ErrCanceled
	}
	if ch.Title != "" {
		fmt.Fprintf(tty, "%s: %s\n", m.choice.Title, strings.Join(nonEmpty(m.choice.Rows[m.chosen]), "  "))
	}
	return m.chosen, nil
}

// escaped is the choice as shown: a copy whose text has its control
// characters escaped (safetext.Escape), so that a name from the files or
// from IAM Identity Center cannot drive the terminal. Typing matches the
// text as shown.
func (ch Choice) escaped() Choice {
	esc := func(cells []string) []string {
		out := make([]string, len(cells))
		for i, c := range cells {
			out[i] = safetext.Escape(c)
		}
		return out
	}
	ch.Title = safetext.Escape(ch.Title)
	ch.Filter = safetext.Escape(ch.Filter)
	ch.Header = esc(ch.Header)
	rows := make([][]string, len(ch.Rows))
	for i, r := range ch.Rows {
		rows[i] = esc(r)
	}
	ch.Rows = rows
	if ch.Search != nil {
		ch.Search = esc(ch.Search)
	}
	return ch
}

func nonEmpty(cells []string) []string {
	var out []string
	for _, c := range cells {
		if c != "" {
			out = append(out, c)
		}
	}
	return out
}

// maxVisible is the most rows the list shows at once; the rest scroll.
const maxVisible = 12

// listModel is the list's bubbletea model: a filter line, and the rows
// that match it, best first.
type listModel struct {
	choice Choice
	search []string // per row: the text the filter is matched against
	widths []int    // column widths over all rows and the header

	input   filterInput
	query   string
	matches []fuzzy.Match // the rows matching query, best first
	cursor  int           // index into matches
	offset  int           // first match shown

	width, height int // the terminal's size; 0 until known
	header        lipgloss.Style
	selected      lipgloss.Style
	match         lipgloss.Style
	dim           lipgloss.Style

	chosen   int
	canceled bool
	done     bool
}

func newListModel(ch Choice, r *lipgloss.Renderer) listModel {
	ch = ch.escaped()
	in := filterInput{
		prompt:           ch.Filter + "> ",
		placeholder:      "type to filter",
		promptStyle:      r.NewStyle().Bold(true),
		placeholderStyle: r.NewStyle().Faint(true),
		cursorStyle:      r.NewStyle().Reverse(true),
	}
	m := listModel{
		choice:   ch,
		input:    in,
		widths:   make([]int, len(ch.Header)),
		search:   ch.Search,
		header:   r.NewStyle().Bold(true),
		selected: r.NewStyle().Reverse(true),
		match:    r.NewStyle().Underline(true).Bold(true),
		dim:      r.NewStyle().Faint(true),
		chosen:   -1,
	}
	if m.search == nil {
		m.search = make([]string, len(ch.Rows))
		for i, row := range ch.Rows {
			m.search[i] = strings.Join(row, " ")
		}
	}
	for _, row := range append([][]string{ch.Header}, ch.Rows...) {
		for c := range m.widths {
			if c < len(row) {
				m.widths[c] = max(m.widths[c], ansi.StringWidth(row[c]))
			}
		}
	}
	m.filter()
	for i, mt := range m.matches {
		if mt.Index == ch.Initial {
			m.cursor = i
		}
	}
	m.scroll()
	return m
}

// filter recomputes the matches for the filter line and moves the cursor
// to the best one.
func (m *listModel) filter() {
	m.query = m.input.Value()
	m.cursor, m.offset = 0, 0
	if strings.TrimSpace(m.query) == "" {
		m.matches = make([]fuzzy.Match, len(m.search))
		for i := range m.search {
			m.matches[i] = fuzzy.Match{Str: m.search[i], Index: i}
		}
		return
	}
	m.matches = fuzzy.Find(m.query, m.search)
}

// visible is how many rows fit.
func (m listModel) visible() int {
	n := maxVisible
	if m.height > 0 {
		// The filter line, the header and the status line take three.
		n = min(n, m.height-3)
	}
	return max(n, 1)
}

// scroll keeps the cursor on screen.
func (m *listModel) scroll() {
	v := m.visible()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+v {
		m.offset = m.cursor - v + 1
	}
}

// move moves the cursor by n rows, stopping at either end.
func (m *listModel) move(n int) {
	if len(m.matches) == 0 {
		return
	}
	m.cursor = min(max(m.cursor+n, 0), len(m.matches)-1)
	m.scroll()
}

func (m listModel) Init() tea.Cmd { return nil }

func (m listModel) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		m.scroll()
		return m, nil
	case tea.KeyMsg:
		switch msg.String() {
		case "ctrl+c", "esc":
			m.canceled, m.done = true, true
			return m, tea.Quit
		case "enter":
			if len(m.matches) == 0 {
				return m, nil
			}
			m.chosen, m.done = m.matches[m.cursor].Index, true
			return m, tea.Quit
		case "up", "ctrl+p", "shift+tab":
			m.move(-1)
			return m, nil
		case "down", "ctrl+n", "tab":
			m.move(1)
			return m, nil
		case "pgup":
			m.move(-m.visible())
			return m, nil
		case "pgdown":
			m.move(m.visible())
			return m, nil
		}
	}
	m.input.Update(msg)
	if m.input.Value() != m.query {
		m.filter()
	}
	return m, nil
}

func (m listModel) View() string {
	if m.done {
		return "" // leave nothing of the list behind
	}
	var b strings.Builder
	b.WriteString(m.input.View())
	b.WriteByte('\n')
	b.WriteString(m.header.Render(m.line("  ", m.choice.Header)))
	end := min(m.offset+m.visible(), len(m.matches))
	for i := m.offset; i < end; i++ {
		mt := m.matches[i]
		row := m.choice.Rows[mt.Index]
		b.WriteByte('\n')
		if i == m.cursor {
			b.WriteString(m.selected.Render(m.line("> ", row)))
		} else {
			b.WriteString(m.highlight(m.line("  ", row), "  ", row, mt))
		}
	}
	b.WriteByte('\n')
	status := fmt.Sprintf("  %d/%d  enter: choose  esc: cancel", len(m.matches), len(m.choice.Rows))
	if len(m.matches) == 0 {
		status = fmt.Sprintf("  no %s matches %q  esc: cancel", m.choice.Filter, m.query)
	}
	b.WriteString(m.dim.Render(m.cut(status)))
	return b.String()
}

// line lays out one row's cells in columns, cut to the terminal's width.
func (m listModel) line(prefix string, cells []string) string {
	var b strings.Builder
	b.WriteString(prefix)
	for c, w := range m.widths {
		v := ""
		if c < len(cells) {
			v = cells[c]
		}
		if c > 0 {
			b.WriteString("  ")
		}
		b.WriteString(v)
		b.WriteString(strings.Repeat(" ", w-ansi.StringWidth(v)))
	}
	return m.cut(strings.TrimRight(b.String(), " "))
}

// highlight underlines the matched characters of the row's first cell, at
// the start of text (after prefix), when the search text starts with that
// cell: the match's offsets then point into it. Later cells are left alone,
// as the padded columns do not line up with the search text.
func (m listModel) highlight(text, prefix string, row []string, mt fuzzy.Match) string {
	if len(mt.MatchedIndexes) == 0 || len(row) == 0 || !strings.HasPrefix(mt.Str, row[0]) || !strings.HasPrefix(text, prefix+row[0]) {
		return text
	}
	first := row[0]
	mark := make(map[int]bool, len(mt.MatchedIndexes))
	for _, i := range mt.MatchedIndexes {
		mark[i] = true
	}
	var out strings.Builder
	out.WriteString(prefix)
	for i, r := range first {
		if mark[i] {
			out.WriteString(m.match.Render(string(r)))
		} else {
			out.WriteRune(r)
		}
	}
	out.WriteString(text[len(prefix)+len(first):])
	return out.String()
}

// cut shortens s to the terminal's width, when known.
func (m listModel) cut(s string) string {
	if m.width <= 0 {
		return s
	}
	return ansi.Truncate(s, m.width-1, "…")
}
