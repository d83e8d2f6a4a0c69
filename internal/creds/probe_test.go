package creds

import (
	"context"
	"testing"
	"time"
)

// TestSessionKind: the kind of a cached session follows from the ID the
// builder gave its step.
func TestSessionKind(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, tt := range []struct {
		profile string
		want    Kind
	}{
		{"base", KindSessionToken},
		{"admin", KindRole},
		{"chained", KindRoleChained},
		{"fromenv", KindRole},
	} {
		s, _, err := h.b.Planner().Plan(Request{Profile: tt.profile})
		if err != nil {
			t.Fatal(err)
		}
		if got := SessionKind(s.ID); got != tt.want {
			t.Errorf("%s: SessionKind(%s) = %q, want %q", tt.profile, s.ID, got, tt.want)
		}
	}
	if got := SessionKind("sso(corp|1|R)"); got != KindSSO {
		t.Errorf("sso: %q", got)
	}
}

// TestNeed: what a person must do, from what is stored, without calling
// STS: nothing for keys without MFA, an MFA code for an MFA profile until
// its session is cached, a key pair for a profile without one.
func TestNeed(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	for _, tt := range []struct{ profile, want string }{
		{"base", ""},
		{"admin", ""},
		{"deep", ""},
		{"mfabase", "an MFA code for arn:aws:iam::111111111111:mfa/me"},
		{"mfarole", "an MFA code for arn:aws:iam::111111111111:mfa/me"},
		{"nokeys", "a key pair (sesame add nokeys)"},
	} {
		got, err := h.b.Need(ctx, Request{Profile: tt.profile})
		if err != nil || got != tt.want {
			t.Errorf("Need(%s) = %q, %v; want %q", tt.profile, got, err, tt.want)
		}
	}
	if len(h.sts.calls) != 0 {
		t.Fatalf("Need called STS: %s", h.ops())
	}
	// Once the MFA session is cached, the role needs nobody.
	if _, err := h.b.Get(ctx, Request{Profile: "mfarole"}); err != nil {
		t.Fatal(err)
	}
	if got, err := h.b.Need(ctx, Request{Profile: "mfarole"}); got != "" || err != nil {
		t.Errorf("Need(mfarole) after Get = %q, %v", got, err)
	}
	if got, _ := h.b.Need(ctx, Request{Profile: "mfarole2"}); got != "" {
		t.Errorf("Need(mfarole2), sharing the MFA session = %q", got)
	}
	// An hour later the sessions are too close to their end.
	h.b.Now = func() time.Time { return now.Add(time.Hour) }
	if got, _ := h.b.Need(ctx, Request{Profile: "mfarole"}); got == "" {
		t.Error("Need(mfarole) with the MFA session expired is empty")
	}
}
