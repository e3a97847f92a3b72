package shard

import (
	"strconv"
	"testing"

	"github.com/memshard/memshard/shard/reply"
)

// benchKeys is the number of keys the benchmarks' keyspace holds.
const benchKeys = 1 << 20

// benchKeyspace returns a keyspace holding benchKeys 16-byte string values
// and the argument vectors "GET key<i>" and "SET key<i> <value>" for them.
func benchKeyspace(b *testing.B) (*Keyspace, [][][]byte, [][][]byte) {
	b.Helper()
	ks := NewKeyspace(nil)
	gets := make([][][]byte, benchKeys)
	sets := make([][][]byte, benchKeys)
	get, set, val := []byte("GET"), []byte("SET"), []byte("value-0123456789")
	for i := range gets {
		k := []byte("key:" + strconv.Itoa(i))
		gets[i] = [][]byte{get, k}
		sets[i] = [][]byte{set, k, val}
		Set(ks, sets[i])
	}
	return ks, gets, sets
}

// BenchmarkGet is GET on a keyspace of 1M keys, hits only. The arena is
// reset each time, as the shard does per batch: no allocation.
func BenchmarkGet(b *testing.B) {
	ks, gets, _ := benchKeyspace(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ks.ResetArena()
		if r := Get(ks, gets[i&(benchKeys-1)]); r.Kind != reply.KindBulk {
			b.Fatal(r)
		}
	}
}

// BenchmarkGetMiss is GET of keys that do not exist.
func BenchmarkGetMiss(b *testing.B) {
	ks, _, _ := benchKeyspace(b)
	miss := [][]byte{[]byte("GET"), []byte("no-such-key")}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		ks.ResetArena()
		if r := Get(ks, miss); r.Kind != reply.KindNil {
			b.Fatal(r)
		}
	}
}

// BenchmarkSet is SET of an existing key with a value of the same size: the
// value is overwritten in place, no allocation.
func BenchmarkSet(b *testing.B) {
	ks, _, sets := benchKeyspace(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := Set(ks, sets[i&(benchKeys-1)]); r.Kind != reply.KindStatus {
			b.Fatal(r)
		}
	}
}

// BenchmarkSetEX is SET key value EX 100 on existing keys (options parsed,
// TTL index updated).
func BenchmarkSetEX(b *testing.B) {
	ks, _, sets := benchKeyspace(b)
	ex := make([][][]byte, len(sets))
	for i, s := range sets {
		ex[i] = append(s[:3:3], []byte("EX"), []byte("100"))
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := Set(ks, ex[i&(benchKeys-1)]); r.Kind != reply.KindStatus {
			b.Fatal(r)
		}
	}
}

// BenchmarkIncr is INCR of existing counters.
func BenchmarkIncr(b *testing.B) {
	ks := NewKeyspace(nil)
	keys := make([][][]byte, 1024)
	for i := range keys {
		keys[i] = [][]byte{[]byte("INCR"), []byte("counter:" + strconv.Itoa(i))}
		Set(ks, [][]byte{nil, keys[i][1], []byte("1000000")})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := Incr(ks, keys[i&1023]); r.Kind != reply.KindInt {
			b.Fatal(r)
		}
	}
}

// BenchmarkGetBaselineMap is the same lookups and copies on a plain
// map[string][]byte, the baseline for BenchmarkGet.
func BenchmarkGetBaselineMap(b *testing.B) {
	m := make(map[string][]byte, benchKeys)
	keys := make([][]byte, benchKeys)
	for i := range keys {
		keys[i] = []byte("key:" + strconv.Itoa(i))
		m[string(keys[i])] = []byte("value-0123456789")
	}
	arena := make([]byte, 0, 64)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		arena = append(arena[:0], m[string(keys[i&(benchKeys-1)])]...)
	}
	if len(arena) == 0 {
		b.Fatal("miss")
	}
}
