// Package rotate implements `sesame rotate`: replace a profile's stored IAM
// access key with a new one, proving the new key works before the old one
// is deleted.
//
// # Steps
//
//  1. STS GetCallerIdentity with the stored (old) key: who the key belongs
//     to. Only an IAM user's key (or the root user's) can be rotated.
//  2. IAM ListAccessKeys: a user who already has two keys (IAM's limit)
//     is refused before anything changes.
//  3. IAM CreateAccessKey, signed with the old key.
//  4. The new key pair is stored (store.Store.SetKeys), replacing the old.
//  5. STS GetCallerIdentity with the new key must answer the same ARN,
//     retried with backoff for up to Options.VerifyTimeout (IAM takes a few
//     seconds to make a new key usable everywhere).
//  6. IAM DeleteAccessKey of the old key, signed with the new key.
//  7. The profile's cached sessions, and those of profiles whose
//     source_profile chain starts from it, are cleared.
//
// # When a step fails
//
// The store always ends up holding a key that works, and the error says
// exactly what happened:
//
//   - steps 1 to 3: nothing has changed;
//   - step 4: the new key is deleted again with the old key (which is
//     still stored), or, if that fails too, the error gives the command
//     that deletes it by hand;
//   - step 5: the old key is put back in the store and the new key is
//     deleted with it (or the command to delete it by hand is given);
//   - step 6: the new key is stored and works, and the old key still
//     exists in IAM: the error gives the command that deletes it by hand;
//   - step 7: the rotation is done; the error says to run sesame clear.
//
// # Interruptions and other rotations
//
// SIGINT (Ctrl-C) and SIGTERM are caught while the rotation runs, and end it
// the way a failure at the same step would, so that afterwards IAM lists one
// key, the store holds it, and it works:
//
//   - before step 3: nothing has changed;
//   - during step 3: the call in flight is not abandoned (a key IAM made but
//     sesame never heard of could not be deleted); the new key it returns is
//     deleted again with the old one;
//   - steps 4 and 5: the old key is put back in the store and the new key is
//     deleted, as when the new key never works;
//   - steps 6 and 7: the new key works, so the rotation is finished.
//
// The calls that undo or finish a rotation run with their own time limit
// (undoTimeout) and ignore further signals. The run then exits with status
// 130, unless it was finished. SIGKILL cannot be caught: a rotation killed
// between steps 3 and 6 leaves a second key in IAM, which the next rotate
// reports (two keys) with the command that deletes it.
//
// Only one rotation of a profile runs at a time: the profile's lock file in
// sesame's state folder (flock(2)) is held from before the stored key is
// read until the end; a second `sesame rotate` of the profile fails at once,
// without changing anything, instead of waiting to rotate the key again.
//
// # Output
//
// Progress goes to stderr, prefixed "sesame:"; stdout stays empty. Access
// key ids are shown masked (store.MaskKeyID) and secrets never. The one
// exception is the command a person must run to delete a key by hand
// (sesame exec PROFILE --no-session -- aws iam delete-access-key ...), which
// needs the full access key id (an identifier, not a secret) to be of use.
package rotate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
	"github.com/gofrs/flock"
	"github.com/spf13/cobra"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/store"
)

// DefaultRegion is the region the clients are made for when the profile
// names none. IAM is global; the region only picks the partition.
const DefaultRegion = "us-east-1"

// DefaultVerifyTimeout is how long the new key is given to start working.
const DefaultVerifyTimeout = 30 * time.Second

// Backoff between verification attempts: it starts at firstDelay and
// doubles up to maxDelay.
const (
	firstDelay = time.Second
	maxDelay   = 5 * time.Second
)

// undoTimeout bounds each call that must not be abandoned half-way (create,
// store, and the steps that undo or finish a rotation): they run even when
// the command is interrupted.
const undoTimeout = 30 * time.Second

// KeysPerUser is the number of access keys IAM allows one user.
const KeysPerUser = 2

// IAMAPI is the part of IAM that rotate calls.
type IAMAPI interface {
	ListAccessKeys(ctx context.Context, in *iam.ListAccessKeysInput, optFns ...func(*iam.Options)) (*iam.ListAccessKeysOutput, error)
	CreateAccessKey(ctx context.Context, in *iam.CreateAccessKeyInput, optFns ...func(*iam.Options)) (*iam.CreateAccessKeyOutput, error)
	DeleteAccessKey(ctx context.Context, in *iam.DeleteAccessKeyInput, optFns ...func(*iam.Options)) (*iam.DeleteAccessKeyOutput, error)
}

// STSAPI is the part of STS that rotate calls.
type STSAPI interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, optFns ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// Clients are IAM and STS clients signing with one key.
type Clients struct {
	IAM IAMAPI
	STS STSAPI
}

// NewClientsFunc makes the clients that sign with c, for profile (whose
// endpoint_url may apply) in region.
type NewClientsFunc func(ctx context.Context, c aws.Credentials, profile, region string) (Clients, error)

// Options are the inputs of `sesame rotate`.
type Options struct {
	IO *iostreams.IOStreams
	// Store opens the secret store.
	Store func(context.Context) (*store.Store, error)
	// Config loads the AWS files (the profile's region, and the profiles
	// whose sessions are cleared).
	Config func() (*awsconfig.Config, error)
	// NewClients makes the IAM and STS clients.
	NewClients NewClientsFunc
	// Now is the clock.
	Now func() time.Time
	// Sleep waits d or until ctx ends (nil: a timer).
	Sleep func(ctx context.Context, d time.Duration) error
	// VerifyTimeout bounds the wait for the new key to work (0:
	// DefaultVerifyTimeout).
	VerifyTimeout time.Duration

	// LockDir is the folder of sesame's lock files (nil: no lock).
	LockDir func() (string, error)
	// Signals returns a context that also ends on SIGINT or SIGTERM, and
	// the function that stops catching them (nil: signals are not caught).
	Signals func(context.Context) (context.Context, context.CancelFunc)
	// PauseAt and PauseFile are a test-only hook (EnvTestPause): at the
	// end of step PauseAt rotate writes its process id to PauseFile and
	// waits until the run is interrupted.
	PauseAt, PauseFile string

	// Profile is the argument.
	Profile string
}

// EnvTestPause is a test-only hook, for interrupting a rotation at a known
// step: SESAME_TEST_ROTATE_PAUSE=STEP:FILE makes rotate, at the end of STEP
// (checked, created, stored, verified, deleted), write its process id to
// FILE and wait until it is interrupted (SIGINT, SIGTERM). It changes
// nothing else and has no use outside the tests.
const EnvTestPause = "SESAME_TEST_ROTATE_PAUSE"

// Steps at which EnvTestPause can pause a rotation.
var pauseSteps = []string{"checked", "created", "stored", "verified", "deleted"}

// CatchSignals is Options.Signals for a real run: SIGINT and SIGTERM end
// the context instead of the process.
func CatchSignals(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
}

// NewCmdRotate builds the command; runF replaces the run function in tests.
func NewCmdRotate(f *cmdutil.Factory, runF func(context.Context, *Options) error) *cobra.Command {
	opts := &Options{
		IO:         f.IOStreams,
		Store:      f.Store,
		Config:     f.Config,
		NewClients: factoryClients(f),
		Now:        f.Now,
		LockDir: func() (string, error) {
			state, err := f.StateDir()
			return filepath.Join(state, "locks"), err
		},
		Signals: CatchSignals,
	}
	cmd := &cobra.Command{
		Use:   "rotate PROFILE",
		Short: "Replace a profile's stored access key with a new one",
		Long: `Replace PROFILE's stored IAM access key with a new one:

  1. IAM CreateAccessKey, with the stored key
  2. store the new key
  3. prove it works: STS GetCallerIdentity with the new key, retried for up
     to 30 seconds while IAM makes the new key usable
  4. IAM DeleteAccessKey of the old key, with the new key
  5. clear the cached sessions made from the old key

The old key is deleted only after the new one has been shown to work. If a
step fails, a working key stays stored and sesame says what happened: when
the new key never works, the old key is stored again and the new key deleted;
when the old key cannot be deleted, sesame prints the command that deletes it.

Ctrl-C (or SIGTERM) is handled the same way: before the new key works, the old
key is put back and the new key deleted; after, the rotation is finished.
Only one rotation of a profile runs at a time.

The key's IAM user needs iam:ListAccessKeys, iam:CreateAccessKey and
iam:DeleteAccessKey on itself, and must have only one access key: IAM allows
two. AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL_STS and AWS_ENDPOINT_URL are
honoured.`,
		Example: `  sesame rotate work`,
		Args:    cmdutil.ExactArgs(1, "a profile name: sesame rotate PROFILE"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Profile = args[0]
			opts.PauseAt, opts.PauseFile, _ = strings.Cut(f.Getenv(EnvTestPause), ":")
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmd.ValidArgsFunction = cmdutil.CompleteProfiles(f)
	return cmd
}

// Run rotates the profile's key.
func Run(ctx context.Context, opts *Options) error {
	cfg, err := opts.Config()
	if err != nil {
		return err
	}
	st, err := opts.Store(ctx)
	if err != nil {
		return cmdutil.StoreError(err)
	}
	unlock, err := lockProfile(opts)
	if err != nil {
		return err
	}
	defer unlock()
	old, err := st.Keys(ctx, opts.Profile)
	if errors.Is(err, store.ErrNotFound) {
		return noKeysError(cfg, opts.Profile)
	}
	if err != nil {
		return cmdutil.StoreError(fmt.Errorf("cannot read the stored key pair of profile %s: %w", opts.Profile, err))
	}
	r := &rotation{opts: opts, st: st, cfg: cfg, old: old, region: DefaultRegion}
	if p, ok := cfg.Profile(opts.Profile); ok {
		if v, _ := p.Get("region"); v != "" {
			r.region = v
		}
	}
	if opts.PauseAt != "" && !slices.Contains(pauseSteps, opts.PauseAt) {
		return fmt.Errorf("%s: unknown step %q (test-only hook)", EnvTestPause, opts.PauseAt)
	}
	if opts.Signals != nil {
		var stop context.CancelFunc
		ctx, stop = opts.Signals(ctx)
		defer stop()
	}
	return r.run(ctx)
}

// lockProfile takes the profile's rotation lock, or fails at once when
// another rotation holds it.
func lockProfile(opts *Options) (unlock func(), err error) {
	if opts.LockDir == nil {
		return func() {}, nil
	}
	dir, err := opts.LockDir()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("cannot create the lock folder: %w", err)
	}
	// Any profile name makes a safe file name.
	sum := sha256.Sum256([]byte(opts.Profile))
	l := flock.New(filepath.Join(dir, "rotate-"+hex.EncodeToString(sum[:8])+".lock"), flock.SetPermissions(0o600))
	ok, err := l.TryLock()
	if err != nil {
		return nil, fmt.Errorf("cannot take the rotation lock of profile %s: %w", opts.Profile, err)
	}
	if !ok {
		return nil, cmdutil.WithHint(fmt.Errorf("another sesame rotate of profile %s is under way; nothing was changed", opts.Profile),
			"let it finish, then check the key with: sesame whoami "+opts.Profile)
	}
	return func() { _ = l.Close() }, nil
}

// interrupted marks the outcome of a rotation stopped by SIGINT or SIGTERM:
// its message and hint are err's, its exit status 130.
type interrupted struct{ error }

func (e *interrupted) Unwrap() []error { return []error{e.error, cmdutil.ErrCanceled} }

// errInterrupted is the cause passed to the undo steps when the run was
// interrupted.
var errInterrupted = errors.New("interrupted")

// interruptedAt is errInterrupted with its own message.
type interruptedAt string

func (e interruptedAt) Error() string        { return string(e) }
func (e interruptedAt) Is(target error) bool { return target == errInterrupted }

// noKeysError explains why there is no stored key to rotate.
func noKeysError(cfg *awsconfig.Config, profile string) error {
	p, ok := cfg.Profile(profile)
	if ok && p.InCredentials {
		if _, has := p.Get("aws_secret_access_key"); has {
			return cmdutil.WithHint(fmt.Errorf("the key of profile %s is in %s, not in sesame's store", profile, cfg.Paths.Credentials),
				"move it into the store first: sesame migrate; then run: sesame rotate "+profile)
		}
	}
	if ok {
		if res, err := cfg.Resolve(profile); err == nil && res.Source != awsconfig.SourceKeys {
			if root := res.Root(); root.Name != profile && root.Source == awsconfig.SourceKeys {
				return cmdutil.WithHint(fmt.Errorf("profile %s has no key of its own: it assumes a role with the key of profile %s", profile, root.Name),
					"rotate that key: sesame rotate "+root.Name)
			}
			return fmt.Errorf("profile %s gets its credentials from %s, not from a stored access key: there is nothing to rotate", profile, res.Source)
		}
	}
	return cmdutil.WithHint(fmt.Errorf("no key pair is stored for profile %s", profile), "run: sesame add "+profile)
}

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
	_, clearErr := r.st.ClearSessionsOf(clearCtx, r.cfg, profile)

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
	if h := cmdutil.Hint(cmdutil.StoreError(err)); h != "" {
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
