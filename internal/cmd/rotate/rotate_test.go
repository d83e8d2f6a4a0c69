package rotate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
	"github.com/sesamehq/sesame/internal/store"
)

const (
	oldID     = "AKIAOLDKEY000000OLD1"
	oldSecret = "old-secret-0000000000000000000000000000"
	otherID   = "AKIAOTHERKEY0000OTH9"
	aliceARN  = "arn:aws:iam::123456789012:user/alice"
	t0        = "2030-01-02T03:04:05Z"
)

type apiError struct{ code, msg string }

func (e apiError) Error() string                 { return e.code + ": " + e.msg }
func (e apiError) ErrorCode() string             { return e.code }
func (e apiError) ErrorMessage() string          { return e.msg }
func (e apiError) ErrorFault() smithy.ErrorFault { return smithy.FaultClient }

var (
	errRefused = apiError{"InvalidClientTokenId", "The security token included in the request is invalid."}
	errDenied  = apiError{"AccessDenied", "User: arn:aws:iam::123456789012:user/alice is not authorized"}
)

// fakeAWS is IAM and STS for one account: keys belong to users, and a
// request signed with a key that does not exist (or with the wrong secret)
// is refused, as AWS does. Failures are injected per call.
type fakeAWS struct {
	mu      sync.Mutex
	keys    map[string]fakeKey // by access key id
	arnOf   map[string]string  // user ("" for root) -> ARN
	created int
	calls   []string // "SERVICE ACTION KEYID [ARG]"

	// fail returns the error for a call ("iam CreateAccessKey") signed
	// with keyID, or nil to let it run.
	fail func(call, keyID string) error
	// refuseNew is how many GetCallerIdentity calls with a created key
	// are refused (IAM propagation).
	refuseNew int
}

type fakeKey struct{ user, secret string }

func newFakeAWS() *fakeAWS {
	return &fakeAWS{
		keys:  map[string]fakeKey{oldID: {"alice", oldSecret}},
		arnOf: map[string]string{"alice": aliceARN, "": "arn:aws:iam::123456789012:root"},
	}
}

func (f *fakeAWS) newClients(_ context.Context, c aws.Credentials, profile, region string) (Clients, error) {
	if profile != "dev" || region != "eu-west-1" {
		return Clients{}, fmt.Errorf("clients for profile %q in %q, want dev in eu-west-1", profile, region)
	}
	return Clients{IAM: &fakeIAM{f, c}, STS: &fakeSTS{f, c}}, nil
}

// begin records a call and checks the signing key.
func (f *fakeAWS) begin(call string, c aws.Credentials, arg string) (user string, err error) {
	f.calls = append(f.calls, strings.TrimSpace(call+" "+c.AccessKeyID+" "+arg))
	if f.fail != nil {
		if err := f.fail(call, c.AccessKeyID); err != nil {
			return "", err
		}
	}
	k, ok := f.keys[c.AccessKeyID]
	if !ok || k.secret != c.SecretAccessKey {
		return "", errRefused
	}
	return k.user, nil
}

func (f *fakeAWS) userKeys(user string) []string {
	var out []string
	for id, k := range f.keys {
		if k.user == user {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

func (f *fakeAWS) keyIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for id := range f.keys {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

type fakeSTS struct {
	f *fakeAWS
	c aws.Credentials
}

func (s *fakeSTS) GetCallerIdentity(context.Context, *sts.GetCallerIdentityInput, ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error) {
	f := s.f
	f.mu.Lock()
	defer f.mu.Unlock()
	user, err := f.begin("sts GetCallerIdentity", s.c, "")
	if err != nil {
		return nil, err
	}
	if s.c.AccessKeyID != oldID && s.c.AccessKeyID != otherID && f.refuseNew > 0 {
		f.refuseNew--
		return nil, errRefused
	}
	return &sts.GetCallerIdentityOutput{Arn: aws.String(f.arnOf[user]), Account: aws.String("123456789012")}, nil
}

type fakeIAM struct {
	f *fakeAWS
	c aws.Credentials
}

func (i *fakeIAM) target(caller string, name *string) string {
	if name != nil {
		return *name
	}
	return caller
}

func (i *fakeIAM) ListAccessKeys(_ context.Context, in *iam.ListAccessKeysInput, _ ...func(*iam.Options)) (*iam.ListAccessKeysOutput, error) {
	f := i.f
	f.mu.Lock()
	defer f.mu.Unlock()
	caller, err := f.begin("iam ListAccessKeys", i.c, aws.ToString(in.UserName))
	if err != nil {
		return nil, err
	}
	out := &iam.ListAccessKeysOutput{}
	for _, id := range f.userKeys(i.target(caller, in.UserName)) {
		out.AccessKeyMetadata = append(out.AccessKeyMetadata, iamtypes.AccessKeyMetadata{AccessKeyId: aws.String(id)})
	}
	return out, nil
}

func (i *fakeIAM) CreateAccessKey(_ context.Context, in *iam.CreateAccessKeyInput, _ ...func(*iam.Options)) (*iam.CreateAccessKeyOutput, error) {
	f := i.f
	f.mu.Lock()
	defer f.mu.Unlock()
	caller, err := f.begin("iam CreateAccessKey", i.c, aws.ToString(in.UserName))
	if err != nil {
		return nil, err
	}
	user := i.target(caller, in.UserName)
	if len(f.userKeys(user)) >= KeysPerUser {
		return nil, apiError{"LimitExceeded", "Cannot exceed quota for AccessKeysPerUser: 2"}
	}
	f.created++
	id := fmt.Sprintf("AKIANEWKEY%010d", f.created)
	secret := fmt.Sprintf("new-secret-%029d", f.created)
	f.keys[id] = fakeKey{user, secret}
	return &iam.CreateAccessKeyOutput{AccessKey: &iamtypes.AccessKey{AccessKeyId: aws.String(id), SecretAccessKey: aws.String(secret), UserName: aws.String(user)}}, nil
}

func (i *fakeIAM) DeleteAccessKey(_ context.Context, in *iam.DeleteAccessKeyInput, _ ...func(*iam.Options)) (*iam.DeleteAccessKeyOutput, error) {
	f := i.f
	f.mu.Lock()
	defer f.mu.Unlock()
	caller, err := f.begin("iam DeleteAccessKey", i.c, aws.ToString(in.AccessKeyId))
	if err != nil {
		return nil, err
	}
	id := aws.ToString(in.AccessKeyId)
	if k, ok := f.keys[id]; !ok || k.user != i.target(caller, in.UserName) {
		return nil, apiError{"NoSuchEntity", "The Access Key with id " + id + " cannot be found."}
	}
	delete(f.keys, id)
	return &iam.DeleteAccessKeyOutput{}, nil
}

// flakyBackend is a store backend whose Set and List fail on demand.
type flakyBackend struct {
	store.Backend
	mu      sync.Mutex
	setErrs []error // returned by the next Set calls, in order (nil: works)
	listErr error
}

func (b *flakyBackend) Set(ctx context.Context, name string, data []byte) error {
	b.mu.Lock()
	var err error
	if len(b.setErrs) > 0 {
		err, b.setErrs = b.setErrs[0], b.setErrs[1:]
	}
	b.mu.Unlock()
	if err != nil {
		return err
	}
	return b.Backend.Set(ctx, name, data)
}

func (b *flakyBackend) List(ctx context.Context) ([]string, error) {
	b.mu.Lock()
	err := b.listErr
	b.mu.Unlock()
	if err != nil {
		return nil, err
	}
	return b.Backend.List(ctx)
}

type harness struct {
	opts   *Options
	aws    *fakeAWS
	st     *store.Store
	be     *flakyBackend
	out    *bytes.Buffer
	errOut *bytes.Buffer
	now    time.Time
	sleeps []time.Duration
}

const testConfig = `[profile dev]
region = eu-west-1

[profile admin]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = dev

[profile other]
region = eu-west-1
`

func newHarness(t *testing.T) *harness {
	t.Helper()
	ctx := t.Context()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "config"), []byte(testConfig), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := awsconfig.Load(awsconfig.Paths{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")})
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{aws: newFakeAWS(), be: &flakyBackend{Backend: store.NewMemory()}}
	h.now, _ = time.Parse(time.RFC3339, t0)
	h.st = store.New(h.be, filepath.Join(dir, "locks"))
	added := h.now.Add(-90 * 24 * time.Hour)
	if err := h.st.SetKeys(ctx, store.KeyPair{Profile: "dev", AccessKeyID: oldID, SecretAccessKey: oldSecret, Added: added}); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"dev", "admin", "other"} {
		if err := h.st.SetSession(ctx, store.Session{Profile: p, ID: "s", AccessKeyID: "ASIASESSION" + strings.ToUpper(p), SecretAccessKey: "x", SessionToken: "y", Expiration: h.now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	ios, _, out, errOut := iostreams.Test()
	h.out, h.errOut = out, errOut
	h.opts = &Options{
		IO:         ios,
		Store:      func(context.Context) (*store.Store, error) { return h.st, nil },
		Config:     func() (*awsconfig.Config, error) { return cfg, nil },
		NewClients: h.aws.newClients,
		Now:        func() time.Time { return h.now },
		Sleep: func(ctx context.Context, d time.Duration) error {
			h.sleeps = append(h.sleeps, d)
			h.now = h.now.Add(d)
			return ctx.Err()
		},
		VerifyTimeout: 30 * time.Second,
		Profile:       "dev",
	}
	return h
}

// stored is the access key id stored for dev.
func (h *harness) stored(t *testing.T) store.KeyPair {
	t.Helper()
	kp, err := h.st.Keys(context.Background(), "dev")
	if err != nil {
		t.Fatal(err)
	}
	return kp
}

// sessions lists the profiles that still have a cached session.
func (h *harness) sessions(t *testing.T) []string {
	t.Helper()
	inv, err := h.st.Inventory(context.Background(), []string{"dev", "admin", "other"}, h.now)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for p := range inv.Sessions {
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}

// checkNoSecrets fails when an output or the error shows a secret or an
// unmasked key id outside the hint.
func (h *harness) checkNoSecrets(t *testing.T, err error) {
	t.Helper()
	text := h.out.String() + h.errOut.String()
	if err != nil {
		text += err.Error()
	}
	for _, s := range []string{oldSecret, "new-secret-", oldID, "AKIANEWKEY0000000001", otherID} {
		if strings.Contains(text, s) {
			t.Errorf("output shows %q:\n%s", s, text)
		}
	}
	if strings.Contains(cmdutil.Hint(err), "secret") {
		t.Errorf("hint mentions a secret: %q", cmdutil.Hint(err))
	}
	if h.out.Len() != 0 {
		t.Errorf("stdout = %q, want nothing", h.out)
	}
}

const newID = "AKIANEWKEY0000000001"

func TestRotate(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if err := Run(t.Context(), h.opts); err != nil {
		t.Fatalf("Run: %v (hint %q)", err, cmdutil.Hint(err))
	}
	h.checkNoSecrets(t, nil)
	kp := h.stored(t)
	if kp.AccessKeyID != newID || kp.SecretAccessKey != "new-secret-00000000000000000000000000001" || !kp.Added.Equal(h.now) || kp.Profile != "dev" {
		t.Errorf("stored %+v, want the new key added now", kp)
	}
	if ids := h.aws.keyIDs(); !slices.Equal(ids, []string{newID}) {
		t.Errorf("IAM keys %v, want only the new one", ids)
	}
	want := []string{
		"sts GetCallerIdentity " + oldID,
		"iam ListAccessKeys " + oldID + " alice",
		"iam CreateAccessKey " + oldID + " alice",
		"sts GetCallerIdentity " + newID,
		"iam DeleteAccessKey " + newID + " " + oldID,
	}
	if !slices.Equal(h.aws.calls, want) {
		t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(h.aws.calls, "\n"), strings.Join(want, "\n"))
	}
	// dev's sessions and admin's (made from dev's key) are gone.
	if got := h.sessions(t); !slices.Equal(got, []string{"other"}) {
		t.Errorf("profiles with sessions %v, want [other]", got)
	}
	wantErr := "sesame: rotating the key of profile dev (AKIA************OLD1, IAM user alice)\n" +
		"sesame: created AKIA************0001 and stored it; checking that it works\n" +
		"sesame: rotated the key of profile dev: AKIA************0001 is stored and works, AKIA************OLD1 is deleted\n"
	if h.errOut.String() != wantErr {
		t.Errorf("stderr:\n%s\nwant:\n%s", h.errOut, wantErr)
	}
	if len(h.sleeps) != 0 {
		t.Errorf("slept %v", h.sleeps)
	}
}

func TestRotateWaitsForTheNewKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.aws.refuseNew = 4
	if err := Run(t.Context(), h.opts); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if want := []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 5 * time.Second}; !slices.Equal(h.sleeps, want) {
		t.Errorf("slept %v, want %v", h.sleeps, want)
	}
	if h.stored(t).AccessKeyID != newID || !slices.Equal(h.aws.keyIDs(), []string{newID}) {
		t.Errorf("stored %s, IAM %v", h.stored(t).AccessKeyID, h.aws.keyIDs())
	}
}

func TestRotateDeleteRetriesARefusedNewKey(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	refusals := 2
	h.aws.fail = func(call, key string) error {
		if call == "iam DeleteAccessKey" && key == newID && refusals > 0 {
			refusals--
			return errRefused
		}
		return nil
	}
	if err := Run(t.Context(), h.opts); err != nil {
		t.Fatalf("Run: %v", err)
	}
	if !slices.Equal(h.aws.keyIDs(), []string{newID}) || len(h.sleeps) != 2 {
		t.Errorf("IAM %v, slept %v", h.aws.keyIDs(), h.sleeps)
	}
}

func TestRotateRootUser(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.aws.keys[oldID] = fakeKey{"", oldSecret}
	h.aws.keys[otherID] = fakeKey{"", "s"}
	err := Run(t.Context(), h.opts)
	if err == nil || !strings.Contains(err.Error(), "the root user already has 2 access keys") {
		t.Fatalf("error = %v", err)
	}
	if hint := cmdutil.Hint(err); !strings.Contains(hint, "sesame exec dev --no-session -- aws iam delete-access-key --access-key-id "+otherID) {
		t.Errorf("hint = %q", hint)
	}
	delete(h.aws.keys, otherID)
	h.errOut.Reset()
	if err := Run(t.Context(), h.opts); err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, c := range h.aws.calls {
		if strings.Contains(c, "alice") {
			t.Errorf("call %q names a user; the root user's calls name none", c)
		}
	}
	if !strings.Contains(h.errOut.String(), "the root user") {
		t.Errorf("stderr = %s", h.errOut)
	}
}

// TestRotateFailures goes through every step that can fail and checks what
// is stored and what exists in IAM afterwards, and what the user is told.
func TestRotateFailures(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		setup func(h *harness)
		// what the store and IAM hold afterwards
		stored   string
		inIAM    []string
		sessions []string // profiles whose sessions remain
		err      []string // substrings of the error
		hint     string   // substring of the hint
		noCall   string   // a call that must not have been made
	}{
		{
			name:     "stored key refused",
			setup:    func(h *harness) { h.aws.keys = map[string]fakeKey{} },
			stored:   oldID,
			inIAM:    nil,
			sessions: []string{"admin", "dev", "other"},
			err:      []string{"GetCallerIdentity with the stored key failed: InvalidClientTokenId", "nothing was changed"},
			hint:     "sesame whoami dev",
			noCall:   "iam CreateAccessKey",
		},
		{
			name: "network down",
			setup: func(h *harness) {
				h.aws.fail = func(string, string) error { return errors.New("dial tcp 127.0.0.1:9: connect: connection refused") }
			},
			stored:   oldID,
			inIAM:    []string{oldID},
			sessions: []string{"admin", "dev", "other"},
			err:      []string{"GetCallerIdentity with the stored key failed: dial tcp", "nothing was changed"},
			hint:     "AWS_ENDPOINT_URL_IAM",
			noCall:   "iam CreateAccessKey",
		},
		{
			name:     "not an IAM user",
			setup:    func(h *harness) { h.aws.arnOf["alice"] = "arn:aws:sts::123456789012:assumed-role/admin/x" },
			stored:   oldID,
			inIAM:    []string{oldID},
			sessions: []string{"admin", "dev", "other"},
			err:      []string{"belongs to arn:aws:sts::123456789012:assumed-role/admin/x, not to an IAM user", "nothing was changed"},
			noCall:   "iam CreateAccessKey",
		},
		{
			name:     "two keys already",
			setup:    func(h *harness) { h.aws.keys[otherID] = fakeKey{"alice", "s"} },
			stored:   oldID,
			inIAM:    []string{oldID, otherID},
			sessions: []string{"admin", "dev", "other"},
			err:      []string{"IAM user alice already has 2 access keys (the stored AKIA************OLD1 and AKIA************OTH9), the most IAM allows; nothing was changed"},
			hint:     "if AKIA************OTH9 is no longer used, delete it, then run sesame rotate dev again: sesame exec dev --no-session -- aws iam delete-access-key --user-name alice --access-key-id " + otherID,
			noCall:   "iam CreateAccessKey",
		},
		{
			name: "two keys, not allowed to list them",
			setup: func(h *harness) {
				h.aws.keys[otherID] = fakeKey{"alice", "s"}
				h.aws.fail = func(call, _ string) error {
					if call == "iam ListAccessKeys" {
						return errDenied
					}
					return nil
				}
			},
			stored:   oldID,
			inIAM:    []string{oldID, otherID},
			sessions: []string{"admin", "dev", "other"},
			err:      []string{"IAM user alice already has 2 access keys, the most IAM allows; nothing was changed"},
			hint:     "list them: sesame exec dev --no-session -- aws iam list-access-keys --user-name alice",
		},
		{
			name: "CreateAccessKey denied",
			setup: func(h *harness) {
				h.aws.fail = func(call, _ string) error {
					if call == "iam CreateAccessKey" {
						return errDenied
					}
					return nil
				}
			},
			stored:   oldID,
			inIAM:    []string{oldID},
			sessions: []string{"admin", "dev", "other"},
			err:      []string{"CreateAccessKey failed: AccessDenied: User: arn:aws:iam::123456789012:user/alice is not authorized; nothing was changed"},
			hint:     "IAM user alice needs iam:CreateAccessKey and iam:DeleteAccessKey on itself",
		},
		{
			name:     "new key cannot be stored",
			setup:    func(h *harness) { h.be.setErrs = []error{fmt.Errorf("secret service: %w", store.ErrLocked)} },
			stored:   oldID,
			inIAM:    []string{oldID},
			sessions: []string{"admin", "dev", "other"},
			err:      []string{"cannot store the new key AKIA************0001: secret service: the store is locked; it was deleted from IAM again, so nothing was changed"},
			hint:     "unlock your keyring",
			noCall:   "sts GetCallerIdentity " + newID,
		},
		{
			name: "new key cannot be stored nor deleted",
			setup: func(h *harness) {
				h.be.setErrs = []error{errors.New("disk full")}
				h.aws.fail = func(call, _ string) error {
					if call == "iam DeleteAccessKey" {
						return errDenied
					}
					return nil
				}
			},
			stored:   oldID,
			inIAM:    []string{newID, oldID},
			sessions: []string{"admin", "dev", "other"},
			err:      []string{"cannot store the new key AKIA************0001: disk full, and it could not be deleted from IAM either (AccessDenied", "the old key AKIA************OLD1 is still stored and works"},
			hint:     "delete the unused new key by hand: sesame exec dev --no-session -- aws iam delete-access-key --user-name alice --access-key-id " + newID,
		},
		{
			name:     "new key never works",
			setup:    func(h *harness) { h.aws.refuseNew = 1000 },
			stored:   oldID,
			inIAM:    []string{oldID},
			sessions: []string{"admin", "dev", "other"},
			err: []string{"the new key AKIA************0001 did not work: the new key was refused for 30s (",
				"last: InvalidClientTokenId: The security token included in the request is invalid.)",
				"the old key AKIA************OLD1 is stored again and still works, and the new key was deleted from IAM"},
			hint: "try again later: sesame rotate dev",
		},
		{
			name: "new key never works and cannot be deleted",
			setup: func(h *harness) {
				h.aws.refuseNew = 1000
				h.aws.fail = func(call, _ string) error {
					if call == "iam DeleteAccessKey" {
						return errDenied
					}
					return nil
				}
			},
			stored:   oldID,
			inIAM:    []string{newID, oldID},
			sessions: []string{"admin", "dev", "other"},
			err:      []string{"did not work", "the old key AKIA************OLD1 is stored again and still works, but the new key could not be deleted from IAM (AccessDenied"},
			hint:     "delete the unused new key by hand: sesame exec dev --no-session -- aws iam delete-access-key --user-name alice --access-key-id " + newID,
		},
		{
			name: "new key never works and the old one cannot be put back",
			setup: func(h *harness) {
				h.aws.refuseNew = 1000
				h.be.setErrs = []error{nil, errors.New("disk full")}
			},
			stored:   newID,
			inIAM:    []string{newID, oldID},
			sessions: []string{"admin", "dev", "other"},
			err:      []string{"did not work", "the old key AKIA************OLD1 could not be put back in the store (disk full): the store holds the new key"},
			hint:     "once the new key works, delete the old one: sesame exec dev --no-session -- aws iam delete-access-key --user-name alice --access-key-id " + oldID,
		},
		{
			name: "new key is someone else's",
			setup: func(h *harness) {
				h.aws.arnOf["bob"] = "arn:aws:iam::123456789012:user/bob"
				h.aws.fail = reassignNewKey(h.aws)
			},
			stored:   oldID,
			inIAM:    []string{oldID},
			sessions: []string{"admin", "dev", "other"},
			err:      []string{"GetCallerIdentity with the new key answered arn:aws:iam::123456789012:user/bob, not " + aliceARN},
		},
		{
			name: "old key cannot be deleted",
			setup: func(h *harness) {
				h.aws.fail = func(call, key string) error {
					if call == "iam DeleteAccessKey" {
						return errDenied
					}
					return nil
				}
			},
			stored:   newID,
			inIAM:    []string{newID, oldID},
			sessions: []string{"other"},
			err:      []string{"profile dev now has the new key AKIA************0001, stored and working, but the old key AKIA************OLD1 could not be deleted and still exists in IAM: AccessDenied"},
			hint:     "delete the old key by hand: sesame exec dev --no-session -- aws iam delete-access-key --user-name alice --access-key-id " + oldID,
		},
		{
			name: "old key cannot be deleted: new key refused throughout",
			setup: func(h *harness) {
				h.aws.fail = func(call, key string) error {
					if call == "iam DeleteAccessKey" {
						return errRefused
					}
					return nil
				}
			},
			stored:   newID,
			inIAM:    []string{newID, oldID},
			sessions: []string{"other"},
			err:      []string{"could not be deleted and still exists in IAM: InvalidClientTokenId"},
			hint:     "--access-key-id " + oldID,
		},
		{
			name:     "sessions cannot be cleared",
			setup:    func(h *harness) { h.be.listErr = fmt.Errorf("keyring: %w", store.ErrUnavailable) },
			stored:   newID,
			inIAM:    []string{newID},
			sessions: nil, // cannot be listed
			err:      []string{"rotated the key of profile dev, but cannot clear its cached sessions"},
			hint:     "run: sesame clear dev",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			tt.setup(h)
			err := Run(t.Context(), h.opts)
			if err == nil {
				t.Fatalf("Run succeeded; stderr:\n%s", h.errOut)
			}
			if cmdutil.ExitCode(err) != cmdutil.ExitError {
				t.Errorf("exit code %d", cmdutil.ExitCode(err))
			}
			for _, want := range tt.err {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error:\n%v\nwant it to contain:\n%s", err, want)
				}
			}
			if !strings.Contains(cmdutil.Hint(err), tt.hint) {
				t.Errorf("hint:\n%s\nwant it to contain:\n%s", cmdutil.Hint(err), tt.hint)
			}
			h.checkNoSecrets(t, err)
			h.be.listErr = nil
			if got := h.stored(t).AccessKeyID; got != tt.stored {
				t.Errorf("stored %s, want %s", got, tt.stored)
			}
			if got := h.aws.keyIDs(); !slices.Equal(got, tt.inIAM) {
				t.Errorf("IAM has %v, want %v", got, tt.inIAM)
			}
			if tt.sessions != nil {
				if got := h.sessions(t); !slices.Equal(got, tt.sessions) {
					t.Errorf("sessions of %v remain, want %v", got, tt.sessions)
				}
			}
			for _, c := range h.aws.calls {
				if tt.noCall != "" && strings.HasPrefix(c, tt.noCall) {
					t.Errorf("call %q made; calls:\n%s", c, strings.Join(h.aws.calls, "\n"))
				}
			}
			if h.now.Sub(mustTime(t0)) > 31*time.Second {
				t.Errorf("took %v of the fake clock, want at most the verify timeout", h.now.Sub(mustTime(t0)))
			}
		})
	}
}

// reassignNewKey makes the first created key belong to bob.
func reassignNewKey(f *fakeAWS) func(string, string) error {
	return func(call, key string) error {
		if k, ok := f.keys[newID]; ok && k.user == "alice" && call == "sts GetCallerIdentity" && key == newID {
			f.keys[newID] = fakeKey{"bob", k.secret}
		}
		if call == "iam DeleteAccessKey" && key == oldID {
			// Deleting bob's key with alice's: allowed here, so that the
			// undo can be checked.
			if k, ok := f.keys[newID]; ok {
				f.keys[newID] = fakeKey{"alice", k.secret}
			}
		}
		return nil
	}
}

func mustTime(s string) time.Time {
	tm, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return tm
}

// TestRotateInterrupted ends the context (as SIGINT does through
// Options.Signals) at each step: afterwards IAM has exactly one key of the
// user, the store holds it, and the exit status is 130 unless the rotation
// was finished.
func TestRotateInterrupted(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		// at is the call ("SERVICE ACTION KEYID") during which the
		// interrupt comes; err is what that call then returns (nil: it
		// still runs).
		at       string
		err      error
		wantKey  string
		finished bool
		wantErr  string
	}{
		{name: "checking", at: "iam ListAccessKeys " + oldID, wantKey: oldID,
			wantErr: "interrupted before the new key was created; nothing was changed"},
		{name: "creating", at: "iam CreateAccessKey " + oldID, wantKey: oldID,
			wantErr: "interrupted after creating the new key AKIA************0001; it was deleted from IAM again, so nothing was changed"},
		{name: "verifying", at: "sts GetCallerIdentity " + newID, err: context.Canceled, wantKey: oldID,
			wantErr: "interrupted before the new key AKIA************0001 was shown to work; the old key AKIA************OLD1 is stored again and still works, and the new key was deleted from IAM"},
		{name: "verified", at: "sts GetCallerIdentity " + newID, wantKey: newID, finished: true},
		{name: "deleting", at: "iam DeleteAccessKey " + newID, wantKey: newID, finished: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			ctx, cancel := context.WithCancel(t.Context())
			defer cancel()
			hit := false
			h.aws.fail = func(call, key string) error {
				if call+" "+key == tt.at && !hit {
					hit = true
					cancel()
					return tt.err
				}
				return nil
			}
			err := Run(ctx, h.opts)
			if !hit {
				t.Fatalf("no call %s; calls: %q", tt.at, h.aws.calls)
			}
			if tt.finished {
				if err != nil {
					t.Fatalf("error = %v, want the rotation finished", err)
				}
				if !strings.Contains(h.errOut.String(), "interrupted, but the new key AKIA************0001 works: finish") {
					t.Errorf("stderr = %q", h.errOut)
				}
			} else {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error = %v\nwant    %s", err, tt.wantErr)
				}
				if got := cmdutil.ExitCode(err); got != cmdutil.ExitCanceled {
					t.Errorf("exit status %d, want %d", got, cmdutil.ExitCanceled)
				}
				if hint := cmdutil.Hint(err); hint != "run sesame rotate dev again when you are ready" {
					t.Errorf("hint = %q", hint)
				}
			}
			if got := h.aws.keyIDs(); !slices.Equal(got, []string{tt.wantKey}) {
				t.Errorf("IAM keys %q, want only %s", got, tt.wantKey)
			}
			if got := h.stored(t).AccessKeyID; got != tt.wantKey {
				t.Errorf("stored %s, want %s", got, tt.wantKey)
			}
			h.checkNoSecrets(t, err)
		})
	}
}

// TestRotateLock: while one rotation of a profile runs, a second one fails
// at once and changes nothing; another profile is not held up.
func TestRotateLock(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	locks := t.TempDir()
	h.opts.LockDir = func() (string, error) { return locks, nil }
	h.opts.PauseAt, h.opts.PauseFile = "created", filepath.Join(t.TempDir(), "paused")
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, h.opts) }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		if _, err := os.Stat(h.opts.PauseFile); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the first rotation never paused")
		}
	}

	ios, _, _, _ := iostreams.Test()
	second := *h.opts
	second.IO, second.PauseAt, second.PauseFile = ios, "", ""
	second.NewClients = func(context.Context, aws.Credentials, string, string) (Clients, error) {
		t.Error("the second rotation made clients")
		return Clients{}, errors.New("no")
	}
	err := Run(t.Context(), &second)
	if err == nil || err.Error() != "another sesame rotate of profile dev is under way; nothing was changed" {
		t.Fatalf("second rotation: %v", err)
	}
	if hint := cmdutil.Hint(err); hint != "let it finish, then check the key with: sesame whoami dev" {
		t.Errorf("hint = %q", hint)
	}
	// Another profile has its own lock.
	other := second
	other.Profile = "other"
	if err := Run(t.Context(), &other); err == nil || !strings.Contains(err.Error(), "no key pair is stored for profile other") {
		t.Errorf("other profile: %v", err)
	}

	cancel()
	if err := <-done; cmdutil.ExitCode(err) != cmdutil.ExitCanceled {
		t.Fatalf("first rotation: %v", err)
	}
	if got := h.aws.keyIDs(); !slices.Equal(got, []string{oldID}) {
		t.Errorf("IAM keys %q", got)
	}
	// The lock is free again.
	second.NewClients = h.aws.newClients
	if err := Run(t.Context(), &second); err != nil {
		t.Fatalf("rotation after the first ended: %v", err)
	}
	if got := h.stored(t).AccessKeyID; got == oldID {
		t.Errorf("still the old key stored")
	}
}

func TestNoKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	paths := awsconfig.Paths{Config: filepath.Join(dir, "config"), Credentials: filepath.Join(dir, "credentials")}
	if err := os.WriteFile(paths.Config, []byte(testConfig+"[profile sso]\nsso_start_url = https://x.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 1\nsso_role_name = r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(paths.Credentials, []byte("[plain]\naws_access_key_id = AKIAPLAIN00000000001\naws_secret_access_key = plain-secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := awsconfig.Load(paths)
	if err != nil {
		t.Fatal(err)
	}
	st := store.New(store.NewMemory(), filepath.Join(dir, "locks"))
	for _, tt := range []struct{ profile, err, hint string }{
		{"dev", "no key pair is stored for profile dev", "run: sesame add dev"},
		{"nosuch", "no key pair is stored for profile nosuch", "run: sesame add nosuch"},
		{"plain", "the key of profile plain is in " + paths.Credentials + ", not in sesame's store", "sesame migrate; then run: sesame rotate plain"},
		{"admin", "profile admin has no key of its own: it assumes a role with the key of profile dev", "rotate that key: sesame rotate dev"},
		{"sso", "profile sso gets its credentials from sso, not from a stored access key: there is nothing to rotate", ""},
	} {
		ios, _, _, _ := iostreams.Test()
		called := false
		err := Run(t.Context(), &Options{
			IO: ios, Profile: tt.profile,
			Store:  func(context.Context) (*store.Store, error) { return st, nil },
			Config: func() (*awsconfig.Config, error) { return cfg, nil },
			NewClients: func(context.Context, aws.Credentials, string, string) (Clients, error) {
				called = true
				return Clients{}, errors.New("no")
			},
			Now: time.Now,
		})
		if err == nil || err.Error() != tt.err || cmdutil.Hint(err) != strings.TrimSpace(cmdutil.Hint(err)) || !strings.Contains(cmdutil.Hint(err), tt.hint) || called {
			t.Errorf("%s: error %v, hint %q; want %q, %q", tt.profile, err, cmdutil.Hint(err), tt.err, tt.hint)
		}
	}
}

func TestStoreAndConfigErrors(t *testing.T) {
	t.Parallel()
	ios, _, _, _ := iostreams.Test()
	err := Run(t.Context(), &Options{IO: ios, Profile: "dev",
		Config: func() (*awsconfig.Config, error) { return &awsconfig.Config{}, nil },
		Store: func(context.Context) (*store.Store, error) {
			return nil, fmt.Errorf("vault: %w", store.ErrWrongPassphrase)
		},
	})
	// The hint PrintError shows (the store's, added when printed).
	if err == nil || !strings.Contains(cmdutil.ErrorHint(err), "SESAME_FILE_PASSPHRASE") {
		t.Errorf("error %v, hint %q", err, cmdutil.ErrorHint(err))
	}
	cfgErr := cmdutil.WithHint(errors.New("config: broken"), "fix it")
	err = Run(t.Context(), &Options{IO: ios, Profile: "dev",
		Config: func() (*awsconfig.Config, error) { return nil, cfgErr },
	})
	if !errors.Is(err, cfgErr) {
		t.Errorf("error %v, want the config error", err)
	}
}

func TestIAMUser(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		arn, user string
		ok        bool
	}{
		{"arn:aws:iam::123456789012:user/alice", "alice", true},
		{"arn:aws:iam::123456789012:user/division/team/alice", "alice", true},
		{"arn:aws-cn:iam::123456789012:user/bob", "bob", true},
		{"arn:aws:iam::123456789012:root", "", true},
		{"arn:aws:sts::123456789012:assumed-role/admin/s", "", false},
		{"arn:aws:sts::123456789012:federated-user/f", "", false},
		{"arn:aws:iam::123456789012:user/", "", false},
		{"not an arn", "", false},
	} {
		user, ok := iamUser(tt.arn)
		if user != tt.user || ok != tt.ok {
			t.Errorf("iamUser(%q) = %q, %v; want %q, %v", tt.arn, user, ok, tt.user, tt.ok)
		}
	}
}

func TestFlags(t *testing.T) {
	t.Parallel()
	ios, _, _, _ := iostreams.Test()
	env := map[string]string{EnvTestPause: "created:/tmp/x/paused"}
	f := &cmdutil.Factory{IOStreams: ios, Now: time.Now, LookupEnv: func(k string) (string, bool) { v, ok := env[k]; return v, ok }}
	var got *Options
	cmd := NewCmdRotate(f, func(_ context.Context, o *Options) error { got = o; return nil })
	cmd.SetArgs([]string{"prod"})
	if err := cmd.Execute(); err != nil {
		t.Fatal(err)
	}
	if got.Profile != "prod" || got.NewClients == nil || got.Store == nil || got.Config == nil || got.LockDir == nil || got.Signals == nil {
		t.Errorf("options = %+v", got)
	}
	if got.PauseAt != "created" || got.PauseFile != "/tmp/x/paused" {
		t.Errorf("pause hook = %q, %q", got.PauseAt, got.PauseFile)
	}
	for _, args := range [][]string{{}, {"a", "b"}} {
		cmd = NewCmdRotate(f, func(context.Context, *Options) error { return nil })
		cmd.SetArgs(args)
		cmd.SilenceErrors, cmd.SilenceUsage = true, true
		if err := cmd.Execute(); cmdutil.ExitCode(err) != cmdutil.ExitUsage {
			t.Errorf("%q: %v, want a usage error", args, err)
		}
	}
}
