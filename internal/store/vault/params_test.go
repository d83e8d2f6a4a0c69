package vault

import (
	"errors"
	"testing"
)

// TestParamsBounds pins the argon2id parameters a vault header may ask for:
// at most 10 passes, 1 GiB and 16 lanes (issue 11 item 15; before, 64
// passes and 4 GiB were accepted).
func TestParamsBounds(t *testing.T) {
	t.Parallel()
	tests := []struct {
		p  kdfParams
		ok bool
	}{
		{defaultParams, true},
		{kdfParams{Time: 1, Memory: 8, Threads: 1}, true},
		{kdfParams{Time: 10, Memory: 1 << 20, Threads: 16}, true},
		{kdfParams{Time: 11, Memory: 64 << 10, Threads: 4}, false},
		{kdfParams{Time: 64, Memory: 64 << 10, Threads: 4}, false},
		{kdfParams{Time: 0, Memory: 64 << 10, Threads: 4}, false},
		{kdfParams{Time: 3, Memory: 1<<20 + 1, Threads: 4}, false},
		{kdfParams{Time: 3, Memory: 4 << 20, Threads: 4}, false},
		{kdfParams{Time: 3, Memory: 64 << 10, Threads: 0}, false},
		{kdfParams{Time: 3, Memory: 64 << 10, Threads: 17}, false},
		{kdfParams{Time: 3, Memory: 31, Threads: 4}, false},
	}
	for _, tt := range tests {
		err := tt.p.check()
		if (err == nil) != tt.ok {
			t.Errorf("%+v: check() = %v, want ok %v", tt.p, err, tt.ok)
		}
		var pe *paramsError
		if err != nil && !errors.As(err, &pe) {
			t.Errorf("%+v: %v is not a *paramsError", tt.p, err)
		}
	}
}
