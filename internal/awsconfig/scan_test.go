package awsconfig

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
)

// checkScan checks Load's fast path on data, as either file and as both:
// when scanFile accepts it, the parser and Build accept it too (so no
// error botocore would report is skipped), and every profile and
// sso-session built lazily, section by section, is the one Build builds,
// and resolves the same way.
func checkScan(t *testing.T, data []byte) {
	t.Helper()
	if _, ok := scanFile(string(data)); !ok {
		return // Load parses in full
	}
	asConfig, err := Parse(testPaths.Config, data)
	if err != nil {
		t.Fatalf("scanFile accepts %q, which Parse refuses: %v", data, err)
	}
	asCreds, _ := Parse(testPaths.Credentials, data)
	for _, c := range []struct{ cfg, cred bool }{{true, false}, {false, true}, {true, true}} {
		var cfgFile, credFile *File
		var cfgIdx, credIdx *scanIndex
		if c.cfg {
			cfgFile = asConfig
			cfgIdx, _ = scanFile(string(data))
		}
		if c.cred {
			credFile = asCreds
			credIdx, _ = scanFile(string(data))
		}
		want, err := Build(testPaths, cfgFile, credFile)
		if err != nil {
			t.Fatalf("scanFile accepts %q, which Build refuses: %v", data, err)
		}
		compareLazy(t, newLazy(testPaths, cfgIdx, credIdx), want, string(data))
	}
}

// compareLazy looks up and resolves, in got (a lazy Config), every profile
// and sso-session of want (a built one), then a name that does not exist,
// and compares the results; then the lists of names.
func compareLazy(t *testing.T, got, want *Config, data string) {
	t.Helper()
	for _, name := range want.SSOSessionNames() {
		g, ok := got.SSOSession(name)
		w, _ := want.SSOSession(name)
		if !ok || !reflect.DeepEqual(g, w) {
			t.Fatalf("%q: sso-session %q is %+v lazily, %+v built", data, name, g, w)
		}
	}
	for _, name := range want.ProfileNames() {
		g, ok := got.Profile(name)
		w, _ := want.Profile(name)
		if !ok || !reflect.DeepEqual(g, w) {
			t.Fatalf("%q: profile %q is %+v lazily, %+v built", data, name, g, w)
		}
		gr, gerr := got.Resolve(name)
		wr, werr := want.Resolve(name)
		if fmt.Sprint(gerr) != fmt.Sprint(werr) || describe(gr) != describe(wr) {
			t.Fatalf("%q: profile %q resolves to %s, %v lazily; %s, %v built", data, name, describe(gr), gerr, describe(wr), werr)
		}
	}
	for _, name := range []string{"no-such-profile", "default"} {
		_, gok := got.Profile(name)
		_, wok := want.Profile(name)
		if gok != wok {
			t.Fatalf("%q: Profile(%q) found %v lazily, %v built", data, name, gok, wok)
		}
		_, gerr := got.Resolve(name)
		_, werr := want.Resolve(name)
		if fmt.Sprint(gerr) != fmt.Sprint(werr) {
			t.Fatalf("%q: Resolve(%q): %v lazily, %v built", data, name, gerr, werr)
		}
	}
	if g, w := got.ProfileNames(), want.ProfileNames(); !reflect.DeepEqual(g, w) {
		t.Fatalf("%q: ProfileNames %q lazily, %q built", data, g, w)
	}
	if g, w := got.SSOSessionNames(), want.SSOSessionNames(); !reflect.DeepEqual(g, w) {
		t.Fatalf("%q: SSOSessionNames %q lazily, %q built", data, g, w)
	}
	if got.ConfigFile != nil && string(got.ConfigFile.Bytes()) != data {
		t.Fatalf("ConfigFile.Bytes() is not the file")
	}
}

// describe renders a resolved chain: names, sources, values, sso-sessions.
func describe(r *Resolved) string {
	var b strings.Builder
	for ; r != nil; r = r.Parent {
		fmt.Fprintf(&b, "%s/%s %v", r.Name, r.Source, r.values)
		if r.SSOSession != nil {
			fmt.Fprintf(&b, " sso=%s %v", r.SSOSession.Name, r.SSOSession.values)
		}
		b.WriteString(" <- ")
	}
	return b.String()
}

// scanCases are files the scan must accept (the fast path is the point),
// with the parser's trickier corners: continuation lines, nested values,
// headers the shell splitter must read, CRLF and lone CR, Unicode.
var scanCases = []string{
	"[default]\nregion = us-east-1\n",
	"[profile a]\nrole_arn = arn\nsource_profile = b\n[profile b]\naws_access_key_id = AK\n",
	"[default]\ns3 =\n  max_concurrent_requests = 20\n\n  addressing_style = path\nregion = x\n",
	"[profile a]\nnote = one\n  two\n\n  three\n# comment\n  four\n[profile b]\nregion = y\n",
	"[profile 'quoted name']\nregion = a\n[profile  spaced]\nregion = b\n[profilex  odd]\nregion = c\n[profile a b]\nregion = d\n",
	"[profile a]\nregion = one\n[profile \"a\"]\nregion = two\n",
	"[default]\nregion = one\n[profile default]\nregion = two\n",
	"[sso-session corp]\nsso_start_url = https://x\nsso_region = eu-west-1\n[profile s]\nsso_session = corp\nsso_account_id = 1\nsso_role_name = r\n",
	"[sso-session 'my corp']\nsso_region = a\n[profile s]\nsso_session = my corp\n",
	"[default]\r\nregion = us-east-1\r\n\r\n[profile a]\r\noutput = json\r\n  more\r\n",
	"[default]\rregion = us-east-1\r[profile b]\rregion = eu-west-1\r",
	"[profile ünï]\nRegion = é\n\u00a0\u00a0more\nKEY: v\n",
	"  [profile indented]\n  region = a\n    continued\n[profile a]\nk = v\n  [not a header]\n",
	"[profile a]\ninclude_profile = b\nregion = a\n[profile b]\ninclude_profile = a\n",
	"[services s]\ns3 =\n  endpoint_url = x\n[profile a]\nservices = s\n",
	"",
	"# only a comment\n\n",
}

// TestScanMatchesParse runs checkScan over the parity corpus, the byte
// cases and scanCases, and checks that the scan accepts each of
// scanCases (and gives up on what it leaves to the parser).
func TestScanMatchesParse(t *testing.T) {
	t.Parallel()
	txtars, _ := filepath.Glob("testdata/botocore/*.txtar")
	if len(txtars) < 30 {
		t.Fatalf("the corpus has %d files", len(txtars))
	}
	for _, path := range txtars {
		ar, err := txtar.ParseFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			checkScan(t, f.Data)
		}
	}
	for _, c := range byteCases {
		checkScan(t, c.config)
		checkScan(t, c.creds)
	}
	for _, c := range scanCases {
		if _, ok := scanFile(c); !ok {
			t.Errorf("scanFile gives up on %q", c)
		}
		checkScan(t, []byte(c))
	}
	for _, c := range []string{
		"[DEFAULT]\nregion = a\n[profile a]\n", // fall-backs for every section: parsed in full
		"[a]\nk = 1\n[a]\n",                    // errors: parsed in full, which reports them
		"[a]\nk = 1\nK = 2\n",
		"[a]\ns3 =\n  no equals sign\n",
		"k = 1\n",
		"[a]\nnot a key\n",
		"[a]\n= v\n",
		"[a]\nv = \xff\n",
	} {
		if _, ok := scanFile(c); ok {
			t.Errorf("scanFile accepts %q", c)
		}
		checkScan(t, []byte(c))
	}
}

// TestLoadRefusesErrorInSkippedSection: an error in a section that the
// profile asked for does not use is still reported, with Parse's message.
func TestLoadRefusesErrorInSkippedSection(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 2000 {
		fmt.Fprintf(&b, "[profile p%d]\nregion = eu-west-1\n", i)
		if i == 1500 {
			b.WriteString("region = twice\n")
		}
	}
	b.WriteString("[profile admin]\nregion = us-east-1\n")
	dir := t.TempDir()
	paths := Paths{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
	if err := os.WriteFile(paths.Config, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	_, want := Parse(paths.Config, []byte(b.String()))
	c, err := Load(paths)
	var pe *ParseError
	if !errors.As(err, &pe) || err.Error() != want.Error() {
		t.Fatalf("Load = %v, %v; want the parser's error %v", c, err, want)
	}
}

// TestLoadParsesOnlyWhatItNeeds: resolving one profile of a large config
// parses its sections alone, and the File is parsed only when used.
func TestLoadParsesOnlyWhatItNeeds(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 1000 {
		fmt.Fprintf(&b, "[profile p%d]\nregion = eu-west-1\n", i)
	}
	b.WriteString("[profile admin]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = base\n[profile base]\nsso_session = corp\n[sso-session corp]\nsso_region = x\n")
	dir := t.TempDir()
	paths := Paths{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
	if err := os.WriteFile(paths.Config, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(paths)
	if err != nil {
		t.Fatal(err)
	}
	r, err := c.Resolve("admin")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(r.Chain(), ","); got != "admin,base" || r.Parent.SSOSession == nil {
		t.Fatalf("chain %s, sso-session %v", got, r.Parent.SSOSession)
	}
	if len(c.profiles) != 2 || len(c.ssoSessions) != 1 || c.lazy.done || c.ConfigFile.pending == nil {
		t.Fatalf("built %d profiles and %d sso-sessions (done %v, file parsed %v); want 2 and 1, nothing else",
			len(c.profiles), len(c.ssoSessions), c.lazy.done, c.ConfigFile.pending == nil)
	}
	if n := len(c.ProfileNames()); n != 1002 || len(c.ConfigFile.Sections()) != 1003 {
		t.Fatalf("ProfileNames has %d names; want 1002", n)
	}
}

// TestLazyConfigConcurrent: a Config that Load scanned may be used from
// several goroutines, as Resolve promises, while it builds its profiles
// (run with -race).
func TestLazyConfigConcurrent(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 200 {
		fmt.Fprintf(&b, "[profile p%d]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = p%d\n", i+1, i)
	}
	b.WriteString("[profile p0]\nregion = x\n")
	dir := t.TempDir()
	paths := Paths{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
	if err := os.WriteFile(paths.Config, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := Load(paths)
	if err != nil || c.lazy == nil {
		t.Fatalf("Load: %v (lazy %v)", err, c != nil && c.lazy != nil)
	}
	done := make(chan error)
	for g := range 4 {
		go func() {
			for i := g; i < 201; i += 4 {
				name := fmt.Sprintf("p%d", i)
				r, err := c.Resolve(name)
				if err == nil && len(r.Chain()) != i+1 {
					err = fmt.Errorf("%s: chain of %d", name, len(r.Chain()))
				}
				if err != nil {
					done <- err
					return
				}
				if g == 0 && i == 100 {
					_ = c.ProfileNames()
				}
			}
			done <- nil
		}()
	}
	for range 4 {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	if n := len(c.ProfileNames()); n != 201 {
		t.Errorf("%d profiles, want 201", n)
	}
}

// TestLoadAll: LoadAll parses in full at once (no scan) and gives the same
// profiles and resolutions as Load.
func TestLoadAll(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := Paths{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
	cfgText := "[profile a]\nregion = eu-west-1\n[profile b]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = a\n[sso-session s]\nsso_region = eu-west-1\n"
	if err := os.WriteFile(p.Config, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p.Credentials, []byte("[a]\naws_access_key_id = AKIA\n[c]\nregion = x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	lazy, err1 := Load(p)
	all, err2 := LoadAll(p)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if lazy.lazy == nil || all.lazy != nil {
		t.Fatalf("Load lazy: %v, LoadAll lazy: %v; want Load lazy and LoadAll not", lazy.lazy != nil, all.lazy != nil)
	}
	if a, b := strings.Join(lazy.ProfileNames(), ","), strings.Join(all.ProfileNames(), ","); a != b || a != "a,b,c" {
		t.Errorf("profiles: Load %s, LoadAll %s", a, b)
	}
	for _, name := range all.ProfileNames() {
		ra, errA := lazy.Resolve(name)
		rb, errB := all.Resolve(name)
		if (errA == nil) != (errB == nil) || errA == nil && (ra.Source != rb.Source || strings.Join(ra.Chain(), ",") != strings.Join(rb.Chain(), ",")) {
			t.Errorf("%s: Load %+v %v, LoadAll %+v %v", name, ra, errA, rb, errB)
		}
	}
}
