// Package logging builds the process's one *slog.Logger. main creates it and
// passes it down; components add attributes with With. Secrets (user signs,
// app secrets, passwords, tokens) are redacted by attribute name, so a
// request or payload logged by mistake never leaks a credential.
package logging

import (
	"io"
	"log/slog"
	"strings"
)

// Redacted replaces the value of a sensitive attribute.
const Redacted = "[redacted]"

var sensitive = []string{"usersign", "secret", "password", "token", "authorization"}

// Sensitive reports whether an attribute named key must never be logged.
func Sensitive(key string) bool {
	k := strings.ToLower(key)
	for _, s := range sensitive {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// New returns a logger writing to w. format is "json" or "text"; level is
// debug, info, warn or error (unknown values mean info).
func New(w io.Writer, format, level string) *slog.Logger {
	opts := &slog.HandlerOptions{Level: parseLevel(level), ReplaceAttr: redact}
	if format == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func redact(_ []string, a slog.Attr) slog.Attr {
	if Sensitive(a.Key) {
		return slog.String(a.Key, Redacted)
	}
	return a
}

func parseLevel(s string) slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return slog.LevelInfo
	}
	return l
}
