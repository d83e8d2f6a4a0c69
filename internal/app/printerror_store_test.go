package app

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/sesamehq/sesame/internal/cmdutil"
	"github.com/sesamehq/sesame/internal/store"
)

// TestPrintErrorAddsTheStoreHint: a command returns a store error as it is;
// PrintError adds the store's hint under it, unless it has its own.
func TestPrintErrorAddsTheStoreHint(t *testing.T) {
	var b bytes.Buffer
	PrintError(&b, fmt.Errorf("cannot store the key pair: %w", store.ErrLocked))
	want := "sesame: cannot store the key pair: the store is locked\n" +
		"sesame: hint: " + cmdutil.StoreHint(store.ErrLocked) + "\n"
	if b.String() != want || cmdutil.StoreHint(store.ErrLocked) == "" {
		t.Errorf("PrintError wrote\n%s\nwant\n%s", b.String(), want)
	}
	b.Reset()
	PrintError(&b, cmdutil.WithHint(fmt.Errorf("x: %w", store.ErrLocked), "run: sesame lock"))
	if want := "sesame: x: the store is locked\nsesame: hint: run: sesame lock\n"; b.String() != want {
		t.Errorf("PrintError wrote\n%s\nwant\n%s", b.String(), want)
	}
}
