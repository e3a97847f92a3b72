package resp

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/memshard/memshard/shard"
)

// run is what a connection does with its input: the outcome of feeding
// chunks, one after another, to one Parser.
type run struct {
	cmds [][]string // every command returned, copied
	err  string     // the protocol error's Msg, "" if none
	rest int        // bytes of input not parsed: an incomplete command, or from the error on
	need int        // the last need reported
}

// feed drives p as a connection would: it appends each chunk to the unparsed
// input and calls Parse until Parse waits for more input or fails. Between
// calls the unparsed input moves to a new array, so a Parser that kept a
// pointer into an old buffer would be caught. onCmd, if not nil, sees every
// command before the next call of Parse (it may call p.SetLimits).
func feed(tb testing.TB, p *Parser, onCmd func([][]byte), chunks ...[]byte) run {
	tb.Helper()
	var r run
	var buf []byte
	left := 0 // input not yet parsed, fed or not
	for _, chunk := range chunks {
		left += len(chunk)
	}
	for _, chunk := range chunks {
		buf = append(buf, chunk...)
		for len(buf) > 0 {
			cmds, used, need, err := p.Parse(buf)
			if used < 0 || used > len(buf) || need < 0 {
				tb.Fatalf("Parse(%q) = used %d, need %d", buf, used, need)
			}
			for _, c := range cmds {
				if len(c) == 0 {
					tb.Fatalf("Parse(%q) returned an empty command", buf)
				}
				r.cmds = append(r.cmds, strs(c))
				if onCmd != nil {
					onCmd(c)
				}
			}
			buf = append([]byte(nil), buf[used:]...)
			left -= used
			r.rest, r.need = left, need
			if err != nil {
				pe, ok := err.(*ProtocolError)
				if !ok {
					tb.Fatalf("Parse returned %T %v, want a *ProtocolError", err, err)
				}
				if need != 0 {
					tb.Fatalf("Parse returned need %d with error %q", need, pe.Msg)
				}
				r.err = pe.Msg
				return r
			}
			if need > 0 {
				if len(buf) == 0 {
					tb.Fatalf("need %d with nothing left unparsed", need)
				}
				break
			}
			if used == 0 {
				tb.Fatalf("Parse(%q) made no progress and needs nothing", buf)
			}
		}
	}
	return r
}

func strs(c [][]byte) []string {
	s := make([]string, len(c))
	for i, a := range c {
		s[i] = string(a)
	}
	return s
}

// mb encodes a multibulk command.
func mb(args ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.String()
}

func cmds(cs ...[]string) [][]string { return cs }
func cmd(args ...string) []string    { return args }

// small is a set of limits small enough to reach every limit in a test.
var small = Limits{MaxBulkLen: 100, MaxMultibulkLen: 20, MaxInlineLen: 16}

// Every expectation below about Redis was checked against redis-server
// 7.0.15 (see TestRedisParseDifferential, which repeats it when a
// redis-server is installed).
func TestParseTable(t *testing.T) {
	for _, c := range []struct {
		name string
		lim  Limits
		in   string
		want [][]string
		err  string // "" or the Msg after "ERR Protocol error: "
		rest int    // bytes left waiting for more input; -1: all of in
	}{
		{name: "empty"},
		{name: "multibulk", in: mb("SET", "k", "v"), want: cmds(cmd("SET", "k", "v"))},
		{name: "binary argument", in: mb("SET", "k", "a\r\nb\x00c"), want: cmds(cmd("SET", "k", "a\r\nb\x00c"))},
		{name: "empty argument", in: mb("SET", "", ""), want: cmds(cmd("SET", "", ""))},
		{name: "inline", in: "SET k v\r\n", want: cmds(cmd("SET", "k", "v"))},
		{name: "inline LF only", in: "PING\nPING\r\n", want: cmds(cmd("PING"), cmd("PING"))},
		{name: "inline quotes", in: `SET "a b" 'c\'d' "\x41\n"` + "\r\n", want: cmds(cmd("SET", "a b", "c'd", "A\n"))},
		{name: "inline CR inside quotes", in: "ECHO \"a\rb\"\r\n", want: cmds(cmd("ECHO", "a\rb"))},
		{name: "inline bare CR separates", in: "ECHO a\rb\r\n", want: cmds(cmd("ECHO", "a", "b"))},
		{name: "inline only one CR dropped", in: "ECHO \"a\"\r\r\n", want: cmds(cmd("ECHO", "a"))},
		{name: "inline vertical tab", in: "\v\fPING\r\nECHO a\vb\n", want: cmds(cmd("PING"), cmd("ECHO", "a\vb"))},
		{name: "inline that looks like a bulk", in: "$4\r\n", want: cmds(cmd("$4"))},
		{name: "blank lines skipped", in: "\r\n\n  \t\r\nPING\r\n", want: cmds(cmd("PING"))},
		{name: "empty multibulks skipped", in: "*0\r\n*-1\r\n*-100\r\n" + mb("PING"), want: cmds(cmd("PING"))},
		{name: "pipeline", in: mb("GET", "a") + "PING\r\n" + mb("GET", "b"), want: cmds(cmd("GET", "a"), cmd("PING"), cmd("GET", "b"))},
		{name: "count line: byte after CR not looked at", in: "*1\rX$4\r\nPING\r\n", want: cmds(cmd("PING"))},
		{name: "length line: byte after CR not looked at", in: "*1\r\n$4\rXPING\r\n", want: cmds(cmd("PING"))},
		{name: "bulk: two bytes after data not looked at", in: "*1\r\n$4\r\nPINGxy" + mb("PING"), want: cmds(cmd("PING"), cmd("PING"))},
		{name: "largest count waits", in: "*2147483647\r\n", rest: -1},
		{name: "largest bulk waits", in: "*1\r\n$536870912\r\n", rest: -1},

		{name: "count too large", in: "*2147483648\r\n", err: "invalid multibulk length"},
		{name: "count overflows", in: "*99999999999999999999\r\n", err: "invalid multibulk length"},
		{name: "count -0", in: "*-0\r\n", err: "invalid multibulk length"},
		{name: "count leading zero", in: "*01\r\n", err: "invalid multibulk length"},
		{name: "count plus", in: "*+1\r\n", err: "invalid multibulk length"},
		{name: "count space", in: "* 1\r\n", err: "invalid multibulk length"},
		{name: "count trailing space", in: "*1 \r\n", err: "invalid multibulk length"},
		{name: "count empty", in: "*\r\n", err: "invalid multibulk length"},
		{name: "count LF only", in: "*1\n$4\r\n", err: "invalid multibulk length"},
		{name: "bulk -1", in: "*1\r\n$-1\r\n", err: "invalid bulk length"},
		{name: "bulk leading zero", in: "*1\r\n$01\r\n", err: "invalid bulk length"},
		{name: "bulk not a number", in: "*1\r\n$abc\r\n", err: "invalid bulk length"},
		{name: "bulk too long", in: "*1\r\n$536870913\r\n", err: "invalid bulk length"},
		{name: "bulk overflows", in: "*1\r\n$99999999999999999999\r\n", err: "invalid bulk length"},
		{name: "expected $", in: "*1\r\nx\r\n", err: "expected '$', got 'x'"},
		{name: "expected $, got CR", in: "*1\r\n\r\n", err: "expected '$', got ' '"},
		{name: "expected $, got LF", in: "*1\r\n\n\r\n", err: "expected '$', got ' '"},
		{name: "expected $, got 0xff", in: "*1\r\n\xff\r\n", err: "expected '$', got '\xff'"},
		{name: "expected $, got *", in: "*1\r\n*1\r\n", err: "expected '$', got '*'"},
		{name: "unbalanced double quote", in: "ECHO \"a\r\n", err: "unbalanced quotes in request"},
		{name: "unbalanced single quote", in: "ECHO 'a\r\n", err: "unbalanced quotes in request"},
		{name: "closing quote followed by text", in: "ECHO \"a\"b\r\n", err: "unbalanced quotes in request"},
		{name: "error after commands", in: "PING\r\n" + mb("GET", "k") + "*1\r\nx\r\n" + mb("PING"), want: cmds(cmd("PING"), cmd("GET", "k")), err: "expected '$', got 'x'"},

		// A NUL hides the end of a line (strchr): the command waits.
		{name: "NUL in inline line", in: "ECHO a\x00b\r\nPING\r\n", rest: -1},
		{name: "NUL in count line", in: "*1\x00\r\n$4\r\nPING\r\n", rest: -1},
		{name: "NUL in length line", in: "*1\r\n$4\x00\r\nPING\r\n", rest: -1},
		{name: "NUL first", in: "*1\r\n\x00\r\n", rest: -1},
		{name: "NUL in data is data", in: mb("PI\x00G"), want: cmds(cmd("PI\x00G"))},

		{name: "small: longest inline", lim: small, in: strings.Repeat("a", 15) + "\r\n", want: cmds(cmd(strings.Repeat("a", 15)))},
		{name: "small: ended inline over limit", lim: small, in: strings.Repeat("a", 40) + "\r\n", want: cmds(cmd(strings.Repeat("a", 40)))},
		{name: "small: unended inline at limit waits", lim: small, in: strings.Repeat("a", 16), rest: -1},
		{name: "small: unended inline over limit", lim: small, in: strings.Repeat("a", 17), err: "too big inline request"},
		{name: "small: NUL line over limit", lim: small, in: "a\x00" + strings.Repeat("\r\n", 8), err: "too big inline request"},
		{name: "small: ended count line over limit", lim: small, in: "*" + strings.Repeat("1", 16) + "\r\n", err: "invalid multibulk length"},
		{name: "small: count line at limit", lim: small, in: "*" + strings.Repeat("1", 15) + "\r\n", err: "invalid multibulk length"},
		{name: "small: unended count line over limit", lim: small, in: "*" + strings.Repeat("1", 16), err: "too big mbulk count string"},
		{name: "small: NUL count line over limit", lim: small, in: "*1\x00\r\n$4\r\nPING\r\n\r\n", err: "too big mbulk count string"},
		{name: "small: ended length line over limit", lim: small, in: "*1\r\n$" + strings.Repeat("1", 16) + "\r\n", err: "invalid bulk length"},
		{name: "small: unended length line over limit", lim: small, in: "*1\r\n$" + strings.Repeat("1", 16), err: "too big bulk count string"},
		{name: "small: count at limit", lim: small, in: "*20\r\n", rest: -1},
		{name: "small: count over limit", lim: small, in: "*21\r\n", err: "invalid multibulk length"},
		{name: "small: bulk at limit", lim: small, in: "*1\r\n$100\r\n", rest: -1},
		{name: "small: bulk over limit", lim: small, in: "*1\r\n$101\r\n", err: "invalid bulk length"},

		{name: "unauth: 10 arguments", lim: Limits{Unauthenticated: true}, in: "*10\r\n", rest: -1},
		{name: "unauth: 11 arguments", lim: Limits{Unauthenticated: true}, in: "*11\r\n", err: "unauthenticated multibulk length"},
		{name: "unauth: negative count", lim: Limits{Unauthenticated: true}, in: "*-100\r\nPING\r\n", want: cmds(cmd("PING"))},
		{name: "unauth: invalid before unauthenticated", lim: Limits{Unauthenticated: true}, in: "*2147483648\r\n", err: "invalid multibulk length"},
		{name: "unauth: 16384 bytes", lim: Limits{Unauthenticated: true}, in: "*1\r\n$16384\r\n", rest: -1},
		{name: "unauth: 16385 bytes", lim: Limits{Unauthenticated: true}, in: "*1\r\n$16385\r\n", err: "unauthenticated bulk length"},
		{name: "unauth: invalid bulk before unauthenticated", lim: Limits{Unauthenticated: true}, in: "*1\r\n$536870913\r\n", err: "invalid bulk length"},
		{name: "unauth: after a command", lim: Limits{Unauthenticated: true}, in: "PING\r\n*11\r\n", want: cmds(cmd("PING")), err: "unauthenticated multibulk length"},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := feed(t, NewParser(c.lim), nil, []byte(c.in))
			if !reflect.DeepEqual(got.cmds, c.want) {
				t.Errorf("commands %q, want %q", got.cmds, c.want)
			}
			wantErr := ""
			if c.err != "" {
				wantErr = "ERR Protocol error: " + c.err
			}
			if got.err != wantErr {
				t.Errorf("error %q, want %q", got.err, wantErr)
			}
			if c.rest < 0 {
				c.rest = len(c.in)
			}
			if c.err == "" && got.rest != c.rest {
				t.Errorf("%d bytes left unparsed, want %d", got.rest, c.rest)
			}
			// Parsed from a fresh parser in one call, the commands before
			// an error come with it.
			if c.err != "" && !c.lim.Unauthenticated {
				cs, used, need, err := NewParser(c.lim).Parse([]byte(c.in))
				if len(cs) != len(c.want) || err == nil || need != 0 || used > len(c.in) {
					t.Errorf("one call: %d commands, used %d, need %d, err %v", len(cs), used, need, err)
				}
			}
		})
	}
}

// As in Redis, a line over the inline limit is refused only when the
// buffer holds more than the limit of it and not its end: the same bytes
// parse or fail depending on how they arrive.
func TestParseLongLineDependsOnArrival(t *testing.T) {
	for _, c := range []struct {
		line, err string
		want      [][]string
	}{
		{line: strings.Repeat("a", 40) + "\r\n", err: "too big inline request", want: cmds(cmd(strings.Repeat("a", 40)))},
		{line: "*" + strings.Repeat("1", 40) + "\r\n", err: "too big mbulk count string"},
		{line: "*1\r\n$" + strings.Repeat("1", 40) + "\r\n", err: "too big bulk count string"},
	} {
		in := []byte(c.line)
		whole := feed(t, NewParser(small), nil, in)
		split := feed(t, NewParser(small), nil, in[:10], in[10:])
		if c.want != nil && (whole.err != "" || !reflect.DeepEqual(whole.cmds, c.want) || !reflect.DeepEqual(split, whole)) {
			t.Errorf("%q whole: %+v, split at 10: %+v; want %q", in, whole, split, c.want)
		}
		if c.want == nil && (whole.err == "" || strings.Contains(whole.err, "too big") || whole.err != split.err) {
			t.Errorf("%q whole: %+v, split at 10: %+v; want an error other than too big", in, whole, split)
		}
		late := feed(t, NewParser(small), nil, in[:30], in[30:])
		if late.err != "ERR Protocol error: "+c.err || late.cmds != nil {
			t.Errorf("%q split at 30: %+v, want %q", in, late, c.err)
		}
	}
}

// need is how much more input Parse asks for: a lower bound on what the
// next command needs, exact for argument data.
func TestParseNeed(t *testing.T) {
	lim := Limits{MaxInlineLen: 16}
	for _, c := range []struct {
		in   string
		need int
	}{
		{"*", 2},
		{"*1", 2},
		{"*1\r", 1},
		{"*1\r\n", 2},
		{"*1\r\n$", 2},
		{"*1\r\n$3\r", 1},
		{"*1\r\n$3\r\n", 5},
		{"*1\r\n$3\r\nab", 3},
		{"*1\r\n$3\r\nabc", 2},
		{"*1\r\n$3\r\nabc\r", 1},
		{"*1\r\n$1000000\r\n", 1000002},
		{"*1\r\n$1000000\r\n" + strings.Repeat("a", 1000), 1000002 - 1000},
		{"PIN", 1},
		{"PING\r", 1},
		{"*1\x00", 16 + 1 - 3},
		{"PI\x00NG\r\n", 16 + 1 - 7},
		{strings.Repeat("a", 15), 1},
		{"*" + strings.Repeat("1", 15), 1},
	} {
		_, used, need, err := NewParser(lim).Parse([]byte(c.in))
		if used != 0 || need != c.need || err != nil {
			t.Errorf("Parse(%.40q) = used %d need %d err %v, want 0, %d, nil", c.in, used, need, err, c.need)
		}
	}
}

// pipelines are well-formed inputs: each a list of commands, encoded one
// after another.
var pipelines = [][]string{
	{mb("SET", "key:1", "value"), mb("GET", "key:1")},
	{mb("PING"), "PING\r\n", "*0\r\n", mb("ECHO", ""), "\r\n", "GET \"a b\" c\n"},
	{mb("SET", "k", strings.Repeat("x", 300)), mb("MSET", "a", "1", "b", "2", "c", "3")},
	{"*-1\r\n", mb("DEL", "a\r\n", "\x00", "$1\r\n")},
}

// encoded returns a pipeline's bytes, the offset where each element ends
// and how many commands each holds (0 for an empty command).
func encoded(pl []string) (buf []byte, ends, counts []int) {
	for _, c := range pl {
		buf = append(buf, c...)
		ends = append(ends, len(buf))
		cs, _, _, _ := NewParser(Limits{}).Parse([]byte(c))
		counts = append(counts, len(cs))
	}
	return buf, ends, counts
}

// fit returns how many commands end at or before off, and where the last
// element that does ends.
func fit(ends, counts []int, off int) (n, end int) {
	for i, e := range ends {
		if e <= off {
			n, end = n+counts[i], e
		}
	}
	return n, end
}

// Every truncation of a pipeline returns exactly the commands that fit,
// uses exactly their bytes, and asks for more; and going on from there
// gives what parsing it whole gives.
func TestParseEveryTruncation(t *testing.T) {
	checked := 0
	for _, pl := range pipelines {
		buf, ends, counts := encoded(pl)
		whole := feed(t, NewParser(Limits{}), nil, buf)
		if whole.err != "" || whole.rest != 0 {
			t.Fatalf("%q: %+v", buf, whole)
		}
		for k := 0; k <= len(buf); k++ {
			p := NewParser(Limits{})
			cs, used, need, err := p.Parse(buf[:k])
			if err != nil {
				t.Fatalf("%q: %v", buf[:k], err)
			}
			// The commands that end within k; used is the end of the last
			// of them (empty commands included).
			wantN, wantUsed := fit(ends, counts, k)
			next := len(buf)
			for _, e := range ends {
				if e > k {
					next = min(next, e)
				}
			}
			if used != wantUsed || len(cs) != wantN {
				t.Fatalf("%q: %d commands using %d bytes, want %d using %d", buf[:k], len(cs), used, wantN, wantUsed)
			}
			if (need > 0) != (k > used) {
				t.Fatalf("%q: need %d with %d bytes unparsed", buf[:k], need, k-used)
			}
			if need > next-k {
				t.Fatalf("%q: need %d, but the next command ends %d bytes on", buf[:k], need, next-k)
			}
			// Go on with the rest in one read, the parser keeping its place.
			var all [][]string
			for _, c := range cs {
				all = append(all, strs(c))
			}
			rest := feed(t, p, nil, buf[used:])
			all = append(all, rest.cmds...)
			if !reflect.DeepEqual(all, whole.cmds) || rest.err != "" || rest.rest != 0 {
				t.Fatalf("split at %d: %q, want %q", k, all, whole.cmds)
			}
			checked++
		}
	}
	if checked < 300 {
		t.Fatalf("checked only %d truncations", checked)
	}
}

// One byte changed anywhere: no panic, the commands before it are intact,
// and parsing in two pieces agrees with parsing whole.
func TestParseFlippedByte(t *testing.T) {
	checked := 0
	for _, pl := range pipelines {
		buf, ends, counts := encoded(pl)
		orig := feed(t, NewParser(Limits{}), nil, buf)
		for i := range buf {
			for _, b := range []byte{0, '\r', '\n', '*', '$', '-', '0', '9', 'x', '"', buf[i] ^ 0x20} {
				if b == buf[i] {
					continue
				}
				mut := bytes.Clone(buf)
				mut[i] = b
				got := feed(t, NewParser(Limits{}), nil, mut)
				// Commands that end before i are unchanged.
				intact, _ := fit(ends, counts, i)
				if len(got.cmds) < intact || intact > 0 && !reflect.DeepEqual(got.cmds[:intact], orig.cmds[:intact]) {
					t.Fatalf("%q: commands %q, want a prefix %q", mut, got.cmds, orig.cmds[:intact])
				}
				split := feed(t, NewParser(Limits{}), nil, mut[:i], mut[i:])
				if !reflect.DeepEqual(split, got) {
					t.Fatalf("%q split at %d: %+v, whole %+v", mut, i, split, got)
				}
				checked++
			}
		}
	}
	if checked < 1000 {
		t.Fatalf("checked only %d mutations", checked)
	}
}

// A long pipeline of mixed commands arriving in random pieces parses as it
// does whole.
func TestParseLongPipelineRandomChunks(t *testing.T) {
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 0))
	var buf []byte
	var want [][]string
	for i := range 5000 {
		key := "key:" + strconv.Itoa(i)
		switch rng.IntN(4) {
		case 0:
			buf = append(buf, mb("GET", key)...)
			want = append(want, cmd("GET", key))
		case 1:
			v := strings.Repeat("v", rng.IntN(3000))
			buf = append(buf, mb("SET", key, v)...)
			want = append(want, cmd("SET", key, v))
		case 2:
			buf = append(buf, "INCR "+key+"\r\n"...)
			want = append(want, cmd("INCR", key))
		case 3:
			buf = append(buf, "*0\r\n"...)
		}
	}
	var chunks [][]byte
	for rest := buf; len(rest) > 0; {
		n := min(len(rest), 1+rng.IntN(20000))
		chunks = append(chunks, rest[:n])
		rest = rest[n:]
	}
	got := feed(t, NewParser(Limits{}), nil, chunks...)
	if got.err != "" || got.rest != 0 || !reflect.DeepEqual(got.cmds, want) {
		t.Fatalf("%d commands (err %q, rest %d), want %d", len(got.cmds), got.err, got.rest, len(want))
	}
	if len(want) < 3000 || len(chunks) < 100 {
		t.Fatalf("only %d commands in %d chunks", len(want), len(chunks))
	}
	// One byte at a time, too.
	var bytewise [][]byte
	for i := range buf[:20000] {
		bytewise = append(bytewise, buf[i:i+1])
	}
	got = feed(t, NewParser(Limits{}), nil, bytewise...)
	whole := feed(t, NewParser(Limits{}), nil, buf[:20000])
	if !reflect.DeepEqual(got, whole) || len(got.cmds) == 0 {
		t.Fatalf("byte by byte: %d commands, whole: %d", len(got.cmds), len(whole.cmds))
	}
}

// Before AUTH, a command over the unauthenticated limits waits until the
// commands before it have run: an AUTH among them lifts the limits, as in
// Redis, where "AUTH pw" followed by an 11-argument command in one write
// runs both. RESET brings the limits back.
func TestParseUnauthenticatedPipeline(t *testing.T) {
	big := mb("MSET", "a", "1", "b", "2", "c", "3", "d", "4", "e", "5")
	long := mb("SET", "k", strings.Repeat("v", 20000))
	unauth := Limits{Unauthenticated: true}
	authOnCmd := func(p *Parser) func([][]byte) {
		return func(c [][]byte) {
			switch strings.ToUpper(string(c[0])) {
			case "AUTH":
				p.SetLimits(Limits{})
			case "RESET":
				p.SetLimits(unauth)
			}
		}
	}
	for _, c := range []struct {
		in   string
		want int // commands
		err  string
	}{
		{"AUTH pw\r\n" + big + long, 3, ""},
		{mb("AUTH", "pw") + long + big, 3, ""},
		{"PING\r\n" + big, 1, "ERR Protocol error: unauthenticated multibulk length"},
		{"PING\r\n" + long, 1, "ERR Protocol error: unauthenticated bulk length"},
		{"AUTH pw\r\nRESET\r\n" + big, 2, "ERR Protocol error: unauthenticated multibulk length"},
	} {
		for split := 0; split <= len(c.in); split += 7 {
			p := NewParser(unauth)
			got := feed(t, p, authOnCmd(p), []byte(c.in[:split]), []byte(c.in[split:]))
			if len(got.cmds) != c.want || got.err != c.err {
				t.Fatalf("%.30q split at %d: %d commands, error %q; want %d, %q", c.in, split, len(got.cmds), got.err, c.want, c.err)
			}
		}
	}

	// The held-back command: need 0, used short of the buffer.
	p := NewParser(unauth)
	in := []byte("AUTH pw\r\n" + big)
	cs, used, need, err := p.Parse(in)
	if len(cs) != 1 || used != 9 || need != 0 || err != nil {
		t.Fatalf("Parse = %d commands, used %d, need %d, err %v", len(cs), used, need, err)
	}
	p.SetLimits(Limits{})
	if cs, used, need, err = p.Parse(in[used:]); len(cs) != 1 || used != len(big) || need != 0 || err != nil {
		t.Fatalf("after SetLimits: %d commands, used %d, need %d, err %v", len(cs), used, need, err)
	}

	// A batch ends after RESET (multibulk or inline, any case).
	for _, c := range []struct {
		in         string
		cmds, used int
	}{
		{mb("reset") + mb("PING"), 1, len(mb("reset"))},
		{"Reset\r\nPING\r\n", 1, 7},
		{mb("RESET", "x") + mb("PING"), 2, len(mb("RESET", "x") + mb("PING"))},
		{mb("RESETS") + mb("PING"), 2, len(mb("RESETS") + mb("PING"))},
	} {
		cs, used, need, err := NewParser(Limits{}).Parse([]byte(c.in))
		if len(cs) != c.cmds || used != c.used || need != 0 || err != nil {
			t.Fatalf("%q: %d commands, used %d, need %d, err %v", c.in, len(cs), used, need, err)
		}
	}
}

// A declared length is not allocated before its bytes arrive, and the
// parser's slices do not keep the size of one huge pipeline.
func TestParseMemory(t *testing.T) {
	p := NewParser(Limits{})
	in := []byte("*1\r\n$536870912\r\n")
	if n := testing.AllocsPerRun(100, func() {
		if _, _, need, _ := p.Parse(in); need != 536870914 {
			t.Fatal(need)
		}
	}); n != 0 {
		t.Fatalf("%v allocations waiting for a 512 MiB argument", n)
	}
	if n := testing.AllocsPerRun(10, func() { p.Parse([]byte("*2147483647\r\n")) }); n > 1 {
		t.Fatalf("%v allocations for a count of 2^31-1", n)
	}

	var pl []byte
	for range 10000 {
		pl = append(pl, mb("GET", "k")...)
	}
	p = NewParser(Limits{})
	if cs, _, _, _ := p.Parse(pl); len(cs) != 10000 {
		t.Fatal(len(cs))
	}
	p.Parse([]byte(mb("GET", "k")))
	if cap(p.cmds) > keepEntries || cap(p.args) > keepEntries {
		t.Fatalf("kept %d commands and %d arguments", cap(p.cmds), cap(p.args))
	}
	huge := []byte(mb(make([]string, 10000)...))
	if cs, _, _, _ := p.Parse(huge[:len(huge)-1]); len(cs) != 0 || len(p.spans) != 9999 {
		t.Fatalf("%d commands, %d spans", len(cs), len(p.spans))
	}
	if cs, _, _, _ := p.Parse(huge); len(cs) != 1 || len(cs[0]) != 10000 || cap(p.spans) > keepEntries {
		t.Fatalf("%d commands, kept %d spans", len(cs), cap(p.spans))
	}
}

// Arguments are capped: appending to one cannot overwrite the next.
func TestParseArgumentsCapped(t *testing.T) {
	in := []byte(mb("SET", "k", "v"))
	cs, _, _, _ := NewParser(Limits{}).Parse(in)
	for _, a := range cs[0] {
		if cap(a) != len(a) {
			t.Fatalf("argument %q has cap %d", a, cap(a))
		}
	}
	_ = append(cs[0][1], 'X')
	if string(in) != mb("SET", "k", "v") {
		t.Fatalf("input changed: %q", in)
	}
}

// parseInt is Redis's string2ll.
func TestParseInt(t *testing.T) {
	for _, c := range []struct {
		in string
		n  int64
		ok bool
	}{
		{"0", 0, true}, {"1", 1, true}, {"-1", -1, true}, {"1234567890", 1234567890, true},
		{"9223372036854775807", 1<<63 - 1, true}, {"-9223372036854775808", -1 << 63, true},
		{"9223372036854775808", 0, false}, {"-9223372036854775809", 0, false},
		{"18446744073709551615", 0, false}, {"18446744073709551616", 0, false}, {"99999999999999999999", 0, false},
		{"", 0, false}, {"-", 0, false}, {"-0", 0, false}, {"00", 0, false}, {"01", 0, false}, {"+1", 0, false},
		{" 1", 0, false}, {"1 ", 0, false}, {"1a", 0, false}, {"0x1", 0, false}, {"000000000000000000001", 0, false},
		{"1\x00", 0, false}, {"1.0", 0, false}, {"1e3", 0, false},
	} {
		n, ok := shard.ParseInt([]byte(c.in))
		if n != c.n || ok != c.ok {
			t.Errorf("parseInt(%q) = %d, %v; want %d, %v", c.in, n, ok, c.n, c.ok)
		}
	}
}

func TestProtocolErrorIsError(t *testing.T) {
	var err error = errInvalidBulkLen
	if err.Error() != "ERR Protocol error: invalid bulk length" {
		t.Fatal(err)
	}
	if d := DefaultLimits(); d != (Limits{}).withDefaults() || d.MaxBulkLen != 512<<20 || d.MaxMultibulkLen != 1<<31-1 || d.MaxInlineLen != 64<<10 {
		t.Fatalf("%+v", d)
	}
}
