package router

import (
	"context"
	"testing"
)

// BenchmarkExecOne is the cost of one Exec call carrying one GET: the case
// where per-call overhead (accounting, clock reads) weighs the most.
func BenchmarkExecOne(b *testing.B) {
	r := newRouter(b, 1)
	s := r.NewSession()
	ctx := context.Background()
	s.Do(ctx, argv("set", "k", "v"))
	cmd := [][][]byte{argv("get", "k")}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s.Exec(ctx, cmd)
	}
}

// BenchmarkExecLocal64 runs pipelines of 64 PINGs, which the router answers
// without a shard: what is left is the per-command work of Exec itself.
func BenchmarkExecLocal64(b *testing.B) {
	r := newRouter(b, 1)
	s := r.NewSession()
	ctx := context.Background()
	cmds := make([][][]byte, 64)
	for i := range cmds {
		cmds[i] = argv("ping")
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		s.Exec(ctx, cmds)
	}
}
