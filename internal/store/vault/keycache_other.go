//go:build !linux && !windows

package vault

import (
	"fmt"
	"time"
)

var errNoCache = fmt.Errorf("%w on this system", errCacheUnavailable)

// cacheLoad finds nothing: there is no unlock cache on this system.
func cacheLoad(string) ([]byte, error) { return nil, nil }

// cacheStore caches nothing: there is no unlock cache on this system.
func cacheStore(string, []byte, time.Duration) error { return errNoCache }

// cacheForget has nothing to forget.
func cacheForget(string) error { return nil }
