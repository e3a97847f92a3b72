package router

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
)

func ver(t *testing.T, s *Session, key string) uint64 {
	t.Helper()
	r := s.KVGet(context.Background(), []byte(key))
	if r.Err.Kind != 0 {
		t.Fatalf("KVGet %s: %s", key, r.Err)
	}
	return r.Ver
}

func TestVersionsGrowWithEveryWrite(t *testing.T) {
	r := newRouter(t, 2)
	s := r.NewSession()
	if v := ver(t, s, "a"); v != 0 {
		t.Fatalf("missing key has version %d", v)
	}
	last := uint64(0)
	writes := [][]string{
		{"set", "a", "1"}, {"incr", "a"}, {"append", "a", "x"}, {"expire", "a", "100"},
		{"persist", "a"}, {"setrange", "a", "0", "z"}, {"set", "a", "two", "keepttl"},
	}
	for _, w := range writes {
		do(t, s, w...)
		v := ver(t, s, "a")
		if v <= last {
			t.Fatalf("after %v version %d, not above %d", w, v, last)
		}
		last = v
	}
	// Reads and failed writes leave the version alone.
	for _, c := range [][]string{{"get", "a"}, {"incr", "a"}, {"set", "a", "3", "nx"}, {"ttl", "a"}} {
		do(t, s, c...)
		if v := ver(t, s, "a"); v != last {
			t.Fatalf("%v changed the version %d → %d", c, last, v)
		}
	}
	if r.Seq() < last {
		t.Fatalf("router seq %d below a key's version %d", r.Seq(), last)
	}
	do(t, s, "del", "a")
	if v := ver(t, s, "a"); v != 0 {
		t.Fatalf("deleted key has version %d", v)
	}
}

func TestVersionsOfOneCommandAndOneTransaction(t *testing.T) {
	r := newRouter(t, 4)
	s := r.NewSession()
	ks := keysOnShards(r, 2)
	same0, same1, other := ks[0][0], ks[0][1], ks[1][0]
	do(t, s, "mset", same0, "1", same1, "2")
	if a, b := ver(t, s, same0), ver(t, s, same1); a != b || a == 0 {
		t.Fatalf("one MSET on one shard: versions %d and %d", a, b)
	}
	// MULTI/EXEC across shards: one number for every key it wrote.
	do(t, s, "multi")
	do(t, s, "set", same0, "x")
	do(t, s, "set", other, "y")
	do(t, s, "exec")
	if a, b := ver(t, s, same0), ver(t, s, other); a != b || a <= ver(t, s, same1) {
		t.Fatalf("transaction versions %d and %d (earlier write %d)", a, b, ver(t, s, same1))
	}
	// A cross-shard MSET is one transaction too.
	do(t, s, "mset", same1, "p", other, "q")
	if a, b := ver(t, s, same1), ver(t, s, other); a != b {
		t.Fatalf("cross-shard MSET versions %d and %d", a, b)
	}
}

func TestKVConditionalWrites(t *testing.T) {
	r := newRouter(t, 2)
	s := r.NewSession()
	ctx := context.Background()
	k := []byte("doc")
	if res := s.KVPut(ctx, k, []byte("v1"), CondExists, 0, 0); res.OK || res.Ver != 0 {
		t.Fatalf("If-Match * on a missing key: %+v", res)
	}
	p := s.KVPut(ctx, k, []byte("v1"), CondAbsent, 0, 0)
	if !p.OK || p.Ver == 0 {
		t.Fatalf("create: %+v", p)
	}
	if res := s.KVPut(ctx, k, []byte("v2"), CondAbsent, 0, 0); res.OK || res.Ver != p.Ver {
		t.Fatalf("create over an existing key: %+v", res)
	}
	if res := s.KVPut(ctx, k, []byte("v2"), CondMatch, p.Ver+1, 0); res.OK || res.Ver != p.Ver {
		t.Fatalf("stale version: %+v", res)
	}
	p2 := s.KVPut(ctx, k, []byte("v2"), CondMatch, p.Ver, 5000)
	if !p2.OK || p2.Ver <= p.Ver {
		t.Fatalf("matching version: %+v", p2)
	}
	if g := s.KVGet(ctx, k); string(g.Value) != "v2" || g.Ver != p2.Ver || !g.Found {
		t.Fatalf("get: %+v", g)
	}
	if ttl := do(t, s, "pttl", "doc"); ttl == "(integer) -1" {
		t.Fatalf("ttl not set: %s", ttl)
	}
	if d := s.KVDelete(ctx, k, CondMatch, p.Ver); d.OK || d.Ver != p2.Ver {
		t.Fatalf("delete with a stale version: %+v", d)
	}
	if d := s.KVDelete(ctx, k, CondMatch, p2.Ver); !d.OK {
		t.Fatalf("delete: %+v", d)
	}
	if d := s.KVDelete(ctx, k, CondAny, 0); d.OK {
		t.Fatalf("delete of a missing key: %+v", d)
	}
	if g := s.KVGet(ctx, k); g.Found {
		t.Fatalf("deleted key found: %+v", g)
	}
}

// Concurrent compare-and-swap increments: every increment that reports
// success must be counted exactly once.
func TestKVCompareAndSwapRace(t *testing.T) {
	r := newRouter(t, 2)
	ctx := context.Background()
	const workers, tries = 4, 200
	var wg sync.WaitGroup
	wins := make([]int, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := r.NewSession()
			for range tries {
				g := s.KVGet(ctx, []byte("ctr"))
				n := 0
				if g.Found {
					fmt.Sscan(string(g.Value), &n)
				}
				cond := CondMatch
				if res := s.KVPut(ctx, []byte("ctr"), fmt.Append(nil, n+1), cond, g.Ver, 0); res.OK {
					wins[w]++
				}
			}
		}()
	}
	wg.Wait()
	total := 0
	for _, n := range wins {
		total += n
	}
	s := r.NewSession()
	if got := do(t, s, "get", "ctr"); got != fmt.Sprintf("%q", fmt.Sprint(total)) {
		t.Fatalf("counter %s, successful swaps %d", got, total)
	}
	t.Logf("%d successful swaps of %d tries", total, workers*tries)
}

func TestExecChecked(t *testing.T) {
	r := newRouter(t, 4)
	s := r.NewSession()
	ctx := context.Background()
	ks := keysOnShards(r, 1)
	a, b := ks[0][0], ks[1][0]
	do(t, s, "set", a, "1")
	va := ver(t, s, a)

	res := s.ExecChecked(ctx, []Check{{Key: []byte(a), Ver: va + 7}, {Key: []byte(b), Ver: 0}},
		[][][]byte{argv("set", b, "x")})
	if len(res.Failed) != 1 || string(res.Failed[0].Key) != a || res.Failed[0].Current != va || res.Replies != nil {
		t.Fatalf("failed check: %+v", res)
	}
	if got := do(t, s, "exists", b); got != "(integer) 0" {
		t.Fatalf("a failed check still ran the commands: exists %s", got)
	}

	res = s.ExecChecked(ctx, []Check{{Key: []byte(a), Ver: va}, {Key: []byte(b), Ver: 0}},
		[][][]byte{argv("incr", a), argv("set", b, "x"), argv("get", b)})
	if len(res.Failed) != 0 || res.ErrIndex != -1 || len(res.Replies) != 3 || res.Replies[2].String() != `"x"` {
		t.Fatalf("passing checks: %+v", res)
	}
	if ver(t, s, a) != res.Seq || ver(t, s, b) != res.Seq {
		t.Fatalf("keys written by the batch: versions %d %d, batch %d", ver(t, s, a), ver(t, s, b), res.Seq)
	}

	// A run-time failure restores values and versions.
	before := ver(t, s, a)
	res = s.ExecChecked(ctx, []Check{{Key: []byte(a), Ver: before}},
		[][][]byte{argv("set", a, "5"), argv("incr", b)})
	if res.ErrIndex != 1 {
		t.Fatalf("failing command: %+v", res)
	}
	if got, v := do(t, s, "get", a), ver(t, s, a); got != `"2"` || v != before {
		t.Fatalf("after rollback: %s version %d, want \"2\" version %d", got, v, before)
	}
}

func TestKeysWithPrefix(t *testing.T) {
	r := newRouter(t, 3)
	s := r.NewSession()
	ctx := context.Background()
	var want []string
	for i := range 50 {
		k := fmt.Sprintf("user:%02d", i)
		want = append(want, k)
		do(t, s, "set", k, "v")
		do(t, s, "set", fmt.Sprintf("order:%d", i), "v")
	}
	do(t, s, "set", "user:gone", "v", "px", "1")
	keys, err := s.KeysWithPrefix(ctx, []byte("user:"), 0)
	if err.Kind != 0 {
		t.Fatal(err)
	}
	got := make([]string, len(keys))
	for i, k := range keys {
		got[i] = string(k)
	}
	if !slices.Equal(got, want) && !slices.Equal(got, append(slices.Clone(want), "user:gone")) {
		t.Fatalf("keys: %v", got)
	}
	keys, _ = s.KeysWithPrefix(ctx, []byte("user:"), 5)
	if len(keys) != 5 || string(keys[0]) != "user:00" || string(keys[4]) != "user:04" {
		t.Fatalf("limited keys: %q", keys)
	}
	n, err := s.DeletePrefix(ctx, []byte("order:"))
	if err.Kind != 0 || n != 50 {
		t.Fatalf("deleted %d (%s)", n, err)
	}
	if got := do(t, s, "dbsize"); got != "(integer) 50" && got != "(integer) 51" {
		t.Fatalf("dbsize after delete: %s", got)
	}
}

func TestKVCounted(t *testing.T) {
	r := newRouter(t, 2)
	s := r.NewSession()
	ctx := context.Background()
	s.KVPut(ctx, []byte("a"), []byte("1"), CondAny, 0, 0)
	s.KVPut(ctx, []byte("a"), []byte("1"), CondAbsent, 0, 0) // condition fails: still one call
	s.KVGet(ctx, []byte("a"))
	s.KVDelete(ctx, []byte("a"), CondAny, 0)
	s.KeysWithPrefix(ctx, nil, 0)
	s.DeletePrefix(ctx, []byte("x"))
	want := map[string]uint64{"kv.put": 2, "kv.get": 1, "kv.delete": 1, "kv.list": 1, "kv.deleteprefix": 1}
	cmds, _ := r.CommandStats()
	for _, c := range cmds {
		if n, ok := want[c.Name]; ok {
			if c.Calls != n || c.Errors != 0 || c.Transport != TransportEmbedded {
				t.Errorf("%s: %+v, want %d calls", c.Name, c, n)
			}
			delete(want, c.Name)
		}
	}
	if len(want) != 0 {
		t.Fatalf("not counted: %v", want)
	}
}
