package sso

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssso "github.com/aws/aws-sdk-go-v2/service/sso"

	"github.com/sesamehq/sesame/internal/fakeaws/fakeportal"
	"github.com/sesamehq/sesame/internal/fakeaws/fakesso"
	"github.com/sesamehq/sesame/internal/store"
)

func TestListerPaginates(t *testing.T) {
	t.Parallel()
	accts := fakeportal.AccountsN(250, "Admin", "Dev", "ReadOnly")
	// The portal answers out of order; the listing comes back sorted.
	slices.Reverse(accts)
	p := &fakeportal.Portal{T: t, Accounts: accts, AccountPage: 7, RolePage: 2}
	sl := &fakeportal.NoSleep{}
	var last Progress
	l := &Lister{Portal: p, Token: "tok", Sleep: sl.Sleep, Progress: func(pr Progress) { last = pr }, Workers: 1}
	got, err := l.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 250 {
		t.Fatalf("%d accounts, want 250", len(got))
	}
	for i, a := range got {
		if a.Name != fakeportal.AccountsN(250)[i].Name || !slices.Equal(a.Roles, []string{"Admin", "Dev", "ReadOnly"}) {
			t.Fatalf("account %d = %+v", i, a)
		}
	}
	if n := p.Count("ListAccounts"); n != 36 { // ceil(250/7)
		t.Errorf("ListAccounts called %d times, want 36", n)
	}
	if n := p.Count("ListAccountRoles"); n != 500 { // two pages an account
		t.Errorf("ListAccountRoles called %d times, want 500", n)
	}
	if last.Done != 250 || last.Accounts != 250 || !last.AllFound || last.Calls != 536 {
		t.Errorf("last progress = %+v", last)
	}
	// 536 calls at 20 a second: with no time passing, the last call was
	// told to wait 535 gaps of 50 ms.
	want := 535 * 50 * time.Millisecond
	if last := slices.Max(sl.Waits); last < want-2*time.Second || last > want {
		t.Errorf("the last paced wait is %s, want about %s", last, want)
	}
}

func TestListerRetriesThrottledCalls(t *testing.T) {
	t.Parallel()
	p := &fakeportal.Portal{T: t, Accounts: fakeportal.AccountsN(60, "Admin", "ReadOnly"), AccountPage: 10,
		Throttle: func(op string, n int) bool { return n%3 != 0 }} // two calls of three are refused
	sl := &fakeportal.NoSleep{}
	l := &Lister{Portal: p, Token: "tok", Sleep: sl.Sleep}
	got, err := l.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 60 {
		t.Fatalf("%d accounts, want 60", len(got))
	}
	for _, a := range got {
		if len(a.Roles) != 2 {
			t.Fatalf("account %s has roles %q", a.ID, a.Roles)
		}
	}
	st := l.Stats()
	if st.Throttled != p.Throttled() || st.Throttled < 100 || st.Calls != p.Count("ListAccounts")+p.Count("ListAccountRoles") {
		t.Errorf("stats %+v; the portal throttled %d calls", st, p.Throttled())
	}
	if l.pace.rate >= DefaultRate {
		t.Errorf("the pacer did not slow down: %v calls/s", l.pace.rate)
	}
	// With every call refused twice, some waits are backoffs beyond the
	// pacer's: the pacer alone would ask for at most calls × 1/minRate.
	if sl.Total < time.Duration(st.Throttled)*125*time.Millisecond {
		t.Errorf("waits add up to %s for %d throttled calls", sl.Total, st.Throttled)
	}
}

func TestListerGivesUpOnEndlessThrottling(t *testing.T) {
	t.Parallel()
	p := &fakeportal.Portal{T: t, Accounts: fakeportal.AccountsN(3, "Admin"), Throttle: func(string, int) bool { return true }}
	l := &Lister{Portal: p, Token: "tok", Sleep: (&fakeportal.NoSleep{}).Sleep, ThrottleRetries: 4}
	_, err := l.List(t.Context())
	var ce *CallError
	if !errors.As(err, &ce) || ce.Tries != 5 || !strings.Contains(err.Error(), "ListAccounts failed: TooManyRequestsException (5 tries)") {
		t.Fatalf("err = %v", err)
	}
	if h := ce.NextStep(); !strings.Contains(h, "throttling") {
		t.Errorf("hint %q", h)
	}
}

func TestListerUnauthorized(t *testing.T) {
	t.Parallel()
	p := &fakeportal.Portal{T: t, Accounts: fakeportal.AccountsN(3, "Admin"), Unauthorized: true}
	l := &Lister{Portal: p, Token: "tok", Sleep: (&fakeportal.NoSleep{}).Sleep}
	if _, err := l.List(t.Context()); !errors.Is(err, ErrUnauthorized) {
		t.Fatalf("err = %v, want ErrUnauthorized", err)
	}
	if n := p.Count("ListAccounts"); n != 1 {
		t.Errorf("an unauthorized call was tried %d times", n)
	}
}

func TestListerSkipsAccountsThatWentAway(t *testing.T) {
	t.Parallel()
	accts := fakeportal.AccountsN(3, "Admin")
	p := &fakeportal.Portal{T: t, Accounts: accts, Gone: map[string]bool{accts[1].ID: true}}
	l := &Lister{Portal: p, Token: "tok", Sleep: (&fakeportal.NoSleep{}).Sleep}
	got, err := l.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != accts[0].ID || got[1].ID != accts[2].ID {
		t.Errorf("got %+v", got)
	}
}

func TestListerStopsWithContext(t *testing.T) {
	t.Parallel()
	p := &fakeportal.Portal{T: t, Accounts: fakeportal.AccountsN(500, "Admin")}
	ctx, cancel := context.WithCancel(t.Context())
	l := &Lister{Portal: p, Token: "tok", Rate: 100}
	l.Progress = func(pr Progress) {
		if pr.Done == 5 {
			cancel()
		}
	}
	start := time.Now()
	_, err := l.List(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("List took %s after the context ended", d)
	}
	if n := p.Count("ListAccountRoles"); n > 20 {
		t.Errorf("%d ListAccountRoles calls after the context ended", n)
	}
}

// TestListerBoundsConcurrency holds every ListAccountRoles call until the
// test releases it, and counts the held calls each time every goroutine of
// the listing is blocked (synctest.Wait): exactly Workers calls are in flight
// at once while enough accounts are left, never more, whatever the timing.
func TestListerBoundsConcurrency(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		const accounts, workers = 40, 4
		h := &heldPortal{Portal: &fakeportal.Portal{T: t, Accounts: fakeportal.AccountsN(accounts, "Admin")}, release: make(chan struct{})}
		sl := &fakeportal.NoSleep{}
		l := &Lister{Portal: h, Token: "tok", Rate: 1000, Workers: workers, Sleep: sl.Sleep}
		type result struct {
			accts []store.ListedAccount
			err   error
		}
		done := make(chan result, 1)
		go func() {
			accts, err := l.List(t.Context())
			done <- result{accts, err}
		}()
		released := 0
		for round := 1; ; round++ {
			// Every goroutine of the listing is now blocked: in a held
			// call, or waiting for work or for a worker.
			synctest.Wait()
			select {
			case r := <-done:
				if r.err != nil {
					t.Fatal(r.err)
				}
				if len(r.accts) != accounts || released != accounts {
					t.Fatalf("%d accounts listed, %d calls released, want %d of each", len(r.accts), released, accounts)
				}
				return
			default:
			}
			n := h.heldNow()
			if want := min(workers, accounts-released); n != want {
				t.Fatalf("round %d: %d ListAccountRoles calls in flight at once, want %d (Workers = %d, %d of %d calls done)", round, n, want, workers, released, accounts)
			}
			for range n {
				h.release <- struct{}{}
			}
			released += n
		}
	})
}

// heldPortal is a fake portal whose ListAccountRoles calls wait until the
// test releases them, one per value sent on release.
type heldPortal struct {
	*fakeportal.Portal
	release chan struct{}

	mu   sync.Mutex
	held int
}

func (h *heldPortal) ListAccountRoles(ctx context.Context, in *awssso.ListAccountRolesInput, optFns ...func(*awssso.Options)) (*awssso.ListAccountRolesOutput, error) {
	h.mu.Lock()
	h.held++
	h.mu.Unlock()
	defer func() {
		h.mu.Lock()
		h.held--
		h.mu.Unlock()
	}()
	select {
	case <-h.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return h.Portal.ListAccountRoles(ctx, in, optFns...)
}

// heldNow is how many calls are waiting to be released.
func (h *heldPortal) heldNow() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.held
}

func TestPacer(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	var waited time.Duration
	p := newPacer(20, clock, func(_ context.Context, d time.Duration) error {
		waited += d
		now = now.Add(d)
		return nil
	})
	for range 21 {
		if err := p.wait(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	if waited != time.Second {
		t.Errorf("21 calls at 20/s waited %s, want 1s (no burst)", waited)
	}
	// A pause does not save up a burst.
	now = now.Add(time.Minute)
	waited = 0
	for range 3 {
		_ = p.wait(t.Context())
	}
	if waited != 100*time.Millisecond {
		t.Errorf("after a pause, 3 calls waited %s, want 100ms", waited)
	}
	p.throttled()
	p.throttled() // within the same second: no second cut
	if p.rate != 14 {
		t.Errorf("rate after throttling = %v, want 14", p.rate)
	}
	for range 1000 {
		p.succeeded()
	}
	if p.rate != 20 {
		t.Errorf("rate after successes = %v, want back to 20", p.rate)
	}
}

func TestBackoff(t *testing.T) {
	t.Parallel()
	for n, want := range map[int]time.Duration{1: 250 * time.Millisecond, 2: 500 * time.Millisecond, 4: 2 * time.Second, 6: 8 * time.Second, 7: 10 * time.Second, 30: 10 * time.Second} {
		for range 20 {
			if d := backoff(n); d < want/2 || d > want {
				t.Errorf("backoff(%d) = %s, want within [%s, %s]", n, d, want/2, want)
			}
		}
	}
}

// portalFor is an SDK portal client for the fake, with the SDK's default
// retryer (which the Lister must turn off).
func portalFor(t *testing.T, srv *fakesso.Server) *awssso.Client {
	return awssso.New(awssso.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.Start(t)),
		HTTPClient: &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 30 * time.Second}})
}

// TestListerAgainstFakeSSO runs the Lister with the AWS SDK against the
// fake service throttling at 10 calls a second while the Lister starts at
// 40: every 429 reaches the Lister (the SDK retried none itself), and the
// listing is complete.
func TestListerAgainstFakeSSO(t *testing.T) {
	t.Parallel()
	srv := fakesso.New(fakesso.Config{Accounts: fakesso.Generate(30, 3), Rate: 10})
	portal := portalFor(t, srv)
	tok := srv.IssueToken("https://corp.awsapps.com/start", fakesso.ScopeAccountAccess)
	l := &Lister{Portal: portal, Token: tok.AccessToken, Rate: 40}
	got, err := l.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 30 || len(got[29].Roles) != 3 {
		t.Fatalf("listing: %d accounts", len(got))
	}
	var throttled, roles int
	for _, r := range srv.Requests() {
		if r.Status == http.StatusTooManyRequests {
			throttled++
		} else if r.Op == fakesso.OpListAccountRoles {
			roles++
		}
	}
	st := l.Stats()
	if throttled == 0 || st.Throttled != throttled || roles != 30 || st.Calls != len(srv.Requests()) {
		t.Errorf("the fake answered 429 %d times and ListAccountRoles %d times; the Lister saw %+v", throttled, roles, st)
	}
}

// TestListerKeepsTheQuota checks the pace against the fake at 20 calls a
// second: 41 calls take two seconds and none is throttled.
func TestListerKeepsTheQuota(t *testing.T) {
	t.Parallel()
	srv := fakesso.New(fakesso.Config{Accounts: fakesso.Generate(40, 2), Rate: 20})
	portal := portalFor(t, srv)
	tok := srv.IssueToken("https://corp.awsapps.com/start", fakesso.ScopeAccountAccess)
	l := &Lister{Portal: portal, Token: tok.AccessToken}
	start := time.Now()
	got, err := l.List(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	d := time.Since(start)
	if len(got) != 40 || l.Stats().Throttled != 0 || l.Stats().Calls != 41 {
		t.Errorf("%d accounts, stats %+v", len(got), l.Stats())
	}
	if d < 1900*time.Millisecond || d > 3*time.Second {
		t.Errorf("41 calls at 20/s took %s, want about 2s", d)
	}
}

var _ ListAPI = (*awssso.Client)(nil)
var _ = store.ListedAccount{}
