// Package awsconfig reads, resolves and edits the AWS CLI's configuration: the
// config file (~/.aws/config) and the shared credentials file
// (~/.aws/credentials).
//
// Reading follows botocore (the AWS CLI v1/v2 and boto3) to the letter, so a
// profile means the same thing to sesame as to every other AWS tool:
//
//   - both files are parsed like Python's configparser in strict mode;
//     a file botocore refuses is refused with FILE:LINE and what is wrong;
//   - keys are lower-cased; values are kept as written (inline comments
//     included); an empty value followed by indented "k = v" lines is a
//     nested section such as "s3 =";
//   - in the config file, "[default]" is the profile default, and a section
//     whose name starts with "profile" (or "sso-session", "services") is split
//     with shell rules and names one only if it has exactly two words; when
//     two sections name the same profile, the later one wins entirely;
//   - every section of the credentials file is a profile of that exact name,
//     and its keys are merged over the config file's.
//
// Reading never creates a file; a missing file reads as empty. Resolution
// (include_profile, source_profile chains, sso_session) is in resolve.go and
// editing in place in edit.go. The package does no I/O beyond reading and
// writing the two files (and, when Update writes, taking a lock on a
// ".NAME.lock" file next to the one it writes). Its values are not safe for
// concurrent mutation; Update is safe for concurrent use, across processes
// too.
package awsconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// Paths names the config file and the shared credentials file.
type Paths struct {
	Config      string
	Credentials string
}

// DefaultPaths returns the files the AWS CLI would read: AWS_CONFIG_FILE and
// AWS_SHARED_CREDENTIALS_FILE with "~" and "$VAR" expanded (as botocore does;
// an unset variable is left as written), else ~/.aws/config and
// ~/.aws/credentials under home. An empty variable counts as unset, as in the
// AWS SDKs.
func DefaultPaths(lookupEnv func(string) (string, bool), home string) Paths {
	pick := func(env, def string) string {
		v, _ := lookupEnv(env)
		if v == "" {
			return filepath.Join(home, ".aws", def)
		}
		return expandUser(expandVars(v, lookupEnv), home)
	}
	return Paths{Config: pick("AWS_CONFIG_FILE", "config"), Credentials: pick("AWS_SHARED_CREDENTIALS_FILE", "credentials")}
}

// expandVars is os.path.expandvars: $NAME and ${NAME} are replaced when NAME
// is set and left alone otherwise. As in Python, the text of an unset
// ${...} is skipped whole, so a "$" inside it is not expanded.
func expandVars(s string, lookupEnv func(string) (string, bool)) string {
	if !strings.Contains(s, "$") {
		return s
	}
	isName := func(c byte) bool {
		return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		if s[i] != '$' {
			b.WriteByte(s[i])
			i++
			continue
		}
		// Python's pattern: \$(\w+|\{[^}]*\}) with re.ASCII.
		j, name, end := i+1, "", -1
		if j < len(s) && s[j] == '{' {
			if k := strings.IndexByte(s[j:], '}'); k > 0 {
				name, end = s[j+1:j+k], j+k+1
			}
		} else {
			k := j
			for k < len(s) && isName(s[k]) {
				k++
			}
			if k > j {
				name, end = s[j:k], k
			}
		}
		if end < 0 {
			b.WriteByte('$')
			i++
			continue
		}
		if v, ok := lookupEnv(name); ok {
			b.WriteString(v)
		} else {
			b.WriteString(s[i:end])
		}
		i = end
	}
	return b.String()
}

func expandUser(p, home string) string {
	if p == "~" {
		return home
	}
	if strings.HasPrefix(p, "~/") {
		return filepath.Join(home, p[2:])
	}
	return p
}

// Value is one key's value in a profile or sso-session.
type Value struct {
	// Text is the value as botocore reads it.
	Text string
	// Nested holds the keys of a nested section ("s3 =" followed by
	// indented lines); nil for a plain value.
	Nested map[string]string
	// File and Line tell where the value was set.
	File string
	Line int

	inCredentials bool // set in the shared credentials file
}

// Profile is one profile as botocore sees it: the config file's section
// with the credentials file's keys merged over it.
type Profile struct {
	// Name is the profile's name ("default" for [default]).
	Name string
	// Section is the config file section that defines the profile, or "".
	Section string
	// InCredentials reports that the credentials file has a section for it.
	InCredentials bool

	values valueSet
}

// Get returns the value of key (lower-case).
func (p *Profile) Get(key string) (string, bool) {
	v, ok := p.values.get(key)
	return v.Text, ok
}

// Value returns the full value of key, with where it was set.
func (p *Profile) Value(key string) (Value, bool) {
	v, ok := p.values.get(key)
	return v, ok
}

// Keys returns the profile's keys, sorted.
func (p *Profile) Keys() []string { return p.values.keys() }

// SSOSession is an [sso-session NAME] section.
type SSOSession struct {
	Name    string
	Section string
	values  valueSet
}

// Get returns the value of key (lower-case).
func (s *SSOSession) Get(key string) (string, bool) {
	v, ok := s.values.get(key)
	return v.Text, ok
}

// Keys returns the session's keys, sorted.
func (s *SSOSession) Keys() []string { return s.values.keys() }

// Config is the combined view of both files.
type Config struct {
	Paths Paths
	// ConfigFile and CredentialsFile are nil when the file does not exist.
	ConfigFile      *File
	CredentialsFile *File

	profiles    map[string]*Profile
	ssoSessions map[string]*SSOSession
	memo        *resolveMemo // what Resolve has worked out
	// lazy is set while the maps above hold only the profiles and
	// sso-sessions asked for so far (Load's fast path, scan.go).
	lazy *lazyConfig
}

// Load reads both files. A file that does not exist reads as empty; one that
// cannot be read or parsed is an error naming it.
//
// Both files are checked in full, but a section is parsed only when one of
// its profiles or sso-sessions is asked for (see scan.go): looking up and
// resolving one profile costs little even in a config of thousands.
func Load(p Paths) (*Config, error) { return load(p, true) }

// LoadAll is Load for a caller that needs every profile (sesame list): it
// parses both files in full at once, without the scan that lets Load parse
// only the sections asked for.
func LoadAll(p Paths) (*Config, error) { return load(p, false) }

func load(p Paths, lazy bool) (*Config, error) {
	cfgText, cfgOK, err := readOptional(p.Config)
	if err != nil {
		return nil, err
	}
	credText, credOK, err := readOptional(p.Credentials)
	if err != nil {
		return nil, err
	}
	var cfgIdx, credIdx *scanIndex
	ok := lazy
	if ok && cfgOK {
		cfgIdx, ok = scanFile(cfgText)
	}
	if ok && credOK {
		credIdx, ok = scanFile(credText)
	}
	if ok {
		return newLazy(p, cfgIdx, credIdx), nil
	}
	// A file with an error (or something the scan leaves to the parser):
	// parse both in full, which reports the error.
	var cfgFile, credFile *File
	if cfgOK {
		if cfgFile, err = parseText(p.Config, cfgText); err != nil {
			return nil, err
		}
	}
	if credOK {
		if credFile, err = parseText(p.Credentials, credText); err != nil {
			return nil, err
		}
	}
	return Build(p, cfgFile, credFile)
}

// readOptional reads a config or credentials file; exists is false (and
// err nil) when there is no such file.
func readOptional(path string) (text string, exists bool, err error) {
	text, err = readText(path)
	if errors.Is(err, fs.ErrNotExist) {
		return "", false, nil
	}
	return text, err == nil, err
}

// MaxFileSize is the size of the largest config or credentials file sesame
// reads: 16 MiB, hundreds of times a large real one.
const MaxFileSize = 16 << 20

// FileError is a config or credentials file sesame refuses to read: one that
// is not a regular file (a folder, a device such as /dev/zero, a named pipe)
// or is larger than MaxFileSize.
type FileError struct {
	Path    string
	Problem string // "not a regular file (a character device)", "larger than 16 MiB"
}

func (e *FileError) Error() string { return e.Path + ": " + e.Problem }

// NextStep is the hint shown under the error.
func (e *FileError) NextStep() string {
	return "sesame reads only a regular file of at most 16 MiB: point AWS_CONFIG_FILE or AWS_SHARED_CREDENTIALS_FILE at your AWS config and credentials files, or unset them"
}

// ReadFile reads a config or credentials file, as os.ReadFile does (a
// missing file is an error that wraps fs.ErrNotExist), but refuses with a
// *FileError anything that is not a regular file, or is larger than
// MaxFileSize, without blocking or reading it: /dev/zero, a named pipe, a
// folder. A file that grows past the limit while it is read is refused too.
// Other errors are "cannot read PATH: REASON".
func ReadFile(path string) ([]byte, error) {
	f, size, err := openChecked(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }()
	return readLimited(path, f, size)
}

// readText is ReadFile into a string, without copying the bytes again.
func readText(path string) (string, error) {
	f, size, err := openChecked(path)
	if err != nil {
		return "", err
	}
	defer func() { _ = f.Close() }()
	var b strings.Builder
	b.Grow(int(min(max(size, 0), MaxFileSize)) + 512)
	if _, err := io.Copy(&b, io.LimitReader(f, MaxFileSize+1)); err != nil {
		return "", readError(path, err)
	}
	if b.Len() > MaxFileSize {
		return "", &FileError{Path: path, Problem: "larger than 16 MiB"}
	}
	return b.String(), nil
}

// openChecked opens a config or credentials file for ReadFile, checked
// before and after the open, and returns its size.
func openChecked(path string) (*os.File, int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, 0, readError(path, err)
	}
	if err := checkFileInfo(path, fi); err != nil {
		return nil, 0, err
	}
	// Non-blocking, so that a named pipe put in its place since the Stat
	// cannot hold the open; the open file is checked again.
	f, err := os.OpenFile(path, os.O_RDONLY|openNonblock, 0)
	if err != nil {
		return nil, 0, readError(path, err)
	}
	if fi, err = f.Stat(); err != nil {
		_ = f.Close()
		return nil, 0, readError(path, err)
	}
	if err := checkFileInfo(path, fi); err != nil {
		_ = f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// readLimited reads r to its end, refusing more than MaxFileSize bytes;
// size is the expected size.
func readLimited(path string, r io.Reader, size int64) ([]byte, error) {
	buf := bytes.NewBuffer(make([]byte, 0, min(max(size, 0), MaxFileSize)+512))
	if _, err := buf.ReadFrom(io.LimitReader(r, MaxFileSize+1)); err != nil {
		return nil, readError(path, err)
	}
	if buf.Len() > MaxFileSize {
		return nil, &FileError{Path: path, Problem: "larger than 16 MiB"}
	}
	return buf.Bytes(), nil
}

func checkFileInfo(path string, fi fs.FileInfo) error {
	m := fi.Mode()
	if !m.IsRegular() {
		kind := "a special file"
		switch {
		case m.IsDir():
			kind = "a folder"
		case m&fs.ModeNamedPipe != 0:
			kind = "a named pipe"
		case m&fs.ModeSocket != 0:
			kind = "a socket"
		case m&fs.ModeCharDevice != 0:
			kind = "a character device"
		case m&fs.ModeDevice != 0:
			kind = "a block device"
		}
		return &FileError{Path: path, Problem: "not a regular file (" + kind + ")"}
	}
	if fi.Size() > MaxFileSize {
		return &FileError{Path: path, Problem: "larger than 16 MiB"}
	}
	return nil
}

// readError is "cannot read PATH: REASON", wrapping the reason (so that
// errors.Is(err, fs.ErrNotExist) holds for a missing file).
func readError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return fmt.Errorf("cannot read %s: %w", path, err)
}

// Build combines parsed files (either may be nil) into a Config, as
// botocore's build_profile_map and Session.full_config do. It fails only
// where botocore would: a nested value with a line that has no '='.
func Build(p Paths, cfgFile, credFile *File) (*Config, error) {
	return build(p, cfgFile, credFile, true)
}

// build is Build; withMemo false leaves the Config's memo nil (complete
// keeps its own).
func build(p Paths, cfgFile, credFile *File, withMemo bool) (*Config, error) {
	n := 0
	if cfgFile != nil {
		n += len(cfgFile.Sections())
	}
	if credFile != nil {
		n += len(credFile.Sections())
	}
	c := &Config{Paths: p, ConfigFile: cfgFile, CredentialsFile: credFile,
		profiles: make(map[string]*Profile, n), ssoSessions: map[string]*SSOSession{}}
	if withMemo {
		c.memo = newResolveMemo(n)
	}
	if cfgFile != nil {
		for _, s := range cfgFile.Sections() {
			values, err := cfgFile.values(s)
			if err != nil {
				return nil, err
			}
			kind, name := classify(s.Name)
			switch kind {
			case kindProfile:
				c.profiles[name] = &Profile{Name: name, Section: s.Name, values: values}
			case kindSSOSession:
				c.ssoSessions[name] = &SSOSession{Name: name, Section: s.Name, values: values}
			}
		}
	}
	if credFile != nil {
		for _, s := range credFile.Sections() {
			values, err := credFile.values(s)
			if err != nil {
				return nil, err
			}
			p, ok := c.profiles[s.Name]
			if !ok {
				p = &Profile{Name: s.Name}
				c.profiles[s.Name] = p
			}
			p.InCredentials = true
			for _, kv := range values {
				kv.Value.inCredentials = true
				p.values.set(kv.key, kv.Value)
			}
		}
	}
	return c, nil
}

type sectionKind int

const (
	kindOther sectionKind = iota
	kindProfile
	kindSSOSession
	kindServices
)

// classify is botocore's build_profile_map for one config-file section name.
func classify(section string) (sectionKind, string) {
	for _, c := range []struct {
		prefix string
		kind   sectionKind
	}{{"profile", kindProfile}, {"sso-session", kindSSOSession}, {"services", kindServices}} {
		if strings.HasPrefix(section, c.prefix) {
			if len(section) > len(c.prefix) && section[len(c.prefix)] == ' ' && plainName(section[len(c.prefix)+1:]) {
				// "PREFIX NAME" with nothing the shell splitter would
				// change: the common case, without its allocations.
				return c.kind, section[len(c.prefix)+1:]
			}
			words, ok := shlexSplit(section)
			if ok && len(words) == 2 {
				return c.kind, words[1]
			}
			return kindOther, ""
		}
	}
	if section == "default" {
		return kindProfile, "default"
	}
	return kindOther, ""
}

// values returns the section's keys with [DEFAULT]'s as fall-backs, and
// nested values parsed, as botocore's raw_config_parse does.
func (f *File) values(s *Section) (valueSet, error) {
	out := make(valueSet, 0, len(s.Keys))
	add := func(k *Key) error {
		v := Value{Text: k.Value, File: f.Path, Line: k.Line}
		if strings.HasPrefix(k.Value, "\n") {
			nested, err := parseNested(k.Value)
			if err != nil {
				return &ParseError{File: f.Path, Line: k.Line, Msg: fmt.Sprintf("nested value %q: every indented line needs 'key = value'", k.Name)}
			}
			v.Nested = nested
		}
		out = append(out, keyValue{k.Name, v})
		return nil
	}
	for _, k := range s.Keys {
		if err := add(k); err != nil {
			return nil, err
		}
	}
	if f.defaults != nil {
		for _, k := range f.defaults.Keys {
			if !out.has(k.Name) {
				if err := add(k); err != nil {
					return nil, err
				}
			}
		}
	}
	return out, nil
}

func parseNested(v string) (map[string]string, error) {
	out := map[string]string{}
	for _, line := range pySplitLines(v) {
		line = pyStrip(line)
		if line == "" {
			continue
		}
		k, val, ok := strings.Cut(line, "=")
		if !ok {
			return nil, errors.New("no '='")
		}
		out[pyStrip(k)] = pyStrip(val)
	}
	return out, nil
}

// ProfileNames returns every profile's name, sorted.
func (c *Config) ProfileNames() []string {
	c.complete()
	return sortedKeys(c.profiles)
}

// Profile returns the named profile.
func (c *Config) Profile(name string) (*Profile, bool) {
	if c.lazy != nil {
		return c.lazy.profile(c, name)
	}
	p, ok := c.profiles[name]
	return p, ok
}

// SSOSessionNames returns every sso-session's name, sorted.
func (c *Config) SSOSessionNames() []string {
	c.complete()
	return sortedKeys(c.ssoSessions)
}

// SSOSession returns the named sso-session.
func (c *Config) SSOSession(name string) (*SSOSession, bool) {
	if c.lazy != nil {
		return c.lazy.ssoSession(c, name)
	}
	s, ok := c.ssoSessions[name]
	return s, ok
}

// valueSet holds a section's keys and values in file order. Profiles have a
// handful of keys, for which a slice is smaller and faster than a map.
type valueSet []keyValue

type keyValue struct {
	key string
	Value
}

func (s valueSet) get(key string) (Value, bool) {
	for i := range s {
		if s[i].key == key {
			return s[i].Value, true
		}
	}
	return Value{}, false
}

func (s valueSet) has(key string) bool {
	_, ok := s.get(key)
	return ok
}

// set replaces key's value, or adds it.
func (s *valueSet) set(key string, v Value) {
	for i := range *s {
		if (*s)[i].key == key {
			(*s)[i].Value = v
			return
		}
	}
	*s = append(*s, keyValue{key, v})
}

// keys returns the keys, sorted.
func (s valueSet) keys() []string {
	out := make([]string, len(s))
	for i, kv := range s {
		out[i] = kv.key
	}
	sort.Strings(out)
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
