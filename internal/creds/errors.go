package creds

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/aws/smithy-go"

	"github.com/sesamehq/sesame/internal/creds/plan"
)

// ChainError is a problem with one profile of a chain: it names the profile
// and carries the next step to take.
type ChainError = plan.ChainError

// stsError turns an STS failure into one clear message with a next step.
// The SDK has already retried throttling.
func stsError(profile, call string, err error) error {
	var ce *ChainError
	if errors.As(err, &ce) {
		return ce // a step below already said what is wrong
	}
	var whole interface {
		error
		NextStep() string
		SaysAll() bool
	}
	if errors.As(err, &whole) && whole.SaysAll() {
		return whole // an IAM Identity Center sign-in to renew, say
	}
	var ns interface {
		error
		NextStep() string
	}
	if errors.As(err, &ns) {
		// An MFA or store failure reached through the SDK's signer: its
		// own message and hint, not the SDK's wrapping.
		return &ChainError{Profile: profile, Err: ns, Hint: ns.NextStep()}
	}
	var api smithy.APIError
	if !errors.As(err, &api) {
		return &ChainError{Profile: profile, Err: fmt.Errorf("%s: %w", call, err), Hint: "check the network and the STS endpoint (AWS_ENDPOINT_URL_STS), then try again"}
	}
	msg := fmt.Errorf("%s failed: %s: %s", call, api.ErrorCode(), api.ErrorMessage())
	hint := "run with --debug to see each step"
	switch api.ErrorCode() {
	case "AccessDenied":
		hint = "check that the role's trust policy allows the caller, and the MFA code if one was asked for"
	case "ExpiredToken", "InvalidClientTokenId", "SignatureDoesNotMatch":
		hint = "the credentials it was called with were refused: run sesame clear " + profile + ", and check the stored key (sesame add " + profile + " replaces it)"
	case "ValidationError":
		hint = "check the profile's role_arn, duration_seconds and session tags"
	}
	return &ChainError{Profile: profile, Err: msg, Hint: hint}
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
