package testenv_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/sesamehq/sesame/internal/fakeaws"
	"github.com/sesamehq/sesame/internal/testenv"
)

// Example keys from the AWS documentation: moto accepts anything until
// authentication is turned on.
const (
	exampleKeyID  = "AKIAIOSFODNN7EXAMPLE"
	exampleSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// motoClients points the process environment at the sandbox and the moto
// proxy, then loads the SDK configuration from it the way sesame does, so
// the endpoints come from AWS_ENDPOINT_URL_*. Tests using it cannot be
// parallel (they serialize on moto anyway).
func motoClients(t *testing.T, m *testenv.MotoServer) aws.Config {
	t.Helper()
	home := testenv.Sandbox(t)
	env := append(home.Env(), m.Env()...)
	env = append(env, "AWS_ACCESS_KEY_ID="+exampleKeyID, "AWS_SECRET_ACCESS_KEY="+exampleSecret)
	testenv.Setenv(t, env)
	cfg, err := config.LoadDefaultConfig(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// withKey returns cfg signing with another key.
func withKey(cfg aws.Config, id, secret string) aws.Config {
	cfg = cfg.Copy()
	cfg.Credentials = credentials.NewStaticCredentialsProvider(id, secret, "")
	return cfg
}

func apiErrorCode(err error) string {
	if ae, ok := errors.AsType[smithy.APIError](err); ok {
		return ae.ErrorCode()
	}
	return ""
}

func TestMotoThroughRecordingProxy(t *testing.T) {
	m := testenv.Moto(t)
	if !strings.HasPrefix(m.URL, "http://127.0.0.1:") || !strings.HasPrefix(m.ProxyURL(), "http://127.0.0.1:") || m.URL == m.ProxyURL() {
		t.Fatalf("URL %q, proxy %q: want two different loopback URLs", m.URL, m.ProxyURL())
	}
	cfg := motoClients(t, m)
	if cfg.Region != "us-east-1" {
		t.Errorf("region %q, want us-east-1 from Env", cfg.Region)
	}

	id, err := sts.NewFromConfig(cfg).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	if aws.ToString(id.Account) != "123456789012" {
		t.Errorf("account %q, want moto's 123456789012", aws.ToString(id.Account))
	}
	user, err := iam.NewFromConfig(cfg).CreateUser(t.Context(), &iam.CreateUserInput{UserName: aws.String("alice"), Path: aws.String("/team/")})
	if err != nil {
		t.Fatalf("CreateUser: %v", err)
	}
	if got := aws.ToString(user.User.Arn); got != "arn:aws:iam::123456789012:user/team/alice" {
		t.Errorf("user ARN %q", got)
	}

	reqs := m.Proxy.Requests()
	if len(reqs) != 2 {
		t.Fatalf("recorded %d requests, want 2: %+v", len(reqs), reqs)
	}
	for i, want := range []struct {
		service, action string
		params          map[string]string
	}{
		{"sts", "GetCallerIdentity", map[string]string{"Version": "2011-06-15"}},
		{"iam", "CreateUser", map[string]string{"Version": "2010-05-08", "UserName": "alice", "Path": "/team/"}},
	} {
		r := reqs[i]
		if r.Service != want.service || r.Action != want.action || r.AccessKeyID != exampleKeyID ||
			r.Region != "us-east-1" || r.Method != "POST" || r.Status != http.StatusOK {
			t.Errorf("request %d = %+v, want %s %s signed by %s, answered 200", i, r, want.service, want.action, exampleKeyID)
		}
		for k, v := range want.params {
			if r.Param(k) != v {
				t.Errorf("request %d: %s = %q, want %q", i, k, r.Param(k), v)
			}
		}
	}
	if m.Proxy.Count("sts", "GetCallerIdentity") != 1 || m.Proxy.Count("iam", "CreateUser") != 1 || m.Proxy.Count("", "") != 2 {
		t.Error("Count disagrees with Requests")
	}

	// The log is also served over HTTP for scripts, and never holds secrets.
	resp, err := http.Get(m.ProxyURL() + fakeaws.RequestsPath)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	var overHTTP []fakeaws.Request
	if err := json.Unmarshal(body, &overHTTP); err != nil || len(overHTTP) != 2 {
		t.Errorf("GET %s = %s (%v), want the 2 requests", fakeaws.RequestsPath, body, err)
	}
	if strings.Contains(string(body), exampleSecret) || strings.Contains(string(body), "Signature") {
		t.Errorf("log holds a secret or a signature: %s", body)
	}
}

func TestMotoResetBetweenTests(t *testing.T) {
	// Subtests run in order; each acquires (and so resets) moto afresh. No
	// other test holds a server meanwhile (the parallel ones wait), so the
	// second gets the server the first used, last released.
	var first string
	t.Run("create", func(t *testing.T) {
		m := testenv.Moto(t)
		first = m.URL
		cfg := motoClients(t, m)
		if _, err := iam.NewFromConfig(cfg).CreateUser(t.Context(), &iam.CreateUserInput{UserName: aws.String("bob")}); err != nil {
			t.Fatalf("CreateUser: %v", err)
		}
	})
	t.Run("gone after reset", func(t *testing.T) {
		m := testenv.Moto(t)
		if m.URL != first {
			t.Fatalf("got moto at %s, want the one used last, %s", m.URL, first)
		}
		if n := m.Proxy.Count("", ""); n != 0 {
			t.Errorf("fresh proxy has %d requests logged", n)
		}
		client := iam.NewFromConfig(motoClients(t, m))
		_, err := client.GetUser(t.Context(), &iam.GetUserInput{UserName: aws.String("bob")})
		if code := apiErrorCode(err); code != "NoSuchEntity" {
			t.Errorf("GetUser(bob) after reset: %v, want NoSuchEntity", err)
		}
		users, err := client.ListUsers(t.Context(), &iam.ListUsersInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(users.Users) != 0 {
			t.Errorf("users after reset: %d, want 0", len(users.Users))
		}
		if n := m.Proxy.Count("iam", "GetUser"); n != 1 {
			t.Errorf("Count(iam, GetUser) = %d, want 1", n)
		}
	})
}

func TestMotoResetAuth(t *testing.T) {
	var keyID, secret string
	t.Run("keys are checked after ResetAuth", func(t *testing.T) {
		m := testenv.Moto(t)
		cfg := motoClients(t, m)
		client := iam.NewFromConfig(cfg)
		// Fixtures first: a user with a key, allowed to manage its keys.
		if _, err := client.CreateUser(t.Context(), &iam.CreateUserInput{UserName: aws.String("carol")}); err != nil {
			t.Fatal(err)
		}
		if _, err := client.PutUserPolicy(t.Context(), &iam.PutUserPolicyInput{
			UserName:       aws.String("carol"),
			PolicyName:     aws.String("keys"),
			PolicyDocument: aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"iam:*AccessKey*","Resource":"*"}]}`),
		}); err != nil {
			t.Fatal(err)
		}
		key, err := client.CreateAccessKey(t.Context(), &iam.CreateAccessKeyInput{UserName: aws.String("carol")})
		if err != nil {
			t.Fatal(err)
		}
		keyID, secret = aws.ToString(key.AccessKey.AccessKeyId), aws.ToString(key.AccessKey.SecretAccessKey)

		m.ResetAuth()

		carol := withKey(cfg, keyID, secret)
		id, err := sts.NewFromConfig(carol).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
		if err != nil {
			t.Fatalf("GetCallerIdentity with carol's key: %v", err)
		}
		if arn := aws.ToString(id.Arn); arn != "arn:aws:iam::123456789012:user/carol" {
			t.Errorf("caller %q, want carol", arn)
		}

		_, err = sts.NewFromConfig(cfg).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
		if code := apiErrorCode(err); code != "InvalidClientTokenId" {
			t.Fatalf("GetCallerIdentity with an unknown key: %v, want InvalidClientTokenId; log %+v", err, m.Proxy.Requests())
		}
		reqs := m.Proxy.Requests()
		last := reqs[len(reqs)-1]
		if last.AccessKeyID != exampleKeyID || last.Status != http.StatusForbidden || last.ErrorCode != "InvalidClientTokenId" {
			t.Errorf("last request %+v, want the rejected one: 403 InvalidClientTokenId", last)
		}

		// A deleted key is rejected too (key rotation is tested this way).
		if _, err := iam.NewFromConfig(carol).DeleteAccessKey(t.Context(), &iam.DeleteAccessKeyInput{
			UserName: aws.String("carol"), AccessKeyId: aws.String(keyID),
		}); err != nil {
			t.Fatalf("DeleteAccessKey with carol's own key: %v", err)
		}
		_, err = sts.NewFromConfig(carol).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{})
		if code := apiErrorCode(err); code != "InvalidClientTokenId" {
			t.Errorf("GetCallerIdentity with a deleted key: %v, want InvalidClientTokenId", err)
		}
		if n := m.Proxy.Count("sts", "GetCallerIdentity"); n != 3 {
			t.Errorf("Count(sts, GetCallerIdentity) = %d, want 3", n)
		}
	})
	t.Run("next test starts with auth off", func(t *testing.T) {
		m := testenv.Moto(t)
		cfg := motoClients(t, m)
		if _, err := sts.NewFromConfig(cfg).GetCallerIdentity(t.Context(), &sts.GetCallerIdentityInput{}); err != nil {
			t.Errorf("GetCallerIdentity with any key after a new acquisition: %v, want success", err)
		}
	})
}

// TestMotoPool: up to MotoPoolSize tests hold a server each at once, each
// with state of its own; one more waits until a server is released, and
// then gets that one, reset.
func TestMotoPool(t *testing.T) {
	testenv.SkipInShort(t, "starts moto servers")
	if err := testenv.MotoAvailable(); err != nil {
		testenv.SkipOrFail(t, err)
	}
	type held struct {
		m       *testenv.MotoServer
		release func()
	}
	var all []held
	t.Cleanup(func() {
		for _, h := range all {
			h.release()
		}
	})
	urls := map[string]bool{}
	for i := range testenv.MotoPoolSize {
		m, release, err := testenv.AcquireMoto(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, held{m, release})
		urls[m.URL] = true
		// A user named after the server, on that server only.
		client := iam.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(m.ProxyURL()),
			Credentials: credentials.NewStaticCredentialsProvider(exampleKeyID, exampleSecret, "")})
		if _, err := client.CreateUser(t.Context(), &iam.CreateUserInput{UserName: aws.String(fmt.Sprintf("user%d", i))}); err != nil {
			t.Fatal(err)
		}
	}
	if len(urls) != testenv.MotoPoolSize {
		t.Fatalf("%d tests hold %d servers, want one each", testenv.MotoPoolSize, len(urls))
	}
	for i, h := range all {
		client := iam.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(h.m.ProxyURL()),
			Credentials: credentials.NewStaticCredentialsProvider(exampleKeyID, exampleSecret, "")})
		users, err := client.ListUsers(t.Context(), &iam.ListUsersInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(users.Users) != 1 || aws.ToString(users.Users[0].UserName) != fmt.Sprintf("user%d", i) {
			t.Errorf("server %d has users %+v, want only user%d", i, users.Users, i)
		}
	}

	// All held: the next one waits until its context ends.
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	if _, _, err := testenv.AcquireMoto(ctx); err == nil || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("AcquireMoto with every server held: %v, want to wait until the deadline", err)
	}

	// Released, a server goes to the next one, reset.
	freed := all[0].m.URL
	all[0].release()
	m, release, err := testenv.AcquireMoto(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	all[0] = held{m, release}
	if m.URL != freed {
		t.Errorf("got %s, want the released %s", m.URL, freed)
	}
	client := iam.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(m.ProxyURL()),
		Credentials: credentials.NewStaticCredentialsProvider(exampleKeyID, exampleSecret, "")})
	users, err := client.ListUsers(t.Context(), &iam.ListUsersInput{})
	if err != nil || len(users.Users) != 0 {
		t.Errorf("the server after release: users %v (%v), want none", users, err)
	}
}
