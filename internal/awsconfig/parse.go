package awsconfig

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// ParseError is a file botocore would refuse. Its message names the file and
// the line, and never repeats the line's text: a broken line in the shared
// credentials file may hold a secret.
type ParseError struct {
	File string
	Line int
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// defaultSection is configparser's DEFAULT section: its keys are fall-backs
// for every other section of the same file.
const defaultSection = "DEFAULT"

// File is one parsed INI file (the config or the shared credentials file).
// It keeps the original lines so that edits preserve everything they do not
// touch. A File is not safe for concurrent use.
type File struct {
	// Path is the file's name, used in error messages.
	Path string

	lines    []string // each with its own line ending
	eol      string   // the line ending new lines get
	sections []*Section
	byName   map[string]*Section
	defaults *Section // merged [DEFAULT] sections, or nil
	// pending is set while a file Load scanned waits to be parsed: the
	// fields above are filled in by ready, which every method calls first.
	pending *scanIndex
}

// ready parses a file that Load scanned but did not parse.
func (f *File) ready() {
	if f.pending == nil {
		return
	}
	text := f.pending.text
	f.pending = nil
	f.lines, f.eol = splitLines(text)
	if err := f.parse(); err != nil {
		panic("awsconfig: the scan accepted a file the parser refuses: " + err.Error())
	}
}

// Section is one [header] of a File, with its keys as configparser reads
// them. Keys of [DEFAULT] are not folded in here; see File.Values.
type Section struct {
	// Name is the text between the brackets, exactly as written.
	Name string
	// Line is the 1-based line of the header.
	Line int
	// Keys are in file order.
	Keys []*Key

	end   int             // index of the line after the section's last key line
	index map[string]*Key // built once a section has many keys
}

// Key is one key of a Section.
type Key struct {
	// Name is lower-cased, as botocore sees it.
	Name string
	// Value is as botocore sees it: stripped, continuation lines joined by
	// "\n", inline comments kept.
	Value string
	// Line is the 1-based line of the key; EndLine the last continuation line.
	Line, EndLine int

	parts  []string
	blanks int // blank lines seen since the last line of the value
}

// indexFrom is the number of keys from which a section keeps a map of
// them; smaller sections (nearly all) are searched in order.
const indexFrom = 16

// Key returns the section's key named name (lower-case), if any.
func (s *Section) Key(name string) (*Key, bool) {
	if s.index != nil {
		k, ok := s.index[name]
		return k, ok
	}
	for _, k := range s.Keys {
		if k.Name == name {
			return k, true
		}
	}
	return nil, false
}

func (s *Section) addKey(k *Key) {
	s.Keys = append(s.Keys, k)
	switch {
	case s.index != nil:
		s.index[k.Name] = k
	case len(s.Keys) >= indexFrom:
		s.index = make(map[string]*Key, 2*len(s.Keys))
		for _, k := range s.Keys {
			s.index[k.Name] = k
		}
	}
}

// appendLine adds a continuation line to the key's value, after the blank
// lines seen since its last line. Blank lines that no continuation follows
// would be stripped from the end of the value, so they are only counted.
func (k *Key) appendLine(line string) {
	if k.parts == nil {
		k.parts = []string{k.Value}
	}
	for ; k.blanks > 0; k.blanks-- {
		k.parts = append(k.parts, "")
	}
	k.parts = append(k.parts, line)
}

// Sections returns the file's sections in file order, without [DEFAULT].
func (f *File) Sections() []*Section {
	f.ready()
	var out []*Section
	for _, s := range f.sections {
		if s.Name != defaultSection {
			out = append(out, s)
		}
	}
	return out
}

// Section returns the section with exactly this header name.
func (f *File) Section(name string) (*Section, bool) {
	f.ready()
	s, ok := f.byName[name]
	return s, ok
}

// Parse reads data the way botocore does (Python's configparser in strict
// mode, without interpolation). It refuses what botocore refuses: a file that
// is not UTF-8, a duplicate section, a duplicate key in a section, a key
// before any section, a key with no name, and a line that is neither a
// section header, a key, a comment nor an indented continuation.
func Parse(path string, data []byte) (*File, error) { return parseText(path, string(data)) }

func parseText(path, text string) (*File, error) {
	f := &File{Path: path, byName: map[string]*Section{}}
	if !utf8.ValidString(text) {
		data := []byte(text)
		line := 1 + strings.Count(string(data[:firstInvalidUTF8(data)]), "\n")
		return nil, &ParseError{File: path, Line: line, Msg: "not valid UTF-8; save the file as UTF-8"}
	}
	f.lines, f.eol = splitLines(text)
	if err := f.parse(); err != nil {
		return nil, err
	}
	return f, nil
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// splitLines splits on "\r\n", "\r" and "\n" as Python's universal newlines
// do, keeping each line's ending, and picks the ending new lines should use.
func splitLines(s string) (lines []string, eol string) {
	crlf, lf, cr := 0, 0, 0
	lines = make([]string, 0, strings.Count(s, "\n")+1)
	for len(s) > 0 {
		i := indexEOL(s)
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

func trimEOL(line string) string { return strings.TrimRight(line, "\r\n") }

// indexEOL is strings.IndexAny(s, "\r\n"), faster: two searches for one
// byte (vectorised) rather than a loop over every byte.
func indexEOL(s string) int {
	i := strings.IndexByte(s, '\n')
	head := s
	if i >= 0 {
		head = s[:i]
	}
	if j := strings.IndexByte(head, '\r'); j >= 0 {
		return j
	}
	return i
}

// parse is configparser.RawConfigParser._read with strict=True,
// empty_lines_in_values=True, comment prefixes '#' and ';', delimiters '='
// and ':', and no inline comments.
func (f *File) parse() error {
	n := 0
	for _, l := range f.lines {
		if len(l) > 0 && l[0] == '[' {
			n++
		}
	}
	f.sections, f.byName, f.defaults = make([]*Section, 0, n), make(map[string]*Section, n), nil
	var (
		cur         *Section
		curKey      *Key
		indentLevel = 0
		firstErr    *ParseError
	)
	fail := func(line int, format string, args ...any) {
		if firstErr == nil {
			firstErr = &ParseError{File: f.Path, Line: line, Msg: fmt.Sprintf(format, args...)}
		}
	}
	for i, raw := range f.lines {
		lineno := i + 1
		line := trimEOL(raw)
		stripped := pyStrip(line)
		isComment := strings.HasPrefix(stripped, "#") || strings.HasPrefix(stripped, ";")
		if isComment || stripped == "" {
			// A blank line (not a comment) inside a value is kept as an
			// empty line of it; neither ends the value.
			if !isComment && curKey != nil {
				curKey.blanks++
			}
			continue
		}
		indent := strings.IndexFunc(line, func(r rune) bool { return !isPySpace(r) })
		indent = utf8.RuneCountInString(line[:indent])
		if cur != nil && curKey != nil && indent > indentLevel {
			curKey.appendLine(stripped)
			curKey.EndLine = lineno
			cur.end = i + 1
			continue
		}
		indentLevel = indent
		if name, ok := sectionHeader(stripped); ok {
			curKey = nil
			if name == defaultSection {
				if f.defaults == nil {
					f.defaults = &Section{Name: name, Line: lineno}
					f.sections = append(f.sections, f.defaults)
				}
				cur = f.defaults
				cur.end = i + 1
				continue
			}
			if prev, dup := f.byName[name]; dup {
				fail(lineno, "duplicate section [%s] (first at line %d); merge the two into one", name, prev.Line)
				cur = prev
				continue
			}
			cur = &Section{Name: name, Line: lineno, end: i + 1}
			f.sections = append(f.sections, cur)
			f.byName[name] = cur
			continue
		}
		if cur == nil {
			fail(lineno, "a key before any section; put a section header such as [default] above it")
			return firstErr
		}
		name, value, ok := splitOption(stripped)
		if !ok {
			fail(lineno, "not a section header, a key = value line, a comment or an indented continuation")
			continue
		}
		if name == "" {
			fail(lineno, "a key with no name before its '=' or ':'")
		}
		name = pyLower(name)
		if prev, dup := cur.Key(name); dup {
			fail(lineno, "duplicate key %q in section [%s] (first at line %d); remove one", name, cur.Name, prev.Line)
			curKey = prev
			prev.Value, prev.parts, prev.blanks = value, nil, 0
			continue
		}
		curKey = &Key{Name: name, Line: lineno, EndLine: lineno, Value: value}
		cur.addKey(curKey)
		cur.end = i + 1
	}
	if firstErr != nil {
		return firstErr
	}
	for _, s := range f.sections {
		for _, k := range s.Keys {
			if k.parts != nil {
				k.Value = pyRStrip(strings.Join(k.parts, "\n"))
				k.parts = nil
			}
		}
	}
	return nil
}

// sectionHeader matches configparser's SECTCRE, `\[(?P<header>.+)\]`,
// anchored at the start only: the header runs to the last ']' on the line.
func sectionHeader(s string) (string, bool) {
	if !strings.HasPrefix(s, "[") {
		return "", false
	}
	end := strings.LastIndexByte(s, ']')
	if end < 2 {
		return "", false
	}
	return s[1:end], true
}

// splitOption matches configparser's OPTCRE on a stripped line: the name is
// everything before the first '=' or ':', the value everything after it.
func splitOption(s string) (name, value string, ok bool) {
	i := strings.IndexAny(s, "=:")
	if i < 0 {
		return "", "", false
	}
	return pyRStrip(s[:i]), pyStrip(s[i+1:]), true
}
