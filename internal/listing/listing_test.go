package listing

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/sesamehq/sesame/internal/testenv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/store"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func loadFixture(t *testing.T) func() (*awsconfig.Config, error) {
	t.Helper()
	return func() (*awsconfig.Config, error) {
		return awsconfig.Load(awsconfig.Paths{Config: "testdata/config", Credentials: "testdata/credentials"})
	}
}

var fixedNow = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// fixtureStore holds a key for base, a key for a profile no file names, and
// sessions for admin (one valid, one expired).
func fixtureStore(t *testing.T) func(context.Context) (*store.Store, error) {
	t.Helper()
	ctx := context.Background()
	st := store.New(store.NewMemory(), t.TempDir())
	for _, p := range []string{"base", "gone"} {
		if err := st.SetKeys(ctx, store.KeyPair{Profile: p, AccessKeyID: "AKIAEXAMPLE" + strings.ToUpper(p), SecretAccessKey: "not-a-real-secret-" + p}); err != nil {
			t.Fatal(err)
		}
	}
	for id, exp := range map[string]time.Time{"a": fixedNow.Add(42 * time.Minute), "b": fixedNow.Add(-time.Hour)} {
		if err := st.SetSession(ctx, store.Session{Profile: "admin", ID: id, AccessKeyID: "ASIA" + id, Expiration: exp}); err != nil {
			t.Fatal(err)
		}
	}
	return func(context.Context) (*store.Store, error) { return st, nil }
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	testenv.Golden(t, name, got, *update)
}

func TestListFormats(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		tty    bool
		json   bool
		golden string
	}{
		{name: "table on a terminal", tty: true, golden: "list.table.golden"},
		{name: "tab-separated when piped", golden: "list.tsv.golden"},
		{name: "json", json: true, golden: "list.json.golden"},
		{name: "json on a terminal too", tty: true, json: true, golden: "list.json.golden"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, out, errOut := iostreams.Test()
			ios.SetTTY(false, tt.tty, false)
			if err := Run(context.Background(), &Options{IO: ios, Config: loadFixture(t), JSON: tt.json, Store: fixtureStore(t), Now: func() time.Time { return fixedNow }}); err != nil {
				t.Fatal(err)
			}
			golden(t, tt.golden, out.String())
			if !strings.Contains(errOut.String(), `sesame: profile "loop-a": source_profile loop: loop-a -> loop-b -> loop-a`) {
				t.Errorf("stderr does not report the loop:\n%s", errOut)
			}
			if strings.Contains(out.String()+errOut.String(), "not-a-real-secret") || strings.Contains(out.String(), "AKIAEXAMPLE") {
				t.Error("list printed a secret")
			}
		})
	}
}

func TestListEmpty(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ios, _, out, errOut := iostreams.Test()
	cfg := func() (*awsconfig.Config, error) {
		return awsconfig.Load(awsconfig.Paths{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")})
	}
	if err := Run(context.Background(), &Options{IO: ios, Config: cfg, JSON: true}); err != nil {
		t.Fatal(err)
	}
	if out.String() != "[]\n" {
		t.Errorf("stdout = %q, want an empty JSON array", out)
	}
	if !strings.Contains(errOut.String(), "does not exist") || !strings.Contains(errOut.String(), "hint:") {
		t.Errorf("stderr = %q, want the missing file and a hint", errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "config")); !os.IsNotExist(err) {
		t.Error("listing created the config file")
	}
}

func TestListStoreErrorIsReportedNotHidden(t *testing.T) {
	t.Parallel()
	mem := store.NewMemory()
	mem.Err = store.ErrLocked
	ios, _, out, errOut := iostreams.Test()
	st := store.New(mem, t.TempDir())
	hint := func(err error) string {
		if errors.Is(err, store.ErrLocked) {
			return "unlock your keyring"
		}
		return ""
	}
	err := Run(context.Background(), &Options{IO: ios, Config: loadFixture(t), Store: func(context.Context) (*store.Store, error) { return st, nil }, Hint: hint})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(errOut.String(), "cannot read the store") || !strings.Contains(errOut.String(), "hint: unlock your keyring") {
		t.Errorf("stderr = %q, want the store error and a hint", errOut)
	}
	if !strings.Contains(out.String(), "admin\trole") {
		t.Errorf("the profiles were not listed: %q", out)
	}
}

// TestListEscapesControlCharacters: a profile name, a region and a
// source_profile holding terminal escape sequences reach neither the
// table, the tab-separated text nor stderr raw; they are shown as \x1b and
// the like. JSON keeps the exact values (escaped by JSON itself).
func TestListEscapesControlCharacters(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	paths := awsconfig.Paths{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
	config := "[profile \"evil\x1b]0;pwned\x07\"]\nregion = \x1b[31mred\u009b2J\n\n" +
		"[profile broken]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = gone\x1b[2J\n"
	if err := os.WriteFile(paths.Config, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	load := func() (*awsconfig.Config, error) { return awsconfig.Load(paths) }
	for _, tt := range []struct {
		name      string
		tty, json bool
		want      []string
	}{
		{name: "table", tty: true, want: []string{`evil\x1b]0;pwned\x07  keys`, `\x1b[31mred\u009b2J`}},
		{name: "tsv", want: []string{"evil\\x1b]0;pwned\\x07\tkeys\t\\x1b[31mred\\u009b2J\t"}},
		{name: "json", json: true, want: []string{`"name": "evil\u001b]0;pwned\u0007"`, `"region": "\u001b[31mred\u009b2J"`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, out, errOut := iostreams.Test()
			ios.SetTTY(false, tt.tty, tt.tty)
			if err := Run(context.Background(), &Options{IO: ios, Config: load, JSON: tt.json, Now: func() time.Time { return fixedNow }}); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			if !strings.Contains(errOut.String(), `gone\x1b[2J`) {
				t.Errorf("stderr does not name the missing profile escaped:\n%q", errOut)
			}
			for _, s := range []string{out.String(), errOut.String()} {
				if strings.ContainsAny(s, "\x1b\x07\u009b") {
					t.Errorf("a control character reached the output: %q", s)
				}
			}
		})
	}
}

// TestListLongChains: the table and the TSV show a source_profile chain of
// more than chainShown names shortened, with its first names, how many are
// left out and its root; --json keeps every name.
func TestListLongChains(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	const depth = 12
	b.WriteString("[profile p0]\naws_access_key_id = AKIAEXAMPLE\naws_secret_access_key = x\n")
	for i := 1; i < depth; i++ {
		fmt.Fprintf(&b, "[profile p%d]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = p%d\n", i, i-1)
	}
	path := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := func() (*awsconfig.Config, error) {
		return awsconfig.Load(awsconfig.Paths{Config: path, Credentials: path + ".none"})
	}
	for _, tt := range []struct {
		name string
		tty  bool
		json bool
		want []string
	}{
		{name: "tsv", want: []string{
			"p11\trole\t\t\tp11 -> p10 -> p9 -> p8 -> p7 -> p6 -> … 4 more … -> p1 -> p0\t",
			"p9\trole\t\t\tp9 -> p8 -> p7 -> p6 -> p5 -> p4 -> … 2 more … -> p1 -> p0\t",
			"p8\trole\t\t\tp8 -> p7 -> p6 -> p5 -> p4 -> p3 -> p2 -> p1 -> p0\t", // 9 names: whole
			"p7\trole\t\t\tp7 -> p6 -> p5 -> p4 -> p3 -> p2 -> p1 -> p0\t",
			"p1\trole\t\t\tp1 -> p0\t",
			"p0\tkeys\t\t\t\t"}},
		{name: "table", tty: true, want: []string{"p11 -> p10 -> p9 -> p8 -> p7 -> p6 -> … 4 more … -> p1 -> p0"}},
		{name: "json", json: true, want: []string{`"p11",
      "p10",
      "p9",
      "p8",
      "p7",
      "p6",
      "p5",
      "p4",
      "p3",
      "p2",
      "p1",
      "p0"
    ]`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ios, _, out, _ := iostreams.Test()
			ios.SetTTY(false, tt.tty, false)
			if err := Run(context.Background(), &Options{IO: ios, Config: cfg, JSON: tt.json, Now: func() time.Time { return fixedNow }}); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
		})
	}
}

// TestListStoreErrorEndsRun: a StoreError that answers an error ends Run
// with it before anything is written (the front program then leaves the
// call to the full one).
func TestListStoreErrorEndsRun(t *testing.T) {
	t.Parallel()
	mem := store.NewMemory()
	mem.Err = store.ErrLocked
	ios, _, out, errOut := iostreams.Test()
	st := store.New(mem, t.TempDir())
	stop := errors.New("stop")
	err := Run(context.Background(), &Options{IO: ios, Config: loadFixture(t), Store: func(context.Context) (*store.Store, error) { return st, nil },
		StoreError: func(err error) error {
			if !errors.Is(err, store.ErrLocked) {
				t.Errorf("StoreError got %v", err)
			}
			return stop
		}})
	if err != stop || out.Len() != 0 || errOut.Len() != 0 {
		t.Errorf("Run = %v, stdout %q, stderr %q; want stop and nothing written", err, out, errOut)
	}
}
