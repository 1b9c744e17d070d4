package wire

import (
	"errors"
	"io"
	"net"
	"testing"

	"github.com/whaleim/whaleim/im-codec/packet"
)

// A header announcing 2 GiB is refused before any allocation and counts
// as a bad frame; a connection that just ends does not.
func TestBadFrameTellsServerBytesFromEndedConnections(t *testing.T) {
	type ending struct {
		name  string
		bytes []byte
		bad   bool
	}
	endings := []ending{
		{"2 GiB length", []byte{0, 0, 0x04, 0x4f, 0x7f, 0xff, 0xff, 0xff, '{', '}'}, true},
		{"ends mid-header", []byte{0, 0, 0x04}, false},
		{"ends cleanly", nil, false},
	}
	for _, tc := range endings {
		t.Run(tc.name, func(t *testing.T) {
			client, server := net.Pipe()
			go func() { _, _ = server.Write(tc.bytes); server.Close() }()
			c := Stream(client)
			defer c.Close()
			_, err := c.Read()
			if err == nil {
				t.Fatal("read succeeded")
			}
			if BadFrame(err) != tc.bad {
				t.Errorf("BadFrame(%v) = %v, want %v", err, !tc.bad, tc.bad)
			}
		})
	}
}

func TestStreamReadsWholePackets(t *testing.T) {
	client, server := net.Pipe()
	want := packet.Server{Command: 1103, Body: []byte(`{"command":1103}`)}
	go func() {
		frame := want.Append(nil)
		for _, b := range frame { // one byte at a time: reads are split
			_, _ = server.Write([]byte{b})
		}
		server.Close()
	}()
	c := Stream(client)
	got, err := c.Read()
	if err != nil || got.Command != want.Command || string(got.Body) != string(want.Body) {
		t.Fatalf("Read = %v %s, %v", got.Command, got.Body, err)
	}
	if _, err := c.Read(); !errors.Is(err, io.EOF) {
		t.Errorf("after the packet: %v, want EOF", err)
	}
}
