package cmdutil

import (
	"errors"
	"path/filepath"
	"testing"

	"github.com/sesamehq/sesame/internal/testenv"
)

func TestSelfCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	self := filepath.Join(dir, "sesame")
	other := filepath.Join(dir, "other")
	for _, p := range []string{self, other} {
		testenv.WriteExecutable(t, p, []byte("#!/bin/sh\n"))
	}
	exe := func() (string, error) { return self, nil }
	if got := SelfCommand(func(string) (string, error) { return self, nil }, exe); got != "sesame" {
		t.Errorf("on PATH: %q", got)
	}
	if got := SelfCommand(func(string) (string, error) { return other, nil }, exe); got != self {
		t.Errorf("another sesame on PATH: %q", got)
	}
	if got := SelfCommand(func(string) (string, error) { return "", errors.New("not found") }, exe); got != self {
		t.Errorf("not on PATH: %q", got)
	}
}
