package whaleim

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-sdk/go/wire"
)

// dial connects to the gateway of a login answer.
func dial(ctx context.Context, t Transport, gw gateway) (wire.Conn, error) {
	if t == TCP {
		return wire.DialTCP(ctx, gw.TCPAddress)
	}
	return wire.DialWebSocket(ctx, gw.WSAddress)
}

// encode builds one uplink frame with body as its JSON.
func encode(cfg Config, cmd command.Code, body any) ([]byte, error) {
	b, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("whaleim: encode %v: %w", cmd, err)
	}
	p := packet.Client{Command: cmd, Version: 1, Device: cfg.Device, Format: packet.JSON,
		AppID: cfg.AppID, IMEI: cfg.IMEI, Body: b}
	return p.Append(nil), nil
}
