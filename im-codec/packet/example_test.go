package packet_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
)

// A gateway reads uplink frames from a TCP connection (here a buffer holding
// two coalesced frames) until the client goes away.
func ExampleReader() {
	var conn bytes.Buffer
	login := packet.Client{Command: command.Login, Version: 1, Device: device.Android, AppID: 10000,
		IMEI: "android-1", Body: []byte(`{"userId":"alice","userSign":"..."}`)}
	ping := packet.Client{Command: command.Ping, Version: 1, Device: device.Android, AppID: 10000, IMEI: "android-1"}
	conn.Write(ping.Append(login.Append(nil)))

	r := packet.NewReader(&conn, packet.DefaultLimits())
	for {
		p, err := r.ReadClient()
		if errors.Is(err, io.EOF) {
			fmt.Println("client closed")
			return
		}
		if err != nil {
			// A bad frame: answer with packet.Code(err) if possible, then close.
			fmt.Println("bad frame:", packet.Code(err))
			return
		}
		fmt.Printf("%v from %v %s: %q\n", p.Command, p.Device, p.IMEI, p.Body)
	}
	// Output:
	// LOGIN from android android-1: "{\"userId\":\"alice\",\"userSign\":\"...\"}"
	// PING from android android-1: ""
	// client closed
}

// A WebSocket binary message holds exactly one frame.
func ExampleParseClient() {
	msg := packet.Client{Command: command.MessageP2P, Version: 1, Device: device.Web, Format: packet.XML,
		AppID: 10000, IMEI: "web", Body: []byte("<m/>")}.Append(nil)
	p, err := packet.ParseClient(msg, packet.DefaultLimits())
	fmt.Println(p.Command, p.Format, p.Format.Supported(), err)

	_, err = packet.ParseClient(append(msg, 0), packet.DefaultLimits())
	fmt.Println(err)
	fmt.Println(packet.Code(err).Code)
	// Output:
	// MSG_P2P xml false <nil>
	// packet: frame 36 (limit 35): trailing bytes after packet
	// 1005
}
