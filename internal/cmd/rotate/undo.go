package rotate

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/smithy-go"

	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/store"
)

// undoCreate handles a new key that could not be stored, or a run
// interrupted before storing it: the old key is still stored, so it deletes
// the new key with it.
func (r *rotation) undoCreate(ctx context.Context, cause error) error {
	_, err := r.oldClients.IAM.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: r.userName(), AccessKeyId: aws.String(r.newKey.AccessKeyID)})
	next := storeNextStep(cause)
	if errors.Is(cause, errInterrupted) {
		next = "run sesame rotate " + r.opts.Profile + " again when you are ready"
	}
	if err != nil {
		return cmdutil.WithHint(fmt.Errorf("%s, and it could not be deleted from IAM either (%s); the old key %s is still stored and works",
			r.redact(cause.Error()), r.describe(err), store.MaskKeyID(r.old.AccessKeyID)),
			"delete the unused new key by hand: "+r.byHand("delete-access-key", r.newKey.AccessKeyID)+"; "+next)
	}
	return cmdutil.WithHint(fmt.Errorf("%s; it was deleted from IAM again, so nothing was changed", r.redact(cause.Error())), next)
}

// undoStore handles a new key that never worked (cause), or a run
// interrupted before it was shown to work (cause errInterrupted): the old
// key goes back in the store and the new key is deleted with it.
func (r *rotation) undoStore(ctx context.Context, cause error) error {
	profile := r.opts.Profile
	newID, oldID := store.MaskKeyID(r.newKey.AccessKeyID), store.MaskKeyID(r.old.AccessKeyID)
	what := fmt.Sprintf("the new key %s did not work: %s", newID, r.redact(cause.Error()))
	again := fmt.Sprintf("try again later: sesame rotate %s", profile)
	if errors.Is(cause, errInterrupted) {
		what = fmt.Sprintf("interrupted before the new key %s was shown to work", newID)
		again = fmt.Sprintf("run sesame rotate %s again when you are ready", profile)
	}
	if err := r.st.SetKeys(ctx, r.old); err != nil {
		// The new key stays stored; the old one still exists in IAM.
		return cmdutil.WithHint(fmt.Errorf("%s; and the old key %s could not be put back in the store (%s): the store holds the new key, which may start working in a while, and the old key still exists in IAM",
			what, oldID, r.redact(err.Error())),
			fmt.Sprintf("check in a minute with sesame whoami %s; once the new key works, delete the old one: %s", profile, r.byHand("delete-access-key", r.old.AccessKeyID)))
	}
	_, err := r.oldClients.IAM.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: r.userName(), AccessKeyId: aws.String(r.newKey.AccessKeyID)})
	if err != nil {
		return cmdutil.WithHint(fmt.Errorf("%s; the old key %s is stored again and still works, but the new key could not be deleted from IAM (%s)",
			what, oldID, r.describe(err)),
			"delete the unused new key by hand: "+r.byHand("delete-access-key", r.newKey.AccessKeyID))
	}
	return cmdutil.WithHint(fmt.Errorf("%s; the old key %s is stored again and still works, and the new key was deleted from IAM",
		what, oldID), again)
}

// nothingChanged is the error of a step before anything was changed.
func (r *rotation) nothingChanged(ctx context.Context, call string, err error, hint string) error {
	if ctx.Err() != nil {
		return &interrupted{cmdutil.WithHint(fmt.Errorf("interrupted during %s; nothing was changed", call),
			"run sesame rotate "+r.opts.Profile+" again when you are ready")}
	}
	var api smithy.APIError
	if !errors.As(err, &api) {
		hint = "check the network and the IAM and STS endpoints (AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL), then try again"
	}
	return cmdutil.WithHint(fmt.Errorf("%s failed: %s; nothing was changed", call, r.describe(err)), hint)
}

// describe is an AWS error in one line, with any key id masked.
func (r *rotation) describe(err error) string {
	var api smithy.APIError
	msg := err.Error()
	if errors.As(err, &api) {
		msg = api.ErrorCode()
		if m := api.ErrorMessage(); m != "" {
			msg += ": " + m
		}
	}
	return r.redact(msg)
}

// redact masks the access key ids, and removes the secrets, in text.
func (r *rotation) redact(text string) string {
	for _, kp := range []store.KeyPair{r.old, r.newKey} {
		if kp.SecretAccessKey != "" {
			text = strings.ReplaceAll(text, kp.SecretAccessKey, "[secret]")
		}
		if kp.AccessKeyID != "" {
			text = strings.ReplaceAll(text, kp.AccessKeyID, store.MaskKeyID(kp.AccessKeyID))
		}
	}
	return text
}

// storeNextStep is the hint of a store error, or a generic one.
func storeNextStep(err error) string {
	if h := cmdutil.ErrorHint(err); h != "" {
		return h
	}
	return "fix the store, then run sesame rotate again"
}

// byHand is an AWS CLI command run with the profile's stored key (as
// sesame exec gives it; --no-session, as IAM refuses session-token
// credentials without MFA).
func (r *rotation) byHand(action, keyID string) string {
	cmd := "sesame exec " + r.opts.Profile + " --no-session -- aws iam " + action
	if r.user != "" {
		cmd += " --user-name " + r.user
	}
	if keyID != "" {
		cmd += " --access-key-id " + keyID
	}
	return cmd
}
