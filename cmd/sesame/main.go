// Command sesame keeps long-term AWS keys out of plain-text files and hands
// programs short-lived credentials instead.
package main

import (
	"context"
	"log/slog"
	"os"
	"runtime/debug"

	"github.com/sesamehq/sesame/internal/app"
	versioncmd "github.com/sesamehq/sesame/internal/cmd/version"
	"github.com/sesamehq/sesame/internal/cmdutil"
)

// Set by the linker: -X main.version=... -X main.commit=... -X main.date=...
var (
	version = "dev"
	commit  = ""
	date    = ""
)

func main() {
	// A run lasts milliseconds and allocates a few MiB (more for a config
	// of thousands of profiles): collecting garbage that often costs more
	// than the memory it frees. GOGC in the environment still wins.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	level := new(slog.LevelVar)
	// Without make's -ldflags (`go install module@version`, a plain `go
	// build`) the version comes from the module's build information.
	info, ok := debug.ReadBuildInfo()
	build := versioncmd.WithModuleInfo(cmdutil.BuildInfo{Version: version, Commit: commit, Date: date}, info, ok)
	f := app.NewFactory(build, level)
	os.Exit(app.Run(context.Background(), f, level, os.Args[1:]))
}
