//go:build !linux

package server

import "net"

// peerAllowed accepts every connection: only Linux tells who owns the
// other end of a TCP connection without privileges. There the random
// token (ECS), the random path and 127.0.0.1 protect the credentials.
func peerAllowed(local, remote net.Addr) (bool, error) { return true, nil }
