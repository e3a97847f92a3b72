//go:build !race

package router

import (
	"context"
	"testing"
)

// TestNoRaceExecZeroAlloc pins the hot path with statistics on: a warm
// session running a pipeline of GETs and SETs, and single commands,
// allocates nothing.
func TestNoRaceExecZeroAlloc(t *testing.T) {
	r := newRouter(t, 2)
	s := r.NewSessionFor(TransportRESP)
	ctx := context.Background()
	var cmds [][][]byte
	for _, k := range []string{"a", "b", "c", "d"} {
		cmds = append(cmds, argv("set", k, "v"), argv("get", k), argv("ping"))
	}
	one := [][][]byte{argv("get", "a")}
	run := func() {
		s.Exec(ctx, cmds)
		s.Exec(ctx, one)
	}
	run()
	if a := testing.AllocsPerRun(200, run); a != 0 {
		t.Fatalf("%.1f allocations per run, want 0", a)
	}
}
