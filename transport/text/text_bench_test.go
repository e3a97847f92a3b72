package text

import (
	"strconv"
	"testing"

	"github.com/memshard/memshard/shard/reply"
)

func BenchmarkTokenize(b *testing.B) {
	line := []byte(`SET user:1000 "a value with spaces and \"quotes\"\n" EX 3600`)
	b.ReportAllocs()
	b.SetBytes(int64(len(line)))
	for b.Loop() {
		if _, err := Tokenize(line); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendGenericArray(b *testing.B) {
	items := make([]reply.Reply, 100)
	size := 0
	for i := range items {
		items[i] = reply.BulkString("key:" + strconv.Itoa(i))
		size += len(items[i].Str)
	}
	r := reply.Array(items)
	dst := make([]byte, 0, 4096)
	b.ReportAllocs()
	b.SetBytes(int64(size))
	for b.Loop() {
		dst = AppendGeneric(dst[:0], r)
	}
}
