//go:build !race

package text

import (
	"testing"

	"github.com/memshard/memshard/shard/reply"
)

// The allocation budgets of the hot path, as tests.
func TestNoRaceAllocations(t *testing.T) {
	line := []byte(`SET key "a value with \"quotes\"" EX 10`)
	array := reply.Array([]reply.Reply{bulk("a\"b\xff"), reply.Int(12), reply.Double(0.25), reply.Nil(),
		{Kind: reply.KindMap, Arr: []reply.Reply{bulk("k"), bulk("v"), reply.Int(3), reply.Double(1e20)}}})
	dst := make([]byte, 0, 1024)
	get := [][]byte{[]byte("GET"), []byte("k")}
	set := [][]byte{[]byte("SET"), []byte("k"), []byte("v")}
	for _, c := range []struct {
		name string
		max  float64
		fn   func()
	}{
		{"Tokenize: one buffer, one slice of tokens", 2, func() { _, _ = Tokenize(line) }},
		{"Prepare GET", 0, func() { _ = Prepare(get) }},
		{"Prepare SET k v: the rewritten command", 2, func() { _ = Prepare(set) }},
		{"Render fixed text", 0, func() { _ = Prepare(get).Render(reply.Nil()) }},
		{"Render Inserted!", 0, func() { _ = Query{mode: modeSet}.Render(reply.Nil()) }},
		{"Render true", 0, func() { _ = Query{mode: modeExists}.Render(reply.Int(1)) }},
		{"Render bulk: the string", 1, func() { _ = Query{}.Render(bulk("value")) }},
		{"RenderGeneric array: the string", 1, func() { _ = RenderGeneric(array) }},
		{"RenderGeneric int: the string", 1, func() { _ = RenderGeneric(reply.Int(123456)) }},
		{"AppendGeneric array", 0, func() { dst = AppendGeneric(dst[:0], array) }},
		{"AppendGeneric double", 0, func() { dst = AppendGeneric(dst[:0], reply.Double(3.25e-9)) }},
		{"AppendRender", 0, func() { dst = Query{mode: modeDel}.AppendRender(dst[:0], reply.Int(1)) }},
	} {
		if n := testing.AllocsPerRun(200, c.fn); n > c.max {
			t.Errorf("%s: %v allocations, want at most %v", c.name, n, c.max)
		}
	}
}
