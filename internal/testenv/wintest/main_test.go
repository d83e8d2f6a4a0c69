package wintest

import (
	"testing"

	"github.com/sesamehq/sesame/internal/testenv"
)

func TestMain(m *testing.M) { testenv.Main(m) }
