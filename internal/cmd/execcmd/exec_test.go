//go:build unix

package execcmd

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/creds"
	"github.com/sesamehq/sesame/internal/iostreams"
)

var (
	session = creds.Result{
		Credentials: aws.Credentials{
			AccessKeyID:     "ASIAEXAMPLESESSION01",
			SecretAccessKey: "session-secret",
			SessionToken:    "session-token",
			CanExpire:       true,
			Expires:         time.Date(2026, 11, 21, 11, 0, 0, 0, time.UTC),
		},
		Region: "eu-west-1",
	}
	longTerm = creds.Result{Credentials: aws.Credentials{AccessKeyID: "AKIAEXAMPLELONGTERM1", SecretAccessKey: "long-secret"}}
)

func TestEnviron(t *testing.T) {
	t.Parallel()
	parent := []string{
		"HOME=/home/u",
		"PATH=/usr/bin:/bin",
		"AWS_ACCESS_KEY_ID=AKIAOLD",
		"AWS_SECRET_ACCESS_KEY=old-secret",
		"AWS_SESSION_TOKEN=old-token",
		"AWS_SECURITY_TOKEN=old-token",
		"AWS_PROFILE=other",
		"AWS_DEFAULT_PROFILE=other",
		"AWS_CREDENTIAL_FILE=/x",
		"AWS_CREDENTIAL_EXPIRATION=2020-01-01T00:00:00Z",
		"AWS_REGION=us-west-2",
		"AWS_DEFAULT_REGION=us-west-2",
		"AWS_CONFIG_FILE=/home/u/.aws/config",
		"AWS_SHARED_CREDENTIALS_FILE=/home/u/.aws/credentials",
		"SESAME_FILE_PASSPHRASE=hunter2",
		"SESAME_FILE_PASSPHRASE_COMMAND=pass show sesame",
		"SESAME_FILE_PASSPHRASE_SOMETHING_NEW=x",
		"SESAME_BACKEND=file",
		"SESAME_PROFILE=outer",
		"AWS_ACCESS_KEY_ID=AKIADUPLICATE",
		"TERM=xterm",
		"NOVALUE",
	}
	kept := []string{"HOME=/home/u", "PATH=/usr/bin:/bin", "AWS_CONFIG_FILE=/home/u/.aws/config",
		"AWS_SHARED_CREDENTIALS_FILE=/home/u/.aws/credentials", "SESAME_BACKEND=file", "TERM=xterm", "NOVALUE"}
	tests := []struct {
		name   string
		parent []string
		res    creds.Result
		want   []string
	}{
		{name: "session with region", parent: parent, res: session, want: append(slices.Clone(kept),
			"AWS_ACCESS_KEY_ID=ASIAEXAMPLESESSION01", "AWS_SECRET_ACCESS_KEY=session-secret", "AWS_SESSION_TOKEN=session-token",
			"AWS_CREDENTIAL_EXPIRATION=2026-11-21T11:00:00Z", "AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=eu-west-1", "SESAME_PROFILE=dev")},
		{name: "long-term keys, region unknown keeps the parent's", parent: parent, res: longTerm, want: func() []string {
			w := slices.Clone(kept)
			// The parent's region stays, in its place.
			w = slices.Insert(w, 2, "AWS_REGION=us-west-2", "AWS_DEFAULT_REGION=us-west-2")
			return append(w, "AWS_ACCESS_KEY_ID=AKIAEXAMPLELONGTERM1", "AWS_SECRET_ACCESS_KEY=long-secret", "SESAME_PROFILE=dev")
		}()},
		{name: "empty parent", parent: nil, res: longTerm, want: []string{
			"AWS_ACCESS_KEY_ID=AKIAEXAMPLELONGTERM1", "AWS_SECRET_ACCESS_KEY=long-secret", "SESAME_PROFILE=dev"}},
		{name: "names are case-sensitive on Unix", parent: []string{"aws_profile=x", "Sesame_File_Passphrase=y"}, res: longTerm, want: []string{
			"aws_profile=x", "Sesame_File_Passphrase=y",
			"AWS_ACCESS_KEY_ID=AKIAEXAMPLELONGTERM1", "AWS_SECRET_ACCESS_KEY=long-secret", "SESAME_PROFILE=dev"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := Environ(tt.parent, "dev", tt.res)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("Environ =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			for _, kv := range got {
				if strings.HasPrefix(kv, "SESAME_FILE_PASSPHRASE") || strings.Contains(kv, "hunter2") || strings.Contains(kv, "old-secret") {
					t.Errorf("%s passed to the child", kv)
				}
			}
		})
	}
}

// fakeReplace records what would have replaced the process.
type fakeReplace struct {
	path string
	argv []string
	env  []string
	err  error
}

func (f *fakeReplace) replace(_ context.Context, path string, argv, env []string) error {
	f.path, f.argv, f.env = path, argv, env
	return f.err
}

// binDir holds programs for the tests, written once: a file written while
// another test forks can fail to run with "text file busy".
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "exec-bin-")
	if err != nil {
		panic(err)
	}
	for name, mode := range map[string]os.FileMode{"prog": 0o755, "zsh": 0o755, "noexec": 0o644} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\nexit 0\n"), mode); err != nil {
			panic(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "folder"), 0o755); err != nil {
		panic(err)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

func newOpts(t *testing.T, env map[string]string, res creds.Result) (*Options, *fakeReplace, *bytes.Buffer, *bytes.Buffer, *[]creds.Request) {
	t.Helper()
	ios, _, out, errOut := iostreams.Test()
	var reqs []creds.Request
	fr := &fakeReplace{}
	parent := []string{"PATH=" + binDir, "AWS_PROFILE=dev", "SESAME_FILE_PASSPHRASE=hunter2"}
	for k, v := range env {
		parent = append(parent, k+"="+v)
	}
	return &Options{
		IO: ios,
		Creds: func(_ context.Context, req creds.Request) (creds.Result, error) {
			reqs = append(reqs, req)
			return res, nil
		},
		SelectProfile: func(_ context.Context, arg string) (string, error) {
			if arg == "" {
				return "dev", nil
			}
			return arg, nil
		},
		LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok },
		Environ:   func() []string { return parent },
		Replace:   fr.replace,
	}, fr, out, errOut, &reqs
}

func TestRunReplaces(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		env      map[string]string
		command  []string
		wantPath string
		wantArgv []string
	}{
		{name: "command on the child's PATH", command: []string{"prog", "a", "--b"}, wantPath: filepath.Join(binDir, "prog"), wantArgv: []string{"prog", "a", "--b"}},
		{name: "command with a path", command: []string{filepath.Join(binDir, "prog")}, wantPath: filepath.Join(binDir, "prog"), wantArgv: []string{filepath.Join(binDir, "prog")}},
		{name: "SHELL by default", env: map[string]string{"SHELL": "zsh"}, wantPath: filepath.Join(binDir, "zsh"), wantArgv: []string{"zsh"}},
		{name: "/bin/sh without SHELL", wantPath: "/bin/sh", wantArgv: []string{"/bin/sh"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts, fr, out, errOut, reqs := newOpts(t, tt.env, session)
			opts.Command = tt.command
			opts.Request = creds.Request{Duration: time.Hour, Region: "eu-west-1", MFAToken: "123456"}
			if err := Run(context.Background(), opts); err != nil {
				t.Fatal(err)
			}
			if fr.path != tt.wantPath || strings.Join(fr.argv, " ") != strings.Join(tt.wantArgv, " ") {
				t.Errorf("replaced with %q %q, want %q %q", fr.path, fr.argv, tt.wantPath, tt.wantArgv)
			}
			if !slices.Contains(fr.env, "SESAME_PROFILE=dev") || !slices.Contains(fr.env, "AWS_SESSION_TOKEN=session-token") {
				t.Errorf("env = %q", fr.env)
			}
			for _, kv := range fr.env {
				if strings.HasPrefix(kv, "AWS_PROFILE=") || strings.HasPrefix(kv, "SESAME_FILE_PASSPHRASE") {
					t.Errorf("%s passed to the child", kv)
				}
			}
			want := creds.Request{Profile: "dev", Duration: time.Hour, Region: "eu-west-1", MFAToken: "123456"}
			if len(*reqs) != 1 || (*reqs)[0] != want {
				t.Errorf("requests = %+v", *reqs)
			}
			if out.Len() != 0 || errOut.Len() != 0 {
				t.Errorf("output %q %q, want none", out, errOut)
			}
		})
	}
}

func TestRunCannotRun(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		command    []string
		replaceErr error
		wantCode   int
		wantStderr string
	}{
		{name: "not found", command: []string{"no-such-program"}, wantCode: 127, wantStderr: "sesame: no-such-program: command not found\nsesame: hint: check the name, or the PATH the command gets\n"},
		{name: "missing path", command: []string{"/nonexistent/prog"}, wantCode: 127, wantStderr: "sesame: /nonexistent/prog: command not found\n"},
		{name: "not executable", command: []string{"noexec"}, wantCode: 126, wantStderr: "sesame: noexec: cannot run: not executable: permission denied\n"},
		{name: "a folder", command: []string{filepath.Join(binDir, "folder")}, wantCode: 126, wantStderr: "is a folder"},
		{name: "exec fails", command: []string{"prog"}, replaceErr: &fs.PathError{Op: "exec", Path: "prog", Err: errors.New("exec format error")}, wantCode: 126,
			wantStderr: "sesame: prog: cannot run: exec format error\nsesame: hint: check the file: it must be a program or a script starting with #!\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			opts, fr, _, errOut, _ := newOpts(t, nil, session)
			fr.err = tt.replaceErr
			opts.Command = tt.command
			err := Run(context.Background(), opts)
			if cmdutil.ExitCode(err) != tt.wantCode {
				t.Errorf("exit code %d (%v), want %d", cmdutil.ExitCode(err), err, tt.wantCode)
			}
			if !strings.Contains(errOut.String(), tt.wantStderr) {
				t.Errorf("stderr = %q, want %q", errOut, tt.wantStderr)
			}
		})
	}
}

func TestRunChildExitCodePassesThrough(t *testing.T) {
	t.Parallel()
	opts, fr, _, errOut, _ := newOpts(t, nil, session)
	fr.err = &cmdutil.ExitCodeError{Code: 3}
	opts.Command = []string{"prog"}
	if err := Run(context.Background(), opts); cmdutil.ExitCode(err) != 3 || errOut.Len() != 0 {
		t.Errorf("err = %v, stderr %q; want exit 3 and nothing said", err, errOut)
	}
}

func TestNesting(t *testing.T) {
	t.Parallel()
	opts, fr, _, _, reqs := newOpts(t, map[string]string{"SESAME_PROFILE": "outer"}, session)
	opts.Command = []string{"prog"}
	err := Run(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "already inside sesame exec for profile outer") {
		t.Fatalf("error = %v", err)
	}
	if h := cmdutil.Hint(err); !strings.Contains(h, "exit that shell") || !strings.Contains(h, "--force-nest") {
		t.Errorf("hint = %q", h)
	}
	if len(*reqs) != 0 || fr.path != "" {
		t.Error("got credentials or ran something")
	}
	opts.ForceNest = true
	if err := Run(context.Background(), opts); err != nil || fr.path == "" {
		t.Errorf("--force-nest: %v, ran %q", err, fr.path)
	}
	if slices.Contains(fr.env, "SESAME_PROFILE=outer") || !slices.Contains(fr.env, "SESAME_PROFILE=dev") {
		t.Errorf("SESAME_PROFILE in the nested child: %q", fr.env)
	}
	// An empty SESAME_PROFILE is no outer exec.
	opts, fr, _, _, _ = newOpts(t, map[string]string{"SESAME_PROFILE": ""}, session)
	opts.Command = []string{"prog"}
	if err := Run(context.Background(), opts); err != nil || fr.path == "" {
		t.Errorf("empty SESAME_PROFILE: %v", err)
	}
}

func TestJSON(t *testing.T) {
	t.Parallel()
	opts, fr, out, _, _ := newOpts(t, map[string]string{"SESAME_PROFILE": "outer"}, session)
	opts.JSON = true
	if err := Run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(out.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc["Version"] != float64(1) || doc["AccessKeyId"] != "ASIAEXAMPLESESSION01" || doc["Expiration"] != "2026-11-21T11:00:00Z" {
		t.Errorf("document = %v", doc)
	}
	if fr.path != "" {
		t.Error("ran something")
	}

	opts, _, _, _, _ = newOpts(t, nil, session)
	opts.JSON, opts.Command = true, []string{"prog"}
	if err := Run(context.Background(), opts); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
		t.Errorf("--json with a command: %v, want a usage error", err)
	}

	opts, _, out, _, reqs := newOpts(t, nil, session)
	opts.JSON, opts.Profile = true, "dev"
	opts.IO.SetTTY(true, true, true)
	err := Run(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "refusing to print secret credentials to a terminal") ||
		!strings.Contains(cmdutil.Hint(err), "sesame export --format json --force dev") {
		t.Errorf("--json on a terminal: %v (hint %q)", err, cmdutil.Hint(err))
	}
	if out.Len() != 0 || len(*reqs) != 0 {
		t.Error("printed or asked before refusing")
	}
}

func TestFlags(t *testing.T) {
	t.Parallel()
	ios, _, _, _ := iostreams.Test()
	f := &cmdutil.Factory{IOStreams: ios}
	getter := func(context.Context, creds.Request) (creds.Result, error) { return creds.Result{}, nil }
	tests := []struct {
		args        []string
		wantProfile string
		wantCommand []string
		wantErr     string
		check       func(*Options) bool
	}{
		{args: []string{"dev", "--", "aws", "s3", "ls", "--recursive"}, wantProfile: "dev", wantCommand: []string{"aws", "s3", "ls", "--recursive"}},
		{args: []string{"--", "env"}, wantCommand: []string{"env"}},
		{args: []string{"dev"}, wantProfile: "dev"},
		{args: []string{}},
		{args: []string{"--region", "eu-north-1", "dev", "--duration", "2h", "--no-session", "--mfa-token", "123456", "--force-nest", "-j"}, wantProfile: "dev",
			check: func(o *Options) bool {
				return o.Request == creds.Request{Region: "eu-north-1", Duration: 2 * time.Hour, NoSession: true, MFAToken: "123456"} && o.ForceNest && o.JSON
			}},
		{args: []string{"dev", "aws", "s3"}, wantErr: "put the command after --: sesame exec dev -- aws s3"},
		{args: []string{"dev", "--server", "ecs", "--", "env"}, wantProfile: "dev", wantCommand: []string{"env"},
			check: func(o *Options) bool { return o.Server == ServerECS }},
		{args: []string{"--server=imds", "dev"}, wantProfile: "dev", check: func(o *Options) bool { return o.Server == ServerIMDS }},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			t.Parallel()
			var got *Options
			cmd := NewCmdExec(f, getter, func(_ context.Context, o *Options) error { got = o; return nil })
			cmd.SetArgs(tt.args)
			cmd.SilenceErrors, cmd.SilenceUsage = true, true
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Profile != tt.wantProfile || strings.Join(got.Command, " ") != strings.Join(tt.wantCommand, " ") || got.Creds == nil {
				t.Errorf("profile %q command %q", got.Profile, got.Command)
			}
			if tt.check != nil && !tt.check(got) {
				t.Errorf("options = %+v", got)
			}
		})
	}
}

func TestLookPath(t *testing.T) {
	t.Parallel()
	other := t.TempDir()
	path := strings.Join([]string{"/nonexistent", other, binDir}, string(os.PathListSeparator))
	for _, tt := range []struct {
		name, path, want string
		wantErr          error
	}{
		{name: "prog", path: path, want: filepath.Join(binDir, "prog")},
		{name: "missing", path: path, wantErr: fs.ErrNotExist},
		{name: "noexec", path: path, wantErr: fs.ErrPermission},
		{name: "folder", path: path, wantErr: fs.ErrPermission},
		{name: "prog", path: "", wantErr: fs.ErrNotExist},
		{name: filepath.Join(binDir, "prog"), path: "", want: filepath.Join(binDir, "prog")},
		{name: filepath.Join(binDir, "noexec"), path: "", wantErr: fs.ErrPermission},
	} {
		got, err := LookPath(tt.name, tt.path, "")
		if tt.wantErr != nil {
			if !errors.Is(err, tt.wantErr) {
				t.Errorf("LookPath(%q, %q) = %q, %v; want %v", tt.name, tt.path, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("LookPath(%q, %q) = %q, %v; want %q", tt.name, tt.path, got, err, tt.want)
		}
	}
}
