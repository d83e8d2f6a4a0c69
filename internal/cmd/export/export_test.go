package export

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/credcheck"
	"github.com/sesamehq/sesame/internal/credfmt"
	"github.com/sesamehq/sesame/internal/creds"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/testenv"
)

var update = flag.Bool("update", false, "rewrite the golden files")

var expires = time.Date(2026, 11, 21, 11, 0, 0, 0, time.UTC)

// Fixture credentials: a session that expires, with a region, and
// long-term keys without either.
var (
	session = creds.Result{
		Credentials: aws.Credentials{
			AccessKeyID:     "ASIAEXAMPLESESSION01",
			SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSESSIONKEY",
			SessionToken:    "FwoGZXIvYXdzEJr//////////wEaDExampleSessionToken+abc/def==",
			CanExpire:       true,
			Expires:         expires.Add(123 * time.Millisecond),
		},
		Region: "eu-west-1",
	}
	longTerm = creds.Result{
		Credentials: aws.Credentials{
			AccessKeyID:     "AKIAEXAMPLELONGTERM1",
			SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYLONGTERMKEY",
		},
	}
)

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

func golden(t *testing.T, name, got string) {
	t.Helper()
	testenv.Golden(t, name, got, *update)
}

// newOpts returns options over a fake getter and a sandboxed home whose
// config names the profiles dev and role.
func newOpts(t *testing.T, g *fakeGetter) (*Options, *bytes.Buffer, *bytes.Buffer, awsconfig.Paths) {
	t.Helper()
	dir := t.TempDir()
	paths := awsconfig.Paths{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
	if err := os.WriteFile(paths.Config, []byte("[profile dev]\nregion = eu-west-1\n[profile role]\nrole_arn = arn:aws:iam::123456789012:role/r\nsource_profile = dev\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ios, _, out, errOut := iostreams.Test()
	return &Options{
		IO:    ios,
		Creds: credcheck.Checked(g.get),
		SelectProfile: func(_ context.Context, arg string) (string, error) {
			if arg == "" {
				return "dev", nil
			}
			return arg, nil
		},
		ConfigPaths: func() (awsconfig.Paths, error) { return paths, nil },
		Config:      func() (*awsconfig.Config, error) { return awsconfig.Load(paths) },
		Format:      credfmt.FormatEnv,
		Now:         func() time.Time { return time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC) },
	}, out, errOut, paths
}

func TestFormatsGolden(t *testing.T) {
	t.Parallel()
	for _, format := range credfmt.Formats {
		for _, c := range []struct {
			name string
			res  creds.Result
		}{{"session", session}, {"longterm", longTerm}} {
			t.Run(format+"/"+c.name, func(t *testing.T) {
				t.Parallel()
				g := &fakeGetter{res: c.res}
				opts, out, errOut, _ := newOpts(t, g)
				opts.Format = format
				if err := Run(context.Background(), opts); err != nil {
					t.Fatal(err)
				}
				golden(t, c.name+"."+format+".golden", out.String())
				if errOut.Len() != 0 {
					t.Errorf("stderr = %q, want nothing", errOut)
				}
				if len(g.reqs) != 1 || g.reqs[0].Profile != "dev" {
					t.Errorf("requests = %+v", g.reqs)
				}
			})
		}
	}
}

func TestINIAs(t *testing.T) {
	t.Parallel()
	opts, out, _, _ := newOpts(t, &fakeGetter{res: session})
	opts.Format, opts.As = credfmt.FormatINI, "legacy tool"
	if err := Run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "[legacy tool]\naws_access_key_id = ASIAEXAMPLESESSION01\n") {
		t.Errorf("output = %q", out)
	}
	// What is printed reads back as that profile.
	f, err := awsconfig.Parse("credentials", out.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := awsconfig.Build(awsconfig.Paths{}, nil, f)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := cfg.Profile("legacy tool")
	if v, _ := p.Get("aws_session_token"); !ok || v != session.SessionToken {
		t.Errorf("profile read back: %v %q", ok, v)
	}
}

func TestRefusesTerminal(t *testing.T) {
	t.Parallel()
	for _, format := range credfmt.Formats {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			g := &fakeGetter{res: session}
			opts, out, _, _ := newOpts(t, g)
			opts.IO.SetTTY(true, true, true)
			opts.Format, opts.Profile = format, "dev"
			err := Run(context.Background(), opts)
			if err == nil || !strings.Contains(err.Error(), "refusing to print secret credentials to a terminal") {
				t.Fatalf("error = %v", err)
			}
			if h := cmdutil.Hint(err); !strings.Contains(h, "sesame exec dev -- CMD") || !strings.Contains(h, "--force") {
				t.Errorf("hint = %q", h)
			}
			if out.Len() != 0 || len(g.reqs) != 0 {
				t.Errorf("printed %q / asked for credentials %d times before refusing", out, len(g.reqs))
			}
			// --force prints.
			opts.Force = true
			if err := Run(context.Background(), opts); err != nil || !strings.Contains(out.String(), session.AccessKeyID) {
				t.Errorf("--force: %v, %q", err, out)
			}
		})
	}
}

func TestUsageErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		format string
		write  bool
		as     string
		want   string
	}{
		{name: "unknown format", format: "yaml", want: `unknown format "yaml": choose one of env, sh, fish, powershell, json, ini`},
		{name: "write needs ini", format: "json", write: true, want: "use it with --format ini"},
		{name: "as needs ini", format: "env", as: "x", want: "--as names the section of --format ini"},
		{name: "as DEFAULT", format: "ini", as: "DEFAULT", want: "[DEFAULT] is not a profile"},
		{name: "as with brackets", format: "ini", as: "a]b", want: "cannot be written"},
		{name: "as with spaces around", format: "ini", as: " a", want: "cannot be written"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			g := &fakeGetter{res: session}
			opts, out, _, _ := newOpts(t, g)
			opts.Format, opts.Write, opts.As = tt.format, tt.write, tt.as
			err := Run(context.Background(), opts)
			if cmdutil.ExitCode(err) != cmdutil.ExitUsage || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v (exit %d), want a usage error containing %q", err, cmdutil.ExitCode(err), tt.want)
			}
			if out.Len() != 0 || len(g.reqs) != 0 {
				t.Error("did something before refusing")
			}
		})
	}
}

func TestFlags(t *testing.T) {
	t.Parallel()
	ios, _, _, _ := iostreams.Test()
	getter := (&fakeGetter{}).get
	f := &cmdutil.Factory{IOStreams: ios}
	var got *Options
	cmd := NewCmdExport(f, getter, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"prod", "--format", "ini", "--write", "--as", "legacy", "--force", "--duration", "8h",
		"--no-session", "--region", "eu-north-1", "--mfa-token", "123456"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	want := creds.Request{Duration: 8 * time.Hour, NoSession: true, Region: "eu-north-1", MFAToken: "123456"}
	if got.Profile != "prod" || got.Format != "ini" || !got.Write || got.As != "legacy" || !got.Force || got.Request != want || got.Creds == nil {
		t.Errorf("options = %+v", got)
	}
	cmd = NewCmdExport(f, nil, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Profile != "" || got.Format != credfmt.FormatEnv || got.Write || got.Force || got.Request != (creds.Request{}) {
		t.Errorf("defaults = %+v", got)
	}
	cmd = NewCmdExport(f, nil, func(context.Context, *Options) error { return nil })
	cmd.SetArgs([]string{"a", "b"})
	cmd.SilenceErrors, cmd.SilenceUsage = true, true
	if err := cmd.Execute(); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("two profiles gave %v, want a usage error", err)
	}
}

func TestRequestAndRegion(t *testing.T) {
	t.Parallel()
	g := &fakeGetter{res: session}
	opts, out, _, _ := newOpts(t, g)
	opts.Profile = "role"
	opts.Request = creds.Request{Duration: time.Hour, Region: "ap-south-1", MFAToken: "123456", Profile: "ignored"}
	if err := Run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	want := creds.Request{Profile: "role", Duration: time.Hour, Region: "ap-south-1", MFAToken: "123456"}
	if len(g.reqs) != 1 || g.reqs[0] != want {
		t.Errorf("requests = %+v, want %+v", g.reqs, want)
	}
	if !strings.Contains(out.String(), "AWS_REGION=ap-south-1\nAWS_DEFAULT_REGION=ap-south-1\n") {
		t.Errorf("--region is not the region printed:\n%s", out)
	}
}

const existingCredentials = `# my credentials, hand-written
[other]
aws_access_key_id = AKIAOTHER
aws_secret_access_key = other-secret ; not a comment for botocore

[dev]
# the old session
aws_access_key_id = ASIAOLD
aws_secret_access_key = old-secret
aws_session_token = old-token
aws_security_token = old-token
x_security_token_expires = 2020-01-01T00:00:00Z
region = eu-west-3

# trailing comment
`

func TestWrite(t *testing.T) {
	t.Parallel()
	t.Run("new file", func(t *testing.T) {
		t.Parallel()
		opts, out, errOut, paths := newOpts(t, &fakeGetter{res: session})
		opts.Format, opts.Write = credfmt.FormatINI, true
		opts.IO.SetTTY(true, true, true) // nothing secret is printed, so a terminal is fine
		if err := Run(context.Background(), opts); err != nil {
			t.Fatal(err)
		}
		if out.Len() != 0 {
			t.Errorf("stdout = %q, want nothing", out)
		}
		wantMsg := "sesame: wrote the credentials of profile dev to [dev] in " + paths.Credentials + " (valid until 2026-11-21 11:00:00 UTC, 1h left)\n"
		if errOut.String() != wantMsg {
			t.Errorf("stderr = %q, want %q", errOut, wantMsg)
		}
		golden(t, "write.new.golden", readFile(t, paths.Credentials))
		wantMode(t, paths.Credentials, 0o600)
	})
	t.Run("existing file keeps the rest", func(t *testing.T) {
		t.Parallel()
		opts, _, errOut, paths := newOpts(t, &fakeGetter{res: longTerm})
		if err := os.WriteFile(paths.Credentials, []byte(existingCredentials), 0o644); err != nil {
			t.Fatal(err)
		}
		opts.Format, opts.Write = credfmt.FormatINI, true
		if err := Run(context.Background(), opts); err != nil {
			t.Fatal(err)
		}
		got := readFile(t, paths.Credentials)
		golden(t, "write.existing.golden", got)
		for _, gone := range []string{"old-token", "ASIAOLD", "2020-01-01"} {
			if strings.Contains(got, gone) {
				t.Errorf("%s is still in the file", gone)
			}
		}
		wantMode(t, paths.Credentials, 0o600)
		if !strings.Contains(errOut.String(), "was readable by others (mode 0644): its mode is now 0600") ||
			!strings.Contains(errOut.String(), "(long-term keys, no expiry)") {
			t.Errorf("stderr = %q", errOut)
		}
	})
	t.Run("as another name, mode kept when private", func(t *testing.T) {
		t.Parallel()
		opts, _, errOut, paths := newOpts(t, &fakeGetter{res: session})
		if err := os.WriteFile(paths.Credentials, []byte(existingCredentials), 0o400); err != nil {
			t.Fatal(err)
		}
		opts.Format, opts.Write, opts.As = credfmt.FormatINI, true, "legacy"
		if err := Run(context.Background(), opts); err != nil {
			t.Fatal(err)
		}
		got := readFile(t, paths.Credentials)
		if !strings.HasPrefix(got, existingCredentials) || !strings.HasSuffix(got, "\n[legacy]\naws_access_key_id = ASIAEXAMPLESESSION01\n"+
			"aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYSESSIONKEY\naws_session_token = "+session.SessionToken+"\n"+
			"x_security_token_expires = 2026-11-21T11:00:00Z\n") {
			t.Errorf("file:\n%s", got)
		}
		wantMode(t, paths.Credentials, 0o400)
		if strings.Contains(errOut.String(), "readable by others") {
			t.Errorf("stderr = %q", errOut)
		}
	})
	t.Run("role profile warns", func(t *testing.T) {
		t.Parallel()
		opts, _, errOut, _ := newOpts(t, &fakeGetter{res: session})
		opts.Format, opts.Write, opts.Profile = credfmt.FormatINI, true, "role"
		if err := Run(context.Background(), opts); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(errOut.String(), "profile role has role_arn, which the AWS CLI and SDKs use before the credentials file") {
			t.Errorf("stderr = %q", errOut)
		}
	})
	t.Run("a folder in the way", func(t *testing.T) {
		t.Parallel()
		opts, _, _, paths := newOpts(t, &fakeGetter{res: session})
		if err := os.Mkdir(paths.Credentials, 0o755); err != nil {
			t.Fatal(err)
		}
		opts.Format, opts.Write = credfmt.FormatINI, true
		err := Run(context.Background(), opts)
		if err == nil || !strings.Contains(err.Error(), paths.Credentials) || !strings.Contains(cmdutil.Hint(err), "regular file") {
			t.Fatalf("error = %v, hint %q", err, cmdutil.Hint(err))
		}
		if strings.Contains(err.Error(), session.SecretAccessKey) {
			t.Error("the secret is in the error")
		}
		wantMode(t, paths.Credentials, 0o755)
	})
	t.Run("unreadable file", func(t *testing.T) {
		t.Parallel()
		opts, _, _, paths := newOpts(t, &fakeGetter{res: session})
		if err := os.WriteFile(paths.Credentials, []byte("[dev]\nx = 1\nx = 2\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		opts.Format, opts.Write = credfmt.FormatINI, true
		err := Run(context.Background(), opts)
		if err == nil || !strings.Contains(cmdutil.Hint(err), "fix line 3") {
			t.Fatalf("error = %v, hint %q", err, cmdutil.Hint(err))
		}
		if got := readFile(t, paths.Credentials); got != "[dev]\nx = 1\nx = 2\n" {
			t.Errorf("file changed: %q", got)
		}
	})
}

// TestWriteReadByBotocore writes sections with --write and reads them back
// with boto3, as a tool that only reads the credentials file would.
func TestWriteReadByBotocore(t *testing.T) {
	t.Parallel()
	python := testenv.NeedCommand(t, "python3", "install Python 3 and boto3 (apt-get install -y python3 python3-boto3)")
	for _, c := range []struct {
		name string
		res  creds.Result
		as   string
	}{{"session", session, "exported"}, {"longterm", longTerm, "with space"}} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			opts, _, _, paths := newOpts(t, &fakeGetter{res: c.res})
			if err := os.WriteFile(paths.Credentials, []byte(existingCredentials), 0o600); err != nil {
				t.Fatal(err)
			}
			opts.Format, opts.Write, opts.As = credfmt.FormatINI, true, c.as
			if err := Run(context.Background(), opts); err != nil {
				t.Fatal(err)
			}
			// Twice: the second run replaces the section in place.
			if err := Run(context.Background(), opts); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(python, "-c", `
import json, sys, boto3
for name in sys.argv[1:]:
    c = boto3.Session(profile_name=name).get_credentials()
    print(json.dumps({"method": c.method, "id": c.access_key, "secret": c.secret_key, "token": c.token}))
`, c.as, "other")
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(),
				"AWS_SHARED_CREDENTIALS_FILE=" + paths.Credentials, "AWS_CONFIG_FILE=" + filepath.Join(t.TempDir(), "none"),
				"AWS_EC2_METADATA_DISABLED=true"}
			out, err := cmd.Output()
			if err != nil {
				var stderr []byte
				if ee, ok := errors.AsType[*exec.ExitError](err); ok {
					stderr = ee.Stderr
				}
				if bytes.Contains(stderr, []byte("No module named 'boto3'")) {
					testenv.SkipOrFail(t, &testenv.MissingToolError{Name: "boto3", Hint: "pip install boto3"})
				}
				t.Fatalf("python: %v\n%s", err, stderr)
			}
			lines := strings.Split(strings.TrimSpace(string(out)), "\n")
			var tok any
			if c.res.SessionToken != "" {
				tok = c.res.SessionToken
			}
			want, _ := json.Marshal(map[string]any{"method": "shared-credentials-file", "id": c.res.AccessKeyID, "secret": c.res.SecretAccessKey, "token": tok})
			var got, wantM map[string]any
			_ = json.Unmarshal([]byte(lines[0]), &got)
			_ = json.Unmarshal(want, &wantM)
			if fmt.Sprint(got) != fmt.Sprint(wantM) {
				t.Errorf("boto3 read %s, want %s", lines[0], want)
			}
			if len(lines) != 2 || !strings.Contains(lines[1], `"id": "AKIAOTHER"`) || !strings.Contains(lines[1], `"secret": "other-secret ; not a comment for botocore"`) {
				t.Errorf("the other section changed: %v", lines)
			}
		})
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

func wantMode(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != mode {
		t.Errorf("%s has mode %#o, want %#o", path, fi.Mode().Perm(), mode)
	}
}
