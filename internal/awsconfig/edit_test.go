package awsconfig

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
)

func mustParse(t *testing.T, data string) *File {
	t.Helper()
	f, err := Parse("config", []byte(data))
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}

// A file exercising what edits must keep: comments of both kinds, blank
// lines, an inline comment (part of the value for botocore), unknown keys,
// a continuation, a nested value and an unusual delimiter.
const keepFile = `# sesame test config
; second comment style

[default]
region = us-east-1 # inline, kept
; between keys
Output: json
unknown_key = whatever
  continued here

[profile dev]
s3 =
  addressing_style = path
  signature_version = s3v4
region = eu-west-1

# trailing comment
`

func TestSet(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                string
		in                  string
		section, key, value string
		want                string
	}{
		{
			name: "replace a value, everything else kept",
			in:   keepFile, section: "default", key: "region", value: "eu-central-1",
			want: strings.Replace(keepFile, "region = us-east-1 # inline, kept", "region = eu-central-1", 1),
		},
		{
			name: "replace a key written with ':' and upper case",
			in:   keepFile, section: "default", key: "output", value: "text",
			want: strings.Replace(keepFile, "Output: json", "output = text", 1),
		},
		{
			name: "replace a multi-line value",
			in:   keepFile, section: "default", key: "unknown_key", value: "one line",
			want: strings.Replace(keepFile, "unknown_key = whatever\n  continued here\n", "unknown_key = one line\n", 1),
		},
		{
			name: "replace a nested value",
			in:   keepFile, section: "profile dev", key: "s3", value: "plain",
			want: strings.Replace(keepFile, "s3 =\n  addressing_style = path\n  signature_version = s3v4\n", "s3 = plain\n", 1),
		},
		{
			name: "add a key after a key with continuation lines",
			in:   keepFile, section: "default", key: "cli_pager", value: "",
			want: strings.Replace(keepFile, "  continued here\n", "  continued here\ncli_pager =\n", 1),
		},
		{
			name:    "add a key after a nested value",
			in:      "[profile dev]\nregion = eu-west-1\ns3 =\n  addressing_style = path\n\n[profile b]\n",
			section: "profile dev", key: "output", value: "json",
			want: "[profile dev]\nregion = eu-west-1\ns3 =\n  addressing_style = path\noutput = json\n\n[profile b]\n",
		},
		{
			name:    "replace a value whose continuation follows a blank line",
			in:      "[p]\nx = 1\n  more\n\n  after blank\ny = 2\n",
			section: "p", key: "x", value: "3",
			want: "[p]\nx = 3\ny = 2\n",
		},
		{
			name:    "add a key before comments that follow the section",
			in:      "[a]\nx = 1\n# about b\n\n[b]\ny = 2\n",
			section: "a", key: "z", value: "3",
			want: "[a]\nx = 1\nz = 3\n# about b\n\n[b]\ny = 2\n",
		},
		{
			name:    "add a key to a section without keys",
			in:      "[a]\n\n[b]\ny = 2\n",
			section: "a", key: "x", value: "1",
			want: "[a]\nx = 1\n\n[b]\ny = 2\n",
		},
		{
			name:    "indented keys: replace keeps the indent",
			in:      "[p]\n  region = a\n\toutput = b\n",
			section: "p", key: "output", value: "c",
			want: "[p]\n  region = a\n\toutput = c\n",
		},
		{
			name:    "indented keys: a new key takes the last key's indent",
			in:      "[p]\n  region = a\n  output = b\n[q]\n",
			section: "p", key: "cli_pager", value: "less",
			want: "[p]\n  region = a\n  output = b\n  cli_pager = less\n[q]\n",
		},
		{
			name:    "file without final newline: replace keeps it so",
			in:      "[default]\nregion = us-east-1",
			section: "default", key: "region", value: "eu-west-1",
			want: "[default]\nregion = eu-west-1",
		},
		{
			name:    "file without final newline: add a key",
			in:      "[default]\nregion = us-east-1",
			section: "default", key: "output", value: "json",
			want: "[default]\nregion = us-east-1\noutput = json\n",
		},
		{
			name:    "file without final newline: add a section",
			in:      "[default]\nregion = us-east-1",
			section: "profile x", key: "region", value: "r",
			want: "[default]\nregion = us-east-1\n\n[profile x]\nregion = r\n",
		},
		{
			name:    "new section in an empty file",
			in:      "",
			section: "profile x", key: "region", value: "r",
			want: "[profile x]\nregion = r\n",
		},
		{
			name:    "new section after a blank line",
			in:      "[default]\nregion = a\n\n",
			section: "profile x", key: "region", value: "r",
			want: "[default]\nregion = a\n\n[profile x]\nregion = r\n",
		},
		{
			name: "new section at the end of a full file",
			in:   keepFile, section: `profile "with space"`, key: "region", value: "ap-south-1",
			want: keepFile + "\n[profile \"with space\"]\nregion = ap-south-1\n",
		},
		{
			name:    "new section after a comment without newline",
			in:      "# nothing yet",
			section: "default", key: "region", value: "r",
			want: "# nothing yet\n\n[default]\nregion = r\n",
		},
		{
			name:    "CRLF: replace",
			in:      "[default]\r\nregion = a\r\n\r\n[profile b]\r\nx = 1\r\n",
			section: "default", key: "region", value: "b",
			want: "[default]\r\nregion = b\r\n\r\n[profile b]\r\nx = 1\r\n",
		},
		{
			name:    "CRLF: add a key",
			in:      "[default]\r\nregion = a\r\n\r\n[profile b]\r\nx = 1\r\n",
			section: "default", key: "output", value: "json",
			want: "[default]\r\nregion = a\r\noutput = json\r\n\r\n[profile b]\r\nx = 1\r\n",
		},
		{
			name:    "CRLF: add a section",
			in:      "[default]\r\nregion = a\r\n",
			section: "profile c", key: "x", value: "1",
			want: "[default]\r\nregion = a\r\n\r\n[profile c]\r\nx = 1\r\n",
		},
		{
			name:    "CRLF without final newline",
			in:      "[default]\r\nregion = a",
			section: "default", key: "output", value: "json",
			want: "[default]\r\nregion = a\r\noutput = json\r\n",
		},
		{
			name:    "CR only",
			in:      "[default]\rregion = a\r",
			section: "profile c", key: "x", value: "1",
			want: "[default]\rregion = a\r\r[profile c]\rx = 1\r",
		},
		{
			name:    "a value with an inline comment is written as is",
			in:      "[p]\n",
			section: "p", key: "region", value: "eu-west-1 # ireland",
			want: "[p]\nregion = eu-west-1 # ireland\n",
		},
		{
			name:    "a value starting with a delimiter",
			in:      "[p]\n",
			section: "p", key: "x", value: "= : =",
			want: "[p]\nx = = : =\n",
		},
		{
			name:    "[DEFAULT]: add a key",
			in:      "[DEFAULT]\nregion = a\n[p]\n",
			section: "DEFAULT", key: "output", value: "json",
			want: "[DEFAULT]\nregion = a\noutput = json\n[p]\n",
		},
		{
			name:    "[DEFAULT]: a new section",
			in:      "[p]\nx = 1\n",
			section: "DEFAULT", key: "region", value: "a",
			want: "[p]\nx = 1\n\n[DEFAULT]\nregion = a\n",
		},
		{
			name:    "unicode",
			in:      "[profile ünï]\nnote = ☃\n",
			section: "profile ünï", key: "note", value: "❄ snow",
			want: "[profile ünï]\nnote = ❄ snow\n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := mustParse(t, tt.in)
			if err := f.Set(tt.section, tt.key, tt.value); err != nil {
				t.Fatalf("Set: %v", err)
			}
			if got := string(f.Bytes()); got != tt.want {
				t.Errorf("Set(%q, %q, %q):\n got %q\nwant %q", tt.section, tt.key, tt.value, got, tt.want)
			}
			checkReadsBack(t, f, tt.section, tt.key, tt.value)
		})
	}
}

// checkReadsBack parses f's bytes afresh and checks key's value, and that
// the File's own view agrees with the fresh parse.
func checkReadsBack(t *testing.T, f *File, section, key, value string) {
	t.Helper()
	g, err := Parse("config", f.Bytes())
	if err != nil {
		t.Fatalf("the edited file does not parse: %v", err)
	}
	s, ok := g.section(section)
	if !ok {
		t.Fatalf("section [%s] missing after the edit", section)
	}
	k, ok := s.Key(key)
	if !ok || k.Value != value {
		t.Fatalf("[%s] %s reads back as %+v, want %q", section, key, k, value)
	}
	if !reflect.DeepEqual(snapshot(f), snapshot(g)) {
		t.Errorf("the File's view differs from a fresh parse:\n%v\n%v", snapshot(f), snapshot(g))
	}
}

// snapshot is every section's keys and values, in order.
func snapshot(f *File) []string {
	var out []string
	for _, s := range f.sections {
		out = append(out, "["+s.Name+"]")
		for _, k := range s.Keys {
			out = append(out, fmt.Sprintf("%s=%q@%d-%d", k.Name, k.Value, k.Line, k.EndLine))
		}
	}
	return out
}

func TestSetSequence(t *testing.T) {
	t.Parallel()
	f := mustParse(t, keepFile)
	steps := []struct{ section, key, value string }{
		{"default", "region", "a"},
		{"default", "region", "b"},
		{"profile new", "x", "1"},
		{"profile new", "y", "2"},
		{"profile dev", "region", "c"},
		{"profile new", "x", "3"},
	}
	for _, s := range steps {
		if err := f.Set(s.section, s.key, s.value); err != nil {
			t.Fatalf("Set(%q, %q, %q): %v", s.section, s.key, s.value, err)
		}
		checkReadsBack(t, f, s.section, s.key, s.value)
	}
	want := strings.Replace(strings.Replace(keepFile,
		"region = us-east-1 # inline, kept", "region = b", 1),
		"region = eu-west-1", "region = c", 1) + "\n[profile new]\nx = 3\ny = 2\n"
	if got := string(f.Bytes()); got != want {
		t.Errorf("after the sequence:\n got %q\nwant %q", got, want)
	}
}

func TestSetRefused(t *testing.T) {
	t.Parallel()
	const in = "[default]\nregion = a\n\n[a]\n  [b]\nz = 1\n"
	tests := []struct {
		name                string
		section, key, value string
		wantErr             string
	}{
		{"upper-case key", "default", "Region", "x", `key "Region" cannot be written`},
		{"key with a space", "default", "my key", "x", "cannot be written"},
		{"key with a tab", "default", "my\tkey", "x", "cannot be written"},
		{"key with =", "default", "a=b", "x", "cannot be written"},
		{"key with :", "default", "a:b", "x", "cannot be written"},
		{"key starting with [", "default", "[x", "x", "cannot be written"},
		{"key starting with #", "default", "#x", "x", "cannot be written"},
		{"key starting with ;", "default", ";x", "x", "cannot be written"},
		{"empty key", "default", "", "x", "cannot be written"},
		{"key with a newline", "default", "a\nb", "x", "cannot be written"},
		{"value with leading space", "default", "region", " x", "must be one line"},
		{"value with trailing space", "default", "region", "x ", "must be one line"},
		{"value with a trailing tab", "default", "region", "x\t", "must be one line"},
		{"value with a newline", "default", "region", "a\nb", "must be one line"},
		{"value with a CR", "default", "region", "a\rb", "must be one line"},
		{"value with an information separator at the end", "default", "region", "a\x1c", "must be one line"},
		{"value not UTF-8", "default", "region", "a\xffb", "would not read back"},
		{"empty section", "", "region", "x", "cannot be written"},
		{"section with a leading space", " x", "region", "x", "cannot be written"},
		{"section with a trailing space", "x ", "region", "x", "cannot be written"},
		{"section with a newline", "a\nb", "region", "x", "cannot be written"},
		// A new key in [a] would turn the indented "[b]" header that
		// follows into a continuation of it.
		{"edit that would swallow a section", "a", "x", "1", "would not read back"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := mustParse(t, in)
			err := f.Set(tt.section, tt.key, tt.value)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Set(%q, %q, %q) error = %v, want one containing %q", tt.section, tt.key, tt.value, err, tt.wantErr)
			}
			if got := string(f.Bytes()); got != in {
				t.Errorf("the file changed:\n%q", got)
			}
			if _, ok := f.Section("b"); !ok {
				t.Error("section [b] lost")
			}
		})
	}
}

func TestUnset(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, section, key string
		want                   string
		wasThere               bool
	}{
		{
			name: "a key with continuation lines",
			in:   keepFile, section: "default", key: "unknown_key",
			want:     strings.Replace(keepFile, "unknown_key = whatever\n  continued here\n", "", 1),
			wasThere: true,
		},
		{
			name: "a nested value",
			in:   keepFile, section: "profile dev", key: "s3",
			want:     strings.Replace(keepFile, "s3 =\n  addressing_style = path\n  signature_version = s3v4\n", "", 1),
			wasThere: true,
		},
		{
			name: "the comment between keys stays",
			in:   keepFile, section: "default", key: "output",
			want:     strings.Replace(keepFile, "Output: json\n", "", 1),
			wasThere: true,
		},
		{
			name: "the last line without newline",
			in:   "[p]\nx = 1\ny = 2", section: "p", key: "y",
			want: "[p]\nx = 1\n", wasThere: true,
		},
		{
			name: "CRLF",
			in:   "[p]\r\nx = 1\r\ny = 2\r\n", section: "p", key: "x",
			want: "[p]\r\ny = 2\r\n", wasThere: true,
		},
		{
			name: "an indented key",
			in:   "[p]\n  x = 1\n  y = 2\n", section: "p", key: "x",
			want: "[p]\n  y = 2\n", wasThere: true,
		},
		{
			name: "from [DEFAULT]",
			in:   "[DEFAULT]\nregion = a\n[p]\nregion = b\n", section: "DEFAULT", key: "region",
			want: "[DEFAULT]\n[p]\nregion = b\n", wasThere: true,
		},
		{
			name: "a missing key",
			in:   keepFile, section: "default", key: "nope",
			want: keepFile,
		},
		{
			name: "a missing section",
			in:   keepFile, section: "profile nope", key: "region",
			want: keepFile,
		},
		{
			name: "keys are matched lower-case only",
			in:   keepFile, section: "default", key: "Output",
			want: keepFile,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := mustParse(t, tt.in)
			was, err := f.Unset(tt.section, tt.key)
			if err != nil {
				t.Fatalf("Unset: %v", err)
			}
			if was != tt.wasThere {
				t.Errorf("Unset reported %v, want %v", was, tt.wasThere)
			}
			if got := string(f.Bytes()); got != tt.want {
				t.Errorf("Unset(%q, %q):\n got %q\nwant %q", tt.section, tt.key, got, tt.want)
			}
			g := mustParse(t, string(f.Bytes()))
			if s, ok := g.section(tt.section); ok {
				if _, still := s.Key(tt.key); still && tt.wasThere {
					t.Errorf("%s still in [%s]", tt.key, tt.section)
				}
			}
		})
	}
}

func TestRemoveSection(t *testing.T) {
	t.Parallel()
	const abc = "[a]\nx = 1\n\n[b]\ny = 2\n  more\n\n[c]\nz = 3\n"
	tests := []struct {
		name, in, section string
		want              string
		wasThere          bool
	}{
		{"first", abc, "a", "[b]\ny = 2\n  more\n\n[c]\nz = 3\n", true},
		{"middle", abc, "b", "[a]\nx = 1\n\n[c]\nz = 3\n", true},
		{"last", abc, "c", "[a]\nx = 1\n\n[b]\ny = 2\n  more\n", true},
		{"the only one", "[a]\nx = 1\n", "a", "", true},
		{"glued sections stay apart", "[a]\nx = 1\n[b]\ny = 2\n[c]\n", "b", "[a]\nx = 1\n[c]\n", true},
		{"comments after the last key stay", "[a]\nx = 1\n# about b\n[b]\n", "a", "# about b\n[b]\n", true},
		{"a comment above stays", "# dev\n[a]\nx = 1\n\n[b]\n", "a", "# dev\n\n[b]\n", true},
		{"CRLF", "[a]\r\nx = 1\r\n\r\n[b]\r\ny = 2\r\n", "a", "[b]\r\ny = 2\r\n", true},
		{"quoted profile", "[profile \"a b\"]\nx = 1\n\n[default]\n", `profile "a b"`, "[default]\n", true},
		{"missing", abc, "d", abc, false},
		{"by exact header only", abc, " a", abc, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := mustParse(t, tt.in)
			was, err := f.RemoveSection(tt.section)
			if err != nil {
				t.Fatalf("RemoveSection: %v", err)
			}
			if was != tt.wasThere {
				t.Errorf("RemoveSection reported %v, want %v", was, tt.wasThere)
			}
			if got := string(f.Bytes()); got != tt.want {
				t.Errorf("RemoveSection(%q):\n got %q\nwant %q", tt.section, got, tt.want)
			}
			if _, ok := mustParse(t, string(f.Bytes())).Section(tt.section); ok && tt.wasThere {
				t.Errorf("[%s] still there", tt.section)
			}
		})
	}
}

func TestRemoveSectionRefused(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in, section string }{
		// Without [b], the indented "[c]" would continue a's last value
		// and section c would be gone.
		{"would swallow the next section", "[a]\nx = 1\n[b]\n  [c]\nz = 1\n", "b"},
		{"[DEFAULT]", "[DEFAULT]\nx = 1\n[a]\n", "DEFAULT"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := mustParse(t, tt.in)
			if _, err := f.RemoveSection(tt.section); err == nil {
				t.Fatalf("RemoveSection(%q) succeeded: %q", tt.section, f.Bytes())
			}
			if got := string(f.Bytes()); got != tt.in {
				t.Errorf("the file changed: %q", got)
			}
		})
	}
}

// sectionNames are profile and sso-session names that need quoting, or
// look as if they might.
var sectionNames = []string{
	"dev", "default", "with space", "two  spaces", "tab\there", `it's`, `say "hi"`, `back\slash`,
	`\`, `"`, `'`, `"quoted"`, `\"`, "a]b", "ünïcödé", "profile", "default x", "x#y", "x;y",
	"trailing ", " leading", "", "$HOME", "a=b", "a:b",
}

func TestSectionNamesRoundTrip(t *testing.T) {
	t.Parallel()
	for _, name := range sectionNames {
		t.Run(fmt.Sprintf("%q", name), func(t *testing.T) {
			t.Parallel()
			f := mustParse(t, "")
			if err := f.Set(ConfigSection(name), "region", "r1"); err != nil {
				t.Fatalf("Set profile: %v", err)
			}
			if err := f.Set(SSOSessionSection(name), "sso_region", "r2"); err != nil {
				t.Fatalf("Set sso-session: %v", err)
			}
			g := mustParse(t, string(f.Bytes()))
			if kind, got := classify(ConfigSection(name)); kind != kindProfile || got != name {
				t.Errorf("classify(%q) = %v, %q", ConfigSection(name), kind, got)
			}
			if kind, got := classify(SSOSessionSection(name)); kind != kindSSOSession || got != name {
				t.Errorf("classify(%q) = %v, %q", SSOSessionSection(name), kind, got)
			}
			c, err := Build(testPaths, g, nil)
			if err != nil {
				t.Fatal(err)
			}
			p, ok := c.Profile(name)
			if !ok {
				t.Fatalf("profile %q not found; have %q", name, c.ProfileNames())
			}
			if v, _ := p.Get("region"); v != "r1" {
				t.Errorf("region = %q", v)
			}
			s, ok := c.SSOSession(name)
			if !ok {
				t.Fatalf("sso-session %q not found; have %q", name, c.SSOSessionNames())
			}
			if v, _ := s.Get("sso_region"); v != "r2" {
				t.Errorf("sso_region = %q", v)
			}
			if sec, ok := g.ProfileSection(name); !ok || sec != ConfigSection(name) {
				t.Errorf("ProfileSection = %q, %v; want %q", sec, ok, ConfigSection(name))
			}
		})
	}
}

func TestConfigSection(t *testing.T) {
	t.Parallel()
	tests := map[string]string{
		"default":    "default",
		"dev":        "profile dev",
		"with space": `profile "with space"`,
		`say "hi"`:   `profile "say \"hi\""`,
		`back\slash`: `profile "back\\slash"`,
		`it's`:       `profile "it's"`,
		"":           `profile ""`,
	}
	for in, want := range tests {
		if got := ConfigSection(in); got != want {
			t.Errorf("ConfigSection(%q) = %q, want %q", in, got, want)
		}
	}
	if got := SSOSessionSection("my corp"); got != `sso-session "my corp"` {
		t.Errorf("SSOSessionSection = %q", got)
	}
}

func TestProfileSection(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, profile string
		want              string // "" for none
	}{
		{"default only", "[default]\n", "default", "default"},
		{"profile default only", "[profile default]\n", "default", "profile default"},
		{"profile default after default wins", "[default]\nx = 1\n[profile default]\ny = 2\n", "default", "profile default"},
		{"default after profile default wins", "[profile default]\ny = 2\n[default]\nx = 1\n", "default", "default"},
		{"quoted after plain wins", "[profile dev]\n[profile \"dev\"]\n", "dev", `profile "dev"`},
		{"extra spaces", "[profile   dev]\n", "dev", "profile   dev"},
		{"quoted name", "[profile \"a b\"]\n", "a b", `profile "a b"`},
		{"three words are not a profile", "[profile a b]\n", "a b", ""},
		{"no space is not a profile", "[profiledev]\n", "dev", ""},
		{"capital P is not a profile", "[Profile dev]\n", "dev", ""},
		{"sso-session is not a profile", "[sso-session dev]\n", "dev", ""},
		{"missing", "[profile a]\n", "b", ""},
		{"prefix quirk: profiled words", "[profiles dev]\n", "dev", "profiles dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := mustParse(t, tt.in).ProfileSection(tt.profile)
			if got != tt.want || ok != (tt.want != "") {
				t.Errorf("ProfileSection(%q) = %q, %v; want %q", tt.profile, got, ok, tt.want)
			}
		})
	}
}

func TestUpdateKeepsMode(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "config")
	writeFile(t, path, []byte("[default]\nregion = a\n"))
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	err := Update(path, func(f *File) error { return f.Set("default", "region", "b") })
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, "[default]\nregion = b\n", 0o644)
}

func TestUpdateNewFile(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "home", ".aws")
	path := filepath.Join(dir, "config")
	err := Update(path, func(f *File) error { return f.Set(ConfigSection("dev"), "region", "eu-west-1") })
	if err != nil {
		t.Fatal(err)
	}
	checkFile(t, path, "[profile dev]\nregion = eu-west-1\n", 0o600)
	for _, d := range []string{dir, filepath.Dir(dir)} {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o700 {
			t.Errorf("%s has mode %v, want 0700", d, fi.Mode().Perm())
		}
	}
	checkNoTempFiles(t, dir)
}

func TestUpdateThroughSymlink(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	target := filepath.Join(dir, "dotfiles", "aws-config")
	if err := os.MkdirAll(filepath.Dir(target), 0o700); err != nil {
		t.Fatal(err)
	}
	writeFile(t, target, []byte("[default]\nregion = a\n"))
	link := filepath.Join(dir, "config")
	if err := os.Symlink(filepath.Join("dotfiles", "aws-config"), link); err != nil {
		t.Skip("symlinks not available:", err)
	}
	if err := Update(link, func(f *File) error { return f.Set("default", "region", "b") }); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Lstat(link)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("%s is no longer a symbolic link", link)
	}
	checkFile(t, target, "[default]\nregion = b\n", 0o600)
	checkNoTempFiles(t, filepath.Dir(target))
}

func TestUpdateNoOpCreatesNothing(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "missing")
	path := filepath.Join(dir, "config")
	calls := 0
	err := Update(path, func(f *File) error {
		calls++
		_, err := f.Unset("default", "region")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 {
		t.Errorf("change called %d times", calls)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a no-op Update created %s (%v)", dir, err)
	}

	// An existing file is not rewritten either (its mode would show it).
	path = filepath.Join(t.TempDir(), "config")
	writeFile(t, path, []byte("[default]\nregion = a\n"))
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	before, _ := os.Stat(path)
	if err := Update(path, func(f *File) error { return f.Set("default", "region", "a") }); err != nil {
		t.Fatal(err)
	}
	after, _ := os.Stat(path)
	if !os.SameFile(before, after) {
		t.Error("a no-op Update replaced the file")
	}
}

func TestUpdateLeavesFileOnError(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, content string
		change        func(*File) error
		wantParse     bool
	}{
		{"parse error", "[default]\nregion = a\nregion = b\n", func(f *File) error { return f.Set("default", "output", "json") }, true},
		{"not UTF-8", "[default]\nregion = \xff\n", func(f *File) error { return f.Set("default", "output", "json") }, true},
		{"change fails", "[default]\nregion = a\n", func(f *File) error {
			if err := f.Set("default", "output", "json"); err != nil {
				return err
			}
			return errors.New("boom")
		}, false},
		{"refused edit", "[default]\nregion = a\n", func(f *File) error { return f.Set("default", "Bad Key", "x") }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := filepath.Join(dir, "config")
			writeFile(t, path, []byte(tt.content))
			err := Update(path, tt.change)
			if err == nil {
				t.Fatal("Update succeeded")
			}
			var pe *ParseError
			if errors.As(err, &pe) != tt.wantParse {
				t.Errorf("error %v: *ParseError %v, want %v", err, !tt.wantParse, tt.wantParse)
			}
			checkFile(t, path, tt.content, 0o600)
			checkNoTempFiles(t, dir)
		})
	}
}

func TestUpdateConcurrent(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "config")
	writeFile(t, path, []byte("# shared\n[default]\nregion = us-east-1\n"))
	const n = 24
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			section := ConfigSection(fmt.Sprintf("p%d", i%4))
			errs <- Update(path, func(f *File) error {
				return f.Set(section, fmt.Sprintf("key%d", i), fmt.Sprint(i))
			})
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := Build(testPaths, mustParse(t, string(data)), nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		p, ok := c.Profile(fmt.Sprintf("p%d", i%4))
		if !ok {
			t.Errorf("profile p%d lost", i%4)
			continue
		}
		if v, _ := p.Get(fmt.Sprintf("key%d", i)); v != fmt.Sprint(i) {
			t.Errorf("key%d = %q: an update was lost", i, v)
		}
	}
	if !strings.HasPrefix(string(data), "# shared\n[default]\nregion = us-east-1\n") {
		t.Errorf("the start of the file changed:\n%s", data)
	}
	checkNoTempFiles(t, dir)
}

// TestUpdateConcurrentProcesses runs Updates of one file from several
// processes (this test binary, re-run as a helper) and checks none is lost.
func TestUpdateConcurrentProcesses(t *testing.T) {
	if spec := os.Getenv("SESAME_AWSCONFIG_UPDATE_HELPER"); spec != "" {
		path, id, _ := strings.Cut(spec, "|")
		for i := range 10 {
			key := fmt.Sprintf("key_%s_%d", id, i)
			if err := Update(path, func(f *File) error { return f.Set("profile proc"+id, key, "v") }); err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		return
	}
	t.Parallel()
	path := filepath.Join(t.TempDir(), "config")
	const procs = 4
	var cmds []*exec.Cmd
	for p := range procs {
		cmd := exec.Command(os.Args[0], "-test.run=^TestUpdateConcurrentProcesses$")
		cmd.Env = append(os.Environ(), fmt.Sprintf("SESAME_AWSCONFIG_UPDATE_HELPER=%s|%d", path, p))
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("helper: %v", err)
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f := mustParse(t, string(data))
	for p := range procs {
		for i := range 10 {
			s, ok := f.Section(fmt.Sprintf("profile proc%d", p))
			if !ok {
				t.Fatalf("[profile proc%d] lost:\n%s", p, data)
			}
			if _, ok := s.Key(fmt.Sprintf("key_%d_%d", p, i)); !ok {
				t.Errorf("key_%d_%d lost", p, i)
			}
		}
	}
}

func checkFile(t *testing.T, path, want string, mode fs.FileMode) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != want {
		t.Errorf("%s:\n got %q\nwant %q", path, data, want)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != mode {
		t.Errorf("%s has mode %v, want %v", path, fi.Mode().Perm(), mode)
	}
}

// checkNoTempFiles fails if dir holds a leftover temporary file.
func checkNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp-") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// TestEditsReadByBotocore runs botocore over files that sesame edited, and
// checks that it reads the values sesame wrote, and that sesame reads the
// edited files exactly as botocore does.
func TestEditsReadByBotocore(t *testing.T) {
	python := needPythonBotocore(t)
	dir := t.TempDir()
	type edit func(cfg, cred *File) error
	set := func(section, key, value string) edit {
		return func(cfg, _ *File) error { return cfg.Set(section, key, value) }
	}
	setProfile := func(profile, key, value string) edit {
		return func(cfg, _ *File) error {
			sec, ok := cfg.ProfileSection(profile)
			if !ok {
				sec = ConfigSection(profile)
			}
			return cfg.Set(sec, key, value)
		}
	}
	setCred := func(section, key, value string) edit {
		return func(_, cred *File) error { return cred.Set(section, key, value) }
	}
	unset := func(section, key string) edit {
		return func(cfg, _ *File) error { _, err := cfg.Unset(section, key); return err }
	}
	remove := func(section string) edit {
		return func(cfg, _ *File) error { _, err := cfg.RemoveSection(section); return err }
	}
	type want struct{ kind, name, key, value string } // kind "profile" or "sso"; value "" = absent
	cases := []struct {
		name          string
		config, creds string
		edits         []edit
		want          []want
	}{
		{
			name:   "keep-file",
			config: keepFile,
			edits: []edit{
				set("default", "region", "eu-central-1"),
				set("default", "unknown_key", "flat"),
				set("profile dev", "output", "text"),
				setProfile("with space", "region", "ap-south-1"),
				setProfile(`say "hi"`, "region", "us-west-2"),
				setProfile(`back\slash`, "region", "us-west-1"),
				set(SSOSessionSection("my corp"), "sso_start_url", "https://corp.awsapps.com/start"),
				set(SSOSessionSection("my corp"), "sso_region", "eu-west-1"),
				setProfile("sso user", "sso_session", "my corp"),
				unset("profile dev", "region"),
			},
			want: []want{
				{"profile", "default", "region", "eu-central-1"},
				{"profile", "default", "unknown_key", "flat"},
				{"profile", "default", "output", "json"},
				{"profile", "dev", "output", "text"},
				{"profile", "dev", "region", ""},
				{"profile", "with space", "region", "ap-south-1"},
				{"profile", `say "hi"`, "region", "us-west-2"},
				{"profile", `back\slash`, "region", "us-west-1"},
				{"profile", "sso user", "sso_session", "my corp"},
				{"sso", "my corp", "sso_region", "eu-west-1"},
			},
		},
		{
			name:   "crlf-and-no-final-newline",
			config: "[default]\r\nregion = a\r\n\r\n[profile b]\r\nx = 1\r\n  more",
			edits: []edit{
				set("profile b", "y", "2"),
				set("profile b", "x", "3"),
				setProfile("c", "region", "r"),
				remove("default"),
			},
			want: []want{
				{"profile", "b", "x", "3"},
				{"profile", "b", "y", "2"},
				{"profile", "c", "region", "r"},
				{"profile", "default", "region", ""},
			},
		},
		{
			name:   "default-vs-profile-default",
			config: "[default]\nregion = a\n\n[profile default]\nregion = b\n",
			edits:  []edit{setProfile("default", "output", "json"), setProfile("default", "region", "c")},
			want: []want{
				{"profile", "default", "output", "json"},
				{"profile", "default", "region", "c"},
			},
		},
		{
			name:   "nested-and-indented",
			config: "[profile s]\n  region = a\n  s3 =\n    addressing_style = path\n",
			edits:  []edit{set("profile s", "output", "json"), set("profile s", "region", "b")},
			want: []want{
				{"profile", "s", "output", "json"},
				{"profile", "s", "region", "b"},
			},
		},
		{
			name:   "credentials",
			config: "[profile ci]\nregion = eu-west-1\n",
			creds:  "# keys\n[ci]\naws_access_key_id = OLD\n",
			edits: []edit{
				setCred("ci", "aws_access_key_id", "AKIANEW"),
				setCred("ci", "aws_secret_access_key", "secret/with+chars=="),
				setCred("profile x", "aws_access_key_id", "AKIAX"),
			},
			want: []want{
				{"profile", "ci", "aws_access_key_id", "AKIANEW"},
				{"profile", "ci", "aws_secret_access_key", "secret/with+chars=="},
				{"profile", "ci", "region", "eu-west-1"},
				{"profile", "profile x", "aws_access_key_id", "AKIAX"},
			},
		},
	}
	type job struct {
		Name        string `json:"name"`
		Config      string `json:"config"`
		Credentials string `json:"credentials"`
	}
	var jobs []job
	for _, c := range cases {
		cfg, err := Parse("config", []byte(c.config))
		if err != nil {
			t.Fatal(err)
		}
		cred, err := Parse("credentials", []byte(c.creds))
		if err != nil {
			t.Fatal(err)
		}
		for i, e := range c.edits {
			if err := e(cfg, cred); err != nil {
				t.Fatalf("%s: edit %d: %v", c.name, i, err)
			}
		}
		j := job{Name: c.name, Config: filepath.Join(dir, c.name+".config"), Credentials: filepath.Join(dir, c.name+".credentials")}
		writeFile(t, j.Config, cfg.Bytes())
		writeFile(t, j.Credentials, cred.Bytes())
		jobs = append(jobs, j)
	}
	in, _ := json.Marshal(jobs)
	cmd := exec.Command(python, "testdata/botocore_dump.py")
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("botocore_dump.py: %v\n%s", err, stderr.String())
	}
	var botocore map[string]map[string]any
	if err := json.Unmarshal(out, &botocore); err != nil {
		t.Fatal(err)
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := botocore[c.name]
			if _, failed := got["error"]; failed {
				t.Fatalf("botocore cannot read the edited files: %v", got["error"])
			}
			for _, w := range c.want {
				group := map[string]string{"profile": "profiles", "sso": "sso_sessions"}[w.kind]
				section, _ := got[group].(map[string]any)[w.name].(map[string]any)
				v, ok := section[w.key]
				switch {
				case w.value == "" && ok:
					t.Errorf("botocore: %s %q has %s = %v, want it unset", w.kind, w.name, w.key, v)
				case w.value != "" && v != w.value:
					t.Errorf("botocore: %s %q %s = %v, want %q", w.kind, w.name, w.key, v, w.value)
				}
			}
			mine := dumpLikeBotocore(Load(Paths{Config: jobs[i].Config, Credentials: jobs[i].Credentials}))
			if !reflect.DeepEqual(normalize(t, mine), normalize(t, got)) {
				t.Errorf("sesame and botocore disagree on the edited files\nsesame:   %v\nbotocore: %v", mine, got)
			}
		})
	}
}
