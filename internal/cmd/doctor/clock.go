package doctor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/sesamehq/sesame/internal/timefmt"
)

// Clock check limits.
const (
	// MaxClockSkew is the difference from STS's clock beyond which AWS
	// refuses signed requests (SigV4 allows 5 minutes).
	MaxClockSkew = 5 * time.Minute
	// ClockTimeout bounds the request to STS.
	ClockTimeout = 5 * time.Second
	// DefaultSTSEndpoint is asked when the environment names no endpoint.
	DefaultSTSEndpoint = "https://sts.amazonaws.com"
)

// stsEndpoint is where STS answers: AWS_ENDPOINT_URL_STS, else
// AWS_ENDPOINT_URL, else DefaultSTSEndpoint.
func stsEndpoint(e *Env) string {
	for _, k := range []string{"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL"} {
		if v := e.getenv(k); v != "" {
			return v
		}
	}
	return DefaultSTSEndpoint
}

// checkClock compares the local clock with the Date header of an unsigned
// HEAD request to STS. A machine that cannot reach STS gets a warning; a
// clock more than MaxClockSkew off fails.
func checkClock(ctx context.Context, e *Env) []Line {
	endpoint := stsEndpoint(e)
	client, err := e.httpClient()
	if err != nil {
		return []Line{warn("check AWS_CA_BUNDLE", "clock: cannot compare with STS at %s: %v", endpoint, err)}
	}
	ctx, cancel := context.WithTimeout(ctx, ClockTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodHead, endpoint, nil)
	if err != nil {
		return []Line{warn("set AWS_ENDPOINT_URL_STS to an http(s) URL", "clock: cannot compare with STS: endpoint %q: %v", endpoint, err)}
	}
	before := e.Now()
	resp, err := client.Do(req)
	after := e.Now()
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return []Line{warn("check the network, or point AWS_ENDPOINT_URL_STS at a reachable STS endpoint",
			"clock: cannot reach STS at %s to compare clocks (%v)", endpoint, err)}
	}
	_ = resp.Body.Close()
	server, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return []Line{warn("", "clock: STS at %s answered without a Date header; the clock was not compared", endpoint)}
	}
	local := before.Add(after.Sub(before) / 2)
	skew := local.Sub(server).Round(time.Second)
	abs, dir := skew, "ahead of"
	if skew < 0 {
		abs, dir = -skew, "behind"
	}
	if abs > MaxClockSkew {
		return []Line{fail(clockFix(e.GOOS),
			"clock: this machine's clock is %s %s STS's (%s): AWS refuses requests signed more than 5m off", timefmt.Short(abs), dir, endpoint)}
	}
	return []Line{ok("clock: %s off STS's (%s), within the 5m AWS allows", timefmt.Short(abs), endpoint)}
}

// clockFix is the command that syncs the clock.
func clockFix(goos string) string {
	switch goos {
	case "linux":
		return "sudo timedatectl set-ntp true"
	case "darwin":
		return "sudo sntp -sS time.apple.com"
	case "windows":
		return "w32tm /resync"
	}
	return "sync the clock with NTP"
}

// httpClient is Env.HTTPClient, or one that honours the proxy variables
// and AWS_CA_BUNDLE and does not follow redirects.
func (e *Env) httpClient() (*http.Client, error) {
	if e.HTTPClient != nil {
		return e.HTTPClient, nil
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	if bundle := e.getenv("AWS_CA_BUNDLE"); bundle != "" {
		pem, err := os.ReadFile(bundle)
		if err != nil {
			return nil, fmt.Errorf("AWS_CA_BUNDLE: %w", rootCause(err))
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("AWS_CA_BUNDLE %s holds no PEM certificate", e.show(bundle))
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{
		Transport: tr,
		Timeout:   ClockTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}, nil
}
