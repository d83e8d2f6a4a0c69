// Package peeruid keeps other local users away from sesame's loopback
// listeners (the ECS and IMDS credential servers, the sign-in callback and
// the one-time browser redirect).
//
// On Linux a connection is served only when the socket at its other end
// belongs to sesame's own (effective) user, or to root (which can read
// sesame's memory anyway, and relays a Windows browser's connections on
// WSL 2), as the kernel tells in /proc/net/tcp and /proc/net/tcp6 ([Allowed]).
// A connection from any other user is answered 403 before a byte of its
// request is read, and closed. Elsewhere every local connection is
// accepted: the listeners' own secrets (a random token or path, the
// sign-in's state) and 127.0.0.1 protect them there.
//
// It is safe for concurrent use.
package peeruid

import (
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// OwnerOnly wraps ln so that each connection it accepts is checked with
// [Allowed] on its first read, in the connection's own goroutine.
func OwnerOnly(ln net.Listener) net.Listener { return &peerListener{Listener: ln} }

type peerListener struct{ net.Listener }

func (l *peerListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &peerConn{Conn: c}, nil
}

// peerConn checks its peer on the first Read, in the connection's own
// goroutine, so that a slow check holds up no other client.
type peerConn struct {
	net.Conn
	once    sync.Once
	refused bool
}

// forbiddenWriteTimeout bounds how long writing the refusal may take.
const forbiddenWriteTimeout = time.Second

// resetAvoidanceDelay is how long a refused connection stays open after
// its answer.
const resetAvoidanceDelay = 500 * time.Millisecond

// forbiddenBody is all a refused connection learns.
const forbiddenBody = "Forbidden: this listener answers only programs of the user who started sesame\n"

func (c *peerConn) Read(p []byte) (int, error) {
	c.once.Do(func() {
		if ok, _ := Allowed(c.Conn.LocalAddr(), c.Conn.RemoteAddr()); ok {
			return
		}
		c.refused = true
		_ = c.Conn.SetWriteDeadline(time.Now().Add(forbiddenWriteTimeout))
		_, _ = io.WriteString(c.Conn, "HTTP/1.1 403 Forbidden\r\nContent-Type: text/plain; charset=utf-8\r\n"+
			"Cache-Control: no-store\r\nConnection: close\r\nContent-Length: "+strconv.Itoa(len(forbiddenBody))+"\r\n\r\n"+forbiddenBody)
		if tc, ok := c.Conn.(*net.TCPConn); ok {
			// Closing a socket whose request was never read sends a
			// reset, which may destroy the answer before the client
			// reads it: end the answer with a FIN and give the client
			// time to read it first (as net/http does).
			_ = tc.CloseWrite()
			time.Sleep(resetAvoidanceDelay)
		}
		_ = c.Conn.Close()
	})
	if c.refused {
		// io.EOF: net/http closes the connection without answering.
		return 0, io.EOF
	}
	return c.Conn.Read(p)
}
