package login

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
)

// Console session lengths the federation endpoint accepts (SessionDuration).
const (
	MinSessionDuration = 15 * time.Minute
	MaxSessionDuration = 12 * time.Hour
)

// Issuer is the Issuer parameter of the login URL: the console sends the
// user back to it when the session ends (AWS treats it as a label when it
// is not a URL).
const Issuer = "sesame"

// LinkLifetime is how long a sign-in URL can be used.
const LinkLifetime = 15 * time.Minute

// Partition is the console sign-in side of an AWS partition.
type Partition struct {
	// Name is the partition: aws, aws-cn or aws-us-gov.
	Name string
	// Federation is the federation endpoint, e.g.
	// https://signin.aws.amazon.com/federation.
	Federation string
	// ConsoleHost is the console's host, e.g. console.aws.amazon.com.
	ConsoleHost string
}

// The partitions sesame knows.
var (
	PartitionAWS   = Partition{Name: "aws", Federation: "https://signin.aws.amazon.com/federation", ConsoleHost: "console.aws.amazon.com"}
	PartitionChina = Partition{Name: "aws-cn", Federation: "https://signin.amazonaws.cn/federation", ConsoleHost: "console.amazonaws.cn"}
	PartitionGov   = Partition{Name: "aws-us-gov", Federation: "https://signin.amazonaws-us-gov.com/federation", ConsoleHost: "console.amazonaws-us-gov.com"}
)

// PartitionOf is the partition of region: cn-* is aws-cn, us-gov-* is
// aws-us-gov, anything else aws.
func PartitionOf(region string) Partition {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return PartitionChina
	case strings.HasPrefix(region, "us-gov-"):
		return PartitionGov
	}
	return PartitionAWS
}

// FederationURL is the federation endpoint to use: override
// (SESAME_FEDERATION_URL) when it is set, else the partition's. An
// override must be an absolute https URL, or http on a loopback address
// (the Session document sent to it holds the secret key).
func FederationURL(p Partition, override string) (*url.URL, error) {
	if override == "" {
		return url.Parse(p.Federation)
	}
	u, err := url.Parse(override)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return nil, fmt.Errorf("SESAME_FEDERATION_URL %q is not an absolute http(s) URL", override)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, fmt.Errorf("SESAME_FEDERATION_URL %q is plain http to a host that is not loopback: the credentials would cross the network in clear", override)
	}
	if u.User != nil {
		return nil, errors.New("SESAME_FEDERATION_URL must not hold a user name or password")
	}
	return u, nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// Destination is the console page to land on:
//
//   - no path: the console home of region,
//     https://CONSOLE/console/home?region=REGION;
//   - an absolute https URL: that URL as given;
//   - any other path P (leading slashes optional, query and fragment
//     allowed): https://CONSOLE/P, with region=REGION added to its query
//     unless the query already names a region.
func Destination(p Partition, region, path string) (string, error) {
	if path == "" {
		return (&url.URL{Scheme: "https", Host: p.ConsoleHost, Path: "/console/home", RawQuery: url.Values{"region": {region}}.Encode()}).String(), nil
	}
	if strings.ContainsFunc(path, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return "", fmt.Errorf("--path %q holds spaces or control characters", path)
	}
	if u, err := url.Parse(path); err == nil && u.Scheme != "" {
		if u.Scheme != "https" || u.Host == "" || u.User != nil {
			return "", fmt.Errorf("--path %q is neither a console path nor an https URL", path)
		}
		return u.String(), nil
	}
	u, err := url.Parse("/" + strings.TrimLeft(path, "/"))
	if err != nil {
		return "", fmt.Errorf("--path %q is not a valid URL path: %w", path, unwrapURLError(err))
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return "", fmt.Errorf("--path %q has a malformed query", path)
	}
	if !q.Has("region") {
		q.Set("region", region)
	}
	u.Scheme, u.Host, u.RawQuery = "https", p.ConsoleHost, q.Encode()
	return u.String(), nil
}

// sessionDocument is the Session parameter of getSigninToken.
type sessionDocument struct {
	SessionID    string `json:"sessionId"`
	SessionKey   string `json:"sessionKey"`
	SessionToken string `json:"sessionToken"`
}

// EndpointError is a refusal or an unusable answer from the federation
// endpoint. It never holds the Session document or a sign-in token.
type EndpointError struct {
	// Status is the HTTP status line, e.g. "400 Bad Request" ("" when the
	// answer was a 200 that could not be used).
	Status string
	// Detail is the endpoint's own short explanation, when it gave a
	// plain-text one that holds no secret.
	Detail string
	// SessionDuration tells whether SessionDuration was sent.
	SessionDuration bool
}

func (e *EndpointError) Error() string {
	msg := "the federation endpoint refused the sign-in token request"
	if e.Status == "" {
		msg = "the federation endpoint gave no sign-in token"
	} else {
		msg += ": " + e.Status
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// maxAnswer bounds how much of the endpoint's answer is read.
const maxAnswer = 1 << 20

// SigninToken asks the federation endpoint fed for a sign-in token for c,
// with a console session of sessionDuration (0: not sent). Errors never
// hold the credentials or the token: a transport error loses its URL, and
// a refusal is an *EndpointError.
func SigninToken(ctx context.Context, client *http.Client, fed *url.URL, c aws.Credentials, sessionDuration time.Duration) (string, error) {
	session, err := json.Marshal(sessionDocument{SessionID: c.AccessKeyID, SessionKey: c.SecretAccessKey, SessionToken: c.SessionToken})
	if err != nil {
		return "", err
	}
	q := fed.Query()
	q.Set("Action", "getSigninToken")
	if sessionDuration > 0 {
		q.Set("SessionDuration", strconv.Itoa(int(sessionDuration/time.Second)))
	}
	q.Set("Session", string(session))
	u := *fed
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", fmt.Errorf("cannot make the sign-in token request: %w", unwrapURLError(err))
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		// *url.Error prints the URL, which holds the Session document.
		return "", fmt.Errorf("cannot reach the federation endpoint %s: %w", fed.Redacted(), unwrapURLError(err))
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil {
		return "", fmt.Errorf("reading the federation endpoint's answer: %w", unwrapURLError(err))
	}
	if resp.StatusCode != http.StatusOK {
		return "", &EndpointError{Status: resp.Status, Detail: safeDetail(resp.Header.Get("Content-Type"), body, c), SessionDuration: sessionDuration > 0}
	}
	var answer struct {
		SigninToken string `json:"SigninToken"`
	}
	if err := json.Unmarshal(body, &answer); err != nil || answer.SigninToken == "" {
		return "", &EndpointError{SessionDuration: sessionDuration > 0}
	}
	return answer.SigninToken, nil
}

// LoginURL is the URL that signs in to the console with token and lands on
// destination.
func LoginURL(fed *url.URL, token, destination string) string {
	q := fed.Query()
	q.Set("Action", "login")
	q.Set("Issuer", Issuer)
	q.Set("Destination", destination)
	q.Set("SigninToken", token)
	u := *fed
	u.RawQuery = q.Encode()
	return u.String()
}

// safeDetail is the endpoint's error text when it is a short line of plain
// text that holds none of the secrets in any usual encoding; else "".
func safeDetail(contentType string, body []byte, c aws.Credentials) string {
	mt, _, _ := mime.ParseMediaType(contentType)
	text := strings.TrimSpace(string(body))
	if mt != "text/plain" || text == "" || len(text) > 200 || strings.ContainsFunc(text, func(r rune) bool { return r < ' ' || r == 0x7f }) {
		return ""
	}
	for _, secret := range []string{c.SecretAccessKey, c.SessionToken} {
		if secret == "" {
			continue
		}
		js, _ := json.Marshal(secret)
		for _, form := range []string{secret, url.QueryEscape(secret), url.PathEscape(secret), strings.Trim(string(js), `"`)} {
			if strings.Contains(text, form) {
				return ""
			}
		}
	}
	return text
}

// unwrapURLError drops the URL of a *url.Error, keeping its cause.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// noRedirect stops the client at a redirect: following it would send the
// Session document to wherever the endpoint pointed.
func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
