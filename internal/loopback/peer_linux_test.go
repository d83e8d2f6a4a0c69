package loopback

import (
	"errors"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/testenv"
)

// TestOtherUIDRefused: a request from another uid (nobody, through
// setpriv) gets 403 and neither uses up the redirect nor ends the
// callback; the same requests from this uid work.
func TestOtherUIDRefused(t *testing.T) {
	t.Parallel()
	setpriv := testenv.NeedCommand(t, "setpriv", "apt-get install -y util-linux")
	curl := testenv.NeedCommand(t, "curl", "apt-get install -y curl")
	if os.Getuid() != 0 {
		testenv.SkipOrFail(t, errors.New("changing uid with setpriv needs root"))
	}
	asNobody := func(u string) string {
		t.Helper()
		out, err := exec.Command(setpriv, "--reuid", "65534", "--regid", "65534", "--clear-groups",
			curl, "-sS", "-o", "/dev/null", "-w", "%{http_code}", u).CombinedOutput()
		if err != nil {
			t.Fatalf("curl as nobody: %v\n%s", err, out)
		}
		return strings.TrimSpace(string(out))
	}

	r, err := NewRedirect(t.Context(), target, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if code := asNobody(r.URL()); code != "403" {
		t.Errorf("redirect as nobody: %s, want 403", code)
	}
	if r.Used() {
		t.Fatal("nobody used the redirect up")
	}
	if resp, _ := get(t, r.URL()); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("redirect as this uid: %s", resp.Status)
	}

	c, err := NewCallback("/cb", "s")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if code := asNobody(c.URL() + "?code=evil&state=s"); code != "403" {
		t.Errorf("callback as nobody: %s, want 403", code)
	}
	go func() {
		if resp, err := http.Get(c.URL() + "?code=good&state=s"); err == nil {
			resp.Body.Close()
		}
	}()
	if code, err := c.Wait(t.Context()); err != nil || code != "good" {
		t.Errorf("Wait = %q, %v", code, err)
	}
}
