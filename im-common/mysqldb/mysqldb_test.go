package mysqldb_test

import (
	"testing"

	"github.com/whaleim/whaleim/im-common/mysqldb"
)

func TestTuneAndInterpolates(t *testing.T) {
	tests := []struct {
		dsn         string
		interpolate bool
	}{
		{"root:@tcp(127.0.0.1:3306)/im", false},
		{"root:@tcp(127.0.0.1:3306)/im?interpolateParams=true", true},
		{"root:@tcp(127.0.0.1:3306)/im?interpolateParams=false&charset=latin1", false},
		{"not a dsn", false},
	}
	for _, tt := range tests {
		if got := mysqldb.Interpolates(tt.dsn); got != tt.interpolate {
			t.Errorf("Interpolates(%q) = %v", tt.dsn, got)
		}
		cfg, err := mysqldb.Tune(tt.dsn)
		if tt.dsn == "not a dsn" {
			if err == nil {
				t.Errorf("Tune(%q) = nil error", tt.dsn)
			}
			continue
		}
		if err != nil || !cfg.InterpolateParams || cfg.Params["charset"] != "utf8mb4" || !mysqldb.Interpolates(cfg.FormatDSN()) {
			t.Errorf("Tune(%q) = %+v, %v", tt.dsn, cfg, err)
		}
	}
}
