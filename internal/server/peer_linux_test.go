package server

import (
	"context"
	"net"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/testenv"
)

// TestOtherUserRefused: the same request gets the credentials from this
// process's user and 403, with nothing else, from the user nobody, for
// both servers, through curl with an IPv4 socket and with an IPv6 socket
// (an IPv4-mapped address).
func TestOtherUserRefused(t *testing.T) {
	nobody := testenv.AsNobody(t)
	curl := testenv.NeedCommand(t, "curl", "apt-get install -y curl")
	res := gen(1, time.Now().Add(time.Hour))
	var e *ECS
	serve(t, func(addr string) http.Handler {
		var err error
		if e, err = NewECS(addr, fixed(res).get); err != nil {
			t.Fatal(err)
		}
		return e
	})
	var m *IMDS
	serve(t, func(addr string) http.Handler {
		var err error
		if m, err = NewIMDS(addr, "dev", fixed(res).get); err != nil {
			t.Fatal(err)
		}
		return m
	})
	imdsTok := m.newToken(time.Now().Add(time.Hour))
	imdsCreds := strings.TrimSuffix(m.URL(), "/") + imdsCredsPath + m.Role()
	// The same URL reached through an IPv6 socket, at ::ffff:127.0.0.1
	// (the Host header stays the server's own).
	mapped := func(u string) []string {
		hostport, _, _ := strings.Cut(strings.TrimPrefix(u, "http://"), "/")
		_, port, _ := net.SplitHostPort(hostport)
		return []string{"-g", "-H", "Host: " + hostport, strings.Replace(u, hostport, "[::ffff:127.0.0.1]:"+port, 1)}
	}
	for _, tc := range []struct {
		name string
		argv []string
	}{
		{"ecs curl", []string{curl, "-sS", "-i", "-H", "Authorization: " + e.Token(), e.URL()}},
		{"imds curl", []string{curl, "-sS", "-i", "-H", "X-aws-ec2-metadata-token: " + imdsTok, imdsCreds}},
		{"imds token curl", []string{curl, "-sS", "-i", "-X", "PUT", "-H", "X-aws-ec2-metadata-token-ttl-seconds: 60", strings.TrimSuffix(m.URL(), "/") + imdsTokenPath}},
		{"ecs curl IPv6 socket", append([]string{curl, "-sS", "-i", "-H", "Authorization: " + e.Token()}, mapped(e.URL())...)},
		{"imds curl IPv6 socket", append([]string{curl, "-sS", "-i", "-H", "X-aws-ec2-metadata-token: " + imdsTok}, mapped(imdsCreds)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			own := run(t, tc.argv)
			if !strings.HasPrefix(own, "HTTP/1.1 200 ") {
				t.Fatalf("as this process's user: want 200, got:\n%s", own)
			}
			other := run(t, append(append([]string(nil), nobody...), tc.argv...))
			if !strings.HasPrefix(other, "HTTP/1.1 403 Forbidden\r\n") || !strings.Contains(other, "Forbidden: this listener answers only") {
				t.Fatalf("as nobody: want 403, got:\n%s", other)
			}
			for _, secret := range []string{res.AccessKeyID, res.SecretAccessKey, res.SessionToken} {
				if strings.Contains(other, secret) {
					t.Fatalf("the refusal carries a secret:\n%s", other)
				}
			}
		})
	}
}

func run(t *testing.T, argv []string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = "/"
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s: %v\n%s", argv[0], err, out)
	}
	return string(out)
}
