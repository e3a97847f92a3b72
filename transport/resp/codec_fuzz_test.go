package resp

import (
	"bytes"
	"encoding/binary"
	"math"
	"reflect"
	"regexp"
	"strconv"
	"testing"

	"github.com/memshard/memshard/shard/reply"
	"github.com/memshard/memshard/transport/text"
)

// fuzzLimits picks the limits of a fuzz run from mode: bit 0 selects limits
// small enough for short inputs to reach, bit 1 an unauthenticated
// connection.
func fuzzLimits(mode uint8) Limits {
	var lim Limits
	if mode&1 != 0 {
		lim = Limits{MaxBulkLen: 40, MaxMultibulkLen: 12, MaxInlineLen: 12}
	}
	lim.Unauthenticated = mode&2 != 0
	return lim
}

// FuzzParse feeds each input whole and split in two at every point: whole,
// the commands, the error and what is left must be a plain reference
// parser's; split, they must be what the first part alone gives when that
// fails (a line that has not ended and is over the inline limit), else the
// same as whole; nothing may panic.
func FuzzParse(f *testing.F) {
	for _, pl := range pipelines {
		buf, _, _ := encoded(pl)
		f.Add(buf, uint8(0))
		f.Add(buf, uint8(1))
	}
	for _, s := range []string{
		"", "*1\rX$4\r\nPING\r\n", "*1\r\n$4\r\nPINGxy", "*1\x00\r\n$4\r\nPING\r\n", "ECHO a\x00b\r\n",
		"*2147483648\r\n", "*-1\r\n*0\r\n", "*1\r\n$-1\r\n", "*1\r\nx\r\n", "ECHO \"a\r\n", "ECHO \"a\"b\r\n",
		"PING\r\n*11\r\n", "*1\r\n$20\r\n", "AUTH pw\r\nRESET\r\n*11\r\n", "aaaaaaaaaaaaaaaaaaaa\r\n",
	} {
		for mode := range uint8(4) {
			f.Add([]byte(s), mode)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte, mode uint8) {
		lim := fuzzLimits(mode)
		whole := feed(t, NewParser(lim), nil, in)
		var ref run
		ref.cmds, ref.err, ref.rest = refParse(in, lim)
		if !reflect.DeepEqual(ref.cmds, whole.cmds) || ref.err != whole.err || ref.rest != whole.rest {
			t.Fatalf("%q: parser %q, %q, %d left; reference %q, %q, %d left",
				in, whole.cmds, whole.err, whole.rest, ref.cmds, ref.err, ref.rest)
		}
		step := 1 + len(in)/128 // long inputs: a sample of the split points
		for i := 0; i <= len(in); i += step {
			want := whole
			if first := feed(t, NewParser(lim), nil, in[:i]); first.err != "" {
				want = first
				want.rest += len(in) - i
			}
			split := feed(t, NewParser(lim), nil, in[:i], in[i:])
			if !reflect.DeepEqual(split, want) {
				t.Fatalf("%q split at %d: %+v; want %+v (whole: %+v)", in, i, split, want, whole)
			}
		}
	})
}

// refParse parses in whole by the rules of the package doc, written as
// plainly as possible, to check the Parser's incremental state machine
// against. It returns the commands, the protocol error and how many bytes
// were left from the command that failed or is incomplete.
func refParse(in []byte, lim Limits) (cmds [][]string, perr string, rest int) {
	lim = lim.withDefaults()
	start := 0 // of the command being parsed
	fail := func(msg string) ([][]string, string, int) {
		return cmds, "ERR Protocol error: " + msg, len(in) - start
	}
	for pos := 0; pos < len(in); {
		start = pos
		if in[pos] != '*' {
			nl, st := refLine(in, pos, '\n', lim.MaxInlineLen)
			if st == lineWait {
				return cmds, "", len(in) - start
			}
			if st == lineTooBig {
				return fail("too big inline request")
			}
			line := bytes.TrimSuffix(in[pos:nl], []byte("\r"))
			tokens, err := text.Tokenize(line)
			switch err {
			case nil:
				cmds = append(cmds, strs(tokens))
			case text.ErrEmpty:
			default:
				return fail("unbalanced quotes in request")
			}
			pos = nl + 1
			continue
		}
		eol, st := refLine(in, pos, '\r', lim.MaxInlineLen)
		if st == lineWait {
			return cmds, "", len(in) - start
		}
		if st == lineTooBig {
			return fail("too big mbulk count string")
		}
		n, ok := refInt(in[pos+1 : eol])
		if !ok || n > lim.MaxMultibulkLen {
			return fail("invalid multibulk length")
		}
		if lim.Unauthenticated && n > 10 {
			return fail("unauthenticated multibulk length")
		}
		pos = eol + 2
		var args []string
		for range max(n, 0) {
			eol, st := refLine(in, pos, '\r', lim.MaxInlineLen)
			if st == lineWait {
				return cmds, "", len(in) - start
			}
			if st == lineTooBig {
				return fail("too big bulk count string")
			}
			if c := in[pos]; c != '$' {
				if c == '\r' || c == '\n' {
					c = ' '
				}
				return fail("expected '$', got '" + string([]byte{c}) + "'")
			}
			l, ok := refInt(in[pos+1 : eol])
			if !ok || l < 0 || l > lim.MaxBulkLen {
				return fail("invalid bulk length")
			}
			if lim.Unauthenticated && l > 16384 {
				return fail("unauthenticated bulk length")
			}
			pos = eol + 2
			if int64(len(in)-pos) < l+2 {
				return cmds, "", len(in) - start
			}
			args = append(args, string(in[pos:pos+int(l)]))
			pos += int(l) + 2
		}
		if len(args) > 0 {
			cmds = append(cmds, args)
		}
	}
	return cmds, "", 0
}

const (
	lineOK = iota
	lineWait
	lineTooBig
)

// refLine finds the end of the line at in[from:] as strchr would; when
// there is none, the input from the line on may not pass the limit.
func refLine(in []byte, from int, delim byte, limit int) (int, int) {
	visible := in[from:]
	if z := bytes.IndexByte(visible, 0); z >= 0 {
		visible = visible[:z]
	}
	i := bytes.IndexByte(visible, delim)
	switch {
	case i < 0 && len(in)-from > limit:
		return 0, lineTooBig
	case i < 0:
		return 0, lineWait
	case delim == '\r' && from+i+1 >= len(in):
		return 0, lineWait
	}
	return from + i, lineOK
}

var refNumber = regexp.MustCompile(`^(0|-?[1-9][0-9]{0,19})$`)

// refInt is string2ll by another route.
func refInt(b []byte) (int64, bool) {
	if !refNumber.Match(b) {
		return 0, false
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	return n, err == nil
}

// FuzzWriterRoundTrip encodes a reply built from the input in RESP2 and
// RESP3 and decodes it again: every value comes back, rendered as that
// protocol renders it, and nothing is left over.
func FuzzWriterRoundTrip(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{5, 3, 4, 2, 'a', 'b', 7, 0, 0, 0, 0, 0, 0, 0xf0, 0x7f, 6, 2, 0, 1, 1})
	f.Add([]byte{6, 3, 1, 3, 'a', '\r', '\n', 2, 4, 'E', 'R', 'R', ' ', 8, 3, 1, 1, 1, 1, 1, 1, 1, 1})
	f.Add([]byte{5, 2, 7, 1, 2, 3, 4, 5, 6, 0xf8, 0xff, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0x80})
	f.Fuzz(func(t *testing.T, in []byte) {
		g := &replyGen{in: in}
		r := g.reply(0)
		for _, proto := range []int{2, 3} {
			enc := AppendReply(nil, r, proto)
			got, n, err := readReply(enc)
			if err != nil || n != len(enc) {
				t.Fatalf("RESP%d %q: decoded %d of %d bytes: %v", proto, enc, n, len(enc), err)
			}
			if want := expected(r, proto); !sameReply(got, want) {
				t.Fatalf("RESP%d %q: decoded %v, want %v", proto, enc, got, want)
			}
		}
	})
}

// replyGen builds a reply from fuzz input, a byte at a time.
type replyGen struct{ in []byte }

func (g *replyGen) byte() byte {
	if len(g.in) == 0 {
		return 0
	}
	b := g.in[0]
	g.in = g.in[1:]
	return b
}

func (g *replyGen) uint64() uint64 {
	var b [8]byte
	for i := range b {
		b[i] = g.byte()
	}
	return binary.LittleEndian.Uint64(b[:])
}

func (g *replyGen) bytes() []byte {
	n := min(int(g.byte()%32), len(g.in))
	b := g.in[:n:n]
	g.in = g.in[n:]
	return b
}

func (g *replyGen) reply(depth int) reply.Reply {
	switch k := reply.Kind(g.byte() % 9); k {
	case reply.KindStatus, reply.KindError, reply.KindBulk:
		return reply.Reply{Kind: k, Str: g.bytes()}
	case reply.KindInt:
		return reply.Int(int64(g.uint64()))
	case reply.KindDouble:
		return reply.Double(math.Float64frombits(g.uint64()))
	case reply.KindArray, reply.KindMap:
		r := reply.Reply{Kind: k}
		if depth < 4 {
			for range g.byte() % 6 {
				r.Arr = append(r.Arr, g.reply(depth+1))
			}
		}
		return r
	default:
		return reply.Reply{Kind: k} // nil, nil array
	}
}
