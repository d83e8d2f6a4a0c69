//go:build !linux

package peeruid

import "net"

// Allowed accepts every connection: only Linux tells who owns the other
// end of a TCP connection without privileges. Elsewhere the listeners' own
// secrets (a random token or path, the sign-in's state) and 127.0.0.1
// protect them.
func Allowed(local, remote net.Addr) (bool, error) { return true, nil }
