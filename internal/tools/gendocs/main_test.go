package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestGenerateIsReproducible(t *testing.T) {
	date := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	a, b := t.TempDir(), t.TempDir()
	if err := generate(a, "1.2.3", date); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1100 * time.Millisecond) // a clock read would now show
	if err := generate(b, "1.2.3", date); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"man/sesame.1", "man/sesame-exec.1", "man/sesame-sso-login.1", "man/sesame-completion-bash.1",
		"completions/sesame.bash", "completions/_sesame", "completions/sesame.fish", "completions/sesame.ps1"} {
		x, err := os.ReadFile(filepath.Join(a, name))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs", name)
		}
	}
	page, _ := os.ReadFile(filepath.Join(a, "man", "sesame-exec.1"))
	if !strings.Contains(string(page), `.TH "SESAME" "1" "Nov 2026" "sesame 1.2.3"`) {
		t.Errorf("sesame-exec.1 header is not dated from the date given:\n%.200s", page)
	}
	if strings.Contains(string(page), "Auto generated") {
		t.Errorf("sesame-exec.1 has cobra's auto-generated tag")
	}
	bash, _ := os.ReadFile(filepath.Join(a, "completions", "sesame.bash"))
	if !strings.Contains(string(bash), "__start_sesame") {
		t.Errorf("bash completion lacks __start_sesame")
	}
}

func TestRunNeedsADate(t *testing.T) {
	t.Setenv("SOURCE_DATE_EPOCH", "")
	err := run([]string{"-out", t.TempDir()})
	if err == nil || !strings.Contains(err.Error(), "SOURCE_DATE_EPOCH") {
		t.Fatalf("run without a date: err = %v, want one naming SOURCE_DATE_EPOCH", err)
	}
}
