//go:build !race

package shard

import (
	"strconv"
	"testing"
)

// TestNoRaceCommandAllocs pins the commands of the hot path to zero
// allocations (the race detector allocates, hence the build tag).
func TestNoRaceCommandAllocs(t *testing.T) {
	ks, _ := newTestKeyspace(t)
	for i := 0; i < 1000; i++ {
		k := strconv.Itoa(i)
		Set(ks, [][]byte{nil, []byte("key:" + k), []byte("value-" + k)})
		Set(ks, [][]byte{nil, []byte("n:" + k), []byte("1000000")})
	}
	cases := []struct {
		name string
		args []string
	}{
		{"GET hit", []string{"GET", "key:1"}},
		{"GET miss", []string{"GET", "nokey"}},
		{"SET existing", []string{"SET", "key:2", "value-x"}},
		{"SET EX existing", []string{"SET", "key:3", "value-y", "EX", "100"}},
		{"SET GET existing", []string{"SET", "key:4", "value-z", "GET"}},
		{"INCR", []string{"INCR", "n:1"}},
		{"INCRBY", []string{"INCRBY", "n:2", "-5"}},
		{"EXISTS", []string{"EXISTS", "key:1", "nokey"}},
		{"DEL missing", []string{"DEL", "nokey"}},
		{"TTL", []string{"TTL", "key:3"}},
		{"EXPIRE", []string{"EXPIRE", "key:5", "100"}},
		{"STRLEN", []string{"STRLEN", "key:1"}},
		{"GETRANGE", []string{"GETRANGE", "key:1", "0", "3"}},
		{"TYPE", []string{"TYPE", "key:1"}},
	}
	for _, c := range cases {
		args := make([][]byte, len(c.args))
		for i, a := range c.args {
			args[i] = []byte(a)
		}
		h := testHandlers[c.args[0]]
		ks.arena = make([]byte, 0, 4096)
		n := testing.AllocsPerRun(1000, func() {
			ks.ResetArena()
			if r := h(ks, args); r.IsError() {
				t.Fatalf("%s: %s", c.name, r)
			}
		})
		if n != 0 {
			t.Errorf("%s: %.1f allocations per run, want 0", c.name, n)
		}
	}
}
