package store

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestAccountListing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mem := NewMemory()
	st := New(mem, t.TempDir())
	if _, err := st.AccountListing(ctx, "corp"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("empty store: %v, want ErrNotFound", err)
	}
	l := AccountListing{Session: "corp", StartURL: "https://corp.awsapps.com/start", Listed: time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC),
		Accounts: []ListedAccount{{ID: "111111111111", Name: "production", Roles: []string{"Admin", "ReadOnly"}}}}
	if err := st.SetAccountListing(ctx, l); err != nil {
		t.Fatal(err)
	}
	got, err := st.AccountListing(ctx, "corp")
	if err != nil || got.StartURL != l.StartURL || !got.Listed.Equal(l.Listed) || len(got.Accounts) != 1 || got.Accounts[0].Roles[1] != "ReadOnly" {
		t.Errorf("AccountListing = %+v, %v", got, err)
	}
	if _, err := st.AccountListing(ctx, "other"); !errors.Is(err, ErrNotFound) {
		t.Errorf("another session: %v, want ErrNotFound", err)
	}
	names, _ := mem.List(ctx)
	for _, n := range names {
		if strings.Contains(n, "corp") {
			t.Errorf("item name %q reveals the session", n)
		}
		if strings.HasPrefix(n, listingPrefix) {
			data, _ := mem.Get(ctx, n)
			if strings.Contains(string(data), "production") {
				t.Errorf("the listing is not compressed")
			}
			if err := mem.Set(ctx, n, []byte("{")); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := st.AccountListing(ctx, "corp"); err == nil || errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("a damaged item: %v, want an error that is not ErrNotFound", err)
	}
	if err := st.RemoveAccountListing(ctx, "corp"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.AccountListing(ctx, "corp"); !errors.Is(err, ErrNotFound) {
		t.Errorf("after Remove: %v", err)
	}
}
