package memshard_test

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"time"
)

// This file generates the random command sequences of TestDiffRandom. Every
// command is valid or invalid at random: wrong arity, bad or conflicting
// options, non-integer and overflowing numbers, huge offsets, unknown commands.
//
// Time is the one thing both sides cannot share, so expiries follow rules that
// keep every reply deterministic:
//   - a future expiry is at least a day away, so no key expires during a run;
//   - relative expiries grow with the step index and absolute ones sit half a
//     lattice step apart from them, so two expiry times never tie and the
//     GT/LT options always decide the same way on both sides;
//   - past expiries (EXAT 1, EXPIRE k -1, ...) delete at once on both sides;
//   - millisecond expiries appear only in shortExpiry steps, which sleep until
//     the key has expired on both sides and then touch it.

// genLattice separates the expiry times the generator produces, in seconds.
const genLattice = 100_000

// diffKeys is the small key space: names that look numeric, have spaces,
// glob characters or binary bytes, and the empty key.
var diffKeys = []string{"a", "b", "c", "key:1", "key:2", "42", "-7", "3.14", "sp ace", "bin\x00\xff", "star*", ""}

// diffValues are values worth storing: empty, spaces, integers at and past the
// int64 limits, floats, strings that parse only as floats, binary and long ones.
var diffValues = []string{
	"", "v", "hello world", " lead", "trail ", "0", "1", "-1", "42", "007", "+5", "-0",
	"9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
	"3.14", "-0.5", "1e3", "1.5e308", "inf", "-inf", "nan", "0x1f", " 12", "12 ", "10.50", "5.0e3",
	"\x00\x01\xff", "a\r\nb", "héllo", "Ω", strings.Repeat("x", 300),
}

// Integer arguments: valid edges and strings Redis refuses as integers.
var (
	diffEdgeInts = []string{"0", "-1", "1", "9223372036854775807", "-9223372036854775808"}
	diffBadInts  = []string{
		"9223372036854775808", "-9223372036854775809", "99999999999999999999",
		"abc", "", "1.5", " 1", "1 ", "+1", "01", "-0", "1e3", "0x10",
	}
)

// diffFloats are INCRBYFLOAT increments: plain, exponents, hex (Redis reads it
// with strtold), overflowing, infinite, NaN and malformed.
var diffFloats = []string{
	"1", "0.1", "-0.1", "1.5", "3.0e2", "1e308", "-1e308", "5e-324", "inf", "-inf", "nan", "abc", "",
	" 1", "1 ", "0x10", "1e", "1.7976931348623157e308", "10.5", "-10.50", "3.0000000000000001",
	"0", "-0", "100", "1e-5", "123456789.123456789", "1e20", "-7",
}

// diffPatterns are KEYS and SCAN MATCH patterns, escapes and broken classes included.
var diffPatterns = []string{
	"*", "a", "?", "??", "*a*", "key:*", "key:?", "key:[12]", "key:[^1]", "key:[0-9]", "[a-c]", "[c-a]",
	"star\\*", "star*", "s*", "sp?ace", "bin*", "*[", "[", "[a-", "\\", "*\\", "", "[]]", "4?", "-*", "A*",
	"[-a]", "[a-]", "*[a-c", "?*", "[\\]", "[k-k]ey:*", "*:[1-2]", "[^k]*", "3.1?", "*\\*",
}

// diffUnknown are command names no version of Redis knows.
var diffUnknown = []string{"foo", "FOO", "bar", "getx", "sett", "hello-world", "x.y", "sEtX", strings.Repeat("z", 150)}

// diffArity lists Redis 7's arity of the commands covered: n means exactly n
// arguments counting the name, -n at least n.
var diffArity = map[string]int{
	"PING": -1, "ECHO": 2, "SET": -3, "GET": 2, "GETSET": 3, "GETDEL": 2, "GETEX": -2, "SETNX": 3,
	"SETEX": 4, "PSETEX": 4, "MGET": -2, "MSET": -3, "MSETNX": -3, "DEL": -2, "UNLINK": -2,
	"EXISTS": -2, "INCR": 2, "DECR": 2, "INCRBY": 3, "DECRBY": 3, "INCRBYFLOAT": 3, "APPEND": 3,
	"STRLEN": 2, "GETRANGE": 4, "SETRANGE": 4, "EXPIRE": -3, "PEXPIRE": -3, "EXPIREAT": -3,
	"PEXPIREAT": -3, "TTL": 2, "PTTL": 2, "EXPIRETIME": 2, "PEXPIRETIME": 2, "PERSIST": 2,
	"TYPE": 2, "KEYS": 2, "SCAN": -2, "RANDOMKEY": 1, "RENAME": 3, "RENAMENX": 3, "COPY": -3,
	"DBSIZE": 1, "FLUSHALL": -1, "FLUSHDB": -1, "TIME": 1,
	"MULTI": 1, "EXEC": 1, "DISCARD": 1, "WATCH": -2, "UNWATCH": 1,
}

// txCommands need a session: DB.Do rejects them, so they only go to connection 1.
var txCommands = []string{"MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH"}

// gen produces one random sequence. It is not safe for concurrent use.
type gen struct {
	rnd  *rand.Rand
	idx  int64 // index of the command being generated; keeps expiries distinct
	wire bool  // also generate connection commands (only a RESP server has them)
	// txOpen is set while connection 1 may have a MULTI open. HELLO is not
	// generated then: Redis encodes each EXEC element in the protocol in force
	// when it ran, so a queued HELLO 3 switches the rest of the array, while
	// memshard encodes the whole EXEC reply in the protocol in force at the
	// end (a deliberate simplification).
	txOpen bool
}

func newGen(seed int64) *gen {
	return &gen{rnd: rand.New(rand.NewPCG(uint64(seed), uint64(seed)^0x9e3779b97f4a7c15))}
}

// sequence returns at least n steps.
func (g *gen) sequence(n int) []step {
	var steps []step
	for len(steps) < n {
		switch w := g.rnd.IntN(100); {
		case w < 5:
			steps = append(steps, g.tx()...)
		case w < 6:
			steps = append(steps, g.shortExpiry())
		default:
			conn := 0
			if g.chance(0.25) {
				conn = 1 // a session runs plain commands as DB.Do does
			}
			steps = append(steps, step{cmds: []cmd{{conn: conn, args: g.simple(conn)}}})
		}
	}
	if g.wire {
		steps = append(steps, g.quit())
	}
	return steps
}

func (g *gen) chance(p float64) bool { return g.rnd.Float64() < p }

func pick[T any](g *gen, xs []T) T { return xs[g.rnd.IntN(len(xs))] }

// name returns a command name, mostly upper case, sometimes lower or mixed
// (Redis is case-insensitive; its arity error names the command in lower case).
func (g *gen) name(s string) any {
	switch g.rnd.IntN(10) {
	case 0:
		return strings.ToLower(s)
	case 1:
		b := []byte(s)
		for i := range b {
			if g.chance(0.5) {
				b[i] = strings.ToLower(string(b[i]))[0]
			}
		}
		return string(b)
	}
	return s
}

// word returns an option keyword in upper or lower case.
func (g *gen) word(s string) string {
	if g.chance(0.15) {
		return strings.ToLower(s)
	}
	return s
}

func (g *gen) key() any {
	k := pick(g, diffKeys)
	if g.chance(0.2) {
		return []byte(k) // DB.Do takes []byte as well as string
	}
	return k
}

func (g *gen) keys(lo, hi int) []any {
	n := lo + g.rnd.IntN(hi-lo+1)
	out := make([]any, n)
	for i := range out {
		out[i] = g.key()
	}
	return out
}

func (g *gen) val() any {
	if g.chance(0.1) {
		b := make([]byte, g.rnd.IntN(20))
		for i := range b {
			b[i] = byte(g.rnd.IntN(256))
		}
		return b
	}
	v := pick(g, diffValues)
	if g.chance(0.2) {
		return []byte(v)
	}
	return v
}

// integer returns an integer argument: mostly small, sometimes an edge of
// int64, sometimes something Redis refuses. Valid ones are sometimes passed as
// an int64 to exercise DB.Do's argument conversion.
func (g *gen) integer(lo, hi int64) any {
	switch w := g.rnd.IntN(100); {
	case w < 75:
		n := lo + g.rnd.Int64N(hi-lo+1)
		if g.chance(0.5) {
			return n
		}
		return strconv.FormatInt(n, 10)
	case w < 88:
		return pick(g, diffEdgeInts)
	}
	return pick(g, diffBadInts)
}

func (g *gen) float() any {
	if g.chance(0.2) {
		return pick(g, []float64{0.25, -2.5, 1e20, 3, 0.1, -0.0001})
	}
	return pick(g, diffFloats)
}

// Expiry arguments. unit is "s" or "ms"; abs selects a Unix time instead of a
// duration.
func (g *gen) futureExpiry(unit string, abs bool) any {
	sec := int64(1+g.rnd.IntN(20))*genLattice + g.idx
	if abs {
		sec += genLattice / 2
	}
	switch {
	case unit == "s" && abs:
		return absSec(sec)
	case unit == "s":
		return sec
	case abs:
		return absMs(sec*1000 + g.rnd.Int64N(1000))
	}
	return sec*1000 + g.rnd.Int64N(1000)
}

// pastExpiry is a time that deletes the key at once: a past Unix time, or a
// zero or negative duration (invalid for SET, SETEX, GETEX and PSETEX).
func (g *gen) pastExpiry(unit string, abs bool) any {
	switch {
	case abs && g.chance(0.3):
		return pick(g, []any{"1", int64(0), "-1"})
	case abs && unit == "s":
		return absSec(-1 - g.rnd.Int64N(genLattice))
	case abs:
		return absMs(-1 - g.rnd.Int64N(genLattice*1000))
	}
	return pick(g, []any{"0", int64(-1), "-100"})
}

// expiry returns mostly a future time, sometimes a past one, sometimes a value
// that is no integer or overflows once converted to milliseconds.
func (g *gen) expiry(unit string, abs bool) any {
	switch w := g.rnd.IntN(100); {
	case w < 75:
		return g.futureExpiry(unit, abs)
	case w < 87:
		return g.pastExpiry(unit, abs)
	}
	bad := []string{"abc", "", "1.5", " 5", "+5", "05", "9223372036854775807", "-9223372036854775808", "9223372036854775808"}
	if abs {
		// Near the overflow limits. Relative ones would be valid far
		// futures that tie with each other, so only the table has those.
		bad = append(bad, "9223372036854775", "9223372036854", "99999999999999999")
	}
	return pick(g, bad)
}

// simpleGens are the single-command generators with their weights.
func (g *gen) simpleGens() []struct {
	w int
	f func() []any
} {
	return []struct {
		w int
		f func() []any
	}{
		{2, g.genPing}, {1, g.genEcho}, {14, g.genSet}, {8, g.genKeyOnly("GET")},
		{2, g.genKeyVal("GETSET")}, {2, g.genKeyOnly("GETDEL")}, {4, g.genGetex},
		{2, g.genKeyVal("SETNX")}, {2, g.genSetex("SETEX", "s")}, {2, g.genSetex("PSETEX", "ms")},
		{3, g.genMget}, {3, g.genMset("MSET")}, {2, g.genMset("MSETNX")},
		{2, g.genKeys("DEL", 1, 3)}, {1, g.genKeys("UNLINK", 1, 3)}, {3, g.genKeys("EXISTS", 1, 4)},
		{3, g.genKeyOnly("INCR")}, {2, g.genKeyOnly("DECR")}, {3, g.genIncrBy("INCRBY")}, {2, g.genIncrBy("DECRBY")},
		{4, g.genIncrByFloat}, {3, g.genKeyVal("APPEND")}, {2, g.genKeyOnly("STRLEN")},
		{3, g.genGetrange}, {3, g.genSetrange},
		{4, g.genExpire("EXPIRE", "s", false)}, {3, g.genExpire("PEXPIRE", "ms", false)},
		{3, g.genExpire("EXPIREAT", "s", true)}, {3, g.genExpire("PEXPIREAT", "ms", true)},
		{3, g.genKeyOnly("TTL")}, {3, g.genKeyOnly("PTTL")}, {2, g.genKeyOnly("EXPIRETIME")},
		{2, g.genKeyOnly("PEXPIRETIME")}, {2, g.genKeyOnly("PERSIST")}, {2, g.genKeyOnly("TYPE")},
		{3, g.genKeysCmd}, {3, g.genScan}, {2, g.genRandomkey},
		{2, g.genRename("RENAME")}, {2, g.genRename("RENAMENX")}, {3, g.genCopy},
		{2, g.genDbsize}, {1, g.genFlush}, {1, g.genTime},
		{2, g.genUnknown}, {3, g.genArity},
		// Weight 0 unless g.wire, so the engine's sequences stay as they were.
		{g.wireWeight(2), g.genSelect}, {g.wireWeight(3), g.genClient}, {g.wireWeight(1), g.genHello},
	}
}

// simple returns one command for connection conn.
func (g *gen) simple(conn int) []any {
	g.idx++
	gens := g.simpleGens()
	total := 0
	for _, x := range gens {
		total += x.w
	}
	n := g.rnd.IntN(total)
	for _, x := range gens {
		if n < x.w {
			args := x.f()
			if conn == 0 && slices.Contains(txCommands, strings.ToUpper(string(argBytes(args[0])))) {
				return []any{g.name("PING")} // DB.Do has no transactions
			}
			if g.txOpen && strings.EqualFold(string(argBytes(args[0])), "HELLO") {
				return []any{g.name("PING")}
			}
			return args
		}
		n -= x.w
	}
	panic("unreachable")
}

func (g *gen) genPing() []any {
	switch g.rnd.IntN(4) {
	case 0:
		return []any{g.name("PING"), g.val()}
	case 1:
		return []any{g.name("PING"), g.val(), g.val()}
	}
	return []any{g.name("PING")}
}

func (g *gen) genEcho() []any {
	switch g.rnd.IntN(5) {
	case 0:
		return []any{g.name("ECHO")}
	case 1:
		return []any{g.name("ECHO"), g.val(), g.val()}
	}
	return []any{g.name("ECHO"), g.val()}
}

func (g *gen) genKeyOnly(name string) func() []any {
	return func() []any { return []any{g.name(name), g.key()} }
}

func (g *gen) genKeyVal(name string) func() []any {
	return func() []any { return []any{g.name(name), g.key(), g.val()} }
}

func (g *gen) genKeys(name string, lo, hi int) func() []any {
	return func() []any { return append([]any{g.name(name)}, g.keys(lo, hi)...) }
}

// expiryOption returns one of SET's and GETEX's expiry options with its value.
func (g *gen) expiryOption() []any {
	switch g.rnd.IntN(4) {
	case 0:
		return []any{g.word("EX"), g.expiry("s", false)}
	case 1:
		return []any{g.word("PX"), g.expiry("ms", false)}
	case 2:
		return []any{g.word("EXAT"), g.expiry("s", true)}
	}
	return []any{g.word("PXAT"), g.expiry("ms", true)}
}

func (g *gen) genSet() []any {
	args := []any{g.name("SET"), g.key(), g.val()}
	if g.chance(0.4) {
		return args
	}
	var opts [][]any
	if g.chance(0.8) {
		// A combination Redis accepts (barring bad values).
		switch g.rnd.IntN(3) {
		case 0:
			opts = append(opts, g.expiryOption())
		case 1:
			opts = append(opts, []any{g.word("KEEPTTL")})
		}
		switch g.rnd.IntN(3) {
		case 0:
			opts = append(opts, []any{g.word("NX")})
		case 1:
			opts = append(opts, []any{g.word("XX")})
		}
		if g.chance(0.3) {
			opts = append(opts, []any{g.word("GET")})
		}
	} else {
		// Anything, conflicts and junk included.
		for range 1 + g.rnd.IntN(3) {
			switch g.rnd.IntN(8) {
			case 0, 1:
				opts = append(opts, g.expiryOption())
			case 2:
				opts = append(opts, []any{g.word("KEEPTTL")})
			case 3:
				opts = append(opts, []any{g.word("NX")})
			case 4:
				opts = append(opts, []any{g.word("XX")})
			case 5:
				opts = append(opts, []any{g.word("GET")})
			case 6:
				opts = append(opts, []any{pick(g, []string{"FOO", "PERSIST", "", "EXX", "E"})})
			case 7:
				opts = append(opts, []any{pick(g, []string{"EX", "PX", "EXAT", "PXAT"})}) // value missing
			}
		}
	}
	g.rnd.Shuffle(len(opts), func(i, j int) { opts[i], opts[j] = opts[j], opts[i] })
	for _, o := range opts {
		args = append(args, o...)
	}
	return args
}

func (g *gen) genGetex() []any {
	args := []any{g.name("GETEX"), g.key()}
	switch w := g.rnd.IntN(10); {
	case w < 3:
	case w < 7:
		args = append(args, g.expiryOption()...)
	case w < 8:
		args = append(args, g.word("PERSIST"))
	default:
		for range 1 + g.rnd.IntN(2) {
			switch g.rnd.IntN(4) {
			case 0:
				args = append(args, g.expiryOption()...)
			case 1:
				args = append(args, g.word("PERSIST"))
			case 2:
				args = append(args, pick(g, []string{"KEEPTTL", "NX", "GET", "FOO"}))
			case 3:
				args = append(args, pick(g, []string{"EX", "PXAT"}))
			}
		}
	}
	return args
}

func (g *gen) genSetex(name, unit string) func() []any {
	return func() []any { return []any{g.name(name), g.key(), g.expiry(unit, false), g.val()} }
}

func (g *gen) genMget() []any { return append([]any{g.name("MGET")}, g.keys(1, 5)...) }

func (g *gen) genMset(name string) func() []any {
	return func() []any {
		args := []any{g.name(name)}
		for range 1 + g.rnd.IntN(4) {
			args = append(args, g.key(), g.val())
		}
		if g.chance(0.1) {
			args = args[:len(args)-1] // odd: wrong arity
		}
		return args
	}
}

func (g *gen) genIncrBy(name string) func() []any {
	return func() []any { return []any{g.name(name), g.key(), g.integer(-100, 100)} }
}

func (g *gen) genIncrByFloat() []any {
	return []any{g.name("INCRBYFLOAT"), g.key(), g.float()}
}

func (g *gen) genGetrange() []any {
	return []any{g.name("GETRANGE"), g.key(), g.integer(-20, 40), g.integer(-20, 40)}
}

func (g *gen) genSetrange() []any {
	var off any
	switch w := g.rnd.IntN(20); {
	case w < 15:
		off = g.integer(0, 40)
	case w < 16:
		off = int64(1000)
	case w < 18:
		// Past the 512 MB limit: an error with a value, a no-op without.
		// (536870911 plus one byte is exactly 512 MB, which Redis allows:
		// only the table goes near it, with two bytes.)
		off = pick(g, []string{"536870912", "9223372036854775807", "4294967296"})
	default:
		off = pick(g, []string{"-1", "abc", "", "1.5"})
	}
	val := g.val()
	if g.chance(0.1) {
		val = ""
	}
	return []any{g.name("SETRANGE"), g.key(), off, val}
}

func (g *gen) genExpire(name, unit string, abs bool) func() []any {
	return func() []any {
		args := []any{g.name(name), g.key(), g.expiry(unit, abs)}
		switch w := g.rnd.IntN(10); {
		case w < 5:
		case w < 9:
			args = append(args, g.word(pick(g, []string{"NX", "XX", "GT", "LT"})))
		default:
			for range 2 {
				args = append(args, g.word(pick(g, []string{"NX", "XX", "GT", "LT", "FOO", "KEEPTTL"})))
			}
		}
		return args
	}
}

func (g *gen) genKeysCmd() []any {
	if g.chance(0.05) {
		return []any{g.name("KEYS")} // wrong arity
	}
	return []any{g.name("KEYS"), pick(g, diffPatterns)}
}

func (g *gen) genScan() []any {
	var cursor any = "0"
	switch w := g.rnd.IntN(10); {
	case w < 8:
	case w < 9:
		cursor = pick(g, []string{"1", "7", "100", "18446744073709551615"})
	default:
		cursor = pick(g, []string{"abc", "", "1.5", "18446744073709551616"})
	}
	args := []any{g.name("SCAN"), cursor}
	if g.chance(0.4) {
		args = append(args, g.word("MATCH"), pick(g, diffPatterns))
	}
	if g.chance(0.4) {
		args = append(args, g.word("COUNT"), pick(g, []any{"1", "2", "3", int64(10), "1000", "0", "-1", "abc", "+5", "05", "9223372036854775807"}))
	}
	if g.chance(0.2) {
		args = append(args, g.word("TYPE"), pick(g, []string{"string", "STRING", "none", "list", "hash"}))
	}
	if g.chance(0.05) {
		args = append(args, pick(g, []string{"MATCH", "COUNT", "TYPE", "FOO"}))
	}
	return args
}

func (g *gen) genRandomkey() []any { return []any{g.name("RANDOMKEY")} }

func (g *gen) genRename(name string) func() []any {
	return func() []any { return []any{g.name(name), g.key(), g.key()} }
}

func (g *gen) genCopy() []any {
	args := []any{g.name("COPY"), g.key(), g.key()}
	if g.chance(0.3) {
		args = append(args, g.word("REPLACE"))
	}
	if g.chance(0.15) {
		args = append(args, g.word("DB"), "0")
	}
	if g.chance(0.08) {
		args = append(args, pick(g, [][]any{{"DB"}, {"DB", "abc"}, {"FOO"}, {"REPLACE", "x"}})...)
	}
	return args
}

func (g *gen) genDbsize() []any {
	if g.chance(0.1) {
		return []any{g.name("DBSIZE"), "x"}
	}
	return []any{g.name("DBSIZE")}
}

func (g *gen) genFlush() []any {
	args := []any{g.name(pick(g, []string{"FLUSHALL", "FLUSHDB"}))}
	switch g.rnd.IntN(6) {
	case 0:
		args = append(args, g.word("SYNC"))
	case 1:
		args = append(args, g.word("ASYNC"))
	case 2:
		args = append(args, pick(g, [][]any{{"FOO"}, {""}, {"SYNC", "ASYNC"}, {"ASYNC", "x"}})...)
	}
	return args
}

func (g *gen) genTime() []any {
	if g.chance(0.2) {
		return []any{g.name("TIME"), "x"}
	}
	return []any{g.name("TIME")}
}

// genUnknown sends a command no server knows. Its arguments avoid NUL, CR and
// LF, whose rendering in the error message is a table case of its own.
func (g *gen) genUnknown() []any {
	args := []any{pick(g, diffUnknown)}
	for range g.rnd.IntN(4) {
		args = append(args, pick(g, []string{"a", "b", "hello world", "", "42", strings.Repeat("y", 130), "héllo", "'q'"}))
	}
	return args
}

// genArity calls a covered command with a number of arguments its arity
// refuses. Transaction commands come out only for the session.
func (g *gen) genArity() []any {
	names := make([]string, 0, len(diffArity))
	for n := range diffArity {
		names = append(names, n)
	}
	slices.Sort(names)
	for {
		name := pick(g, names)
		ar := diffArity[name]
		var counts []int
		if ar > 0 {
			for c := 1; c <= ar+2; c++ {
				if c != ar {
					counts = append(counts, c)
				}
			}
		} else {
			for c := 1; c < -ar; c++ {
				counts = append(counts, c)
			}
		}
		if name == "MSET" || name == "MSETNX" {
			counts = append(counts, 4, 6)
		}
		if len(counts) == 0 {
			continue
		}
		args := []any{g.name(name)}
		for range pick(g, counts) - 1 {
			args = append(args, g.key())
		}
		return args
	}
}

// tx returns a transaction pattern on connection 1, sometimes with another
// client's (connection 0's) commands in between.
func (g *gen) tx() []step {
	var steps []step
	add := func(conn int, args ...any) {
		steps = append(steps, step{cmds: []cmd{{conn: conn, args: args}}})
	}
	other := func() {
		// Another client writes, usually to one of the keys in play.
		g.idx++ // before the expiry below is drawn
		add(0, pick(g, [][]any{
			{"SET", g.key(), g.val()}, {"DEL", g.key()}, {"INCR", g.key()},
			{"EXPIRE", g.key(), g.futureExpiry("s", false)}, {"GET", g.key()},
		})...)
	}
	switch g.rnd.IntN(10) {
	case 0, 1, 2, 3, 4, 5:
		if g.chance(0.4) {
			add(1, append([]any{g.name("WATCH")}, g.keys(1, 3)...)...)
			if g.chance(0.5) {
				other()
			}
			if g.chance(0.15) {
				steps = append(steps, step{cmds: []cmd{{conn: 1, args: g.simple(1)}}})
			}
			if g.chance(0.15) {
				add(1, g.name("UNWATCH"))
			}
		}
		add(1, g.name("MULTI"))
		g.txOpen = true
		for range g.rnd.IntN(5) {
			switch w := g.rnd.IntN(20); {
			case w < 1:
				add(1, pick(g, [][]any{{"GET"}, {"foo", "x"}, {"SET", "k"}, {"EXEC", "x"}})...) // aborts EXEC
			case w < 2:
				add(1, pick(g, [][]any{{"MULTI"}, {"WATCH", "a"}})...) // refused, does not abort
			case w < 3:
				other()
			default:
				steps = append(steps, step{cmds: []cmd{{conn: 1, args: g.simple(1)}}})
			}
		}
		switch w := g.rnd.IntN(20); {
		case w < 16:
			add(1, g.name("EXEC"))
			g.txOpen = false
		case w < 19:
			add(1, g.name("DISCARD"))
			g.txOpen = false
		default:
			// Leave the MULTI open: later session commands queue.
		}
	case 6:
		add(1, pick(g, [][]any{{"EXEC"}, {"DISCARD"}, {"UNWATCH"}, {"WATCH"}, {"MULTI", "x"}, {"DISCARD", "x"}, {"UNWATCH", "x"}})...)
	case 7:
		add(1, "MULTI")
		add(1, "EXEC", "x")
		add(1, "EXEC")
	case 8:
		k := g.key()
		add(1, "WATCH", k)
		add(0, pick(g, []string{"FLUSHALL", "FLUSHDB"}))
		add(1, "MULTI")
		add(1, "GET", k)
		add(1, "EXEC")
	case 9:
		k := g.key()
		add(1, "WATCH", k)
		add(1, "MULTI")
		add(1, "WATCH", k)
		add(1, "SET", k, g.val())
		add(1, "EXEC")
	}
	return steps
}

// shortExpiry gives a key a millisecond expiry, sleeps until it has expired
// on both sides and reads it back: one step, so that the minimiser never
// separates the expiry from its sleep.
func (g *gen) shortExpiry() step {
	g.idx++
	k := g.key()
	ms := 1 + g.rnd.Int64N(10)
	var args []any
	switch g.rnd.IntN(7) {
	case 0:
		args = []any{"SET", k, g.val(), "PX", ms}
	case 1:
		args = []any{"PSETEX", k, ms, g.val()}
	case 2:
		args = []any{"PEXPIRE", k, ms}
	case 3:
		args = []any{"SET", k, g.val(), "PXAT", fromNowMs(ms)}
	case 4:
		args = []any{"GETEX", k, "PX", ms}
	case 5:
		args = []any{"PEXPIREAT", k, fromNowMs(ms)}
	case 6:
		args = []any{"SET", k, g.val(), "PX", ms, pick(g, []string{"NX", "XX", "GET"})}
	}
	read := pick(g, [][]any{{"EXISTS", k}, {"GET", k}, {"TTL", k}, {"STRLEN", k}})
	return step{cmds: []cmd{
		{conn: 0, args: args, pause: time.Duration(ms)*time.Millisecond + 20*time.Millisecond},
		{conn: 0, args: read},
	}}
}
