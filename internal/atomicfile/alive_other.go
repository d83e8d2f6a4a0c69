//go:build !unix

package atomicfile

// processAlive cannot tell here; temporaries are then removed by age alone
// (StaleAlways).
func processAlive(int) bool { return true }
