package shard

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memshard/memshard/shard/reply"
)

// The command tests run scripts of command lines against a Keyspace with a
// clock the test moves. Replies are compared in Reply.String's rendering:
// OK (status), "v" (bulk), (integer) 1, (nil), (error) ERR ..., [a, b].
// Expected texts were checked against redis-server 7.0.15.

// testHandlers names every handler of the cmd_*.go files for the scripts.
var testHandlers = map[string]Handler{
	"GET": Get, "SET": Set, "GETSET": GetSet, "GETDEL": GetDel, "GETEX": GetEx,
	"SETNX": SetNX, "SETEX": SetEx, "PSETEX": PSetEx, "MGET": MGet, "MSET": MSet,
	"MSETNX": MSetNX, "DEL": Del, "UNLINK": Del, "EXISTS": Exists, "INCR": Incr,
	"DECR": Decr, "INCRBY": IncrBy, "DECRBY": DecrBy, "INCRBYFLOAT": IncrByFloat,
	"APPEND": Append, "STRLEN": StrLen, "GETRANGE": GetRange, "SETRANGE": SetRange,
	"EXPIRE": Expire, "PEXPIRE": PExpire, "EXPIREAT": ExpireAt, "PEXPIREAT": PExpireAt,
	"TTL": TTL, "PTTL": PTTL, "EXPIRETIME": ExpireTime, "PEXPIRETIME": PExpireTime,
	"PERSIST": Persist, "TYPE": Type, "RENAME": Rename, "RENAMENX": RenameNX,
	"COPY": Copy, "TOUCH": Touch, "DBSIZE": DBSize, "KEYS": Keys, "SCAN": ScanShard,
	"RANDOMKEY": RandomKeyShard, "FLUSH": Flush, "PEEK": Peek, "TAKE": Take,
	"PUT": Put, "EXISTSANY": ExistsAny,
	"GETVERSION": GetVersion, "VERSIONS": Versions, "PUTIFVERSION": PutIfVersion,
	"DELIFVERSION": DelIfVersion, "KEYSWITHPREFIX": KeysWithPrefix, "DELPREFIX": DelPrefix,
}

// t0 is the scripts' start time: 2023-11-14T22:13:20Z, in unix ms.
const t0 = 1_700_000_000_000

type testClock struct{ ms int64 }

func (c *testClock) now() time.Time { return time.UnixMilli(c.ms) }

// newTestKeyspace returns an empty keyspace whose clock reads t0 until the
// test moves it.
func newTestKeyspace(tb testing.TB) (*Keyspace, *testClock) {
	tb.Helper()
	c := &testClock{ms: t0}
	return NewKeyspace(c.now), c
}

// advance moves the clock by ms and refreshes the keyspace's cached time.
func advance(ks *Keyspace, c *testClock, ms int64) {
	c.ms += ms
	ks.Tick()
}

// splitLine splits a command line at spaces; a token that starts with a
// double quote is a Go string literal (so "" is the empty argument and
// "a b" or "\x00" work).
func splitLine(tb testing.TB, line string) [][]byte {
	tb.Helper()
	var out [][]byte
	for line = strings.TrimLeft(line, " "); line != ""; line = strings.TrimLeft(line, " ") {
		if line[0] == '"' {
			q, err := strconv.QuotedPrefix(line)
			if err != nil {
				tb.Fatalf("bad quoted token in %q: %v", line, err)
			}
			s, _ := strconv.Unquote(q)
			out = append(out, []byte(s))
			line = line[len(q):]
			continue
		}
		i := strings.IndexByte(line, ' ')
		if i < 0 {
			i = len(line)
		}
		out = append(out, []byte(line[:i]))
		line = line[i:]
	}
	return out
}

// do runs one command line and returns its reply, deep-copied so that it
// survives the next arena reset.
func do(tb testing.TB, ks *Keyspace, line string) reply.Reply {
	tb.Helper()
	args := splitLine(tb, line)
	h, ok := testHandlers[strings.ToUpper(string(args[0]))]
	if !ok {
		tb.Fatalf("no handler for %q", args[0])
	}
	ks.beginBatch() // each line is a batch of its own, as on a shard
	ks.beginOp(0, 1)
	return h(ks, args).Clone()
}

// step is one line of a script: a command and its expected reply, or a
// directive: "+N" moves the clock N ms, "@type key n" gives key the value
// type n (to test WRONGTYPE before there are other types).
type step struct{ cmd, want string }

type script struct {
	name  string
	steps []step
}

func runScripts(t *testing.T, scripts []script) {
	t.Helper()
	checks := 0
	for _, sc := range scripts {
		t.Run(sc.name, func(t *testing.T) {
			ks, clk := newTestKeyspace(t)
			for i, st := range sc.steps {
				if strings.HasPrefix(st.cmd, "+") {
					ms, err := strconv.ParseInt(st.cmd[1:], 10, 64)
					if err != nil {
						t.Fatal(err)
					}
					advance(ks, clk, ms)
					continue
				}
				if strings.HasPrefix(st.cmd, "@type ") {
					f := strings.Fields(st.cmd)
					n, _ := strconv.Atoi(f[2])
					forceType(t, ks, f[1], valueType(n))
					continue
				}
				ks.ResetArena()
				got := do(t, ks, st.cmd).String()
				checks++
				if got != st.want {
					t.Errorf("step %d: %s\n got: %s\nwant: %s", i, st.cmd, got, st.want)
				}
			}
		})
	}
	if checks == 0 {
		t.Fatal("no step was checked")
	}
}

// forceType makes key's value of type typ. Tests only: the cmd handlers
// never write entry fields.
func forceType(tb testing.TB, ks *Keyspace, key string, typ valueType) {
	tb.Helper()
	e := ks.lookup([]byte(key))
	if e == nil {
		tb.Fatalf("forceType: no key %q", key)
	}
	e.typ = typ
}

func TestStringCommands(t *testing.T) {
	runScripts(t, stringScripts)
}

var stringScripts = []script{
	{"get-set", []step{
		{"GET k", "(nil)"},
		{"SET k v", "OK"},
		{"GET k", `"v"`},
		{`SET k ""`, "OK"},
		{"GET k", `""`},
		{`SET k "\x00\xff a b"`, "OK"},
		{"GET k", `"\x00\xff a b"`},
		{`SET "" empty`, "OK"},
		{`GET ""`, `"empty"`},
		{"DBSIZE", "(integer) 2"},
	}},
	{"set-expire-options", []step{
		{"SET k v EX 10", "OK"},
		{"PTTL k", "(integer) 10000"},
		{"TTL k", "(integer) 10"},
		{"SET k v px 1500", "OK"},
		{"PTTL k", "(integer) 1500"},
		{"TTL k", "(integer) 2"},
		{"SET k v EXAT 1700000100", "OK"},
		{"TTL k", "(integer) 100"},
		{"SET k v PXAT 1700000000005", "OK"},
		{"PTTL k", "(integer) 5"},
		{"SET k v ex 10 EX 20", "OK"},
		{"TTL k", "(integer) 20"},
		{"SET k v2 KEEPTTL", "OK"},
		{"TTL k", "(integer) 20"},
		{"GET k", `"v2"`},
		{"SET k v3", "OK"},
		{"TTL k", "(integer) -1"},
		{"SET k v EXAT 9223372036854775", "OK"},
		{"PEXPIRETIME k", "(integer) 9223372036854775000"},
		{"SET k v PXAT 9223372036854775807", "OK"},
		{"SET k v EXAT 1", "OK"},
		{"GET k", "(nil)"},
		{"EXISTS k", "(integer) 0"},
		{"SET k v PX 100", "OK"},
		{"+99", ""},
		{"GET k", `"v"`},
		{"+1", ""},
		{"GET k", "(nil)"},
	}},
	{"set-errors", []step{
		{"SET k v NX XX", "(error) ERR syntax error"},
		{"SET k v XX NX", "(error) ERR syntax error"},
		{"SET k v EX", "(error) ERR syntax error"},
		{"SET k v EX 10 PX 10", "(error) ERR syntax error"},
		{"SET k v PXAT 10 EXAT 10", "(error) ERR syntax error"},
		{"SET k v KEEPTTL EX 10", "(error) ERR syntax error"},
		{"SET k v EX 10 KEEPTTL", "(error) ERR syntax error"},
		{"SET k v PERSIST", "(error) ERR syntax error"},
		{"SET k v FOO", "(error) ERR syntax error"},
		{"SET k v NXX", "(error) ERR syntax error"},
		{"SET k v EX abc NX XX", "(error) ERR syntax error"},
		{"SET k v EX abc", "(error) ERR value is not an integer or out of range"},
		{"SET k v EX 1.5", "(error) ERR value is not an integer or out of range"},
		{"SET k v EX 9223372036854775808", "(error) ERR value is not an integer or out of range"},
		{"SET k v EX 0", "(error) ERR invalid expire time in 'set' command"},
		{"SET k v EX -1", "(error) ERR invalid expire time in 'set' command"},
		{"SET k v PX 0", "(error) ERR invalid expire time in 'set' command"},
		{"SET k v EXAT 0", "(error) ERR invalid expire time in 'set' command"},
		{"SET k v PXAT -5", "(error) ERR invalid expire time in 'set' command"},
		{"SET k v EX 9223372036854775", "(error) ERR invalid expire time in 'set' command"},
		{"SET k v EX 9223372036854776", "(error) ERR invalid expire time in 'set' command"},
		{"SET k v PX 9223372036854775807", "(error) ERR invalid expire time in 'set' command"},
		{"SET k v EXAT 9223372036854776", "(error) ERR invalid expire time in 'set' command"},
		{"DBSIZE", "(integer) 0"},
	}},
	{"set-nx-xx-get", []step{
		{"SET k v XX", "(nil)"},
		{"EXISTS k", "(integer) 0"},
		{"SET k v nx", "OK"},
		{"SET k v2 NX", "(nil)"},
		{"GET k", `"v"`},
		{"SET k v3 XX", "OK"},
		{"GET k", `"v3"`},
		{"SET k v4 GET", `"v3"`},
		{"SET n v GET", "(nil)"},
		{"GET n", `"v"`},
		{"SET k v5 NX GET", `"v4"`},
		{"GET k", `"v4"`},
		{"SET m v GET NX", "(nil)"},
		{"GET m", `"v"`},
		{"SET x v XX GET", "(nil)"},
		{"EXISTS x", "(integer) 0"},
		{"SET k v6 XX GET EX 100", `"v4"`},
		{"TTL k", "(integer) 100"},
		{"SET k v7 NX NX", "(nil)"},
		{"SET k v8 KEEPTTL KEEPTTL GET GET", `"v6"`},
		{"TTL k", "(integer) 100"},
		{"SET e v PX 10", "OK"},
		{"+10", ""},
		{"SET e v2 XX", "(nil)"},
		{"SET e v3 NX", "OK"},
		{"TTL e", "(integer) -1"},
	}},
	{"set-wrongtype", []step{
		{"SET L a EX 100", "OK"},
		{"@type L 7", ""},
		{"SET L v GET", "(error) WRONGTYPE Operation against a key holding the wrong kind of value"},
		{"TYPE L", "unknown"},
		{"GETSET L v", "(error) WRONGTYPE Operation against a key holding the wrong kind of value"},
		{"SET L v NX", "(nil)"},
		{"TYPE L", "unknown"},
		{"SET L v", "OK"},
		{"TYPE L", "string"},
		{"TTL L", "(integer) -1"},
	}},
	{"getset-getdel", []step{
		{"GETSET k v", "(nil)"},
		{"GET k", `"v"`},
		{"EXPIRE k 100", "(integer) 1"},
		{"GETSET k v2", `"v"`},
		{"TTL k", "(integer) -1"},
		{"GETDEL k", `"v2"`},
		{"EXISTS k", "(integer) 0"},
		{"GETDEL k", "(nil)"},
		{"SET L a", "OK"},
		{"@type L 7", ""},
		{"GETDEL L", "(error) WRONGTYPE Operation against a key holding the wrong kind of value"},
		{"EXISTS L", "(integer) 1"},
	}},
	{"getex", []step{
		{"GETEX k", "(nil)"},
		{"GETEX k EX abc", "(nil)"},
		{"GETEX k NX", "(error) ERR syntax error"},
		{"SET k v", "OK"},
		{"GETEX k", `"v"`},
		{"TTL k", "(integer) -1"},
		{"GETEX k EX 10", `"v"`},
		{"TTL k", "(integer) 10"},
		{"GETEX k", `"v"`},
		{"TTL k", "(integer) 10"},
		{"GETEX k px 2500", `"v"`},
		{"PTTL k", "(integer) 2500"},
		{"GETEX k EXAT 1700000050", `"v"`},
		{"TTL k", "(integer) 50"},
		{"GETEX k PXAT 1700000000700", `"v"`},
		{"PTTL k", "(integer) 700"},
		{"GETEX k persist", `"v"`},
		{"TTL k", "(integer) -1"},
		{"GETEX k PERSIST PERSIST", `"v"`},
		{"GETEX k EX 10 EX 20", `"v"`},
		{"TTL k", "(integer) 20"},
		{"GETEX k PERSIST EX 10", "(error) ERR syntax error"},
		{"GETEX k EX 10 PERSIST", "(error) ERR syntax error"},
		{"GETEX k EX 10 PX 10", "(error) ERR syntax error"},
		{"GETEX k KEEPTTL", "(error) ERR syntax error"},
		{"GETEX k GET", "(error) ERR syntax error"},
		{"GETEX k XX", "(error) ERR syntax error"},
		{"GETEX k EX", "(error) ERR syntax error"},
		{"GETEX k EX abc", "(error) ERR value is not an integer or out of range"},
		{"GETEX k EX 0", "(error) ERR invalid expire time in 'getex' command"},
		{"GETEX k PX -1", "(error) ERR invalid expire time in 'getex' command"},
		{"GETEX k EX 9223372036854775", "(error) ERR invalid expire time in 'getex' command"},
		{"TTL k", "(integer) 20"},
		{"GETEX k EXAT 1", `"v"`},
		{"EXISTS k", "(integer) 0"},
		{"SET k v", "OK"},
		{"GETEX k PXAT 1700000000000", `"v"`},
		{"EXISTS k", "(integer) 0"},
		{"SET L a", "OK"},
		{"@type L 7", ""},
		{"GETEX L EX abc", "(error) WRONGTYPE Operation against a key holding the wrong kind of value"},
		{"GETEX L EX 10", "(error) WRONGTYPE Operation against a key holding the wrong kind of value"},
		{"TTL L", "(integer) -1"},
	}},
	{"setnx-setex-psetex", []step{
		{"SETNX k v", "(integer) 1"},
		{"SETNX k v2", "(integer) 0"},
		{"GET k", `"v"`},
		{"SETEX k 10 v3", "OK"},
		{"GET k", `"v3"`},
		{"TTL k", "(integer) 10"},
		{"PSETEX k 1500 v4", "OK"},
		{"PTTL k", "(integer) 1500"},
		{"SETEX k 0 v", "(error) ERR invalid expire time in 'setex' command"},
		{"SETEX k -10 v", "(error) ERR invalid expire time in 'setex' command"},
		{"SETEX k 9223372036854775 v", "(error) ERR invalid expire time in 'setex' command"},
		{"SETEX k abc v", "(error) ERR value is not an integer or out of range"},
		{"PSETEX k 0 v", "(error) ERR invalid expire time in 'psetex' command"},
		{"PSETEX k 9223372036854775807 v", "(error) ERR invalid expire time in 'psetex' command"},
		{"PSETEX k x v", "(error) ERR value is not an integer or out of range"},
		{"GET k", `"v4"`},
		{"+1500", ""},
		{"SETNX k v5", "(integer) 1"},
		{"TTL k", "(integer) -1"},
		{"SET L a", "OK"},
		{"@type L 7", ""},
		{"SETEX L 10 v", "OK"},
		{"TYPE L", "string"},
	}},
	{"mget-mset-msetnx", []step{
		{"MSET a 1 b 2 c 3", "OK"},
		{"MGET a b nokey c a", `["1", "2", (nil), "3", "1"]`},
		{"MSET a 1 b", "(error) ERR wrong number of arguments for 'mset' command"},
		{"EXPIRE a 100", "(integer) 1"},
		{"MSET a 10 a 11", "OK"},
		{"GET a", `"11"`},
		{"TTL a", "(integer) -1"},
		{"MSETNX x 1 y 2", "(integer) 1"},
		{"MSETNX y 3 z 4", "(integer) 0"},
		{"MGET x y z", `["1", "2", (nil)]`},
		{"MSETNX z", "(error) ERR wrong number of arguments for 'msetnx' command"},
		{"@type c 7", ""},
		{"MGET a c", `["11", (nil)]`},
		{"SET t v PX 10", "OK"},
		{"+10", ""},
		{"MGET t", `[(nil)]`},
		{"MSETNX t 1", "(integer) 1"},
	}},
	{"append-strlen", []step{
		{"STRLEN k", "(integer) 0"},
		{"APPEND k hello", "(integer) 5"},
		{"APPEND k \" world\"", "(integer) 11"},
		{"GET k", `"hello world"`},
		{"STRLEN k", "(integer) 11"},
		{"EXPIRE k 100", "(integer) 1"},
		{`APPEND k ""`, "(integer) 11"},
		{"TTL k", "(integer) 100"},
		{`APPEND e ""`, "(integer) 0"},
		{"EXISTS e", "(integer) 1"},
		{"@type k 7", ""},
		{"APPEND k x", "(error) WRONGTYPE Operation against a key holding the wrong kind of value"},
		{"STRLEN k", "(error) WRONGTYPE Operation against a key holding the wrong kind of value"},
	}},
	{"getrange", []step{
		{"GETRANGE nokey 0 -1", `""`},
		{"SET s \"Hello World\"", "OK"},
		{"GETRANGE s 0 -1", `"Hello World"`},
		{"GETRANGE s 0 4", `"Hello"`},
		{"GETRANGE s -5 -1", `"World"`},
		{"GETRANGE s -1 -5", `""`},
		{"GETRANGE s -100 -50", `"H"`},
		{"GETRANGE s -5 -100", `""`},
		{"GETRANGE s -100 0", `"H"`},
		{"GETRANGE s 5 100", `" World"`},
		{"GETRANGE s 100 200", `""`},
		{"GETRANGE s 3 2", `""`},
		{"GETRANGE s 3 3", `"l"`},
		{"GETRANGE s -9223372036854775808 9223372036854775807", `"Hello World"`},
		{"GETRANGE s a 1", "(error) ERR value is not an integer or out of range"},
		{"GETRANGE s 1 1.0", "(error) ERR value is not an integer or out of range"},
		{"GETRANGE nokey a 1", "(error) ERR value is not an integer or out of range"},
		{`SET e ""`, "OK"},
		{"GETRANGE e 0 -1", `""`},
		{"GETRANGE e 0 0", `""`},
		{"@type s 7", ""},
		{"GETRANGE s 0 -1", "(error) WRONGTYPE Operation against a key holding the wrong kind of value"},
	}},
	{"setrange", []step{
		{"SETRANGE k 5 abc", "(integer) 8"},
		{"GET k", `"\x00\x00\x00\x00\x00abc"`},
		{"SETRANGE k 1 XY", "(integer) 8"},
		{"GET k", `"\x00XY\x00\x00abc"`},
		{"SETRANGE k 7 zzz", "(integer) 10"},
		{"GET k", `"\x00XY\x00\x00abzzz"`},
		{`SETRANGE k 100 ""`, "(integer) 10"},
		{`SETRANGE nokey 10 ""`, "(integer) 0"},
		{"EXISTS nokey", "(integer) 0"},
		{"SETRANGE k -1 a", "(error) ERR offset is out of range"},
		{"SETRANGE k x a", "(error) ERR value is not an integer or out of range"},
		{"SETRANGE k 536870911 ab", "(error) ERR string exceeds maximum allowed size (proto-max-bulk-len)"},
		{"SETRANGE k 9223372036854775807 ab", "(error) ERR string exceeds maximum allowed size (proto-max-bulk-len)"},
		{"SETRANGE n 536870911 ab", "(error) ERR string exceeds maximum allowed size (proto-max-bulk-len)"},
		{`SETRANGE k 536870912 ""`, "(integer) 10"},
		{"EXPIRE k 100", "(integer) 1"},
		{"SETRANGE k 0 Q", "(integer) 10"},
		{"TTL k", "(integer) 100"},
		{"SET s hello", "OK"},
		{"SETRANGE s 0 J", "(integer) 5"},
		{"GET s", `"Jello"`},
		{"@type s 7", ""},
		{"SETRANGE s 0 J", "(error) WRONGTYPE Operation against a key holding the wrong kind of value"},
		{`SETRANGE s 0 ""`, "(error) WRONGTYPE Operation against a key holding the wrong kind of value"},
	}},
	{"incr-decr", []step{
		{"INCR n", "(integer) 1"},
		{"INCR n", "(integer) 2"},
		{"DECR n", "(integer) 1"},
		{"INCRBY n 10", "(integer) 11"},
		{"DECRBY n 20", "(integer) -9"},
		{"GET n", `"-9"`},
		{"DECR m", "(integer) -1"},
		{"INCRBY m -9223372036854775807", "(integer) -9223372036854775808"},
		{"DECR m", "(error) ERR increment or decrement would overflow"},
		{"INCRBY m -1", "(error) ERR increment or decrement would overflow"},
		{"GET m", `"-9223372036854775808"`},
		{"SET x 9223372036854775807", "OK"},
		{"INCR x", "(error) ERR increment or decrement would overflow"},
		{"DECRBY x -1", "(error) ERR increment or decrement would overflow"},
		{"INCRBY x -9223372036854775808", "(integer) -1"},
		{"DECRBY x -9223372036854775808", "(error) ERR decrement would overflow"},
		{"DECRBY nokey -9223372036854775808", "(error) ERR decrement would overflow"},
		{"INCRBY x 9223372036854775808", "(error) ERR value is not an integer or out of range"},
		{"INCRBY x +5", "(error) ERR value is not an integer or out of range"},
		{"INCRBY x 05", "(error) ERR value is not an integer or out of range"},
		{"INCRBY x 1.0", "(error) ERR value is not an integer or out of range"},
		{`INCRBY x ""`, "(error) ERR value is not an integer or out of range"},
		{"SET s \" 1\"", "OK"},
		{"INCR s", "(error) ERR value is not an integer or out of range"},
		{"SET s +1", "OK"},
		{"INCR s", "(error) ERR value is not an integer or out of range"},
		{"SET s 01", "OK"},
		{"INCR s", "(error) ERR value is not an integer or out of range"},
		{"SET s -0", "OK"},
		{"INCR s", "(error) ERR value is not an integer or out of range"},
		{"SET s 1.5", "OK"},
		{"INCR s", "(error) ERR value is not an integer or out of range"},
		{`SET s ""`, "OK"},
		{"INCR s", "(error) ERR value is not an integer or out of range"},
		{"SET s 00000000000000000000001", "OK"},
		{"INCR s", "(error) ERR value is not an integer or out of range"},
		{"GET s", `"00000000000000000000001"`},
		{"SET z 0", "OK"},
		{"INCR z", "(integer) 1"},
		{"SET t 5 EX 100", "OK"},
		{"INCRBY t 5", "(integer) 10"},
		{"TTL t", "(integer) 100"},
		{"SET e 5 PX 10", "OK"},
		{"+10", ""},
		{"INCR e", "(integer) 1"},
		{"TTL e", "(integer) -1"},
		{"@type t 7", ""},
		{"INCR t", "(error) WRONGTYPE Operation against a key holding the wrong kind of value"},
		{"INCRBY t abc", "(error) ERR value is not an integer or out of range"},
		{"DECRBY t 1", "(error) WRONGTYPE Operation against a key holding the wrong kind of value"},
	}},
}

// TestParseInt pins string2ll's rules.
func TestParseInt(t *testing.T) {
	good := map[string]int64{
		"0": 0, "1": 1, "-1": -1, "10": 10, "9223372036854775807": 1<<63 - 1,
		"-9223372036854775808": -1 << 63, "12345678901234567": 12345678901234567,
	}
	for s, want := range good {
		if got, ok := parseInt([]byte(s)); !ok || got != want {
			t.Errorf("parseInt(%q) = %d, %v; want %d", s, got, ok, want)
		}
	}
	for _, s := range []string{"", "-", "+1", "01", "-0", "00", " 1", "1 ", "1.0", "1e3",
		"9223372036854775808", "-9223372036854775809", "99999999999999999999",
		"100000000000000000000", "0x10", "1_0", "\x001"} {
		if got, ok := parseInt([]byte(s)); ok {
			t.Errorf("parseInt(%q) = %d, ok; want failure", s, got)
		}
	}
}

func TestEqFold(t *testing.T) {
	cases := []struct {
		b, w string
		want bool
	}{
		{"keepttl", "KEEPTTL", true}, {"KeEpTtL", "KEEPTTL", true}, {"string", "string", true},
		{"STRING", "string", true}, {"\u212aEEPTTL", "KEEPTTL", false}, {"NX ", "NX", false},
		{"N", "NX", false}, {"[x", "{X", false}, {"@", "`", false},
	}
	for _, c := range cases {
		if got := eqFold([]byte(c.b), c.w); got != c.want {
			t.Errorf("eqFold(%q, %q) = %v", c.b, c.w, got)
		}
	}
}
