package shard

import (
	"strconv"
	"testing"
)

// BenchmarkBatchGet runs batches of 64 GETs over a 1M-key keyspace on the
// calling goroutine, with and without the prefetch pass; ns/op is per
// command. Memory latency dominates at this size, so this is where
// overlapping the misses of a batch shows.
func BenchmarkBatchGet(b *testing.B) {
	const n = 1 << 20
	s := New(0, Config{})
	keys := make([][]byte, n)
	val := []byte("0123456789abcdef")
	for i := range keys {
		keys[i] = []byte("key:" + strconv.Itoa(i))
		s.ks.set(keys[i], val, false)
	}
	get := []byte("get")
	for _, pf := range []bool{false, true} {
		b.Run("prefetch="+strconv.FormatBool(pf), func(b *testing.B) {
			prefetch = pf
			defer func() { prefetch = true }()
			batch := &Batch{Done: make(chan *Batch, 1)}
			args := make([][][]byte, 64)
			for i := range args {
				args[i] = [][]byte{get, nil}
			}
			b.ReportAllocs()
			b.ResetTimer()
			j := 0
			for i := 0; i < b.N; i += 64 {
				batch.Reset()
				for k := range args {
					j = (j + 7919) & (n - 1)
					args[k][1] = keys[j]
					batch.Add(Get, args[k])
				}
				s.run(batch, 0)
				<-batch.Done
			}
		})
	}
}
