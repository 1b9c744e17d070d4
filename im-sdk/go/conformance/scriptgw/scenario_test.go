package scriptgw

import (
	"testing"
)

func TestEveryScenarioLoads(t *testing.T) {
	scs, err := LoadDir("../../../conformance/scenarios")
	if err != nil {
		t.Fatal(err)
	}
	if len(scs) < 10 {
		t.Fatalf("%d scenarios, want the whole suite", len(scs))
	}
	names := map[string]bool{}
	for _, sc := range scs {
		if names[sc.Name] {
			t.Errorf("scenario name %q used twice", sc.Name)
		}
		names[sc.Name] = true
		if n := len(sc.Events); n == 0 || sc.Events[n-1]["state"] != "closed" {
			t.Errorf("%s: the log must end with state closed", sc.Name)
		}
	}
}
