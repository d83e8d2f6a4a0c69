package settings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDefaultPath(t *testing.T) {
	t.Parallel()
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	tests := []struct {
		goos string
		env  map[string]string
		want string
	}{
		{"linux", nil, "/home/me/.config/sesame/config"},
		{"linux", map[string]string{"XDG_CONFIG_HOME": "/xdg"}, "/xdg/sesame/config"},
		{"linux", map[string]string{"XDG_CONFIG_HOME": "relative"}, "/home/me/.config/sesame/config"},
		{"darwin", nil, "/home/me/Library/Application Support/sesame/config"},
		{"windows", map[string]string{"APPDATA": "/appdata"}, "/appdata/sesame/config"},
	}
	for _, tt := range tests {
		if got := filepath.ToSlash(DefaultPath(env(tt.env), tt.goos, "/home/me")); got != tt.want {
			t.Errorf("%s %v: %s, want %s", tt.goos, tt.env, got, tt.want)
		}
	}
}

func TestLoad(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file string
		want       map[string]string
		wantErr    string
	}{
		{name: "missing", want: map[string]string{}},
		{name: "values and comments", file: "# c\n\nbackend = file\n  file_unlock_ttl=1h  \n", want: map[string]string{"backend": "file", "file_unlock_ttl": "1h"}},
		{name: "unknown key", file: "backend = file\npassphrase = x\n", wantErr: `config, line 2: unknown setting "passphrase"`},
		{name: "not key = value", file: "backend\n", wantErr: `config, line 1: "backend" is not key = value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "config")
			if tt.file != "" {
				if err := os.WriteFile(path, []byte(tt.file), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			s, err := Load(path)
			if tt.wantErr != "" {
				e, ok := err.(*Error)
				if !ok || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(e.NextStep(), "fix or delete "+path) {
					t.Fatalf("err = %v, want %q with a hint naming the file", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.want {
				if got, _ := s.Get(k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			if len(s.values) != len(tt.want) {
				t.Errorf("values %v, want %v", s.values, tt.want)
			}
		})
	}
}

// TestLookupEnv: the environment wins when it sets a variable to a
// non-empty value; otherwise the setting is the default.
func TestLookupEnv(t *testing.T) {
	t.Parallel()
	s := &Settings{values: map[string]string{"backend": "file", "prompt": "zenity"}}
	env := map[string]string{"SESAME_BACKEND": "pass", "SESAME_PROMPT": "", "HOME": "/h"}
	look := s.LookupEnv(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	for _, tt := range []struct{ name, want string }{{"SESAME_BACKEND", "pass"}, {"SESAME_PROMPT", "zenity"}, {"HOME", "/h"}} {
		if got, _ := look(tt.name); got != tt.want {
			t.Errorf("%s = %q, want %q", tt.name, got, tt.want)
		}
	}
	if _, ok := look("SESAME_FILE_DIR"); ok {
		t.Error("SESAME_FILE_DIR is set though neither the environment nor the settings set it")
	}
}

// TestSet: a new file gets a comment and the line, mode 0600 in a 0700
// folder; a second Set replaces the line in place and keeps the rest; an
// empty value removes it.
func TestSet(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "sesame")
	path := filepath.Join(dir, "config")
	if err := Set(path, "backend", "file"); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("file mode %v, %v", fi.Mode(), err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("folder mode %v, %v", fi.Mode(), err)
	}
	if err := os.WriteFile(path, []byte("# mine\nbackend = file\nprompt = terminal\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	steps := []struct{ key, value, want string }{
		{"backend", "pass", "# mine\nbackend = pass\nprompt = terminal\n"},
		{"file_unlock_ttl", "1h", "# mine\nbackend = pass\nprompt = terminal\nfile_unlock_ttl = 1h\n"},
		{"prompt", "", "# mine\nbackend = pass\nfile_unlock_ttl = 1h\n"},
	}
	for _, st := range steps {
		if err := Set(path, st.key, st.value); err != nil {
			t.Fatal(err)
		}
		b, _ := os.ReadFile(path)
		if string(b) != st.want {
			t.Errorf("after %s=%q:\n%s\nwant:\n%s", st.key, st.value, b, st.want)
		}
	}
	if err := Set(path, "passphrase", "x"); err == nil {
		t.Error("Set took an unknown setting")
	}
	if err := Set(path, "backend", "a\nb"); err == nil {
		t.Error("Set took a value of two lines")
	}
	s, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := s.Get("backend"); v != "pass" {
		t.Errorf("backend = %q after Set", v)
	}
}
