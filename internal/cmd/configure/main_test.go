package configure_test

import (
	"testing"

	"github.com/sesamehq/sesame/internal/testenv"
)

// The tests of this package build sesame and use moto (see testenv).
func TestMain(m *testing.M) { testenv.Main(m) }
