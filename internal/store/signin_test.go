package store_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sesamehq/sesame/internal/store"
)

func TestSignInItems(t *testing.T) {
	ctx := t.Context()
	mem := store.NewMemory()
	st := store.New(mem, t.TempDir())
	arn := "arn:aws:sts::123456789012:assumed-role/Admin/alice"
	if _, err := st.SignIn(ctx, arn); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("empty store: %v", err)
	}
	si := store.SignIn{LoginSession: arn, Region: "eu-west-1", DPoPKey: "PEM", RefreshToken: "rt", AccessKeyID: "ASIA1",
		Expiration: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	if err := st.SetSignIn(ctx, si); err != nil {
		t.Fatal(err)
	}
	got, err := st.SignIn(ctx, arn)
	if err != nil || got.RefreshToken != "rt" || got.DPoPKey != "PEM" || !got.Expiration.Equal(si.Expiration) {
		t.Fatalf("%+v %v", got, err)
	}
	// The item name does not reveal the ARN.
	names, _ := mem.List(ctx)
	for _, n := range names {
		if strings.Contains(n, "alice") || strings.Contains(n, "123456789012") {
			t.Fatalf("item name %q reveals the session", n)
		}
	}
	all, err := st.SignIns(ctx)
	if err != nil || len(all) != 1 || all[0].LoginSession != arn {
		t.Fatalf("SignIns: %+v %v", all, err)
	}
	if err := st.RemoveSignIn(ctx, arn); err != nil {
		t.Fatal(err)
	}
	if all, _ := st.SignIns(ctx); len(all) != 0 {
		t.Fatalf("after remove: %+v", all)
	}
}
