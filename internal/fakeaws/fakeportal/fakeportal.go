// Package fakeportal is an in-memory IAM Identity Center portal for the
// tests of the account/role Lister and of sso populate: paginated listings,
// throttling on demand, unauthorized and vanished accounts, slow calls, and
// a count of every call. Test code only.
package fakeportal

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

// Portal is an in-memory portal: paginated listings, throttling on
// demand, and a count of calls. It checks that every call turns the SDK's
// retryer off.
type Portal struct {
	// T reports calls the Lister should not make.
	T testing.TB
	// Accounts are what the portal lists.
	Accounts []store.ListedAccount
	// AccountPage and RolePage are the page sizes (default 100).
	AccountPage, RolePage int
	// Throttle, when set, says whether call n (from 1) is throttled.
	Throttle func(op string, n int) bool
	// Unauthorized answers every call UnauthorizedException.
	Unauthorized bool
	// Gone accounts answer ListAccountRoles with ResourceNotFound.
	Gone map[string]bool
	// Delay is how long each call takes.
	Delay time.Duration

	mu        sync.Mutex
	calls     map[string]int // op → calls, throttled included
	throttled int
	inFlight  int
	maxFlight int
}

// Throttled is how many calls were throttled.
func (p *Portal) Throttled() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.throttled
}

// MaxFlight is the most calls that were in flight at once.
func (p *Portal) MaxFlight() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.maxFlight
}

func (p *Portal) begin(op string, optFns []func(*awssso.Options)) (int, error) {
	var o awssso.Options
	o.Retryer = nil
	for _, fn := range optFns {
		fn(&o)
	}
	if _, ok := o.Retryer.(aws.NopRetryer); !ok {
		p.T.Errorf("%s: the SDK's retryer is %T, want aws.NopRetryer", op, o.Retryer)
	}
	p.mu.Lock()
	if p.calls == nil {
		p.calls = map[string]int{}
	}
	p.calls[op]++
	n := p.calls[op]
	p.inFlight++
	p.maxFlight = max(p.maxFlight, p.inFlight)
	throttled := p.Throttle != nil && p.Throttle(op, n)
	if throttled {
		p.throttled++
	}
	p.mu.Unlock()
	if p.Delay > 0 {
		time.Sleep(p.Delay)
	}
	p.mu.Lock()
	p.inFlight--
	p.mu.Unlock()
	switch {
	case p.Unauthorized:
		return 0, &ssotypes.UnauthorizedException{Message: aws.String("Session token not found or invalid")}
	case throttled:
		return 0, &ssotypes.TooManyRequestsException{Message: aws.String("HTTP 429 Unknown Code")}
	}
	return n, nil
}

// Count is how many calls op had, throttled ones included.
func (p *Portal) Count(op string) int {
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

func (p *Portal) ListAccounts(ctx context.Context, in *awssso.ListAccountsInput, optFns ...func(*awssso.Options)) (*awssso.ListAccountsOutput, error) {
	if _, err := p.begin("ListAccounts", optFns); err != nil {
		return nil, err
	}
	from, to, next := page(in.NextToken, min(p.AccountPage, int(aws.ToInt32(in.MaxResults))), len(p.Accounts))
	out := &awssso.ListAccountsOutput{NextToken: next}
	for _, a := range p.Accounts[from:to] {
		out.AccountList = append(out.AccountList, ssotypes.AccountInfo{AccountId: aws.String(a.ID), AccountName: aws.String(a.Name), EmailAddress: aws.String(a.Email)})
	}
	return out, nil
}

func (p *Portal) ListAccountRoles(ctx context.Context, in *awssso.ListAccountRolesInput, optFns ...func(*awssso.Options)) (*awssso.ListAccountRolesOutput, error) {
	if _, err := p.begin("ListAccountRoles", optFns); err != nil {
		return nil, err
	}
	id := aws.ToString(in.AccountId)
	if p.Gone[id] {
		return nil, &ssotypes.ResourceNotFoundException{Message: aws.String("No access")}
	}
	for _, a := range p.Accounts {
		if a.ID != id {
			continue
		}
		from, to, next := page(in.NextToken, min(p.RolePage, int(aws.ToInt32(in.MaxResults))), len(a.Roles))
		out := &awssso.ListAccountRolesOutput{NextToken: next}
		for _, r := range a.Roles[from:to] {
			out.RoleList = append(out.RoleList, ssotypes.RoleInfo{AccountId: aws.String(id), RoleName: aws.String(r)})
		}
		return out, nil
	}
	return nil, &ssotypes.ResourceNotFoundException{Message: aws.String("No access")}
}

func (p *Portal) GetRoleCredentials(ctx context.Context, in *awssso.GetRoleCredentialsInput, optFns ...func(*awssso.Options)) (*awssso.GetRoleCredentialsOutput, error) {
	p.T.Errorf("the Lister called GetRoleCredentials")
	return nil, fmt.Errorf("unexpected")
}

func (p *Portal) Logout(ctx context.Context, in *awssso.LogoutInput, optFns ...func(*awssso.Options)) (*awssso.LogoutOutput, error) {
	p.T.Errorf("the Lister called Logout")
	return nil, fmt.Errorf("unexpected")
}

// AccountsN makes n accounts ("acct-001", ids 100000000001...) with roles.
func AccountsN(n int, roles ...string) []store.ListedAccount {
	out := make([]store.ListedAccount, n)
	for i := range out {
		out[i] = store.ListedAccount{ID: fmt.Sprintf("%012d", 100000000001+i), Name: fmt.Sprintf("acct-%03d", i+1), Roles: roles}
	}
	return out
}

// NoSleep is a Lister.Sleep that records the waits and returns at once.
type NoSleep struct {
	mu sync.Mutex
	// Total is the sum of the waits; Waits are the waits in order.
	Total time.Duration
	Waits []time.Duration
}

// Sleep records d and returns at once (ctx.Err()).
func (s *NoSleep) Sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if d > 0 {
		s.Total += d
		s.Waits = append(s.Waits, d)
	}
	return ctx.Err()
}
