// Package settings reads and writes sesame's own settings file: the chosen
// secret store and its options, never a secret. Each setting is the default
// of an environment variable; the environment and flags override it.
//
// The file is $XDG_CONFIG_HOME/sesame/config (else ~/.config/sesame/config;
// ~/Library/Application Support/sesame/config on macOS, %AppData%\sesame\config
// on Windows), made of "key = value" lines; "#" starts a comment line:
//
//	# written by sesame setup
//	backend = file
//	file_unlock_ttl = 1h
package settings

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"

	"github.com/sesamehq/sesame/internal/atomicfile"
)

// maxSize bounds the file: a few settings, never megabytes.
const maxSize = 64 << 10

// Vars maps each setting to the environment variable it is the default of.
var Vars = map[string]string{
	"backend":         "SESAME_BACKEND",
	"file_dir":        "SESAME_FILE_DIR",
	"file_unlock_ttl": "SESAME_FILE_UNLOCK_TTL",
	"pass_dir":        "SESAME_PASS_DIR",
	"pass_prefix":     "SESAME_PASS_PREFIX",
	"prompt":          "SESAME_PROMPT",
}

// Keys are the settings' names, sorted.
func Keys() []string {
	keys := make([]string, 0, len(Vars))
	for k := range Vars {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Settings are the values of one settings file.
type Settings struct {
	// Path is the file they were read from (it may not exist).
	Path   string
	values map[string]string
}

// DefaultPath is where the settings file lives for this user.
func DefaultPath(lookupEnv func(string) (string, bool), goos, home string) string {
	if d, _ := lookupEnv("XDG_CONFIG_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "sesame", "config")
	}
	switch goos {
	case "darwin":
		return filepath.Join(home, "Library", "Application Support", "sesame", "config")
	case "windows":
		if d, _ := lookupEnv("APPDATA"); d != "" {
			return filepath.Join(d, "sesame", "config")
		}
		return filepath.Join(home, "AppData", "Roaming", "sesame", "config")
	}
	return filepath.Join(home, ".config", "sesame", "config")
}

// Path is DefaultPath on this platform.
func Path(lookupEnv func(string) (string, bool), home string) string {
	return DefaultPath(lookupEnv, runtime.GOOS, home)
}

// Error is a settings file sesame cannot use: it names the file and line.
type Error struct {
	Path string
	Line int // 0: the file as a whole
	Err  error
}

func (e *Error) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("sesame's settings file %s: %v", e.Path, e.Err)
	}
	return fmt.Sprintf("sesame's settings file %s, line %d: %v", e.Path, e.Line, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// NextStep is the hint shown under the error.
func (e *Error) NextStep() string {
	return "fix or delete " + e.Path + " (settings: " + strings.Join(Keys(), ", ") + "), or run: sesame setup"
}

// Load reads the settings file at path; a missing file is no settings.
func Load(path string) (*Settings, error) {
	s := &Settings{Path: path, values: map[string]string{}}
	b, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, &Error{Path: path, Err: err}
	}
	err = eachLine(b, func(n int, key, value string) error {
		if _, ok := Vars[key]; !ok {
			return &Error{Path: path, Line: n, Err: fmt.Errorf("unknown setting %q", key)}
		}
		s.values[key] = value
		return nil
	})
	if e, ok := errors.AsType[*Error](err); ok && e.Path == "" {
		e.Path = path
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, errors.New("not a regular file")
	}
	if fi.Size() > maxSize {
		return nil, fmt.Errorf("larger than %d KiB", maxSize>>10)
	}
	var buf bytes.Buffer
	_, err = buf.ReadFrom(f)
	return buf.Bytes(), err
}

// eachLine calls fn with each "key = value" line of b (1-based line
// numbers); a line that is neither that, blank nor a comment is an error.
func eachLine(b []byte, fn func(n int, key, value string) error) error {
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 0, 4096), maxSize)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		key, value, ok := strings.Cut(line, "=")
		key, value = strings.TrimSpace(key), strings.TrimSpace(value)
		if !ok || key == "" {
			return &Error{Line: n, Err: fmt.Errorf("%q is not key = value", line)}
		}
		if err := fn(n, key, value); err != nil {
			return err
		}
	}
	return sc.Err()
}

// Get returns a setting's value.
func (s *Settings) Get(key string) (string, bool) {
	v, ok := s.values[key]
	return v, ok
}

// LookupEnv returns a lookup of environment variables in which a variable
// that env does not set (or sets empty) takes its setting's value.
func (s *Settings) LookupEnv(env func(string) (string, bool)) func(string) (string, bool) {
	byVar := map[string]string{}
	for k, v := range s.values {
		byVar[Vars[k]] = v
	}
	if len(byVar) == 0 {
		return env
	}
	return func(name string) (string, bool) {
		if v, ok := env(name); ok && v != "" {
			return v, true
		}
		if v, ok := byVar[name]; ok {
			return v, true
		}
		return env(name)
	}
}

// Set writes key = value into the settings file at path, keeping its other
// lines and comments, atomically with mode 0600 in a 0700 folder. An empty
// value removes the setting.
func Set(path, key, value string) error {
	if _, ok := Vars[key]; !ok {
		return fmt.Errorf("unknown setting %q", key)
	}
	if strings.ContainsAny(value, "\r\n") {
		return fmt.Errorf("setting %s: the value must be one line", key)
	}
	b, err := readFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return &Error{Path: path, Err: err}
	}
	var out []string
	found := false
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(b) == 0 {
		lines = []string{"# sesame's settings: see sesame setup --help. The environment and flags override them."}
	}
	for _, line := range lines {
		k, _, ok := strings.Cut(line, "=")
		if ok && !strings.HasPrefix(strings.TrimSpace(line), "#") && strings.TrimSpace(k) == key {
			if !found && value != "" {
				out = append(out, key+" = "+value)
			}
			found = true
			continue
		}
		out = append(out, line)
	}
	if !found && value != "" {
		out = append(out, key+" = "+value)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return fmt.Errorf("cannot create the folder of %s: %w", path, err)
	}
	return atomicfile.WriteFile(path, []byte(strings.Join(out, "\n")+"\n"), 0o600)
}
