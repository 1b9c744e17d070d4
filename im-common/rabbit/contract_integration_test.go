//go:build integration

package rabbit

import (
	"testing"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/mq/mqtest"
)

// ports is one connection seen through every queue port.
type ports struct {
	*Conn
	*Publisher
	*Caller
}

// The queue port contract on a real RabbitMQ (the in-process adapter runs
// the same suite).
func TestContract(t *testing.T) {
	mqtest.Run(t, func(t *testing.T, dead string) mqtest.Queue {
		c := startConn(t, testURL(), mq.Topology{}, WithDeadLetterExchange(dead))
		return ports{Conn: c, Publisher: c.Publisher(0), Caller: c.Caller()}
	})
}
