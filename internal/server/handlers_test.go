package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestECS(t *testing.T) {
	t.Parallel()
	clk := newClock()
	res := gen(1, t0.Add(time.Hour+500*time.Millisecond))
	e, err := NewECS(testAddr, fixed(res).get, WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewECS(testAddr, fixed(res).get)
	good := map[string]string{"Authorization": e.Token()}
	with := func(kv ...string) map[string]string {
		h := map[string]string{"Authorization": e.Token()}
		for i := 0; i < len(kv); i += 2 {
			h[kv[i]] = kv[i+1]
		}
		return h
	}
	tests := []struct {
		name   string
		method string
		target string
		header map[string]string
		want   int
	}{
		{"ok", "GET", e.URL(), good, 200},
		{"ok with localhost", "GET", e.URL(), with("Host", "localhost:41999"), 200},
		{"ok with a query", "GET", e.URL() + "?x=1", good, 200},
		{"no token", "GET", e.URL(), nil, 401},
		{"wrong token", "GET", e.URL(), map[string]string{"Authorization": other.Token()}, 401},
		{"empty token", "GET", e.URL(), map[string]string{"Authorization": ""}, 401},
		{"token with a prefix", "GET", e.URL(), map[string]string{"Authorization": "Bearer " + e.Token()}, 401},
		{"token with a space", "GET", e.URL(), map[string]string{"Authorization": e.Token() + " "}, 401},
		{"token in upper case", "GET", e.URL(), map[string]string{"Authorization": strings.ToUpper(e.Token())}, 401},
		{"token cut short", "GET", e.URL(), map[string]string{"Authorization": e.Token()[:63]}, 401},
		{"foreign host", "GET", e.URL(), with("Host", "evil.example:41999"), 403},
		{"rebinding host without the token", "GET", e.URL(), map[string]string{"Host": "attacker.test:41999"}, 403},
		{"other port", "GET", e.URL(), with("Host", "127.0.0.1:80"), 403},
		{"no port", "GET", e.URL(), with("Host", "127.0.0.1"), 403},
		{"X-Forwarded-For", "GET", e.URL(), with("X-Forwarded-For", "10.0.0.1"), 403},
		{"empty X-Forwarded-For", "GET", e.URL(), with("X-Forwarded-For", ""), 403},
		{"other path", "GET", "http://" + testAddr + "/creds/other", good, 404},
		{"root", "GET", "http://" + testAddr + "/", good, 404},
		{"path with a slash added", "GET", e.URL() + "/", good, 404},
		{"escaped path", "GET", strings.Replace(e.URL(), "/creds/", "/creds%2F", 1), good, 404},
		{"POST", "POST", e.URL(), good, 405},
		{"PUT", "PUT", e.URL(), good, 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := do(t, e, tt.method, tt.target, tt.header)
			b := body(t, resp)
			if resp.StatusCode != tt.want {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.want, b)
			}
			if resp.Header.Get("Cache-Control") != "no-store" {
				t.Error("no Cache-Control: no-store")
			}
			var doc map[string]string
			if err := json.Unmarshal([]byte(b), &doc); err != nil {
				t.Fatalf("not JSON: %s", b)
			}
			if tt.want != 200 {
				noSecret(t, "refusal", b, res)
				if doc["code"] == "" || doc["message"] == "" {
					t.Errorf("error document %s", b)
				}
				return
			}
			want := map[string]string{"AccessKeyId": res.AccessKeyID, "SecretAccessKey": res.SecretAccessKey, "Token": res.SessionToken,
				"Expiration": "2026-11-21T11:00:00Z", "RoleArn": ""}
			if len(doc) != len(want) {
				t.Errorf("document %s", b)
			}
			for k, v := range want {
				if got, ok := doc[k]; !ok || got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

// imdsToken asks m for a session token.
func imdsToken(t *testing.T, m *IMDS, ttl string) string {
	t.Helper()
	resp := do(t, m, http.MethodPut, imdsTokenPath, map[string]string{imdsTTLHeader: ttl})
	tok := body(t, resp)
	if resp.StatusCode != 200 || resp.Header.Get(imdsTTLHeader) != ttl {
		t.Fatalf("PUT token: %d %s (ttl %q)", resp.StatusCode, tok, resp.Header.Get(imdsTTLHeader))
	}
	return tok
}

func TestIMDS(t *testing.T) {
	t.Parallel()
	clk := newClock()
	res := gen(1, t0.Add(time.Hour))
	m, err := NewIMDS(testAddr, "team/dev profile", fixed(res).get, WithClock(clk.Now))
	if err != nil {
		t.Fatal(err)
	}
	if m.URL() != "http://"+testAddr+"/" || m.Role() != "team-dev-profile" {
		t.Errorf("URL %q role %q", m.URL(), m.Role())
	}
	other, _ := NewIMDS(testAddr, "team/dev profile", fixed(res).get, WithClock(clk.Now))
	tok := imdsToken(t, m, "21600")
	if tok2 := imdsToken(t, m, "1"); tok2 == tok {
		t.Error("two tokens are the same")
	}
	foreign := imdsToken(t, other, "21600")
	credsPath := imdsCredsPath + m.Role()
	good := map[string]string{imdsTokenHeader: tok}
	tests := []struct {
		name   string
		method string
		target string
		header map[string]string
		want   int
		body   string
	}{
		{"role", "GET", imdsCredsPath, good, 200, "team-dev-profile"},
		{"role without the slash", "GET", strings.TrimSuffix(imdsCredsPath, "/"), good, 200, "team-dev-profile"},
		{"credentials", "GET", credsPath, good, 200, `"Code":"Success"`},
		{"credentials with localhost", "GET", credsPath, map[string]string{imdsTokenHeader: tok, "Host": "localhost:41999"}, 200, `"Type":"AWS-HMAC"`},
		{"role without a token", "GET", imdsCredsPath, nil, 401, ""},
		{"credentials without a token", "GET", credsPath, nil, 401, ""},
		{"credentials with a wrong token", "GET", credsPath, map[string]string{imdsTokenHeader: "AAAA" + tok[4:]}, 401, ""},
		{"credentials with another server's token", "GET", credsPath, map[string]string{imdsTokenHeader: foreign}, 401, ""},
		{"credentials with garbage", "GET", credsPath, map[string]string{imdsTokenHeader: "not a token"}, 401, ""},
		{"unknown path without a token", "GET", "/latest/meta-data/placement/region", nil, 401, ""},
		{"unknown path", "GET", "/latest/meta-data/placement/availability-zone/", good, 404, ""},
		{"other role", "GET", imdsCredsPath + "admin", good, 404, ""},
		{"escaped role", "GET", imdsCredsPath + "team%2Ddev-profile", good, 404, ""},
		{"X-Forwarded-For on GET", "GET", credsPath, map[string]string{imdsTokenHeader: tok, "X-Forwarded-For": "1.2.3.4"}, 403, ""},
		{"X-Forwarded-For on PUT", "PUT", imdsTokenPath, map[string]string{imdsTTLHeader: "60", "X-Forwarded-For": "1.2.3.4"}, 403, ""},
		{"foreign Host on GET", "GET", credsPath, map[string]string{imdsTokenHeader: tok, "Host": "evil.example:41999"}, 403, ""},
		{"foreign Host on PUT", "PUT", imdsTokenPath, map[string]string{imdsTTLHeader: "60", "Host": "169.254.169.254"}, 403, ""},
		{"GET token", "GET", imdsTokenPath, map[string]string{imdsTTLHeader: "60"}, 405, ""},
		{"POST credentials", "POST", credsPath, good, 405, ""},
		{"PUT without TTL", "PUT", imdsTokenPath, nil, 400, ""},
		{"PUT with TTL 0", "PUT", imdsTokenPath, map[string]string{imdsTTLHeader: "0"}, 400, ""},
		{"PUT with TTL 21601", "PUT", imdsTokenPath, map[string]string{imdsTTLHeader: "21601"}, 400, ""},
		{"PUT with TTL -1", "PUT", imdsTokenPath, map[string]string{imdsTTLHeader: "-1"}, 400, ""},
		{"PUT with TTL abc", "PUT", imdsTokenPath, map[string]string{imdsTTLHeader: "abc"}, 400, ""},
		{"PUT with a huge TTL", "PUT", imdsTokenPath, map[string]string{imdsTTLHeader: "99999999999999999999"}, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := do(t, m, tt.method, tt.target, tt.header)
			b := body(t, resp)
			if resp.StatusCode != tt.want || !strings.Contains(b, tt.body) {
				t.Fatalf("%d %q, want %d with %q", resp.StatusCode, b, tt.want, tt.body)
			}
			if resp.StatusCode != 200 {
				noSecret(t, "refusal", b, res)
			}
		})
	}

	resp := do(t, m, http.MethodGet, credsPath, good)
	var doc map[string]string
	if err := json.Unmarshal([]byte(body(t, resp)), &doc); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"Code": "Success", "LastUpdated": "2026-11-21T10:00:00Z", "Type": "AWS-HMAC", "AccessKeyId": res.AccessKeyID,
		"SecretAccessKey": res.SecretAccessKey, "Token": res.SessionToken, "Expiration": "2026-11-21T11:00:00Z"}
	if len(doc) != len(want) {
		t.Errorf("document %v", doc)
	}
	for k, v := range want {
		if doc[k] != v {
			t.Errorf("%s = %q, want %q", k, doc[k], v)
		}
	}
}

// TestIMDSTokenExpiry: a session token works for its TTL and not a second
// longer.
func TestIMDSTokenExpiry(t *testing.T) {
	t.Parallel()
	clk := newClock()
	res := gen(1, t0.Add(24*time.Hour))
	m, _ := NewIMDS(testAddr, "dev", fixed(res).get, WithClock(clk.Now))
	short := imdsToken(t, m, "10")
	long := imdsToken(t, m, "21600")
	get := func(tok string) int {
		return do(t, m, http.MethodGet, imdsCredsPath+"dev", map[string]string{imdsTokenHeader: tok}).StatusCode
	}
	steps := []struct {
		advance     time.Duration
		short, long int
	}{
		{0, 200, 200},
		{9 * time.Second, 200, 200},
		{999 * time.Millisecond, 200, 200},
		{time.Millisecond, 401, 200},
		{6*time.Hour - 10*time.Second - time.Millisecond, 401, 200},
		{time.Millisecond, 401, 401},
	}
	for i, s := range steps {
		clk.Advance(s.advance)
		if got := get(short); got != s.short {
			t.Errorf("step %d: the 10-second token gives %d, want %d", i, got, s.short)
		}
		if got := get(long); got != s.long {
			t.Errorf("step %d: the 6-hour token gives %d, want %d", i, got, s.long)
		}
	}
	// A new token works again.
	if got := get(imdsToken(t, m, "60")); got != 200 {
		t.Errorf("a new token gives %d", got)
	}
}
