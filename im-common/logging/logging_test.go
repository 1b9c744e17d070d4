package logging_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/whaleim/whaleim/im-common/logging"
)

func TestRedactsSecrets(t *testing.T) {
	var b bytes.Buffer
	log := logging.New(&b, "json", "debug")
	log.Info("login", "userSign", "eJyrVg", "appSecret", "s3", "user", "alice")
	out := b.String()
	if strings.Contains(out, "eJyrVg") || strings.Contains(out, `"s3"`) {
		t.Errorf("secret leaked: %s", out)
	}
	if !strings.Contains(out, "alice") || !strings.Contains(out, logging.Redacted) {
		t.Errorf("unexpected output: %s", out)
	}
}

func TestLevels(t *testing.T) {
	tests := []struct {
		level string
		debug bool
	}{{"debug", true}, {"info", false}, {"nonsense", false}, {"error", false}}
	for _, tt := range tests {
		var b bytes.Buffer
		logging.New(&b, "text", tt.level).Debug("x")
		if (b.Len() > 0) != tt.debug {
			t.Errorf("level %s: debug logged = %v", tt.level, b.Len() > 0)
		}
	}
}
