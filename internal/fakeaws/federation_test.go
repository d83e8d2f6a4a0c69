package fakeaws

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	fedSecret = "fedSecretKeyDoNotLog/+="
	fedToken  = "fedSessionTokenDoNotLog+/="
)

func sessionJSON(t *testing.T, doc map[string]any) string {
	t.Helper()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func goodSession(t *testing.T, akid string) string {
	return sessionJSON(t, map[string]any{"sessionId": akid, "sessionKey": fedSecret, "sessionToken": fedToken})
}

// get sends GET FederationPath?params to h and returns the status and body.
func get(t *testing.T, h http.Handler, params url.Values) (int, string) {
	t.Helper()
	req := httptest.NewRequest(http.MethodGet, FederationPath+"?"+params.Encode(), nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func signinToken(t *testing.T, body string) string {
	t.Helper()
	var answer struct{ SigninToken string }
	if err := json.Unmarshal([]byte(body), &answer); err != nil || answer.SigninToken == "" {
		t.Fatalf("answer %q has no SigninToken (%v)", body, err)
	}
	return answer.SigninToken
}

func TestFederationGetSigninToken(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name            string
		kind            CredKind // "" leaves the default (role)
		session         func(t *testing.T) string
		sessionDuration string
		wantStatus      int
		wantError       string
	}{
		{name: "role", wantStatus: 200},
		{name: "role with SessionDuration", sessionDuration: "43200", wantStatus: 200},
		{name: "role with the shortest SessionDuration", sessionDuration: "900", wantStatus: 200},
		{name: "SessionDuration too long", sessionDuration: "43201", wantStatus: 400, wantError: "from 900 to 43200"},
		{name: "SessionDuration too short", sessionDuration: "899", wantStatus: 400, wantError: "from 900 to 43200"},
		{name: "SessionDuration not a number", sessionDuration: "1h", wantStatus: 400, wantError: "from 900 to 43200"},
		{name: "chained role", kind: CredRoleChained, wantStatus: 200},
		{name: "chained role with SessionDuration", kind: CredRoleChained, sessionDuration: "3600", wantStatus: 400, wantError: "not allowed with role-chained"},
		{name: "federation token", kind: CredFederationToken, wantStatus: 200},
		{name: "federation token with SessionDuration", kind: CredFederationToken, sessionDuration: "3600", wantStatus: 400, wantError: "not allowed with federation-token"},
		{name: "session token", kind: CredSessionToken, wantStatus: 400, wantError: "GetSessionToken"},
		{name: "long-term keys", session: func(t *testing.T) string {
			return sessionJSON(t, map[string]any{"sessionId": "AKIAEXAMPLE", "sessionKey": fedSecret, "sessionToken": ""})
		}, wantStatus: 400, wantError: "long-term keys"},
		{name: "missing key", session: func(t *testing.T) string {
			return sessionJSON(t, map[string]any{"sessionId": "ASIAEXAMPLE", "sessionKey": fedSecret})
		}, wantStatus: 400, wantError: "exactly the keys"},
		{name: "extra key", session: func(t *testing.T) string {
			return sessionJSON(t, map[string]any{"sessionId": "ASIAEXAMPLE", "sessionKey": fedSecret, "sessionToken": fedToken, "SessionType": "json"})
		}, wantStatus: 400, wantError: "exactly the keys"},
		{name: "AWS SDK key names", session: func(t *testing.T) string {
			return sessionJSON(t, map[string]any{"AccessKeyId": "ASIAEXAMPLE", "SecretAccessKey": fedSecret, "SessionToken": fedToken})
		}, wantStatus: 400, wantError: "exactly the keys"},
		{name: "not a string", session: func(t *testing.T) string {
			return sessionJSON(t, map[string]any{"sessionId": 12, "sessionKey": fedSecret, "sessionToken": fedToken})
		}, wantStatus: 400, wantError: "not a string"},
		{name: "empty sessionKey", session: func(t *testing.T) string {
			return sessionJSON(t, map[string]any{"sessionId": "ASIAEXAMPLE", "sessionKey": "", "sessionToken": fedToken})
		}, wantStatus: 400, wantError: "must not be empty"},
		{name: "not JSON", session: func(*testing.T) string { return "sessionId=x" }, wantStatus: 400, wantError: "not a JSON object"},
		{name: "JSON null", session: func(*testing.T) string { return "null" }, wantStatus: 400, wantError: "not a JSON object"},
		{name: "no Session", session: func(*testing.T) string { return "" }, wantStatus: 400, wantError: "missing Session"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := NewFederation()
			const akid = "ASIAEXAMPLE"
			if tt.kind != "" {
				f.SetKind(akid, tt.kind)
			}
			session := goodSession(t, akid)
			if tt.session != nil {
				session = tt.session(t)
			}
			params := url.Values{"Action": {"getSigninToken"}}
			if session != "" {
				params.Set("Session", session)
			}
			if tt.sessionDuration != "" {
				params.Set("SessionDuration", tt.sessionDuration)
			}
			status, body := get(t, f, params)
			if status != tt.wantStatus || !strings.Contains(body, tt.wantError) {
				t.Fatalf("answer %d %q, want %d containing %q", status, body, tt.wantStatus, tt.wantError)
			}
			if status == 200 {
				signinToken(t, body)
			}
			reqs := f.Requests()
			if len(reqs) != 1 {
				t.Fatalf("log has %d entries, want 1", len(reqs))
			}
			r := reqs[0]
			if r.Action != "getSigninToken" || r.SessionDuration != tt.sessionDuration || r.Status != tt.wantStatus || (tt.wantStatus != 200) != (r.Error != "") {
				t.Errorf("logged %+v", r)
			}
			if tt.session == nil && (strings.Join(r.SessionKeys, ",") != "sessionId,sessionKey,sessionToken" || r.AccessKeyID != akid) {
				t.Errorf("logged keys %v and access key %q", r.SessionKeys, r.AccessKeyID)
			}
			log, _ := json.Marshal(reqs)
			if strings.Contains(string(log), "DoNotLog") {
				t.Errorf("the log holds a secret: %s", log)
			}
		})
	}
}

func TestFederationLogin(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	f := NewFederation(FederationClock(clock))
	f.SetDefaultKind(CredFederationToken)
	status, body := get(t, f, url.Values{"Action": {"getSigninToken"}, "Session": {goodSession(t, "ASIAFEDERATED")}})
	if status != 200 {
		t.Fatalf("getSigninToken: %d %s", status, body)
	}
	token := signinToken(t, body)
	dest := "https://console.aws.amazon.com/console/home?region=eu-west-1&x=<b>"

	status, body = get(t, f, url.Values{"Action": {"login"}, "Issuer": {"sesame"}, "Destination": {dest}, "SigninToken": {token}})
	if status != 200 || !strings.Contains(body, `id="destination" href="https://console.aws.amazon.com/console/home?region=eu-west-1&amp;x=&lt;b&gt;"`) ||
		!strings.Contains(body, "ASIAFEDERATED") {
		t.Fatalf("login: %d %s", status, body)
	}
	for _, tt := range []struct {
		name   string
		params url.Values
		want   string
	}{
		{"unknown token", url.Values{"Action": {"login"}, "Destination": {dest}, "SigninToken": {"nope"}}, "unknown SigninToken"},
		{"no token", url.Values{"Action": {"login"}, "Destination": {dest}}, "missing SigninToken"},
		{"no destination", url.Values{"Action": {"login"}, "SigninToken": {token}}, "missing Destination"},
		{"unknown action", url.Values{"Action": {"logout"}}, "unknown Action"},
		{"no action", url.Values{}, "missing Action"},
	} {
		if status, body := get(t, f, tt.params); status != 400 || !strings.Contains(body, tt.want) {
			t.Errorf("%s: %d %q, want 400 %q", tt.name, status, body, tt.want)
		}
	}
	mu.Lock()
	now = now.Add(SigninTokenLifetime)
	mu.Unlock()
	if status, body := get(t, f, url.Values{"Action": {"login"}, "Destination": {dest}, "SigninToken": {token}}); status != 400 || !strings.Contains(body, "expired") {
		t.Errorf("login after 15 minutes: %d %q", status, body)
	}

	reqs := f.Requests()
	if len(reqs) != 8 {
		t.Fatalf("log has %d entries, want 8", len(reqs))
	}
	ok := reqs[1]
	if ok.Action != "login" || ok.Issuer != "sesame" || ok.Destination != dest || !ok.SigninTokenValid || ok.AccessKeyID != "ASIAFEDERATED" ||
		ok.Kind != CredFederationToken || ok.Status != 200 {
		t.Errorf("logged login %+v", ok)
	}
	if reqs[2].SigninTokenValid || reqs[7].SigninTokenValid || reqs[7].Error != "expired SigninToken" {
		t.Errorf("logged refusals %+v / %+v", reqs[2], reqs[7])
	}
	log, _ := json.Marshal(reqs)
	if strings.Contains(string(log), token) || strings.Contains(string(log), "DoNotLog") {
		t.Errorf("the log holds a secret: %s", log)
	}
}

// TestFederationHTTP serves the fake on loopback and talks to it as a
// client does: POST forms, the log's own paths, other paths and methods.
func TestFederationHTTP(t *testing.T) {
	t.Parallel()
	f := NewFederation()
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)

	form := url.Values{"Action": {"getSigninToken"}, "SessionDuration": {"3600"}, "Session": {goodSession(t, "ASIAPOST")}}
	resp, err := http.PostForm(srv.URL+FederationPath, form)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("POST getSigninToken: %s %s", resp.Status, body)
	}
	signinToken(t, string(body))

	for _, tt := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/", 404},
		{http.MethodGet, "/federation/extra", 404},
		{http.MethodPut, FederationPath, 405},
		{http.MethodPost, FederationRequestsPath, 405},
		{http.MethodGet, FederationResetPath, 405},
	} {
		req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.want {
			t.Errorf("%s %s: %s, want %d", tt.method, tt.path, resp.Status, tt.want)
		}
	}

	resp, err = http.Get(srv.URL + FederationRequestsPath)
	if err != nil {
		t.Fatal(err)
	}
	var log []FederationRequest
	err = json.NewDecoder(resp.Body).Decode(&log)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	// The POST and the PUT to FederationPath.
	if len(log) != 2 || log[0].Method != "POST" || log[0].SessionDuration != "3600" || log[0].AccessKeyID != "ASIAPOST" || log[1].Status != 405 {
		t.Fatalf("log = %+v", log)
	}
	resp, err = http.Post(srv.URL+FederationResetPath, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || len(f.Requests()) != 0 {
		t.Errorf("reset: %s, %d entries left", resp.Status, len(f.Requests()))
	}
}

func TestFederationConcurrent(t *testing.T) {
	t.Parallel()
	f := NewFederation()
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Go(func() {
			if i%2 == 0 {
				f.SetKind("ASIAEXAMPLE", CredRoleChained)
			}
			get(t, f, url.Values{"Action": {"getSigninToken"}, "Session": {goodSession(t, "ASIAEXAMPLE")}})
			_ = f.Requests()
		})
	}
	wg.Wait()
	if n := len(f.Requests()); n != 20 {
		t.Errorf("%d requests logged, want 20", n)
	}
}

// FuzzFederationSession sends any Session document: the fake never panics,
// accepts only a well-formed one and never logs its secrets.
func FuzzFederationSession(f *testing.F) {
	f.Add(`{"sessionId":"ASIA","sessionKey":"k","sessionToken":"t"}`, "")
	f.Add(`{"sessionId":"ASIA","sessionKey":"k","sessionToken":"t"}`, "3600")
	f.Add(`{"sessionId":"ASIA","sessionKey":"k"}`, "")
	f.Add(`[1,2]`, "900")
	f.Add(`{"sessionId":null,"sessionKey":"k","sessionToken":"t"}`, "x")
	f.Fuzz(func(t *testing.T, session, duration string) {
		fed := NewFederation()
		params := url.Values{"Action": {"getSigninToken"}, "Session": {session}}
		if duration != "" {
			params.Set("SessionDuration", duration)
		}
		status, body := get(t, fed, params)
		var doc map[string]any
		wellFormed := json.Unmarshal([]byte(session), &doc) == nil && len(doc) == 3
		if status == 200 {
			if !wellFormed {
				t.Fatalf("accepted %q", session)
			}
			signinToken(t, body)
			for _, k := range sessionKeys {
				if s, ok := doc[k].(string); !ok || s == "" {
					t.Fatalf("accepted %q without a %s", session, k)
				}
			}
		}
		reqs := fed.Requests()
		if len(reqs) != 1 || reqs[0].Status != status {
			t.Fatalf("log %+v", reqs)
		}
		if status == 200 {
			// Secrets long enough not to occur in the log by chance, and
			// not part of the (logged) access key id.
			id, _ := doc["sessionId"].(string)
			log, _ := json.Marshal(reqs)
			for _, k := range []string{"sessionKey", "sessionToken"} {
				secret, _ := doc[k].(string)
				if len(secret) >= 16 && !strings.Contains(id, secret) && strings.Contains(string(log), secret) {
					t.Fatalf("the log holds the %s: %s", k, log)
				}
			}
		}
	})
}
