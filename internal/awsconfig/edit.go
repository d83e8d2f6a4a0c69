package awsconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
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
	f.ready()
	found := ""
	for _, s := range f.Sections() {
		if kind, name := classify(s.Name); kind == kindProfile && name == profile {
			found = s.Name
		}
	}
	return found, found != ""
}

// Bytes returns the file's current content.
func (f *File) Bytes() []byte {
	f.ready()
	return []byte(strings.Join(f.lines, ""))
}

// section returns the section with this header name, [DEFAULT] included.
func (f *File) section(name string) (*Section, bool) {
	f.ready()
	if name == defaultSection {
		return f.defaults, f.defaults != nil
	}
	s, ok := f.byName[name]
	return s, ok
}

// Set sets key to value in section, adding the key at the end of the
// section, or the section at the end of the file, when missing. A new key
// gets the indentation of the section's last key. Set refuses, leaving the
// file unchanged, a key, value or section name that cannot be written, and
// an edit that would not read back as exactly this change.
func (f *File) Set(section, key, value string) error {
	f.ready()
	if err := checkName("section", section); err != nil {
		return err
	}
	if err := checkKey(key); err != nil {
		return err
	}
	if strings.ContainsAny(value, "\r\n") || pyStrip(value) != value {
		return fmt.Errorf("value for %q must be one line without leading or trailing spaces", key)
	}
	line := key + " = " + value
	if value == "" {
		line = key + " ="
	}
	return f.edit(section, key, func(lines []string) []string {
		s, ok := f.section(section)
		if !ok {
			lines = endWithEOL(lines, f.eol)
			if n := len(lines); n > 0 && pyStrip(lines[n-1]) != "" {
				lines = append(lines, f.eol)
			}
			return append(lines, "["+section+"]"+f.eol, line+f.eol)
		}
		if k, ok := s.Key(key); ok {
			return splice(lines, k.Line-1, k.EndLine, indentOf(lines[k.Line-1])+line+eolOf(lines[k.EndLine-1]))
		}
		indent := ""
		if n := len(s.Keys); n > 0 {
			indent = indentOf(lines[s.Keys[n-1].Line-1])
		}
		if s.end == len(lines) {
			lines = endWithEOL(lines, f.eol)
		}
		return splice(lines, s.end, s.end, indent+line+f.eol)
	}, func(g *File) bool {
		s, ok := g.section(section)
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
	f.ready()
	s, ok := f.section(section)
	if !ok {
		return false, nil
	}
	k, ok := s.Key(key)
	if !ok {
		return false, nil
	}
	return true, f.edit(section, key, func(lines []string) []string {
		return splice(lines, k.Line-1, k.EndLine)
	}, func(g *File) bool {
		s, ok := g.section(section)
		if !ok {
			return false
		}
		_, still := s.Key(key)
		return !still
	})
}

// RemoveSection removes the section's header and every line up to its last
// key; comments after its last key stay, as they may describe what follows.
// It reports whether the section was there. [DEFAULT] cannot be removed
// this way, as it may be written in several places.
func (f *File) RemoveSection(section string) (bool, error) {
	f.ready()
	if section == defaultSection {
		return false, fmt.Errorf("%s: [%s] cannot be removed; remove its keys one by one", f.Path, defaultSection)
	}
	s, ok := f.byName[section]
	if !ok {
		return false, nil
	}
	return true, f.edit(section, "", func(lines []string) []string {
		from, to := s.Line-1, s.end
		// Drop the blank lines that followed, unless that would glue the
		// previous section to the next; at the end of the file, drop the
		// blank lines that came before.
		for to < len(lines) && pyStrip(lines[to]) == "" && (from == 0 || pyStrip(lines[from-1]) == "") {
			to++
		}
		if to == len(lines) {
			for from > 0 && pyStrip(lines[from-1]) == "" {
				from--
			}
		}
		return splice(lines, from, to)
	}, func(g *File) bool {
		_, still := g.byName[section]
		return !still
	})
}

// edit applies change to a copy of the lines, parses the result and keeps it
// only when it parses, check accepts it and nothing but key in section (the
// whole section when key is "") reads differently than before.
func (f *File) edit(section, key string, change func([]string) []string, check func(*File) bool) error {
	f.ready()
	lines := change(append([]string(nil), f.lines...))
	g, err := Parse(f.Path, []byte(strings.Join(lines, "")))
	if err != nil || !check(g) || !sameExcept(f, g, section, key) {
		return fmt.Errorf("%s: the edit would not read back as written; the file was left unchanged", f.Path)
	}
	g.eol = f.eol
	*f = *g
	return nil
}

// sameExcept reports whether f and g have the same sections in the same
// order with the same keys and values, leaving out key in section, or the
// whole section when key is "".
func sameExcept(f, g *File, section, key string) bool {
	type kv struct{ name, value string }
	flat := func(x *File) []kv {
		var out []kv
		for _, s := range x.sections {
			if s.Name == section && key == "" {
				continue
			}
			out = append(out, kv{"[" + s.Name + "]", ""})
			for _, k := range s.Keys {
				if s.Name != section || k.Name != key {
					out = append(out, kv{k.Name, k.Value})
				}
			}
		}
		return out
	}
	a, b := flat(f), flat(g)
	if len(a) != len(b) {
		// Set may add the section itself, header only.
		if len(b) != len(a)+1 || key == "" {
			return false
		}
		if _, had := f.section(section); had {
			return false
		}
		if n := len(b); b[n-1] != (kv{"[" + section + "]", ""}) {
			return false
		}
		b = b[:len(b)-1]
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
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

func indentOf(line string) string { return line[:len(line)-len(pyLStrip(line))] }

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
// keeps its mode, a new one gets 0600 (and new folders 0700); a symbolic
// link is kept and the file it points to replaced. Nothing is written, or
// created, when change made no difference.
//
// Concurrent Updates of one file, from goroutines or processes, do not lose
// each other's changes: once change has made a difference, Update takes the
// lock of atomicfile.Lock (the file ".NAME.lock" next to the file, left in
// place), reads the file again and applies change again before writing. A
// writer that does not take the lock is still noticed when it changes the
// file while change runs, and change re-applied. So change may be called
// more than once, each time on a fresh File, and should only edit it.
func Update(path string, change func(*File) error) error {
	changed, err := updateOnce(path, change, false)
	if err != nil || !changed {
		return err
	}
	unlock, err := atomicfile.Lock(path)
	if err != nil {
		return fmt.Errorf("cannot lock %s: %w", path, unwrapPath(err))
	}
	defer func() { _ = unlock() }()
	for range 5 {
		done, err := updateOnce(path, change, true)
		if err != nil || done {
			return err
		}
	}
	return fmt.Errorf("%s keeps changing while sesame edits it; try again", path)
}

// updateOnce reads path and applies change. It reports whether change made
// a difference when write is false, and whether it is done (written, or
// nothing to write) when write is true; it is not done when the file
// changed on disk while change ran.
func updateOnce(path string, change func(*File) error, write bool) (bool, error) {
	orig, err := ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	f, err := Parse(path, orig)
	if err != nil {
		return false, err
	}
	if err := change(f); err != nil {
		return false, err
	}
	data := f.Bytes()
	if !write {
		return !bytes.Equal(data, orig), nil
	}
	if bytes.Equal(data, orig) {
		return true, nil
	}
	now, err := ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	if !bytes.Equal(now, orig) {
		return false, nil
	}
	if err := atomicfile.WriteFile(path, data, 0o600); err != nil {
		return false, fmt.Errorf("cannot write %s: %w", path, unwrapPath(err))
	}
	return true, nil
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
