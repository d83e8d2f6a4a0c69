package app

import (
	"context"
	"io"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssso "github.com/aws/aws-sdk-go-v2/service/sso"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	"github.com/mdp/qrterminal/v3"

	"github.com/sesamehq/sesame/internal/awssdk"
	"github.com/sesamehq/sesame/internal/browser"
	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/sso"
	"github.com/sesamehq/sesame/internal/store"
)

// newSSOClient builds the IAM Identity Center client on the factory's
// store, clock and environment.
func newSSOClient(f *cmdutil.Factory) (*sso.Client, error) {
	state, err := f.StateDir()
	if err != nil {
		return nil, err
	}
	home, err := f.HomeDir()
	if err != nil {
		return nil, err
	}
	return &sso.Client{
		Store: func(ctx context.Context) (*store.Store, error) {
			st, err := f.Store(ctx)
			return st, cmdutil.StoreError(err)
		},
		NewOIDC: func(ctx context.Context, region string) (sso.OIDCAPI, error) {
			cfg, err := awssdk.Load(ctx, state, nil, region)
			if err != nil {
				return nil, err
			}
			return ssooidc.NewFromConfig(cfg), nil
		},
		NewPortal: func(ctx context.Context, region string) (sso.PortalAPI, error) {
			cfg, err := awssdk.Load(ctx, state, aws.AnonymousCredentials{}, region)
			if err != nil {
				return nil, err
			}
			return awssso.NewFromConfig(cfg), nil
		},
		OIDCEndpoint: func(region string) string { return oidcEndpoint(f, region) },
		Home:         home,
		LockDir:      filepath.Join(state, "locks"),
		Now:          f.Now,
		Logger:       f.Logger,
	}, nil
}

// oidcEndpoint is where SSO OIDC answers in a region: the environment's
// override (as the SDK honours it), else AWS's own host.
func oidcEndpoint(f *cmdutil.Factory, region string) string {
	for _, k := range []string{"AWS_ENDPOINT_URL_SSO_OIDC", "AWS_ENDPOINT_URL"} {
		if v := f.Getenv(k); v != "" {
			return v
		}
	}
	if strings.HasPrefix(region, "cn-") {
		return "https://oidc." + region + ".amazonaws.com.cn"
	}
	return "https://oidc." + region + ".amazonaws.com"
}

// ssoLoginOptions picks the flow as cli.md says: PKCE with a local browser;
// the device flow when asked, over SSH, or on Linux without a display or
// BROWSER.
func ssoLoginOptions(f *cmdutil.Factory, deviceCode, noBrowser bool) sso.LoginOptions {
	o := sso.LoginOptions{
		DeviceCode: deviceCode || noLocalBrowser(f),
		NoBrowser:  noBrowser,
		Opener:     browser.System{LookupEnv: f.LookupEnv, Stderr: f.IOStreams.ErrOut},
		Out:        f.IOStreams.ErrOut,
	}
	if f.IOStreams.IsStderrTTY() {
		o.QR = func(w io.Writer, url string) {
			qrterminal.GenerateWithConfig(url, qrterminal.Config{Level: qrterminal.L, Writer: w, HalfBlocks: true,
				BlackChar: qrterminal.BLACK_BLACK, WhiteBlackChar: qrterminal.WHITE_BLACK, WhiteChar: qrterminal.WHITE_WHITE,
				BlackWhiteChar: qrterminal.BLACK_WHITE, QuietZone: 1})
		}
	}
	return o
}

func noLocalBrowser(f *cmdutil.Factory) bool {
	if f.Getenv("SSH_CONNECTION") != "" || f.Getenv("SSH_TTY") != "" {
		return true
	}
	if runtime.GOOS == "linux" {
		return f.Getenv("DISPLAY") == "" && f.Getenv("WAYLAND_DISPLAY") == "" && f.Getenv("BROWSER") == ""
	}
	return false
}
