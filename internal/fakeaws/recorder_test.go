package fakeaws_test

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/fakeaws"
)

const (
	testKeyID     = "AKIAIOSFODNN7EXAMPLE"
	testSignature = "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024"
	testToken     = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN"
)

// seen is what the fake upstream received for one request.
type seen struct {
	Host          string
	Body          string
	ContentLength int64
	Header        http.Header
}

// upstream starts a loopback server that remembers what it received and
// answers with status (and an AWS XML error for 4xx/5xx).
func upstream(t *testing.T, status int) (*url.URL, func() []seen) {
	t.Helper()
	var (
		mu  sync.Mutex
		got []seen
	)
	srv := newLoopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			t.Errorf("upstream: read body: %v", err)
		}
		mu.Lock()
		got = append(got, seen{Host: r.Host, Body: string(body), ContentLength: r.ContentLength, Header: r.Header.Clone()})
		mu.Unlock()
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(status)
		if status >= 400 {
			_, _ = io.WriteString(w, `<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>nope</Message></Error></ErrorResponse>`)
			return
		}
		_, _ = io.WriteString(w, "<ok/>")
	}))
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	return u, func() []seen {
		mu.Lock()
		defer mu.Unlock()
		return append([]seen(nil), got...)
	}
}

func newLoopbackServer(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: h}}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv
}

func sigv4Auth(keyID, service string) string {
	return "AWS4-HMAC-SHA256 Credential=" + keyID + "/20260101/us-east-1/" + service +
		"/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=" + testSignature
}

func do(t *testing.T, req *http.Request) (int, string) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestRecorderFormPost(t *testing.T) {
	t.Parallel()
	up, got := upstream(t, http.StatusOK)
	rec := fakeaws.NewRecorder(up)
	proxy := newLoopbackServer(t, rec)

	form := "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fdev" +
		"&RoleSessionName=s1&DurationSeconds=900&SerialNumber=arn%3Aaws%3Aiam%3A%3A123456789012%3Amfa%2Fme&TokenCode=123456" +
		"&Tags.member.1.Key=team&Tags.member.1.Value=a&Tags.member.2.Key=env&Tags.member.2.Value=b"
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, proxy.URL+"/", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	req.Header.Set("Authorization", sigv4Auth(testKeyID, "sts"))
	req.Header.Set("X-Amz-Security-Token", testToken)
	if status, body := do(t, req); status != http.StatusOK || body != "<ok/>" {
		t.Fatalf("response = %d %q, want 200 <ok/>", status, body)
	}

	// The body reaches upstream unchanged, with its length and the client's Host.
	up1 := got()
	if len(up1) != 1 {
		t.Fatalf("upstream saw %d requests, want 1", len(up1))
	}
	if up1[0].Body != form {
		t.Errorf("upstream body = %q, want %q", up1[0].Body, form)
	}
	if up1[0].ContentLength != int64(len(form)) {
		t.Errorf("upstream Content-Length = %d, want %d", up1[0].ContentLength, len(form))
	}
	if want := strings.TrimPrefix(proxy.URL, "http://"); up1[0].Host != want {
		t.Errorf("upstream Host = %q, want the client's %q (it is signed)", up1[0].Host, want)
	}
	if h := up1[0].Header.Get("X-Forwarded-For"); h != "" {
		t.Errorf("upstream got X-Forwarded-For %q, want none", h)
	}
	if up1[0].Header.Get("Authorization") != sigv4Auth(testKeyID, "sts") {
		t.Errorf("Authorization header not forwarded intact: %q", up1[0].Header.Get("Authorization"))
	}

	reqs := rec.Requests()
	if len(reqs) != 1 {
		t.Fatalf("recorded %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	checks := []struct{ name, got, want string }{
		{"Method", r.Method, "POST"},
		{"Path", r.Path, "/"},
		{"Service", r.Service, "sts"},
		{"Region", r.Region, "us-east-1"},
		{"Action", r.Action, "AssumeRole"},
		{"AccessKeyID", r.AccessKeyID, testKeyID},
		{"RoleArn", r.Param("RoleArn"), "arn:aws:iam::123456789012:role/dev"},
		{"DurationSeconds", r.Param("DurationSeconds"), "900"},
		{"SerialNumber", r.Param("SerialNumber"), "arn:aws:iam::123456789012:mfa/me"},
		{"TokenCode", r.Param("TokenCode"), "123456"},
		{"Tags.member.2.Key", r.Param("Tags.member.2.Key"), "env"},
		{"Version", r.Param("Version"), "2011-06-15"},
		{"Missing", r.Param("ExternalId"), ""},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if r.Status != http.StatusOK || r.ErrorCode != "" {
		t.Errorf("Status, ErrorCode = %d, %q; want 200, \"\"", r.Status, r.ErrorCode)
	}
	if r.Time.IsZero() {
		t.Error("Time not set")
	}
	if n := rec.Count("sts", "AssumeRole"); n != 1 {
		t.Errorf("Count(sts, AssumeRole) = %d, want 1", n)
	}

	// Nothing secret is kept.
	all, err := json.Marshal(reqs)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{testSignature, testToken} {
		if strings.Contains(string(all), secret) {
			t.Errorf("recorded log contains a secret %q: %s", secret, all)
		}
	}
}

func TestRecorderRequestKinds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		method      string
		target      string // path and query
		contentType string
		body        string
		header      map[string]string
		want        fakeaws.Request
		wantParams  map[string]string
		absent      []string
	}{
		{
			name:        "unsigned web identity, service from Version",
			method:      "POST",
			target:      "/",
			contentType: "application/x-www-form-urlencoded",
			body:        "Action=AssumeRoleWithWebIdentity&Version=2011-06-15&WebIdentityToken=eyJ",
			want:        fakeaws.Request{Method: "POST", Path: "/", Service: "sts", Action: "AssumeRoleWithWebIdentity"},
			wantParams:  map[string]string{"WebIdentityToken": "eyJ"},
		},
		{
			name:   "presigned GET, credential from query, signature dropped",
			method: "GET",
			target: "/?Action=GetCallerIdentity&Version=2011-06-15&X-Amz-Algorithm=AWS4-HMAC-SHA256" +
				"&X-Amz-Credential=" + url.QueryEscape(testKeyID+"/20260101/eu-west-1/sts/aws4_request") +
				"&X-Amz-Signature=" + testSignature + "&X-Amz-Security-Token=" + testToken,
			want:       fakeaws.Request{Method: "GET", Path: "/", Service: "sts", Region: "eu-west-1", Action: "GetCallerIdentity", AccessKeyID: testKeyID},
			wantParams: map[string]string{"X-Amz-Algorithm": "AWS4-HMAC-SHA256"},
			absent:     []string{"X-Amz-Signature", "X-Amz-Security-Token", "X-Amz-Credential"},
		},
		{
			name:        "IAM form post",
			method:      "POST",
			target:      "/",
			contentType: "application/x-www-form-urlencoded",
			body:        "Action=CreateUser&Version=2010-05-08&UserName=alice",
			header:      map[string]string{"Authorization": sigv4Auth("AKIDIAM", "iam")},
			want:        fakeaws.Request{Method: "POST", Path: "/", Service: "iam", Region: "us-east-1", Action: "CreateUser", AccessKeyID: "AKIDIAM"},
			wantParams:  map[string]string{"UserName": "alice"},
		},
		{
			name:        "JSON protocol, action from X-Amz-Target, body not parsed",
			method:      "POST",
			target:      "/",
			contentType: "application/x-amz-json-1.1",
			body:        `{"Action":"NotThis"}`,
			header: map[string]string{
				"Authorization": "AWS4-ECDSA-P256-SHA256 Credential=AKIDV4A/20260101/sso/aws4_request, SignedHeaders=host, Signature=abc",
				"X-Amz-Target":  "SWBPortalService.GetRoleCredentials",
			},
			want: fakeaws.Request{Method: "POST", Path: "/", Service: "sso", Action: "GetRoleCredentials", AccessKeyID: "AKIDV4A"},
		},
		{
			name:   "plain path, nothing AWS",
			method: "GET",
			target: "/federation/credentials",
			want:   fakeaws.Request{Method: "GET", Path: "/federation/credentials"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			up, got := upstream(t, http.StatusOK)
			rec := fakeaws.NewRecorder(up)
			proxy := newLoopbackServer(t, rec)
			var body io.Reader
			if tt.body != "" {
				body = strings.NewReader(tt.body)
			}
			req, err := http.NewRequestWithContext(t.Context(), tt.method, proxy.URL+tt.target, body)
			if err != nil {
				t.Fatal(err)
			}
			if tt.contentType != "" {
				req.Header.Set("Content-Type", tt.contentType)
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			if status, _ := do(t, req); status != http.StatusOK {
				t.Fatalf("status %d, want 200", status)
			}
			if ups := got(); len(ups) != 1 || ups[0].Body != tt.body {
				t.Fatalf("upstream got %+v, want one request with body %q", ups, tt.body)
			}
			reqs := rec.Requests()
			if len(reqs) != 1 {
				t.Fatalf("recorded %d requests, want 1", len(reqs))
			}
			r := reqs[0]
			r.Time, r.Params, r.Status = time.Time{}, nil, 0
			if !reflect.DeepEqual(r, tt.want) {
				t.Errorf("recorded\n%+v\nwant\n%+v", r, tt.want)
			}
			for k, v := range tt.wantParams {
				if got := reqs[0].Param(k); got != v {
					t.Errorf("param %s = %q, want %q", k, got, v)
				}
			}
			for _, k := range tt.absent {
				if _, ok := reqs[0].Params[k]; ok {
					t.Errorf("param %s recorded, want it dropped", k)
				}
			}
		})
	}
}

func TestRecorderErrorsAndUpstreamDown(t *testing.T) {
	t.Parallel()
	t.Run("AWS error code", func(t *testing.T) {
		t.Parallel()
		up, _ := upstream(t, http.StatusForbidden)
		rec := fakeaws.NewRecorder(up)
		proxy := newLoopbackServer(t, rec)
		req, err := http.NewRequestWithContext(t.Context(), "POST", proxy.URL+"/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		status, body := do(t, req)
		if status != http.StatusForbidden || !strings.Contains(body, "<Code>InvalidClientTokenId</Code>") {
			t.Fatalf("client got %d %q, want the upstream error passed through", status, body)
		}
		r := rec.Requests()[0]
		if r.Status != http.StatusForbidden || r.ErrorCode != "InvalidClientTokenId" {
			t.Errorf("Status, ErrorCode = %d, %q; want 403, InvalidClientTokenId", r.Status, r.ErrorCode)
		}
	})
	t.Run("upstream down", func(t *testing.T) {
		t.Parallel()
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		dead := &url.URL{Scheme: "http", Host: l.Addr().String()}
		l.Close()
		rec := fakeaws.NewRecorder(dead)
		proxy := newLoopbackServer(t, rec)
		req, err := http.NewRequestWithContext(t.Context(), "GET", proxy.URL+"/?Action=GetCallerIdentity", nil)
		if err != nil {
			t.Fatal(err)
		}
		if status, _ := do(t, req); status != http.StatusBadGateway {
			t.Errorf("status %d, want 502", status)
		}
		if r := rec.Requests(); len(r) != 1 || r[0].Status != http.StatusBadGateway || r[0].Action != "GetCallerIdentity" {
			t.Errorf("recorded %+v, want one GetCallerIdentity with status 502", r)
		}
	})
}

func TestRecorderHTTPInterface(t *testing.T) {
	t.Parallel()
	up, got := upstream(t, http.StatusOK)
	rec := fakeaws.NewRecorder(up)
	proxy := newLoopbackServer(t, rec)

	get := func() []fakeaws.Request {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), "GET", proxy.URL+fakeaws.RequestsPath, nil)
		if err != nil {
			t.Fatal(err)
		}
		status, body := do(t, req)
		if status != http.StatusOK {
			t.Fatalf("GET %s: %d %s", fakeaws.RequestsPath, status, body)
		}
		var reqs []fakeaws.Request
		if err := json.Unmarshal([]byte(body), &reqs); err != nil {
			t.Fatalf("decode %q: %v", body, err)
		}
		if reqs == nil {
			t.Fatalf("GET %s = %q, want a JSON array", fakeaws.RequestsPath, body)
		}
		return reqs
	}

	if reqs := get(); len(reqs) != 0 {
		t.Fatalf("fresh log = %+v, want empty", reqs)
	}
	for _, action := range []string{"GetCallerIdentity", "GetCallerIdentity", "ListUsers"} {
		req, err := http.NewRequestWithContext(t.Context(), "POST", proxy.URL+"/", strings.NewReader("Action="+action))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", sigv4Auth(testKeyID, map[bool]string{true: "iam", false: "sts"}[action == "ListUsers"]))
		do(t, req)
	}
	reqs := get()
	if len(reqs) != 3 || reqs[0].Action != "GetCallerIdentity" || reqs[2].Service != "iam" || reqs[2].Status != 200 {
		t.Fatalf("log over HTTP = %+v", reqs)
	}
	for _, c := range []struct {
		service, action string
		want            int
	}{
		{"sts", "GetCallerIdentity", 2},
		{"iam", "ListUsers", 1},
		{"iam", "GetCallerIdentity", 0},
		{"", "GetCallerIdentity", 2},
		{"iam", "", 1},
		{"", "", 3},
	} {
		if n := rec.Count(c.service, c.action); n != c.want {
			t.Errorf("Count(%q, %q) = %d, want %d", c.service, c.action, n, c.want)
		}
	}

	// Requests returns a copy.
	reqs = rec.Requests()
	reqs[0].Params["Action"][0] = "Changed"
	reqs[0].Action = "Changed"
	if a := rec.Requests()[0]; a.Action != "GetCallerIdentity" || a.Param("Action") != "GetCallerIdentity" {
		t.Errorf("changing the copy changed the log: %+v", a)
	}

	// Wrong methods on the recorder's paths.
	req, _ := http.NewRequestWithContext(t.Context(), "GET", proxy.URL+fakeaws.ResetPath, nil)
	if status, _ := do(t, req); status != http.StatusMethodNotAllowed {
		t.Errorf("GET %s: %d, want 405", fakeaws.ResetPath, status)
	}
	req, _ = http.NewRequestWithContext(t.Context(), "POST", proxy.URL+fakeaws.ResetPath, nil)
	if status, _ := do(t, req); status != http.StatusNoContent {
		t.Errorf("POST %s: %d, want 204", fakeaws.ResetPath, status)
	}
	if reqs := get(); len(reqs) != 0 {
		t.Errorf("log after reset = %+v, want empty", reqs)
	}
	if n := len(got()); n != 3 {
		t.Errorf("upstream saw %d requests, want 3 (the recorder's own paths are not proxied)", n)
	}
	rec.Reset()
	if n := rec.Count("", ""); n != 0 {
		t.Errorf("Count after Reset = %d", n)
	}
}

func TestRecorderConcurrent(t *testing.T) {
	t.Parallel()
	up, got := upstream(t, http.StatusOK)
	rec := fakeaws.NewRecorder(up)
	proxy := newLoopbackServer(t, rec)
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			req, err := http.NewRequestWithContext(t.Context(), "POST", proxy.URL+"/", strings.NewReader("Action=GetCallerIdentity&Version=2011-06-15"))
			if err != nil {
				t.Error(err)
				return
			}
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			resp.Body.Close()
			if i%10 == 0 {
				_ = rec.Requests()
			}
		})
	}
	wg.Wait()
	if c := rec.Count("sts", "GetCallerIdentity"); c != n {
		t.Errorf("Count = %d, want %d", c, n)
	}
	if len(got()) != n {
		t.Errorf("upstream saw %d, want %d", len(got()), n)
	}
}

func TestRecorderFixMotoErrors(t *testing.T) {
	t.Parallel()
	const motoBody = ` <?xml version="1.0" encoding="utf-8"?>
<ErrorResponse><Errors><Error><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message><Type>Sender</Type></Error></Errors></ErrorResponse>`
	const iamBody = `<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>no user</Message></Error><RequestId>r1</RequestId></ErrorResponse>`
	up := newLoopbackServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("X-Amzn-Requestid", "req-<1>")
		w.WriteHeader(http.StatusForbidden)
		if r.URL.Query().Get("Action") == "GetUser" {
			_, _ = io.WriteString(w, iamBody)
			return
		}
		_, _ = io.WriteString(w, motoBody)
	}))
	upURL, _ := url.Parse(up.URL)

	for _, tc := range []struct {
		name   string
		opts   []fakeaws.Option
		action string
		want   string
	}{
		{"fixed", []fakeaws.Option{fakeaws.FixMotoErrors()}, "GetCallerIdentity",
			`<?xml version="1.0" encoding="UTF-8"?>` + "\n" +
				`<ErrorResponse><Error><Code>InvalidClientTokenId</Code><Message>The security token included in the request is invalid.</Message><Type>Sender</Type></Error>` +
				`<RequestId>req-&lt;1&gt;</RequestId></ErrorResponse>` + "\n"},
		{"AWS shape untouched", []fakeaws.Option{fakeaws.FixMotoErrors()}, "GetUser", iamBody},
		{"off by default", nil, "GetCallerIdentity", motoBody},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := fakeaws.NewRecorder(upURL, tc.opts...)
			proxy := newLoopbackServer(t, rec)
			req, err := http.NewRequestWithContext(t.Context(), "GET", proxy.URL+"/?Action="+tc.action, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatal(err)
			}
			if string(body) != tc.want {
				t.Errorf("body =\n%s\nwant\n%s", body, tc.want)
			}
			if resp.StatusCode != http.StatusForbidden || resp.ContentLength != int64(len(tc.want)) {
				t.Errorf("status %d, Content-Length %d; want 403, %d", resp.StatusCode, resp.ContentLength, len(tc.want))
			}
			if r := rec.Requests()[0]; r.Status != http.StatusForbidden || r.ErrorCode == "" {
				t.Errorf("recorded %+v, want status 403 with an error code", r)
			}
		})
	}
}
