package use

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"github.com/sesamehq/sesame/internal/testenv"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/credcheck"
	"github.com/sesamehq/sesame/internal/creds"
	"github.com/sesamehq/sesame/internal/genprofile"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/sso"
)

var update = flag.Bool("update", false, "rewrite the golden files")

const config = `# my profiles
[profile dev]
region = eu-west-1
output = json
mfa_serial = arn:aws:iam::123456789012:mfa/alice
s3 =
  addressing_style = path

[profile role]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = dev

[profile filekeys]
aws_access_key_id = AKIAEXAMPLEFILEKEYS1
aws_secret_access_key = secret

[profile filerole]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = filekeys

[profile selfrole]
role_arn = arn:aws:iam::123456789012:role/self
source_profile = selfrole

[profile envrole]
role_arn = arn:aws:iam::123456789012:role/env
credential_source = Environment

[profile corp]
sso_session = corp
sso_account_id = 123456789012
sso_role_name = Admin

[sso-session corp]
sso_start_url = https://example.awsapps.com/start
sso_region = eu-west-1

[profile proc]
credential_process = /bin/true

[profile web]
role_arn = arn:aws:iam::123456789012:role/web
web_identity_token_file = /tmp/token

[profile sesame-taken]
region = us-east-1

[profile taken]

[profile broken]
role_arn = arn:aws:iam::123456789012:role/x
source_profile = nowhere
`

// sandbox writes config (and credentials, when not "") into a new folder
// and returns the paths.
func sandbox(t *testing.T, config, credentials string) awsconfig.Paths {
	t.Helper()
	dir := t.TempDir()
	paths := awsconfig.Paths{Config: filepath.Join(dir, ".aws", "config"), Credentials: filepath.Join(dir, ".aws", "credentials")}
	if err := os.MkdirAll(filepath.Dir(paths.Config), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(paths.Config, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	if credentials != "" {
		if err := os.WriteFile(paths.Credentials, []byte(credentials), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return paths
}

func load(t *testing.T, paths awsconfig.Paths) *awsconfig.Config {
	t.Helper()
	cfg, err := awsconfig.Load(paths)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

func TestPlan(t *testing.T) {
	t.Parallel()
	cfg := load(t, sandbox(t, config, "[credfile]\naws_access_key_id = A\naws_secret_access_key = B\n[sesame-credtaken]\naws_access_key_id = A\n"))
	tests := []struct {
		profile   string
		generated bool
		why       string
		err       string
	}{
		{profile: "dev", generated: true, why: "its keys are in sesame's store"},
		{profile: "role", generated: true, why: "starts from profile dev, whose keys are in sesame's store"},
		{profile: "selfrole", generated: true, why: "its keys are in sesame's store"},
		{profile: "filekeys"},
		{profile: "filerole"},
		{profile: "credfile"},
		{profile: "envrole"},
		{profile: "corp"},
		{profile: "proc"},
		{profile: "web"},
		{profile: "taken", err: "already has one that sesame use did not write"},
		{profile: "broken", err: "profile broken cannot be used"},
	}
	for _, tt := range tests {
		t.Run(tt.profile, func(t *testing.T) {
			t.Parallel()
			p, err := plan(cfg, tt.profile, "sesame export --format json -- "+tt.profile)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				if cmdutil.Hint(err) == "" {
					t.Errorf("error without a hint: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if p.Generated != tt.generated || !strings.Contains(p.Why, tt.why) {
				t.Errorf("generated %v why %q; want %v %q", p.Generated, p.Why, tt.generated, tt.why)
			}
			want := tt.profile
			if tt.generated {
				want = "sesame-" + tt.profile
			}
			if p.AWSProfile != want {
				t.Errorf("AWS_PROFILE %q, want %q", p.AWSProfile, want)
			}
		})
	}
}

func TestPlanCredentialsSection(t *testing.T) {
	t.Parallel()
	cfg := load(t, sandbox(t, "[profile credtaken]\n", "[sesame-credtaken]\nregion = x\n"))
	_, err := plan(cfg, "credtaken", "sesame export --format json -- credtaken")
	if err == nil || !strings.Contains(err.Error(), "has a [sesame-credtaken] section") {
		t.Fatalf("err = %v", err)
	}
}

func TestPlanKeys(t *testing.T) {
	t.Parallel()
	cfg := load(t, sandbox(t, config, ""))
	p, err := plan(cfg, "dev", "sesame export --format json -- dev")
	if err != nil {
		t.Fatal(err)
	}
	// Settings that are not about credentials are copied; mfa_serial and
	// the nested s3 section are not.
	want := []KV{{"sesame_generated", "use"}, {"credential_process", "sesame export --format json -- dev"}, {"region", "eu-west-1"}, {"output", "json"}}
	if len(p.Keys) != len(want) {
		t.Fatalf("keys %v, want %v", p.Keys, want)
	}
	for i := range want {
		if p.Keys[i] != want[i] {
			t.Errorf("key %d = %v, want %v", i, p.Keys[i], want[i])
		}
	}
}

func TestWriteGenerated(t *testing.T) {
	t.Parallel()
	paths := sandbox(t, config, "")
	keys := []KV{{"sesame_generated", "use"}, {"credential_process", "sesame export --format json -- dev"}, {"region", "eu-west-1"}}
	changed, err := writeGenerated(paths.Config, "sesame-dev", "dev", keys)
	if err != nil || !changed {
		t.Fatalf("first write: changed %v err %v", changed, err)
	}
	first, _ := os.ReadFile(paths.Config)
	if !strings.HasPrefix(string(first), config) {
		t.Errorf("the user's part of the file changed:\n%s", first)
	}
	wantSection := "\n[profile sesame-dev]\n# written by sesame use dev; sesame rewrites it, so edit profile dev instead\nsesame_generated = use\ncredential_process = sesame export --format json -- dev\nregion = eu-west-1\n"
	if got := strings.TrimPrefix(string(first), config); got != wantSection {
		t.Errorf("section:\n%s\nwant:\n%s", got, wantSection)
	}
	fi, _ := os.Stat(paths.Config)
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", fi.Mode().Perm())
	}

	// The same again writes nothing.
	changed, err = writeGenerated(paths.Config, "sesame-dev", "dev", keys)
	if err != nil || changed {
		t.Fatalf("second write: changed %v err %v", changed, err)
	}
	if again, _ := os.ReadFile(paths.Config); !bytes.Equal(again, first) {
		t.Errorf("an unchanged profile was rewritten")
	}

	// A changed region, and output gone: rewritten in place, comment kept.
	keys2 := []KV{{"sesame_generated", "use"}, {"credential_process", "sesame export --format json -- dev"}, {"output", "text"}}
	changed, err = writeGenerated(paths.Config, "sesame-dev", "dev", keys2)
	if err != nil || !changed {
		t.Fatalf("third write: changed %v err %v", changed, err)
	}
	third, _ := os.ReadFile(paths.Config)
	wantSection = strings.Replace(wantSection, "region = eu-west-1\n", "output = text\n", 1)
	if got := strings.TrimPrefix(string(third), config); got != wantSection {
		t.Errorf("rewritten section:\n%s\nwant:\n%s", got, wantSection)
	}

	// A profile without the marker is never touched.
	before, _ := os.ReadFile(paths.Config)
	_, err = writeGenerated(paths.Config, "sesame-taken", "taken", keys)
	if err == nil || !strings.Contains(err.Error(), "did not write") {
		t.Fatalf("err = %v", err)
	}
	if after, _ := os.ReadFile(paths.Config); !bytes.Equal(after, before) {
		t.Errorf("a user's profile was changed")
	}
}

func TestWriteGeneratedQuotedName(t *testing.T) {
	t.Parallel()
	paths := sandbox(t, "[profile \"my dev\"]\n", "")
	cfg := load(t, paths)
	p, err := plan(cfg, "my dev", genprofile.ProcessLine("sesame", "", "my dev"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := writeGenerated(paths.Config, p.AWSProfile, "my dev", p.Keys); err != nil {
		t.Fatal(err)
	}
	cfg = load(t, paths)
	gen, ok := cfg.Profile("sesame-my dev")
	if !ok {
		t.Fatalf("no profile \"sesame-my dev\" in:\n%s", readFile(t, paths.Config))
	}
	if v, _ := gen.Get("credential_process"); v != "sesame export --format json -- 'my dev'" {
		t.Errorf("credential_process = %q", v)
	}
	if gen.Source() != awsconfig.SourceProcess {
		t.Errorf("source %v", gen.Source())
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// fakeGetter returns res and records the requests.
type fakeGetter struct {
	res  creds.Result
	err  error
	reqs []creds.Request
}

func (g *fakeGetter) get(_ context.Context, req creds.Request) (creds.Result, error) {
	g.reqs = append(g.reqs, req)
	return g.res, g.err
}

var session = creds.Result{
	Credentials: aws.Credentials{
		AccessKeyID:     "ASIAEXAMPLESESSION01",
		SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSESSIONKEY",
		SessionToken:    "FwoGZXIvYXdzEJr//////////wEaDExampleSessionToken+abc/def==",
		CanExpire:       true,
		Expires:         time.Date(2026, 11, 21, 11, 0, 0, 0, time.UTC),
	},
	Region: "eu-west-1",
}

// newOpts returns options over the fixture config and a fake getter, for
// shell; env is the environment.
func newOpts(t *testing.T, shell string, env map[string]string, g *fakeGetter) (*Options, *bytes.Buffer, *bytes.Buffer, awsconfig.Paths) {
	t.Helper()
	paths := sandbox(t, config, "")
	ios, _, out, errOut := iostreams.Test()
	return &Options{
		IO:     ios,
		Config: func() (*awsconfig.Config, error) { return awsconfig.Load(paths) },
		SelectProfile: func(_ context.Context, arg string) (string, error) {
			cfg, _ := awsconfig.Load(paths)
			if _, ok := cfg.Profile(arg); !ok {
				return "", errors.New("no such profile")
			}
			return arg, nil
		},
		Creds:   credcheck.Checked(g.get),
		Getenv:  func(k string) string { return env[k] },
		HomeDir: func() (string, error) { return filepath.Dir(filepath.Dir(paths.Config)), nil },
		Now:     func() time.Time { return time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC) },
		Command: func() string { return "sesame" },
		Shell:   shell,
	}, out, errOut, paths
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	testenv.Golden(t, name, got, *update)
}

// TestShellCodeGolden pins the code printed for each shell and mode;
// PowerShell, which the tests cannot run, is checked this way only.
func TestShellCodeGolden(t *testing.T) {
	t.Parallel()
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		for _, mode := range []struct {
			name string
			set  func(*Options)
			env  map[string]string
		}{
			{name: "profile", set: func(o *Options) { o.Profile = "dev" }},
			{name: "direct", set: func(o *Options) { o.Profile = "filekeys" }, env: map[string]string{MarkerEnv: "dev"}},
			{name: "keys", set: func(o *Options) { o.Profile = "role"; o.Keys = true }},
			{name: "unset", set: func(o *Options) { o.Unset = true }, env: map[string]string{MarkerEnv: "dev"}},
		} {
			t.Run(shell+"/"+mode.name, func(t *testing.T) {
				t.Parallel()
				opts, out, errOut, _ := newOpts(t, shell, mode.env, &fakeGetter{res: session})
				mode.set(opts)
				if err := Run(context.Background(), opts); err != nil {
					t.Fatalf("%v (stderr %s)", err, errOut)
				}
				golden(t, shell+"-"+mode.name+".golden", out.String())
				for _, line := range strings.Split(strings.TrimSpace(errOut.String()), "\n") {
					if !strings.HasPrefix(line, "sesame: ") {
						t.Errorf("stderr line without the prefix: %q", line)
					}
				}
			})
		}
	}
}

func TestRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		shell      string
		env        map[string]string
		set        func(*Options)
		wantErr    string
		wantCode   int
		wantHint   string
		wantOut    []string
		notOut     []string
		wantStderr []string
	}{
		{name: "without shell-init", env: map[string]string{"SHELL": "/usr/bin/zsh"}, set: func(o *Options) { o.Profile = "dev" },
			wantErr: "needs the shell function of sesame shell-init", wantCode: 1, wantHint: `add this line to ~/.zshrc, then open a new shell: eval "$(sesame shell-init zsh)"`},
		{name: "without shell-init, fish", env: map[string]string{"SHELL": "/usr/local/bin/fish"}, set: func(o *Options) { o.Profile = "dev" },
			wantErr: "shell-init", wantCode: 1, wantHint: "~/.config/fish/config.fish, then open a new shell: sesame shell-init fish | source"},
		{name: "without shell-init, unknown shell", env: map[string]string{"SHELL": "/bin/tcsh"}, set: func(o *Options) { o.Unset = true },
			wantErr: "shell-init", wantCode: 1, wantHint: "see sesame shell-init --help"},
		{name: "unknown shell", shell: "tcsh", set: func(o *Options) { o.Profile = "dev" }, wantErr: `unknown shell "tcsh"`, wantCode: 2},
		{name: "unset with a profile", shell: "bash", set: func(o *Options) { o.Unset = true; o.Profile = "dev" }, wantErr: "--unset takes no profile", wantCode: 2},
		{name: "duration without keys", shell: "bash", set: func(o *Options) { o.Profile = "dev"; o.Request.Duration = time.Hour }, wantErr: "with --keys", wantCode: 2},
		{name: "no profile, no picker", shell: "bash", wantErr: "needs a profile", wantCode: 2, wantHint: "sesame use PROFILE"},
		{name: "picker", shell: "bash", set: func(o *Options) {
			o.Pick = func(context.Context) (string, error) { return "filekeys", nil }
		}, wantOut: []string{"export AWS_PROFILE='filekeys'\n"}},
		{name: "picker cancelled", shell: "bash", set: func(o *Options) {
			o.Pick = func(context.Context) (string, error) { return "", cmdutil.ErrCanceled }
		}, wantErr: "canceled", wantCode: 130},
		{name: "profile that does not exist", shell: "bash", set: func(o *Options) { o.Profile = "nope" }, wantErr: "no such profile", wantCode: 1},
		{name: "generated profile", shell: "bash", set: func(o *Options) { o.Profile = "role" },
			wantOut:    []string{"export AWS_PROFILE='sesame-role'\n", "export SESAME_USE_PROFILE='role'\n", "unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_CREDENTIAL_EXPIRATION AWS_DEFAULT_PROFILE\n"},
			notOut:     []string{"AWS_REGION"},
			wantStderr: []string{"sesame: wrote [profile sesame-role] to ", "credential_process = sesame export --format json -- role", "starts from profile dev", "sesame: AWS_PROFILE=sesame-role (profile role)\n"}},
		{name: "no region, earlier switch: its region goes", shell: "bash", env: map[string]string{MarkerEnv: "dev"}, set: func(o *Options) { o.Profile = "role" },
			wantOut: []string{"unset AWS_REGION AWS_DEFAULT_REGION AWS_ACCESS_KEY_ID"}},
		{name: "--region", shell: "bash", set: func(o *Options) { o.Profile = "role"; o.Request.Region = "ap-south-1" },
			wantOut: []string{"export AWS_REGION='ap-south-1'\nexport AWS_DEFAULT_REGION='ap-south-1'\n"}, wantStderr: []string{"AWS_REGION=ap-south-1"}},
		{name: "backend flag goes into credential_process", shell: "bash", set: func(o *Options) {
			o.Profile = "dev"
			o.Backend = func() string { return "file" }
		}, wantStderr: []string{"credential_process = sesame --backend file export --format json -- dev"}},
		{name: "sso without a sign-in for the AWS CLI", shell: "bash", set: func(o *Options) { o.Profile = "corp" },
			wantOut:    []string{"export AWS_PROFILE='corp'\n"},
			wantStderr: []string{"the AWS CLI signs in to sso-session corp on its own and has no valid sign-in: run sesame sso login --sso-session corp --share (or aws sso login --profile corp)"}},
		{name: "keys to a terminal", shell: "bash", set: func(o *Options) {
			o.Profile = "dev"
			o.Keys = true
			o.IO.SetTTY(false, true, true)
		}, wantErr: "refusing to print secret credentials to a terminal", wantCode: 1},
		{name: "keys", shell: "bash", set: func(o *Options) { o.Profile = "dev"; o.Keys = true },
			wantOut:    []string{"export AWS_ACCESS_KEY_ID='ASIAEXAMPLESESSION01'\n", "export AWS_CREDENTIAL_EXPIRATION='2026-11-21T11:00:00Z'\n", "unset AWS_SECURITY_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE\n"},
			wantStderr: []string{"temporary credentials of profile dev in the environment (valid until 2026-11-21 11:00:00 UTC, 1h left"}},
		{name: "unset without an earlier switch keeps the region", shell: "fish", set: func(o *Options) { o.Unset = true },
			wantOut: []string{"set -e AWS_PROFILE;\n", "set -e SESAME_USE_PROFILE;\n"}, notOut: []string{"AWS_REGION"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts, out, errOut, _ := newOpts(t, tt.shell, tt.env, &fakeGetter{res: session})
			if tt.set != nil {
				tt.set(opts)
			}
			err := Run(context.Background(), opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				if code := cmdutil.ExitCode(err); code != tt.wantCode {
					t.Errorf("exit code %d, want %d", code, tt.wantCode)
				}
				if !strings.Contains(cmdutil.Hint(err), tt.wantHint) {
					t.Errorf("hint %q, want %q", cmdutil.Hint(err), tt.wantHint)
				}
				if out.Len() > 0 {
					t.Errorf("a failure printed shell code: %q", out)
				}
				return
			}
			if err != nil {
				t.Fatalf("%v (stderr %s)", err, errOut)
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, out)
				}
			}
			for _, w := range tt.notOut {
				if strings.Contains(out.String(), w) {
					t.Errorf("stdout has %q:\n%s", w, out)
				}
			}
			for _, w := range tt.wantStderr {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut)
				}
			}
		})
	}
}

func TestKeysRequest(t *testing.T) {
	t.Parallel()
	g := &fakeGetter{res: session}
	opts, _, _, _ := newOpts(t, "bash", nil, g)
	opts.Profile, opts.Keys = "dev", true
	opts.Request = creds.Request{Duration: 2 * time.Hour, MFAToken: "123456", Region: "us-west-2"}
	if err := Run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if len(g.reqs) != 1 || g.reqs[0].Profile != "dev" || g.reqs[0].Duration != 2*time.Hour || g.reqs[0].MFAToken != "123456" {
		t.Errorf("requests %+v", g.reqs)
	}
}

func TestSSONoteWithSharedSignIn(t *testing.T) {
	t.Parallel()
	opts, _, errOut, paths := newOpts(t, "bash", nil, &fakeGetter{})
	cfg := load(t, paths)
	home, _ := opts.HomeDir()
	s, err := sso.SessionNamed(cfg, "corp")
	if err != nil {
		t.Fatal(err)
	}
	if err := sso.WriteCLICache(home, s, sso.CLIToken{StartURL: s.StartURL, Region: s.Region, AccessToken: "tok", ExpiresAt: opts.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	opts.Profile = "corp"
	if err := Run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(errOut.String(), "no valid sign-in") {
		t.Errorf("warned although the AWS CLI has a sign-in:\n%s", errOut)
	}
}
