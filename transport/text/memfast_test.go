package text

import (
	"bytes"
	"testing"

	"github.com/memshard/memshard/shard/reply"
)

var (
	errArity    = reply.Error("ERR wrong number of arguments for 'set' command")
	errNoDumpTo = reply.Error("ERR DUMP path escapes the dump directory")
)

var memfastCases = []struct {
	query string      // the MemFast line
	exec  string      // what runs on the engine, tokens joined by spaces
	reply reply.Reply // the engine's reply to exec
	want  string
}{
	// SET k v shows what it replaced.
	{"SET k v", "SET k v GET", reply.Nil(), "Inserted!"},
	{"SET k v", "SET k v GET", bulk("old"), "old"},
	{"SET k v", "SET k v GET", bulk(""), ""},
	{"set k v", "set k v GET", reply.Nil(), "Inserted!"},
	{"sEt k v", "sEt k v GET", bulk("Nil"), "Nil"},
	{`SET k "a b"`, "SET k a b GET", reply.Nil(), "Inserted!"},
	{"SET k v", "SET k v GET", reply.ErrWrongType, "WRONGTYPE Operation against a key holding the wrong kind of value"},
	// ... and with options it is plain Redis.
	{"SET k v EX 10", "SET k v EX 10", reply.OK(), "OK"},
	{"SET k v NX", "SET k v NX", reply.Nil(), "Nil"},
	{"SET k v GET", "SET k v GET", reply.Nil(), "Nil"},
	{"SET k v XX GET", "SET k v XX GET", bulk("old"), "old"},
	{"SET k v extra", "SET k v extra", reply.ErrSyntax, "ERR syntax error"},
	{"SET k", "SET k", errArity, "ERR wrong number of arguments for 'set' command"},
	{"SET", "SET", errArity, "ERR wrong number of arguments for 'set' command"},
	{"SETX k v", "SETX k v", reply.Error("ERR unknown command 'SETX', with args beginning with: 'k' 'v' "), "ERR unknown command 'SETX', with args beginning with: 'k' 'v' "},

	// GET.
	{"GET k", "GET k", bulk("value"), "value"},
	{"get k", "get k", bulk("two words"), "two words"},
	{"GET k", "GET k", reply.Nil(), "Nil"},
	{"GET k", "GET k", reply.ErrWrongType, "WRONGTYPE Operation against a key holding the wrong kind of value"},

	// DEL.
	{"DEL k", "DEL k", reply.Int(1), "Deleted!"},
	{"DEL k", "DEL k", reply.Int(0), "Deleted!"},
	{"del a b c", "del a b c", reply.Int(2), "Deleted!"},
	{"DEL", "DEL", reply.Error("ERR wrong number of arguments for 'del' command"), "ERR wrong number of arguments for 'del' command"},

	// EXISTS.
	{"EXISTS k", "EXISTS k", reply.Int(1), "true"},
	{"exists k", "exists k", reply.Int(0), "false"},
	{"EXISTS a b", "EXISTS a b", reply.Int(2), "2"},
	{"EXISTS", "EXISTS", reply.Error("ERR wrong number of arguments for 'exists' command"), "ERR wrong number of arguments for 'exists' command"},

	// LEN.
	{"LEN", "LEN", reply.Int(3), "3"},
	{"len", "len", reply.Int(0), "0"},
	{"LEN x", "LEN x", reply.Error("ERR wrong number of arguments for 'len' command"), "ERR wrong number of arguments for 'len' command"},

	// ISEMPTY.
	{"ISEMPTY", "ISEMPTY", reply.Int(1), "true"},
	{"isempty", "isempty", reply.Int(0), "false"},

	// CLEAR.
	{"CLEAR", "CLEAR", reply.OK(), "Cleared!"},
	{"Clear", "Clear", reply.OK(), "Cleared!"},
	{"CLEAR x", "CLEAR x", reply.Error("ERR wrong number of arguments for 'clear' command"), "ERR wrong number of arguments for 'clear' command"},

	// DUMP.
	{"DUMP file.csv", "DUMP file.csv", reply.OK(), "Dumped!"},
	{"DUMP ../etc/passwd", "DUMP ../etc/passwd", errNoDumpTo, "ERR DUMP path escapes the dump directory"},

	// NET and SETSYNC.
	{"NET g 1 http://a", "NET g 1 http://a", reply.OK(), "Created!"},
	{"SETSYNC g k v", "SETSYNC g k v", reply.OK(), "Synced!"},
	{"SETSYNC g k v", "SETSYNC g k v", reply.Error("ERR peers did not acknowledge: http://b"), "ERR peers did not acknowledge: http://b"},

	// Anything else is generic.
	{"PING", "PING", reply.Pong(), "PONG"},
	{"INCR n", "INCR n", reply.Int(6), "6"},
	{"KEYS *", "KEYS *", reply.Array([]reply.Reply{bulk("a"), bulk("b")}), `["a","b"]`},
	{"KEYS nothing*", "KEYS nothing*", reply.Array(nil), `[]`},
	{"MGET a b", "MGET a b", reply.Array([]reply.Reply{bulk("1"), reply.Nil()}), `["1",null]`},
	{"EXEC", "EXEC", reply.Reply{Kind: reply.KindNilArray}, "Nil"},
	{"HGETALL h", "HGETALL h", reply.Reply{Kind: reply.KindMap, Arr: []reply.Reply{bulk("f"), bulk("v")}}, `{"f":"v"}`},
	{"ZSCORE z m", "ZSCORE z m", reply.Double(2.5), "2.5"},
	{"FOO", "FOO", reply.Error("ERR unknown command 'FOO', with args beginning with: "), "ERR unknown command 'FOO', with args beginning with: "},
	{"ſet k v", "ſet k v", reply.Error("ERR unknown command"), "ERR unknown command"}, // no Unicode folding
}

func TestMemFast(t *testing.T) {
	for _, c := range memfastCases {
		args, err := Tokenize([]byte(c.query))
		if err != nil {
			t.Fatalf("Tokenize(%q): %v", c.query, err)
		}
		q := Prepare(args)
		if got := string(bytes.Join(q.Args, []byte(" "))); got != c.exec {
			t.Errorf("Prepare(%q).Args = %q, want %q", c.query, got, c.exec)
		}
		if got := q.Render(c.reply); got != c.want {
			t.Errorf("%q with reply %v: Render = %q, want %q", c.query, c.reply, got, c.want)
		}
		if got := string(q.AppendRender([]byte(">"), c.reply)); got != ">"+c.want {
			t.Errorf("%q with reply %v: AppendRender = %q, want %q", c.query, c.reply, got, ">"+c.want)
		}
	}
}

// Errors are their text whatever the command.
func TestMemFastErrorsAreText(t *testing.T) {
	for _, line := range []string{"SET k v", "GET k", "DEL k", "EXISTS k", "LEN", "ISEMPTY", "CLEAR", "DUMP f.csv", "NET g 1 u", "SETSYNC g k v", "KEYS *"} {
		args, _ := Tokenize([]byte(line))
		q := Prepare(args)
		for _, e := range []reply.Reply{reply.ErrSyntax, reply.ErrWrongType, reply.ErrShardStopped} {
			if got := q.Render(e); got != string(e.Str) {
				t.Errorf("%q with %v: %q, want %q", line, e, got, e.Str)
			}
		}
	}
}

func TestPrepareKeepsArgs(t *testing.T) {
	args := make([][]byte, 3, 8)
	args[0], args[1], args[2] = []byte("SET"), []byte("k"), []byte("v")
	spare := args[:4]
	spare[3] = []byte("untouched")
	q := Prepare(args)
	if len(args) != 3 || string(spare[3]) != "untouched" {
		t.Fatalf("Prepare wrote into the caller's slice: %q", spare)
	}
	if string(q.Args[3]) != "GET" {
		t.Fatalf("Args = %q", q.Args)
	}
	// Empty and zero queries render generically.
	if got := Prepare(nil).Render(bulk("x")); got != "x" {
		t.Fatalf("Prepare(nil).Render = %q", got)
	}
	if got := (Query{}).Render(reply.Int(1)); got != "1" {
		t.Fatalf("Query{}.Render = %q", got)
	}
}
