//go:build !race

package resp

import (
	"math"
	"strconv"
	"testing"

	"github.com/memshard/memshard/shard/reply"
)

// The codec's allocation budgets, as a test: none per command or reply
// once a connection's buffers have grown to fit.
func TestNoRaceAllocations(t *testing.T) {
	var pipeline []byte
	for i := range 64 {
		pipeline = append(pipeline, mb("GET", "key:"+strconv.Itoa(i))...)
	}
	mixed := []byte(mb("SET", "k", "v", "EX", "10") + "*0\r\n" + mb("MGET", "a", "b", "c") + "*-1\r\n")
	big := []byte(mb("SET", "k", string(make([]byte, 100000))))
	p := NewParser(Limits{})
	arr := reply.Array([]reply.Reply{bulk("v"), reply.Int(12), reply.Nil(), reply.Double(0.25),
		mapOf(bulk("k"), reply.Double(math.Inf(1))), reply.Reply{Kind: reply.KindNilArray}, reply.OK(), reply.Error("ERR x")})
	dst := make([]byte, 0, 4096)
	for _, c := range []struct {
		name string
		fn   func()
	}{
		{"Parse 64 GETs", func() {
			if cs, used, _, _ := p.Parse(pipeline); len(cs) != 64 || used != len(pipeline) {
				t.Fatal(len(cs), used)
			}
		}},
		{"Parse mixed with empty commands", func() {
			if cs, _, _, _ := p.Parse(mixed); len(cs) != 2 {
				t.Fatal(len(cs))
			}
		}},
		{"Parse a 100 kB argument in two reads", func() {
			if _, _, need, _ := p.Parse(big[:50000]); need == 0 {
				t.Fatal(need)
			}
			if cs, _, _, _ := p.Parse(big); len(cs) != 1 {
				t.Fatal(len(cs))
			}
		}},
		{"AppendReply array RESP2", func() { dst = AppendReply(dst[:0], arr, 2) }},
		{"AppendReply array RESP3", func() { dst = AppendReply(dst[:0], arr, 3) }},
		{"AppendReply double RESP2", func() { dst = AppendReply(dst[:0], reply.Double(1.0/3), 2) }},
		{"AppendReply double RESP3", func() { dst = AppendReply(dst[:0], reply.Double(1e-300), 3) }},
		{"AppendError", func() { dst = AppendError(dst[:0], "ERR wrong number of arguments for 'get' command") }},
		{"AppendStatus", func() { dst = AppendStatus(dst[:0], "OK") }},
		{"AppendInt", func() { dst = AppendInt(dst[:0], -123456789) }},
		{"AppendBulk", func() { dst = AppendBulk(dst[:0], pipeline[:100]) }},
		{"headers and null", func() {
			dst = AppendArrayHeader(dst[:0], 3)
			dst = AppendMapHeader(dst, 2, 3)
			dst = AppendMapHeader(dst, 2, 2)
			dst = AppendNull(dst, 2)
			dst = AppendNull(dst, 3)
		}},
	} {
		c.fn() // grow what needs to grow
		if n := testing.AllocsPerRun(200, c.fn); n != 0 {
			t.Errorf("%s: %v allocations, want 0", c.name, n)
		}
	}
}
