package memshard_test

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/memshard/memshard"
)

func open(tb testing.TB) *memshard.DB {
	tb.Helper()
	o := memshard.DefaultOptions()
	o.Shards = 4
	o.DumpDir = tb.TempDir()
	db, err := memshard.Open(o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func TestAPI(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	if _, err := db.Get(ctx, "nope"); !errors.Is(err, memshard.ErrNotFound) {
		t.Fatalf("get missing: %v", err)
	}
	if err := db.Set(ctx, "k", []byte("v w"), 0); err != nil {
		t.Fatal(err)
	}
	if v, err := db.Get(ctx, "k"); err != nil || string(v) != "v w" {
		t.Fatalf("get: %q %v", v, err)
	}
	if n, _ := db.Exists(ctx, "k", "k", "nope"); n != 2 {
		t.Fatalf("exists: %d", n)
	}
	if ok, _ := db.Expire(ctx, "k", time.Hour); !ok {
		t.Fatal("expire")
	}
	if d, _ := db.TTL(ctx, "k"); d < 59*time.Minute || d > time.Hour {
		t.Fatalf("ttl: %v", d)
	}
	if _, err := db.Do(ctx, "INCR", "k"); !errors.Is(err, memshard.ErrNotInteger) {
		t.Fatalf("incr non-int: %v", err)
	}
	if _, err := db.Do(ctx, "SET", "k", "v", "BOGUS"); !errors.Is(err, memshard.ErrSyntax) {
		t.Fatalf("syntax: %v", err)
	}
	if _, err := db.Do(ctx, "RENAME", "nope", "x"); !errors.Is(err, memshard.ErrNoSuchKey) {
		t.Fatalf("rename: %v", err)
	}
	var ce *memshard.CommandError
	if _, err := db.Do(ctx, "MULTI"); !errors.As(err, &ce) {
		t.Fatalf("multi on DB: %v", err)
	}
	for i := 0; i < 50; i++ {
		db.Set(ctx, "scan:"+strconv.Itoa(i), []byte("x"), 0)
	}
	keys, _ := db.Keys(ctx, "scan:*")
	if len(keys) != 50 {
		t.Fatalf("keys: %d", len(keys))
	}
	seen := map[string]bool{}
	var cur uint64
	for {
		ks, next, err := db.Scan(ctx, cur, "scan:*", 7)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range ks {
			seen[k] = true
		}
		if cur = next; cur == 0 {
			break
		}
	}
	if len(seen) != 50 {
		t.Fatalf("scan saw %d", len(seen))
	}
	if n, _ := db.Del(ctx, keys...); n != 50 {
		t.Fatalf("del: %d", n)
	}
}

func TestJSON(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	type doc struct {
		A []int
		B map[string]string
	}
	in := doc{A: []int{1, 2}, B: map[string]string{"x": "y"}}
	if err := memshard.SetJSON(ctx, db, "d", in, 0); err != nil {
		t.Fatal(err)
	}
	out, err := memshard.GetJSON[doc](ctx, db, "d")
	if err != nil || fmt.Sprint(out) != fmt.Sprint(in) {
		t.Fatalf("%v %v", out, err)
	}
	db.Set(ctx, "notjson", []byte("{"), 0)
	if _, err := memshard.GetJSON[doc](ctx, db, "notjson"); err == nil {
		t.Fatal("decoded garbage")
	}
	if _, err := memshard.GetJSON[doc](ctx, db, "none"); !errors.Is(err, memshard.ErrNotFound) {
		t.Fatal(err)
	}
}

func TestTxAndSession(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	reps, err := db.Tx().Do("SET", "a", "x").Do("INCR", "a").Do("SET", "b", "2").Exec(ctx)
	if err == nil || len(reps) != 3 || reps[2].String() != "OK" {
		t.Fatalf("tx with a runtime error: %v %v", reps, err)
	}
	if _, err := db.Tx().Do("SET", "a").Exec(ctx); err == nil {
		t.Fatal("tx with a bad command ran")
	}
	// Commit: all or nothing.
	db.Set(ctx, "n", []byte("1"), 0)
	_, err = db.Tx().Do("INCR", "n").Do("SET", "fresh", "x").Do("INCR", "a").Commit(ctx)
	var ce *memshard.CommitError
	if !errors.As(err, &ce) || ce.Index != 2 || !errors.Is(err, memshard.ErrNotInteger) {
		t.Fatalf("commit: %v", err)
	}
	if v, _ := db.Get(ctx, "n"); string(v) != "1" {
		t.Fatalf("commit applied INCR: %s", v)
	}
	if n, _ := db.Exists(ctx, "fresh"); n != 0 {
		t.Fatal("commit applied SET")
	}
	if reps, err := db.Tx().Do("INCR", "n").Do("GET", "n").Commit(ctx); err != nil || string(reps[1].Str) != "2" {
		t.Fatalf("commit: %v %v", reps, err)
	}
	s := db.Session()
	defer s.Close()
	s.Do(ctx, "WATCH", "b")
	db.Set(ctx, "b", []byte("3"), 0)
	s.Do(ctx, "MULTI")
	s.Do(ctx, "INCR", "b")
	if rep, _ := s.Do(ctx, "EXEC"); rep.Kind != memshard.KindNilArray {
		t.Fatalf("exec after conflict: %s", rep)
	}
}

func TestPipelineAndConcurrency(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	var wg sync.WaitGroup
	const workers, rounds = 8, 200
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			p := db.Pipeline()
			defer p.Close()
			for i := 0; i < rounds; i++ {
				p.Add([]byte("INCR"), []byte("counter"))
				p.Add([]byte("SET"), []byte(fmt.Sprintf("w%d:%d", w, i)), []byte("v"))
				p.Add([]byte("GET"), []byte(fmt.Sprintf("w%d:%d", w, i)))
				reps, err := p.Exec(ctx)
				if err != nil || len(reps) != 3 || string(reps[2].Str) != "v" {
					t.Errorf("pipeline: %v %v", reps, err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	rep, _ := db.Do(ctx, "GET", "counter")
	if string(rep.Str) != strconv.Itoa(workers*rounds) {
		t.Fatalf("counter %s", rep)
	}
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	for i := 0; i < 3; i++ {
		db, err := memshard.Open(memshard.Options{Shards: 8})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()
		db.Set(ctx, "a", []byte("b"), time.Millisecond)
		db.Close()
		db.Close() // idempotent
		if _, err := db.Get(ctx, "a"); !errors.Is(err, memshard.ErrClosed) {
			t.Fatalf("after close: %v", err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Fatalf("%d goroutines before, %d after", before, n)
	}
}

func TestActiveExpiryReclaims(t *testing.T) {
	o := memshard.Options{Shards: 2, ActiveExpireInterval: 5 * time.Millisecond}
	db, err := memshard.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	p := db.Pipeline()
	for i := 0; i < 5000; i++ {
		p.Add([]byte("SET"), []byte("tmp:"+strconv.Itoa(i)), []byte("v"), []byte("PX"), []byte("20"))
	}
	p.Add([]byte("SET"), []byte("keep"), []byte("v"))
	p.Exec(ctx)
	// No reads touch the keys: only the active cycle can remove them.
	deadline := time.Now().Add(10 * time.Second)
	var n int64
	for time.Now().Before(deadline) {
		if n, _ = db.DBSize(ctx); n == 1 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("dbsize %d after active expiry, want 1", n)
}
