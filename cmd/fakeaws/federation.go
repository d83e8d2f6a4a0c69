package main

import "errors"

// runFederation runs `fakeaws federation`. A placeholder until the fake
// console federation endpoint is built; replace this file.
func runFederation(args []string) error {
	return errors.New("federation: not built yet")
}
