package sso

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	awssso "github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/sesamehq/sesame/internal/store"
)

// ListAPI is the part of the IAM Identity Center portal that the Lister
// calls; the AWS SDK's *sso.Client and PortalAPI have it.
type ListAPI interface {
	ListAccounts(ctx context.Context, in *awssso.ListAccountsInput, optFns ...func(*awssso.Options)) (*awssso.ListAccountsOutput, error)
	ListAccountRoles(ctx context.Context, in *awssso.ListAccountRolesInput, optFns ...func(*awssso.Options)) (*awssso.ListAccountRolesOutput, error)
}

// Defaults of a Lister.
const (
	// DefaultRate is IAM Identity Center's portal quota: roughly 20 calls
	// a second per caller.
	DefaultRate = 20
	// DefaultWorkers is how many calls may be in flight at once: enough to
	// keep 20 calls a second going at 400 ms a call.
	DefaultWorkers = 8
	// DefaultThrottleRetries is how many TooManyRequests answers one call
	// may get before the run gives up: with the backoff below that is
	// several minutes of throttling, far more than a quota of 20 calls a
	// second ever causes.
	DefaultThrottleRetries = 20
	// transientRetries is how many times a call that failed on the network
	// or with a 5xx is tried again.
	transientRetries = 3
	// pageSize is the largest page both listings allow.
	pageSize = 100
)

// ErrUnauthorized means the portal refused the access token.
var ErrUnauthorized = errors.New("IAM Identity Center refused the sign-in (expired or signed out)")

// Lister lists every account a sign-in can reach and the roles in each:
// ListAccounts page by page, and ListAccountRoles for every account as
// soon as it is known, from a small pool of workers.
//
// Every call, retries included, first waits its turn at a pacer that
// spaces calls evenly at Rate a second (no bursts). A TooManyRequests
// answer slows the pacer down (by 30%, at most once a second; it climbs
// back by a twentieth of a call a second with every success, up to Rate)
// and the call is tried again after an exponential backoff with jitter
// (250 ms doubling to 10 s, each wait between half and all of that), up to
// ThrottleRetries times. Throttling therefore slows a run down but does not
// fail it. Network errors and 5xx answers are tried three more times.
//
// The AWS SDK retries throttled calls too, with its own backoff and a retry
// quota that a long listing exhausts. Two retry loops would multiply each
// other's attempts and hide the 429s from the pacer, so every call is made
// with the SDK's retryer turned off (aws.NopRetryer): the Lister is the
// only one that retries.
//
// A Lister is used once; List is safe to call from one goroutine.
type Lister struct {
	// Portal is the portal client; Token the access token.
	Portal ListAPI
	Token  string
	// Rate is the highest pace in calls a second (DefaultRate).
	Rate float64
	// Workers is how many calls may be in flight (DefaultWorkers).
	Workers int
	// ThrottleRetries bounds the retries of one throttled call
	// (DefaultThrottleRetries).
	ThrottleRetries int
	// Progress, when set, is told the listing's progress after each
	// account's roles are listed (and as accounts are found); it is called
	// from one goroutine at a time and should return quickly.
	Progress func(Progress)
	// Logger gets a debug line for each retry; nil for none.
	Logger *slog.Logger
	// Now and Sleep are the clock (time.Now and a context-aware sleep when
	// nil); tests replace them.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error

	calls     atomic.Int64
	throttled atomic.Int64
	pace      *pacer
}

// Progress is how far a listing has come.
type Progress struct {
	// Accounts is how many accounts are known so far; AllFound is set once
	// the last page of ListAccounts is in.
	Accounts int
	AllFound bool
	// Done is how many accounts have their roles listed.
	Done int
	// Calls is how many portal calls were made, throttled ones included.
	Calls int
}

// Stats are the counts of a finished listing.
type Stats struct {
	// Calls is every portal call made, retries included.
	Calls int
	// Throttled is how many calls were answered TooManyRequests.
	Throttled int
}

// Stats returns the listing's call counts.
func (l *Lister) Stats() Stats {
	return Stats{Calls: int(l.calls.Load()), Throttled: int(l.throttled.Load())}
}

func (l *Lister) defaults() {
	if l.Rate <= 0 {
		l.Rate = DefaultRate
	}
	if l.Workers <= 0 {
		l.Workers = DefaultWorkers
	}
	if l.ThrottleRetries <= 0 {
		l.ThrottleRetries = DefaultThrottleRetries
	}
	if l.Now == nil {
		l.Now = time.Now
	}
	if l.Sleep == nil {
		l.Sleep = sleep
	}
	l.pace = newPacer(l.Rate, l.Now, l.Sleep)
}

// List returns every account with its roles, sorted by account name and
// id, roles sorted by name. An account that disappears between the two
// listings (ResourceNotFound) is left out. It fails with ErrUnauthorized
// (wrapped) when the portal refuses the token, and with ctx's error when ctx
// ends.
func (l *Lister) List(ctx context.Context) ([]store.ListedAccount, error) {
	l.defaults()
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)

	var (
		mu       sync.Mutex
		accounts []*store.ListedAccount
		seen     = map[string]bool{}
		prog     Progress
	)
	report := func(change func(*Progress)) {
		mu.Lock()
		defer mu.Unlock()
		change(&prog)
		prog.Calls = int(l.calls.Load())
		if l.Progress != nil {
			l.Progress(prog)
		}
	}

	work := make(chan *store.ListedAccount)
	go func() {
		defer close(work)
		var next *string
		for {
			var out *awssso.ListAccountsOutput
			err := l.call(ctx, "ListAccounts", "", func(ctx context.Context) (err error) {
				out, err = l.Portal.ListAccounts(ctx, &awssso.ListAccountsInput{AccessToken: aws.String(l.Token),
					MaxResults: aws.Int32(pageSize), NextToken: next}, noSDKRetries)
				return err
			})
			if err != nil {
				cancel(err)
				return
			}
			var found []*store.ListedAccount
			for _, a := range out.AccountList {
				id := aws.ToString(a.AccountId)
				if id == "" || seen[id] {
					continue
				}
				seen[id] = true
				found = append(found, &store.ListedAccount{ID: id, Name: aws.ToString(a.AccountName), Email: aws.ToString(a.EmailAddress)})
			}
			next = out.NextToken
			if aws.ToString(next) == "" {
				next = nil
			}
			mu.Lock()
			accounts = append(accounts, found...)
			mu.Unlock()
			report(func(p *Progress) { p.Accounts += len(found); p.AllFound = next == nil })
			for _, a := range found {
				select {
				case work <- a:
				case <-ctx.Done():
					return
				}
			}
			if next == nil {
				return
			}
		}
	}()

	var wg sync.WaitGroup
	for range l.Workers {
		wg.Go(func() {
			for a := range work {
				if ctx.Err() != nil {
					continue // drain, so the producer is not stuck
				}
				roles, err := l.roles(ctx, a.ID)
				if err != nil {
					cancel(err)
					continue
				}
				a.Roles = roles
				report(func(p *Progress) { p.Done++ })
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return nil, err
	}
	out := make([]store.ListedAccount, 0, len(accounts))
	for _, a := range accounts {
		if a.Roles != nil {
			out = append(out, *a)
		}
	}
	slices.SortFunc(out, func(a, b store.ListedAccount) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out, nil
}

// roles lists one account's roles, page by page. An account that is gone
// has nil roles; one with no roles has an empty, non-nil list.
func (l *Lister) roles(ctx context.Context, accountID string) ([]string, error) {
	roles := []string{}
	var next *string
	for {
		var out *awssso.ListAccountRolesOutput
		err := l.call(ctx, "ListAccountRoles", accountID, func(ctx context.Context) (err error) {
			out, err = l.Portal.ListAccountRoles(ctx, &awssso.ListAccountRolesInput{AccessToken: aws.String(l.Token),
				AccountId: aws.String(accountID), MaxResults: aws.Int32(pageSize), NextToken: next}, noSDKRetries)
			return err
		})
		var api smithy.APIError
		if errors.As(err, &api) && api.ErrorCode() == "ResourceNotFoundException" {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		for _, r := range out.RoleList {
			if n := aws.ToString(r.RoleName); n != "" && !slices.Contains(roles, n) {
				roles = append(roles, n)
			}
		}
		if next = out.NextToken; aws.ToString(next) == "" {
			slices.Sort(roles)
			return roles, nil
		}
	}
}

// noSDKRetries turns the SDK's retryer off for one call: the Lister
// retries itself (see Lister).
func noSDKRetries(o *awssso.Options) { o.Retryer = aws.NopRetryer{} }

// errKind sorts a call's error by what to do about it.
type errKind int

const (
	errNone errKind = iota
	errThrottled
	errTransient
	errFatal
)

func kindOf(err error) errKind {
	if err == nil {
		return errNone
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "TooManyRequestsException", "ThrottlingException", "Throttling", "RequestLimitExceeded":
			return errThrottled
		}
	}
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		switch code := re.HTTPStatusCode(); {
		case code == 429:
			return errThrottled
		case code >= 500:
			return errTransient
		}
		return errFatal
	}
	var se *smithyhttp.RequestSendError
	if errors.As(err, &se) && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
		return errTransient
	}
	return errFatal
}

// call makes one portal call, pacing it and retrying it as the Lister's
// doc says.
func (l *Lister) call(ctx context.Context, op, accountID string, f func(context.Context) error) error {
	throttles, transients := 0, 0
	for {
		if err := l.pace.wait(ctx); err != nil {
			return err
		}
		l.calls.Add(1)
		err := f(ctx)
		var retries int
		switch kindOf(err) {
		case errNone:
			l.pace.succeeded()
			return nil
		case errThrottled:
			l.throttled.Add(1)
			l.pace.throttled()
			throttles++
			retries = throttles
			if throttles > l.ThrottleRetries {
				return &CallError{Op: op, AccountID: accountID, Tries: throttles + transients, Err: err}
			}
		case errTransient:
			transients++
			retries = transients
			if transients > transientRetries {
				return &CallError{Op: op, AccountID: accountID, Tries: throttles + transients, Err: err}
			}
		default:
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			var api smithy.APIError
			if errors.As(err, &api) && api.ErrorCode() == "UnauthorizedException" {
				return ErrUnauthorized
			}
			return &CallError{Op: op, AccountID: accountID, Tries: throttles + transients + 1, Err: err}
		}
		d := backoff(retries)
		if l.Logger != nil {
			l.Logger.Debug("retrying a portal call", "op", op, "account", accountID, "try", retries+1, "after", d, "error", errorCode(err))
		}
		if err := l.Sleep(ctx, d); err != nil {
			return err
		}
	}
}

// backoff is the wait before retry n (from 1): 250 ms doubling up to 10 s,
// then a random point in its upper half.
func backoff(n int) time.Duration {
	d := min(10*time.Second, 250*time.Millisecond<<min(n-1, 6))
	return d/2 + rand.N(d/2+1)
}

func errorCode(err error) string {
	var api smithy.APIError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return err.Error()
}

// CallError is a portal call that failed for good. Its message names the
// call and the error code, never the request (which holds the token).
type CallError struct {
	Op        string
	AccountID string
	// Tries is how many times the call was made.
	Tries int
	Err   error
}

func (e *CallError) Error() string {
	what := e.Op
	if e.AccountID != "" {
		what += " for account " + e.AccountID
	}
	msg := fmt.Sprintf("%s failed: %s", what, errorCode(e.Err))
	if e.Tries > 1 {
		msg += fmt.Sprintf(" (%d tries)", e.Tries)
	}
	return msg
}

func (e *CallError) Unwrap() error { return e.Err }

// NextStep is the hint shown under the error.
func (e *CallError) NextStep() string {
	if kindOf(e.Err) == errThrottled {
		return "IAM Identity Center kept throttling; try again in a few minutes"
	}
	return "check the network and AWS_ENDPOINT_URL_SSO; run with --debug to see each call"
}

func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

// pacer spaces calls evenly: each wait returns at least 1/rate after the
// previous one, with no bursts. The rate drops by 30% when the service
// throttles (at most once a second, down to minRate) and climbs back by
// 0.05 a call a second with every success. It is safe for concurrent use.
type pacer struct {
	mu       sync.Mutex
	rate     float64
	maxRate  float64
	next     time.Time
	lastSlow time.Time
	now      func() time.Time
	sleep    func(context.Context, time.Duration) error
}

// minRate is the slowest pace the pacer falls to.
const minRate = 1

func newPacer(rate float64, now func() time.Time, sleep func(context.Context, time.Duration) error) *pacer {
	return &pacer{rate: rate, maxRate: rate, now: now, sleep: sleep}
}

// wait blocks until the caller's turn, or ctx ends.
func (p *pacer) wait(ctx context.Context) error {
	p.mu.Lock()
	now := p.now()
	at := p.next
	if at.Before(now) {
		at = now
	}
	p.next = at.Add(time.Duration(float64(time.Second) / p.rate))
	p.mu.Unlock()
	return p.sleep(ctx, at.Sub(now))
}

func (p *pacer) throttled() {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	if now.Sub(p.lastSlow) < time.Second {
		return
	}
	p.lastSlow = now
	p.rate = max(minRate, p.rate*0.7)
}

func (p *pacer) succeeded() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rate = min(p.maxRate, p.rate+0.05)
}
