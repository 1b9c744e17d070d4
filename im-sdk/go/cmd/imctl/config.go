package main

import (
	"cmp"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// env is what a command runs with: the process surroundings and the
// settings every command shares.
type env struct {
	ctx    context.Context
	getenv func(string) string
	in     io.Reader
	out    io.Writer
	name   string // the command, for usage messages

	url, secret, admin string
	ca                 string       // PEM file of a private CA to trust for https:// (IM_TLS_CA)
	http               *http.Client // the REST client, trusting ca when set
	appID              uint64
	timeout            time.Duration
}

// usageError is a bad command line: exit code 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return &usageError{fmt.Sprintf(format, a...)} }

func isUsage(err error) bool {
	var u *usageError
	return errors.As(err, &u)
}

// flags returns a flag set with the shared settings bound to e, their
// defaults taken from the IM_* variables.
func (e *env) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(e.name+" "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.StringVar(&e.url, "url", cmp.Or(e.getenv("IM_REST_URL"), "http://127.0.0.1:18000"), "REST address of im-domain")
	fs.StringVar(&e.secret, "secret", e.getenv("IM_APP_SECRET"), "app secret")
	admin, _, _ := strings.Cut(e.getenv("IM_APP_ADMIN"), ",")
	fs.StringVar(&e.admin, "admin", cmp.Or(strings.TrimSpace(admin), "admin"), "admin identifier")
	fs.StringVar(new(string), "app", cmp.Or(e.getenv("IM_APP_ID"), "10000"), "app id")
	fs.DurationVar(&e.timeout, "timeout", 10*time.Second, "per call")
	fs.StringVar(&e.ca, "ca", e.getenv("IM_TLS_CA"), "PEM certificate of a private CA to trust for an https:// --url")
	return fs
}

// parse parses args, letting flags and positional arguments interleave
// ("sign alice --expire 1h"), then checks the shared settings.
func (e *env) parse(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, usagef("%s: %v", fs.Name(), err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			pos = append(pos, args[1:]...)
			break
		}
		pos, args = append(pos, args[0]), args[1:]
	}
	return pos, e.check(fs)
}

func (e *env) check(fs *flag.FlagSet) error {
	app := fs.Lookup("app").Value.String()
	id, err := strconv.ParseUint(app, 10, 32)
	if err != nil || id == 0 {
		return usagef("--app / IM_APP_ID: %q is not an app id (1..4294967295)", app)
	}
	e.appID = id
	if e.secret == "" {
		return usagef("--secret / IM_APP_SECRET: the app secret is required to sign")
	}
	e.url = strings.TrimRight(e.url, "/")
	if !strings.HasPrefix(e.url, "http://") && !strings.HasPrefix(e.url, "https://") {
		return usagef("--url / IM_REST_URL: %q must start with http:// or https://", e.url)
	}
	return e.client()
}

// client builds the REST client: the default one, or one trusting --ca.
func (e *env) client() error {
	e.http = http.DefaultClient
	if e.ca == "" {
		return nil
	}
	pem, err := os.ReadFile(e.ca)
	if err != nil {
		return usagef("--ca / IM_TLS_CA: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return usagef("--ca / IM_TLS_CA: %s holds no PEM certificate", e.ca)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	e.http = &http.Client{Transport: tr}
	return nil
}
