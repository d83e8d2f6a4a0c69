package credfmt

import (
	"strings"
	"testing"
)

func TestGuessShellAndShellSetup(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ path, goos, want string }{
		{"/bin/bash", "linux", Bash},
		{"/usr/local/bin/zsh", "darwin", Zsh},
		{"/opt/homebrew/bin/fish", "darwin", Fish},
		{"/usr/bin/pwsh", "linux", PowerShell},
		{"", "windows", PowerShell},
		{"", "linux", ""},
		{"/bin/tcsh", "linux", ""},
	} {
		if got := GuessShell(tt.path, tt.goos); got != tt.want {
			t.Errorf("GuessShell(%q, %q) = %q, want %q", tt.path, tt.goos, got, tt.want)
		}
	}
	for _, shell := range Shells {
		file, line := ShellSetup(shell)
		if file == "" || !strings.Contains(line, "sesame shell-init "+shell) {
			t.Errorf("ShellSetup(%s) = %q, %q", shell, file, line)
		}
	}
}
