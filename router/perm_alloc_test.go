//go:build !race

package router

import "testing"

// TestNoRaceAllowedZeroAlloc: the permission check runs per command for
// read-only credentials, so it must not allocate.
func TestNoRaceAllowedZeroAlloc(t *testing.T) {
	for _, cmd := range [][][]byte{
		{[]byte("config"), []byte("GET"), []byte("*")},
		{[]byte("GET"), []byte("k")},
		{[]byte("CLIENT"), []byte("list")},
	} {
		if n := testing.AllocsPerRun(100, func() { Allowed(PermRead, cmd) }); n != 0 {
			t.Fatalf("Allowed(%q) allocates %v times", cmd, n)
		}
	}
}
