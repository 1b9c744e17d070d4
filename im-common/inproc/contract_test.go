package inproc_test

import (
	"log/slog"
	"os"
	"testing"

	"github.com/whaleim/whaleim/im-common/inproc"
	"github.com/whaleim/whaleim/im-common/mq/mqtest"
)

func TestMain(m *testing.M) {
	mqtest.ServeChild(openDir)
	os.Exit(m.Run())
}

func openDir(dir, dead string) (mqtest.Queue, func() error, error) {
	b, err := inproc.Open(slog.New(slog.DiscardHandler), inproc.WithDataFolder(dir), inproc.WithDeadLetterExchange(dead))
	if err != nil {
		return nil, nil, err
	}
	return b, b.Close, nil
}

func testLog(t testing.TB) *slog.Logger { return slog.New(slog.NewTextHandler(t.Output(), nil)) }

func TestContract_Memory(t *testing.T) {
	mqtest.Run(t, func(t *testing.T, dead string) mqtest.Queue {
		b, err := inproc.Open(testLog(t), inproc.WithDeadLetterExchange(dead))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	})
}

func TestContract_DataFolder(t *testing.T) {
	mqtest.Run(t, func(t *testing.T, dead string) mqtest.Queue {
		b, err := inproc.Open(testLog(t), inproc.WithDataFolder(t.TempDir()), inproc.WithDeadLetterExchange(dead))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		return b
	})
}

func TestContract_Durable(t *testing.T) { mqtest.RunDurable(t, openDir) }
