package text

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/memshard/memshard/shard/reply"
)

func bulk(s string) reply.Reply { return reply.BulkString(s) }

var genericCases = []struct {
	name string
	r    reply.Reply
	want string
}{
	{"status", reply.OK(), "OK"},
	{"status text", reply.Status("PONG"), "PONG"},
	{"bulk", bulk("hello world"), "hello world"},
	{"empty bulk", bulk(""), ""},
	{"binary bulk", bulk("a\x00\xff\n"), "a\x00\xff\n"},
	{"nil", reply.Nil(), "Nil"},
	{"nil array", reply.Reply{Kind: reply.KindNilArray}, "Nil"},
	{"int", reply.Int(42), "42"},
	{"negative int", reply.Int(-7), "-7"},
	{"min int", reply.Int(math.MinInt64), "-9223372036854775808"},
	{"error", reply.ErrWrongType, "WRONGTYPE Operation against a key holding the wrong kind of value"},
	{"ERR", reply.Error("ERR wrong number of arguments for 'get' command"), "ERR wrong number of arguments for 'get' command"},
	{"double", reply.Double(1.5), "1.5"},
	{"double inf", reply.Double(math.Inf(1)), "inf"},
	{"double -inf", reply.Double(math.Inf(-1)), "-inf"},
	{"double nan", reply.Double(math.NaN()), "nan"},
	{"empty array", reply.Array(nil), "[]"},
	{"array", reply.Array([]reply.Reply{bulk("a"), bulk("b")}), `["a","b"]`},
	{"mixed array", reply.Array([]reply.Reply{
		bulk("x"), reply.Nil(), reply.Int(3), reply.Double(2.5), reply.OK(),
		reply.Reply{Kind: reply.KindNilArray}, reply.ErrSyntax,
	}), `["x",null,3,2.5,"OK",null,"ERR syntax error"]`},
	{"nested array", reply.Array([]reply.Reply{
		reply.Array([]reply.Reply{bulk("a"), reply.Int(1)}),
		reply.Array(nil),
		reply.Array([]reply.Reply{reply.Array([]reply.Reply{bulk("deep")})}),
	}), `[["a",1],[],[["deep"]]]`},
	{"array of doubles", reply.Array([]reply.Reply{reply.Double(math.Inf(1)), reply.Double(math.Inf(-1)), reply.Double(math.NaN()), reply.Double(1e300)}),
		`["inf","-inf","nan",1e+300]`},
	{"map", reply.Reply{Kind: reply.KindMap, Arr: []reply.Reply{bulk("f1"), bulk("v1"), bulk("f2"), reply.Int(2)}},
		`{"f1":"v1","f2":2}`},
	{"empty map", reply.Reply{Kind: reply.KindMap}, `{}`},
	{"map with odd entries", reply.Reply{Kind: reply.KindMap, Arr: []reply.Reply{bulk("k")}}, `{"k":null}`},
	{"map with other keys", reply.Reply{Kind: reply.KindMap, Arr: []reply.Reply{
		reply.Int(1), bulk("one"), reply.Double(0.5), bulk("half"), reply.Nil(), bulk("nil"),
		reply.Array([]reply.Reply{bulk("a")}), bulk("arr"),
	}}, `{"1":"one","0.5":"half","Nil":"nil","[\"a\"]":"arr"}`},
	{"map in array", reply.Array([]reply.Reply{{Kind: reply.KindMap, Arr: []reply.Reply{bulk("a"), reply.Array([]reply.Reply{reply.Int(1)})}}}),
		`[{"a":[1]}]`},
	{"escapes", reply.Array([]reply.Reply{bulk("q\"b\\n\nr\rt\tz\x00\x1f\x7f")}), `["q\"b\\n\nr\rt\tz\u0000\u001f` + "\x7f" + `"]`},
	{"unicode", reply.Array([]reply.Reply{bulk("é ✓ 😀 \u2028\u2029")}), `["é ✓ 😀 \u2028\u2029"]`},
	{"invalid utf-8", reply.Array([]reply.Reply{bulk("a\xffb\xc3")}), `["a\ufffdb\ufffd"]`},
	{"surrogate half", reply.Array([]reply.Reply{bulk("\xed\xa0\x80")}), `["\ufffd\ufffd\ufffd"]`},
	{"encoded U+FFFD", reply.Array([]reply.Reply{bulk("\uFFFD")}), "[\"\uFFFD\"]"},
}

func TestGeneric(t *testing.T) {
	for _, c := range genericCases {
		if got := RenderGeneric(c.r); got != c.want {
			t.Errorf("%s: RenderGeneric = %q, want %q", c.name, got, c.want)
		}
		prefix := []byte("prefix:")
		if got := string(AppendGeneric(prefix, c.r)); got != "prefix:"+c.want {
			t.Errorf("%s: AppendGeneric = %q, want %q", c.name, got, "prefix:"+c.want)
		}
		if k := c.r.Kind; (k == reply.KindArray || k == reply.KindMap) && !json.Valid([]byte(c.want)) {
			t.Errorf("%s: %q is not valid JSON", c.name, c.want)
		}
	}
}

func TestDouble(t *testing.T) {
	for _, c := range []struct {
		f    float64
		want string
	}{
		{0, "0"},
		{math.Copysign(0, -1), "-0"},
		{1, "1"},
		{-1, "-1"},
		{1.5, "1.5"},
		{0.1, "0.1"},
		{3.14159, "3.14159"},
		{1234567, "1234567"},
		{1e16, "10000000000000000"},
		{1e17, "1e+17"},
		{1.5e17, "1.5e+17"},
		{123456789012345678, "1.2345678901234568e+17"},
		{0.0001, "0.0001"},
		{0.00012, "0.00012"},
		{1e-5, "1e-05"},
		{-2.5e-7, "-2.5e-07"},
		{1e300, "1e+300"},
		{5e-324, "5e-324"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
		{math.NaN(), "nan"},
	} {
		if got := string(appendDouble(nil, c.f)); got != c.want {
			t.Errorf("appendDouble(%v) = %q, want %q", c.f, got, c.want)
		}
	}
}

// FuzzGenericJSON builds array replies out of arbitrary bytes and checks that
// the rendering is valid JSON that decodes to the replies' strings, each
// invalid UTF-8 byte replaced by U+FFFD.
func FuzzGenericJSON(f *testing.F) {
	f.Add([]byte("a\x00\xff\"\\\n"), []byte("\xed\xa0\x80\u2028"), int64(-3))
	f.Add([]byte(""), []byte("é"), int64(0))
	f.Fuzz(func(t *testing.T, a, b []byte, n int64) {
		r := reply.Array([]reply.Reply{
			reply.Bulk(a),
			reply.Array([]reply.Reply{reply.Bulk(b), reply.Int(n), reply.Nil()}),
			{Kind: reply.KindMap, Arr: []reply.Reply{reply.Bulk(a), reply.Bulk(b), reply.Bulk(b), reply.Double(float64(n) / 7)}},
			reply.Error(string(b)),
		})
		out := AppendGeneric(nil, r)
		if !json.Valid(out) {
			t.Fatalf("invalid JSON %q", out)
		}
		var got []any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatalf("%q: %v", out, err)
		}
		wa, wb := string([]rune(string(a))), string([]rune(string(b)))
		if got[0] != wa {
			t.Fatalf("bulk %q rendered as %q, want %q", a, got[0], wa)
		}
		inner := got[1].([]any)
		if inner[0] != wb || inner[1] != float64(n) || inner[2] != nil {
			t.Fatalf("nested array %q rendered as %q", b, inner)
		}
		m := got[2].(map[string]any)
		if wa != wb && m[wa] != wb {
			t.Fatalf("map %q -> %q rendered as %q", a, b, m)
		}
		if got[3] != wb {
			t.Fatalf("error %q rendered as %q, want %q", b, got[3], wb)
		}
	})
}
