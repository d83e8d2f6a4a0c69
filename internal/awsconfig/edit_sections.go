package awsconfig

import (
	"fmt"
	"strings"
)

// noKey names no key, so that an edit's read-back check compares every key.
const noKey = "\x00"

// AddSection appends an empty section at the end of the file; a section
// that exists already is left as it is.
func (f *File) AddSection(section string) error {
	f.ready()
	if err := checkName("section", section); err != nil {
		return err
	}
	if _, ok := f.section(section); ok {
		return nil
	}
	return f.edit(section, "", func(lines []string) []string {
		lines = endWithEOL(lines, f.eol)
		if n := len(lines); n > 0 && pyStrip(lines[n-1]) != "" {
			lines = append(lines, f.eol)
		}
		return append(lines, "["+section+"]"+f.eol)
	}, func(g *File) bool {
		_, ok := g.section(section)
		return ok
	})
}

// AddComment puts "# text" on the line after the section's header. Keys and
// values do not change.
func (f *File) AddComment(section, text string) error {
	f.ready()
	if strings.ContainsAny(text, "\r\n") {
		return fmt.Errorf("a comment must be one line")
	}
	s, ok := f.section(section)
	if !ok {
		return fmt.Errorf("no section [%s] in %s", section, f.Path)
	}
	return f.edit(section, noKey, func(lines []string) []string {
		at := s.Line
		if at == len(lines) {
			lines = endWithEOL(lines, f.eol)
		}
		return splice(lines, at, at, indentOf(lines[s.Line-1])+"# "+text+f.eol)
	}, func(g *File) bool { return true })
}
