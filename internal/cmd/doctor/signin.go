package doctor

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/sesamehq/sesame/internal/awsconfig"
	"github.com/sesamehq/sesame/internal/signin"
	"github.com/sesamehq/sesame/internal/store"
)

// checkSignin: every profile with a login_session has an AWS Sign-In
// session sesame can use (in its store, or a readable aws login file with
// a SEC1 P-256 key), and an AWS CLI cache file that holds the session's
// key is private (0600).
func checkSignin(ctx context.Context, e *Env) []Line {
	cfg := e.config()
	if cfg == nil {
		return nil
	}
	var lines []Line
	seen := map[string]bool{}
	for _, name := range cfg.ProfileNames() {
		r, err := cfg.Resolve(name)
		if err != nil || r.Source != awsconfig.SourceLogin {
			continue
		}
		ls, _ := r.Get("login_session")
		if seen[ls] {
			continue
		}
		seen[ls] = true
		inStore := false
		if st, err := e.store(ctx); err == nil {
			si, err := st.SignIn(ctx, ls)
			switch {
			case err == nil:
				inStore = true
				lines = append(lines, ok("AWS Sign-In: profile %s is signed in, kept in sesame's store (credentials until %s)", name, si.Expiration.UTC().Format(time.RFC3339)))
			case !errors.Is(err, store.ErrNotFound):
				lines = append(lines, fail("run sesame doctor again once the store opens", "AWS Sign-In: cannot read the session of profile %s: %v", name, err))
				continue
			}
		}
		path := filepath.Join(signin.CacheDir(e.Home, e.LookupEnv), signin.CacheFile(ls))
		fi, statErr := os.Stat(path)
		if statErr != nil {
			if !inStore {
				lines = append(lines, fail("sesame signin "+name, "AWS Sign-In: profile %s has a login_session but no session here", name))
			}
			continue
		}
		if e.GOOS != "windows" && fi.Mode().Perm()&0o077 != 0 {
			lines = append(lines, fail("chmod 600 "+e.show(path), "AWS Sign-In: %s holds a private key and is readable by others (mode %04o)", e.show(path), fi.Mode().Perm()))
		}
		if _, _, err := signin.ReadCache(path); err != nil {
			fix := "sesame signin " + name + " (it replaces the session)"
			lines = append(lines, fail(fix, "%s", e.tilde(err.Error())))
			continue
		}
		if !inStore {
			lines = append(lines, warn("sesame signin "+name+" keeps the key in sesame's store instead", "AWS Sign-In: profile %s uses the plain file %s (made by aws login)", name, e.show(path)))
		}
	}
	return lines
}
