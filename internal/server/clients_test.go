package server

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/ec2rolecreds"
	"github.com/aws/aws-sdk-go-v2/credentials/endpointcreds"
	"github.com/aws/aws-sdk-go-v2/feature/ec2/imds"

	"github.com/sesamehq/sesame/internal/creds"
	"github.com/sesamehq/sesame/internal/testenv"
)

// lead is how much longer than creds.MinRemaining the fake source's
// credentials last: the server fetches new ones that long after the last.
const lead = 2 * time.Second

// shortLived is a source whose credentials are due for a refresh lead
// after they are made, on the real clock; expiry records when each
// generation (by access key) really expires.
func shortLived() (src *source, expiry func(key string) time.Time) {
	var mu sync.Mutex
	exp := map[string]time.Time{}
	src = &source{next: func(n int) (creds.Result, error) {
		res := gen(n, time.Now().Add(creds.MinRemaining+lead))
		mu.Lock()
		exp[res.AccessKeyID] = res.Expires
		mu.Unlock()
		return res, nil
	}}
	return src, func(key string) time.Time {
		mu.Lock()
		defer mu.Unlock()
		return exp[key]
	}
}

// serve starts h on a real listener until the test ends.
func serve(t *testing.T, newHandler func(addr string) http.Handler) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ln, err := Listen(ctx)
	if err != nil {
		t.Fatal(err)
	}
	h := newHandler(ln.Addr().String())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, h) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	})
}

// TestGoSDKAcrossRefreshes: the AWS SDK for Go v2's own container and
// IMDSv2 providers, behind its credentials cache, keep getting unexpired
// credentials while the server renews them every 2 seconds on the real
// clock: a long-running client across real refreshes, with a fake source
// because STS (moto) cannot make credentials that short-lived. The cache's
// expiry window is a second under the server's 15 minutes: expiry times go
// over the wire in whole seconds, so a client with a window of exactly 15
// minutes can ask up to a second before the server renews, get the same
// credentials again and (the IMDS provider) then keep them until they
// expire; with real one-hour credentials that costs nothing, with these it
// would stall the test.
func TestGoSDKAcrossRefreshes(t *testing.T) {
	t.Parallel()
	testenv.SkipInShort(t, "waits for real refreshes, about 9 s")
	for _, kind := range []string{"ecs", "imds"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			src, expiry := shortLived()
			var p aws.CredentialsProvider
			serve(t, func(addr string) http.Handler {
				if kind == "ecs" {
					e, err := NewECS(addr, src.get)
					if err != nil {
						t.Fatal(err)
					}
					p = endpointcreds.New(e.URL(), func(o *endpointcreds.Options) { o.AuthorizationToken = e.Token() })
					return e
				}
				m, err := NewIMDS(addr, "dev", src.get)
				if err != nil {
					t.Fatal(err)
				}
				p = ec2rolecreds.New(func(o *ec2rolecreds.Options) { o.Client = imds.New(imds.Options{Endpoint: m.URL()}) })
				return m
			})
			cache := aws.NewCredentialsCache(p, func(o *aws.CredentialsCacheOptions) { o.ExpiryWindow = creds.MinRemaining - time.Second })
			var keys []string
			period := 4*lead + lead/2
			for end := time.Now().Add(period); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
				c, err := cache.Retrieve(t.Context())
				if err != nil {
					t.Fatalf("Retrieve: %v", err)
				}
				if exp := expiry(c.AccessKeyID); !exp.After(time.Now()) {
					t.Fatalf("got %s, which expired at %v", c.AccessKeyID, exp)
				}
				if len(keys) == 0 || keys[len(keys)-1] != c.AccessKeyID {
					keys = append(keys, c.AccessKeyID)
				}
			}
			if len(keys) < 3 || !slices.IsSorted(keys) {
				t.Errorf("the client saw %v (source called %d times) in %v, want at least 3 generations in order", keys, src.Calls(), period)
			}
		})
	}
}

// botocoreLoop prints the access key botocore's credentials hold every
// 50 ms for the given number of seconds, as a long-running Python program
// would use them, and "expired" if it ever holds expired ones.
const botocoreLoop = `
import datetime, sys, time
import botocore.session
s = botocore.session.get_session()
c = s.get_credentials()
print("method", c.method, flush=True)
end = time.time() + float(sys.argv[1])
while time.time() < end:
    f = c.get_frozen_credentials()
    if c._expiry_time <= datetime.datetime.now(datetime.timezone.utc):
        print("expired", flush=True)
    print("key", f.access_key, flush=True)
    time.sleep(0.05)
`

// TestBotocoreAcrossRefreshes: botocore's container provider in one
// long-running Python process keeps getting unexpired credentials while
// the server renews them every 1.5 seconds (botocore renews its copy when
// 15 minutes are left, as the server does). botocore's IMDS provider
// cannot be shown this way: it postpones a refresh by 2 to 10 random
// minutes when fewer than 25 minutes are left ("static stability").
func TestBotocoreAcrossRefreshes(t *testing.T) {
	t.Parallel()
	python := testenv.NeedCommand(t, "python3", "apt-get install -y python3 python3-boto3")
	if err := exec.Command(python, "-c", "import botocore").Run(); err != nil {
		testenv.SkipOrFail(t, fmt.Errorf("python3 cannot import botocore (%v): apt-get install -y python3-botocore", err))
	}
	src, _ := shortLived()
	var env []string
	serve(t, func(addr string) http.Handler {
		e, err := NewECS(addr, src.get)
		if err != nil {
			t.Fatal(err)
		}
		env = append(testenv.Sandbox(t).Env(), "AWS_CONTAINER_CREDENTIALS_FULL_URI="+e.URL(), "AWS_CONTAINER_AUTHORIZATION_TOKEN="+e.Token())
		return e
	})
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, "-c", botocoreLoop, fmt.Sprint((4*lead + lead/2).Seconds()))
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python: %v\n%s", err, out)
	}
	var keys []string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 2 && f[0] == "method" && f[1] != "container-role":
			t.Fatalf("botocore used %s credentials:\n%s", f[1], out)
		case len(f) == 2 && f[0] == "key":
			if len(keys) == 0 || keys[len(keys)-1] != f[1] {
				keys = append(keys, f[1])
			}
		case len(f) == 1 && f[0] == "expired":
			t.Errorf("botocore held expired credentials")
		case len(f) > 0 && f[0] != "method":
			t.Errorf("unexpected output %q", sc.Text())
		}
	}
	if len(keys) < 3 {
		t.Errorf("botocore saw %d generations (%v), want at least 3:\n%s", len(keys), keys, out)
	}
	for i := 1; i < len(keys); i++ {
		if keys[i] <= keys[i-1] {
			t.Errorf("generations out of order: %v", keys)
		}
	}
}
