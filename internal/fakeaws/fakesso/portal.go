package fakesso

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// bearerHeader carries the access token of portal calls.
const bearerHeader = "x-amz-sso_bearer_token"

func writePortalError(w http.ResponseWriter, status int, code, msg string) {
	writeJSONError(w, status, code, map[string]string{"message": msg})
}

// portal wraps a portal handler: rate limit, then the bearer token.
func (s *Server) portal(h func(w *logWriter, r *http.Request, at *accessToken)) func(*logWriter, *http.Request) {
	return func(w *logWriter, r *http.Request) {
		q := r.URL.Query()
		w.entry.AccountID = q.Get("account_id")
		w.entry.RoleName = q.Get("role_name")
		s.mu.Lock()
		now := s.now()
		if !s.bucket.take(now) {
			s.mu.Unlock()
			writePortalError(w, http.StatusTooManyRequests, "TooManyRequestsException", "HTTP 429 Unknown Code")
			return
		}
		at, ok := s.access[r.Header.Get(bearerHeader)]
		if !ok || at.expired || !now.Before(at.expires) || at.session.loggedOut ||
			(len(at.scopes) > 0 && !slices.Contains(at.scopes, ScopeAccountAccess)) {
			s.mu.Unlock()
			writePortalError(w, http.StatusUnauthorized, "UnauthorizedException", "Session token not found or invalid")
			return
		}
		s.mu.Unlock()
		h(w, r, at)
	}
}

func (s *Server) account(id string) (Account, bool) {
	i := slices.IndexFunc(s.cfg.Accounts, func(a Account) bool { return a.ID == id })
	if i < 0 {
		return Account{}, false
	}
	return s.cfg.Accounts[i], true
}

func (s *Server) getRoleCredentials(w *logWriter, r *http.Request, _ *accessToken) {
	q := r.URL.Query()
	accountID, role := q.Get("account_id"), q.Get("role_name")
	if accountID == "" || role == "" {
		writePortalError(w, http.StatusBadRequest, "InvalidRequestException", "role_name and account_id are required")
		return
	}
	acct, ok := s.account(accountID)
	if !ok || !slices.Contains(acct.Roles, role) {
		writePortalError(w, http.StatusNotFound, "ResourceNotFoundException", "No access")
		return
	}
	creds, err := s.mint(r.Context(), accountID, role)
	if err != nil {
		writePortalError(w, http.StatusInternalServerError, "InternalServerException", "cannot mint credentials: "+err.Error())
		return
	}
	writeJSON(w, map[string]any{"roleCredentials": creds})
}

// roleCredentials is GetRoleCredentials' answer.
type roleCredentials struct {
	AccessKeyID     string `json:"accessKeyId"`
	SecretAccessKey string `json:"secretAccessKey"`
	SessionToken    string `json:"sessionToken"`
	Expiration      int64  `json:"expiration"` // epoch milliseconds
}

// mint returns credentials for role in account: moto's, or made up.
func (s *Server) mint(ctx context.Context, accountID, role string) (roleCredentials, error) {
	expiration := s.now().Add(s.cfg.RoleCredentialTTL).UnixMilli()
	if s.sts == nil {
		return roleCredentials{
			AccessKeyID:     "ASIA" + randomToken("", 1)[:16],
			SecretAccessKey: randomToken("", 2)[:40],
			SessionToken:    randomToken("IQoJb3JpZ2luX2Vj", 6),
			Expiration:      expiration,
		}, nil
	}
	// STS refuses less than 15 minutes and more than 12 hours.
	dur := min(max(s.cfg.RoleCredentialTTL, 15*time.Minute), 12*time.Hour)
	out, err := s.sts.AssumeRole(ctx, &sts.AssumeRoleInput{
		RoleArn:         aws.String(fmt.Sprintf("arn:aws:iam::%s:role/%s", accountID, role)),
		RoleSessionName: aws.String(s.cfg.UserName),
		DurationSeconds: aws.Int32(int32(seconds(dur))),
	})
	if err != nil {
		return roleCredentials{}, err
	}
	c := out.Credentials
	if c == nil {
		return roleCredentials{}, fmt.Errorf("moto answered no credentials")
	}
	return roleCredentials{
		AccessKeyID:     aws.ToString(c.AccessKeyId),
		SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken:    aws.ToString(c.SessionToken),
		Expiration:      expiration,
	}, nil
}

// newSTSClient returns an STS client for moto at endpoint, signing with
// [FakeAccessKeyID] and never going through a proxy of the environment.
func newSTSClient(endpoint string) *sts.Client {
	return sts.New(sts.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider(FakeAccessKeyID, "fakesso/secret/key/not/a/real/one/000000", ""),
		HTTPClient:   &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 30 * time.Second},
	})
}

// page reads next_token and max_result; kind names the listing, so that a
// token of one listing is refused by another.
func (s *Server) page(w http.ResponseWriter, r *http.Request, kind string, n int) (from, to int, ok bool) {
	q := r.URL.Query()
	size := s.cfg.PageSize
	if v := q.Get("max_result"); v != "" {
		m, err := strconv.Atoi(v)
		if err != nil || m < 1 || m > 100 {
			writePortalError(w, http.StatusBadRequest, "InvalidRequestException", "max_result must be between 1 and 100")
			return 0, 0, false
		}
		size = m
	}
	if v := q.Get("next_token"); v != "" {
		raw, err := base64.RawURLEncoding.DecodeString(v)
		rest, found := strings.CutPrefix(string(raw), kind+":")
		off, err2 := strconv.Atoi(rest)
		if err != nil || !found || err2 != nil || off < 0 || off > n {
			writePortalError(w, http.StatusBadRequest, "InvalidRequestException", "invalid next_token")
			return 0, 0, false
		}
		from = off
	}
	return from, min(from+size, n), true
}

// nextToken returns the token of the page starting at to, or nil at the
// end.
func nextToken(kind string, to, n int) *string {
	if to >= n {
		return nil
	}
	t := base64.RawURLEncoding.EncodeToString([]byte(kind + ":" + strconv.Itoa(to)))
	return &t
}

func (s *Server) listAccounts(w *logWriter, r *http.Request, _ *accessToken) {
	n := len(s.cfg.Accounts)
	from, to, ok := s.page(w, r, "accounts", n)
	if !ok {
		return
	}
	type accountInfo struct {
		AccountID    string `json:"accountId"`
		AccountName  string `json:"accountName"`
		EmailAddress string `json:"emailAddress"`
	}
	list := make([]accountInfo, 0, to-from)
	for _, a := range s.cfg.Accounts[from:to] {
		list = append(list, accountInfo{AccountID: a.ID, AccountName: a.Name, EmailAddress: a.Email})
	}
	writeJSON(w, struct {
		NextToken   *string       `json:"nextToken"`
		AccountList []accountInfo `json:"accountList"`
	}{nextToken("accounts", to, n), list})
}

func (s *Server) listAccountRoles(w *logWriter, r *http.Request, _ *accessToken) {
	accountID := r.URL.Query().Get("account_id")
	if accountID == "" {
		writePortalError(w, http.StatusBadRequest, "InvalidRequestException", "account_id is required")
		return
	}
	acct, found := s.account(accountID)
	if !found {
		writePortalError(w, http.StatusNotFound, "ResourceNotFoundException", "No access")
		return
	}
	n := len(acct.Roles)
	kind := "roles/" + accountID
	from, to, ok := s.page(w, r, kind, n)
	if !ok {
		return
	}
	type roleInfo struct {
		RoleName  string `json:"roleName"`
		AccountID string `json:"accountId"`
	}
	list := make([]roleInfo, 0, to-from)
	for _, role := range acct.Roles[from:to] {
		list = append(list, roleInfo{RoleName: role, AccountID: accountID})
	}
	writeJSON(w, struct {
		NextToken *string    `json:"nextToken"`
		RoleList  []roleInfo `json:"roleList"`
	}{nextToken(kind, to, n), list})
}

func (s *Server) logout(w *logWriter, _ *http.Request, at *accessToken) {
	s.mu.Lock()
	at.session.loggedOut = true
	s.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// bucket is a token bucket of portal calls. Its zero value (rate 0) lets
// everything through. The server's mutex guards it.
type bucket struct {
	rate   float64
	tokens float64
	last   time.Time
}

func (b *bucket) capacity() float64 { return max(1, b.rate) }

func (b *bucket) setRate(rate float64, now time.Time) {
	b.rate = max(rate, 0)
	b.tokens = b.capacity()
	b.last = now
}

// take reports whether a call may go through at now, and counts it.
func (b *bucket) take(now time.Time) bool {
	if b.rate == 0 {
		return true
	}
	if now.After(b.last) {
		b.tokens = min(b.capacity(), b.tokens+now.Sub(b.last).Seconds()*b.rate)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
