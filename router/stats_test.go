package router

import (
	"context"
	"runtime"
	"testing"
	"time"
)

// countOf returns the calls and errors of one command and transport.
func countOf(r *Router, name string, t Transport) (calls, errs uint64) {
	counts, _ := r.CommandStats()
	for _, c := range counts {
		if c.Name == name && c.Transport == t {
			return c.Calls, c.Errors
		}
	}
	return 0, 0
}

func latencyCount(r *Router, t Transport) uint64 {
	_, lat := r.CommandStats()
	var n uint64
	for _, c := range lat[t].Counts {
		n += c
	}
	return n
}

func TestCommandStats(t *testing.T) {
	r := newRouter(t, 2)
	ctx := context.Background()
	s := r.NewSessionFor(TransportRESP)
	s.Exec(ctx, [][][]byte{argv("set", "a", "1"), argv("SET", "b", "x"), argv("get", "a"), argv("set", "c", "2")})
	s.Exec(ctx, [][][]byte{argv("incr", "b"), argv("nosuch", "a"), {}, argv("get")})
	s.Do(ctx, argv("multi"))
	s.Do(ctx, argv("incr", "a"))
	s.Do(ctx, argv("exec"))
	for _, w := range []struct {
		name        string
		calls, errs uint64
	}{
		{"set", 3, 0},
		{"get", 2, 1}, // one with the wrong arity
		{"incr", 2, 1},
		{"unknown", 2, 2}, // nosuch and the empty command
		{"multi", 1, 0},
		{"exec", 1, 0},
	} {
		calls, errs := countOf(r, w.name, TransportRESP)
		if calls != w.calls || errs != w.errs {
			t.Errorf("%s: %d calls, %d errors; want %d, %d", w.name, calls, errs, w.calls, w.errs)
		}
	}
	if calls, _ := countOf(r, "set", TransportEmbedded); calls != 0 {
		t.Errorf("embedded set: %d calls, want 0", calls)
	}
	if n := latencyCount(r, TransportRESP); n != 5 {
		t.Errorf("%d latency observations, want one per Exec (5)", n)
	}
	s.CountLocal(CommandID([]byte("GET")), true)
	s.CountLocal(-1, false)
	if calls, errs := countOf(r, "get", TransportRESP); calls != 3 || errs != 2 {
		t.Errorf("get after CountLocal: %d, %d; want 3, 2", calls, errs)
	}
	if calls, _ := countOf(r, "unknown", TransportRESP); calls != 3 {
		t.Errorf("unknown after CountLocal(-1): %d, want 3", calls)
	}
}

func TestCommandStatsAtomic(t *testing.T) {
	r := newRouter(t, 2)
	ctx := context.Background()
	s := r.NewSessionFor(TransportHTTP)
	if _, failed, _ := s.ExecAtomic(ctx, [][][]byte{argv("set", "a", "x"), argv("incr", "a")}); failed != 1 {
		t.Fatalf("failed = %d, want 1", failed)
	}
	if _, failed, _ := s.ExecAtomic(ctx, [][][]byte{argv("set", "a", "1"), argv("incr", "a")}); failed != -1 {
		t.Fatalf("failed = %d, want -1", failed)
	}
	if calls, errs := countOf(r, "set", TransportHTTP); calls != 2 || errs != 0 {
		t.Errorf("set: %d, %d; want 2, 0", calls, errs)
	}
	if calls, errs := countOf(r, "incr", TransportHTTP); calls != 2 || errs != 1 {
		t.Errorf("incr: %d, %d; want 2, 1", calls, errs)
	}
	if n := latencyCount(r, TransportHTTP); n != 2 {
		t.Errorf("%d latency observations, want 2", n)
	}
}

// TestCommandStatsBlockReuse checks that a collected session's counts stay
// and its block serves the next session.
func TestCommandStatsBlockReuse(t *testing.T) {
	r := newRouter(t, 1)
	func() {
		s := r.NewSessionFor(TransportWebSocket)
		s.Do(context.Background(), argv("set", "k", "v"))
	}()
	// Cleanups run on their own goroutine after a collection: poll.
	deadline := time.Now().Add(10 * time.Second)
	for {
		runtime.GC()
		r.stats.mu.Lock()
		free := len(r.stats.free[TransportWebSocket])
		r.stats.mu.Unlock()
		if free == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the collected session's block never came back")
		}
		time.Sleep(time.Millisecond)
	}
	s := r.NewSessionFor(TransportWebSocket)
	s.Do(context.Background(), argv("set", "k", "w"))
	if n := len(r.stats.blocks()); n != 1 {
		t.Errorf("%d blocks, want the collected session's one reused", n)
	}
	if calls, _ := countOf(r, "set", TransportWebSocket); calls != 2 {
		t.Errorf("set: %d calls, want 2", calls)
	}
	runtime.KeepAlive(s)
}

func TestLatencyBucket(t *testing.T) {
	for _, c := range []struct {
		d    time.Duration
		want int
	}{
		{-1, 0}, {0, 0}, {10 * time.Microsecond, 0}, {10*time.Microsecond + 1, 1},
		{20 * time.Microsecond, 1}, {20*time.Microsecond + 1, 2}, {time.Millisecond, 7},
		{1310720 * time.Microsecond, latencyBuckets - 1}, {1310721 * time.Microsecond, latencyBuckets},
		{time.Hour, latencyBuckets},
	} {
		if got := latencyBucket(c.d); got != c.want {
			t.Errorf("latencyBucket(%v) = %d, want %d", c.d, got, c.want)
		}
		if b := LatencyBounds(); c.want < len(b) && c.d.Seconds() > b[c.want] {
			t.Errorf("%v is above its bucket's bound %g", c.d, b[c.want])
		}
	}
}

func TestCommandIDs(t *testing.T) {
	if id := CommandID([]byte("GeT")); cmdNames[id] != "get" {
		t.Errorf("CommandID(GeT) names %q", cmdNames[id])
	}
	if id := CommandID([]byte("no-such-command")); id != UnknownCommand {
		t.Errorf("unknown name got ID %d", id)
	}
	if id := LocalCommand("set"); cmdNames[id] != "set" {
		t.Errorf("LocalCommand(set) names %q, want the table's", cmdNames[id])
	}
	seen := map[string]bool{}
	for _, n := range cmdNames {
		if seen[n] {
			t.Errorf("name %q has two IDs", n)
		}
		seen[n] = true
	}
}
