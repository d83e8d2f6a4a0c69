package populate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sesamehq/sesame/internal/awsconfig"
)

// apply makes the plan's changes to f in one edit.
//
// awsconfig's File.Set and RemoveSection parse the whole file again after
// every key they write, which is right for a handful of keys and far too
// slow for thousands of profiles (3,000 profiles of five keys would take
// minutes). apply edits the lines of the generated sections only, the way
// those methods do (a changed key keeps its indentation and line ending, a
// new key goes after the section's last key, a removed section takes its
// header and keys and the blank lines RemoveSection would take, new
// sections go at the end, after a blank line), then parses the result once
// and checks that every section reads exactly as before except for the
// changes asked. Lines outside the generated sections are copied byte for
// byte. If the check fails f is left unchanged and apply returns an error.
func apply(f *awsconfig.File, p *Plan) error {
	if len(p.Changes) == 0 {
		return nil
	}
	lines, eol := splitLines(string(f.Bytes()))
	n := len(lines)
	del := make([]bool, n)
	repl := make(map[int]string)
	after := make(map[int][]string)

	removed := map[string]bool{}
	updated := map[string]*Change{}
	var adds []*Change
	var removes []*Change
	for i := range p.Changes {
		c := &p.Changes[i]
		switch c.Kind {
		case Added:
			adds = append(adds, c)
		case Updated:
			updated[c.Section] = c
			s := c.sec
			last := s.Line - 1 // the header, or the last key's last line
			if k := len(s.Keys); k > 0 {
				last = s.Keys[k-1].EndLine - 1
			}
			for _, kv := range c.New {
				k, ok := s.Key(kv.Key)
				if !ok {
					indent := ""
					if len(s.Keys) > 0 {
						indent = indentOf(lines[s.Keys[len(s.Keys)-1].Line-1])
					}
					after[last] = append(after[last], indent+line(kv))
					continue
				}
				repl[k.Line-1] = indentOf(lines[k.Line-1]) + line(kv) + eolOf(lines[k.EndLine-1])
				for i := k.Line; i < k.EndLine; i++ {
					del[i] = true
				}
			}
		case Removed:
			removed[c.Section] = true
			removes = append(removes, c)
		}
	}
	// Removals from the end, so that each knows whether everything after
	// it goes too.
	slices.SortFunc(removes, func(a, b *Change) int { return b.sec.Line - a.sec.Line })
	for _, c := range removes {
		s := c.sec
		from, to := s.Line-1, s.Line
		if k := len(s.Keys); k > 0 {
			to = s.Keys[k-1].EndLine
		}
		for to < n && blank(lines[to]) && (from == 0 || blank(lines[from-1])) {
			to++
		}
		atEnd := true
		for i := to; i < n && atEnd; i++ {
			atEnd = del[i]
		}
		if atEnd {
			for from > 0 && blank(lines[from-1]) {
				from--
			}
		}
		for i := from; i < to; i++ {
			del[i] = true
		}
	}

	var b strings.Builder
	lastBlank, lastEOL, empty := true, true, true
	write := func(s string) {
		b.WriteString(s)
		lastBlank, lastEOL, empty = blank(s), eolOf(s) != "", false
	}
	newLine := func(s string) {
		if !lastEOL {
			write(eol)
		}
		write(s + eol)
	}
	for i, l := range lines {
		if !del[i] {
			if r, ok := repl[i]; ok {
				l = r
			}
			write(l)
		}
		for _, a := range after[i] {
			newLine(a)
		}
	}
	for _, c := range adds {
		if !empty && (!lastBlank || !lastEOL) {
			newLine("")
		}
		newLine("[" + c.Section + "]")
		for _, kv := range c.New {
			newLine(line(kv))
		}
	}

	g, err := awsconfig.Parse(f.Path, []byte(b.String()))
	if err != nil || !readsAsPlanned(f, g, removed, updated, adds) {
		return fmt.Errorf("%s: the edit would not read back as written; the file was left unchanged", f.Path)
	}
	*f = *g
	return nil
}

// readsAsPlanned reports whether g is f with exactly the planned changes:
// the same sections in the same order with the same keys and values, less
// the removed ones, with the updated keys changed (new keys last), and the
// added sections at the end.
func readsAsPlanned(f, g *awsconfig.File, removed map[string]bool, updated map[string]*Change, adds []*Change) bool {
	type sec struct {
		name string
		keys []KV
	}
	var want []sec
	for _, s := range f.Sections() {
		if removed[s.Name] {
			continue
		}
		var keys []KV
		for _, k := range s.Keys {
			keys = append(keys, KV{k.Name, k.Value})
		}
		if c, ok := updated[s.Name]; ok {
			for _, kv := range c.New {
				if i := slices.IndexFunc(keys, func(x KV) bool { return x.Key == kv.Key }); i >= 0 {
					keys[i].Value = kv.Value
				} else {
					keys = append(keys, kv)
				}
			}
		}
		want = append(want, sec{s.Name, keys})
	}
	for _, c := range adds {
		want = append(want, sec{c.Section, c.New})
	}
	got := g.Sections()
	if len(got) != len(want) {
		return false
	}
	for i, s := range got {
		if s.Name != want[i].name || len(s.Keys) != len(want[i].keys) {
			return false
		}
		for j, k := range s.Keys {
			if k.Name != want[i].keys[j].Key || k.Value != want[i].keys[j].Value {
				return false
			}
		}
	}
	return true
}

// splitLines splits on "\r\n", "\r" and "\n" as awsconfig (and Python's
// universal newlines) do, keeping each line's ending, and picks the ending
// new lines get: the most common one, "\n" on a tie or in an empty file.
func splitLines(s string) (lines []string, eol string) {
	crlf, lf, cr := 0, 0, 0
	for len(s) > 0 {
		i := strings.IndexAny(s, "\r\n")
		if i < 0 {
			lines = append(lines, s)
			break
		}
		n := i + 1
		switch {
		case s[i] == '\r' && i+1 < len(s) && s[i+1] == '\n':
			n = i + 2
			crlf++
		case s[i] == '\n':
			lf++
		default:
			cr++
		}
		lines = append(lines, s[:n])
		s = s[n:]
	}
	switch {
	case crlf > lf && crlf >= cr:
		eol = "\r\n"
	case cr > lf && cr > crlf:
		eol = "\r"
	default:
		eol = "\n"
	}
	return lines, eol
}

func eolOf(l string) string {
	switch {
	case strings.HasSuffix(l, "\r\n"):
		return "\r\n"
	case strings.HasSuffix(l, "\n"):
		return "\n"
	case strings.HasSuffix(l, "\r"):
		return "\r"
	}
	return ""
}

func indentOf(l string) string {
	return l[:len(l)-len(strings.TrimLeft(l, " \t"))]
}

func blank(l string) bool { return strings.TrimSpace(l) == "" }
