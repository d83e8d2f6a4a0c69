//go:build !unix

package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "sesame: the front program is for Linux and macOS; on this system, install the full program (cmd/sesame) as sesame")
	os.Exit(1)
}
