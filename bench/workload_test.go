package bench

import "testing"

func TestKeysAndValue(t *testing.T) {
	ks := Keys("k:", 1000)
	seen := map[string]bool{}
	for _, k := range ks {
		seen[string(k)] = true
	}
	if len(seen) != 1000 || string(ks[42]) != "k:42" {
		t.Fatalf("keys: %d distinct, ks[42]=%q", len(seen), ks[42])
	}
	if v := Value(30); len(v) != 30 || v[0] != 'a' || v[26] != 'a' || v[25] != 'z' {
		t.Fatalf("value: %q", v)
	}
}
