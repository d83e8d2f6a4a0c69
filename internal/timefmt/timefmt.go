// Package timefmt writes times and durations for people, one way in every
// command: a moment always with its zone and the time left
// ("2026-12-05 21:50:00 CET, 59m left"), a duration as "3d4h", "7h12m",
// "9m" or "30s". Machine formats (JSON, TSV, credential documents) keep
// RFC 3339 and do not use this package.
package timefmt

import (
	"fmt"
	"time"
)

// Layout is how a moment is shown to a person: date, time and zone.
const Layout = "2006-01-02 15:04:05 MST"

// At shows t in now's location (the local zone in a real run) with its
// zone, and how far away it is: "2026-12-05 21:50:00 CET, 59m left", or
// "…, 3m ago" for a moment that has passed.
func At(t, now time.Time) string {
	s := t.In(now.Location()).Format(Layout)
	if d := t.Sub(now); d < 0 {
		return s + ", " + Short(-d) + " ago"
	}
	return s + ", " + Short(t.Sub(now)) + " left"
}

// Left shows the time from now until t, such as "42m left", or "" when t
// has passed.
func Left(t, now time.Time) string {
	d := t.Sub(now)
	if d <= 0 {
		return ""
	}
	return Short(d) + " left"
}

// Short writes a duration for a person: "3d4h", "7h12m", "9m", "30s".
// Anything under a minute is shown in seconds; longer spans drop the
// seconds.
func Short(d time.Duration) string {
	switch {
	case d >= 24*time.Hour:
		days := d / (24 * time.Hour)
		if h := (d - days*24*time.Hour) / time.Hour; h > 0 {
			return fmt.Sprintf("%dd%dh", days, h)
		}
		return fmt.Sprintf("%dd", days)
	case d >= time.Hour:
		h := d / time.Hour
		if m := (d - h*time.Hour) / time.Minute; m > 0 {
			return fmt.Sprintf("%dh%dm", h, m)
		}
		return fmt.Sprintf("%dh", h)
	case d >= time.Minute:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}
