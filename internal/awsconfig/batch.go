package awsconfig

import (
	"fmt"
	"slices"
	"strings"
)

// KeyValue is a key and its value.
type KeyValue struct {
	Key, Value string
}

// SectionEdit is one section's part of a batch of edits (File.Apply).
type SectionEdit struct {
	Section string
	// Remove deletes the section, as RemoveSection does.
	Remove bool
	// Set sets keys as Set does: an existing key in place, keeping its
	// indentation and line ending, a new one after the section's last
	// key; a missing section is added at the end of the file.
	Set []KeyValue
}

// Apply makes many edits at once, with the same rules as Set and
// RemoveSection but one parse at the end instead of one per key: Set and
// RemoveSection are right for a handful of keys and far too slow for
// thousands of profiles. Lines outside the edited sections are copied byte
// for byte. The result is parsed and checked to read exactly as before but
// for the edits; if it does not, f is left unchanged and Apply returns an
// error.
func (f *File) Apply(edits []SectionEdit) error {
	f.ready()
	if len(edits) == 0 {
		return nil
	}
	for _, e := range edits {
		if err := checkName("section", e.Section); err != nil {
			return err
		}
		for _, kv := range e.Set {
			if err := checkKey(kv.Key); err != nil {
				return err
			}
			if strings.ContainsAny(kv.Value, "\r\n") || pyStrip(kv.Value) != kv.Value {
				return fmt.Errorf("value for %q must be one line without leading or trailing spaces", kv.Key)
			}
		}
	}
	lines := f.lines
	n := len(lines)
	del := make([]bool, n)
	repl := make(map[int]string)
	after := make(map[int][]string)
	removed := map[string]bool{}
	updated := map[string][]KeyValue{}
	var adds []SectionEdit
	var removes []*Section
	for _, e := range edits {
		s, exists := f.section(e.Section)
		switch {
		case e.Remove:
			if exists {
				removed[e.Section] = true
				removes = append(removes, s)
			}
		case !exists:
			adds = append(adds, e)
		default:
			updated[e.Section] = e.Set
			last := s.Line - 1 // the header, or the last key's last line
			if k := len(s.Keys); k > 0 {
				last = s.Keys[k-1].EndLine - 1
			}
			for _, kv := range e.Set {
				k, ok := s.Key(kv.Key)
				if !ok {
					indent := ""
					if len(s.Keys) > 0 {
						indent = indentOf(lines[s.Keys[len(s.Keys)-1].Line-1])
					}
					after[last] = append(after[last], indent+keyLine(kv))
					continue
				}
				repl[k.Line-1] = indentOf(lines[k.Line-1]) + keyLine(kv) + eolOf(lines[k.EndLine-1])
				for i := k.Line; i < k.EndLine; i++ {
					del[i] = true
				}
			}
		}
	}
	// Removals from the end, so that each knows whether everything after
	// it goes too.
	slices.SortFunc(removes, func(a, b *Section) int { return b.Line - a.Line })
	blank := func(l string) bool { return pyStrip(l) == "" }
	for _, s := range removes {
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
			write(f.eol)
		}
		write(s + f.eol)
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
	for _, e := range adds {
		if !empty && (!lastBlank || !lastEOL) {
			newLine("")
		}
		newLine("[" + e.Section + "]")
		for _, kv := range e.Set {
			newLine(keyLine(kv))
		}
	}

	g, err := Parse(f.Path, []byte(b.String()))
	if err != nil || !readsAsEdited(f, g, removed, updated, adds) {
		return fmt.Errorf("%s: the edit would not read back as written; the file was left unchanged", f.Path)
	}
	g.eol = f.eol
	*f = *g
	return nil
}

func keyLine(kv KeyValue) string {
	if kv.Value == "" {
		return kv.Key + " ="
	}
	return kv.Key + " = " + kv.Value
}

// readsAsEdited reports whether g is f with exactly the edits: the same
// sections in the same order with the same keys and values, less the
// removed ones, with the updated keys changed (new keys last), and the
// added sections at the end.
func readsAsEdited(f, g *File, removed map[string]bool, updated map[string][]KeyValue, adds []SectionEdit) bool {
	type sec struct {
		name string
		keys []KeyValue
	}
	var want []sec
	for _, s := range f.sections {
		if removed[s.Name] {
			continue
		}
		var keys []KeyValue
		for _, k := range s.Keys {
			keys = append(keys, KeyValue{k.Name, k.Value})
		}
		for _, kv := range updated[s.Name] {
			if i := slices.IndexFunc(keys, func(x KeyValue) bool { return x.Key == kv.Key }); i >= 0 {
				keys[i].Value = kv.Value
			} else {
				keys = append(keys, kv)
			}
		}
		want = append(want, sec{s.Name, keys})
	}
	for _, e := range adds {
		want = append(want, sec{e.Section, e.Set})
	}
	got := g.sections
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
