package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Env reads typed values from environment-style key/value lookups and
// collects every problem it meets.
type Env struct {
	getenv func(string) string
	errs   []error
}

// NewEnv returns an Env reading through getenv (os.Getenv in main).
func NewEnv(getenv func(string) string) *Env { return &Env{getenv: getenv} }

// Problem records a validation failure of key.
func (e *Env) Problem(key, format string, args ...any) {
	e.errs = append(e.errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
}

// Check records a problem for key unless ok.
func (e *Env) Check(ok bool, key, format string, args ...any) {
	if !ok {
		e.Problem(key, format, args...)
	}
}

// Err returns every recorded problem joined, or nil.
func (e *Env) Err() error {
	if len(e.errs) == 0 {
		return nil
	}
	return fmt.Errorf("invalid configuration:\n%w", errors.Join(e.errs...))
}

// String returns the value of key, or def when unset.
func (e *Env) String(key, def string) string {
	if v := strings.TrimSpace(e.getenv(key)); v != "" {
		return v
	}
	return def
}

// Required returns the value of key and records a problem when unset.
func (e *Env) Required(key string) string {
	v := e.String(key, "")
	e.Check(v != "", key, "required")
	return v
}

// Int returns key as an int, or def when unset.
func (e *Env) Int(key string, def int) int {
	v := e.String(key, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil {
		e.Problem(key, "not an integer: %q", v)
		return def
	}
	return n
}

// Bool returns key as a bool, or def when unset.
func (e *Env) Bool(key string, def bool) bool {
	v := e.String(key, "")
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		e.Problem(key, "not a boolean: %q", v)
		return def
	}
	return b
}

// Duration returns key as a Go duration ("30s"), or def when unset.
func (e *Env) Duration(key string, def time.Duration) time.Duration {
	v := e.String(key, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		e.Problem(key, "not a positive duration: %q", v)
		return def
	}
	return d
}

// List returns key split on commas, or def when unset.
func (e *Env) List(key string, def []string) []string {
	v := e.String(key, "")
	if v == "" {
		return def
	}
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// OneOf returns key when it is one of allowed, else records a problem.
func (e *Env) OneOf(key, def string, allowed ...string) string {
	v := e.String(key, def)
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	e.Problem(key, "must be one of %s, got %q", strings.Join(allowed, "|"), v)
	return def
}
