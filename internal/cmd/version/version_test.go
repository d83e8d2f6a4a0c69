package version

import (
	"runtime/debug"
	"strings"
	"testing"

	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/iostreams"
)

func TestWithModuleInfo(t *testing.T) {
	vcs := []debug.BuildSetting{
		{Key: "vcs", Value: "git"},
		{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"},
		{Key: "vcs.time", Value: "2026-12-01T10:00:00Z"},
		{Key: "vcs.modified", Value: "false"},
	}
	dirty := append(vcs[:3:3], debug.BuildSetting{Key: "vcs.modified", Value: "true"})
	for _, tc := range []struct {
		name  string
		build cmdutil.BuildInfo
		info  *debug.BuildInfo
		ok    bool
		want  cmdutil.BuildInfo
	}{{
		name:  "go install module@version: the module version, no VCS settings",
		build: cmdutil.BuildInfo{Version: "dev"},
		info:  &debug.BuildInfo{Main: debug.Module{Path: "github.com/sesamehq/sesame", Version: "v1.4.0"}},
		ok:    true,
		want:  cmdutil.BuildInfo{Version: "v1.4.0"},
	}, {
		name:  "go build in a checkout: pseudo-version, revision and commit time",
		build: cmdutil.BuildInfo{Version: "dev"},
		info:  &debug.BuildInfo{Main: debug.Module{Version: "v0.0.0-20261201100000-0123456789ab"}, Settings: vcs},
		ok:    true,
		want:  cmdutil.BuildInfo{Version: "v0.0.0-20261201100000-0123456789ab", Commit: "0123456789ab", Date: "2026-12-01T10:00:00Z"},
	}, {
		name:  "modified checkout, (devel) version",
		build: cmdutil.BuildInfo{Version: "dev"},
		info:  &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: dirty},
		ok:    true,
		want:  cmdutil.BuildInfo{Version: "dev", Commit: "0123456789ab-dirty", Date: "2026-12-01T10:00:00Z"},
	}, {
		name:  "linker flags win",
		build: cmdutil.BuildInfo{Version: "1.2.3", Commit: "abc1234", Date: "2026-11-21T00:00:00Z"},
		info:  &debug.BuildInfo{Main: debug.Module{Version: "v9.9.9"}, Settings: vcs},
		ok:    true,
		want:  cmdutil.BuildInfo{Version: "1.2.3", Commit: "abc1234", Date: "2026-11-21T00:00:00Z"},
	}, {
		name:  "no build info",
		build: cmdutil.BuildInfo{Version: "dev"},
		ok:    false,
		want:  cmdutil.BuildInfo{Version: "dev"},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			if got := WithModuleInfo(tc.build, tc.info, tc.ok); got != tc.want {
				t.Errorf("WithModuleInfo = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestRunPrintsVersionAndCommit(t *testing.T) {
	ios, _, out, _ := iostreams.Test()
	if err := Run(&Options{IO: ios, Build: cmdutil.BuildInfo{Version: "v1.4.0", Commit: "0123456789ab", Date: "2026-12-01T10:00:00Z"}}); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.HasPrefix(got, "sesame v1.4.0 (commit 0123456789ab, built 2026-12-01T10:00:00Z, ") {
		t.Errorf("output = %q", got)
	}
}
