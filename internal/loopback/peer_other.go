//go:build !linux

package loopback

import "net"

// peerAllowed allows every connection: outside Linux the uid of a
// loopback peer is not looked up. The random path of a Redirect and the
// state of a Callback protect them.
func peerAllowed(remote string, local net.Addr) bool { return true }
