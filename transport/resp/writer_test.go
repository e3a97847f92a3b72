package resp

import (
	"bytes"
	"errors"
	"math"
	"strconv"
	"testing"

	"github.com/memshard/memshard/shard/reply"
)

func bulk(s string) reply.Reply { return reply.BulkString(s) }

func mapOf(kv ...reply.Reply) reply.Reply { return reply.Reply{Kind: reply.KindMap, Arr: kv} }

// Golden bytes for every kind in both protocols. The lines marked redis
// are what redis-server 7.0.15 sent for the same reply (GET, ZSCORE,
// HGETALL, BLPOP and CONFIG GET over a raw socket, after HELLO 3 for
// RESP3); TestRedisReplyBytes repeats that comparison when a redis-server
// is installed.
func TestAppendReplyGolden(t *testing.T) {
	for _, c := range []struct {
		name   string
		r      reply.Reply
		resp2  string
		resp3  string
		verify bool // checked against redis-server
	}{
		{"nil", reply.Nil(), "$-1\r\n", "_\r\n", true},
		{"nil array", reply.Reply{Kind: reply.KindNilArray}, "*-1\r\n", "_\r\n", true},
		{"status", reply.OK(), "+OK\r\n", "+OK\r\n", true},
		{"status with newline", reply.Status("a\r\nb"), "+a  b\r\n", "+a  b\r\n", false},
		{"error", reply.Error("ERR unknown command 'FOO', with args beginning with: "),
			"-ERR unknown command 'FOO', with args beginning with: \r\n", "-ERR unknown command 'FOO', with args beginning with: \r\n", true},
		{"error with newline", reply.Error("ERR a\nb\rc"), "-ERR a b c\r\n", "-ERR a b c\r\n", false},
		{"int", reply.Int(1), ":1\r\n", ":1\r\n", true},
		{"int min", reply.Int(math.MinInt64), ":-9223372036854775808\r\n", ":-9223372036854775808\r\n", false},
		{"bulk", bulk("v"), "$1\r\nv\r\n", "$1\r\nv\r\n", true},
		{"bulk binary", bulk("a\r\n\x00"), "$4\r\na\r\n\x00\r\n", "$4\r\na\r\n\x00\r\n", false},
		{"bulk empty", reply.Bulk(nil), "$0\r\n\r\n", "$0\r\n\r\n", false},
		{"double 0.1", reply.Double(0.1), "$19\r\n0.10000000000000001\r\n", ",0.10000000000000001\r\n", true},
		{"double 1e300", reply.Double(1e300), "$23\r\n1.0000000000000001e+300\r\n", ",1.0000000000000001e+300\r\n", true},
		{"double inf", reply.Double(math.Inf(1)), "$3\r\ninf\r\n", ",inf\r\n", true},
		{"double -inf", reply.Double(math.Inf(-1)), "$4\r\n-inf\r\n", ",-inf\r\n", true},
		{"double 1.5", reply.Double(1.5), "$3\r\n1.5\r\n", ",1.5\r\n", true},
		{"double 100", reply.Double(100), "$3\r\n100\r\n", ",100\r\n", true},
		{"double 1e-5", reply.Double(1e-5), "$22\r\n1.0000000000000001e-05\r\n", ",1.0000000000000001e-05\r\n", true},
		{"double 123456789012345678", reply.Double(123456789012345678), "$22\r\n1.2345678901234568e+17\r\n", ",1.2345678901234568e+17\r\n", true},
		{"double 0", reply.Double(0), "$1\r\n0\r\n", ",0\r\n", true},
		{"double -0", reply.Double(math.Copysign(0, -1)), "$2\r\n-0\r\n", ",-0\r\n", false},
		{"double nan", reply.Double(math.NaN()), "$3\r\nnan\r\n", ",nan\r\n", false},
		{"double -nan", reply.Double(math.Copysign(math.NaN(), -1)), "$4\r\n-nan\r\n", ",-nan\r\n", false},
		{"double smallest", reply.Double(5e-324), "$23\r\n4.9406564584124654e-324\r\n", ",4.9406564584124654e-324\r\n", false},
		{"double largest", reply.Double(-math.MaxFloat64), "$24\r\n-1.7976931348623157e+308\r\n", ",-1.7976931348623157e+308\r\n", false},
		{"double 1e16", reply.Double(1e16), "$17\r\n10000000000000000\r\n", ",10000000000000000\r\n", false},
		{"double 1e17", reply.Double(1e17), "$5\r\n1e+17\r\n", ",1e+17\r\n", false},
		{"empty array", reply.Array(nil), "*0\r\n", "*0\r\n", true},
		{"array", reply.Array([]reply.Reply{bulk("v"), reply.Nil()}), "*2\r\n$1\r\nv\r\n$-1\r\n", "*2\r\n$1\r\nv\r\n_\r\n", true},
		{"nested", reply.Array([]reply.Reply{reply.Array([]reply.Reply{bulk("a"), reply.Double(1)}), reply.Int(2)}),
			"*2\r\n*2\r\n$1\r\na\r\n$1\r\n1\r\n:2\r\n", "*2\r\n*2\r\n$1\r\na\r\n,1\r\n:2\r\n", false},
		{"map", mapOf(bulk("f"), bulk("v")), "*2\r\n$1\r\nf\r\n$1\r\nv\r\n", "%1\r\n$1\r\nf\r\n$1\r\nv\r\n", true},
		{"empty map", mapOf(), "*0\r\n", "%0\r\n", true},
		{"map of maps", mapOf(bulk("m"), mapOf(bulk("k"), reply.Int(1)), bulk("d"), reply.Double(2.5)),
			"*4\r\n$1\r\nm\r\n*2\r\n$1\r\nk\r\n:1\r\n$1\r\nd\r\n$3\r\n2.5\r\n", "%2\r\n$1\r\nm\r\n%1\r\n$1\r\nk\r\n:1\r\n$1\r\nd\r\n,2.5\r\n", false},
		{"map with odd length", mapOf(bulk("k")), "*2\r\n$1\r\nk\r\n$-1\r\n", "%1\r\n$1\r\nk\r\n_\r\n", false},
		{"unknown kind", reply.Reply{Kind: 200}, "-ERR internal error: reply of unknown kind 200\r\n", "-ERR internal error: reply of unknown kind 200\r\n", false},
	} {
		for _, p := range []struct {
			proto int
			want  string
		}{{2, c.resp2}, {3, c.resp3}, {0, c.resp2}} {
			prefix := []byte("prefix")
			got := AppendReply(prefix, c.r, p.proto)
			if string(got) != "prefix"+p.want {
				t.Errorf("%s, RESP%d: %q, want %q", c.name, p.proto, got[len(prefix):], p.want)
			}
		}
	}
}

func TestAppendHelpers(t *testing.T) {
	for _, c := range []struct{ got, want string }{
		{string(AppendError(nil, "ERR x")), "-ERR x\r\n"},
		{string(AppendError(nil, "ERR a\r\nb")), "-ERR a  b\r\n"},
		{string(AppendError(nil, errExpectedDollar('x').Msg)), "-ERR Protocol error: expected '$', got 'x'\r\n"},
		{string(AppendStatus(nil, "OK")), "+OK\r\n"},
		{string(AppendStatus(nil, "\n")), "+ \r\n"},
		{string(AppendStatus(nil, "")), "+\r\n"},
		{string(AppendInt(nil, 0)), ":0\r\n"},
		{string(AppendInt(nil, -12)), ":-12\r\n"},
		{string(AppendInt(nil, math.MaxInt64)), ":9223372036854775807\r\n"},
		{string(AppendBulk(nil, []byte("hello"))), "$5\r\nhello\r\n"},
		{string(AppendBulk(nil, nil)), "$0\r\n\r\n"},
		{string(AppendArrayHeader(nil, 3)), "*3\r\n"},
		{string(AppendArrayHeader(nil, 0)), "*0\r\n"},
		{string(AppendMapHeader(nil, 2, 2)), "*4\r\n"},
		{string(AppendMapHeader(nil, 2, 3)), "%2\r\n"},
		{string(AppendNull(nil, 2)), "$-1\r\n"},
		{string(AppendNull(nil, 3)), "_\r\n"},
	} {
		if c.got != c.want {
			t.Errorf("%q, want %q", c.got, c.want)
		}
	}
	// The caller's message is not modified in place.
	msg := []byte("ERR a\nb")
	AppendReply(nil, reply.Reply{Kind: reply.KindError, Str: msg}, 2)
	if string(msg) != "ERR a\nb" {
		t.Fatalf("message changed to %q", msg)
	}
}

// readReply decodes one RESP2 or RESP3 value at the start of b (test only:
// the kinds AppendReply writes). It returns the value and its length, or
// errIncomplete when b ends inside it. RESP3 "_" decodes as KindNil.
func readReply(b []byte) (reply.Reply, int, error) {
	line, n, err := readLine(b)
	if err != nil {
		return reply.Reply{}, 0, err
	}
	if len(line) == 0 {
		return reply.Reply{}, 0, errors.New("empty line")
	}
	body := line[1:]
	switch line[0] {
	case '+':
		return reply.Reply{Kind: reply.KindStatus, Str: body}, n, nil
	case '-':
		return reply.Reply{Kind: reply.KindError, Str: body}, n, nil
	case ':':
		v, err := strconv.ParseInt(string(body), 10, 64)
		return reply.Int(v), n, err
	case '_':
		if len(body) != 0 {
			return reply.Reply{}, 0, errors.New("bad null")
		}
		return reply.Nil(), n, nil
	case ',':
		f, err := parseDouble(string(body))
		return reply.Double(f), n, err
	case '$':
		l, err := strconv.Atoi(string(body))
		if err != nil || l < -1 {
			return reply.Reply{}, 0, errors.New("bad bulk length")
		}
		if l == -1 {
			return reply.Nil(), n, nil
		}
		if len(b) < n+l+2 {
			return reply.Reply{}, 0, errIncomplete
		}
		if string(b[n+l:n+l+2]) != "\r\n" {
			return reply.Reply{}, 0, errors.New("bulk without CRLF")
		}
		return reply.Bulk(b[n : n+l : n+l]), n + l + 2, nil
	case '*', '%':
		l, err := strconv.Atoi(string(body))
		if err != nil || l < -1 || l > 1<<20 {
			return reply.Reply{}, 0, errors.New("bad aggregate length")
		}
		if l == -1 && line[0] == '*' {
			return reply.Reply{Kind: reply.KindNilArray}, n, nil
		}
		r := reply.Reply{Kind: reply.KindArray, Arr: []reply.Reply{}}
		if line[0] == '%' {
			r.Kind, l = reply.KindMap, 2*l
		}
		for range l {
			e, m, err := readReply(b[n:])
			if err != nil {
				return reply.Reply{}, 0, err
			}
			r.Arr = append(r.Arr, e)
			n += m
		}
		return r, n, nil
	}
	return reply.Reply{}, 0, errors.New("unknown type " + strconv.Quote(string(line[:1])))
}

var errIncomplete = errors.New("incomplete")

// readLine returns the line at the start of b without its CRLF, and the
// length with it.
func readLine(b []byte) ([]byte, int, error) {
	i := bytes.Index(b, []byte("\r\n"))
	if i < 0 {
		return nil, 0, errIncomplete
	}
	return b[:i], i + 2, nil
}

// parseDouble reads the text of a RESP3 double.
func parseDouble(s string) (float64, error) {
	switch s {
	case "inf":
		return math.Inf(1), nil
	case "-inf":
		return math.Inf(-1), nil
	case "nan":
		return math.NaN(), nil
	case "-nan":
		return math.Copysign(math.NaN(), -1), nil
	}
	return strconv.ParseFloat(s, 64)
}

// expected returns what decoding r's encoding in proto gives back: RESP2
// flattens maps and sends doubles as bulk strings, RESP3 has one null, and
// line breaks in one-line replies become spaces.
func expected(r reply.Reply, proto int) reply.Reply {
	switch r.Kind {
	case reply.KindStatus, reply.KindError:
		s := bytes.ReplaceAll(r.Str, []byte("\r"), []byte(" "))
		return reply.Reply{Kind: r.Kind, Str: bytes.ReplaceAll(s, []byte("\n"), []byte(" "))}
	case reply.KindNilArray:
		if proto == 3 {
			return reply.Nil()
		}
	case reply.KindDouble:
		if proto != 3 {
			return reply.Bulk(appendDoubleText(nil, r.Dbl))
		}
	case reply.KindArray, reply.KindMap:
		e := reply.Reply{Kind: r.Kind, Arr: []reply.Reply{}}
		if proto != 3 {
			e.Kind = reply.KindArray
		}
		for _, a := range r.Arr {
			e.Arr = append(e.Arr, expected(a, proto))
		}
		if r.Kind == reply.KindMap && len(r.Arr)%2 == 1 {
			e.Arr = append(e.Arr, reply.Nil())
		}
		return e
	}
	return r
}

// sameReply compares two replies by the fields their kind uses; doubles
// bit for bit (NaN with its sign).
func sameReply(a, b reply.Reply) bool {
	if a.Kind != b.Kind {
		return false
	}
	switch a.Kind {
	case reply.KindStatus, reply.KindError, reply.KindBulk:
		return bytes.Equal(a.Str, b.Str)
	case reply.KindInt:
		return a.Int == b.Int
	case reply.KindDouble:
		if math.IsNaN(a.Dbl) || math.IsNaN(b.Dbl) {
			return math.IsNaN(a.Dbl) && math.IsNaN(b.Dbl) && math.Signbit(a.Dbl) == math.Signbit(b.Dbl)
		}
		return math.Float64bits(a.Dbl) == math.Float64bits(b.Dbl)
	case reply.KindArray, reply.KindMap:
		if len(a.Arr) != len(b.Arr) {
			return false
		}
		for i := range a.Arr {
			if !sameReply(a.Arr[i], b.Arr[i]) {
				return false
			}
		}
	}
	return true
}

// Every double survives RESP3 bit for bit: %.17g is enough digits.
func TestDoubleRoundTrip(t *testing.T) {
	for _, f := range []float64{0, 1, -1, 0.1, 1.0 / 3, math.Pi, 1e-310, 5e-324, math.MaxFloat64, math.SmallestNonzeroFloat64, 123456789.123456789, 1e22, math.Inf(1), math.NaN()} {
		enc := AppendReply(nil, reply.Double(f), 3)
		got, n, err := readReply(enc)
		if err != nil || n != len(enc) || !sameReply(got, reply.Double(f)) {
			t.Errorf("%v: %q decodes to %v (%v)", f, enc, got, err)
		}
	}
}
