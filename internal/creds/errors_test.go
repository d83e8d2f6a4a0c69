package creds

import (
	"errors"
	"fmt"
	"testing"
)

type hinted struct {
	msg, hint string
	all       bool
}

func (e *hinted) Error() string    { return e.msg }
func (e *hinted) NextStep() string { return e.hint }
func (e *hinted) SaysAll() bool    { return e.all }

// TestSTSErrorKeepsWholeErrors: an error that says all (an IAM Identity
// Center sign-in to renew, reached through the SDK's signer) passes as it
// is; another with a next step is put in the profile's words with its hint.
func TestSTSErrorKeepsWholeErrors(t *testing.T) {
	t.Parallel()
	whole := &hinted{msg: "not signed in to IAM Identity Center (sso-session corp): no sign-in yet", hint: "run: sesame sso login", all: true}
	got := stsError("chained", "AssumeRole", fmt.Errorf("operation error STS: AssumeRole, failed to sign: %w", whole))
	if got != error(whole) {
		t.Errorf("stsError = %v, want the sign-in error itself", got)
	}
	part := &hinted{msg: "the vault is locked", hint: "run: sesame unlock"}
	got = stsError("chained", "AssumeRole", fmt.Errorf("operation error STS: AssumeRole: %w", part))
	var ce *ChainError
	if !errors.As(got, &ce) || ce.Profile != "chained" || ce.Hint != "run: sesame unlock" || ce.Error() != "profile chained: the vault is locked" {
		t.Errorf("stsError = %#v, want a ChainError of profile chained with the hint", got)
	}
}
