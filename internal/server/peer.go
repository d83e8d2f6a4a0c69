package server

import (
	"io"
	"net"
	"strconv"
	"sync"
	"time"
)

// Other users: on Linux a connection is served only when the socket at its
// other end belongs to sesame's own (effective) user, which the kernel
// tells in /proc/net/tcp and /proc/net/tcp6 ([peerAllowed]); a connection
// from any other user is answered 403 before a byte of its request is
// read, and closed. Elsewhere every local connection is accepted, and the
// random token (ECS), the random path, the Host check and 127.0.0.1 are
// what protect the credentials.

// ownerOnly wraps ln so that each connection it accepts is checked with
// [peerAllowed] before its first read.
func ownerOnly(ln net.Listener) net.Listener { return &peerListener{Listener: ln} }

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
const forbiddenBody = "Forbidden: this credential server answers only programs of the user who started it\n"

func (c *peerConn) Read(p []byte) (int, error) {
	c.once.Do(func() {
		if ok, _ := peerAllowed(c.Conn.LocalAddr(), c.Conn.RemoteAddr()); ok {
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
