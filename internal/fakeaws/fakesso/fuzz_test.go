package fakesso_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sesamehq/sesame/internal/fakeaws/fakesso"
)

// FuzzOIDC sends arbitrary bodies to the OIDC routes: every answer is a
// success or a well-formed client error, never a server error or a panic.
func FuzzOIDC(f *testing.F) {
	for _, seed := range []struct {
		route uint8
		body  string
	}{
		{0, `{"clientName":"x","clientType":"public","scopes":["sso:account:access"]}`},
		{0, `{"clientName":"x","clientType":"public","grantTypes":["authorization_code"],"redirectUris":["http://127.0.0.1/cb"]}`},
		{1, `{"clientId":"a","clientSecret":"b","startUrl":"c"}`},
		{2, `{"clientId":"a","clientSecret":"b","grantType":"refresh_token","refreshToken":"x","scope":["openid"]}`},
		{2, `{"clientId":["a"]}`},
		{2, `null`},
		{3, `user_code=ABCD-EFGH&action=deny`},
		{4, `request=x&action=allow`},
	} {
		f.Add(seed.route, seed.body)
	}
	clk := newClock()
	srv := fakesso.New(fakesso.Config{Clock: clk.Now, Accounts: fakesso.Generate(1, 1)})
	h := srv.Handler()
	routes := []string{"/client/register", "/device_authorization", "/token", "/device", "/authorize"}
	f.Fuzz(func(t *testing.T, route uint8, body string) {
		path := routes[int(route)%len(routes)]
		req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
		if path == "/device" || path == "/authorize" {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		switch {
		case rec.Code == http.StatusOK || rec.Code == http.StatusFound:
		case rec.Code == http.StatusBadRequest || rec.Code == http.StatusUnauthorized || rec.Code == http.StatusNotFound:
			if strings.HasPrefix(rec.Header().Get("Content-Type"), "text/html") {
				return // a page of the browser routes
			}
			var m map[string]any
			if rec.Header().Get("x-amzn-ErrorType") == "" || json.Unmarshal(rec.Body.Bytes(), &m) != nil || m["error"] == nil {
				t.Fatalf("%s %q: %d %v %s", path, body, rec.Code, rec.Header(), rec.Body)
			}
		default:
			t.Fatalf("%s %q: %d %s", path, body, rec.Code, rec.Body)
		}
	})
}
