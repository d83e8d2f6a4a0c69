package awsconfig

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// deepChain writes a config whose n profiles form one chain n deep: each
// names the one before it in key ("include_profile" or "source_profile").
// The names sort from the top of the chain to its root, so that resolving
// them in order (as `sesame list` does) starts with the longest walk.
func deepChain(n int, key string) string {
	var b strings.Builder
	name := func(i int) string { return fmt.Sprintf("p%05d", n-1-i) }
	fmt.Fprintf(&b, "[profile %s]\nregion = eu-west-1\naws_access_key_id = AKIA\n\n", name(0))
	for i := 1; i < n; i++ {
		fmt.Fprintf(&b, "[profile %s]\n", name(i))
		if key == "source_profile" {
			fmt.Fprintf(&b, "role_arn = arn:aws:iam::123456789012:role/r%d\n", i)
		}
		fmt.Fprintf(&b, "%s = %s\n\n", key, name(i-1))
	}
	return b.String()
}

// TestResolveDeepChainsLinear resolves every profile of 4,000-deep
// include_profile and source_profile chains, as `sesame list` does, and
// bounds the work by the number of profiles: each is built once and each
// include_profile link followed once (before, resolving every profile of
// such a chain walked it again for each one: n²/2 steps).
func TestResolveDeepChainsLinear(t *testing.T) {
	t.Parallel()
	const n = 4000
	for _, key := range []string{"include_profile", "source_profile"} {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			config := deepChain(n, key)
			// From the top of the chain down (the first walk is the whole
			// chain), then from its root up (each walk is one link long
			// when what it reaches is remembered).
			for _, reverse := range []bool{false, true} {
				c := buildConfig(t, config, "")
				names := c.ProfileNames()
				if len(names) != n {
					t.Fatalf("%d profiles, want %d", len(names), n)
				}
				if reverse {
					slices.Reverse(names)
				}
				for _, name := range names {
					if _, err := c.Resolve(name); err != nil {
						t.Fatal(err)
					}
				}
				// A profile is built once on its own and once as a
				// source_profile; each build looks up its effective values
				// once (a step) and each include link is one more.
				if limit := 4 * n; c.memo.steps > limit {
					t.Errorf("resolving %d profiles (reverse order: %v) took %d steps, want at most %d", n, reverse, c.memo.steps, limit)
				}
			}
			c := buildConfig(t, config, "")
			names := c.ProfileNames()
			top, err := c.Resolve(names[0])
			if err != nil {
				t.Fatal(err)
			}
			wantRegion, wantChain, wantRoot := "eu-west-1", 1, names[0] // inherited through the includes
			if key == "source_profile" {
				wantRegion, wantChain, wantRoot = "", n, names[n-1]
			}
			if region, _ := top.Get("region"); region != wantRegion {
				t.Errorf("region of the top = %q, want %q", region, wantRegion)
			}
			if got := len(top.Chain()); got != wantChain {
				t.Errorf("chain of the top has %d profiles, want %d", got, wantChain)
			}
			if root := top.Root(); root.Name != wantRoot || root.Source != SourceKeys {
				t.Errorf("root = %s (%s), want %s (keys)", root.Name, root.Source, wantRoot)
			}
		})
	}
}

// TestResolveDeepLoop checks that a loop at the end of a long chain is still
// reported with its full path from each profile.
func TestResolveDeepLoop(t *testing.T) {
	t.Parallel()
	for _, key := range []string{"include_profile", "source_profile"} {
		t.Run(key, func(t *testing.T) {
			t.Parallel()
			config := strings.Replace(deepChain(50, key), "region = eu-west-1\naws_access_key_id = AKIA\n", "role_arn = arn:aws:iam::1:role/x\n"+key+" = p00048\n", 1)
			c := buildConfig(t, config, "")
			for _, name := range []string{"p00045", "p00000", "p00049"} {
				_, err := c.Resolve(name)
				want, wantErr := c.refResolve(name, nil)
				if want != nil || err == nil || err.Error() != wantErr.Error() {
					t.Fatalf("%s: error %v, want %v", name, err, wantErr)
				}
				if !strings.HasPrefix(err.Error(), key+" loop: "+name+" -> ") {
					t.Errorf("%s: error %v, want a loop from %s", name, err, name)
				}
			}
		})
	}
}

// BenchmarkResolveDeepChain resolves every profile of a 4,000-deep chain on
// a fresh Config: the work of `sesame list` minus reading and printing.
func BenchmarkResolveDeepChain(b *testing.B) {
	for _, key := range []string{"include_profile", "source_profile"} {
		b.Run(key, func(b *testing.B) {
			f, err := Parse(testPaths.Config, []byte(deepChain(4000, key)))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				c, err := Build(testPaths, f, nil)
				if err != nil {
					b.Fatal(err)
				}
				for _, name := range c.ProfileNames() {
					if _, err := c.Resolve(name); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
