package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestHostileResident runs the built binary on its defaults and sends the
// two worst inputs of the hostile table together: 2,340 × GET of a 1 MiB
// value in one 16 KB write, never read, and a SET whose header announces a
// 512 MB value followed by 1 KB, then silence. The process must stay under
// 600 MB resident (VmHWM, its peak) and answer PING on another connection
// well under a second, with the data intact.
func TestHostileResident(t *testing.T) {
	bin := buildBinary(t)
	s := startServer(t, bin, "--log-format", "json", "--resp-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0")
	s.waitOutput(t, `"message":"ready"`)
	var addr string
	for _, line := range strings.Split(s.out.String(), "\n") {
		var rec map[string]any
		if json.Unmarshal([]byte(line), &rec) == nil && rec["message"] == "ready" {
			addr, _ = rec["resp_addr"].(string)
		}
	}
	h := &hostileServer{respURL: addr}
	val := strings.Repeat("x", 1<<20)
	if rep, err := h.do(t, 5*time.Second, "SET", "k", val); rep != "+OK" {
		t.Fatalf("SET: %q %v", rep, err)
	}
	flood := h.dial(t)
	flood.(*net.TCPConn).SetReadBuffer(4 << 10)
	if _, err := flood.Write(bytes.Repeat([]byte("GET k\r\n"), 2340)); err != nil {
		t.Fatal(err)
	}
	header := h.dial(t)
	if _, err := header.Write(append([]byte("*3\r\n$3\r\nSET\r\n$1\r\nh\r\n$536870912\r\n"), bytes.Repeat([]byte("y"), 1024)...)); err != nil {
		t.Fatal(err)
	}
	var worst time.Duration
	for range 15 {
		time.Sleep(100 * time.Millisecond)
		worst = max(worst, h.pingWithin(t, time.Second))
	}
	peak := vmHWM(t, s.cmd.Process.Pid)
	t.Logf("peak resident %d MiB; slowest PING %v", peak>>20, worst)
	if peak > 600<<20 {
		t.Fatalf("peak resident %d MiB, want under 600 MiB", peak>>20)
	}
	if rep, _ := h.do(t, 5*time.Second, "STRLEN", "k"); rep != ":1048576" {
		t.Fatalf("STRLEN k: %q", rep)
	}
}

// vmHWM is a process's peak resident size in bytes.
func vmHWM(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmHWM")
	return 0
}
