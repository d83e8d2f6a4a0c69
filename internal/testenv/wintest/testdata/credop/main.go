// Command credop uses sesame's Credential Manager backend (and the raw
// Credential Manager) from a Windows process, for the Wine tests
// (internal/testenv/wintest):
//
//	credop set NAME SIZE   store SIZE bytes of a pattern as item NAME
//	credop get NAME        print the item's length and SHA-256
//	credop targets         print the target names of every sesame credential
//	credop legacy NAME     store 3000 bytes as sesame 1 did: under target sesame:NAME
//	credop raw TARGET      print whether the raw target is "present" or "missing"
package main

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"sort"
	"strconv"

	"github.com/danieljoos/wincred"

	"github.com/sesamehq/sesame/internal/store"
	"github.com/sesamehq/sesame/internal/store/chunked"
	sesamewincred "github.com/sesamehq/sesame/internal/store/wincred"
)

func main() {
	ctx := context.Background()
	b, err := sesamewincred.New()
	if err != nil {
		fail(err)
	}
	switch os.Args[1] {
	case "set":
		n, err := strconv.Atoi(os.Args[3])
		if err != nil {
			fail(err)
		}
		if err := b.Set(ctx, os.Args[2], pattern(n)); err != nil {
			fail(err)
		}
	case "get":
		data, err := b.Get(ctx, os.Args[2])
		if err != nil {
			fail(err)
		}
		fmt.Printf("%d %x\n", len(data), sha256.Sum256(data))
	case "targets":
		creds, err := wincred.FilteredList("sesame:*")
		if err != nil {
			fail(err)
		}
		var names []string
		for _, c := range creds {
			names = append(names, c.TargetName)
		}
		sort.Strings(names)
		for _, n := range names {
			fmt.Println(n)
		}
	case "legacy":
		if err := chunked.New(sesame1{}, sesamewincred.MaxBlob).Set(ctx, os.Args[2], pattern(3000)); err != nil {
			fail(err)
		}
	case "raw":
		c, err := wincred.GetGenericCredential(os.Args[2])
		if errors.Is(err, wincred.ErrElementNotFound) {
			fmt.Println("missing")
			return
		}
		if err != nil {
			fail(err)
		}
		_ = c
		fmt.Println("present")
	default:
		fail(errors.New("unknown command"))
	}
}

func pattern(n int) []byte {
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(i*7 + i/251)
	}
	return data
}

// sesame1 is how sesame 1 stored items in Credential Manager: the target
// name was the prefix and the store's item name, which has it already.
type sesame1 struct{}

func (sesame1) Read(_ context.Context, key string) ([]byte, error) {
	c, err := wincred.GetGenericCredential("sesame:" + key)
	if errors.Is(err, wincred.ErrElementNotFound) {
		return nil, store.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return c.CredentialBlob, nil
}

func (sesame1) Write(_ context.Context, key string, blob []byte) error {
	c := wincred.NewGenericCredential("sesame:" + key)
	c.CredentialBlob = blob
	c.Persist = wincred.PersistLocalMachine
	return c.Write()
}

func (sesame1) Delete(_ context.Context, key string) error {
	c, err := wincred.GetGenericCredential("sesame:" + key)
	if errors.Is(err, wincred.ErrElementNotFound) {
		return store.ErrNotFound
	}
	if err != nil {
		return err
	}
	return c.Delete()
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "credop:", err)
	os.Exit(1)
}
