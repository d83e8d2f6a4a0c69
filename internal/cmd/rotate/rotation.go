package rotate

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/store"
)

// rotation is one run of the steps in the package doc.
type rotation struct {
	opts   *Options
	st     *store.Store
	cfg    *awsconfig.Config
	old    store.KeyPair
	region string

	oldClients Clients
	arn        string
	user       string // "" for the root user: IAM then acts on the caller
	newKey     store.KeyPair
}

func (r *rotation) run(ctx context.Context) error {
	profile := r.opts.Profile
	var err error
	if r.oldClients, err = r.opts.NewClients(ctx, keyPairCredentials(r.old), profile, r.region); err != nil {
		return err
	}
	// 1. Who the key belongs to.
	id, err := r.oldClients.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return r.nothingChanged(ctx, "GetCallerIdentity with the stored key", err,
			fmt.Sprintf("check the stored key with sesame whoami %s; sesame add %s replaces it", profile, profile))
	}
	r.arn = aws.ToString(id.Arn)
	user, ok := iamUser(r.arn)
	if !ok {
		return fmt.Errorf("the stored key of profile %s belongs to %s, not to an IAM user: only an IAM user's access key can be rotated; nothing was changed", profile, r.arn)
	}
	r.user = user
	r.opts.IO.Warnf("rotating the key of profile %s (%s, %s)", profile, store.MaskKeyID(r.old.AccessKeyID), r.who())

	// 2. Room for a second key.
	if err := r.checkKeyCount(ctx); err != nil {
		return err
	}
	r.pause(ctx, "checked")
	if ctx.Err() != nil {
		return &interrupted{cmdutil.WithHint(fmt.Errorf("interrupted before the new key was created; nothing was changed"),
			"run sesame rotate "+profile+" again when you are ready")}
	}

	// From here on a call that has started is never abandoned, and an
	// interrupt (ctx ending) is handled between steps: see the package doc.
	steady := context.WithoutCancel(ctx)

	// 3. The new key.
	createCtx, cancelCreate := context.WithTimeout(steady, undoTimeout)
	out, err := r.oldClients.IAM.CreateAccessKey(createCtx, &iam.CreateAccessKeyInput{UserName: r.userName()})
	cancelCreate()
	if err != nil {
		var api smithy.APIError
		if errors.As(err, &api) && api.ErrorCode() == "LimitExceeded" {
			return cmdutil.WithHint(fmt.Errorf("%s already has %d access keys, the most IAM allows; nothing was changed", r.who(), KeysPerUser),
				fmt.Sprintf("delete the key you no longer use (list them: %s), then run sesame rotate %s again", r.byHand("list-access-keys", ""), profile))
		}
		return r.nothingChanged(ctx, "CreateAccessKey", err,
			fmt.Sprintf("%s needs iam:CreateAccessKey and iam:DeleteAccessKey on itself", r.who()))
	}
	if out.AccessKey == nil || aws.ToString(out.AccessKey.AccessKeyId) == "" || aws.ToString(out.AccessKey.SecretAccessKey) == "" {
		return errors.New("CreateAccessKey answered without a key; nothing was changed")
	}
	r.newKey = store.KeyPair{Profile: profile, AccessKeyID: aws.ToString(out.AccessKey.AccessKeyId),
		SecretAccessKey: aws.ToString(out.AccessKey.SecretAccessKey), Added: r.opts.Now().UTC()}
	r.pause(ctx, "created")
	if ctx.Err() != nil {
		undoCtx, cancel := context.WithTimeout(steady, undoTimeout)
		defer cancel()
		return &interrupted{r.undoCreate(undoCtx, interruptedAt("interrupted after creating the new key "+store.MaskKeyID(r.newKey.AccessKeyID)))}
	}

	// 4. Store it; the old key pair is still at hand to put back.
	storeCtx, cancelStore := context.WithTimeout(steady, undoTimeout)
	err = r.st.SetKeys(storeCtx, r.newKey)
	cancelStore()
	if err != nil {
		undoCtx, cancel := context.WithTimeout(steady, undoTimeout)
		defer cancel()
		return r.undoCreate(undoCtx, fmt.Errorf("cannot store the new key %s: %w", store.MaskKeyID(r.newKey.AccessKeyID), err))
	}
	r.opts.IO.Warnf("created %s and stored it; checking that it works", store.MaskKeyID(r.newKey.AccessKeyID))
	r.pause(ctx, "stored")

	// 5. Prove it works. An interrupt before it has worked undoes the
	// rotation.
	var newClients Clients
	err = ctx.Err()
	if err == nil {
		newClients, err = r.opts.NewClients(ctx, keyPairCredentials(r.newKey), profile, r.region)
	}
	if err == nil {
		err = r.verify(ctx, newClients.STS)
	}
	if err != nil {
		// Undo even when interrupted: the store must end up with a key
		// that works.
		undoCtx, cancel := context.WithTimeout(steady, undoTimeout)
		defer cancel()
		if ctx.Err() != nil {
			return &interrupted{r.undoStore(undoCtx, errInterrupted)}
		}
		return r.undoStore(undoCtx, err)
	}
	r.pause(ctx, "verified")
	told := ctx.Err() != nil
	if told {
		r.opts.IO.Warnf("interrupted, but the new key %s works: finishing the rotation", store.MaskKeyID(r.newKey.AccessKeyID))
	}

	// 6. Delete the old key, with the new one. The new key works: an
	// interrupt no longer stops the rotation.
	deleteCtx, cancelDelete := context.WithTimeout(steady, r.timeout()+undoTimeout)
	delErr := r.deleteOld(deleteCtx, newClients.IAM)
	cancelDelete()
	r.pause(ctx, "deleted")

	// 7. Sessions made from the old key go.
	clearCtx, cancelClear := context.WithTimeout(steady, undoTimeout)
	defer cancelClear()
	_, clearErr := r.st.ClearProfiles(clearCtx, r.cfg.BuiltOn(profile))

	if !told && ctx.Err() != nil {
		r.opts.IO.Warnf("interrupted, but the new key %s works: finished the rotation", store.MaskKeyID(r.newKey.AccessKeyID))
	}
	if delErr != nil {
		return cmdutil.WithHint(fmt.Errorf("profile %s now has the new key %s, stored and working, but the old key %s could not be deleted and still exists in IAM: %s",
			profile, store.MaskKeyID(r.newKey.AccessKeyID), store.MaskKeyID(r.old.AccessKeyID), r.describe(delErr)),
			"delete the old key by hand: "+r.byHand("delete-access-key", r.old.AccessKeyID))
	}
	if clearErr != nil {
		return cmdutil.WithHint(fmt.Errorf("rotated the key of profile %s, but cannot clear its cached sessions: %w", profile, clearErr), "run: sesame clear "+profile)
	}
	r.opts.IO.Warnf("rotated the key of profile %s: %s is stored and works, %s is deleted",
		profile, store.MaskKeyID(r.newKey.AccessKeyID), store.MaskKeyID(r.old.AccessKeyID))
	return nil
}

// checkKeyCount refuses a user who already has IAM's limit of keys. When
// the keys cannot be listed (no iam:ListAccessKeys), CreateAccessKey will
// say so instead.
func (r *rotation) checkKeyCount(ctx context.Context) error {
	out, err := r.oldClients.IAM.ListAccessKeys(ctx, &iam.ListAccessKeysInput{UserName: r.userName()})
	if err != nil || len(out.AccessKeyMetadata) < KeysPerUser {
		return nil
	}
	var others []string
	for _, k := range out.AccessKeyMetadata {
		if id := aws.ToString(k.AccessKeyId); id != r.old.AccessKeyID {
			others = append(others, id)
		}
	}
	masked := make([]string, len(others))
	for i, id := range others {
		masked[i] = store.MaskKeyID(id)
	}
	err = fmt.Errorf("%s already has %d access keys (the stored %s and %s), the most IAM allows; nothing was changed",
		r.who(), len(out.AccessKeyMetadata), store.MaskKeyID(r.old.AccessKeyID), strings.Join(masked, ", "))
	hint := fmt.Sprintf("delete the key you no longer use, then run sesame rotate %s again", r.opts.Profile)
	if len(others) > 0 {
		hint = fmt.Sprintf("if %s is no longer used, delete it, then run sesame rotate %s again: %s",
			store.MaskKeyID(others[0]), r.opts.Profile, r.byHand("delete-access-key", others[0]))
	}
	return cmdutil.WithHint(err, hint)
}

// verify calls GetCallerIdentity with the new key until it answers with the
// old key's ARN, with backoff, for up to the verify timeout.
func (r *rotation) verify(ctx context.Context, client STSAPI) error {
	timeout := r.timeout()
	deadline := r.opts.Now().Add(timeout)
	delay := firstDelay
	for attempt := 1; ; attempt++ {
		id, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err == nil {
			if got := aws.ToString(id.Arn); got != r.arn {
				return fmt.Errorf("GetCallerIdentity with the new key answered %s, not %s", got, r.arn)
			}
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		left := deadline.Sub(r.opts.Now())
		if left <= 0 {
			return fmt.Errorf("the new key was refused for %s (%d attempts; last: %s)", timeout, attempt, r.describe(err))
		}
		if err := r.sleep(ctx, min(delay, left)); err != nil {
			return err
		}
		delay = min(2*delay, maxDelay)
	}
}

// deleteOld deletes the old key with the new key's IAM client. A refusal of
// the new key itself (IAM still making it usable) is retried like verify.
func (r *rotation) deleteOld(ctx context.Context, client IAMAPI) error {
	deadline := r.opts.Now().Add(r.timeout())
	delay := firstDelay
	for {
		_, err := client.DeleteAccessKey(ctx, &iam.DeleteAccessKeyInput{UserName: r.userName(), AccessKeyId: aws.String(r.old.AccessKeyID)})
		if err == nil || !keyRefused(err) || ctx.Err() != nil {
			return err
		}
		left := deadline.Sub(r.opts.Now())
		if left <= 0 {
			return err
		}
		if serr := r.sleep(ctx, min(delay, left)); serr != nil {
			return err
		}
		delay = min(2*delay, maxDelay)
	}
}

// keyRefused reports an error that means AWS does not (yet) accept the key
// that signed the request.
func keyRefused(err error) bool {
	var api smithy.APIError
	if !errors.As(err, &api) {
		return false
	}
	switch api.ErrorCode() {
	case "InvalidClientTokenId", "SignatureDoesNotMatch", "UnrecognizedClientException", "AuthFailure":
		return true
	}
	return false
}

// pause is the test-only hook of EnvTestPause: at step, it writes the
// process id to the pause file and waits until ctx ends.
func (r *rotation) pause(ctx context.Context, step string) {
	if r.opts.PauseAt != step || ctx.Err() != nil {
		return
	}
	r.opts.IO.Warnf("%s: paused after step %s until interrupted (test-only hook)", EnvTestPause, step)
	if r.opts.PauseFile != "" {
		if err := os.WriteFile(r.opts.PauseFile, []byte(fmt.Sprintln(os.Getpid())), 0o600); err != nil {
			r.opts.IO.Warnf("%s: %v", EnvTestPause, err)
		}
	}
	<-ctx.Done()
}

func (r *rotation) userName() *string {
	if r.user == "" {
		return nil
	}
	return aws.String(r.user)
}

func (r *rotation) who() string {
	if r.user == "" {
		return "the root user"
	}
	return "IAM user " + r.user
}

// timeout is the verify timeout, also the budget of retrying DeleteAccessKey.
func (r *rotation) timeout() time.Duration {
	if r.opts.VerifyTimeout > 0 {
		return r.opts.VerifyTimeout
	}
	return DefaultVerifyTimeout
}

func (r *rotation) sleep(ctx context.Context, d time.Duration) error {
	if r.opts.Sleep != nil {
		return r.opts.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// iamUser returns the user name of an IAM user ARN ("" for the root user),
// and false for any other principal (a role, a federated user).
func iamUser(arn string) (string, bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[2] != "iam" {
		return "", false
	}
	res := parts[5]
	if res == "root" {
		return "", true
	}
	if !strings.HasPrefix(res, "user/") {
		return "", false
	}
	// A user with a path: user/division/alice.
	name := res[strings.LastIndex(res, "/")+1:]
	return name, name != ""
}

// keyPairCredentials is kp as the SDK's credentials.
func keyPairCredentials(kp store.KeyPair) aws.Credentials {
	return aws.Credentials{AccessKeyID: kp.AccessKeyID, SecretAccessKey: kp.SecretAccessKey, Source: "sesame"}
}
