package signin_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/logincreds"
	awssignin "github.com/aws/aws-sdk-go-v2/service/signin"

	"github.com/sesamehq/sesame/internal/fakeaws/fakesignin"
	"github.com/sesamehq/sesame/internal/signin"
	"github.com/sesamehq/sesame/internal/store"
)

type mgrEnv struct {
	*env
	mgr   *signin.Manager
	st    *store.Store
	skew  atomic.Int64 // added to time.Now by the manager's clock
	arn   string
	token signin.Token
}

func newMgrEnv(t *testing.T) *mgrEnv {
	t.Helper()
	e := &mgrEnv{}
	// The fake shares the skewed clock, as AWS's clock moves with ours.
	e.env = newEnv(t, fakesignin.Config{Clock: func() time.Time { return time.Now().Add(time.Duration(e.skew.Load())) }})
	e.st = store.New(store.NewMemory(), t.TempDir())
	e.mgr = &signin.Manager{
		Store:    func(context.Context) (signin.Store, error) { return e.st, nil },
		NewAPI:   func(context.Context, string) (signin.TokenAPI, error) { return e.client.API, nil },
		CacheDir: t.TempDir(),
		LockDir:  t.TempDir(),
		Now:      func() time.Time { return time.Now().Add(time.Duration(e.skew.Load())) },
	}
	key, _ := signin.GenerateKey()
	iss, err := e.fake.Issue(t.Context(), &key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	e.arn = e.fake.SessionARN()
	e.token = signin.Token{AccessKeyID: iss.AccessKeyID, SecretAccessKey: iss.SecretAccessKey, SessionToken: iss.SessionToken,
		AccountID: e.fake.AccountID(), Expires: iss.ExpiresAt, ClientID: iss.ClientID, RefreshToken: iss.RefreshToken, IDToken: iss.IDToken, Key: key}
	return e
}

func (e *mgrEnv) refreshes() int {
	return e.fake.Count(fakesignin.OpCreateOAuth2Token, fakesignin.GrantRefreshToken)
}

func TestManagerRefreshesOnceForParallelCallers(t *testing.T) {
	e := newMgrEnv(t)
	if err := e.mgr.Save(t.Context(), e.arn, "eu-west-1", e.token, false); err != nil {
		t.Fatal(err)
	}
	// Fresh: no token call, and no plain file.
	c, err := e.mgr.Credentials(t.Context(), "dev", e.arn, "")
	if err != nil || c.AccessKeyID != e.token.AccessKeyID || e.refreshes() != 0 {
		t.Fatalf("fresh: %+v %v (%d refreshes)", c, err, e.refreshes())
	}
	if _, err := os.Stat(e.mgr.CachePath(e.arn)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("a cache file was written without --share: %v", err)
	}
	// 4 minutes left: 20 callers at once make one refresh.
	e.skew.Store(int64(11 * time.Minute))
	var wg sync.WaitGroup
	keys := make([]string, 20)
	for i := range keys {
		wg.Go(func() {
			c, err := e.mgr.Credentials(t.Context(), "dev", e.arn, "")
			if err != nil {
				t.Error(err)
			}
			keys[i] = c.AccessKeyID
		})
	}
	wg.Wait()
	if n := e.refreshes(); n != 1 {
		t.Fatalf("%d refreshes for 20 callers, want 1", n)
	}
	for _, k := range keys {
		if k != keys[0] || k == e.token.AccessKeyID {
			t.Fatalf("callers got %v", keys)
		}
	}
	si, err := e.st.SignIn(t.Context(), e.arn)
	if err != nil || si.RefreshToken == e.token.RefreshToken || si.Region != "eu-west-1" {
		t.Fatalf("stored after refresh: %v (rotated: %v)", err, si.RefreshToken != e.token.RefreshToken)
	}
}

func TestManagerSignInAgainErrors(t *testing.T) {
	e := newMgrEnv(t)
	if _, err := e.mgr.Credentials(t.Context(), "dev", e.arn, ""); !strings.Contains(err.Error(), "no AWS Sign-In session") {
		t.Fatalf("not signed in: %v", err)
	}
	if err := e.mgr.Save(t.Context(), e.arn, "eu-west-1", e.token, false); err != nil {
		t.Fatal(err)
	}
	e.fake.ChangeUserCredentials()
	e.skew.Store(int64(20 * time.Minute))
	_, err := e.mgr.Credentials(t.Context(), "dev", e.arn, "")
	if err == nil || !strings.Contains(err.Error(), "USER_CREDENTIALS_CHANGED") || !strings.Contains(err.Error(), "run sesame signin dev") {
		t.Fatalf("changed credentials: %v", err)
	}
}

// TestManagerSharedFile: with --share the cache file follows every refresh;
// when another program (the Go SDK here) refreshed the file and so rotated
// the refresh token, sesame takes the file's newer state instead of
// failing with the dead token it stored.
func TestManagerSharedFile(t *testing.T) {
	e := newMgrEnv(t)
	if err := e.mgr.Save(t.Context(), e.arn, "eu-west-1", e.token, true); err != nil {
		t.Fatal(err)
	}
	path := e.mgr.CachePath(e.arn)
	ft, found, err := signin.ReadCache(path)
	if err != nil || !found || ft.RefreshToken != e.token.RefreshToken {
		t.Fatalf("shared file: %v %v", found, err)
	}
	// The Go SDK refreshes only expired files: make it so.
	ft.Expires = time.Now().Add(-time.Second)
	if err := signin.WriteCache(path, ft); err != nil {
		t.Fatal(err)
	}
	sdk := awssignin.New(awssignin.Options{Region: "eu-west-1", BaseEndpoint: aws.String(e.base), HTTPClient: &http.Client{Transport: &http.Transport{Proxy: nil}}})
	sdkCreds, err := logincreds.New(sdk, path).Retrieve(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	// sesame, near expiry by its store, adopts the file's refresh instead
	// of using its dead refresh token.
	e.skew.Store(int64(11 * time.Minute))
	c, err := e.mgr.Credentials(t.Context(), "dev", e.arn, "")
	if err != nil {
		t.Fatalf("after the SDK's refresh: %v", err)
	}
	if c.AccessKeyID == e.token.AccessKeyID {
		t.Fatal("sesame used its stale credentials")
	}
	_ = sdkCreds
	// The file follows sesame's own refresh.
	e.skew.Store(int64(25 * time.Minute))
	c2, err := e.mgr.Credentials(t.Context(), "dev", e.arn, "")
	if err != nil {
		t.Fatal(err)
	}
	ft, _, err = signin.ReadCache(path)
	if err != nil || ft.AccessKeyID != c2.AccessKeyID {
		t.Fatalf("file not kept in step: %v", err)
	}
	in, file, err := e.mgr.Remove(t.Context(), e.arn)
	if err != nil || !in || !file {
		t.Fatalf("remove: %v %v %v", in, file, err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Fatal("cache file left behind")
	}
}

// TestManagerUsesAWSLoginFile: a sign-in made by `aws login` (a cache file
// only) is used and refreshed in place.
func TestManagerUsesAWSLoginFile(t *testing.T) {
	e := newMgrEnv(t)
	path := e.mgr.CachePath(e.arn)
	if err := signin.WriteCache(path, e.token); err != nil {
		t.Fatal(err)
	}
	c, err := e.mgr.Credentials(t.Context(), "dev", e.arn, "eu-west-1")
	if err != nil || c.AccessKeyID != e.token.AccessKeyID {
		t.Fatalf("fresh file: %v", err)
	}
	e.skew.Store(int64(14 * time.Minute))
	c, err = e.mgr.Credentials(t.Context(), "dev", e.arn, "eu-west-1")
	if err != nil || c.AccessKeyID == e.token.AccessKeyID {
		t.Fatalf("refresh: %v", err)
	}
	ft, _, _ := signin.ReadCache(path)
	if ft.AccessKeyID != c.AccessKeyID || ft.RefreshToken == e.token.RefreshToken {
		t.Fatal("the file was not refreshed in place")
	}
	if _, err := e.st.SignIn(t.Context(), e.arn); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the aws login session was copied into the store: %v", err)
	}
	st, err := e.mgr.Status(t.Context(), e.arn)
	if err != nil || !st.Found || st.InStore || !st.Expires.Equal(ft.Expires) {
		t.Fatalf("status %+v %v", st, err)
	}
}

// TestManagerSignsInAgainOnATerminal: with SignInNow (a person at a
// terminal), a profile with no session, or whose session has ended, is
// signed in on the spot; a sign-in as another principal is refused.
func TestManagerSignsInAgainOnATerminal(t *testing.T) {
	e := newMgrEnv(t)
	var asked []string
	other := ""
	e.mgr.SignInNow = func(ctx context.Context, profile, region string) (signin.Exchanged, error) {
		asked = append(asked, profile+"|"+region)
		key, _ := signin.GenerateKey()
		iss, err := e.fake.Issue(ctx, &key.PublicKey)
		if err != nil {
			return signin.Exchanged{}, err
		}
		ls := e.arn
		if other != "" {
			ls = other
		}
		return signin.Exchanged{LoginSession: ls, Token: signin.Token{AccessKeyID: iss.AccessKeyID, SecretAccessKey: iss.SecretAccessKey,
			SessionToken: iss.SessionToken, AccountID: "123456789012", Expires: iss.ExpiresAt, ClientID: iss.ClientID, RefreshToken: iss.RefreshToken, Key: key}}, nil
	}
	c, err := e.mgr.Credentials(t.Context(), "dev", e.arn, "eu-west-1")
	if err != nil || c.AccessKeyID == "" || len(asked) != 1 || asked[0] != "dev|eu-west-1" {
		t.Fatalf("not signed in: %v %v", asked, err)
	}
	// The session ends at AWS: signed in again, the new one stored.
	e.fake.ChangeUserCredentials()
	e.skew.Store(int64(12 * time.Minute))
	c2, err := e.mgr.Credentials(t.Context(), "dev", e.arn, "")
	if err != nil || len(asked) != 2 || c2.AccessKeyID == c.AccessKeyID {
		t.Fatalf("ended session: %v %v", asked, err)
	}
	si, err := e.st.SignIn(t.Context(), e.arn)
	if err != nil || si.AccessKeyID != c2.AccessKeyID || si.Region != "eu-west-1" {
		t.Fatalf("stored %v", err)
	}
	// Another principal signing in is refused, and nothing is stored.
	other = "arn:aws:iam::123456789012:user/mallory"
	e.fake.ChangeUserCredentials()
	e.skew.Store(int64(24 * time.Minute))
	if _, err := e.mgr.Credentials(t.Context(), "dev", e.arn, ""); err == nil || !strings.Contains(err.Error(), "signed in as arn:aws:iam::123456789012:user/mallory") {
		t.Fatalf("other principal: %v", err)
	}
	if si2, _ := e.st.SignIn(t.Context(), e.arn); si2.AccessKeyID != si.AccessKeyID {
		t.Fatal("another principal's session was stored")
	}
}
