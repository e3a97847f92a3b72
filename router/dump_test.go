//go:build unix

package router

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestImportRefusesNonRegular: IMPORT of a named pipe, a directory, a
// socket or a symlink to one of them inside the dump directory answers at
// once with an error naming the file, and imports nothing.
func TestImportRefusesNonRegular(t *testing.T) {
	r := newRouter(t, 2)
	dir := r.cfg.DumpDir
	if err := syscall.Mkfifo(filepath.Join(dir, "pipe.csv"), 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if err := os.Mkdir(filepath.Join(dir, "dir.csv"), 0o700); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("unix", filepath.Join(dir, "sock.csv"))
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := os.Symlink("pipe.csv", filepath.Join(dir, "link.csv")); err != nil {
		t.Fatal(err)
	}
	cases := map[string]string{
		"pipe.csv": "pipe.csv is not a regular file (a named pipe)",
		"dir.csv":  "dir.csv is not a regular file (a directory)",
		"sock.csv": "", // opening a socket fails outright (ENXIO)
		"link.csv": "link.csv is not a regular file (a named pipe)",
	}
	s := r.NewSession()
	for name, want := range cases {
		start := time.Now()
		rep := s.Do(context.Background(), argv("import", name))
		if took := time.Since(start); took > 2*time.Second {
			t.Errorf("IMPORT %s took %v", name, took)
		}
		msg := string(rep.Str)
		if !rep.IsError() || !strings.HasPrefix(msg, "ERR IMPORT: ") || !strings.Contains(msg, name) || !strings.Contains(msg, want) {
			t.Errorf("IMPORT %s: %q, want an error containing %q", name, msg, want)
		}
	}
	if got := do(t, s, "dbsize"); got != "(integer) 0" {
		t.Fatalf("DBSIZE after refused imports: %s", got)
	}
}

// TestSlowCommands: DUMP and IMPORT are marked slow (transports run them
// off their event loops) and refused inside MULTI, which then aborts, as
// Redis treats its no-multi commands.
func TestSlowCommands(t *testing.T) {
	for name, want := range map[string]bool{
		"dump": true, "DUMP": true, "import": true, "Import": true,
		"get": false, "set": false, "dbsize": false, "exec": false, "": false, "impor": false,
		"importx": false, "debug": false, strings.Repeat("i", 40): false,
	} {
		if got := Slow([]byte(name)); got != want {
			t.Errorf("Slow(%q) = %v, want %v", name, got, want)
		}
	}
	r := newRouter(t, 2)
	s := r.NewSession()
	do(t, s, "set", "k", "v")
	do(t, s, "multi")
	if got := do(t, s, "import", "x.csv"); got != "(error) ERR Command not allowed inside a transaction" {
		t.Fatalf("IMPORT in MULTI: %s", got)
	}
	if got := do(t, s, "dump", "x.csv"); got != "(error) ERR Command not allowed inside a transaction" {
		t.Fatalf("DUMP in MULTI: %s", got)
	}
	do(t, s, "set", "k", "w")
	if got := do(t, s, "exec"); !strings.Contains(got, "EXECABORT") {
		t.Fatalf("EXEC after a refused slow command: %s", got)
	}
	if got := do(t, s, "get", "k"); got != `"v"` {
		t.Fatalf("GET k after the aborted transaction: %s", got)
	}
}
