// Command hello is a stand-in for sesame in testenv's own tests: it copies
// stdin to stdout, prints its environment and working directory to stderr and
// exits with the code given as its first argument. With "sleep" it sleeps
// for a minute first.
package main

import (
	"fmt"
	"io"
	"os"
	"strconv"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "sleep" {
		time.Sleep(time.Minute)
	}
	if _, err := io.Copy(os.Stdout, os.Stdin); err != nil {
		fmt.Fprintln(os.Stderr, "hello:", err)
		os.Exit(100)
	}
	for _, kv := range os.Environ() {
		fmt.Fprintln(os.Stderr, "env:", kv)
	}
	wd, _ := os.Getwd()
	fmt.Fprintln(os.Stderr, "wd:", wd)
	code := 0
	if len(os.Args) > 1 {
		code, _ = strconv.Atoi(os.Args[1])
	}
	os.Exit(code)
}
