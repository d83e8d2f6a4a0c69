// Command benchfloor is the floor of scripts/bench.sh: a Go program that
// starts, reads one small file and prints it as a JSON document, as a
// credential_process helper must at the least. sesame's timings are given as
// ratios to this one, measured in the same hyperfine run, so that a loaded
// or slower machine changes both alike.
package main

import (
	"encoding/json"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		os.Stderr.WriteString("usage: benchfloor FILE\n")
		os.Exit(2)
	}
	data, err := os.ReadFile(os.Args[1])
	if err != nil {
		os.Stderr.WriteString(err.Error() + "\n")
		os.Exit(1)
	}
	out, _ := json.Marshal(struct {
		Version int
		Data    string
	}{1, string(data)})
	os.Stdout.Write(append(out, '\n'))
}
