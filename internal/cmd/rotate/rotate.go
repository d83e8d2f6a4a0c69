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
		Args:    cmdutil.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.PauseAt, opts.PauseFile, _ = strings.Cut(f.Getenv(EnvTestPause), ":")
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return Run(cmd.Context(), opts)
		},
	}
	cmdutil.AddProfileArg(cmd, f, "sesame rotate PROFILE", &opts.Profile)
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
		return err
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
		return fmt.Errorf("cannot read the stored key pair of profile %s: %w", opts.Profile, err)
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
