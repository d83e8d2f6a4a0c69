//go:build !linux

package vault

import (
	"fmt"
	"time"
)

// cacheSupported reports whether this OS has an unlock cache.
const cacheSupported = false

var errNoCache = fmt.Errorf("%w on this system", errCacheUnavailable)

func cacheLoad(string) ([]byte, error) { return nil, nil }

func cacheStore(string, []byte, time.Duration) error { return errNoCache }

func cacheForget(string) error { return nil }
