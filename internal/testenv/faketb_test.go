package testenv_test

import (
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"
)

// fakeTB is a testing.TB whose Fatal and Skip are recorded instead of
// ending the real test. Call code that may fail it through run.
type fakeTB struct {
	testing.TB

	mu       sync.Mutex
	failed   bool
	skipped  bool
	msg      string
	deadline time.Time // reported by Deadline if set
}

// Deadline is testing.T's, or f.deadline if set.
func (f *fakeTB) Deadline() (time.Time, bool) {
	if !f.deadline.IsZero() {
		return f.deadline, true
	}
	if d, ok := f.TB.(interface{ Deadline() (time.Time, bool) }); ok {
		return d.Deadline()
	}
	return time.Time{}, false
}

func (f *fakeTB) Helper() {}

func (f *fakeTB) Fatal(args ...any)                 { f.stop(&f.failed, fmt.Sprint(args...)) }
func (f *fakeTB) Fatalf(format string, args ...any) { f.stop(&f.failed, fmt.Sprintf(format, args...)) }
func (f *fakeTB) FailNow()                          { f.stop(&f.failed, "") }
func (f *fakeTB) Skip(args ...any)                  { f.stop(&f.skipped, fmt.Sprint(args...)) }
func (f *fakeTB) Skipf(format string, args ...any)  { f.stop(&f.skipped, fmt.Sprintf(format, args...)) }
func (f *fakeTB) SkipNow()                          { f.stop(&f.skipped, "") }

func (f *fakeTB) stop(flag *bool, msg string) {
	f.mu.Lock()
	*flag = true
	f.msg = msg
	f.mu.Unlock()
	runtime.Goexit()
}

// run calls fn in its own goroutine, so that Fatal and Skip can end it.
func (f *fakeTB) run(fn func()) {
	var wg sync.WaitGroup
	wg.Go(fn)
	wg.Wait()
}
