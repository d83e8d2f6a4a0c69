package testenv

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sesamehq/sesame/internal/store"
)

// Exit codes of BackendOp, so that a test can tell the store's errors
// apart when it runs a backend in a process of its own.
const (
	BackendOK          = 0
	BackendFailed      = 1
	BackendNotFound    = 3
	BackendLocked      = 4
	BackendUnavailable = 5
)

// BackendOp does one call of the backend that open makes, for a test that
// re-runs its own binary as a separate process using a store: "set NAME"
// (the value on stdin), "get NAME" (the value on stdout), "list" (one name
// a line) or "remove NAME". Errors go to stderr; the result is an exit
// code that classifies them.
func BackendOp(ctx context.Context, open func() (store.Backend, error), op string) int {
	verb, name, _ := strings.Cut(op, " ")
	err := func() error {
		b, err := open()
		if err != nil {
			return err
		}
		if c, ok := b.(io.Closer); ok {
			defer c.Close()
		}
		switch verb {
		case "set":
			data, err := io.ReadAll(os.Stdin)
			if err != nil {
				return err
			}
			return b.Set(ctx, name, data)
		case "get":
			data, err := b.Get(ctx, name)
			if err != nil {
				return err
			}
			_, err = os.Stdout.Write(data)
			return err
		case "list":
			names, err := b.List(ctx)
			for _, n := range names {
				fmt.Println(n)
			}
			return err
		case "remove":
			return b.Remove(ctx, name)
		}
		return fmt.Errorf("unknown helper operation %q", op)
	}()
	if err == nil {
		return BackendOK
	}
	fmt.Fprintln(os.Stderr, "helper:", err)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return BackendNotFound
	case errors.Is(err, store.ErrLocked):
		return BackendLocked
	case errors.Is(err, store.ErrUnavailable):
		return BackendUnavailable
	}
	return BackendFailed
}
