package populate

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/sso"
)

func TestProgressLine(t *testing.T) {
	t.Parallel()
	now := t0
	var buf bytes.Buffer
	pl := newProgressLine(&buf, func() time.Time { return now })
	pl.Update(sso.Progress{Accounts: 100, Done: 1, Calls: 2})
	if buf.Len() != 0 {
		t.Errorf("drew at once: %q", buf.String())
	}
	now = now.Add(50 * time.Millisecond)
	pl.Update(sso.Progress{Accounts: 100, Done: 1, Calls: 2})
	if buf.Len() != 0 {
		t.Errorf("drew within a tick: %q", buf.String())
	}
	now = now.Add(60 * time.Millisecond)
	pl.Update(sso.Progress{Accounts: 100, Done: 2, Calls: 3})
	if got := buf.String(); got != "\rsesame: listing roles: 2/100+ accounts" {
		t.Errorf("first draw %q", got)
	}
	buf.Reset()
	now = t0.Add(10 * time.Second)
	pl.Update(sso.Progress{Accounts: 1000, AllFound: true, Done: 190, Calls: 200})
	if got := buf.String(); got != "\rsesame: listing roles: 190/1000 accounts, 20.0 calls/s, ETA 43s" {
		t.Errorf("draw %q", got)
	}
	buf.Reset()
	pl.Stop()
	if got := buf.String(); got != "\r"+strings.Repeat(" ", 63)+"\r" {
		t.Errorf("stop %q", got)
	}
}
