package awsconfig

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/sesamehq/sesame/internal/testenv"
)

// parityCase is one pair of files; a nil side means the file does not exist.
type parityCase struct {
	name              string
	config, creds     []byte
	hasConfig, hasCrd bool
}

// byteCases are files whose bytes a txtar file cannot carry faithfully.
var byteCases = []parityCase{
	{name: "crlf", config: []byte("[default]\r\nregion = us-east-1\r\n\r\n[profile a]\r\noutput = json\r\n  more\r\n"), hasConfig: true},
	{name: "cr-only", config: []byte("[default]\rregion = us-east-1\r[profile b]\rregion = eu-west-1\r"), hasConfig: true},
	{name: "no-final-newline", config: []byte("[default]\nregion = us-east-1"), hasConfig: true},
	{name: "bom", config: []byte("\ufeff[default]\nregion = us-east-1\n"), hasConfig: true},
	{name: "invalid-utf8", config: []byte("[default]\nregion = us-\xff-1\n"), hasConfig: true},
	{name: "info-separators", config: []byte("[default]\nregion = \x1cus-east-1\x1f\nnote = a\x0bb\n"), hasConfig: true},
	{name: "nested-vertical-tab", config: []byte("[default]\ns3 =\n  a = 1\x0bb = 2\n"), hasConfig: true},
	{name: "nbsp-indent", config: []byte("[default]\nregion = x\n\u00a0\u00a0more\n"), hasConfig: true},
	{name: "empty-file", config: []byte(""), hasConfig: true},
	{name: "no-files"},
	{name: "credentials-only", creds: []byte("[ci]\naws_access_key_id = AK\naws_secret_access_key = SK\n"), hasCrd: true},
}

// TestBotocoreParity runs botocore itself over the corpus in
// testdata/botocore and the byte cases above, and checks that sesame reads
// every file pair to the same profiles, values and sso-sessions, and refuses
// exactly the files botocore refuses.
func TestBotocoreParity(t *testing.T) {
	python := needPythonBotocore(t)
	dir := t.TempDir()
	cases := append([]parityCase(nil), byteCases...)
	txtars, _ := filepath.Glob("testdata/botocore/*.txtar")
	if len(txtars) < 30 {
		t.Fatalf("the corpus has %d files; it must keep at least 30", len(txtars))
	}
	for _, path := range txtars {
		ar, err := txtar.ParseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		c := parityCase{name: strings.TrimSuffix(filepath.Base(path), ".txtar")}
		for _, f := range ar.Files {
			switch f.Name {
			case "config":
				c.config, c.hasConfig = f.Data, true
			case "credentials":
				c.creds, c.hasCrd = f.Data, true
			default:
				t.Fatalf("%s: unknown file %q", path, f.Name)
			}
		}
		cases = append(cases, c)
	}

	type job struct {
		Name        string `json:"name"`
		Config      string `json:"config"`
		Credentials string `json:"credentials"`
	}
	var jobs []job
	for _, c := range cases {
		j := job{Name: c.name, Config: filepath.Join(dir, c.name+".config"), Credentials: filepath.Join(dir, c.name+".credentials")}
		if c.hasConfig {
			writeFile(t, j.Config, c.config)
		}
		if c.hasCrd {
			writeFile(t, j.Credentials, c.creds)
		}
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
	var want map[string]map[string]any
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatal(err)
	}
	for _, j := range jobs {
		t.Run(j.Name, func(t *testing.T) {
			got := dumpLikeBotocore(Load(Paths{Config: j.Config, Credentials: j.Credentials}))
			if !reflect.DeepEqual(normalize(t, got), normalize(t, want[j.Name])) {
				g, _ := json.MarshalIndent(got, "", "  ")
				w, _ := json.MarshalIndent(want[j.Name], "", "  ")
				t.Errorf("sesame and botocore disagree\nsesame:   %s\nbotocore: %s", g, w)
			}
		})
	}
}

// dumpLikeBotocore renders a Config as botocore_dump.py renders full_config.
func dumpLikeBotocore(c *Config, err error) map[string]any {
	if err != nil {
		return map[string]any{"error": true}
	}
	section := func(keys []string, get func(string) Value) map[string]any {
		m := map[string]any{}
		for _, k := range keys {
			v := get(k)
			if v.Nested != nil {
				m[k] = v.Nested
			} else {
				m[k] = v.Text
			}
		}
		return m
	}
	profiles, sessions := map[string]any{}, map[string]any{}
	for _, name := range c.ProfileNames() {
		p, _ := c.Profile(name)
		profiles[name] = section(p.Keys(), func(k string) Value { v, _ := p.Value(k); return v })
	}
	for _, name := range c.SSOSessionNames() {
		s, _ := c.SSOSession(name)
		sessions[name] = section(s.Keys(), func(k string) Value { v, _ := s.values.get(k); return v })
	}
	return map[string]any{"profiles": profiles, "sso_sessions": sessions}
}

// normalize round-trips through JSON and reduces any error to "error": true.
func normalize(t *testing.T, v map[string]any) any {
	t.Helper()
	if _, isErr := v["error"]; isErr {
		return "error"
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out any
	_ = json.Unmarshal(b, &out)
	return out
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
}

// needPythonBotocore finds a python3 that can import botocore. In CI its
// absence fails the test; elsewhere the test is skipped with the reason.
func needPythonBotocore(t *testing.T) string {
	t.Helper()
	python, err := exec.LookPath("python3")
	if err == nil {
		err = exec.Command(python, "-c", "import botocore.session").Run()
	}
	if err != nil {
		testenv.SkipOrFail(t, fmt.Errorf("python3 with botocore is needed for the parity test: install python3 and botocore (pip install botocore, or Debian python3-botocore): %w", err))
	}
	return python
}
