package router

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/memshard/memshard/shard"
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
		if rep.Kind != shard.KindInt && rep.Kind != shard.KindError {
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
		if rep.Kind != shard.KindArray || len(rep.Arr) != 2 {
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
