package shard

import (
	"slices"
	"strings"
	"testing"

	"github.com/memshard/memshard/shard/reply"
)

func TestKeyCommands(t *testing.T) {
	runScripts(t, keyScripts)
}

var keyScripts = []script{
	{"del-exists-touch", []step{
		{"MSET a 1 b 2 c 3", "OK"},
		{"EXISTS a", "(integer) 1"},
		{"EXISTS a a nokey b", "(integer) 3"},
		{"TOUCH a a nokey b", "(integer) 3"},
		{"DEL a a nokey", "(integer) 1"},
		{"UNLINK b c", "(integer) 2"},
		{"DBSIZE", "(integer) 0"},
		{"SET e v PX 10", "OK"},
		{"+10", ""},
		{"DEL e", "(integer) 0"},
		{"DBSIZE", "(integer) 0"},
	}},
	{"type", []step{
		{"TYPE k", "none"},
		{"SET k v", "OK"},
		{"TYPE k", "string"},
		{"PEXPIRE k 5", "(integer) 1"},
		{"+5", ""},
		{"TYPE k", "none"},
	}},
	{"rename", []step{
		{"RENAME nokey x", "(error) ERR no such key"},
		{"RENAME nokey nokey", "(error) ERR no such key"},
		{"RENAMENX nokey x", "(error) ERR no such key"},
		{"SET a 1", "OK"},
		{"RENAME a a", "OK"},
		{"RENAMENX a a", "(integer) 0"},
		{"GET a", `"1"`},
		{"RENAME a b", "OK"},
		{"EXISTS a", "(integer) 0"},
		{"GET b", `"1"`},
		{"SET c 3 EX 100", "OK"},
		{"RENAME b c", "OK"},
		{"GET c", `"1"`},
		{"TTL c", "(integer) -1"},
		{"SET d 4", "OK"},
		{"RENAMENX c d", "(integer) 0"},
		{"GET c", `"1"`},
		{"RENAMENX c e", "(integer) 1"},
		{"MGET c e", `[(nil), "1"]`},
		{"SET x 1 PX 10", "OK"},
		{"SET y 2 PX 20", "OK"},
		{"+10", ""},
		{"RENAME x z", "(error) ERR no such key"},
		{"RENAMENX y x", "(integer) 1"},
		{"PTTL x", "(integer) 10"},
		{"SET t 1 PX 5", "OK"},
		{"+5", ""},
		{"RENAMENX x t", "(integer) 1"},
		{"PTTL t", "(integer) 5"},
	}},
	{"copy", []step{
		{"SET a 1", "OK"},
		{"COPY a a", "(error) ERR source and destination objects are the same"},
		{"COPY nokey nokey", "(error) ERR source and destination objects are the same"},
		{"COPY a b DB 16", "(error) ERR DB index is out of range"},
		{"COPY a b db -1", "(error) ERR DB index is out of range"},
		{"COPY a b DB 16 FOO", "(error) ERR DB index is out of range"},
		{"COPY a b DB 99999999999", "(error) ERR value is out of range, value must between -2147483648 and 2147483647"},
		{"COPY a b DB x", "(error) ERR value is not an integer or out of range"},
		{"COPY a b DB", "(error) ERR syntax error"},
		{"COPY a b FOO", "(error) ERR syntax error"},
		{"COPY a b DB 1 FOO", "(error) ERR syntax error"},
		{"COPY a b DB 1", "(error) ERR COPY to another database is not supported"},
		{"COPY a a DB 15", "(error) ERR COPY to another database is not supported"},
		{"EXISTS b", "(integer) 0"},
		{"COPY nokey b", "(integer) 0"},
		{"COPY a b", "(integer) 1"},
		{"COPY a b", "(integer) 0"},
		{"SET a 2 EX 50", "OK"},
		{"COPY a b DB 0", "(integer) 0"},
		{"COPY a b replace REPLACE db 0", "(integer) 1"},
		{"MGET a b", `["2", "2"]`},
		{"TTL b", "(integer) 50"},
		{"APPEND b x", "(integer) 2"},
		{"MGET a b", `["2", "2x"]`},
		{"SET e v PX 10", "OK"},
		{"+10", ""},
		{"COPY e f", "(integer) 0"},
		{"COPY a e", "(integer) 1"},
		{"GET e", `"2"`},
	}},
	{"dbsize-counts-unreclaimed", []step{
		{"SET a v PX 10", "OK"},
		{"SET b v", "OK"},
		{"+10", ""},
		{"DBSIZE", "(integer) 2"},
		{"GET a", "(nil)"},
		{"DBSIZE", "(integer) 1"},
		{"FLUSH", "OK"},
		{"DBSIZE", "(integer) 0"},
		{"GET b", "(nil)"},
	}},
	{"versions", []step{
		{"GETVERSION k", "(nil)"},
		{"VERSIONS k j", "[(integer) 0, (integer) 0]"},
		{"PUTIFVERSION k v exists 0 0", "[(integer) 0, (integer) 0, (integer) 0]"},
		{"PUTIFVERSION k v absent 0 0", "[(integer) 1, (integer) 1, (integer) 0]"},
		{"PUTIFVERSION k v absent 0 0", "[(integer) 0, (integer) 1, (integer) 1]"},
		{"GETVERSION k", `["v", (integer) 1]`},
		{"SET j x", "OK"},
		{"VERSIONS k j", "[(integer) 1, (integer) 2]"},
		{"PUTIFVERSION k v2 match 2 0", "[(integer) 0, (integer) 1, (integer) 1]"},
		{"PUTIFVERSION k v2 match 1 60000", "[(integer) 1, (integer) 3, (integer) 1]"},
		{"TTL k", "(integer) 60"},
		{"PUTIFVERSION k v3 any 0 0", "[(integer) 1, (integer) 4, (integer) 1]"},
		{"TTL k", "(integer) -1"},
		{"PUTIFVERSION k v3 maybe 0 0", "(error) ERR syntax error"},
		{"PUTIFVERSION k v3 any x 0", "(error) ERR value is not an integer or out of range"},
		{"DELIFVERSION k match 3", "[(integer) 0, (integer) 4]"},
		{"DELIFVERSION k exists 0", "[(integer) 1, (integer) 0]"},
		{"DELIFVERSION k any 0", "[(integer) 0, (integer) 0]"},
		{"@type j 1", ""},
		{"GETVERSION j", "(error) WRONGTYPE Operation against a key holding the wrong kind of value"},
		{"PUTIFVERSION j v any 0 0", "(error) WRONGTYPE Operation against a key holding the wrong kind of value"},
		{"FLUSH", "OK"},
		{"SET user:2 a", "OK"},
		{"SET user:1 a", "OK"},
		{"SET users b", "OK"},
		{"SET other c", "OK"},
		{"KEYSWITHPREFIX user: 0", `["user:1", "user:2"]`},
		{"KEYSWITHPREFIX user 2", `["user:1", "user:2"]`},
		{"KEYSWITHPREFIX \"\" 0", `["other", "user:1", "user:2", "users"]`},
		{"KEYSWITHPREFIX nope 0", "[]"},
		{"DELPREFIX user", "(integer) 3"},
		{"DBSIZE", "(integer) 1"},
	}},
	{"peek-take-put", []step{
		{"PEEK k", "(nil)"},
		{"TAKE k", "(nil)"},
		{"PUT k v 0 nx", "(integer) 1"},
		{"PEEK k", `["v", (integer) 0, "string", (integer) 1]`},
		{"PUT k v2 0 NX", "(integer) 0"},
		{"PUT k v3 1700000060000 replace", "(integer) 1"},
		{"PEEK k", `["v3", (integer) 1700000060000, "string", (integer) 2]`},
		{"TTL k", "(integer) 60"},
		{"PUT k v4 0 REPLACE", "(integer) 1"},
		{"TTL k", "(integer) -1"},
		{"TAKE k", `["v4", (integer) 0, "string", (integer) 3]`},
		{"PUT k v5 0 replace 2", "(integer) 1"},
		{"PEEK k", `["v5", (integer) 0, "string", (integer) 2]`},
		{"PUT k v5 0 replace x", "(error) ERR value is not an integer or out of range"},
		{"DEL k", "(integer) 1"},
		{"EXISTS k", "(integer) 0"},
		{"PUT k v x nx", "(error) ERR value is not an integer or out of range"},
		{"PUT k v -1 nx", "(error) ERR value is not an integer or out of range"},
		{"PUT k v 0 maybe", "(error) ERR syntax error"},
		{"PUT k v 0", "(error) ERR syntax error"},
		{"EXISTS k", "(integer) 0"},
		{"PUT t v 1700000000010 nx", "(integer) 1"},
		{"+10", ""},
		{"PEEK t", "(nil)"},
		{"PUT t v 0 nx", "(integer) 1"},
		{"MSET a 1 b 2", "OK"},
		{"EXISTSANY a b c a", "(integer) 3"},
		{"EXISTSANY c", "(integer) 0"},
	}},
}

// sortedKeys returns the keys of a KEYS reply, sorted.
func sortedKeys(tb testing.TB, r reply.Reply) []string {
	tb.Helper()
	if r.Kind != reply.KindArray || r.Arr == nil {
		tb.Fatalf("KEYS reply %s is not an array", r)
	}
	var ks []string
	for _, e := range r.Arr {
		ks = append(ks, string(e.Str))
	}
	slices.Sort(ks)
	return ks
}

func TestKeys(t *testing.T) {
	ks, clk := newTestKeyspace(t)
	if got := sortedKeys(t, do(t, ks, "KEYS *")); len(got) != 0 {
		t.Fatalf("KEYS on an empty keyspace: %q", got)
	}
	do(t, ks, "MSET hello 1 hallo 2 hxllo 3 heeello 4 foo 5 f[o 6")
	do(t, ks, `SET "" empty`)
	do(t, ks, "SET gone v PX 10")
	advance(ks, clk, 10)
	cases := []struct {
		pat  string
		want string
	}{
		{"*", ",f[o,foo,hallo,heeello,hello,hxllo"},
		{"h?llo", "hallo,hello,hxllo"},
		{"h*llo", "hallo,heeello,hello,hxllo"},
		{"h[ae]llo", "hallo,hello"},
		{"h[^e]llo", "hallo,hxllo"},
		{`f\[o`, "f[o"},
		{"nomatch*", ""},
		{"gone", ""},
		{"**", "f[o,foo,hallo,heeello,hello,hxllo"}, // "" matches only "*" itself
	}
	for _, c := range cases {
		got := strings.Join(sortedKeys(t, do(t, ks, `KEYS "`+strings.ReplaceAll(c.pat, `\`, `\\`)+`"`)), ",")
		if got != c.want {
			t.Errorf("KEYS %s = %q, want %q", c.pat, got, c.want)
		}
	}
	if ks.Len() != 8 {
		t.Errorf("KEYS reclaimed expired keys: %d keys left, want 8", ks.Len())
	}
}

// TestExpiredInvisible checks that a key whose TTL has passed answers every
// command exactly as a key that never existed.
func TestExpiredInvisible(t *testing.T) {
	cmds := []string{
		"GET k", "MGET k", "STRLEN k", "GETRANGE k 0 -1", "GETDEL k", "GETEX k", "GETEX k EX 10",
		"GETSET k x", "SET k x NX", "SET k x XX", "SET k x GET", "SETNX k x", "MSETNX k x",
		"APPEND k x", "INCR k", "INCRBYFLOAT k 1.5", "SETRANGE k 2 x", `SETRANGE k 2 ""`,
		"TTL k", "PTTL k", "EXPIRETIME k", "PEXPIRETIME k", "PERSIST k", "EXPIRE k 10",
		"EXPIRE k 10 XX", "EXPIRE k 10 NX", "TYPE k", "EXISTS k", "TOUCH k", "DEL k",
		"RENAME k j", "RENAMENX k j", "COPY k j", "COPY j k", "KEYS *", "KEYS k", "SCAN 0",
		"SCAN 0 COUNT 1000", "PEEK k", "TAKE k", "EXISTSANY k", "PUT k x 0 nx",
	}
	checks := 0
	for _, c := range cmds {
		expired, clk := newTestKeyspace(t)
		do(t, expired, "SET k old PX 100")
		do(t, expired, "SET j jv")
		advance(expired, clk, 100)
		fresh, clk2 := newTestKeyspace(t)
		do(t, fresh, "SET j jv")
		advance(fresh, clk2, 100)
		for _, probe := range []string{c, "GET k", "GET j", "PTTL k", "KEYS *"} {
			a, b := do(t, expired, probe), do(t, fresh, probe)
			if probe == "KEYS *" {
				a, b = reply.BulkString(strings.Join(sortedKeys(t, a), ",")), reply.BulkString(strings.Join(sortedKeys(t, b), ","))
			}
			if a.String() != b.String() {
				t.Errorf("after %q: %s answers %s on an expired key, %s on a missing one", c, probe, a, b)
			}
			checks++
		}
	}
	if checks != len(cmds)*5 {
		t.Fatalf("%d checks", checks)
	}
}
