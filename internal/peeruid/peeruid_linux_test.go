package peeruid

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
)

const procHeader = "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"
const proc6Header = "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n"

func TestFindSocketUID(t *testing.T) {
	if binary.NativeEndian.Uint16([]byte{1, 0}) != 1 {
		t.Skip("the sample tables are those of a little-endian machine")
	}
	ap := netip.MustParseAddrPort
	// 127.0.0.1:41234 (0xA112) to the server 127.0.0.1:8080 (0x1F90), and
	// the server's side of it.
	const (
		listen   = "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1000 1 0000000000000000 100 0 0 10 0\n"
		server   = "   1: 0100007F:1F90 0100007F:A112 01 00000000:00000000 00:00000000 00000000     0        0 1001 1 0000000000000000 20 4 30 10 -1\n"
		client   = "   2: 0100007F:A112 0100007F:1F90 01 00000000:00000000 00:00000000 00000000 65534        0 1002 1 0000000000000000 20 4 30 10 -1\n"
		timeWait = "   3: 0100007F:A112 0100007F:1F90 06 00000000:00000000 03:00001756 00000000     0        0 0 3 0000000000000000\n"
		other    = "   4: 0100007F:A113 0100007F:1F90 01 00000000:00000000 00:00000000 00000000  1000        0 1003 1 0000000000000000 20 4 30 10 -1\n"
		// The same client through an IPv6 socket: ::ffff:127.0.0.1.
		client6 = "   0: 0000000000000000FFFF00000100007F:A112 0000000000000000FFFF00000100007F:1F90 01 00000000:00000000 00:00000000 00000000  1001        0 2002 1 0000000000000000 20 4 30 10 -1\n"
		// ::1 to ::1.
		loop6 = "   1: 00000000000000000000000001000000:A112 00000000000000000000000001000000:1F90 01 00000000:00000000 00:00000000 00000000  1002        0 2003 1 0000000000000000 20 4 30 10 -1\n"
	)
	cli, srv := ap("127.0.0.1:41234"), ap("127.0.0.1:8080")
	for _, tc := range []struct {
		name          string
		table         string
		local, remote netip.AddrPort
		uid           int
		found         bool
		err           string
	}{
		{"client row", procHeader + listen + server + client + other, cli, srv, 65534, true, ""},
		{"server row is not the client", procHeader + listen + server, cli, srv, 0, false, ""},
		{"other port", procHeader + other, cli, srv, 0, false, ""},
		{"TIME_WAIT leftover skipped", procHeader + timeWait + client, cli, srv, 65534, true, ""},
		{"only TIME_WAIT", procHeader + timeWait, cli, srv, 0, false, ""},
		{"first match wins", procHeader + client + strings.Replace(client, "65534", "    7", 1), cli, srv, 65534, true, ""},
		{"IPv4-mapped row", proc6Header + client6, cli, srv, 1001, true, ""},
		{"IPv4-mapped query", proc6Header + client6, ap("[::ffff:127.0.0.1]:41234"), ap("[::ffff:127.0.0.1]:8080"), 1001, true, ""},
		{"IPv6 loopback", proc6Header + client6 + loop6, ap("[::1]:41234"), ap("[::1]:8080"), 1002, true, ""},
		{"header only", procHeader, cli, srv, 0, false, ""},
		{"empty", "", cli, srv, 0, false, ""},
		{"blank line", procHeader + "\n" + client, cli, srv, 65534, true, ""},
		{"short row", procHeader + "   0: 0100007F:A112 0100007F:1F90 01\n", cli, srv, 0, false, "columns"},
		{"bad state", procHeader + strings.Replace(client, " 01 ", " XY ", 1), cli, srv, 0, false, "bad state"},
		{"bad address", procHeader + "   0: 0100007G:A112 0100007F:1F90 01 0:0 0:0 0 0 0 0\n", cli, srv, 0, false, "bad address"},
		{"bad remote address", procHeader + "   0: 0100007F:A112 0100007F:1F9 01 0:0 0:0 0 0 0 0\n", cli, srv, 0, false, "bad address"},
		{"lower-case hex", procHeader + strings.ToLower(client), cli, srv, 0, false, ""},
		{"bad uid", procHeader + strings.Replace(client, "65534", "-1", 1), cli, srv, 0, false, "bad uid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			uid, found, err := findSocketUID(strings.NewReader(tc.table), tc.local, tc.remote)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want one saying %q", err, tc.err)
				}
				return
			}
			if err != nil || uid != tc.uid || found != tc.found {
				t.Fatalf("= %d, %v, %v; want %d, %v, nil", uid, found, err, tc.uid, tc.found)
			}
		})
	}
}

// TestPeerAllowedOwnSockets: connections of this process, through an IPv4
// socket and through an IPv6 socket (an IPv4-mapped address), are found
// in the kernel's tables and allowed; a peer that is not there is not.
func TestPeerAllowedOwnSockets(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	for _, dial := range []struct{ network, addr string }{
		{"tcp4", ln.Addr().String()},
		{"tcp", fmt.Sprintf("[::ffff:127.0.0.1]:%d", port)},
	} {
		c, err := net.Dial(dial.network, dial.addr)
		if err != nil {
			t.Fatal(err)
		}
		s, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		ok, err := Allowed(s.LocalAddr(), s.RemoteAddr())
		if !ok || err != nil {
			t.Errorf("%s %s: Allowed = %v, %v; want true", dial.network, dial.addr, ok, err)
		}
		c.Close()
		s.Close()
	}
	gone := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}
	if ok, err := Allowed(ln.Addr(), gone); ok || !errors.Is(err, errNoPeer) {
		t.Errorf("Allowed(unknown peer) = %v, %v; want false, errNoPeer", ok, err)
	}
}

// BenchmarkPeerAllowed: the check every connection pays, on this
// machine's tables.
func BenchmarkPeerAllowed(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp4", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	s, err := ln.Accept()
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	for b.Loop() {
		if ok, err := Allowed(s.LocalAddr(), s.RemoteAddr()); !ok || err != nil {
			b.Fatal(ok, err)
		}
	}
}
