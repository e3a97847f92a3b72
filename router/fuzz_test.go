package router

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/memshard/memshard/shard/reply"
)

// FuzzImport feeds arbitrary files to IMPORT: it must answer with a count or
// a clear error, never panic, and leave the router serving.
func FuzzImport(f *testing.F) {
	f.Add([]byte("key,value\na,1\n\"b,c\",\"x\"\"y\"\n"))
	f.Add([]byte("key,value\n"))
	f.Add([]byte("nope"))
	f.Add([]byte("key,value\na\n"))
	f.Add([]byte("key,value\n\"unterminated\n"))
	r := newRouter(f, 2)
	dir := r.dump.root.Name()
	s := r.NewSession()
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(filepath.Join(dir, "in.csv"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		rep := s.Do(context.Background(), argv("import", "in.csv"))
		if rep.Kind != reply.KindInt && rep.Kind != reply.KindError {
			t.Fatalf("import: %s", rep)
		}
		if got := do(t, s, "ping"); got != "PONG" {
			t.Fatalf("router not serving: %s", got)
		}
		do(t, s, "flushall")
	})
}

// FuzzScanCursor checks the cursor parser against its contract: whatever the
// input, SCAN answers an array or "invalid cursor", and a valid cursor
// round-trips through its decimal form.
func FuzzScanCursor(f *testing.F) {
	for _, c := range []string{"0", "", "-1", "+1", "18446744073709551615", "18446744073709551616", " 1", "1 ", "-", "0x10"} {
		f.Add(c)
	}
	r := newRouter(f, 2)
	s := r.NewSession()
	do(f, s, "mset", "a", "1", "b", "2")
	f.Fuzz(func(t *testing.T, c string) {
		n, ok := parseCursor([]byte(c))
		rep := s.Do(context.Background(), argv("scan", c))
		if !ok {
			if rep.String() != "(error) ERR invalid cursor" {
				t.Fatalf("scan %q: %s", c, rep)
			}
			return
		}
		if rep.Kind != reply.KindArray || len(rep.Arr) != 2 {
			t.Fatalf("scan %q: %s", c, rep)
		}
		if m, ok := parseCursor([]byte(uintString(n))); !ok || m != n {
			t.Fatalf("cursor %q parsed to %d, which does not round-trip", c, n)
		}
	})
}

func uintString(n uint64) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}

// FuzzCommands sends arbitrary argument vectors — a real command name with
// fuzzed arguments, split into a pipeline — through a session: every command
// must get a well-formed reply (never a panic), and the router must keep
// serving with its data intact.
func FuzzCommands(f *testing.F) {
	f.Add(uint8(0), []byte("k\x00v\x00EX\x0010"))
	f.Add(uint8(5), []byte("k\x00-1"))
	f.Add(uint8(9), []byte("0\x00COUNT\x00+1\x00MATCH\x00[a-"))
	f.Add(uint8(3), []byte("a\x00b\x00c"))
	var names []string
	Commands(func(c *Command) { names = append(names, c.Name) })
	sort.Strings(names)
	r := newRouter(f, 3)
	guard := r.NewSession()
	do(f, guard, "set", "guard", "intact")
	f.Fuzz(func(t *testing.T, pick uint8, data []byte) {
		s := r.NewSession()
		defer s.Close()
		name := names[int(pick)%len(names)]
		if name == "dump" || name == "import" || name == "flushall" || name == "flushdb" || name == "clear" {
			name = "echo" // keep the guard key and the dump directory out of it
		}
		args := [][]byte{[]byte(name)}
		for _, a := range splitNUL(data) {
			args = append(args, a)
		}
		// The same command alone, then inside a pipeline with a barrier.
		cmds := [][][]byte{args, argv("mset", "x", "1", "y", "2"), args}
		for _, rep := range s.Exec(context.Background(), cmds) {
			checkReply(t, rep)
		}
		s.Exec(context.Background(), [][][]byte{argv("discard")})
		if got := do(t, guard, "get", "guard"); got != `"intact"` {
			t.Fatalf("guard key: %s", got)
		}
	})
}

func splitNUL(b []byte) [][]byte {
	var out [][]byte
	start := 0
	for i, c := range b {
		if c == 0 {
			out = append(out, b[start:i])
			start = i + 1
		}
	}
	return append(out, b[start:])
}

func checkReply(t *testing.T, r reply.Reply) {
	t.Helper()
	switch r.Kind {
	case reply.KindNil, reply.KindNilArray, reply.KindInt, reply.KindDouble, reply.KindBulk:
	case reply.KindStatus, reply.KindError:
		if len(r.Str) == 0 {
			t.Fatalf("empty %v reply", r.Kind)
		}
	case reply.KindArray, reply.KindMap:
		for _, e := range r.Arr {
			checkReply(t, e)
		}
	default:
		t.Fatalf("unknown reply kind %d", r.Kind)
	}
}
