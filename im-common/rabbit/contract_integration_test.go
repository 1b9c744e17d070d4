//go:build integration

package rabbit

import (
	"testing"

	"github.com/whaleim/whaleim/im-common/mq"
	"github.com/whaleim/whaleim/im-common/mq/mqtest"
)

// The queue port contract on a real RabbitMQ (the in-process adapter runs
// the same suite).
func TestContract(t *testing.T) {
	mqtest.Run(t, func(t *testing.T, dead string) mqtest.Queue {
		c := startConn(t, testURL(), mq.Topology{}, WithDeadLetterExchange(dead))
		return c.Ports(0)
	})
}
