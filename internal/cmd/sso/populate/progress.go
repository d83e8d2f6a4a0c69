package populate

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/sesamehq/sesame/internal/sso"
)

// progressLine draws the listing's progress on one terminal line, redrawn
// in place at most every tick: accounts done of those known, the pace of
// portal calls and the time left at that pace. It draws nothing until the
// listing has taken a moment, so a quick one leaves no trace. Stop erases
// the line. It is safe for concurrent use.
type progressLine struct {
	w     io.Writer
	now   func() time.Time
	start time.Time
	tick  time.Duration

	mu    sync.Mutex
	last  time.Time
	shown bool
	width int
}

func newProgressLine(w io.Writer, now func() time.Time) *progressLine {
	t := now()
	return &progressLine{w: w, now: now, start: t, last: t, tick: 100 * time.Millisecond}
}

// Update redraws the line for p when a tick has passed since the last draw.
func (pl *progressLine) Update(p sso.Progress) {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	now := pl.now()
	if now.Sub(pl.last) < pl.tick {
		return
	}
	pl.last = now
	elapsed := now.Sub(pl.start)
	total := fmt.Sprint(p.Accounts)
	if !p.AllFound {
		total += "+"
	}
	text := fmt.Sprintf("sesame: listing roles: %d/%s accounts", p.Done, total)
	if secs := elapsed.Seconds(); secs >= 1 && p.Calls > 0 {
		rate := float64(p.Calls) / secs
		text += fmt.Sprintf(", %.1f calls/s", rate)
		if p.AllFound && p.Done > 0 {
			left := time.Duration(float64(p.Accounts-p.Done) / (float64(p.Done) / secs) * float64(time.Second))
			text += ", ETA " + left.Round(time.Second).String()
		}
	}
	pad := max(0, pl.width-len(text))
	fmt.Fprintf(pl.w, "\r%s%*s", text, pad, "")
	pl.width = len(text)
	pl.shown = true
}

// Stop erases the line, if one was drawn.
func (pl *progressLine) Stop() {
	pl.mu.Lock()
	defer pl.mu.Unlock()
	if pl.shown {
		fmt.Fprintf(pl.w, "\r%*s\r", pl.width, "")
		pl.shown = false
	}
}
