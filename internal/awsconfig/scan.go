package awsconfig

import (
	"strings"
	"unicode/utf8"
)

// Load's fast path. A credential_process call needs one profile, its
// include_profile and source_profile chain and its sso-session: a handful of
// sections, out of thousands in a config that `sso populate` wrote. Parsing
// every section into keys (Parse) and building every profile (Build) costs
// milliseconds there; so Load scans each file instead:
//
//   - scan checks every line with the parser's own rules (the same state
//     machine as File.parse, so that it finds the same section headers and
//     the same continuation lines) and notes where each section starts and
//     ends, but keeps no keys. Every error the parser or Build reports on any
//     section (a duplicate section or key, a key before any section, a line
//     that is nothing, a key with no name, a nested value with a line that
//     has no '=') makes scan give up, as does anything it does not handle
//     ([DEFAULT], whose keys are fall-backs for every section); Load then
//     parses and builds the whole file as before, and reports the same error
//     at the same line. So a file that botocore refuses is still refused,
//     whole, on every call: no error in a section the profile does not use
//     is skipped.
//   - a section is parsed (by File.parse, on its own lines) only when a
//     profile or sso-session in it is asked for; ProfileNames and the other
//     calls that need every profile parse and build everything.
//
// The file's *File (Config.ConfigFile) is parsed in full the first time one
// of its methods is called.

// scanIndex is where a scanned file's sections are.
type scanIndex struct {
	text    string
	headers []scanHeader
	// byName maps each header's name to its index in headers.
	byName map[string]int
	// odd holds, by kind and name, the last header of each profile,
	// sso-session or services section whose header is not the plain
	// "profile NAME" form (quotes, tabs, several spaces, "profilex NAME"):
	// they are classified with the shell splitter while scanning, as
	// classify does. Nearly always empty.
	odd map[oddKey]int
}

type oddKey struct {
	kind sectionKind
	name string
}

// scanHeader is one section: its header's name and line, and the byte
// offsets of its header line and of the line after its last line.
type scanHeader struct {
	name       string
	line       int
	start, end int
}

// scanFile scans data; ok is false when Load must parse the file in full
// (an error anywhere, or something the scan leaves to the parser).
func scanFile(text string) (idx *scanIndex, ok bool) {
	if !utf8.ValidString(text) {
		return nil, false
	}
	// At most one header a '['.
	n := strings.Count(text, "[") + 1
	hasCR := strings.IndexByte(text, '\r') >= 0
	idx = &scanIndex{text: text, headers: make([]scanHeader, 0, n), byName: make(map[string]int, n)}
	var (
		cur         = -1 // index of the current section in idx.headers
		keyOpen     bool // a key is open: an indented line continues it
		nested      bool // the open key's value started empty: it is nested
		indentLevel int
		keys        []string // the current section's keys, lower-case
		keySet      map[string]bool
	)
	lineno := 0
	for pos := 0; pos < len(text); {
		lineno++
		start := pos
		// A line ends at "\n", "\r\n" or a lone "\r" (universal newlines).
		rest := text[pos:]
		n := strings.IndexByte(rest, '\n')
		line := rest
		if n >= 0 {
			line = rest[:n]
			pos += n + 1
		} else {
			pos = len(text)
		}
		if hasCR {
			line, pos = splitCR(line, start, pos, n >= 0)
		}
		stripped, indent := line, 0
		if n := len(line); n == 0 || line[0] <= ' ' || line[0] >= utf8.RuneSelf || line[n-1] <= ' ' || line[n-1] >= utf8.RuneSelf {
			// Not plain ASCII text at both ends (which nothing strips).
			stripped, indent = stripIndent(line)
		}
		if stripped == "" || stripped[0] == '#' || stripped[0] == ';' {
			continue
		}
		if cur >= 0 && keyOpen && indent > indentLevel {
			if nested && !nestedLineOK(stripped) {
				return nil, false
			}
			idx.headers[cur].end = pos
			continue
		}
		indentLevel = indent
		if name, ok := sectionHeader(stripped); ok {
			keyOpen = false
			if name == defaultSection {
				return nil, false
			}
			if _, dup := idx.byName[name]; dup {
				return nil, false
			}
			idx.byName[name] = len(idx.headers)
			cur = len(idx.headers)
			idx.headers = append(idx.headers, scanHeader{name: name, line: lineno, start: start, end: pos})
			if !idx.classifyOdd(name, cur) {
				return nil, false
			}
			keys, keySet = keys[:0], nil
			continue
		}
		if cur < 0 {
			return nil, false
		}
		name, valueEmpty, ok := scanOption(stripped)
		if !ok {
			return nil, false
		}
		if keySet != nil {
			if keySet[name] {
				return nil, false
			}
			keySet[name] = true
		} else {
			for _, k := range keys {
				if k == name {
					return nil, false
				}
			}
			keys = append(keys, name)
			if len(keys) >= indexFrom {
				keySet = make(map[string]bool, 2*len(keys))
				for _, k := range keys {
					keySet[k] = true
				}
			}
		}
		keyOpen, nested = true, valueEmpty
		idx.headers[cur].end = pos
	}
	return idx, true
}

// splitCR ends line at its first "\r": a line ending "\r\n" loses the
// "\r"; a lone "\r" ends the line there, and the next starts after it.
// start is the line's offset, pos the offset after it so far.
func splitCR(line string, start, pos int, hadLF bool) (string, int) {
	r := strings.IndexByte(line, '\r')
	switch {
	case r < 0:
		return line, pos
	case r == len(line)-1 && hadLF:
		return line[:r], pos
	default:
		return line[:r], start + r + 1
	}
}

// stripIndent is pyStrip(line) and the count of runes it strips from the
// front, with a fast path for ASCII.
func stripIndent(line string) (string, int) {
	i := 0
	for i < len(line) && isASCIIPySpace(line[i]) {
		i++
	}
	j := len(line)
	for j > i && isASCIIPySpace(line[j-1]) {
		j--
	}
	if (i < len(line) && line[i] >= utf8.RuneSelf) || (j > i && line[j-1] >= utf8.RuneSelf) {
		// Non-ASCII at either end: it may be Unicode whitespace.
		stripped := pyStrip(line)
		lead := len(line) - len(pyLStrip(line))
		return stripped, utf8.RuneCountInString(line[:lead])
	}
	return line[i:j], i
}

// isASCIIPySpace is isPySpace for a byte below utf8.RuneSelf.
func isASCIIPySpace(c byte) bool {
	return c == ' ' || c >= '\t' && c <= '\r' || c >= 0x1c && c <= 0x1f
}

// scanOption is splitOption on a stripped line, with the name lower-cased
// (pyLower) and only whether the value is empty: one pass over the bytes
// for a key of lower-case ASCII. ok is false for a line that is not an
// option or has an empty name, which the parser refuses.
func scanOption(s string) (name string, valueEmpty, ok bool) {
	i, plain := 0, true
	for ; i < len(s); i++ {
		c := s[i]
		if c == '=' || c == ':' {
			break
		}
		if c >= utf8.RuneSelf || c >= 'A' && c <= 'Z' {
			plain = false
		}
	}
	if i == len(s) {
		return "", false, false
	}
	name, value := s[:i], s[i+1:]
	if plain {
		j := len(name)
		for j > 0 && isASCIIPySpace(name[j-1]) {
			j--
		}
		name = name[:j]
	} else {
		name = pyLower(pyRStrip(name))
	}
	if name == "" {
		return "", false, false
	}
	v, _ := stripIndent(value)
	return name, v == "", true
}

// nestedLineOK reports whether a continuation line of a nested value (one
// that starts empty) reads as "key = value" lines, as parseNested needs:
// the line split as str.splitlines splits, each non-blank piece with an '='.
func nestedLineOK(stripped string) bool {
	plain := true
	for i := 0; i < len(stripped); i++ {
		if c := stripped[i]; c >= utf8.RuneSelf || c == '\v' || c == '\f' || c >= 0x1c && c <= 0x1e {
			plain = false
			break
		}
	}
	if plain {
		return strings.IndexByte(stripped, '=') >= 0
	}
	for _, piece := range pySplitLines(stripped) {
		if pyStrip(piece) != "" && !strings.Contains(piece, "=") {
			return false
		}
	}
	return true
}

// classifyOdd records a profile, sso-session or services header that is
// not in the plain form "PREFIX NAME" (NAME without whitespace, quotes or
// backslashes), which the lookups find by name directly. ok is false when
// the scan should give up (too many such headers to be worth it).
func (idx *scanIndex) classifyOdd(header string, i int) bool {
	for _, prefix := range [...]string{"profile", "sso-session", "services"} {
		if !strings.HasPrefix(header, prefix) {
			continue
		}
		if len(header) > len(prefix) && header[len(prefix)] == ' ' && plainName(header[len(prefix)+1:]) {
			return true
		}
		kind, name := classify(header)
		if kind == kindOther {
			return true
		}
		if idx.odd == nil {
			idx.odd = map[oddKey]int{}
		}
		idx.odd[oddKey{kind, name}] = i
		return true
	}
	return true
}

// plainName reports whether "PREFIX name" splits into exactly those two
// words with the shell's rules: name is not empty and has no whitespace,
// quote or backslash.
func plainName(name string) bool {
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case ' ', '\t', '\r', '\n', '\'', '"', '\\':
			return false
		}
	}
	return name != ""
}

// find returns the index of the last header that names kind's name (the
// section botocore takes it from), or -1.
func (idx *scanIndex) find(kind sectionKind, name string) int {
	best := -1
	consider := func(header string) {
		if i, ok := idx.byName[header]; ok && i > best {
			best = i
		}
	}
	if plainName(name) {
		switch kind {
		case kindProfile:
			consider("profile " + name)
		case kindSSOSession:
			consider("sso-session " + name)
		}
	}
	if kind == kindProfile && name == "default" {
		consider("default")
	}
	if i, ok := idx.odd[oddKey{kind, name}]; ok && i > best {
		best = i
	}
	return best
}

// section parses the i-th section on its own lines, as File.parse parses
// it within the whole file: the scan found where it starts and ends, and
// the parser's state at a header line does not depend on the lines before.
func (idx *scanIndex) section(path string, i int) *Section {
	h := idx.headers[i]
	f := &File{Path: path}
	f.lines, _ = splitLines(idx.text[h.start:h.end])
	if err := f.parse(); err != nil || len(f.sections) != 1 {
		panic("awsconfig: the scan and the parser disagree on section [" + h.name + "] of " + path)
	}
	s := f.sections[0]
	s.Line += h.line - 1
	for _, k := range s.Keys {
		k.Line += h.line - 1
		k.EndLine += h.line - 1
	}
	return s
}
