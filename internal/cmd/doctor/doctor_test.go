package doctor

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/sso"
	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/store/vault"
	"github.com/sesamehq/sesame/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// now is the fake clock of every test: a whole second, as HTTP dates are.
var now = time.Date(2030, 5, 6, 7, 8, 9, 0, time.UTC)

// Secrets the setups hold; no output may show them.
const (
	keyID      = "AKIAIOSFODNN7EXAMPLE"
	secretKey  = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	tokenValue = "sso-access-token-value"
	passphrase = "doctor-test-passphrase"
)

// setup is one sandboxed home: the AWS files, extra files, modes, store
// state, environment and STS's clock.
type setup struct {
	config      string
	credentials string
	// files are written under HOME (mode 0600 unless modes says).
	files map[string]string
	// modes are applied last, to paths under HOME.
	modes map[string]fs.FileMode
	// fill puts items in the (memory) store.
	fill func(t *testing.T, st *store.Store)
	// storeErr is what opening the store fails with.
	storeErr error
	// backend is Env.Backend.
	backend string
	// env is the environment.
	env map[string]string
	// sts answers the clock check's request (nil: STS's clock is now).
	sts func(*http.Request) (*http.Response, error)
	// privateGroup is Env.PrivateGroup.
	privateGroup func(uint32) (string, bool)
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// dated is an STS answer with the given Date.
func dated(t time.Time) func(*http.Request) (*http.Response, error) {
	return func(r *http.Request) (*http.Response, error) {
		h := http.Header{}
		if !t.IsZero() {
			h.Set("Date", t.UTC().Format(http.TimeFormat))
		}
		return &http.Response{StatusCode: http.StatusNotFound, Header: h, Body: io.NopCloser(strings.NewReader("")), Request: r}, nil
	}
}

// newEnv builds the sandbox and the Env that looks at it.
func newEnv(t *testing.T, s setup) *Env {
	t.Helper()
	home := t.TempDir()
	write := func(rel, text string) {
		t.Helper()
		path := filepath.Join(home, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Join(home, ".aws"), 0o700); err != nil {
		t.Fatal(err)
	}
	if s.config != "" {
		write(".aws/config", s.config)
	}
	if s.credentials != "" {
		write(".aws/credentials", s.credentials)
	}
	for rel, text := range s.files {
		write(rel, text)
	}
	st := store.New(store.NewMemory(), filepath.Join(home, ".local", "state", "sesame", "locks"))
	if s.fill != nil {
		s.fill(t, st)
	}
	for rel, mode := range s.modes {
		path := filepath.Join(home, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
			if mode.IsDir() {
				err = os.Mkdir(path, 0o700)
			} else {
				err = os.WriteFile(path, nil, 0o600)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if err := os.Chmod(path, mode&(fs.ModePerm|fs.ModeSticky)); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{}
	for k, v := range s.env {
		env[k] = strings.ReplaceAll(v, "$HOME", home)
	}
	lookup := func(k string) (string, bool) { v, ok := env[k]; return v, ok }
	sts := s.sts
	if sts == nil {
		sts = dated(now)
	}
	e := &Env{
		Home:         home,
		LookupEnv:    lookup,
		Now:          func() time.Time { return now },
		GOOS:         "linux",
		Paths:        awsconfig.DefaultPaths(lookup, home),
		StateDir:     filepath.Join(home, ".local", "state", "sesame"),
		VaultDir:     vault.DefaultDir(lookup, home),
		Backend:      s.backend,
		Store:        func(context.Context) (*store.Store, error) { return st, nil },
		HTTPClient:   &http.Client{Transport: roundTripper(sts)},
		PrivateGroup: s.privateGroup,
	}
	if s.storeErr != nil {
		e.Store = func(context.Context) (*store.Store, error) { return nil, s.storeErr }
	}
	return e
}

// run runs the named check and renders its lines.
func run(t *testing.T, e *Env, name string) string {
	t.Helper()
	for _, c := range Checks() {
		if c.Name == name {
			var b strings.Builder
			for _, l := range c.Run(t.Context(), e) {
				b.WriteString(l.String() + "\n")
			}
			return b.String()
		}
	}
	t.Fatalf("no check %q", name)
	return ""
}

// noSecrets fails when text shows a secret of the setups.
func noSecrets(t *testing.T, text string) {
	t.Helper()
	for _, s := range []string{keyID, secretKey, tokenValue, passphrase, "AKIA"} {
		if strings.Contains(text, s) {
			t.Errorf("output shows %q:\n%s", s, text)
		}
	}
}

const healthyConfig = `[default]
region = us-east-1

[profile base]
region = eu-west-1

[profile admin]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = base

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = eu-west-1

[profile dev]
sso_session = corp
sso_account_id = 111111111111
sso_role_name = Developer
`

// healthy is a setup with nothing to fix.
func healthy() setup {
	return setup{
		config: healthyConfig,
		fill: func(t *testing.T, st *store.Store) {
			ctx := context.Background()
			must(t, st.SetKeys(ctx, store.KeyPair{Profile: "base", AccessKeyID: keyID, SecretAccessKey: secretKey, Added: now.Add(-time.Hour)}))
			must(t, st.SetSession(ctx, store.Session{Profile: "admin", ID: "a", AccessKeyID: "ASIAX", SecretAccessKey: "s", SessionToken: "t", Expiration: now.Add(50 * time.Minute)}))
			must(t, st.SetToken(ctx, store.Token{Session: "corp", AccessToken: tokenValue, ExpiresAt: now.Add(7*time.Hour + 59*time.Minute)}))
		},
		files: map[string]string{
			".aws/sso/cache/" + (sso.Session{Name: "corp"}).CacheFile(): `{"startUrl":"https://corp.awsapps.com/start","region":"eu-west-1","accessToken":"` + tokenValue + `","expiresAt":"2030-05-06T10:00:00Z"}`,
			".aws/sso/cache/botocore-client-id-eu-west-1.json":          `{"clientId":"c","clientSecret":"s","expiresAt":"2030-01-01T00:00:00Z"}`,
		},
		modes: map[string]fs.FileMode{
			".local/share/sesame":       fs.ModeDir | 0o700,
			".local/share/sesame/vault": 0o600,
			".local/state/sesame":       fs.ModeDir | 0o700,
		},
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestHealthy runs every check on a healthy setup and compares the output
// with testdata/healthy.golden; the exit status is 0.
func TestHealthy(t *testing.T) {
	t.Parallel()
	e := newEnv(t, healthy())
	ios, _, out, errOut := iostreams.Test()
	if err := Run(t.Context(), &Options{IO: ios, Env: func() (*Env, error) { return e, nil }}); err != nil {
		t.Fatalf("Run: %v", err)
	}
	testenv.Golden(t, "healthy.golden", out.String(), *update)
	if errOut.Len() != 0 {
		t.Errorf("stderr = %q", errOut)
	}
	noSecrets(t, out.String())
}

// TestBroken is the catalogue of broken setups: each runs one check and
// compares its lines exactly.
func TestBroken(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		check string
		setup func(s *setup)
		want  string
	}{
		{
			name: "config does not parse", check: "files",
			setup: func(s *setup) { s.config = "[profile a]\nregion = x\n[profile a]\n" },
			want: "fail ~/.aws/config:3: duplicate section [profile a] (first at line 1); merge the two into one\n" +
				"  fix: correct line 3 of ~/.aws/config (the AWS CLI cannot read the file either)\n" +
				"ok   ~/.aws/credentials does not exist (nothing to check)\n",
		},
		{
			name: "credentials do not parse, and the line with the secret is not shown", check: "files",
			setup: func(s *setup) {
				s.credentials = "aws_secret_access_key = " + secretKey + "\n[x]\n"
			},
			want: "ok   ~/.aws/config parses\n" +
				"fail ~/.aws/credentials:1: a key before any section; put a section header such as [default] above it\n" +
				"  fix: correct line 1 of ~/.aws/credentials (the AWS CLI cannot read the file either)\n",
		},
		{
			name: "nested value without =", check: "files",
			setup: func(s *setup) { s.config = "[profile a]\ns3 =\n  nokey\n" },
			want: "fail ~/.aws/config:2: nested value \"s3\": every indented line needs 'key = value'\n" +
				"  fix: correct line 2 of ~/.aws/config (the AWS CLI cannot read the file either)\n" +
				"ok   ~/.aws/credentials does not exist (nothing to check)\n",
		},
		{
			name: "config elsewhere, with a space in its name", check: "files",
			setup: func(s *setup) { s.env = map[string]string{"AWS_CONFIG_FILE": "/nonexistent/my config"} },
			want: "ok   '/nonexistent/my config' does not exist (nothing to check)\n" +
				"ok   ~/.aws/credentials does not exist (nothing to check)\n",
		},
		{
			name: "plain-text keys", check: "plaintext-keys",
			setup: func(s *setup) {
				s.credentials = "[legacy]\naws_access_key_id = " + keyID + "\naws_secret_access_key = " + secretKey + "\n\n" +
					"[default]\naws_access_key_id = " + keyID + "\naws_secret_access_key = " + secretKey + "\n\n" +
					"[temporary]\naws_access_key_id = ASIAX\naws_secret_access_key = s\naws_session_token = t\n"
			},
			want: "fail ~/.aws/credentials holds plain-text long-term keys: profiles default, legacy\n" +
				"  fix: sesame migrate\n",
		},
		{
			name: "plain-text keys in the config file", check: "plaintext-keys",
			setup: func(s *setup) {
				s.config += "\n[profile old]\naws_access_key_id = " + keyID + "\naws_secret_access_key = " + secretKey + "\n"
			},
			want: "fail ~/.aws/config holds a plain-text long-term key: profile old\n" +
				"  fix: sesame add old, then delete aws_access_key_id and aws_secret_access_key from [profile old] in ~/.aws/config\n",
		},
		{
			name: "temporary credentials only", check: "plaintext-keys",
			setup: func(s *setup) {
				s.credentials = "[written]\naws_access_key_id = ASIAX\naws_secret_access_key = s\naws_session_token = t\n"
			},
			want: "ok   no plain-text long-term keys in ~/.aws/credentials or ~/.aws/config\n",
		},
		{
			name: "insecure modes", check: "file-modes",
			setup: func(s *setup) {
				s.credentials = "[x]\nregion = y\n"
				s.modes[".aws/credentials"] = 0o644
				s.modes[".aws/config"] = 0o666
				s.modes[".aws/sso/cache/"+(sso.Session{Name: "corp"}).CacheFile()] = 0o640
				s.modes[".local/share/sesame"] = fs.ModeDir | 0o755
				s.modes[".local/share/sesame/vault"] = 0o604
				s.modes[".local/state/sesame"] = fs.ModeDir | 0o711
			},
			want: "fail ~/.aws/credentials is readable by others (mode 0644)\n" +
				"  fix: chmod 600 ~/.aws/credentials\n" +
				"fail ~/.aws/sso/cache/" + (sso.Session{Name: "corp"}).CacheFile() + " is readable by others (mode 0640)\n" +
				"  fix: chmod 600 ~/.aws/sso/cache/" + (sso.Session{Name: "corp"}).CacheFile() + "\n" +
				"fail ~/.local/share/sesame is readable by others (mode 0755)\n" +
				"  fix: chmod 700 ~/.local/share/sesame\n" +
				"fail ~/.local/share/sesame/vault is readable by others (mode 0604)\n" +
				"  fix: chmod 600 ~/.local/share/sesame/vault\n" +
				"fail ~/.local/state/sesame is open to others (mode 0711)\n" +
				"  fix: chmod 700 ~/.local/state/sesame\n",
		},
		{
			name: "config writable by everyone", check: "writable",
			setup: func(s *setup) { s.modes[".aws/config"] = 0o666 },
			want: "fail ~/.aws/config is writable by everyone (mode 0666): others can set a credential_process that runs as you\n" +
				"  fix: chmod go-w ~/.aws/config\n",
		},
		{
			name: "config and ~/.aws writable by the group", check: "writable",
			setup: func(s *setup) {
				s.modes[".aws"] = fs.ModeDir | 0o775
				s.modes[".aws/config"] = 0o664
			},
			want: "fail ~/.aws is writable by its group (mode 0775): others can replace the files in it\n" +
				"  fix: chmod 700 ~/.aws\n" +
				"fail ~/.aws/config is writable by its group (mode 0664): others can set a credential_process that runs as you\n" +
				"  fix: chmod go-w ~/.aws/config\n",
		},
		{
			name: "group write for the user's private group is a warning", check: "writable",
			setup: func(s *setup) {
				s.modes[".aws"] = fs.ModeDir | 0o775
				s.modes[".aws/config"] = 0o666
				s.privateGroup = func(uint32) (string, bool) { return "alice", true }
			},
			want: "warn ~/.aws is writable by its group alice (mode 0775), which has only you in it; if anyone joins it, others can replace the files in it\n" +
				"  fix: chmod 700 ~/.aws\n" +
				"fail ~/.aws/config is writable by everyone (mode 0666): others can set a credential_process that runs as you\n" +
				"  fix: chmod go-w ~/.aws/config\n",
		},
		{
			name: "group write for a shared group fails", check: "writable",
			setup: func(s *setup) {
				s.modes[".aws/config"] = 0o664
				s.privateGroup = func(uint32) (string, bool) { return "staff", false }
			},
			want: "fail ~/.aws/config is writable by its group (mode 0664): others can set a credential_process that runs as you\n" +
				"  fix: chmod go-w ~/.aws/config\n",
		},
		{
			name: "cache folders writable by others", check: "writable",
			setup: func(s *setup) {
				s.modes[".aws/sso/cache"] = fs.ModeDir | 0o777
				s.modes[".aws/cli"] = fs.ModeDir | 0o770
				s.modes[".aws/cli/cache"] = fs.ModeDir | 0o700
				s.modes[".aws/login/cache"] = fs.ModeDir | 0o1777
			},
			want: "fail ~/.aws/sso/cache is writable by everyone (mode 0777): others can plant cached credentials or sign-ins in it\n" +
				"  fix: chmod 700 ~/.aws/sso/cache\n" +
				"fail ~/.aws/cli is writable by its group (mode 0770): others can replace the files in it\n" +
				"  fix: chmod 700 ~/.aws/cli\n" +
				"fail ~/.aws/login/cache is writable by everyone (mode 0777): others can plant cached credentials or sign-ins in it\n" +
				"  fix: chmod 700 ~/.aws/login/cache\n",
		},
		{
			name: "files elsewhere: their folders, sticky ones excepted", check: "writable",
			setup: func(s *setup) {
				s.env = map[string]string{"AWS_CONFIG_FILE": "$HOME/tmp/config", "AWS_SHARED_CREDENTIALS_FILE": "$HOME/shared/credentials"}
				s.modes["shared"] = fs.ModeDir | 0o775
				s.modes["shared/credentials"] = 0o600
				s.modes["tmp"] = fs.ModeDir | 0o777 | fs.ModeSticky
			},
			want: "fail ~/shared is writable by its group (mode 0775): others can replace the files in it\n" +
				"  fix: chmod go-w ~/shared\n",
		},
		{
			name: "group-readable config is fine", check: "writable",
			setup: func(s *setup) { s.modes[".aws/config"] = 0o644 },
			want:  "ok   only you can write the config file and the folders of the AWS files and caches\n",
		},
		{
			name: "group-readable config is fine for file-modes", check: "file-modes",
			setup: func(s *setup) { s.modes[".aws/config"] = 0o644 },
			want:  "ok   file modes: the credentials file, the AWS CLI's SSO cache and sesame's folders are private\n",
		},
		{
			name: "vault folder from SESAME_FILE_DIR", check: "file-modes",
			setup: func(s *setup) {
				s.env = map[string]string{"SESAME_FILE_DIR": "/nonexistent-vault-dir"}
				s.modes[".local/share/sesame"] = fs.ModeDir | 0o777 // not the vault folder any more
			},
			want: "ok   file modes: the credentials file, the AWS CLI's SSO cache and sesame's folders are private\n",
		},
		{
			name: "missing source_profile", check: "profiles",
			setup: func(s *setup) {
				s.config += "\n[profile dangling]\nrole_arn = arn:aws:iam::123456789012:role/d\nsource_profile = bsae\n" +
					"\n[profile child]\nrole_arn = arn:aws:iam::123456789012:role/c\nsource_profile = dangling\n"
			},
			want: "fail profile \"dangling\": source_profile profile \"bsae\" does not exist; did you mean \"base\"?\n" +
				"  fix: change source_profile \"bsae\" to \"base\" in ~/.aws/config\n",
		},
		{
			name: "missing source_profile, nothing near", check: "profiles",
			setup: func(s *setup) {
				s.config += "\n[profile dangling]\nrole_arn = arn:aws:iam::123456789012:role/d\nsource_profile = zzzzzz\n"
			},
			want: "fail profile \"dangling\": source_profile profile \"zzzzzz\" does not exist\n" +
				"  fix: add a [profile zzzzzz] section to ~/.aws/config, or change the source_profile that names it\n",
		},
		{
			name: "control characters in names are escaped", check: "profiles",
			setup: func(s *setup) {
				s.config += "\n[profile evil\x1b]0;pwned\x07]\nrole_arn = arn:aws:iam::123456789012:role/d\nsource_profile = gone\x1b[2J\u009b\n"
			},
			want: "fail profile \"evil\\x1b]0;pwned\\a\": source_profile profile \"gone\\x1b[2J\\u009b\" does not exist\n" +
				"  fix: add a [profile gone\\x1b[2J\\u009b] section to ~/.aws/config, or change the source_profile that names it\n",
		},
		{
			name: "source_profile loop", check: "profiles",
			setup: func(s *setup) {
				s.config += "\n[profile a-into-loop]\nrole_arn = arn:aws:iam::123456789012:role/x\nsource_profile = loop-b\n" +
					"\n[profile loop-a]\nrole_arn = arn:aws:iam::123456789012:role/a\nsource_profile = loop-b\n" +
					"\n[profile loop-b]\nrole_arn = arn:aws:iam::123456789012:role/b\nsource_profile = loop-a\n"
			},
			want: "fail source_profile loop: loop-b -> loop-a -> loop-b\n" +
				"  fix: break the loop: change source_profile in one of [profile loop-a], [profile loop-b] in ~/.aws/config\n",
		},
		{
			name: "include_profile loop and missing include", check: "profiles",
			setup: func(s *setup) {
				s.config += "\n[profile i1]\ninclude_profile = i2\n\n[profile i2]\ninclude_profile = i1\n" +
					"\n[profile inc]\ninclude_profile = nowhere-at-all\n"
			},
			want: "fail include_profile loop: i1 -> i2 -> i1\n" +
				"  fix: break the loop: change include_profile in one of [profile i1], [profile i2] in ~/.aws/config\n" +
				"fail profile \"inc\": include_profile profile \"nowhere-at-all\" does not exist\n" +
				"  fix: add a [profile nowhere-at-all] section to ~/.aws/config, or change the include_profile that names it\n",
		},
		{
			name: "missing sso_session", check: "profiles",
			setup: func(s *setup) {
				s.config += "\n[profile sso2]\nsso_session = crop\nsso_account_id = 1\nsso_role_name = r\n"
			},
			want: "fail profile \"sso2\": sso-session \"crop\" does not exist; did you mean \"corp\"?; add an [sso-session crop] section to ~/.aws/config\n" +
				"  fix: change sso_session \"crop\" to \"corp\" in ~/.aws/config\n",
		},
		{
			name: "role without a source", check: "profiles",
			setup: func(s *setup) {
				s.config += "\n[profile lonely]\nrole_arn = arn:aws:iam::123456789012:role/l\n"
			},
			want: "fail profile \"lonely\" has a role_arn but neither source_profile nor credential_source; add the profile whose credentials assume the role\n" +
				"  fix: correct the profile in ~/.aws/config\n",
		},
		{
			name: "sso region does not match the start URL", check: "sso-sessions",
			setup: func(s *setup) {
				s.config = strings.Replace(s.config, "https://corp.awsapps.com/start", "https://ssoins-72230a1b.portal.us-west-2.app.aws", 1)
			},
			want: "fail [sso-session corp]: sso_region \"eu-west-1\" does not match the start URL's region us-west-2\n" +
				"  fix: correct sso_region in [sso-session corp] of ~/.aws/config\n",
		},
		{
			name: "legacy sso profile", check: "sso-sessions",
			setup: func(s *setup) {
				s.config += "\n[profile legacy]\nsso_start_url = http://legacy.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 1\nsso_role_name = r\n" +
					"\n[profile norole]\nsso_session = corp\nsso_account_id = 1\n"
			},
			want: "fail profile \"legacy\": sso_start_url \"http://legacy.awsapps.com/start\" is not an https URL\n" +
				"  fix: correct sso_start_url in profile \"legacy\" of ~/.aws/config\n" +
				"fail profile \"norole\": sso_role_name is missing: an SSO profile needs sso_account_id and sso_role_name\n" +
				"  fix: correct sso_role_name in profile \"norole\" of ~/.aws/config\n",
		},
		{
			name: "no sso", check: "sso-sessions",
			setup: func(s *setup) { s.config = "[profile a]\n" },
			want:  "ok   no IAM Identity Center sign-ins configured\n",
		},
		{
			name: "no backend configured", check: "store",
			setup: func(s *setup) {
				s.storeErr = fmt.Errorf("no keyring to store secrets in: secret service: no Secret Service on the D-Bus session bus: %w; choose a backend with --backend file (an encrypted file) or pass, or set SESAME_BACKEND", store.ErrUnavailable)
			},
			want: "fail store: no backend configured and no platform keyring: no keyring to store secrets in: secret service: no Secret Service on the D-Bus session bus: the store is not available; choose a backend with --backend file (an encrypted file) or pass, or set SESAME_BACKEND\n" +
				"  fix: export SESAME_BACKEND=file   # or run sesame with --backend file (or pass)\n",
		},
		{
			name: "keyring locked", check: "store",
			setup: func(s *setup) {
				s.backend = "secret-service"
				s.storeErr = fmt.Errorf("secret service: the default collection is locked: %w", store.ErrLocked)
			},
			want: "fail store: the secret-service keyring is locked: secret service: the default collection is locked: the store is locked\n" +
				"  fix: unlock your keyring (log in to the desktop session), or choose another backend with --backend or SESAME_BACKEND\n",
		},
		{
			name: "configured backend unavailable", check: "store",
			setup: func(s *setup) {
				s.backend = "pass"
				s.storeErr = fmt.Errorf("pass: gpg not found: %w", store.ErrUnavailable)
			},
			want: "fail store: pass: gpg not found: the store is not available\n" +
				"  fix: run: sesame setup (it can keep secrets in an encrypted file and remembers the choice); for one command: --backend file\n",
		},
		{
			name: "wrong passphrase", check: "store",
			setup: func(s *setup) {
				s.backend = "file"
				s.storeErr = fmt.Errorf("cannot open vault /v: %w", store.ErrWrongPassphrase)
			},
			want: "fail store: cannot open vault /v: wrong passphrase\n" +
				"  fix: check SESAME_FILE_PASSPHRASE or SESAME_FILE_PASSPHRASE_COMMAND, or type it again\n",
		},
		{
			name: "sessions expired and expiring", check: "sessions",
			setup: func(s *setup) {
				fill := s.fill
				s.fill = func(t *testing.T, st *store.Store) {
					fill(t, st)
					ctx := context.Background()
					must(t, st.SetSession(ctx, store.Session{Profile: "base", ID: "gst", AccessKeyID: "ASIAX", Expiration: now.Add(-2*time.Hour - 5*time.Minute)}))
					must(t, st.SetSession(ctx, store.Session{Profile: "dev", ID: "sso", AccessKeyID: "ASIAX", Expiration: now.Add(9 * time.Minute)}))
					// An old one beside a valid one is not reported.
					must(t, st.SetSession(ctx, store.Session{Profile: "admin", ID: "old", AccessKeyID: "ASIAX", Expiration: now.Add(-time.Hour)}))
				}
			},
			want: "warn profile base: the cached session expired 2h5m ago\n" +
				"  fix: sesame clear base\n" +
				"warn profile dev: the cached session expires in 9m\n" +
				"  fix: sesame clear dev   # the next command then starts a new session\n",
		},
		{
			name: "sso sign-in expiring", check: "sso-tokens",
			setup: func(s *setup) {
				s.fill = func(t *testing.T, st *store.Store) {
					must(t, st.SetToken(context.Background(), store.Token{Session: "corp", AccessToken: tokenValue, ExpiresAt: now.Add(14 * time.Minute)}))
				}
				s.files = nil
			},
			want: "warn sso-session corp: the sign-in expires in 14m\n" +
				"  fix: sesame sso login --sso-session corp\n",
		},
		{
			name: "sso sign-in expired, legacy profile not signed in", check: "sso-tokens",
			setup: func(s *setup) {
				s.config += "\n[profile legacy]\nsso_start_url = https://legacy.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 1\nsso_role_name = r\n"
				s.fill = func(t *testing.T, st *store.Store) {
					must(t, st.SetToken(context.Background(), store.Token{Session: "corp", AccessToken: tokenValue, ExpiresAt: now.Add(-26 * time.Hour),
						RefreshToken: "r", RegistrationExpiresAt: now.Add(-time.Hour)}))
				}
				s.files = nil
			},
			want: "warn sso-session corp: the sign-in expired 1d2h ago\n" +
				"  fix: sesame sso login --sso-session corp\n" +
				"warn start URL https://legacy.awsapps.com/start: not signed in\n" +
				"  fix: sesame sso login --profile legacy\n",
		},
		{
			name: "sso sign-in renews itself, or the AWS CLI's is used", check: "sso-tokens",
			setup: func(s *setup) {
				s.config += "\n[sso-session other]\nsso_start_url = https://other.awsapps.com/start\nsso_region = us-east-1\n"
				s.fill = func(t *testing.T, st *store.Store) {
					must(t, st.SetToken(context.Background(), store.Token{Session: "corp", AccessToken: tokenValue, ExpiresAt: now.Add(-time.Minute),
						RefreshToken: "r", RegistrationExpiresAt: now.Add(80 * 24 * time.Hour)}))
				}
				s.files = map[string]string{
					".aws/sso/cache/" + (sso.Session{Name: "other"}).CacheFile(): `{"accessToken":"` + tokenValue + `","expiresAt":"2030-05-06T08:08:09Z"}`,
				}
			},
			want: "ok   sso-session corp: signed in (the token renews itself until 2030-07-25 07:08:09 UTC, 80d left)\n" +
				"ok   sso-session other: signed in through the AWS CLI (1h left)\n",
		},
		{
			name: "expired AWS CLI sign-ins", check: "sso-cache",
			setup: func(s *setup) {
				s.files = map[string]string{
					".aws/sso/cache/" + (sso.Session{Name: "corp"}).CacheFile():    `{"startUrl":"https://corp.awsapps.com/start","accessToken":"` + tokenValue + `","expiresAt":"2030-05-06T06:08:09Z"}`,
					".aws/sso/cache/0000000000000000000000000000000000000000.json": `{"startUrl":"https://gone.awsapps.com/start","accessToken":"` + tokenValue + `","expiresAt":"2030-05-01T07:08:09UTC"}`,
					".aws/sso/cache/1111111111111111111111111111111111111111.json": `{"accessToken":"` + tokenValue + `","expiresAt":"2030-05-01T07:08:09Z","refreshToken":"r","clientSecret":"c","registrationExpiresAt":"2030-08-01T00:00:00Z"}`,
					".aws/sso/cache/2222222222222222222222222222222222222222.json": `{"accessToken":"` + tokenValue + `", "expiresAt":`,
				}
			},
			want: "warn ~/.aws/sso/cache/0000000000000000000000000000000000000000.json: an AWS CLI sign-in that no profile uses expired 5d ago\n" +
				"  fix: rm ~/.aws/sso/cache/0000000000000000000000000000000000000000.json\n" +
				"warn ~/.aws/sso/cache/2222222222222222222222222222222222222222.json is not JSON\n" +
				"  fix: rm ~/.aws/sso/cache/2222222222222222222222222222222222222222.json\n" +
				"warn ~/.aws/sso/cache/" + (sso.Session{Name: "corp"}).CacheFile() + ": the AWS CLI's sign-in to sso-session corp expired 1h ago\n" +
				"  fix: sesame sso login --sso-session corp --share\n",
		},
		{
			name: "clock ahead", check: "clock",
			setup: func(s *setup) { s.sts = dated(now.Add(-7*time.Minute - 3*time.Second)) },
			want: "fail clock: this machine's clock is 7m ahead of STS's (https://sts.amazonaws.com): AWS refuses requests signed more than 5m off\n" +
				"  fix: sudo timedatectl set-ntp true\n",
		},
		{
			name: "clock behind, endpoint from AWS_ENDPOINT_URL", check: "clock",
			setup: func(s *setup) {
				s.env = map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:4566"}
				s.sts = func(r *http.Request) (*http.Response, error) {
					if r.URL.String() != "http://127.0.0.1:4566" || r.Method != http.MethodHead || r.Header.Get("Authorization") != "" {
						return nil, fmt.Errorf("unexpected request %s %s", r.Method, r.URL)
					}
					return dated(now.Add(6 * time.Minute))(r)
				}
			},
			want: "fail clock: this machine's clock is 6m behind STS's (http://127.0.0.1:4566): AWS refuses requests signed more than 5m off\n" +
				"  fix: sudo timedatectl set-ntp true\n",
		},
		{
			name: "clock a little off", check: "clock",
			setup: func(s *setup) {
				s.env = map[string]string{"AWS_ENDPOINT_URL_STS": "https://sts.eu-west-1.amazonaws.com", "AWS_ENDPOINT_URL": "http://ignored"}
				s.sts = dated(now.Add(4*time.Minute + 59*time.Second))
			},
			want: "ok   clock: 4m off STS's (https://sts.eu-west-1.amazonaws.com), within the 5m AWS allows\n",
		},
		{
			name: "offline", check: "clock",
			setup: func(s *setup) {
				s.sts = func(*http.Request) (*http.Response, error) {
					return nil, errors.New("dial tcp: lookup sts.amazonaws.com: no such host")
				}
			},
			want: "warn clock: cannot reach STS at https://sts.amazonaws.com to compare clocks (dial tcp: lookup sts.amazonaws.com: no such host)\n" +
				"  fix: check the network, or point AWS_ENDPOINT_URL_STS at a reachable STS endpoint\n",
		},
		{
			name: "no Date", check: "clock",
			setup: func(s *setup) { s.sts = dated(time.Time{}) },
			want:  "warn clock: STS at https://sts.amazonaws.com answered without a Date header; the clock was not compared\n",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := healthy()
			tt.setup(&s)
			e := newEnv(t, s)
			got := run(t, e, tt.check)
			if got != tt.want {
				t.Errorf("check %s:\n%s\nwant:\n%s", tt.check, got, tt.want)
			}
			noSecrets(t, got)
			// The same setup through Run: the exit status follows the
			// worst line.
			ios, _, out, _ := iostreams.Test()
			err := Run(t.Context(), &Options{IO: ios, Env: func() (*Env, error) { return e, nil }, Checks: onlyCheck(tt.check)})
			if failed := strings.Contains(tt.want, "fail "); failed != (err != nil) || (err != nil && cmdutil.ExitCode(err) != cmdutil.ExitError) {
				t.Errorf("Run: %v, with output:\n%s", err, out)
			}
		})
	}
}

func onlyCheck(name string) []Check {
	for _, c := range Checks() {
		if c.Name == name {
			return []Check{c}
		}
	}
	return nil
}

// TestUnreadable: a file that cannot be read is a failure. Root reads
// anything, so as root (CI) the test runs as the user nobody.
func TestUnreadable(t *testing.T) {
	t.Parallel()
	if !testenv.RunAsNonRoot(t) {
		return
	}
	s := healthy()
	s.credentials = "[x]\n"
	s.modes[".aws/credentials"] = 0o000
	got := run(t, newEnv(t, s), "files")
	want := "ok   ~/.aws/config parses\nfail cannot read ~/.aws/credentials: permission denied\n  fix: chmod u+rw ~/.aws/credentials\n"
	if got != want {
		t.Errorf("got:\n%s\nwant:\n%s", got, want)
	}
}

// TestLockedVault opens a real file vault without its passphrase.
func TestLockedVault(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	locks := filepath.Join(dir, "locks")
	withPass := vault.New(vault.Options{Dir: filepath.Join(dir, "vault"), LookupEnv: func(k string) (string, bool) {
		return passphrase, k == vault.EnvPassphrase
	}})
	must(t, store.New(withPass, locks).SetKeys(t.Context(), store.KeyPair{Profile: "a", AccessKeyID: keyID, SecretAccessKey: secretKey}))

	s := healthy()
	s.backend = "file"
	e := newEnv(t, s)
	e.Store = func(context.Context) (*store.Store, error) {
		return store.New(vault.New(vault.Options{Dir: filepath.Join(dir, "vault")}), locks), nil
	}
	got := run(t, e, "store")
	if !strings.HasPrefix(got, "fail store: the file vault is locked: no passphrase for vault ") ||
		!strings.HasSuffix(got, "\n  fix: export SESAME_FILE_PASSPHRASE_COMMAND='...'   # a command that prints the vault passphrase; or run sesame doctor on a terminal\n") {
		t.Errorf("got:\n%s", got)
	}
	noSecrets(t, got)
	// The checks that need the store say nothing more.
	for _, c := range []string{"sessions", "sso-tokens"} {
		if got := run(t, e, c); got != "" {
			t.Errorf("%s: %q, want nothing", c, got)
		}
	}

	// With the passphrase it opens, and the path is shown.
	e = newEnv(t, s)
	e.Store = func(context.Context) (*store.Store, error) { return store.New(withPass, locks), nil }
	if got := run(t, e, "store"); got != "ok   store: the file backend ("+dir+"/vault/vault) is available and unlocked (2 items)\n" {
		t.Errorf("got %q", got)
	}
}

// TestBrokenConfigSilencesDependents: with a config that does not parse,
// only the files check speaks about it.
func TestBrokenConfigSilencesDependents(t *testing.T) {
	t.Parallel()
	s := healthy()
	s.config = "garbage\n"
	e := newEnv(t, s)
	for _, c := range []string{"profiles", "sso-sessions", "sessions", "sso-tokens"} {
		if got := run(t, e, c); got != "" {
			t.Errorf("%s: %q, want nothing", c, got)
		}
	}
}

// TestClockHTTP runs the clock check through the default HTTP client
// against a loopback server: unsigned HEAD, no redirect followed.
func TestClockHTTP(t *testing.T) {
	t.Parallel()
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Method+" "+r.URL.Path+" auth="+r.Header.Get("Authorization"))
		w.Header().Set("Date", time.Now().Add(10*time.Minute).UTC().Format(http.TimeFormat))
		http.Redirect(w, r, "/elsewhere", http.StatusFound)
	}))
	defer srv.Close()
	s := healthy()
	s.env = map[string]string{"AWS_ENDPOINT_URL_STS": srv.URL}
	e := newEnv(t, s)
	e.HTTPClient, e.Now = nil, time.Now
	out := run(t, e, "clock")
	if !strings.HasPrefix(out, "fail clock: this machine's clock is 9m") && !strings.HasPrefix(out, "fail clock: this machine's clock is 10m") {
		t.Errorf("output:\n%s", out)
	}
	if len(got) != 1 || got[0] != "HEAD / auth=" {
		t.Errorf("requests %q, want one unsigned HEAD /", got)
	}
	srv.Close()
	out = run(t, e, "clock")
	if !strings.HasPrefix(out, "warn clock: cannot reach STS at "+srv.URL+" to compare clocks (") {
		t.Errorf("output:\n%s", out)
	}

	s.env["AWS_CA_BUNDLE"] = filepath.Join(t.TempDir(), "none.pem")
	e = newEnv(t, s)
	e.HTTPClient = nil
	if out := run(t, e, "clock"); !strings.HasPrefix(out, "warn clock: cannot compare with STS at "+srv.URL+": AWS_CA_BUNDLE: no such file or directory") {
		t.Errorf("output:\n%s", out)
	}
}

func TestRunReportsProblems(t *testing.T) {
	t.Parallel()
	s := healthy()
	s.credentials = "[legacy]\naws_access_key_id = " + keyID + "\naws_secret_access_key = " + secretKey + "\n"
	s.modes[".aws/credentials"] = 0o644
	s.sts = func(*http.Request) (*http.Response, error) { return nil, errors.New("offline") }
	e := newEnv(t, s)
	ios, _, out, errOut := iostreams.Test()
	err := Run(t.Context(), &Options{IO: ios, Env: func() (*Env, error) { return e, nil }})
	if err == nil || err.Error() != "doctor found 2 problems: see the fix: lines above" || cmdutil.ExitCode(err) != 1 {
		t.Errorf("error = %v", err)
	}
	for _, want := range []string{"\n  fix: sesame migrate\n", "\n  fix: chmod 600 ~/.aws/credentials\n", "\nwarn clock: cannot reach STS"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	noSecrets(t, out.String()+errOut.String()+err.Error())
}

func TestShow(t *testing.T) {
	t.Parallel()
	e := &Env{Home: "/home/al"}
	for in, want := range map[string]string{
		"/home/al/.aws/config":     "~/.aws/config",
		"/home/al/my dir/it's":     `~/'my dir/it'\''s'`,
		"/home/alice/.aws/config":  "/home/alice/.aws/config",
		"/home/al":                 "/home/al",
		"/etc/aws config":          "'/etc/aws config'",
		"/home/al/../etc/passwd":   "/home/al/../etc/passwd",
		"/home/al/.aws/sso/x.json": "~/.aws/sso/x.json",
	} {
		if got := e.show(in); got != want {
			t.Errorf("show(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFlags(t *testing.T) {
	t.Parallel()
	ios, _, _, _ := iostreams.Test()
	home := t.TempDir()
	f := &cmdutil.Factory{IOStreams: ios, HomeDir: func() (string, error) { return home, nil }, Now: time.Now,
		LookupEnv: func(k string) (string, bool) {
			return map[string]string{"SESAME_BACKEND": "file"}[k], k == "SESAME_BACKEND"
		}}
	var got *Options
	cmd := NewCmdDoctor(f, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs(nil)
	must(t, cmd.Execute())
	e, err := got.Env()
	must(t, err)
	if e.Home != home || e.Backend != "file" || e.Paths.Config != filepath.Join(home, ".aws", "config") || e.VaultDir != filepath.Join(home, ".local", "share", "sesame") || e.Store == nil {
		t.Errorf("env = %+v", e)
	}
	cmd = NewCmdDoctor(f, func(context.Context, *Options) error { return nil })
	cmd.SetArgs([]string{"extra"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.Execute(); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("an argument: %v, want a usage error", err)
	}
}

// TestLineString pins the output format.
func TestLineString(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	for _, l := range []Line{ok("a"), warn("", "b"), warn("do x", "c"), fail("do y", "d")} {
		b.WriteString(l.String() + "\n")
	}
	want := "ok   a\nwarn b\nwarn c\n  fix: do x\nfail d\n  fix: do y\n"
	if b.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", &b, want)
	}
}
