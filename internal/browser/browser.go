// Package browser opens URLs for a person: with $BROWSER when it is set (as
// the AWS CLI and most Unix tools do), else the desktop's opener.
package browser

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"strings"
)

// Opener opens a URL in a browser.
type Opener interface {
	Open(ctx context.Context, url string) error
}

// System opens URLs with $BROWSER (its words, then the URL as one more
// argument; a "%s" in it is replaced by the URL instead), else with the
// desktop's opener (xdg-open, open, rundll32). The URL never appears in an
// error.
type System struct {
	LookupEnv func(string) (string, bool)
	// Stderr receives the browser program's output; nil discards it.
	Stderr io.Writer
}

// Open implements Opener.
func (s System) Open(ctx context.Context, url string) error {
	if b, _ := s.LookupEnv("BROWSER"); strings.TrimSpace(b) != "" {
		// BROWSER may list several programs separated by ':'; the first
		// that can be found wins.
		for _, candidate := range strings.Split(b, ":") {
			words := strings.Fields(candidate)
			if len(words) == 0 {
				continue
			}
			if _, err := exec.LookPath(words[0]); err != nil {
				continue
			}
			args := words[1:]
			replaced := false
			for i, w := range args {
				if strings.Contains(w, "%s") {
					args[i] = strings.ReplaceAll(w, "%s", url)
					replaced = true
				}
			}
			if !replaced {
				args = append(args, url)
			}
			cmd := exec.CommandContext(ctx, words[0], args...)
			cmd.Stdout, cmd.Stderr = s.Stderr, s.Stderr
			if err := cmd.Run(); err != nil {
				return fmt.Errorf("the browser %s failed: %w", words[0], err)
			}
			return nil
		}
		return errors.New("no program named in BROWSER can be found")
	}
	name, args := desktopOpener()
	if _, err := exec.LookPath(name); err != nil {
		return fmt.Errorf("cannot open a browser here: no BROWSER set and no %s", name)
	}
	cmd := exec.CommandContext(ctx, name, append(args, url)...)
	cmd.Stdout, cmd.Stderr = s.Stderr, s.Stderr
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("cannot open a browser here: %w", err)
	}
	// The opener hands the URL over and exits; don't wait on a browser.
	go func() { _ = cmd.Wait() }()
	return nil
}

// desktopOpener is the program that opens URLs on this system.
func desktopOpener() (string, []string) {
	switch runtime.GOOS {
	case "darwin":
		return "open", nil
	case "windows":
		return "rundll32", []string{"url.dll,FileProtocolHandler"}
	}
	return "xdg-open", nil
}
