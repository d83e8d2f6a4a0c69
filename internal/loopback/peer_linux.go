package loopback

import (
	"bufio"
	"errors"
	"io/fs"
	"net"
	"os"
	"strconv"
	"strings"
)

// peerAllowed reports whether the connection from remote (to local) comes
// from a socket of sesame's own uid (or root's), as /proc/net/tcp and /proc/net/tcp6
// tell: the row whose local port is remote's and whose remote port is
// local's holds the uid that owns the peer's socket. A connection not
// found there is refused; on a system without those files it is allowed
// (nothing tells the uid).
func peerAllowed(remote string, local net.Addr) bool {
	_, rport, err := net.SplitHostPort(remote)
	if err != nil {
		return false
	}
	la, ok := local.(*net.TCPAddr)
	if !ok {
		return false
	}
	peerPort, err := strconv.Atoi(rport)
	if err != nil {
		return false
	}
	uid, found, readable := peerUID(peerPort, la.Port)
	if !readable {
		return true
	}
	// root is let in too: it can read sesame's memory anyway, and on
	// WSL 2 the relay that brings the Windows browser's connections to
	// 127.0.0.1 runs as root.
	return found && (uid == os.Getuid() || uid == 0)
}

// peerUID finds the uid owning the TCP socket with local port lport and
// remote port rport. readable is false when neither table can be read.
func peerUID(lport, rport int) (uid int, found, readable bool) {
	for _, name := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		f, err := os.Open(name)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				readable = true // present but refused: fail closed
			}
			continue
		}
		readable = true
		uid, found = scanTCP(bufio.NewScanner(f), lport, rport)
		f.Close()
		if found {
			return uid, true, true
		}
	}
	return 0, false, readable
}

// scanTCP reads a /proc/net/tcp table: "sl local_address rem_address st
// ... uid ...", addresses as HEXIP:HEXPORT.
func scanTCP(sc *bufio.Scanner, lport, rport int) (int, bool) {
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 8 || f[0] == "sl" {
			continue
		}
		// 01 is ESTABLISHED: a closed socket that once had the same
		// ports may linger in TIME_WAIT.
		if f[3] != "01" || hexPort(f[1]) != lport || hexPort(f[2]) != rport {
			continue
		}
		uid, err := strconv.Atoi(f[7])
		if err != nil {
			return 0, false
		}
		return uid, true
	}
	return 0, false
}

func hexPort(addr string) int {
	_, p, ok := strings.Cut(addr, ":")
	if !ok {
		return -1
	}
	n, err := strconv.ParseUint(p, 16, 16)
	if err != nil {
		return -1
	}
	return int(n)
}
