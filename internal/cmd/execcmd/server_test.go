//go:build unix

package execcmd

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/creds"
)

func TestServerEnviron(t *testing.T) {
	t.Parallel()
	parent := []string{
		"HOME=/home/u",
		"AWS_ACCESS_KEY_ID=AKIAOLD",
		"AWS_SECRET_ACCESS_KEY=old-secret",
		"AWS_SESSION_TOKEN=old-token",
		"AWS_PROFILE=other",
		"AWS_CREDENTIAL_EXPIRATION=2020-01-01T00:00:00Z",
		"AWS_REGION=us-west-2",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://169.254.170.2/old",
		"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI=/v2/credentials/old",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN=old",
		"AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=/var/run/token",
		"AWS_EC2_METADATA_DISABLED=true",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT=http://169.254.169.254/",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE=IPv6",
		"AWS_CONFIG_FILE=/home/u/.aws/config",
		"SESAME_FILE_PASSPHRASE=hunter2",
		"SESAME_PROFILE=outer",
		"TERM=xterm",
	}
	vars := []string{"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:1234/creds/x", "AWS_CONTAINER_AUTHORIZATION_TOKEN=t"}
	got := ServerEnviron(parent, "dev", "eu-west-1", vars)
	want := []string{"HOME=/home/u", "AWS_CONFIG_FILE=/home/u/.aws/config", "TERM=xterm",
		"AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:1234/creds/x", "AWS_CONTAINER_AUTHORIZATION_TOKEN=t",
		"AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=eu-west-1", "SESAME_PROFILE=dev"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("ServerEnviron =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Region unknown: the parent's stays.
	got = ServerEnviron(parent, "dev", "", nil)
	if !slices.Contains(got, "AWS_REGION=us-west-2") || slices.ContainsFunc(got, func(kv string) bool { return strings.HasPrefix(kv, "AWS_DEFAULT_REGION") }) {
		t.Errorf("without a region: %q", got)
	}
	// Plain exec keeps the parent's server variables, as before.
	if env := Environ(parent, "dev", longTerm); !slices.Contains(env, "AWS_EC2_METADATA_DISABLED=true") {
		t.Errorf("Environ dropped a server variable: %q", env)
	}
}

func TestServerUsage(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		server string
		json   bool
		want   string
	}{
		{server: "ec2", want: `--server must be ecs or imds, not "ec2"`},
		{server: "ECS", want: `--server must be ecs or imds, not "ECS"`},
		{server: "ecs", json: true, want: "--json prints the credentials and --server serves them to a command: choose one"},
	} {
		opts, fr, _, _, reqs := newOpts(t, nil, session)
		opts.Server, opts.JSON = tt.server, tt.json
		err := Run(context.Background(), opts)
		if cmdutil.ExitCode(err) != cmdutil.ExitUsage || err.Error() != tt.want {
			t.Errorf("--server %q: %v, want usage error %q", tt.server, err, tt.want)
		}
		if len(*reqs) != 0 || fr.path != "" {
			t.Error("got credentials or ran something")
		}
	}
}

// fetchLikeSDK gets credentials from the server named by env, as the AWS
// SDKs do, and returns the document.
func fetchLikeSDK(ctx context.Context, env []string) (map[string]string, error) {
	get := func(method, u string, header map[string]string) (string, error) {
		req, err := http.NewRequestWithContext(ctx, method, u, nil)
		if err != nil {
			return "", err
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			return "", &url.Error{Op: method, URL: u, Err: io.ErrUnexpectedEOF}
		}
		return string(b), err
	}
	var doc string
	var err error
	if uri := envValue(env, "AWS_CONTAINER_CREDENTIALS_FULL_URI"); uri != "" {
		doc, err = get("GET", uri, map[string]string{"Authorization": envValue(env, "AWS_CONTAINER_AUTHORIZATION_TOKEN")})
	} else {
		base := envValue(env, "AWS_EC2_METADATA_SERVICE_ENDPOINT")
		var tok, role string
		if tok, err = get("PUT", base+"latest/api/token", map[string]string{"X-Aws-Ec2-Metadata-Token-Ttl-Seconds": "60"}); err == nil {
			if role, err = get("GET", base+"latest/meta-data/iam/security-credentials/", map[string]string{"X-Aws-Ec2-Metadata-Token": tok}); err == nil {
				doc, err = get("GET", base+"latest/meta-data/iam/security-credentials/"+role, map[string]string{"X-Aws-Ec2-Metadata-Token": tok})
			}
		}
	}
	if err != nil {
		return nil, err
	}
	var m map[string]string
	err = json.Unmarshal([]byte(doc), &m)
	return m, err
}

func TestRunServer(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{ServerECS, ServerIMDS} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			// A key of this run alone: another test's server may take the
			// port once this one has stopped.
			key := fmt.Sprintf("ASIASERVED%d", time.Now().UnixNano())
			res := creds.Result{Credentials: aws.Credentials{AccessKeyID: key, SecretAccessKey: "served-secret", SessionToken: "served-token",
				CanExpire: true, Expires: time.Now().Add(time.Hour)}, Region: "eu-west-1"}
			opts, fr, out, errOut, reqs := newOpts(t, map[string]string{"AWS_CONTAINER_AUTHORIZATION_TOKEN": "inherited", "AWS_EC2_METADATA_DISABLED": "true"}, res)
			opts.Server, opts.Command = kind, []string{"prog", "arg"}
			opts.Request = creds.Request{MFAToken: "123456"}
			var child Child
			var doc map[string]string
			var fetchErr error
			opts.RunChild = func(ctx context.Context, c Child) (int, error) {
				child = c
				doc, fetchErr = fetchLikeSDK(ctx, c.Env)
				return 7, nil
			}
			err := Run(context.Background(), opts)
			if cmdutil.ExitCode(err) != 7 {
				t.Fatalf("Run = %v, want the child's exit status 7", err)
			}
			if fetchErr != nil || doc["AccessKeyId"] != key || doc["SecretAccessKey"] != "served-secret" || doc["Token"] != "served-token" {
				t.Fatalf("the child got %v, %v", doc, fetchErr)
			}
			if child.Path != binDir+"/prog" || strings.Join(child.Args, " ") != "prog arg" || fr.path != "" {
				t.Errorf("ran %q %q (replaced: %q)", child.Path, child.Args, fr.path)
			}
			for _, kv := range child.Env {
				for _, k := range []string{"AWS_ACCESS_KEY_ID=", "AWS_SECRET_ACCESS_KEY=", "AWS_SESSION_TOKEN=", "AWS_CREDENTIAL_EXPIRATION=", "SESAME_FILE_PASSPHRASE"} {
					if strings.HasPrefix(kv, k) {
						t.Errorf("%s passed to the child", kv)
					}
				}
				if strings.Contains(kv, "served-secret") || kv == "AWS_CONTAINER_AUTHORIZATION_TOKEN=inherited" {
					t.Errorf("%s passed to the child", kv)
				}
			}
			for _, kv := range []string{"AWS_REGION=eu-west-1", "AWS_DEFAULT_REGION=eu-west-1", "SESAME_PROFILE=dev"} {
				if !slices.Contains(child.Env, kv) {
					t.Errorf("no %s in %q", kv, child.Env)
				}
			}
			var endpoint string
			if kind == ServerECS {
				endpoint = envValue(child.Env, "AWS_CONTAINER_CREDENTIALS_FULL_URI")
				if !strings.HasPrefix(endpoint, "http://127.0.0.1:") || !strings.Contains(endpoint, "/creds/") ||
					len(envValue(child.Env, "AWS_CONTAINER_AUTHORIZATION_TOKEN")) != 64 || envValue(child.Env, "AWS_EC2_METADATA_SERVICE_ENDPOINT") != "" {
					t.Errorf("env %q", child.Env)
				}
			} else {
				endpoint = envValue(child.Env, "AWS_EC2_METADATA_SERVICE_ENDPOINT")
				if !strings.HasPrefix(endpoint, "http://127.0.0.1:") || !strings.HasSuffix(endpoint, "/") || envValue(child.Env, "AWS_CONTAINER_CREDENTIALS_FULL_URI") != "" ||
					envValue(child.Env, "AWS_EC2_METADATA_DISABLED") != "false" {
					t.Errorf("env %q", child.Env)
				}
			}
			// One request for credentials, before the child: the server
			// started with them.
			if len(*reqs) != 1 || (*reqs)[0].MFAToken != "123456" {
				t.Errorf("requests %+v", *reqs)
			}
			// The server stopped with the child: nothing at its address
			// hands out these credentials any more.
			ctx, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			if d, err := fetchLikeSDK(ctx, child.Env); err == nil && d["AccessKeyId"] == key {
				t.Errorf("the server at %s still serves after the child ended", endpoint)
			}
			if out.Len() != 0 || errOut.Len() != 0 {
				t.Errorf("output %q %q", out, errOut)
			}
		})
	}
}

// TestRunServerRefresh: credentials that are no longer fresh are fetched
// again from the chain, without the one-time MFA code of the command line;
// a failure is reported on stderr with its hint, and the child gets a 500.
func TestRunServerRefresh(t *testing.T) {
	t.Parallel()
	soon := creds.Result{Credentials: aws.Credentials{AccessKeyID: "ASIASOON", SecretAccessKey: "soon-secret", SessionToken: "t",
		CanExpire: true, Expires: time.Now().Add(10 * time.Minute)}}
	opts, _, _, errOut, reqs := newOpts(t, nil, soon)
	opts.Server, opts.Command, opts.Request = ServerECS, []string{"prog"}, creds.Request{MFAToken: "123456"}
	var doc map[string]string
	opts.RunChild = func(ctx context.Context, c Child) (int, error) {
		var err error
		doc, err = fetchLikeSDK(ctx, c.Env)
		if err != nil {
			t.Error(err)
		}
		return 0, nil
	}
	if err := Run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if len(*reqs) != 2 || (*reqs)[0].MFAToken != "123456" || (*reqs)[1].MFAToken != "" || (*reqs)[1].Profile != "dev" {
		t.Errorf("requests %+v, want a second one without the MFA code", *reqs)
	}
	if doc["AccessKeyId"] != "ASIASOON" || errOut.Len() != 0 {
		t.Errorf("doc %v stderr %q", doc, errOut)
	}

	// The chain fails on the refresh.
	opts, _, _, errOut, _ = newOpts(t, nil, soon)
	opts.Server, opts.Command = ServerIMDS, []string{"prog"}
	calls := 0
	opts.Creds = func(context.Context, creds.Request) (creds.Result, error) {
		calls++
		if calls == 1 {
			return soon, nil
		}
		return creds.Result{}, cmdutil.WithHint(io.ErrUnexpectedEOF, "run: sesame doctor")
	}
	opts.RunChild = func(ctx context.Context, c Child) (int, error) {
		doc, _ = fetchLikeSDK(ctx, c.Env)
		return 0, nil
	}
	if err := Run(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	// Still-valid credentials are served meanwhile.
	if doc["AccessKeyId"] != "ASIASOON" {
		t.Errorf("doc %v", doc)
	}
	if want := "sesame: cannot renew the credentials of profile dev: unexpected EOF\nsesame: hint: run: sesame doctor\n"; errOut.String() != want {
		t.Errorf("stderr %q, want %q", errOut, want)
	}
}

func TestRunServerCannotRun(t *testing.T) {
	t.Parallel()
	opts, _, _, errOut, _ := newOpts(t, nil, session)
	opts.Server, opts.Command = ServerECS, []string{"no-such-program"}
	opts.RunChild = func(context.Context, Child) (int, error) { t.Error("ran"); return 0, nil }
	if err := Run(context.Background(), opts); cmdutil.ExitCode(err) != ExitNotFound || !strings.Contains(errOut.String(), "command not found") {
		t.Errorf("%v, stderr %q", err, errOut)
	}
}

// TestRunServerRealChild runs a real child through RunChild: it sees the
// server's variables and no keys, and its exit status comes back.
func TestRunServerRealChild(t *testing.T) {
	t.Parallel()
	res := creds.Result{Credentials: aws.Credentials{AccessKeyID: "ASIAREAL", SecretAccessKey: "real-secret", SessionToken: "t",
		CanExpire: true, Expires: time.Now().Add(time.Hour)}}
	opts, _, out, _, _ := newOpts(t, nil, res)
	opts.Environ = func() []string { return []string{"PATH=/usr/bin:/bin", "AWS_ACCESS_KEY_ID=AKIAOLD"} }
	opts.Server = ServerECS
	opts.Command = []string{"/bin/sh", "-c", `echo "uri=${AWS_CONTAINER_CREDENTIALS_FULL_URI%%/creds/*} key=${AWS_ACCESS_KEY_ID:-none}"; exit 5`}
	err := Run(context.Background(), opts)
	if cmdutil.ExitCode(err) != 5 {
		t.Errorf("Run = %v, want exit status 5", err)
	}
	if !strings.HasPrefix(out.String(), "uri=http://127.0.0.1:") || !strings.HasSuffix(out.String(), " key=none\n") {
		t.Errorf("child said %q", out)
	}
}

func TestWarnDefaultCredentials(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, tt := range map[string]struct {
		config, credentials string
		warn                bool
	}{
		"no default":                {config: "[profile dev]\nregion = eu-west-1\n"},
		"default with a region":     {config: "[default]\nregion = eu-west-1\n"},
		"default with an empty key": {config: "[default]\nrole_arn =\n"},
		"default with a role":       {config: "[default]\nrole_arn = arn:aws:iam::1:role/r\nsource_profile = dev\n[profile dev]\n", warn: true},
		"default keys in the file":  {config: "[profile dev]\n", credentials: "[default]\naws_access_key_id = AKIA\naws_secret_access_key = s\n", warn: true},
	} {
		cfgFile, credFile := dir+"/"+strings.ReplaceAll(name, " ", "-")+".config", dir+"/"+strings.ReplaceAll(name, " ", "-")+".credentials"
		writeFile(t, cfgFile, tt.config)
		writeFile(t, credFile, tt.credentials)
		opts, _, _, errOut, _ := newOpts(t, nil, session)
		opts.Server = ServerIMDS
		opts.Config = func() (*awsconfig.Config, error) {
			return awsconfig.Load(awsconfig.Paths{Config: cfgFile, Credentials: credFile})
		}
		opts.warnDefaultCredentials()
		if got := strings.Contains(errOut.String(), "the default profile has credentials of its own"); got != tt.warn {
			t.Errorf("%s: warned %v: %q", name, got, errOut)
		}
		if tt.warn && !strings.Contains(errOut.String(), "hint: take them out of [default] (sesame migrate moves keys into sesame), or run sesame exec without --server") {
			t.Errorf("%s: %q", name, errOut)
		}
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
