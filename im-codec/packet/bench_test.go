package packet_test

import (
	"strings"
	"testing"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
)

// message200 is a typical chat frame of exactly 200 bytes:
// 28 header + 16 IMEI + 156 body.
func message200(b *testing.B) packet.Client {
	const head = `{"messageId":"7c9e6679-7425-40de-944b-e07fc1f90ae7","toId":"bob","messageBody":"`
	body := head + strings.Repeat("x", 156-len(head)-2) + `"}`
	p := packet.Client{Command: command.MessageP2P, Version: 1, Device: device.IOS, AppID: 10000,
		IMEI: "ios-0123456789ab", Body: []byte(body)}
	if p.Len() != 200 {
		b.Fatalf("frame is %d bytes", p.Len())
	}
	return p
}

func BenchmarkClientAppend(b *testing.B) {
	p := message200(b)
	buf := make([]byte, 0, p.Len())
	b.ReportAllocs()
	b.SetBytes(int64(p.Len()))
	for b.Loop() {
		buf = p.Append(buf[:0])
	}
}

func BenchmarkParseClient(b *testing.B) {
	frame := message200(b).Append(nil)
	lim := packet.DefaultLimits()
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if _, err := packet.ParseClient(frame, lim); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadClient(b *testing.B) {
	frame := message200(b).Append(nil)
	r := packet.NewReader(&repeatReader{b: frame}, packet.DefaultLimits())
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if _, err := r.ReadClient(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkServerAppend(b *testing.B) {
	p := packet.Server{Command: command.MessageP2P, Body: message200(b).Body}
	buf := make([]byte, 0, p.Len())
	b.ReportAllocs()
	b.SetBytes(int64(p.Len()))
	for b.Loop() {
		buf = p.Append(buf[:0])
	}
}

func BenchmarkReadServer(b *testing.B) {
	frame := packet.Server{Command: command.MessageP2P, Body: message200(b).Body}.Append(nil)
	r := packet.NewReader(&repeatReader{b: frame}, packet.DefaultLimits())
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if _, err := r.ReadServer(); err != nil {
			b.Fatal(err)
		}
	}
}
