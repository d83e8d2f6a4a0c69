package testenv

import (
	"net"
	"net/http"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sesamehq/sesame/internal/fakeaws"
)

// Script command for the fake console federation endpoint:
//
//	fakefederation
//	    serve a fakeaws.Federation (every credential taken for role
//	    credentials) on 127.0.0.1 for the rest of the script; sets
//	    SESAME_FEDERATION_URL to its federation URL. No moto needed.
func cmdFakeFederation(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 0 {
		ts.Fatalf("usage: fakefederation")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	srv := &http.Server{Handler: fakeaws.NewFederation(), ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(l) }()
	ts.Defer(func() { _ = srv.Close() })
	ts.Setenv("SESAME_FEDERATION_URL", "http://"+l.Addr().String()+fakeaws.FederationPath)
}
