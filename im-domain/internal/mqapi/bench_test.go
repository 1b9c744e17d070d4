package mqapi

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"testing"

	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/mq"
)

// nopBatch takes the uplinks and does nothing with them: the benchmark
// measures the cycle's own work.
type nopBatch struct{ fakeBatch }

func (nopBatch) Run(context.Context) error { return nil }

// BenchmarkCycle: 64 shards each hand in one delivery of 8 uplinks (4
// sends, 4 receive-ACKs) and one cycle merges them: the decoding the shard
// consumers do and the cycle's merge, per cycle of 512 uplinks.
func BenchmarkCycle(b *testing.B) {
	h := New(func() Batch { return &nopBatch{} }, nil, slog.New(slog.NewTextHandler(io.Discard, nil)))
	bodies := make([][]byte, 64)
	for k := range bodies {
		var ups []mq.Uplink
		for i := range 4 {
			ups = append(ups, uplink(command.MessageP2P, fmt.Sprintf(`{"messageId":"m%d-%d","toId":"bob","messageBody":"hello"}`, k, i)),
				uplink(command.MessageReceiveAck, `{"toId":"bob","messageSequence":7,"messageId":"x"}`))
		}
		bodies[k], _ = json.Marshal(mq.UplinkBatch{Version: mq.Version, Uplinks: ups})
	}
	in := make(chan *part, len(bodies))
	b.ReportAllocs()
	for b.Loop() {
		for _, body := range bodies {
			adds, err := h.parse(b.Context(), []mq.Delivery{{Body: body}})
			if err != nil {
				b.Fatal(err)
			}
			in <- &part{adds: adds, done: make(chan error, 1)}
		}
		parts := gather(<-in, in, DefaultMaxCycle)
		if len(parts) != len(bodies) {
			b.Fatalf("%d parts in the cycle", len(parts))
		}
		h.cycle(b.Context(), parts)
	}
}
