package mariadb

import (
	"strings"
	"testing"
)

func TestMigrationsOrderedAndInRange(t *testing.T) {
	all, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for i, m := range all {
		if seen[m.Version] || (i > 0 && m.Version <= all[i-1].Version) {
			t.Errorf("version %d duplicated or out of order", m.Version)
		}
		seen[m.Version] = true
		if m.Name == "" || len(m.Statements) == 0 {
			t.Errorf("migration %d: name and statements required", m.Version)
		}
		for _, s := range m.Statements {
			if strings.HasPrefix(s, "CREATE TABLE") && !strings.Contains(s, "utf8mb4") {
				t.Errorf("migration %d: table without utf8mb4", m.Version)
			}
		}
	}
}

func TestTuned(t *testing.T) {
	got, err := tuned("root:@tcp(127.0.0.1:3306)/im?charset=utf8&interpolateParams=false")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"charset=utf8mb4", "collation=utf8mb4_unicode_ci", "interpolateParams=true"} {
		if !strings.Contains(got, want) {
			t.Errorf("dsn = %s, want %s", got, want)
		}
	}
	if _, err := tuned("not a dsn"); err == nil {
		t.Error("tuned(not a dsn) = nil error")
	}
}
