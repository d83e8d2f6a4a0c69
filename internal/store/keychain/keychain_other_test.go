//go:build !darwin

package keychain

import (
	"errors"
	"strings"
	"testing"

	"github.com/sesamehq/sesame/internal/store"
)

func TestNewOnlyOnMacOS(t *testing.T) {
	t.Parallel()
	b, err := New()
	if b != nil || !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "only on macOS") {
		t.Errorf("New() = %v, %v; want ErrUnavailable saying it is macOS only", b, err)
	}
}
