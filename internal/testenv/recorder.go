package testenv

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/sesamehq/sesame/internal/fakeaws"
)

// RecordingProxy is a [fakeaws.Recorder] served on a loopback port.
type RecordingProxy struct {
	// Recorder holds the log of requests sent to URL.
	*fakeaws.Recorder
	// URL is where the proxy listens, e.g. "http://127.0.0.1:40124". Its log
	// is also at URL+fakeaws.RequestsPath.
	URL string
}

// StartRecorder serves a new recorder in front of upstream on 127.0.0.1 and
// stops it when the test ends.
func StartRecorder(t testing.TB, upstream *url.URL, opts ...fakeaws.Option) *RecordingProxy {
	t.Helper()
	p, stop, err := startRecorder(upstream, opts...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return p
}

func startRecorder(upstream *url.URL, opts ...fakeaws.Option) (*RecordingProxy, func(), error) {
	rec := fakeaws.NewRecorder(upstream, opts...)
	srv, err := serveLoopback(rec)
	if err != nil {
		return nil, nil, err
	}
	stop := func() {
		// Do not wait for clients that keep connections open.
		srv.CloseClientConnections()
		srv.Close()
	}
	return &RecordingProxy{Recorder: rec, URL: srv.URL}, stop, nil
}

// serveLoopback serves h on a free port of 127.0.0.1 (never another
// address, whatever httptest's flags say).
func serveLoopback(h http.Handler) (*httptest.Server, error) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("testenv: listen on 127.0.0.1: %w", err)
	}
	srv := &httptest.Server{Listener: l, Config: &http.Server{Handler: h}}
	srv.Start()
	return srv, nil
}
