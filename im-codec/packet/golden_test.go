package packet_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"io"
	"os"
	"reflect"
	"testing"

	"github.com/whaleim/whaleim/im-codec/packet"
	"github.com/whaleim/whaleim/im-common/command"
	"github.com/whaleim/whaleim/im-common/device"
)

// vector is one case of testdata/golden/vectors.json (format in its README).
type vector struct {
	Name       string `json:"name"`
	Direction  string `json:"direction"`
	Command    uint32 `json:"command"`
	Version    uint32 `json:"version"`
	ClientType uint32 `json:"clientType"`
	Format     uint32 `json:"format"`
	AppID      uint32 `json:"appId"`
	IMEI       string `json:"imei"`
	Body       string `json:"body"`
	Hex        string `json:"hex"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	b, err := os.ReadFile("testdata/golden/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []vector
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&vs); err != nil {
		t.Fatal(err)
	}
	return vs
}

func (v vector) client() packet.Client {
	return packet.Client{Command: command.Code(v.Command), Version: v.Version, Device: device.Type(v.ClientType),
		Format: packet.Format(v.Format), AppID: v.AppID, IMEI: v.IMEI, Body: body(v.Body)}
}

func (v vector) server() packet.Server {
	return packet.Server{Command: command.Code(v.Command), Body: body(v.Body)}
}

// body maps the file's empty string to the decoders' nil body.
func body(s string) []byte {
	if s == "" {
		return nil
	}
	return []byte(s)
}

func TestGoldenVectors(t *testing.T) {
	var uplink []byte
	var want []packet.Client
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			frame, err := hex.DecodeString(v.Hex)
			if err != nil {
				t.Fatal(err)
			}
			var enc []byte
			var got, fields any
			switch v.Direction {
			case "uplink":
				fields, enc = v.client(), v.client().Append(nil)
				got, err = packet.ParseClient(frame, packet.DefaultLimits())
				uplink, want = append(uplink, frame...), append(want, v.client())
			case "downlink":
				fields, enc = v.server(), v.server().Append(nil)
				got, err = packet.ParseServer(frame, packet.DefaultLimits())
			default:
				t.Fatalf("direction %q", v.Direction)
			}
			if !bytes.Equal(enc, frame) {
				t.Errorf("encode:\n got %x\nwant %s", enc, v.Hex)
			}
			if err != nil || !reflect.DeepEqual(got, fields) {
				t.Errorf("decode: %+v %v\nwant %+v", got, err, fields)
			}
		})
	}
	t.Run("uplink stream", func(t *testing.T) {
		r := packet.NewReader(bytes.NewReader(uplink), packet.DefaultLimits())
		for i, w := range want {
			if got, err := r.ReadClient(); err != nil || !reflect.DeepEqual(got, w) {
				t.Fatalf("frame %d: %+v %v, want %+v", i, got, err, w)
			}
		}
		if _, err := r.ReadClient(); err != io.EOF { //nolint:errorlint // io.EOF must come back unwrapped
			t.Fatalf("end: %v", err)
		}
	})
}

// TestGoldenVectors_Header spot-checks the file against the protocol table
// by offset, so a bug shared by the generator and the codec still shows.
func TestGoldenVectors_Header(t *testing.T) {
	for _, v := range loadVectors(t) {
		if v.Name != "login" {
			continue
		}
		const want = "00002328" + "00000001" + "00000001" + "00000000" + "00002710" + "00000008"
		if v.Hex[:len(want)] != want {
			t.Errorf("login header %s, want prefix %s", v.Hex[:56], want)
		}
		return
	}
	t.Fatal("no login vector")
}
