package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sesamehq/sesame/internal/fakeaws"
)

func TestFederationCommand(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	r, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- serveFederation(ctx, []string{"--kind", "ASIACHAINED=role-chained", "--default-kind", "federation-token"}, w, io.Discard)
		w.Close()
	}()
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, r) }()
	name, base, _ := strings.Cut(strings.TrimSpace(line), " ")
	if name != "federation" || !strings.HasPrefix(base, "http://127.0.0.1:") || !strings.HasSuffix(base, fakeaws.FederationPath) {
		t.Fatalf("ready line %q", line)
	}
	session := func(id string) string {
		b, _ := json.Marshal(map[string]string{"sessionId": id, "sessionKey": "k", "sessionToken": "t"})
		return string(b)
	}
	for id, want := range map[string]int{"ASIACHAINED": 400, "ASIAOTHER": 400} {
		resp, err := http.Get(base + "?" + url.Values{"Action": {"getSigninToken"}, "SessionDuration": {"3600"}, "Session": {session(id)}}.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("%s with SessionDuration: %s, want %d", id, resp.Status, want)
		}
	}
	resp, err := http.Get(strings.TrimSuffix(base, fakeaws.FederationPath) + fakeaws.FederationRequestsPath)
	if err != nil {
		t.Fatal(err)
	}
	var log []fakeaws.FederationRequest
	err = json.NewDecoder(resp.Body).Decode(&log)
	resp.Body.Close()
	if err != nil || len(log) != 2 {
		t.Fatalf("log %+v (%v)", log, err)
	}
	kinds := map[string]fakeaws.CredKind{log[0].AccessKeyID: log[0].Kind, log[1].AccessKeyID: log[1].Kind}
	if kinds["ASIACHAINED"] != fakeaws.CredRoleChained || kinds["ASIAOTHER"] != fakeaws.CredFederationToken {
		t.Errorf("kinds %v", kinds)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serveFederation: %v", err)
	}
}

func TestFederationFlags(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "0.0.0.0:0"}, "not a loopback"},
		{[]string{"--addr", "localhost:0"}, "not a loopback"},
		{[]string{"--kind", "ASIAX=admin"}, "unknown kind"},
		{[]string{"--kind", "ASIAX"}, "ACCESS_KEY_ID=KIND"},
		{[]string{"--default-kind", "long-term"}, "unknown --default-kind"},
		{[]string{"extra"}, "unexpected argument"},
	} {
		if _, err := parseFederation(tt.args, io.Discard); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: %v, want %q", tt.args, err, tt.want)
		}
	}
	o, err := parseFederation([]string{"--addr", "[::1]:0", "--kind", "A=role", "--kind", "B=session-token"}, io.Discard)
	if err != nil || o.DefaultKind != fakeaws.CredRole || len(o.Kinds) != 2 || o.Kinds["B"] != fakeaws.CredSessionToken {
		t.Errorf("options %+v (%v)", o, err)
	}
}
