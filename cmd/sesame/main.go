// Command sesame keeps long-term AWS keys out of plain-text files and hands
// programs short-lived credentials instead.
package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/sesamehq/sesame/internal/app"
	"github.com/sesamehq/sesame/internal/cmdutil"
)

// Set by the linker: -X main.version=... -X main.commit=... -X main.date=...
var (
	version = "dev"
	commit  = ""
	date    = ""
)

func main() {
	level := new(slog.LevelVar)
	f := app.NewFactory(cmdutil.BuildInfo{Version: version, Commit: commit, Date: date}, level)
	os.Exit(app.Run(context.Background(), f, level, os.Args[1:]))
}
