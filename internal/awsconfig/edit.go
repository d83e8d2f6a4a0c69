package awsconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"

	"github.com/sesamehq/sesame/internal/atomicfile"
)

// Editing changes a File's lines in place: every line an edit does not touch
// (comments, blank lines, unknown keys, other sections, their order and the
// file's line endings) is kept byte for byte. After each edit the file is
// parsed again and the edit checked, so an edit can never leave a file that
// botocore would read differently from what was asked.

// ConfigSection is the config-file section name for a profile: "default"
// or "profile NAME", the name quoted when it needs it.
func ConfigSection(profile string) string {
	if profile == "default" {
		return "default"
	}
	return "profile " + quoteName(profile)
}

// SSOSessionSection is the config-file section name for an sso-session.
func SSOSessionSection(name string) string { return "sso-session " + quoteName(name) }

// quoteName quotes a name for a section header the way botocore's shlex
// split reads it back.
func quoteName(name string) string {
	if name != "" && !strings.ContainsAny(name, " \t\r\n\"'\\") {
		return name
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`
}

// ProfileSection returns the name of the config-file section that botocore
// takes the profile from (the last one naming it), if any.
func (f *File) ProfileSection(profile string) (string, bool) {
	found := ""
	for _, s := range f.Sections() {
		if kind, name := classify(s.Name); kind == kindProfile && name == profile {
			found = s.Name
		}
	}
	return found, found != ""
}

// Bytes returns the file's current content.
func (f *File) Bytes() []byte { return []byte(strings.Join(f.lines, "")) }

// Set sets key to value in section, adding the key at the end of the
// section, or the section at the end of the file, when missing.
func (f *File) Set(section, key, value string) error {
	if err := checkName("section", section); err != nil {
		return err
	}
	if err := checkKey(key); err != nil {
		return err
	}
	if strings.ContainsAny(value, "\r\n") || pyStrip(value) != value {
		return fmt.Errorf("value for %q must be one line without leading or trailing spaces", key)
	}
	return f.edit(func(lines []string) []string {
		line := key + " = " + value
		s, ok := f.byName[section]
		if !ok {
			lines = endWithEOL(lines, f.eol)
			if n := len(lines); n > 0 && pyStrip(lines[n-1]) != "" {
				lines = append(lines, f.eol)
			}
			return append(lines, "["+section+"]"+f.eol, line+f.eol)
		}
		if k, ok := s.Key(key); ok {
			old := lines[k.Line-1]
			indent := old[:len(old)-len(pyLStrip(old))]
			return splice(lines, k.Line-1, k.EndLine, indent+line+eolOf(lines[k.EndLine-1]))
		}
		if s.end == len(lines) {
			lines = endWithEOL(lines, f.eol)
		}
		return splice(lines, s.end, s.end, line+f.eol)
	}, func(g *File) bool {
		s, ok := g.byName[section]
		if !ok {
			return false
		}
		k, ok := s.Key(key)
		return ok && k.Value == value
	})
}

// Unset removes key (and its continuation lines) from section. It reports
// whether the key was there.
func (f *File) Unset(section, key string) (bool, error) {
	s, ok := f.byName[section]
	if !ok {
		return false, nil
	}
	k, ok := s.Key(key)
	if !ok {
		return false, nil
	}
	return true, f.edit(func(lines []string) []string {
		return splice(lines, k.Line-1, k.EndLine)
	}, func(g *File) bool {
		s, ok := g.byName[section]
		if !ok {
			return false
		}
		_, still := s.Key(key)
		return !still
	})
}

// RemoveSection removes the section's header and every line up to its last
// key; comments after its last key stay, as they may describe what follows.
// It reports whether the section was there.
func (f *File) RemoveSection(section string) (bool, error) {
	s, ok := f.byName[section]
	if !ok {
		return false, nil
	}
	return true, f.edit(func(lines []string) []string {
		from, to := s.Line-1, s.end
		// Drop the blank lines that followed, unless that would glue the
		// previous section to the next.
		for to < len(lines) && pyStrip(lines[to]) == "" && (from == 0 || pyStrip(lines[from-1]) == "") {
			to++
		}
		return splice(lines, from, to)
	}, func(g *File) bool {
		_, still := g.byName[section]
		return !still
	})
}

// edit applies change to a copy of the lines, parses the result and keeps it
// only when it parses and check accepts it.
func (f *File) edit(change func([]string) []string, check func(*File) bool) error {
	lines := change(append([]string(nil), f.lines...))
	g := &File{Path: f.Path, lines: lines, eol: f.eol}
	if err := g.parse(); err != nil || !check(g) {
		return fmt.Errorf("%s: the edit would not read back as written; the file was left unchanged", f.Path)
	}
	*f = *g
	return nil
}

func splice(lines []string, from, to int, insert ...string) []string {
	out := make([]string, 0, len(lines)-(to-from)+len(insert))
	out = append(out, lines[:from]...)
	out = append(out, insert...)
	return append(out, lines[to:]...)
}

func endWithEOL(lines []string, eol string) []string {
	if n := len(lines); n > 0 && !strings.HasSuffix(lines[n-1], "\n") && !strings.HasSuffix(lines[n-1], "\r") {
		lines[n-1] += eol
	}
	return lines
}

func eolOf(line string) string {
	switch {
	case strings.HasSuffix(line, "\r\n"):
		return "\r\n"
	case strings.HasSuffix(line, "\n"):
		return "\n"
	case strings.HasSuffix(line, "\r"):
		return "\r"
	}
	return "" // the file's last line had no ending; keep it that way
}

func checkName(what, name string) error {
	if name == "" || strings.ContainsAny(name, "\r\n") || pyStrip(name) != name {
		return fmt.Errorf("%s name %q cannot be written to a config file", what, name)
	}
	return nil
}

func checkKey(key string) error {
	if key == "" || pyLower(key) != key || strings.ContainsAny(key, "=:[#;") || strings.IndexFunc(key, isPySpace) >= 0 {
		return fmt.Errorf("key %q cannot be written: keys are lower-case words without spaces, '=', ':', '[', '#' or ';'", key)
	}
	return nil
}

// Update reads the file at path (empty when missing), lets change edit it,
// and writes the result atomically when anything changed: an existing file
// keeps its mode, a new one gets 0600. A file that changed on disk while
// change ran is read again and change re-applied, so a concurrent writer's
// update is not lost. Nothing is written, or created, when change made no
// difference.
func Update(path string, change func(*File) error) error {
	for range 5 {
		orig, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cannot read %s: %w", path, unwrapPath(err))
		}
		f, err := Parse(path, orig)
		if err != nil {
			return err
		}
		if err := change(f); err != nil {
			return err
		}
		data := f.Bytes()
		if bytes.Equal(data, orig) {
			return nil
		}
		now, err := os.ReadFile(path)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("cannot read %s: %w", path, unwrapPath(err))
		}
		if !bytes.Equal(now, orig) {
			continue
		}
		if err := atomicfile.WriteFile(path, data, 0o600); err != nil {
			return fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
		}
		return nil
	}
	return fmt.Errorf("%s keeps changing while sesame edits it; try again", path)
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
