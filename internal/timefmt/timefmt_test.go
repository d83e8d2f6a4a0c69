package timefmt

import (
	"testing"
	"time"
)

func TestAt(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatalf("no time zone data: %v", err)
	}
	now := time.Date(2026, 12, 5, 20, 50, 0, 0, time.UTC)
	tests := []struct {
		name string
		t    time.Time
		now  time.Time
		want string
	}{
		{"utc later", now.Add(59 * time.Minute), now, "2026-12-05 21:49:00 UTC, 59m left"},
		{"shown in now's zone", now.Add(2*time.Hour + 5*time.Minute), now.In(paris), "2026-12-05 23:55:00 CET, 2h5m left"},
		{"past", now.Add(-3 * time.Minute), now, "2026-12-05 20:47:00 UTC, 3m ago"},
		{"days", now.Add(50 * time.Hour), now, "2026-12-07 22:50:00 UTC, 2d2h left"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := At(tt.t, tt.now); got != tt.want {
				t.Errorf("At() = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestShortAndLeft(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{30 * time.Second, "30s"},
		{9*time.Minute + 59*time.Second, "9m"},
		{time.Hour, "1h"},
		{7*time.Hour + 12*time.Minute, "7h12m"},
		{24 * time.Hour, "1d"},
		{76 * time.Hour, "3d4h"},
	}
	for _, tt := range tests {
		if got := Short(tt.d); got != tt.want {
			t.Errorf("Short(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
	now := time.Date(2026, 12, 5, 20, 50, 0, 0, time.UTC)
	if got := Left(now.Add(42*time.Minute), now); got != "42m left" {
		t.Errorf("Left() = %q, want 42m left", got)
	}
	if got := Left(now.Add(-time.Second), now); got != "" {
		t.Errorf("Left() of a past moment = %q, want empty", got)
	}
}
