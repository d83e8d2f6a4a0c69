package sso

// Deps is what the sign-in commands need of IAM Identity Center; the
// wiring (internal/app) builds it and hands it to each command that signs
// in, so that command packages and cmdutil do not build clients.
type Deps struct {
	// Client builds the IAM Identity Center client.
	Client func() (*Client, error)
	// LoginOptions picks the sign-in flow and its terminal manners.
	LoginOptions func(deviceCode, noBrowser bool) LoginOptions
}
