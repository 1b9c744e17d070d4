package usersign_test

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/usersign"
)

// vector is one sign made by testdata/vectors.py, an independent Python
// implementation of Tencent's TLSSigAPIv2 and of IM-WhaleShark's SigAPI.
type vector struct {
	Format     string `json:"format"`
	Name       string `json:"name"`
	Secret     string `json:"secret"`
	AppID      uint32 `json:"appId"`
	Identifier string `json:"identifier"`
	Time       int64  `json:"time"`
	Expire     int64  `json:"expire"`
	Sign       string `json:"sign"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	raw, err := os.ReadFile("testdata/vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var vs []vector
	if err := json.Unmarshal(raw, &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) < 4 {
		t.Fatalf("%d vectors, want at least 4", len(vs))
	}
	return vs
}

func TestIndependentVectorsVerify(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Format+"/"+v.Name, func(t *testing.T) {
			at := time.Unix(v.Time, 0).Add(time.Minute)
			var opts []usersign.Option
			if v.Format == "whaleshark" {
				opts = append(opts, usersign.WhaleSharkFormat())
			}
			c, err := usersign.Verify(v.Sign, []byte(v.Secret), v.AppID, v.Identifier, at, opts...)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			want := usersign.Claims{AppID: v.AppID, Identifier: v.Identifier, Issued: time.Unix(v.Time, 0), Expire: time.Duration(v.Expire) * time.Second}
			if c != want {
				t.Fatalf("claims %+v, want %+v", c, want)
			}
			if _, err := usersign.Verify(v.Sign, []byte(v.Secret+"x"), v.AppID, v.Identifier, at, opts...); !errors.Is(err, errcode.SignInvalid) {
				t.Fatalf("wrong secret: %v, want SignInvalid", err)
			}
			if _, err := usersign.Verify(v.Sign, []byte(v.Secret), v.AppID, v.Identifier, at.Add(time.Duration(v.Expire)*time.Second), opts...); !errors.Is(err, errcode.SignExpired) {
				t.Fatalf("after expiry: %v, want SignExpired", err)
			}
		})
	}
}

func TestWhaleSharkFormatIsOptIn(t *testing.T) {
	for _, v := range loadVectors(t) {
		if v.Format != "whaleshark" {
			continue
		}
		_, err := usersign.Verify(v.Sign, []byte(v.Secret), v.AppID, v.Identifier, time.Unix(v.Time, 0))
		if !errors.Is(err, errcode.SignInvalid) {
			t.Fatalf("without the option: %v, want SignInvalid", err)
		}
	}
}

// A sign whose userbuf was changed after signing must fail: the userbuf is
// part of the signed content, as in TLSSigAPIv2.
func TestUserBufIsSigned(t *testing.T) {
	for _, v := range loadVectors(t) {
		if v.Name != "userbuf" {
			continue
		}
		tampered := reencode(t, v.Sign, func(m map[string]any) { m["TLS.userbuf"] = "b3RoZXI=" })
		if _, err := usersign.Verify(tampered, []byte(v.Secret), v.AppID, v.Identifier, time.Unix(v.Time, 0)); !errors.Is(err, errcode.SignInvalid) {
			t.Fatalf("tampered userbuf: %v, want SignInvalid", err)
		}
		return
	}
	t.Fatal("no userbuf vector")
}

// reencode decodes sign's token, lets edit change it, and encodes it again
// without re-signing.
func reencode(t *testing.T, sign string, edit func(map[string]any)) string {
	t.Helper()
	fromURL := strings.NewReplacer("*", "+", "-", "/", "_", "=")
	compressed, err := base64.StdEncoding.DecodeString(fromURL.Replace(sign))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zlib.NewReader(bytes.NewReader(compressed))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	raw, _ = json.Marshal(m)
	var buf bytes.Buffer
	zw := zlib.NewWriter(&buf)
	zw.Write(raw)
	zw.Close()
	toURL := strings.NewReplacer("+", "*", "/", "-", "=", "_")
	return toURL.Replace(base64.StdEncoding.EncodeToString(buf.Bytes()))
}

func TestGenerateWhaleSharkRoundTrip(t *testing.T) {
	at := time.Unix(1764000000, 0)
	s, err := usersign.GenerateWhaleShark([]byte("bantanger"), 10000, "lld", at, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	c, err := usersign.Verify(s, []byte("bantanger"), 10000, "lld", at, usersign.WhaleSharkFormat())
	if err != nil || c.Identifier != "lld" || c.AppID != 10000 || !c.Issued.Equal(at) {
		t.Fatalf("Verify = %+v, %v", c, err)
	}
}
