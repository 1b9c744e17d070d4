package main

import (
	"io"
	"strings"
	"testing"
)

func TestParseConfig(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"defaults with a secret", []string{"-secret", "s"}, ""},
		{"broker only needs no secret", []string{"-scenarios", "broker"}, ""},
		{"no secret", []string{"-scenarios", "pairs"}, "-secret"},
		{"unknown scenario", []string{"-secret", "s", "-scenarios", "pairs,chaos"}, "chaos"},
		{"bad rate", []string{"-secret", "s", "-pair-rates", "100,fast"}, "fast"},
		{"zero rate", []string{"-secret", "s", "-g200-rates", "0"}, "not a positive rate"},
		{"bad transport", []string{"-secret", "s", "-transport", "quic"}, "quic"},
		{"bad pid", []string{"-secret", "s", "-procs", "im-tcp=abc"}, "not a pid"},
		{"tiny body", []string{"-secret", "s", "-body", "8"}, "-body"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("IM_APP_SECRET", "")
			_, err := parseConfig(tc.args, io.Discard)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("unexpected error %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("error %v, want one mentioning %q", err, tc.wantErr)
			}
		})
	}
}

func TestParseProcs(t *testing.T) {
	ps, err := parseProcs("im-tcp=12+13,beam.smp")
	if err != nil || len(ps) != 2 || ps[0].name != "im-tcp" || len(ps[0].pids) != 2 || ps[0].pids[1] != 13 ||
		ps[1].name != "beam.smp" || ps[1].pids != nil {
		t.Fatalf("parseProcs = %+v, %v", ps, err)
	}
}

func TestParseStat(t *testing.T) {
	tests := []struct {
		name string
		stat string
		want float64
		err  bool
	}{
		{"plain", "42 (im-tcp) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 8 0 100", 3.0, false},
		{"name with spaces and parens", "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 10 5 0 0", 0.15, false},
		{"truncated", "7 (x) R 1 2", 0, true},
		{"no name", "garbage", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseStatCPU([]byte(tc.stat))
			if (err != nil) != tc.err || (err == nil && (got < tc.want-1e-9 || got > tc.want+1e-9)) {
				t.Fatalf("parseStatCPU = %v, %v; want %v (err %v)", got, err, tc.want, tc.err)
			}
		})
	}
	if rss := parseStatusRSS([]byte("Name:\tx\nVmRSS:\t  2048 kB\n")); rss != 2048*1024 {
		t.Fatalf("rss %d", rss)
	}
}

func TestSampleSelf(t *testing.T) {
	u := sample(nil)["imbench"]
	if u.Processes != 1 || u.RSSBytes <= 0 {
		t.Fatalf("own usage %+v", u)
	}
}
