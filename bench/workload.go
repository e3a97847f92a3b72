// Package bench holds memshard's load-generation building blocks. Today it
// provides the key spaces and values the Go benchmarks use; the side-by-side
// comparison against Redis (cmd/memshard-bench) is built on it. The server
// never imports it.
package bench

import "strconv"

// Keys returns n distinct keys "prefix0" … "prefix<n-1>" as byte slices,
// allocated once so a benchmark loop does not allocate them.
func Keys(prefix string, n int) [][]byte {
	out := make([][]byte, n)
	for i := range out {
		out[i] = strconv.AppendInt([]byte(prefix), int64(i), 10)
	}
	return out
}

// Value returns a deterministic printable value of size bytes.
func Value(size int) []byte {
	v := make([]byte, size)
	for i := range v {
		v[i] = 'a' + byte(i%26)
	}
	return v
}
