package router

import (
	"context"
	"runtime"
	"strings"
	"testing"

	"github.com/memshard/memshard/shard/reply"
)

// TestReplyLimitExec: a MULTI of 200 GETs of a 256 KiB value (50 MiB of
// replies) under a 1 MiB reply limit runs whole — the INCRs before and
// after the GETs both apply — and EXEC answers the limit's error; the heap
// grows by far less than the replies' sum. Under the limit, EXEC answers
// as before.
func TestReplyLimitExec(t *testing.T) {
	r := newRouter(t, 3)
	s := r.NewSession()
	const limitErr = "ERR reply exceeds test-limit (1048576 bytes)"
	s.SetReplyLimit(1<<20, limitErr)
	do(t, s, "SET", "big", strings.Repeat("v", 256<<10))

	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	do(t, s, "MULTI")
	do(t, s, "INCR", "n")
	for range 200 {
		do(t, s, "GET", "big")
	}
	do(t, s, "INCR", "n")
	got := s.Do(context.Background(), argv("EXEC"))
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if got.Kind != reply.KindError || !strings.HasPrefix(string(got.Str), limitErr+"; the transaction was applied") {
		t.Fatalf("EXEC over the limit: %v", got)
	}
	if n := do(t, s, "GET", "n"); n != `"2"` {
		t.Fatalf("the transaction did not run whole: n = %s", n)
	}
	// Allocated, not live: what the EXEC made at all. The replies' sum is
	// 50 MiB; each dropped reply is garbage at once, but total allocation
	// counts it, so bound the live heap instead.
	runtime.GC()
	var live runtime.MemStats
	runtime.ReadMemStats(&live)
	if grown := int64(live.HeapAlloc) - int64(before.HeapAlloc); grown > 8<<20 {
		t.Fatalf("live heap grew %d MiB after EXEC", grown>>20)
	}
	t.Logf("EXEC of 50 MiB of replies under a 1 MiB limit: %d MiB allocated in all", (after.TotalAlloc-before.TotalAlloc)>>20)

	do(t, s, "MULTI")
	do(t, s, "GET", "big")
	do(t, s, "GET", "n")
	if got := s.Do(context.Background(), argv("EXEC")); got.Kind != reply.KindArray || len(got.Arr) != 2 || len(got.Arr[0].Str) != 256<<10 {
		t.Fatalf("EXEC under the limit: kind %v, %d replies", got.Kind, len(got.Arr))
	}
}

// TestReplyLimitAtomic: an all-or-nothing batch whose replies pass the
// limit applies nothing (the SET before the GETs is rolled back) and names
// the command that passed it.
func TestReplyLimitAtomic(t *testing.T) {
	r := newRouter(t, 3)
	s := r.NewSession()
	s.SetReplyLimit(1<<20, "ERR over")
	do(t, s, "SET", "big", strings.Repeat("v", 300<<10))
	cmds := [][][]byte{argv("SET", "k", "new")}
	for range 10 {
		cmds = append(cmds, argv("GET", "big"))
	}
	_, failed, rep := s.ExecAtomic(context.Background(), cmds)
	if failed != 4 || string(rep.Str) != "ERR over" {
		t.Fatalf("ExecAtomic: failed %d, %v", failed, rep)
	}
	if got := do(t, s, "EXISTS", "k"); got != "(integer) 0" {
		t.Fatalf("the batch over the limit applied its SET: EXISTS k = %s", got)
	}
	replies, failed, _ := s.ExecAtomic(context.Background(), cmds[:3])
	if failed != -1 || len(replies) != 3 {
		t.Fatalf("ExecAtomic under the limit: failed %d", failed)
	}
}
