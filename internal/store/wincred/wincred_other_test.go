//go:build !windows

package wincred

import (
	"errors"
	"strings"
	"testing"

	"github.com/sesamehq/sesame/internal/store"
)

func TestNewOnlyOnWindows(t *testing.T) {
	t.Parallel()
	b, err := New()
	if b != nil || !errors.Is(err, store.ErrUnavailable) || !strings.Contains(err.Error(), "only on Windows") {
		t.Errorf("New() = %v, %v; want ErrUnavailable saying it is Windows only", b, err)
	}
}
