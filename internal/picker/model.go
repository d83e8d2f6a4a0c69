package picker

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/sahilm/fuzzy"
)

// maxVisible is the most rows the list shows at once; the rest scroll.
const maxVisible = 12

// model is the picker's bubbletea model: a query line, and the rows that
// match it best first. Typing filters at once (there is no filter mode to
// enter); Up/Down (also Ctrl-P/Ctrl-N, Tab/Shift-Tab) move, PgUp/PgDn page,
// Enter chooses, Esc and Ctrl-C cancel.
type model struct {
	rows   []Row
	search []string // per row: the text the query is matched against
	widths [5]int   // column widths over all rows and the header

	input   textinput.Model
	query   string
	matches []fuzzy.Match // the rows matching query, best first
	cursor  int           // index into matches
	offset  int           // first match shown

	width, height int // the terminal's size; 0 until known
	styles        styles

	chosen   string
	canceled bool
	done     bool
}

type styles struct {
	header, selected, match, dim lipgloss.Style
}

var header = Row{Name: "PROFILE", Account: "ACCOUNT", Role: "ROLE", Source: "SOURCE", Session: "SESSION"}

func newModel(rows []Row, r *lipgloss.Renderer, initial string) model {
	in := textinput.New()
	in.Prompt = "profile> "
	in.Placeholder = "type to filter"
	in.PromptStyle = r.NewStyle().Bold(true)
	in.TextStyle = r.NewStyle()
	in.PlaceholderStyle = r.NewStyle().Faint(true)
	in.Cursor.Style = r.NewStyle().Reverse(true)
	in.Focus()
	m := model{
		rows:  rows,
		input: in,
		styles: styles{
			header:   r.NewStyle().Bold(true),
			selected: r.NewStyle().Reverse(true),
			match:    r.NewStyle().Underline(true).Bold(true),
			dim:      r.NewStyle().Faint(true),
		},
	}
	m.search = make([]string, len(rows))
	for i, row := range append([]Row{header}, rows...) {
		for c, v := range row.cells() {
			m.widths[c] = max(m.widths[c], ansi.StringWidth(v))
		}
		if i > 0 {
			m.search[i-1] = row.Name + " " + row.Account + " " + row.Role
		}
	}
	m.filter()
	// Start on the profile in use, when it is listed.
	for i, mt := range m.matches {
		if rows[mt.Index].Name == initial {
			m.cursor = i
		}
	}
	m.scroll()
	return m
}

func (r Row) cells() [5]string {
	return [5]string{r.Name, r.Account, r.Role, r.Source, r.Session}
}

// filter recomputes the matches for the current query and moves the
// cursor to the best one.
func (m *model) filter() {
	m.query = m.input.Value()
	m.cursor, m.offset = 0, 0
	if strings.TrimSpace(m.query) == "" {
		m.matches = make([]fuzzy.Match, len(m.rows))
		for i := range m.rows {
			m.matches[i] = fuzzy.Match{Str: m.search[i], Index: i}
		}
		return
	}
	m.matches = fuzzy.Find(m.query, m.search)
}

// visible is how many rows fit.
func (m model) visible() int {
	n := maxVisible
	if m.height > 0 {
		// The query, the header and the status line take three lines.
		n = min(n, m.height-3)
	}
	return max(n, 1)
}

// scroll keeps the cursor on screen.
func (m *model) scroll() {
	v := m.visible()
	if m.cursor < m.offset {
		m.offset = m.cursor
	}
	if m.cursor >= m.offset+v {
		m.offset = m.cursor - v + 1
	}
}

func (m model) Init() tea.Cmd { return textinput.Blink }

func (m model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
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
			m.chosen, m.done = m.rows[m.matches[m.cursor].Index].Name, true
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
	var cmd tea.Cmd
	m.input, cmd = m.input.Update(msg)
	if m.input.Value() != m.query {
		m.filter()
	}
	return m, cmd
}

// move moves the cursor by n rows, stopping at either end.
func (m *model) move(n int) {
	if len(m.matches) == 0 {
		return
	}
	m.cursor = min(max(m.cursor+n, 0), len(m.matches)-1)
	m.scroll()
}

func (m model) View() string {
	if m.done {
		// Leave nothing behind on the terminal.
		return ""
	}
	var b strings.Builder
	b.WriteString(m.input.View())
	b.WriteByte('\n')
	b.WriteString(m.styles.header.Render(m.line("  ", header.cells())))
	end := min(m.offset+m.visible(), len(m.matches))
	for i := m.offset; i < end; i++ {
		mt := m.matches[i]
		b.WriteByte('\n')
		row := m.rows[mt.Index]
		if i == m.cursor {
			b.WriteString(m.styles.selected.Render(m.line("> ", row.cells())))
		} else {
			b.WriteString(m.highlight(m.line("  ", row.cells()), "  ", row.Name, mt.MatchedIndexes))
		}
	}
	b.WriteByte('\n')
	status := fmt.Sprintf("  %d/%d  enter: choose  esc: cancel", len(m.matches), len(m.rows))
	if len(m.matches) == 0 {
		status = fmt.Sprintf("  no profile matches %q  esc: cancel", m.query)
	}
	b.WriteString(m.styles.dim.Render(m.cut(status)))
	return b.String()
}

// line lays out one row's cells in columns, cut to the terminal's width.
func (m model) line(prefix string, cells [5]string) string {
	var b strings.Builder
	b.WriteString(prefix)
	for c, v := range cells {
		if c > 0 {
			b.WriteString("  ")
		}
		b.WriteString(v)
		b.WriteString(strings.Repeat(" ", m.widths[c]-ansi.StringWidth(v)))
	}
	return m.cut(strings.TrimRight(b.String(), " "))
}

// highlight underlines the matched characters of the name at the start of
// text (after prefix); matched holds byte offsets into the search text,
// which starts with the name. Offsets past the name are left alone, as
// the padded columns do not line up with the search text.
func (m model) highlight(text, prefix, name string, matched []int) string {
	if len(matched) == 0 || !strings.HasPrefix(text, prefix+name) {
		return text
	}
	mark := make(map[int]bool, len(matched))
	for _, i := range matched {
		mark[i] = true
	}
	var out strings.Builder
	out.WriteString(prefix)
	for i, r := range name {
		if mark[i] {
			out.WriteString(m.styles.match.Render(string(r)))
		} else {
			out.WriteRune(r)
		}
	}
	out.WriteString(text[len(prefix)+len(name):])
	return out.String()
}

// cut shortens s to the terminal's width, when known.
func (m model) cut(s string) string {
	if m.width <= 0 {
		return s
	}
	return ansi.Truncate(s, m.width-1, "…")
}
