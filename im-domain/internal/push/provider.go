package push

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
)

// Notification is what a provider shows on the device.
type Notification struct {
	Title string
	Body  string
	Badge int64
	// Data is delivered to the app with the notification (FCM data,
	// custom APNs keys).
	Data map[string]string
}

// Result is a provider's answer to one send, as the test-push endpoint
// reports it.
type Result struct {
	Provider string `json:"provider"`
	Status   int    `json:"status"`           // HTTP status of the answer; 0 when none came
	ID       string `json:"id,omitempty"`     // the provider's message id (FCM name, apns-id)
	Reason   string `json:"reason,omitempty"` // the provider's error, or the transport's
}

// Sender is one provider.
type Sender interface {
	Send(ctx context.Context, token string, n Notification) (Result, error)
}

// Errors of Send, besides transport errors and ErrRetry (which may pass on
// a later attempt).
var (
	// ErrRejected: the provider refused the request for good (bad payload,
	// credentials it does not accept, a wrong topic).
	ErrRejected = errors.New("push: rejected by the provider")
	// ErrUnregistered: the token is no longer valid; it is deleted.
	ErrUnregistered = errors.New("push: token unregistered")
	// ErrRetry: the provider is overloaded or failing (429, 5xx).
	ErrRetry = errors.New("push: provider unavailable")
)

// maxAnswer bounds how much of a provider's answer is read.
const maxAnswer = 64 << 10

// classify turns a non-2xx answer into Send's error: 429 and 5xx may pass
// later; unregistered is reported apart.
func classify(r Result, unregistered bool) error {
	switch {
	case unregistered:
		return fmt.Errorf("%w: %d %s", ErrUnregistered, r.Status, r.Reason)
	case r.Status == http.StatusTooManyRequests || r.Status >= 500:
		return fmt.Errorf("%w: %d %s", ErrRetry, r.Status, r.Reason)
	}
	return fmt.Errorf("%w: %d %s", ErrRejected, r.Status, r.Reason)
}

// retryable reports whether a later attempt may succeed.
func retryable(err error) bool {
	return err != nil && !errors.Is(err, ErrRejected) && !errors.Is(err, ErrUnregistered)
}

// readAnswer reads a bounded answer body.
func readAnswer(resp *http.Response) []byte {
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	return b
}

// statusText names a status without a reason.
func statusText(status int) string { return strconv.Itoa(status) + " " + http.StatusText(status) }
