package peeruid

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"strconv"
)

// procNetTCP are the kernel's tables of TCP sockets of this network
// namespace; a loopback connection made through an IPv4 socket is in the
// first, through an IPv6 socket (an IPv4-mapped address) in the second.
var procNetTCP = []string{"/proc/net/tcp", "/proc/net/tcp6"}

// Allowed reports whether the socket at the other end of the connection
// from remote to local (as the server sees it) belongs to this process's
// effective user or to root. A connection whose other end cannot be found
// (or whose table cannot be read) is not allowed; the error says why.
func Allowed(local, remote net.Addr) (bool, error) {
	l, r, err := addrPorts(local, remote)
	if err != nil {
		return false, err
	}
	for _, name := range procNetTCP {
		f, err := os.Open(name)
		if errors.Is(err, os.ErrNotExist) {
			continue // no IPv6 in this kernel
		}
		if err != nil {
			return false, fmt.Errorf("cannot check who connected: %w", err)
		}
		// The client's socket: its local address is the connection's
		// remote one, and the other way round.
		uid, found, err := findSocketUID(f, r, l)
		f.Close()
		if err != nil {
			return false, fmt.Errorf("cannot check who connected: %s: %w", name, err)
		}
		if found {
			return uid == os.Geteuid() || uid == 0, nil
		}
	}
	return false, errNoPeer
}

// errNoPeer is the reason a connection whose other end cannot be found is
// refused.
var errNoPeer = errors.New("the other end of the connection is not in /proc/net/tcp or /proc/net/tcp6")

// addrPorts converts the TCP addresses of a connection.
func addrPorts(local, remote net.Addr) (netip.AddrPort, netip.AddrPort, error) {
	l, lok := local.(*net.TCPAddr)
	r, rok := remote.(*net.TCPAddr)
	if !lok || !rok {
		return netip.AddrPort{}, netip.AddrPort{}, fmt.Errorf("not a TCP connection: %v to %v", remote, local)
	}
	return unmap(l.AddrPort()), unmap(r.AddrPort()), nil
}

func unmap(ap netip.AddrPort) netip.AddrPort {
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
}

// tcpTimeWait is the st column of a socket in TIME_WAIT: the kernel shows
// such leftovers of closed connections with uid 0, and they are never the
// other end of an open connection.
const tcpTimeWait = 0x06

// findSocketUID reads a /proc/net/tcp or /proc/net/tcp6 table from r and
// returns the uid column of the first socket (not in TIME_WAIT) whose
// local address is local and remote address remote, stopping there.
// IPv4-mapped IPv6 addresses in the table match the IPv4 address.
// found is false when there is no such socket; err is set only for a
// table that cannot be read or a row that cannot be understood.
func findSocketUID(r io.Reader, local, remote netip.AddrPort) (uid int, found bool, err error) {
	local, remote = unmap(local), unmap(remote)
	// Most rows are other connections: compare the local port, as the
	// kernel prints it, before decoding an address.
	localPort := []byte(fmt.Sprintf(":%04X", local.Port()))
	sc := bufio.NewScanner(r)
	first := true
	for sc.Scan() {
		if first {
			first = false // the header
			continue
		}
		line := sc.Bytes()
		// sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid ...
		f := fields(line, 8)
		if len(f) < 8 {
			if len(bytes.TrimSpace(line)) == 0 {
				continue
			}
			return 0, false, fmt.Errorf("a row has %d columns, want at least 8: %q", len(f), line)
		}
		if !bytes.HasSuffix(f[1], localPort) {
			continue
		}
		l, err := parseProcAddr(f[1])
		if err != nil {
			return 0, false, err
		}
		if l != local {
			continue
		}
		rem, err := parseProcAddr(f[2])
		if err != nil {
			return 0, false, err
		}
		if rem != remote {
			continue
		}
		st, err := strconv.ParseUint(string(f[3]), 16, 8)
		if err != nil {
			return 0, false, fmt.Errorf("bad state %q", f[3])
		}
		if st == tcpTimeWait {
			continue
		}
		u, err := strconv.ParseUint(string(f[7]), 10, 32)
		if err != nil {
			return 0, false, fmt.Errorf("bad uid %q", f[7])
		}
		return int(u), true, nil
	}
	if err := sc.Err(); err != nil {
		return 0, false, err
	}
	return 0, false, nil
}

// fields splits line at spaces into at most n fields (the rest of the
// line is not split).
func fields(line []byte, n int) [][]byte {
	var out [][]byte
	for len(out) < n {
		line = bytes.TrimLeft(line, " \t")
		if len(line) == 0 {
			break
		}
		i := bytes.IndexAny(line, " \t")
		if i < 0 {
			i = len(line)
		}
		out = append(out, line[:i])
		line = line[i:]
	}
	return out
}

// parseProcAddr parses an address of /proc/net/tcp ("0100007F:1F90": the
// IPv4 address as a 32-bit word in the kernel's byte order, then the port
// in hex) or /proc/net/tcp6 (four such words). IPv4-mapped IPv6 addresses
// are returned as IPv4.
func parseProcAddr(b []byte) (netip.AddrPort, error) {
	host, port, ok := bytes.Cut(b, []byte{':'})
	if !ok || len(port) != 4 || (len(host) != 8 && len(host) != 32) {
		return netip.AddrPort{}, fmt.Errorf("bad address %q", b)
	}
	p, err := strconv.ParseUint(string(port), 16, 16)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("bad port in %q", b)
	}
	raw := make([]byte, len(host)/2)
	if _, err := hex.Decode(raw, host); err != nil {
		return netip.AddrPort{}, fmt.Errorf("bad address %q", b)
	}
	// Each word was printed as a number: undo the kernel's byte order.
	for i := 0; i < len(raw); i += 4 {
		binary.NativeEndian.PutUint32(raw[i:], binary.BigEndian.Uint32(raw[i:]))
	}
	addr, _ := netip.AddrFromSlice(raw)
	return netip.AddrPortFrom(addr.Unmap(), uint16(p)), nil
}
