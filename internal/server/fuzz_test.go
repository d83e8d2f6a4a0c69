package server

import (
	"bufio"
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzHandlers feeds raw HTTP requests to both handlers: nothing panics,
// and no response carries any part of the credentials unless the request
// was made to the server's own host, without X-Forwarded-For, with the
// valid token (ECS: the exact Authorization value; IMDS: the exact session
// token the fuzz harness was issued, the only valid one it can know, as
// tokens are signed). In requests, {ADDR}, {ECS_PATH}, {ECS_TOKEN},
// {IMDS_TOKEN} and {ROLE} stand for this run's values, {EXPIRED_TOKEN} for
// an expired IMDS token and {FOREIGN_TOKEN} for another server's.
//
//	go test -run '^$' -fuzz FuzzHandlers ./internal/server
func FuzzHandlers(f *testing.F) {
	for _, seed := range []string{
		"GET {ECS_PATH} HTTP/1.1\r\nHost: {ADDR}\r\nAuthorization: {ECS_TOKEN}\r\n\r\n",
		"GET {ECS_PATH} HTTP/1.1\r\nHost: localhost:41999\r\nAuthorization: {ECS_TOKEN}\r\nAccept: application/json\r\n\r\n",
		"GET {ECS_PATH} HTTP/1.1\r\nHost: {ADDR}\r\n\r\n",
		"GET {ECS_PATH} HTTP/1.1\r\nHost: evil.example:41999\r\nAuthorization: {ECS_TOKEN}\r\n\r\n",
		"GET {ECS_PATH} HTTP/1.1\r\nHost: {ADDR}\r\nAuthorization: {ECS_TOKEN}\r\nX-Forwarded-For: 1.2.3.4\r\n\r\n",
		"GET {ECS_PATH} HTTP/1.1\r\nHost: {ADDR}\r\nAuthorization: {ECS_TOKEN}\r\nAuthorization: {ECS_TOKEN}\r\n\r\n",
		"GET http://{ADDR}{ECS_PATH} HTTP/1.1\r\nHost: evil.example\r\nAuthorization: {ECS_TOKEN}\r\n\r\n",
		"PUT /latest/api/token HTTP/1.1\r\nHost: {ADDR}\r\nX-aws-ec2-metadata-token-ttl-seconds: 21600\r\n\r\n",
		"PUT /latest/api/token HTTP/1.1\r\nHost: {ADDR}\r\nX-aws-ec2-metadata-token-ttl-seconds: 0\r\n\r\n",
		"GET /latest/meta-data/iam/security-credentials/ HTTP/1.1\r\nHost: {ADDR}\r\nx-aws-ec2-metadata-token: {IMDS_TOKEN}\r\n\r\n",
		"GET /latest/meta-data/iam/security-credentials/{ROLE} HTTP/1.1\r\nHost: {ADDR}\r\nx-aws-ec2-metadata-token: {IMDS_TOKEN}\r\n\r\n",
		"GET /latest/meta-data/iam/security-credentials/{ROLE} HTTP/1.1\r\nHost: {ADDR}\r\n\r\n",
		"GET /latest/meta-data/iam/security-credentials/{ROLE} HTTP/1.1\r\nHost: {ADDR}\r\nx-aws-ec2-metadata-token: {IMDS_TOKEN}\r\nX-Forwarded-For: 10.0.0.1\r\n\r\n",
		"GET /latest/meta-data/iam/security-credentials/{ROLE}/ HTTP/1.1\r\nHost: 127.0.0.1:41999\r\nx-aws-ec2-metadata-token: AAAA\r\n\r\n",
		"GET /latest/meta-data/iam/security-credentials/{ROLE} HTTP/1.1\r\nHost: {ADDR}\r\nx-aws-ec2-metadata-token: {EXPIRED_TOKEN}\r\n\r\n",
		"GET /latest/meta-data/iam/security-credentials/{ROLE} HTTP/1.1\r\nHost: {ADDR}\r\nx-aws-ec2-metadata-token: {FOREIGN_TOKEN}\r\n\r\n",
		"GET /latest/meta-data/iam/security-credentials/%64ev HTTP/1.1\r\nHost: {ADDR}\r\nx-aws-ec2-metadata-token: {IMDS_TOKEN}\r\n\r\n",
		"POST {ECS_PATH}?a=b HTTP/1.0\r\nHost: {ADDR}\r\nAuthorization: {ECS_TOKEN}\r\nContent-Length: 3\r\n\r\nabc",
	} {
		f.Add([]byte(seed))
	}
	res := gen(1, time.Now().Add(24*time.Hour))
	e, err := NewECS(testAddr, fixed(res).get)
	if err != nil {
		f.Fatal(err)
	}
	m, err := NewIMDS(testAddr, "dev", fixed(res).get)
	if err != nil {
		f.Fatal(err)
	}
	other, err := NewIMDS(testAddr, "dev", fixed(res).get)
	if err != nil {
		f.Fatal(err)
	}
	imdsTok := m.newToken(time.Now().Add(6 * time.Hour))
	ecsPath := strings.TrimPrefix(e.URL(), "http://"+testAddr)
	expand := strings.NewReplacer("{ADDR}", testAddr, "{ECS_PATH}", ecsPath, "{ECS_TOKEN}", e.Token(),
		"{IMDS_TOKEN}", imdsTok, "{ROLE}", m.Role(),
		"{EXPIRED_TOKEN}", m.newToken(time.Now().Add(-time.Second)), "{FOREIGN_TOKEN}", other.newToken(time.Now().Add(time.Hour)))

	f.Fuzz(func(t *testing.T, raw []byte) {
		data := []byte(expand.Replace(string(raw)))
		for _, h := range []struct {
			name    string
			handler http.Handler
			header  string
			token   string
		}{
			{"ecs", e, "Authorization", e.Token()},
			{"imds", m, imdsTokenHeader, imdsTok},
		} {
			r, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(data)))
			if err != nil {
				return
			}
			w := httptest.NewRecorder()
			h.handler.ServeHTTP(w, r)
			out := w.Body.String() + headerText(w.Header())
			leaked := false
			for _, s := range []string{res.AccessKeyID, res.SecretAccessKey, res.SessionToken} {
				leaked = leaked || strings.Contains(out, s)
			}
			if !leaked {
				continue
			}
			tok := r.Header.Values(h.header)
			switch {
			case len(tok) != 1 || tok[0] != h.token:
				t.Fatalf("%s: credentials without the valid token (%q):\n%q\n-> %d %s", h.name, tok, data, w.Code, out)
			case !hostAllowed(r.Host, "41999"):
				t.Fatalf("%s: credentials for Host %q:\n%q", h.name, r.Host, data)
			case len(r.Header.Values("X-Forwarded-For")) > 0:
				t.Fatalf("%s: credentials with X-Forwarded-For:\n%q", h.name, data)
			case w.Code != http.StatusOK:
				t.Fatalf("%s: credentials in a %d answer:\n%q", h.name, w.Code, data)
			}
		}
	})
}

func headerText(h http.Header) string {
	var b strings.Builder
	_ = h.Write(&b)
	return b.String()
}
