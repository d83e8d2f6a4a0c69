package main_test

import (
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sesamehq/sesame/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }

// TestScript runs the end-to-end scripts in testdata/script against the
// built sesame binary, each in a sandboxed home; see testenv.ScriptParams
// for the environment, the extra commands (moto, awscalls, awslog,
// filemode, need, ...) and conditions.
func TestScript(t *testing.T) {
	t.Parallel()
	testscript.Run(t, testenv.ScriptParams("../../testdata/script", testenv.Sesame(t)))
}
