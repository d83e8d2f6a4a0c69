package credfmt

import (
	"path/filepath"
	"slices"
	"strings"
)

// The shells whose function `sesame shell-init` prints and whose code
// `sesame use --shell` writes.
const (
	Bash       = "bash"
	Zsh        = "zsh"
	Fish       = "fish"
	PowerShell = "powershell"
)

// Shells lists the supported shells.
var Shells = []string{Bash, Zsh, Fish, PowerShell}

// CodeFD is the file descriptor on which `sesame use --shell` writes the
// code for bash, zsh and fish, and from which the shell function reads it.
const CodeFD = 3

// PowerShellMarker is the first line of what `sesame use --shell
// powershell` prints when it prints code: the function evaluates the lines
// after it, and shows output without it.
const PowerShellMarker = "# sesame use: PowerShell code follows"

// ShellFormat is the format whose code shell evaluates: sh for bash and
// zsh, else the shell's own.
func ShellFormat(shell string) (string, bool) {
	switch shell {
	case Bash, Zsh:
		return FormatSh, true
	case Fish:
		return FormatFish, true
	case PowerShell:
		return FormatPowerShell, true
	}
	return "", false
}

// ShellSetup returns the startup file of shell and the line that loads the
// function of `sesame shell-init` there.
func ShellSetup(shell string) (file, line string) {
	switch shell {
	case Fish:
		return "~/.config/fish/config.fish", "sesame shell-init fish | source"
	case PowerShell:
		return "$PROFILE", "Invoke-Expression (& sesame shell-init powershell | Out-String)"
	case Zsh:
		return "~/.zshrc", `eval "$(sesame shell-init zsh)"`
	}
	return "~/.bashrc", `eval "$(sesame shell-init bash)"`
}

// GuessShell names the user's shell from the path in $SHELL ("" when it is
// not one of Shells); on Windows, where SHELL is usually unset, PowerShell.
func GuessShell(shellPath, goos string) string {
	name := strings.TrimSuffix(filepath.Base(filepath.ToSlash(shellPath)), ".exe")
	if name == "pwsh" {
		name = PowerShell
	}
	if slices.Contains(Shells, name) {
		return name
	}
	if shellPath == "" && goos == "windows" {
		return PowerShell
	}
	return ""
}
