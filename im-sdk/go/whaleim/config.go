package whaleim

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/whaleim/whaleim/im-common/device"
)

// SignProvider returns a userSign for userID. It is called before every
// login attempt, so it can renew an expiring sign.
type SignProvider func(ctx context.Context, userID string) (string, error)

// Transport is how the SDK reaches a gateway.
type Transport int

// Transports.
const (
	WebSocket Transport = iota
	TCP
)

// Config configures a Client. RESTURLs, AppID, UserID and Sign are
// required; zero durations and counts take the defaults below.
type Config struct {
	// RESTURLs are im-domain base URLs ("http://host:8000"); the login
	// route is asked on each in turn until one answers.
	RESTURLs []string
	AppID    uint32
	UserID   string
	Sign     SignProvider
	// Device is the client type sent in every header (default web).
	Device device.Type
	// IMEI identifies this device (default "whaleim-go").
	IMEI      string
	Transport Transport
	// Store keeps last seen seqs and the outbox (default NewMemoryStore).
	Store Store

	AckTimeout   time.Duration // resend an unACKed message after this (5 s)
	Heartbeat    time.Duration // ping interval; 2.5 intervals of silence drop the connection (20 s)
	BackoffMin   time.Duration // first reconnect pause (200 ms)
	BackoffMax   time.Duration // longest reconnect and retry pause (10 s)
	SendRetryMin time.Duration // first pause after a 1009 (BackoffMin)
	DialTimeout  time.Duration // REST call, dial and login handshake (10 s)
	PullLimit    int           // page size of sync pulls (100)
	HoleRetries  int           // empty gap pulls before the gap is declared a hole (5)
	HTTPClient   *http.Client
	Logger       *slog.Logger
}

func (c Config) withDefaults() (Config, error) {
	if len(c.RESTURLs) == 0 || c.AppID == 0 || c.UserID == "" || c.Sign == nil {
		return c, errors.New("whaleim: RESTURLs, AppID, UserID and Sign are required")
	}
	if c.Device == 0 {
		c.Device = device.Web
	}
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.AckTimeout, 5*time.Second)
	def(&c.Heartbeat, 20*time.Second)
	def(&c.BackoffMin, 200*time.Millisecond)
	def(&c.BackoffMax, 10*time.Second)
	def(&c.SendRetryMin, c.BackoffMin)
	def(&c.DialTimeout, 10*time.Second)
	if c.IMEI == "" {
		c.IMEI = "whaleim-go"
	}
	if c.PullLimit <= 0 {
		c.PullLimit = 100
	}
	if c.HoleRetries <= 0 {
		c.HoleRetries = 5
	}
	if c.Store == nil {
		c.Store = NewMemoryStore()
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: c.DialTimeout}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c, nil
}
