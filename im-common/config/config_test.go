package config_test

import (
	"strings"
	"testing"
	"time"

	"github.com/whaleim/whaleim/im-common/config"
	"github.com/whaleim/whaleim/im-common/mq"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaults(t *testing.T) {
	e := config.NewEnv(env(nil))
	r := config.LoadRabbit(e)
	z := config.LoadZooKeeper(e)
	config.LoadRedis(e)
	config.LoadMySQL(e)
	config.LoadLog(e)
	if err := e.Err(); err != nil {
		t.Fatalf("defaults invalid: %v", err)
	}
	if r.QueueType != mq.Classic || r.UplinkShards != 16 || z.SessionTimeout != 10*time.Second {
		t.Errorf("unexpected defaults %+v %+v", r, z)
	}
}

func TestReportsEveryProblemAtOnce(t *testing.T) {
	e := config.NewEnv(env(map[string]string{
		"IM_RABBIT_URL":         "http://x",
		"IM_RABBIT_QUEUE_TYPE":  "stream",
		"IM_UPLINK_SHARDS":      "many",
		"IM_REDIS_ADDR":         "nohost",
		"IM_ZK_SESSION_TIMEOUT": "-3s",
		"IM_LOG_LEVEL":          "loud",
	}))
	config.LoadRabbit(e)
	config.LoadRedis(e)
	config.LoadZooKeeper(e)
	config.LoadLog(e)
	err := e.Err()
	if err == nil {
		t.Fatal("want errors")
	}
	for _, key := range []string{"IM_RABBIT_URL", "IM_RABBIT_QUEUE_TYPE", "IM_UPLINK_SHARDS", "IM_REDIS_ADDR", "IM_ZK_SESSION_TIMEOUT", "IM_LOG_LEVEL"} {
		if !strings.Contains(err.Error(), key) {
			t.Errorf("error does not name %s:\n%v", key, err)
		}
	}
}

func TestTypedReaders(t *testing.T) {
	tests := []struct {
		name string
		val  string
		ok   bool
	}{{"int", "12", true}, {"int", "x", false}, {"bool", "true", true}, {"bool", "maybe", false},
		{"dur", "1m", true}, {"dur", "soon", false}, {"list", " a, b ,,c", true}}
	for _, tt := range tests {
		e := config.NewEnv(env(map[string]string{"K": tt.val}))
		switch tt.name {
		case "int":
			e.Int("K", 0)
		case "bool":
			e.Bool("K", false)
		case "dur":
			e.Duration("K", 0)
		case "list":
			if got := e.List("K", nil); strings.Join(got, "|") != "a|b|c" {
				t.Errorf("List = %q", got)
			}
		}
		if (e.Err() == nil) != tt.ok {
			t.Errorf("%s %q: err = %v", tt.name, tt.val, e.Err())
		}
	}
	e := config.NewEnv(env(nil))
	e.Required("IM_SECRET")
	if e.Err() == nil || !strings.Contains(e.Err().Error(), "IM_SECRET: required") {
		t.Errorf("Required: %v", e.Err())
	}
}
