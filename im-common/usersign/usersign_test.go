package usersign_test

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/errcode"
	"github.com/whaleim/whaleim/im-common/usersign"
)

var (
	secret = []byte("s3cret")
	now    = time.Unix(1764000000, 0)
)

func sign(t *testing.T, sec []byte, app uint32, id string, at time.Time, exp time.Duration) string {
	t.Helper()
	s, err := usersign.Generate(sec, app, id, at, exp)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestVerify(t *testing.T) {
	good := sign(t, secret, 10000, "alice", now, time.Hour)
	zipBomb := func() string {
		var b bytes.Buffer
		zw := zlib.NewWriter(&b)
		zw.Write(bytes.Repeat([]byte{' '}, 1<<20))
		zw.Close()
		return base64.StdEncoding.EncodeToString(b.Bytes())
	}()
	tests := []struct {
		name string
		sign string
		sec  []byte
		app  uint32
		id   string
		at   time.Time
		want *errcode.Error
	}{
		{"valid", good, secret, 10000, "alice", now, nil},
		{"valid any identity", good, secret, 10000, "", now.Add(59 * time.Minute), nil},
		{"missing", "", secret, 10000, "alice", now, errcode.SignMissing},
		{"wrong secret", good, []byte("other"), 10000, "alice", now, errcode.SignInvalid},
		{"other app", good, secret, 10001, "alice", now, errcode.AppMismatch},
		{"other user", good, secret, 10000, "bob", now, errcode.IdentityMismatch},
		{"expired", good, secret, 10000, "alice", now.Add(time.Hour), errcode.SignExpired},
		{"zero expiry", sign(t, secret, 10000, "alice", now, 0), secret, 10000, "alice", now, errcode.SignExpired},
		{"future", sign(t, secret, 10000, "alice", now.Add(time.Hour), 2*time.Hour), secret, 10000, "alice", now, errcode.SignInvalid},
		{"garbage", "!!!", secret, 10000, "alice", now, errcode.SignInvalid},
		{"not zlib", base64.StdEncoding.EncodeToString([]byte("hello")), secret, 10000, "alice", now, errcode.SignInvalid},
		{"zip bomb", zipBomb, secret, 10000, "alice", now, errcode.SignInvalid},
		{"too long", strings.Repeat("A", usersign.MaxSignLen+1), secret, 10000, "alice", now, errcode.SignInvalid},
		{"tampered", good[:len(good)-6] + "AAAAAA", secret, 10000, "alice", now, errcode.SignInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := usersign.Verify(tt.sign, tt.sec, tt.app, tt.id, tt.at)
			if tt.want == nil {
				if err != nil || c.Identifier != "alice" || c.AppID != 10000 {
					t.Fatalf("Verify = %+v, %v", c, err)
				}
				return
			}
			if !errors.Is(err, tt.want) {
				t.Fatalf("Verify err = %v, want %v", err, tt.want)
			}
			if !usersign.IsAuthError(err) {
				t.Errorf("IsAuthError(%v) = false", err)
			}
		})
	}
}

func TestParse_NamesApp(t *testing.T) {
	c, err := usersign.Parse(sign(t, secret, 42, "bob", now, time.Minute))
	if err != nil || c.AppID != 42 || c.Identifier != "bob" || !c.Expires().Equal(now.Add(time.Minute)) {
		t.Fatalf("Parse = %+v, %v", c, err)
	}
}

func FuzzVerify(f *testing.F) {
	f.Add(sign(&testing.T{}, secret, 1, "a", now, time.Hour))
	f.Add("eJyrVgrxCFayUkpMy0nVUcrNTFGyMjSwNDQwMDU2NzEyNTIwMNBRSs7PS0tNLlGyUsrMS8-3VqoFAP0kDm4_")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = usersign.Verify(s, secret, 0, "", now)
	})
}

func TestVerify_MaxLifetime(t *testing.T) {
	tests := []struct {
		name   string
		expire time.Duration
		max    time.Duration
		want   *errcode.Error
	}{
		{"within", 30 * 24 * time.Hour, 30 * 24 * time.Hour, nil},
		{"over", 30*24*time.Hour + time.Second, 30 * 24 * time.Hour, errcode.SignInvalid},
		{"ten years", 10 * 365 * 24 * time.Hour, 180 * 24 * time.Hour, errcode.SignInvalid},
		{"no bound", 10 * 365 * 24 * time.Hour, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sign(t, secret, 10000, "alice", now, tt.expire)
			_, err := usersign.Verify(s, secret, 10000, "alice", now, usersign.MaxLifetime(tt.max))
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("Verify err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestVerifyAny(t *testing.T) {
	current, previous := []byte("current-secret-0123"), []byte("previous-secret-0123")
	tests := []struct {
		name    string
		made    []byte
		life    time.Duration
		secrets [][]byte
		want    *errcode.Error
		detail  string
	}{
		{"current", current, time.Hour, [][]byte{current, previous}, nil, ""},
		{"previous in its window", previous, time.Hour, [][]byte{current, previous}, nil, ""},
		{"previous after its window", previous, time.Hour, [][]byte{current}, errcode.SignInvalid, "signature mismatch"},
		{"expired under the previous secret", previous, -time.Minute, [][]byte{current, previous}, errcode.SignExpired, ""},
		{"no secret", current, time.Hour, nil, errcode.SignInvalid, "signature mismatch"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			at, life := now, tt.life
			if life < 0 {
				at, life = now.Add(-2*time.Hour), time.Hour
			}
			s := sign(t, tt.made, 10000, "alice", at, life)
			c, err := usersign.VerifyAny(s, tt.secrets, 10000, "alice", now)
			if tt.want == nil && (err != nil || c.Identifier != "alice") || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("VerifyAny = %+v, %v; want %v", c, err, tt.want)
			}
			if tt.detail != "" && !strings.Contains(err.Error(), tt.detail) {
				t.Errorf("err %v, want %q", err, tt.detail)
			}
		})
	}
}
