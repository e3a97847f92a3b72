package shard

import (
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/memshard/memshard/shard/reply"
)

// testSeed returns the seed of a randomised test: $MEMSHARD_SEED, or the time.
// It is logged so that a failure can be replayed.
func testSeed(tb testing.TB) uint64 {
	tb.Helper()
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("MEMSHARD_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			tb.Fatalf("MEMSHARD_SEED: %v", err)
		}
		seed = n
	}
	tb.Logf("seed %d (rerun with MEMSHARD_SEED=%d)", seed, seed)
	return seed
}

// scanStep runs one ScanShard call and returns the next cursor and the keys.
func scanStep(tb testing.TB, ks *Keyspace, cursor uint64, opts ...string) (uint64, []string) {
	tb.Helper()
	args := [][]byte{[]byte("SCAN"), []byte(strconv.FormatUint(cursor, 10))}
	for _, o := range opts {
		args = append(args, []byte(o))
	}
	ks.ResetArena()
	r := ScanShard(ks, args)
	if r.Kind != reply.KindArray || len(r.Arr) != 2 || r.Arr[0].Kind != reply.KindInt || r.Arr[1].Kind != reply.KindArray {
		tb.Fatalf("SCAN reply %s", r)
	}
	var keys []string
	for _, k := range r.Arr[1].Arr {
		keys = append(keys, string(k.Str))
	}
	return uint64(r.Arr[0].Int), keys
}

// TestScanRandomised scans keyspaces that change between the calls (keys
// added, deleted and expired, the table growing and shrinking) and checks
// SCAN's guarantees: every key live from the start to the end of the scan is
// returned at least once, a returned key is live and matches, and the scan
// ends.
func TestScanRandomised(t *testing.T) {
	seed := testSeed(t)
	rng := rand.New(rand.NewPCG(seed, seed^0x5ca7))
	var mustChecks, returnedChecks, calls int
	for round := 0; round < 60; round++ {
		ks, clk := newTestKeyspace(t)
		live := map[string]int64{} // key → expireAt (0: none)
		next := 0
		add := func() {
			k := fmt.Sprintf("k%d", next)
			next++
			var at int64
			if rng.IntN(4) == 0 {
				at = clk.ms + 1 + int64(rng.IntN(50))
				do(t, ks, fmt.Sprintf("SET %s v PXAT %d", k, at))
			} else {
				do(t, ks, "SET "+k+" v")
			}
			live[k] = at
		}
		for n := rng.IntN(3000); n > 0; n-- {
			add()
		}
		opts, pattern := randomScanOpts(rng)
		// Keys live now and never touched must all come back.
		untouched := map[string]bool{}
		for k, at := range live {
			if at == 0 {
				untouched[k] = true
			}
		}
		seen := map[string]bool{}
		cursor := uint64(0)
		for step := 0; ; step++ {
			if step > 100000 {
				t.Fatalf("round %d: scan does not end", round)
			}
			var keys []string
			cursor, keys = scanStep(t, ks, cursor, opts...)
			calls++
			for _, k := range keys {
				at, ok := live[k]
				if !ok || (at != 0 && at <= clk.ms) {
					t.Fatalf("round %d: SCAN returned %q, which is not live", round, k)
				}
				if pattern != "" && !Match([]byte(pattern), []byte(k), false) {
					t.Fatalf("round %d: SCAN MATCH %s returned %q", round, pattern, k)
				}
				seen[k] = true
				returnedChecks++
			}
			if cursor == 0 {
				break
			}
			mutate(t, rng, ks, clk, live, untouched, add)
		}
		for k := range untouched {
			if pattern != "" && !Match([]byte(pattern), []byte(k), false) {
				continue
			}
			if !seen[k] {
				t.Fatalf("round %d: key %q, live for the whole scan, was never returned", round, k)
			}
			mustChecks++
		}
	}
	t.Logf("%d scan calls, %d must-return keys checked, %d returned keys checked", calls, mustChecks, returnedChecks)
	if mustChecks < 1000 || returnedChecks < 1000 {
		t.Fatalf("too few checks: %d must-return, %d returned", mustChecks, returnedChecks)
	}
}

// randomScanOpts picks SCAN options: sometimes a MATCH pattern (returned),
// always a COUNT, sometimes TYPE string.
func randomScanOpts(rng *rand.Rand) (opts []string, pattern string) {
	if rng.IntN(3) == 0 {
		pattern = fmt.Sprintf("k%d*", 1+rng.IntN(9))
		opts = append(opts, "MATCH", pattern)
	}
	opts = append(opts, "COUNT", strconv.Itoa(1+rng.IntN(60)))
	if rng.IntN(4) == 0 {
		opts = append(opts, "TYPE", "STRING")
	}
	return opts, pattern
}

// mutate changes the keyspace between two SCAN calls: it adds keys, deletes
// some (at times most, to make the table shrink) and lets time pass.
func mutate(t *testing.T, rng *rand.Rand, ks *Keyspace, clk *testClock, live map[string]int64, untouched map[string]bool, add func()) {
	switch rng.IntN(10) {
	case 0, 1, 2: // grow
		for n := rng.IntN(200); n > 0; n-- {
			add()
		}
	case 3, 4: // delete a few
		for k := range live {
			if rng.IntN(20) == 0 {
				do(t, ks, "DEL "+k)
				delete(live, k)
				delete(untouched, k)
			}
		}
	case 5: // delete most: the table shrinks
		for k := range live {
			if rng.IntN(10) != 0 {
				do(t, ks, "DEL "+k)
				delete(live, k)
				delete(untouched, k)
			}
		}
	case 6: // time passes; some keys expire
		advance(ks, clk, int64(rng.IntN(20)))
	}
}

func TestScanShardReplies(t *testing.T) {
	ks, clk := newTestKeyspace(t)
	if c, keys := scanStep(t, ks, 0); c != 0 || len(keys) != 0 {
		t.Fatalf("empty keyspace: cursor %d keys %q", c, keys)
	}
	if r := ScanShard(ks, [][]byte{[]byte("SCAN"), []byte("x")}); r.String() != "(error) ERR invalid cursor" {
		t.Errorf("SCAN x: %s", r)
	}
	if r := ScanShard(ks, [][]byte{[]byte("SCAN"), []byte("18446744073709551616")}); r.String() != "(error) ERR invalid cursor" {
		t.Errorf("SCAN 2^64: %s", r)
	}
	for i := 0; i < 100; i++ {
		do(t, ks, fmt.Sprintf("SET k%d v PX 10", i))
	}
	do(t, ks, "SET live v")
	advance(ks, clk, 10)
	// One call with a large COUNT covers the table; expired keys are left
	// out and reclaimed.
	c, keys := scanStep(t, ks, 0, "COUNT", "1000")
	if c != 0 || len(keys) != 1 || keys[0] != "live" {
		t.Fatalf("cursor %d keys %q, want 0 [live]", c, keys)
	}
	if ks.Len() != 1 {
		t.Fatalf("%d keys left after SCAN, want the expired ones reclaimed", ks.Len())
	}
	if _, keys := scanStep(t, ks, 0, "TYPE", "list", "COUNT", "1000"); len(keys) != 0 {
		t.Errorf("TYPE list returned %q", keys)
	}
	if _, keys := scanStep(t, ks, 0, "type", "String", "match", "l*", "COUNT", "1000"); len(keys) != 1 {
		t.Errorf("TYPE String MATCH l* returned %q", keys)
	}
}

func TestRandomKeyShard(t *testing.T) {
	ks, clk := newTestKeyspace(t)
	if got := do(t, ks, "RANDOMKEY").String(); got != "[(nil), (integer) 0]" {
		t.Fatalf("empty: %s", got)
	}
	const n = 200
	for i := 0; i < n; i++ {
		do(t, ks, fmt.Sprintf("SET k%d v", i))
	}
	// Expired keys are never returned, and the ones drawn are reclaimed.
	for i := 0; i < 5*n; i++ {
		do(t, ks, fmt.Sprintf("SET x%d v PX 10", i))
	}
	advance(ks, clk, 10)
	for i := 0; i < 500; i++ {
		r := do(t, ks, "RANDOMKEY")
		if k := string(r.Arr[0].Str); k[0] != 'k' {
			t.Fatalf("RANDOMKEY returned %q", k)
		}
		if c := r.Arr[1].Int; c < n || c > 6*n {
			t.Fatalf("RANDOMKEY count %d", c)
		}
	}
	if ks.Len() >= 6*n {
		t.Errorf("no expired key reclaimed: %d keys", ks.Len())
	}

	// Only expired keys, or one live key among many expired ones.
	ks, clk = newTestKeyspace(t)
	for i := 0; i < 1000; i++ {
		do(t, ks, fmt.Sprintf("SET x%d v PX 10", i))
	}
	advance(ks, clk, 10)
	if got := do(t, ks, "RANDOMKEY").String(); got != "[(nil), (integer) 0]" {
		t.Fatalf("all expired: %s", got)
	}
	for i := 0; i < 1000; i++ {
		do(t, ks, fmt.Sprintf("SET x%d v PX 10", i))
	}
	do(t, ks, "SET only v")
	advance(ks, clk, 10)
	if got := do(t, ks, "RANDOMKEY"); string(got.Arr[0].Str) != "only" || got.Arr[1].Int < 1 {
		t.Fatalf("one live key: %s", got)
	}
}

// TestRandomKeyShardDistribution draws many random keys and checks that every
// key comes up and none far more or less often than the mean (a chained hash
// table cannot be exactly uniform: a key in a chain of length L is drawn
// about 1/L as often as a key alone in its bucket).
func TestRandomKeyShardDistribution(t *testing.T) {
	ks, _ := newTestKeyspace(t)
	const n = 200
	for i := 0; i < n; i++ {
		do(t, ks, fmt.Sprintf("SET k%d v", i))
	}
	hits := map[string]int{}
	const samples = n * 200
	for i := 0; i < samples; i++ {
		r := do(t, ks, "RANDOMKEY")
		if r.Arr[1].Int != n {
			t.Fatalf("count %d, want %d", r.Arr[1].Int, n)
		}
		hits[string(r.Arr[0].Str)]++
	}
	lo, hi := samples, 0
	for _, c := range hits {
		lo, hi = min(lo, c), max(hi, c)
	}
	t.Logf("%d keys, %d samples: %d keys drawn, each %d to %d times (mean %d)", n, samples, len(hits), lo, hi, samples/n)
	if len(hits) < n {
		t.Fatalf("RANDOMKEY never drew %d of %d keys", n-len(hits), n)
	}
	if lo < samples/n/8 || hi > samples/n*8 {
		t.Fatalf("skewed: min %d, max %d, mean %d", lo, hi, samples/n)
	}
}
