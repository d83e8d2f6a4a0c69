package sso

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssso "github.com/aws/aws-sdk-go-v2/service/sso"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"

	"github.com/sesamehq/sesame/internal/store"
)

// listPortal is an in-memory portal: paginated listings, throttling on
// demand, and a count of calls. It checks that every call turns the SDK's
// retryer off.
type listPortal struct {
	t        *testing.T
	accounts []store.ListedAccount
	// accountPage and rolePage are the page sizes (default 100).
	accountPage, rolePage int
	// throttle, when set, says whether call n (from 1) is throttled.
	throttle func(op string, n int) bool
	// unauthorized answers every call UnauthorizedException.
	unauthorized bool
	// gone accounts answer ListAccountRoles with ResourceNotFound.
	gone map[string]bool
	// delay is how long each call takes.
	delay time.Duration

	mu        sync.Mutex
	calls     map[string]int // op → calls, throttled included
	throttled int
	inFlight  int
	maxFlight int
}

func (p *listPortal) begin(op string, optFns []func(*awssso.Options)) (int, error) {
	var o awssso.Options
	o.Retryer = nil
	for _, fn := range optFns {
		fn(&o)
	}
	if _, ok := o.Retryer.(aws.NopRetryer); !ok {
		p.t.Errorf("%s: the SDK's retryer is %T, want aws.NopRetryer", op, o.Retryer)
	}
	p.mu.Lock()
	if p.calls == nil {
		p.calls = map[string]int{}
	}
	p.calls[op]++
	n := p.calls[op]
	p.inFlight++
	p.maxFlight = max(p.maxFlight, p.inFlight)
	throttled := p.throttle != nil && p.throttle(op, n)
	if throttled {
		p.throttled++
	}
	p.mu.Unlock()
	if p.delay > 0 {
		time.Sleep(p.delay)
	}
	p.mu.Lock()
	p.inFlight--
	p.mu.Unlock()
	switch {
	case p.unauthorized:
		return 0, &ssotypes.UnauthorizedException{Message: aws.String("Session token not found or invalid")}
	case throttled:
		return 0, &ssotypes.TooManyRequestsException{Message: aws.String("HTTP 429 Unknown Code")}
	}
	return n, nil
}

func (p *listPortal) count(op string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[op]
}

func page(token *string, size, n int) (from, to int, next *string) {
	if size <= 0 {
		size = 100
	}
	if token != nil {
		from, _ = strconv.Atoi(*token)
	}
	to = min(from+size, n)
	if to < n {
		next = aws.String(strconv.Itoa(to))
	}
	return from, to, next
}

func (p *listPortal) ListAccounts(ctx context.Context, in *awssso.ListAccountsInput, optFns ...func(*awssso.Options)) (*awssso.ListAccountsOutput, error) {
	if _, err := p.begin("ListAccounts", optFns); err != nil {
		return nil, err
	}
	from, to, next := page(in.NextToken, min(p.accountPage, int(aws.ToInt32(in.MaxResults))), len(p.accounts))
	out := &awssso.ListAccountsOutput{NextToken: next}
	for _, a := range p.accounts[from:to] {
		out.AccountList = append(out.AccountList, ssotypes.AccountInfo{AccountId: aws.String(a.ID), AccountName: aws.String(a.Name), EmailAddress: aws.String(a.Email)})
	}
	return out, nil
}

func (p *listPortal) ListAccountRoles(ctx context.Context, in *awssso.ListAccountRolesInput, optFns ...func(*awssso.Options)) (*awssso.ListAccountRolesOutput, error) {
	if _, err := p.begin("ListAccountRoles", optFns); err != nil {
		return nil, err
	}
	id := aws.ToString(in.AccountId)
	if p.gone[id] {
		return nil, &ssotypes.ResourceNotFoundException{Message: aws.String("No access")}
	}
	for _, a := range p.accounts {
		if a.ID != id {
			continue
		}
		from, to, next := page(in.NextToken, min(p.rolePage, int(aws.ToInt32(in.MaxResults))), len(a.Roles))
		out := &awssso.ListAccountRolesOutput{NextToken: next}
		for _, r := range a.Roles[from:to] {
			out.RoleList = append(out.RoleList, ssotypes.RoleInfo{AccountId: aws.String(id), RoleName: aws.String(r)})
		}
		return out, nil
	}
	return nil, &ssotypes.ResourceNotFoundException{Message: aws.String("No access")}
}

func (p *listPortal) GetRoleCredentials(ctx context.Context, in *awssso.GetRoleCredentialsInput, optFns ...func(*awssso.Options)) (*awssso.GetRoleCredentialsOutput, error) {
	p.t.Errorf("the Lister called GetRoleCredentials")
	return nil, fmt.Errorf("unexpected")
}

func (p *listPortal) Logout(ctx context.Context, in *awssso.LogoutInput, optFns ...func(*awssso.Options)) (*awssso.LogoutOutput, error) {
	p.t.Errorf("the Lister called Logout")
	return nil, fmt.Errorf("unexpected")
}

// accountsN makes n accounts ("acct-001", ids 100000000001...) with roles.
func accountsN(n int, roles ...string) []store.ListedAccount {
	out := make([]store.ListedAccount, n)
	for i := range out {
		out[i] = store.ListedAccount{ID: fmt.Sprintf("%012d", 100000000001+i), Name: fmt.Sprintf("acct-%03d", i+1), Roles: roles}
	}
	return out
}

// noSleep is a Lister.Sleep that records the waits and returns at once.
type noSleep struct {
	mu    sync.Mutex
	total time.Duration
	waits []time.Duration
}

func (s *noSleep) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d > 0 {
		s.total += d
		s.waits = append(s.waits, d)
	}
	return ctx.Err()
}
