package app

import (
	"io"
	"log/slog"
	"strings"
)

// secretWords mark attribute keys whose values are never logged.
var secretWords = []string{"secret", "token", "password", "passphrase", "signature", "authorization", "credential"}

// NewLogger returns the --debug logger: text on w, off until level is set to
// debug, and with every attribute whose key looks secret replaced by
// "[redacted]", so that a careless log call cannot leak one.
func NewLogger(w io.Writer, level *slog.LevelVar) *slog.Logger {
	if level == nil {
		level = new(slog.LevelVar)
	}
	if level.Level() < slog.LevelDebug {
		level.Set(slog.LevelWarn)
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey && len(groups) == 0 {
				return slog.Attr{}
			}
			key := strings.ToLower(a.Key)
			for _, w := range secretWords {
				if strings.Contains(key, w) {
					return slog.String(a.Key, "[redacted]")
				}
			}
			return a
		},
	})).With("sesame", "debug")
}
