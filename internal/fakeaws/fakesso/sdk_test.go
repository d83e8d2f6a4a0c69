package fakesso_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sso"
	ssotypes "github.com/aws/aws-sdk-go-v2/service/sso/types"
	"github.com/aws/aws-sdk-go-v2/service/ssooidc"
	oidctypes "github.com/aws/aws-sdk-go-v2/service/ssooidc/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/sesamehq/sesame/internal/fakeaws/fakesso"
	"github.com/sesamehq/sesame/internal/testenv"
)

var plainHTTP = &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 30 * time.Second}

func oidcClient(endpoint string) *ssooidc.Client {
	return ssooidc.New(ssooidc.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), HTTPClient: plainHTTP})
}

func portalClient(endpoint string) *sso.Client {
	return sso.New(sso.Options{Region: "us-east-1", BaseEndpoint: aws.String(endpoint), HTTPClient: plainHTTP})
}

// sdkSignIn runs the device flow with the AWS SDK for Go v2.
func sdkSignIn(t *testing.T, ctx context.Context, srv *fakesso.Server, clk *clock, oidc *ssooidc.Client) (*ssooidc.RegisterClientOutput, *ssooidc.CreateTokenOutput) {
	t.Helper()
	reg, err := oidc.RegisterClient(ctx, &ssooidc.RegisterClientInput{
		ClientName: aws.String("sdk"), ClientType: aws.String("public"), Scopes: []string{"sso:account:access"},
	})
	if err != nil {
		t.Fatal(err)
	}
	dev, err := oidc.StartDeviceAuthorization(ctx, &ssooidc.StartDeviceAuthorizationInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, StartUrl: aws.String(startURL),
	})
	if err != nil {
		t.Fatal(err)
	}
	in := &ssooidc.CreateTokenInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret, DeviceCode: dev.DeviceCode,
		GrantType: aws.String(fakesso.GrantDeviceCode),
	}
	_, err = oidc.CreateToken(ctx, in)
	if _, ok := errors.AsType[*oidctypes.AuthorizationPendingException](err); !ok {
		t.Fatalf("first poll: %v, want an *AuthorizationPendingException", err)
	}
	_, err = oidc.CreateToken(ctx, in)
	if _, ok := errors.AsType[*oidctypes.SlowDownException](err); !ok {
		t.Fatalf("second poll at once: %v, want a *SlowDownException", err)
	}
	if err := srv.Approve(aws.ToString(dev.UserCode)); err != nil {
		t.Fatal(err)
	}
	clk.Advance(time.Duration(dev.Interval+5) * time.Second)
	tok, err := oidc.CreateToken(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	return reg, tok
}

// TestGoSDK drives the fake with the AWS SDK for Go v2, whose error
// deserializers pick the error type from x-amzn-ErrorType.
func TestGoSDK(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	clk := &clock{now: time.Now()}
	srv := fakesso.New(fakesso.Config{Accounts: fakesso.Generate(25, 3), Clock: clk.Now})
	u := srv.Start(t)
	oidc, portal := oidcClient(u), portalClient(u)

	reg, tok := sdkSignIn(t, ctx, srv, clk, oidc)
	if aws.ToString(tok.RefreshToken) == "" || tok.ExpiresIn != 3600 || aws.ToString(tok.TokenType) != "Bearer" {
		t.Errorf("token %+v", tok)
	}

	var ids []string
	pages := sso.NewListAccountsPaginator(portal, &sso.ListAccountsInput{AccessToken: tok.AccessToken, MaxResults: aws.Int32(10)})
	for pages.HasMorePages() {
		p, err := pages.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range p.AccountList {
			ids = append(ids, aws.ToString(a.AccountId))
		}
	}
	if len(ids) != 25 {
		t.Errorf("paginator found %d accounts, want 25", len(ids))
	}
	roles, err := portal.ListAccountRoles(ctx, &sso.ListAccountRolesInput{AccessToken: tok.AccessToken, AccountId: aws.String(ids[3])})
	if err != nil || len(roles.RoleList) != 3 || aws.ToString(roles.RoleList[1].RoleName) != "ReadOnlyAccess" {
		t.Fatalf("roles %+v, %v", roles, err)
	}
	rc, err := portal.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{
		AccessToken: tok.AccessToken, AccountId: aws.String(ids[3]), RoleName: aws.String("ReadOnlyAccess"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if exp := time.UnixMilli(rc.RoleCredentials.Expiration); !exp.Equal(clk.Now().Add(time.Hour).Truncate(time.Millisecond)) {
		t.Errorf("expiration %v, want in an hour", exp)
	}
	_, err = portal.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{
		AccessToken: tok.AccessToken, AccountId: aws.String(ids[3]), RoleName: aws.String("Billing"),
	})
	if _, ok := errors.AsType[*ssotypes.ResourceNotFoundException](err); !ok {
		t.Errorf("unassigned role: %v, want a *ResourceNotFoundException", err)
	}

	_, err = oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{
		ClientId: aws.String("nope"), ClientSecret: aws.String("x"), GrantType: aws.String(fakesso.GrantRefreshToken), RefreshToken: tok.RefreshToken,
	})
	if _, ok := errors.AsType[*oidctypes.InvalidClientException](err); !ok {
		t.Errorf("unknown client: %v, want an *InvalidClientException", err)
	}

	// Refresh, then log out with the new token: the sign-in ends, and
	// every token of it stops working; another sign-in is not affected.
	other := srv.IssueToken(startURL, "sso:account:access")
	refreshed, err := oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String(fakesso.GrantRefreshToken), RefreshToken: tok.RefreshToken,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := portal.Logout(ctx, &sso.LogoutInput{AccessToken: refreshed.AccessToken}); err != nil {
		t.Fatal(err)
	}
	for _, at := range []*string{tok.AccessToken, refreshed.AccessToken} {
		_, err = portal.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: at})
		if _, ok := errors.AsType[*ssotypes.UnauthorizedException](err); !ok {
			t.Errorf("after logout: %v, want an *UnauthorizedException", err)
		}
	}
	_, err = oidc.CreateToken(ctx, &ssooidc.CreateTokenInput{
		ClientId: reg.ClientId, ClientSecret: reg.ClientSecret,
		GrantType: aws.String(fakesso.GrantRefreshToken), RefreshToken: refreshed.RefreshToken,
	})
	if _, ok := errors.AsType[*oidctypes.InvalidGrantException](err); !ok {
		t.Errorf("refresh after logout: %v, want an *InvalidGrantException", err)
	}
	if _, err := portal.ListAccounts(ctx, &sso.ListAccountsInput{AccessToken: aws.String(other.AccessToken)}); err != nil {
		t.Errorf("another sign-in after logout: %v", err)
	}
}

func TestGoSDKRateLimit(t *testing.T) {
	t.Parallel()
	srv := fakesso.New(fakesso.Config{Accounts: fakesso.Generate(1, 1), Rate: 1})
	portal := sso.New(sso.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(srv.Start(t)), HTTPClient: plainHTTP,
		RetryMaxAttempts: 1,
	})
	at := srv.IssueToken(startURL, "sso:account:access").AccessToken
	in := &sso.ListAccountsInput{AccessToken: aws.String(at)}
	if _, err := portal.ListAccounts(t.Context(), in); err != nil {
		t.Fatal(err)
	}
	_, err := portal.ListAccounts(t.Context(), in)
	if _, ok := errors.AsType[*ssotypes.TooManyRequestsException](err); !ok {
		t.Errorf("second call at 1/s: %v, want a *TooManyRequestsException", err)
	}
}

// TestMotoCredentials checks that role credentials are moto's: they work
// against moto, which names the assumed role.
func TestMotoCredentials(t *testing.T) {
	m := testenv.Moto(t)
	ctx := t.Context()
	srv := fakesso.New(fakesso.Config{
		Accounts:          fakesso.Generate(2, 2),
		MotoURL:           m.ProxyURL(),
		RoleCredentialTTL: 2 * time.Minute,
	})
	portal := portalClient(srv.Start(t))
	at := srv.IssueToken(startURL, "sso:account:access").AccessToken
	before := time.Now()
	rc, err := portal.GetRoleCredentials(ctx, &sso.GetRoleCredentialsInput{
		AccessToken: aws.String(at), AccountId: aws.String("100000000002"), RoleName: aws.String("ReadOnlyAccess"),
	})
	if err != nil {
		t.Fatal(err)
	}
	c := rc.RoleCredentials
	if exp := time.UnixMilli(c.Expiration); exp.Before(before.Add(2*time.Minute-time.Second)) || exp.After(time.Now().Add(2*time.Minute)) {
		t.Errorf("expiration %v, want two minutes from now", exp)
	}

	reqs := m.Proxy.Requests()
	if len(reqs) != 1 || reqs[0].Action != "AssumeRole" || reqs[0].AccessKeyID != fakesso.FakeAccessKeyID ||
		reqs[0].Param("DurationSeconds") != "900" || reqs[0].Param("RoleArn") != "arn:aws:iam::100000000002:role/ReadOnlyAccess" {
		t.Fatalf("moto saw %+v", reqs)
	}

	client := sts.New(sts.Options{
		Region: "us-east-1", BaseEndpoint: aws.String(m.ProxyURL()), HTTPClient: plainHTTP,
		Credentials: credentials.NewStaticCredentialsProvider(aws.ToString(c.AccessKeyId), aws.ToString(c.SecretAccessKey), aws.ToString(c.SessionToken)),
	})
	id, err := client.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	want := "arn:aws:sts::100000000002:assumed-role/ReadOnlyAccess/" + fakesso.DefaultUserName
	if aws.ToString(id.Arn) != want {
		t.Errorf("caller %s, want %s", aws.ToString(id.Arn), want)
	}
}

// TestMotoDown reports a moto that does not answer as a 500.
func TestMotoDown(t *testing.T) {
	t.Parallel()
	srv := fakesso.New(fakesso.Config{Accounts: fakesso.Generate(1, 1), MotoURL: "http://127.0.0.1:9"})
	e := &env{t: t, srv: srv, url: srv.Start(t)}
	at := srv.IssueToken(startURL, "sso:account:access").AccessToken
	a := e.portal(http.MethodGet, "/federation/credentials?account_id=100000000001&role_name=AdministratorAccess", at)
	if a.status != 500 || !strings.Contains(string(a.body), "cannot mint credentials") {
		t.Errorf("got %d %s", a.status, a.body)
	}
}
