package memshard_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/memshard/memshard"
	"github.com/memshard/memshard/bench"
)

const benchKeys = 100_000

func benchDB(b *testing.B) *memshard.DB { return benchDBShards(b, 0) }

func benchDBShards(b *testing.B, shards int) *memshard.DB {
	o := memshard.DefaultOptions()
	o.Shards = shards
	db, err := memshard.Open(o)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	p := db.Pipeline()
	for i := 0; i < benchKeys; i++ {
		p.Add([]byte("SET"), []byte("key:"+strconv.Itoa(i)), []byte("0123456789abcdef"))
		if p.Len() == 1000 {
			p.Exec(context.Background())
		}
	}
	p.Exec(context.Background())
	return db
}

func keyNames() [][]byte { return bench.Keys("key:", benchKeys) }

// BenchmarkGet: one embedded Get call per op, from GOMAXPROCS goroutines.
func BenchmarkGet(b *testing.B) {
	db := benchDB(b)
	ks := keyNames()
	ctx := context.Background()
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := db.Get(ctx, string(ks[i%benchKeys])); err != nil {
				b.Fatal(err)
			}
			i += 7
		}
	})
}

// BenchmarkSet: one embedded Set call per op, parallel.
func BenchmarkSet(b *testing.B) {
	db := benchDB(b)
	ks := keyNames()
	ctx := context.Background()
	val := []byte("fedcba9876543210")
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if err := db.Set(ctx, string(ks[i%benchKeys]), val, 0); err != nil {
				b.Fatal(err)
			}
			i += 7
		}
	})
}

// benchBatched runs batches of 64 commands through a Pipeline per goroutine;
// ns/op is per command.
func benchBatched(b *testing.B, cmd string) { benchBatchedShards(b, cmd, 0) }

func benchBatchedShards(b *testing.B, cmd string, shards int) {
	db := benchDBShards(b, shards)
	ks := keyNames()
	ctx := context.Background()
	name, val := []byte(cmd), []byte("fedcba9876543210")
	const batch = 64
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		p := db.Pipeline()
		defer p.Close()
		i := int(time.Now().UnixNano() % benchKeys)
		for pb.Next() {
			if cmd == "GET" {
				p.Add(name, ks[i%benchKeys])
			} else {
				p.Add(name, ks[i%benchKeys], val)
			}
			i += 7
			if p.Len() == batch {
				if _, err := p.Exec(ctx); err != nil {
					b.Fatal(err)
				}
			}
		}
		p.Exec(ctx)
	})
}

func BenchmarkBatchedGet(b *testing.B) { benchBatched(b, "GET") }
func BenchmarkBatchedSet(b *testing.B) { benchBatched(b, "SET") }

// BenchmarkShardCount runs the batched GET and SET at several shard counts,
// to choose the default (DefaultShards) by measurement.
func BenchmarkShardCount(b *testing.B) {
	for _, n := range []int{1, 2, 4, 8} {
		for _, cmd := range []string{"GET", "SET"} {
			b.Run(cmd+"/shards="+strconv.Itoa(n), func(b *testing.B) { benchBatchedShards(b, cmd, n) })
		}
	}
}
