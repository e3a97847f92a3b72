package text_test

import (
	"context"
	"testing"

	"github.com/memshard/memshard/router"
	"github.com/memshard/memshard/transport/text"
)

// TestMemFastAgainstEngine runs MemFast queries end to end: tokenize,
// prepare, execute on a real router, render — the path the HTTP {"query"}
// route and WebSocket text frames take.
func TestMemFastAgainstEngine(t *testing.T) {
	r, err := router.New(router.Config{Shards: 4, DumpDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	s := r.NewSession()
	steps := [][2]string{
		{`SET greeting "hello world"`, "Inserted!"},
		{`set greeting 'hi there'`, "hello world"},
		{`GET greeting`, "hi there"},
		{`GET nope`, "Nil"},
		{`EXISTS greeting`, "true"},
		{`EXISTS nope`, "false"},
		{`SET a 1`, "Inserted!"},
		{`INCR a`, "2"},
		{`MGET a nope greeting`, `["2",null,"hi there"]`},
		{`LEN`, "2"},
		{`ISEMPTY`, "false"},
		{`DEL a`, "Deleted!"},
		{`DUMP out.csv`, "Dumped!"},
		{`DUMP ../escape.csv`, `ERR file name "../escape.csv" is outside the dump directory`},
		{`CLEAR`, "Cleared!"},
		{`ISEMPTY`, "true"},
		{`IMPORT out.csv`, "1"},
		{`GET greeting`, "hi there"},
		{`SET k v EX 100`, "OK"},
		{`TTL k`, "100"},
		{`GET`, "ERR wrong number of arguments for 'get' command"},
		{`FOO bar`, "ERR unknown command 'FOO', with args beginning with: 'bar' "},
		{`INCR greeting`, "ERR value is not an integer or out of range"},
	}
	for _, st := range steps {
		args, err := text.Tokenize([]byte(st[0]))
		if err != nil {
			t.Fatalf("%s: %v", st[0], err)
		}
		q := text.Prepare(args)
		got := q.Render(s.Do(context.Background(), q.Args))
		if got != st[1] {
			t.Fatalf("%s: got %q want %q", st[0], got, st[1])
		}
	}
	for _, bad := range []string{`SET k "unterminated`, `SET k "a"b`, ``, `   `} {
		if _, err := text.Tokenize([]byte(bad)); err == nil {
			t.Fatalf("%q tokenized without error", bad)
		}
	}
}
