//go:build !race

package memshard_test

import (
	"context"
	"testing"

	"github.com/memshard/memshard"
	"github.com/memshard/memshard/bench"
)

// TestNoRaceZeroAllocBatchedGetSet pins the hot path: a warm pipeline of
// GETs and SETs of existing keys allocates nothing per command.
func TestNoRaceZeroAllocBatchedGetSet(t *testing.T) {
	db, err := memshard.Open(memshard.Options{Shards: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	ks := bench.Keys("k", 256)
	val := bench.Value(16)
	p := db.Pipeline()
	defer p.Close()
	for _, k := range ks {
		p.Add([]byte("SET"), k, val)
	}
	p.Exec(ctx)
	get, set := []byte("GET"), []byte("SET")
	run := func() {
		for i := 0; i < 64; i++ {
			p.Add(get, ks[i*3%len(ks)])
			p.Add(set, ks[i*5%len(ks)], val)
		}
		if _, err := p.Exec(ctx); err != nil {
			t.Fatal(err)
		}
	}
	run()
	if a := testing.AllocsPerRun(200, run); a != 0 {
		t.Fatalf("%.1f allocations per 128-command pipeline, want 0", a)
	}
}
