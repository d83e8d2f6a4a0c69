package signin

import "context"

// Deps are what the signin and signout commands are built on (internal/app
// wires them).
type Deps struct {
	// Manager keeps the sessions.
	Manager func() (*Manager, error)
	// NewAPI makes the token client for region and the endpoint's base URL
	// (profileEndpoint is the profile's endpoint_url, "" if none).
	NewAPI func(ctx context.Context, region, profileEndpoint string) (TokenAPI, string, error)
	// Flow returns the flow options for the flags: opener, output, the
	// code reader, and Remote chosen automatically where there is no
	// local browser.
	Flow func(remote, noBrowser bool) FlowOptions
}
