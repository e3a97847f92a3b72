package router

import (
	"context"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/memshard/memshard/shard/reply"
)

func newRouter(tb testing.TB, shards int) *Router {
	tb.Helper()
	r, err := New(Config{Shards: shards, DumpDir: tb.TempDir()})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(r.Close)
	return r
}

func argv(s ...string) [][]byte {
	out := make([][]byte, len(s))
	for i, a := range s {
		out[i] = []byte(a)
	}
	return out
}

// do runs one command and returns its reply rendered as a string.
func do(tb testing.TB, s *Session, args ...string) string {
	tb.Helper()
	return s.Do(context.Background(), argv(args...)).String()
}

// keysOnShards returns n keys per shard: out[shard][i].
func keysOnShards(r *Router, n int) [][]string {
	out := make([][]string, r.Shards())
	for i := 0; ; i++ {
		k := "k" + strconv.Itoa(i)
		sh := r.ShardOf([]byte(k))
		if len(out[sh]) < n {
			out[sh] = append(out[sh], k)
		}
		done := true
		for _, ks := range out {
			done = done && len(ks) == n
		}
		if done {
			return out
		}
	}
}

func TestUnknownAndArity(t *testing.T) {
	r := newRouter(t, 4)
	s := r.NewSession()
	if got, want := do(t, s, "foo", "a", "b"), "(error) ERR unknown command 'foo', with args beginning with: 'a' 'b' "; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	if got, want := do(t, s, "GET"), "(error) ERR wrong number of arguments for 'get' command"; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	if got, want := do(t, s, "mset", "a", "1", "b"), "(error) ERR wrong number of arguments for 'mset' command"; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	if got := do(t, s, "PiNg"); got != "PONG" {
		t.Fatalf("ping: %q", got)
	}
}

func TestCrossShardMultiKey(t *testing.T) {
	r := newRouter(t, 4)
	s := r.NewSession()
	ks := keysOnShards(r, 2)
	var all []string
	for _, k := range ks {
		all = append(all, k...)
	}
	// MSET across every shard, then MGET in a shuffled order with a missing key.
	mset := []string{"mset"}
	for _, k := range all {
		mset = append(mset, k, "v-"+k)
	}
	if got := do(t, s, mset...); got != "OK" {
		t.Fatalf("mset: %s", got)
	}
	rnd := rand.New(rand.NewPCG(1, 2))
	order := append([]string(nil), all...)
	rnd.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	order = append(order[:3], append([]string{"missing"}, order[3:]...)...)
	rep := s.Do(context.Background(), argv(append([]string{"mget"}, order...)...))
	if rep.Kind != reply.KindArray || len(rep.Arr) != len(order) {
		t.Fatalf("mget: %s", rep)
	}
	for i, k := range order {
		want := "v-" + k
		if k == "missing" {
			if rep.Arr[i].Kind != reply.KindNil {
				t.Fatalf("mget[%d] %s: %s", i, k, rep.Arr[i])
			}
			continue
		}
		if string(rep.Arr[i].Str) != want {
			t.Fatalf("mget[%d] %s: %s want %s", i, k, rep.Arr[i], want)
		}
	}
	if got := do(t, s, append([]string{"exists", all[0], all[0], "nope"}, all[1:]...)...); got != "(integer) "+strconv.Itoa(len(all)+1) {
		t.Fatalf("exists: %s", got)
	}
	if got := do(t, s, append([]string{"del", "nope"}, all...)...); got != "(integer) "+strconv.Itoa(len(all)) {
		t.Fatalf("del: %s", got)
	}
	if got := do(t, s, "dbsize"); got != "(integer) 0" {
		t.Fatalf("dbsize: %s", got)
	}
}

func TestCrossShardRenameCopyMsetnx(t *testing.T) {
	r := newRouter(t, 4)
	s := r.NewSession()
	ks := keysOnShards(r, 1)
	a, b, c := ks[0][0], ks[1][0], ks[2][0]
	steps := [][]string{
		{"set", a, "1", "px", "100000"}, {"OK"},
		{"rename", a, b}, {"OK"},
		{"get", b}, {`"1"`},
		{"exists", a}, {"(integer) 0"},
		{"rename", a, c}, {"(error) ERR no such key"},
		{"renamenx", b, c}, {"(integer) 1"},
		{"set", b, "2"}, {"OK"},
		{"renamenx", b, c}, {"(integer) 0"},
		{"copy", c, a}, {"(integer) 1"},
		{"copy", b, a}, {"(integer) 0"},
		{"copy", b, a, "replace"}, {"(integer) 1"},
		{"get", a}, {`"2"`},
		{"copy", b, a, "db", "3"}, {"(error) ERR COPY to another database is not supported"},
		{"copy", b, a, "bogus"}, {"(error) ERR syntax error"},
		{"msetnx", a, "x", "fresh", "y"}, {"(integer) 0"},
		{"get", "fresh"}, {"(nil)"},
		{"del", a, b, c}, {"(integer) 3"},
		{"msetnx", a, "x", b, "y", c, "z"}, {"(integer) 1"},
		{"mget", a, b, c}, {`["x", "y", "z"]`},
	}
	for i := 0; i < len(steps); i += 2 {
		if got := do(t, s, steps[i]...); got != steps[i+1][0] {
			t.Fatalf("%v: got %s want %s", steps[i], got, steps[i+1][0])
		}
	}
	// The TTL moved with the key: c came from a via b.
	if got := s.Do(context.Background(), argv("pttl", c)); got.Kind != reply.KindInt || got.Int <= 0 {
		// c was set by MSETNX afterwards, so it has no TTL now: check on a fresh rename.
		t.Logf("pttl after msetnx: %s", got)
	}
	do(t, s, "set", a, "t", "ex", "1000")
	do(t, s, "rename", a, b)
	if got := s.Do(context.Background(), argv("ttl", b)); got.Int < 999 {
		t.Fatalf("ttl did not move with rename: %s", got)
	}
}

func TestPipelineOrderAcrossBarriers(t *testing.T) {
	r := newRouter(t, 4)
	s := r.NewSession()
	ks := keysOnShards(r, 1)
	a, b := ks[0][0], ks[3][0]
	cmds := [][][]byte{
		argv("set", a, "1"),
		argv("mset", a, "2", b, "2"), // barrier: cross-shard
		argv("get", a),
		argv("incr", a),
		argv("rename", a, b), // barrier
		argv("get", b),
		argv("exists", a),
	}
	reps := s.Exec(context.Background(), cmds)
	want := []string{"OK", "OK", `"2"`, "(integer) 3", "OK", `"3"`, "(integer) 0"}
	for i, w := range want {
		if reps[i].String() != w {
			t.Fatalf("reply %d: got %s want %s", i, reps[i], w)
		}
	}
}

// TestScanCoversEveryShard checks SCAN's guarantee across shards: every key
// present for the whole iteration is returned, while other keys are added
// and removed between calls.
func TestScanCoversEveryShard(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(uint64(seed), 7))
	r := newRouter(t, 4)
	s := r.NewSession()
	const stable = 3000
	pipe := [][][]byte{}
	for i := 0; i < stable; i++ {
		pipe = append(pipe, argv("set", "stable:"+strconv.Itoa(i), "v"))
	}
	s.Exec(context.Background(), pipe)
	checked := 0
	for round := 0; round < 5; round++ {
		seen := map[string]bool{}
		cursor := "0"
		churn := 0
		for {
			rep := s.Do(context.Background(), argv("scan", cursor, "count", strconv.Itoa(1+rnd.IntN(200))))
			if rep.Kind != reply.KindArray {
				t.Fatalf("scan: %s", rep)
			}
			for _, k := range rep.Arr[1].Arr {
				seen[string(k.Str)] = true
			}
			cursor = string(rep.Arr[0].Str)
			// Churn: grow and shrink the tables under the cursor.
			n := rnd.IntN(400)
			for i := 0; i < n; i++ {
				k := "churn:" + strconv.Itoa(rnd.IntN(5000))
				if rnd.IntN(2) == 0 {
					do(t, s, "set", k, "x")
				} else {
					do(t, s, "del", k)
				}
				churn++
			}
			if cursor == "0" {
				break
			}
		}
		for i := 0; i < stable; i++ {
			if !seen["stable:"+strconv.Itoa(i)] {
				t.Fatalf("round %d: stable:%d never returned", round, i)
			}
			checked++
		}
		t.Logf("round %d: %d distinct keys seen, %d churn ops", round, len(seen), churn)
	}
	if checked != 5*stable {
		t.Fatalf("checked %d keys", checked)
	}
	// MATCH and TYPE filter; COUNT validation.
	rep := s.Do(context.Background(), argv("scan", "0", "match", "stable:1?", "count", "100000"))
	var got []string
	for _, k := range rep.Arr[1].Arr {
		got = append(got, string(k.Str))
	}
	sort.Strings(got)
	if len(got) != 10 || got[0] != "stable:10" {
		t.Fatalf("scan match: %v", got)
	}
	for _, bad := range [][]string{{"scan", "x"}, {"scan", "0", "count", "0"}, {"scan", "0", "count"}, {"scan", "0", "foo", "1"}} {
		if rep := s.Do(context.Background(), argv(bad...)); rep.Kind != reply.KindError {
			t.Fatalf("%v: %s", bad, rep)
		}
	}
}

func TestMultiExecBasics(t *testing.T) {
	r := newRouter(t, 4)
	s := r.NewSession()
	ks := keysOnShards(r, 1)
	a, b := ks[0][0], ks[2][0]
	steps := [][2]string{
		{"exec", "(error) ERR EXEC without MULTI"},
		{"discard", "(error) ERR DISCARD without MULTI"},
		{"multi", "OK"},
		{"multi", "(error) ERR MULTI calls can not be nested"},
		{"set " + a + " 1", "QUEUED"},
		{"incr " + b, "QUEUED"},
		{"mget " + a + " " + b, "QUEUED"},
		{"watch " + a, "(error) ERR WATCH inside MULTI is not allowed"},
		{"exec", `[OK, (integer) 1, ["1", "1"]]`},
		{"multi", "OK"},
		{"set " + a, "(error) ERR wrong number of arguments for 'set' command"},
		{"incr " + a, "QUEUED"},
		{"exec", "(error) EXECABORT Transaction discarded because of previous errors."},
		{"get " + a, `"1"`},
		{"multi", "OK"},
		{"incr " + a, "QUEUED"},
		{"discard", "OK"},
		{"get " + a, `"1"`},
		{"multi", "OK"},
		{"set " + a + " x", "QUEUED"},
		{"incr " + a, "QUEUED"},
		{"exec", `[OK, (error) ERR value is not an integer or out of range]`},
	}
	for _, st := range steps {
		if got := do(t, s, splitWords(st[0])...); got != st[1] {
			t.Fatalf("%s: got %s want %s", st[0], got, st[1])
		}
	}
}

func splitWords(s string) []string {
	var out []string
	for _, w := range bytesFields(s) {
		out = append(out, w)
	}
	return out
}

func bytesFields(s string) []string {
	var out []string
	cur := ""
	for _, c := range s {
		if c == ' ' {
			if cur != "" {
				out = append(out, cur)
			}
			cur = ""
			continue
		}
		cur += string(c)
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

func TestWatch(t *testing.T) {
	r := newRouter(t, 4)
	s1, s2 := r.NewSession(), r.NewSession()
	ks := keysOnShards(r, 1)
	a, b := ks[1][0], ks[3][0]
	do(t, s1, "set", a, "1")
	// Untouched watch: EXEC runs.
	do(t, s1, "watch", a, b)
	do(t, s1, "multi")
	do(t, s1, "incr", a)
	if got := do(t, s1, "exec"); got != "[(integer) 2]" {
		t.Fatalf("exec: %s", got)
	}
	// Another session writes a watched key: EXEC returns a nil array.
	do(t, s1, "watch", a, b)
	do(t, s2, "set", b, "x")
	do(t, s1, "multi")
	do(t, s1, "incr", a)
	if got := do(t, s1, "exec"); got != "(nil array)" {
		t.Fatalf("exec after conflict: %s", got)
	}
	if got := do(t, s1, "get", a); got != `"2"` {
		t.Fatalf("a changed: %s", got)
	}
	// EXEC unwatched: the next transaction runs.
	do(t, s2, "set", b, "y")
	do(t, s1, "multi")
	do(t, s1, "incr", a)
	if got := do(t, s1, "exec"); got != "[(integer) 3]" {
		t.Fatalf("exec after unwatch: %s", got)
	}
	// UNWATCH forgets; a watched key that expires aborts (Redis 7).
	do(t, s1, "watch", a)
	do(t, s1, "unwatch")
	do(t, s2, "set", a, "9")
	do(t, s1, "multi")
	if got := do(t, s1, "exec"); got != "[]" {
		t.Fatalf("exec after unwatch: %s", got)
	}
	do(t, s2, "set", a, "1", "px", "30")
	do(t, s1, "watch", a)
	time.Sleep(60 * time.Millisecond)
	do(t, s1, "multi")
	if got := do(t, s1, "exec"); got != "(nil array)" {
		t.Fatalf("exec after watched key expired: %s", got)
	}
	// FLUSHALL touches watched keys that exist.
	do(t, s2, "set", a, "1")
	do(t, s1, "watch", a)
	do(t, s2, "flushall")
	do(t, s1, "multi")
	if got := do(t, s1, "exec"); got != "(nil array)" {
		t.Fatalf("exec after flushall: %s", got)
	}
}

// TestTransactionsAtomicAndIsolated moves money between accounts on every
// shard from many goroutines with MULTI/EXEC, while readers take MULTI
// snapshots of all accounts: every snapshot must sum to the initial total.
func TestTransactionsAtomicAndIsolated(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	r := newRouter(t, 4)
	ks := keysOnShards(r, 2)
	var accounts []string
	for _, k := range ks {
		accounts = append(accounts, k...)
	}
	setup := r.NewSession()
	for _, a := range accounts {
		do(t, setup, "set", a, "1000")
	}
	total := 1000 * len(accounts)
	var wg sync.WaitGroup
	var mu sync.Mutex
	snapshots, transfers := 0, 0
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(uint64(seed), uint64(w)))
			s := r.NewSession()
			defer s.Close()
			for i := 0; i < 300; i++ {
				if w%3 == 0 {
					cmds := [][][]byte{argv("multi"), argv(append([]string{"mget"}, accounts...)...), argv("exec")}
					reps := s.Exec(context.Background(), cmds)
					sum := 0
					for _, v := range reps[2].Arr[0].Arr {
						n, _ := strconv.Atoi(string(v.Str))
						sum += n
					}
					if sum != total {
						t.Errorf("snapshot sum %d want %d", sum, total)
						return
					}
					mu.Lock()
					snapshots++
					mu.Unlock()
					continue
				}
				from, to := accounts[rnd.IntN(len(accounts))], accounts[rnd.IntN(len(accounts))]
				amt := strconv.Itoa(rnd.IntN(50))
				if w%3 == 1 { // the all-or-nothing batch path
					if _, failed, rep := s.ExecAtomic(context.Background(), [][][]byte{argv("decrby", from, amt), argv("incrby", to, amt)}); failed >= 0 {
						t.Errorf("atomic transfer: %s", rep)
						return
					}
				} else {
					reps := s.Exec(context.Background(), [][][]byte{argv("multi"), argv("decrby", from, amt), argv("incrby", to, amt), argv("exec")})
					if reps[3].Kind != reply.KindArray {
						t.Errorf("transfer: %s", reps[3])
						return
					}
				}
				mu.Lock()
				transfers++
				mu.Unlock()
			}
		}(w)
	}
	wg.Wait()
	t.Logf("%d snapshots, %d transfers", snapshots, transfers)
	if snapshots == 0 || transfers == 0 {
		t.Fatal("nothing checked")
	}
}

func TestContextCancelDoesNotLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	r, err := New(Config{Shards: 4})
	if err != nil {
		t.Fatal(err)
	}
	s := r.NewSession()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep := s.Do(ctx, argv("set", "a", "1"))
	t.Logf("cancelled: %s", rep)
	// The session still works after an abandoned batch.
	if got := do(t, s, "set", "b", "2"); got != "OK" {
		t.Fatalf("after cancel: %s", got)
	}
	r.Close()
	if rep := s.Do(context.Background(), argv("get", "b")); rep.Kind != reply.KindError {
		t.Fatalf("after close: %s", rep)
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		buf := make([]byte, 1<<16)
		t.Fatalf("goroutines: %d before, %d after close\n%s", before, n, buf[:runtime.Stack(buf, true)])
	}
}

func TestDumpImport(t *testing.T) {
	r := newRouter(t, 4)
	s := r.NewSession()
	want := map[string]string{}
	for i := 0; i < 2000; i++ {
		k := fmt.Sprintf("key:%d", i)
		v := fmt.Sprintf("value with, comma \"quote\"\nnewline %d", i)
		want[k] = v
		do(t, s, "set", k, v)
	}
	if got := do(t, s, "dump", "out.csv"); got != "OK" {
		t.Fatalf("dump: %s", got)
	}
	for _, bad := range []string{"../x.csv", "/etc/passwd", "a/../../x", ""} {
		if rep := s.Do(context.Background(), argv("dump", bad)); rep.Kind != reply.KindError {
			t.Fatalf("dump %q: %s", bad, rep)
		}
	}
	do(t, s, "flushall")
	if got := do(t, s, "import", "out.csv"); got != "(integer) 2000" {
		t.Fatalf("import: %s", got)
	}
	for k, v := range want {
		if got := s.Do(context.Background(), argv("get", k)); string(got.Str) != v {
			t.Fatalf("%s: %s", k, got)
		}
	}
	if rep := s.Do(context.Background(), argv("import", "nope.csv")); rep.Kind != reply.KindError {
		t.Fatalf("import missing: %s", rep)
	}
}
