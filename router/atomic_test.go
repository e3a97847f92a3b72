package router

import (
	"context"
	"testing"

	"github.com/memshard/memshard/shard/reply"
)

func TestExecAtomicAllOrNothing(t *testing.T) {
	r := newRouter(t, 4)
	s := r.NewSession()
	ks := keysOnShards(r, 1)
	a, b, c := ks[0][0], ks[1][0], ks[2][0]
	do(t, s, "set", b, "old", "ex", "1000")
	do(t, s, "set", c, "7")
	ctx := context.Background()

	// A runtime failure in the middle: everything before it is undone.
	cmds := [][][]byte{
		argv("set", a, "1"),
		argv("set", b, "new"),
		argv("rename", c, "moved"),
		argv("incr", b), // b holds "new": not an integer
		argv("set", "never", "x"),
	}
	reps, failed, errRep := s.ExecAtomic(ctx, cmds)
	if reps != nil || failed != 3 || errRep.String() != "(error) ERR value is not an integer or out of range" {
		t.Fatalf("got %v, failed %d, %s", reps, failed, errRep)
	}
	for _, st := range [][2]string{
		{"exists " + a + " never moved", "(integer) 0"},
		{"get " + b, `"old"`},
		{"get " + c, `"7"`},
	} {
		if got := do(t, s, splitWords(st[0])...); got != st[1] {
			t.Fatalf("after rollback %s: %s want %s", st[0], got, st[1])
		}
	}
	if ttl := s.Do(ctx, argv("ttl", b)); ttl.Int < 990 {
		t.Fatalf("ttl not restored: %s", ttl)
	}

	// Validation failures apply nothing and name the command.
	for i, bad := range [][][]byte{
		argv("set", a), // wrong arity
		argv("nosuch"),
		argv("flushall"),
		argv("multi"),
		argv("mset", "x"),
	} {
		_, failed, errRep := s.ExecAtomic(ctx, [][][]byte{argv("set", a, "1"), bad})
		if failed != 1 || errRep.Kind != reply.KindError {
			t.Fatalf("case %d: failed %d %s", i, failed, errRep)
		}
		if got := do(t, s, "exists", a); got != "(integer) 0" {
			t.Fatalf("case %d applied something", i)
		}
	}

	// Success: every reply, in order.
	reps, failed, _ = s.ExecAtomic(ctx, [][][]byte{argv("set", a, "5"), argv("incrby", a, "2"), argv("mget", a, b, c)})
	if failed != -1 || len(reps) != 3 || reps[1].Int != 7 || reps[2].String() != `["7", "old", "7"]` {
		t.Fatalf("success: %v %d", reps, failed)
	}
}
