package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/fakeaws/fakesso"
)

// startSSO runs `fakeaws sso args` in the test process and returns the URL
// from its ready line; the server stops when the test ends.
func startSSO(t *testing.T, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"sso"}, args...), w, io.Discard)
		w.Close()
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("fakeaws sso: %v", err)
		}
	})
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		cancel()
		t.Fatalf("no ready line: %v (%v)", err, <-done)
	}
	go func() { _, _ = io.Copy(io.Discard, r) }()
	name, u, _ := strings.Cut(strings.TrimSuffix(line, "\n"), " ")
	if name != "sso" || !strings.HasPrefix(u, "http://127.0.0.1:") {
		t.Fatalf("ready line %q, want \"sso http://127.0.0.1:PORT\"", line)
	}
	return u
}

func TestSSOCommandServes(t *testing.T) {
	t.Parallel()
	u := startSSO(t, "--accounts", "7", "--roles", "3", "--auto-approve", "--rate", "100", "--token-ttl", "10m")
	post := func(path string, in any) map[string]any {
		t.Helper()
		b, _ := json.Marshal(in)
		resp, err := http.Post(u+path, "application/json", strings.NewReader(string(b)))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
			t.Fatalf("%s: %s %v (err %v)", path, resp.Status, out, err)
		}
		return out
	}
	reg := post("/client/register", map[string]any{"clientName": "t", "clientType": "public", "scopes": []string{"sso:account:access"}})
	dev := post("/device_authorization", map[string]any{"clientId": reg["clientId"], "clientSecret": reg["clientSecret"], "startUrl": "https://x.awsapps.com/start"})
	tok := post("/token", map[string]any{"clientId": reg["clientId"], "clientSecret": reg["clientSecret"], "grantType": fakesso.GrantDeviceCode, "deviceCode": dev["deviceCode"]})
	if tok["expiresIn"] != 600.0 {
		t.Errorf("expiresIn %v, want 600 (--token-ttl 10m)", tok["expiresIn"])
	}
	req, _ := http.NewRequest(http.MethodGet, u+"/assignment/accounts?max_result=100", nil)
	req.Header.Set("x-amz-sso_bearer_token", tok["accessToken"].(string))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var accts struct{ AccountList []any }
	if err := json.NewDecoder(resp.Body).Decode(&accts); err != nil || len(accts.AccountList) != 7 {
		t.Errorf("%d accounts (err %v), want 7", len(accts.AccountList), err)
	}
}

func TestSSOCommandConfigFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	good := filepath.Join(dir, "good.json")
	writeFile(t, good, `{"accounts":[{"id":"123456789012","name":"dev","email":"dev@example.com","roles":["Admin"]}]}`)
	o, err := parseSSO([]string{"--config", good, "--moto", "http://127.0.0.1:5000", "--role-ttl", "2m"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := ssoConfig(o)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Accounts) != 1 || cfg.Accounts[0].Roles[0] != "Admin" || cfg.MotoURL != "http://127.0.0.1:5000" || cfg.RoleCredentialTTL != 2*time.Minute {
		t.Errorf("config %+v", cfg)
	}

	for name, body := range map[string]string{
		"unknown field": `{"accounts":[{"id":"123456789012","role":["x"]}]}`,
		"short id":      `{"accounts":[{"id":"1234","roles":["x"]}]}`,
		"not json":      `{`,
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json")
		writeFile(t, p, body)
		o, err := parseSSO([]string{"--config", p}, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ssoConfig(o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func writeFile(t *testing.T, path, body string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestSSOCommandFlags(t *testing.T) {
	t.Parallel()
	o, err := parseSSO(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if o.Addr != "127.0.0.1:0" || o.Accounts != 3 || o.Roles != 2 || o.TokenTTL != fakesso.DefaultTokenTTL || o.Rate != 0 {
		t.Errorf("defaults %+v", o)
	}
	for _, args := range [][]string{
		{"--config", "x.json", "--accounts", "3"},
		{"--accounts", "-1"},
		{"--rate", "-1"},
		{"extra"},
		{"--nope"},
		{"--token-ttl", "soon"},
	} {
		if _, err := parseSSO(args, io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
}

func TestRunSubcommands(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{nil, {"nope"}} {
		if err := run(t.Context(), args, io.Discard, io.Discard); err == nil {
			t.Errorf("%q: no error", args)
		}
	}
	var out strings.Builder
	if err := run(t.Context(), []string{"help"}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "fakeaws sso") {
		t.Errorf("help: %v %q", err, out.String())
	}
	if err := run(t.Context(), []string{"sso", "--addr", "256.0.0.1:0"}, io.Discard, io.Discard); err == nil {
		t.Error("a bad address did not fail")
	}
}
