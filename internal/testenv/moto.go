package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/fakeaws"
)

// Hints printed when moto cannot be found.
const (
	motoHint   = "install moto with its server extra (pip install 'moto[server]')"
	pythonHint = "install Python 3 (apt-get install -y python3) and moto (pip install 'moto[server]')"
)

// motoStartTimeout bounds how long moto may take to answer GET /moto-api/.
const motoStartTimeout = 30 * time.Second

// MotoPoolSize is how many moto servers one test binary may run: as many
// tests (or scripts) use moto at once, each with a server of its own.
// Each server takes about 100 MB; they start as they are first needed.
const MotoPoolSize = 3

// motoPool holds the moto servers of this test binary (see the package
// doc): a token in sem is the right to use one, idle are the started
// servers nobody uses, last used on top.
var motoPool struct {
	sem chan struct{}

	mu   sync.Mutex
	idle []*motoProcess
	err  error // why a server could not be started; later starts fail at once
}

func init() { motoPool.sem = make(chan struct{}, MotoPoolSize) }

// MotoServer is exclusive use of one of the test binary's moto servers by
// one test (or script), with a fresh recording proxy in front of it.
//
// Its methods are safe for concurrent use.
type MotoServer struct {
	// URL is moto itself, e.g. "http://127.0.0.1:40123". Requests sent here
	// are not recorded; use it for moto's own API (/moto-api/...).
	URL string
	// Proxy records the requests sent to it and forwards them to moto. Point
	// the code under test at Proxy.URL (see Env). It rewrites moto's
	// authentication errors into the shape real AWS sends (see
	// fakeaws.FixMotoErrors).
	Proxy *RecordingProxy

	proc *motoProcess
	t    testing.TB // nil when acquired with AcquireMoto
}

// ProxyURL is the URL of the recording proxy, the endpoint AWS clients
// should use.
func (m *MotoServer) ProxyURL() string { return m.Proxy.URL }

// Env returns the environment entries that point an AWS client at the
// recording proxy: AWS_ENDPOINT_URL, AWS_ENDPOINT_URL_STS and
// AWS_ENDPOINT_URL_IAM set to the proxy URL, and AWS_REGION (and, for
// botocore, AWS_DEFAULT_REGION) set to us-east-1.
func (m *MotoServer) Env() []string {
	return MotoEnv(m.Proxy.URL)
}

// MotoEnv returns the entries of [MotoServer.Env] for an endpoint URL.
func MotoEnv(endpoint string) []string {
	return []string{
		"AWS_ENDPOINT_URL=" + endpoint,
		"AWS_ENDPOINT_URL_STS=" + endpoint,
		"AWS_ENDPOINT_URL_IAM=" + endpoint,
		"AWS_REGION=us-east-1",
		"AWS_DEFAULT_REGION=us-east-1",
	}
}

// ResetAuth turns on moto's authentication (POST /moto-api/reset-auth with
// body 0): from now on moto checks signatures, access keys and IAM
// policies, so create the users and keys a test needs before calling it.
// The next acquisition of the server turns authentication off again. It
// fails the test on error; with a MotoServer from [AcquireMoto] use
// [MotoServer.EnableAuth].
func (m *MotoServer) ResetAuth() {
	if m.t == nil {
		panic("testenv: ResetAuth on a MotoServer from AcquireMoto: use EnableAuth")
	}
	m.t.Helper()
	if err := m.EnableAuth(m.t.Context()); err != nil {
		m.t.Fatal(err)
	}
}

// EnableAuth is [MotoServer.ResetAuth] returning the error.
func (m *MotoServer) EnableAuth(ctx context.Context) error {
	return m.proc.resetAuth(ctx, "0")
}

// Moto gives the test exclusive use of one of the test binary's moto
// servers (at most [MotoPoolSize], started as needed), with all state
// reset, authentication off and a fresh recording proxy in front of it.
// Exclusive use ends when the test ends; tests using moto wait for a free
// server while other tests run. A test must not call Moto twice.
//
// If moto_server is not installed the test fails in CI and is skipped
// elsewhere. The package's TestMain must call [Main].
func Moto(t testing.TB) *MotoServer {
	t.Helper()
	SkipInShort(t, "needs moto")
	m, release, err := AcquireMoto(t.Context())
	if err != nil {
		if _, ok := errors.AsType[*MissingToolError](err); ok {
			SkipOrFail(t, err)
		}
		t.Fatal(err)
	}
	t.Cleanup(release)
	m.t = t
	return m
}

// AcquireMoto is [Moto] for code without a testing.TB (testscript commands):
// it waits until ctx ends for exclusive use of a moto server, starting one
// if none is idle and fewer than [MotoPoolSize] run, resets it, and starts
// a recording proxy. The caller must call release exactly once, which stops
// the proxy and frees the server for the next test.
//
// A missing moto_server is reported as a *[MissingToolError].
func AcquireMoto(ctx context.Context) (m *MotoServer, release func(), err error) {
	if err := checkMain(); err != nil {
		return nil, nil, err
	}
	if err := MotoAvailable(); err != nil {
		return nil, nil, err
	}
	select {
	case motoPool.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, nil, fmt.Errorf("testenv: waiting for a free moto server (all %d in use): %w", MotoPoolSize, context.Cause(ctx))
	}
	proc, err := takeMoto()
	if err != nil {
		<-motoPool.sem
		return nil, nil, err
	}
	unlock := func() {
		motoPool.mu.Lock()
		motoPool.idle = append(motoPool.idle, proc)
		motoPool.mu.Unlock()
		<-motoPool.sem
	}
	if err := proc.reset(ctx); err != nil {
		unlock()
		return nil, nil, err
	}
	u, err := url.Parse(proc.url)
	if err != nil {
		unlock()
		return nil, nil, err
	}
	proxy, stop, err := startRecorder(u, fakeaws.FixMotoErrors())
	if err != nil {
		unlock()
		return nil, nil, err
	}
	var once sync.Once
	release = func() {
		once.Do(func() {
			stop()
			unlock()
		})
	}
	return &MotoServer{URL: proc.url, Proxy: proxy, proc: proc}, release, nil
}

// MotoAvailable reports whether moto_server can be started, or a
// *[MissingToolError] saying what to install. It does not start it.
func MotoAvailable() error {
	if _, err := LookTool("python3", pythonHint); err != nil {
		return err
	}
	_, err := LookTool("moto_server", motoHint)
	return err
}

// takeMoto returns the idle moto server used last, or starts one. The
// caller holds a token of motoPool.sem, so fewer than MotoPoolSize servers
// are in use by others and starting one keeps within the bound.
func takeMoto() (*motoProcess, error) {
	motoPool.mu.Lock()
	if n := len(motoPool.idle); n > 0 {
		p := motoPool.idle[n-1]
		motoPool.idle = motoPool.idle[:n-1]
		motoPool.mu.Unlock()
		return p, nil
	}
	err := motoPool.err
	motoPool.mu.Unlock()
	if err != nil {
		return nil, err
	}

	// Ports are picked by listening and closing, so another process can
	// take one in between: try a few times.
	var p *motoProcess
	for range 3 {
		p, err = startMoto(motoStartTimeout)
		if err == nil || !errors.Is(err, errExited) {
			break
		}
	}
	if err != nil {
		motoPool.mu.Lock()
		motoPool.err = err
		motoPool.mu.Unlock()
		return nil, err
	}
	atExit(p.stop)
	return p, nil
}

var errExited = errors.New("moto_server exited")

// motoProcess is a running moto_server.
type motoProcess struct {
	url    string
	cmd    *exec.Cmd
	done   chan struct{} // closed when the process has exited
	werr   error         // Wait's result, set before done is closed
	stderr *tailBuffer
	client *http.Client
}

// startMoto starts moto_server on a free loopback port and waits until it
// answers.
func startMoto(timeout time.Duration) (*motoProcess, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	p := &motoProcess{
		url:    "http://127.0.0.1:" + strconv.Itoa(port),
		stderr: &tailBuffer{max: 64 << 10},
		done:   make(chan struct{}),
		// Never through an HTTP proxy from the environment.
		client: &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 10 * time.Second},
	}
	p.cmd = exec.Command("moto_server", "-H", "127.0.0.1", "-p", strconv.Itoa(port))
	p.cmd.Stdout = p.stderr
	p.cmd.Stderr = p.stderr
	// No credentials or endpoints of the developer's leak into moto.
	p.cmd.Env = scrubbedEnv()
	setProcAttr(p.cmd, true)
	if err := startLocked(p.cmd, func(err error) { p.werr = err; close(p.done) }); err != nil {
		return nil, fmt.Errorf("testenv: start moto_server: %w", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := p.waitReady(ctx); err != nil {
		p.stop()
		return nil, fmt.Errorf("%w\nmoto_server output:\n%s", err, p.stderr.String())
	}
	return p, nil
}

// startLocked starts cmd from a goroutine locked to its OS thread for the
// life of the process: on Linux the kernel sends Pdeathsig when the thread
// that forked the child ends, not when the process does. exited is called
// with Wait's result.
func startLocked(cmd *exec.Cmd, exited func(error)) error {
	started := make(chan error, 1)
	go func() {
		// Never unlocked: when this goroutine returns, its thread ends.
		runtime.LockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		exited(cmd.Wait())
	}()
	return <-started
}

func (p *motoProcess) waitReady(ctx context.Context) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.url+"/moto-api/", nil)
		if err != nil {
			return err
		}
		resp, err := p.client.Do(req)
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET /moto-api/: %s", resp.Status)
		}
		last = err
		select {
		case <-p.done:
			return fmt.Errorf("testenv: %w before it was ready (%v)", errExited, p.werr)
		case <-ctx.Done():
			return fmt.Errorf("testenv: moto_server not ready after %v: %v", motoStartTimeout, last)
		case <-tick.C:
		}
	}
}

// reset turns authentication off and wipes all of moto's state.
func (p *motoProcess) reset(ctx context.Context) error {
	if err := p.resetAuth(ctx, "inf"); err != nil {
		return err
	}
	return p.post(ctx, "/moto-api/reset", "")
}

// resetAuth sets moto's INITIAL_NO_AUTH_ACTION_COUNT: "0" turns
// authentication on, "inf" off.
func (p *motoProcess) resetAuth(ctx context.Context, count string) error {
	return p.post(ctx, "/moto-api/reset-auth", count)
}

func (p *motoProcess) post(ctx context.Context, path, body string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url+path, strings.NewReader(body))
	if err != nil {
		return err
	}
	// Not form-encoded: moto reads reset-auth's count from the raw body.
	req.Header.Set("Content-Type", "text/plain")
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("testenv: moto POST %s: %w", path, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("testenv: moto POST %s: %s: %s\nmoto_server output (tail):\n%s",
			path, resp.Status, bytes.TrimSpace(msg), p.stderr.Tail(4<<10))
	}
	return nil
}

// stop terminates moto's process group: SIGTERM, then SIGKILL after 5 s.
func (p *motoProcess) stop() {
	signalGroup(p.cmd, syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(5 * time.Second):
	}
	// Also reaps anything left in the group after the leader exited.
	signalGroup(p.cmd, syscall.SIGKILL)
	<-p.done
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("testenv: find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// scrubbedEnv is the base environment of processes the harness starts:
// PATH, and TMPDIR if set.
func scrubbedEnv() []string {
	env := []string{"PATH=" + os.Getenv("PATH")}
	if tmp, ok := os.LookupEnv("TMPDIR"); ok {
		env = append(env, "TMPDIR="+tmp)
	}
	return env
}

// tailBuffer is an io.Writer that keeps the last max bytes written. It is
// safe for concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

// String returns everything kept.
func (b *tailBuffer) String() string { return b.Tail(b.max) }

// Tail returns the last n bytes kept.
func (b *tailBuffer) Tail(n int) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.buf) > n {
		return string(b.buf[len(b.buf)-n:])
	}
	return string(b.buf)
}
