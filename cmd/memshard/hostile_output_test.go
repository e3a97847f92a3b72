package main

import (
	"bufio"
	"bytes"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestHostileUnreadReplies is the first row of the hostile table: a client
// stores a 1 MiB value, then sends 2,340 × "GET k" in one 16 KB write and
// never reads. The replies would be 2.3 GB; the server must hold a bounded
// part of them (execution pauses while the socket is full), keep answering
// other clients, and keep the data.
func TestHostileUnreadReplies(t *testing.T) {
	for _, tc := range []struct {
		name  string
		value int
		gets  int
	}{
		{"1MiB", 1 << 20, 2340},
		{"64KiB", 64 << 10, 2340},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := startHostile(t)
			val := strings.Repeat("x", tc.value)
			if rep, err := h.do(t, 5*time.Second, "SET", "k", val); rep != "+OK" {
				t.Fatalf("SET: %q %v", rep, err)
			}
			base := liveHeap()
			peak := watchHeap()
			c := h.dial(t)
			c.(*net.TCPConn).SetReadBuffer(4 << 10)
			flood := bytes.Repeat([]byte("GET k\r\n"), tc.gets)
			if _, err := c.Write(flood); err != nil {
				t.Fatal(err)
			}
			var worst time.Duration
			for range 10 {
				time.Sleep(100 * time.Millisecond)
				worst = max(worst, h.pingWithin(t, time.Second))
			}
			p := peak.stop()
			grown := int64(p) - int64(base)
			t.Logf("%d × GET of %d bytes unread: heap peak %.1f MiB over the %.1f MiB before; slowest PING %v",
				tc.gets, tc.value, float64(grown)/mib, float64(base)/mib, worst)
			if limit := int64(64 * mib); grown > limit {
				t.Fatalf("heap grew %.1f MiB, want at most %d MiB", float64(grown)/mib, limit/mib)
			}
			if rep, _ := h.do(t, 5*time.Second, "STRLEN", "k"); rep != ":"+strconv.Itoa(tc.value) {
				t.Fatalf("STRLEN k after the flood: %q", rep)
			}
		})
	}
}

// TestHostileLargeReplyCostsItsSizeOnce reads a 32 MiB value: the reply is
// made once (by the shard) and written from there, not copied again into a
// reply buffer, so the heap grows by about the value's size, not twice it.
func TestHostileLargeReplyCostsItsSizeOnce(t *testing.T) {
	h := startHostile(t)
	const size = 32 << 20
	c := h.dial(t)
	c.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := c.Write(respCommand("SET", "big", strings.Repeat("v", size))); err != nil {
		t.Fatal(err)
	}
	rd := bufio.NewReader(c)
	if rep, err := readReply(rd); rep != "+OK" {
		t.Fatalf("SET: %q %v", rep, err)
	}
	time.Sleep(1500 * time.Millisecond) // the connection's grown read buffer goes when idle
	base := liveHeap()
	peak := watchHeap()
	if _, err := c.Write(respCommand("GET", "big")); err != nil {
		t.Fatal(err)
	}
	if rep, err := readReply(rd); rep != "$"+strconv.Itoa(size) {
		t.Fatalf("GET: %q %v", rep, err)
	}
	grown := int64(peak.stop()) - int64(base)
	t.Logf("GET of %d MiB: heap peak %.1f MiB over the %.1f MiB before", size>>20, float64(grown)/mib, float64(base)/mib)
	if limit := int64(size + size/2); grown > limit {
		t.Fatalf("heap grew %.1f MiB reading a %d MiB value, want under %d MiB", float64(grown)/mib, size>>20, limit>>20)
	}
}

// TestHostileExecReplies: a MULTI of 1,000 GETs of a 1 MiB value (1 GB of
// replies) under a 64 MiB hard output limit. EXEC's replies are built while
// the shards are held, so the pause between parts cannot split them; the
// engine stops keeping them once they pass the hard limit, the transaction
// still runs whole (both INCRs apply), and EXEC answers an error naming
// the limit. The heap grows by a small multiple of the limit, other
// clients are answered, the data is intact. On the parent commit the
// client had no reply within 30 s (the EXEC's gigabyte was being built).
func TestHostileExecReplies(t *testing.T) {
	h := startHostile(t, "--client-output-buffer-limit", "normal 64mb 32mb 60")
	if rep, err := h.do(t, 5*time.Second, "SET", "k", strings.Repeat("x", mib)); rep != "+OK" {
		t.Fatalf("SET: %q %v", rep, err)
	}
	c := h.dial(t)
	c.SetDeadline(time.Now().Add(30 * time.Second))
	var req bytes.Buffer
	req.WriteString("MULTI\r\nINCR n\r\n")
	for range 1000 {
		req.WriteString("GET k\r\n")
	}
	req.WriteString("INCR n\r\nEXEC\r\n")
	rd := bufio.NewReader(c)
	var exec string
	var worst time.Duration
	grown := heapGrowth(func() {
		if _, err := c.Write(req.Bytes()); err != nil {
			t.Fatal(err)
		}
		for i := range 1004 {
			rep, err := readReply(rd)
			if err != nil {
				t.Fatalf("reply %d: %v", i, err)
			}
			exec = rep
		}
		worst = h.pingWithin(t, time.Second)
	})
	t.Logf("EXEC of 1 GB of replies, hard limit 64 MiB: heap peak %.1f MiB over the start; PING after %v", float64(grown)/mib, worst)
	if want := "-ERR EXEC reply exceeds client-output-buffer-limit normal 67108864 bytes; the transaction was applied, its replies dropped"; exec != want {
		t.Fatalf("EXEC: %q, want %q", exec, want)
	}
	if grown > 3*64*mib {
		t.Fatalf("heap grew %.1f MiB, want at most 3 x the 64 MiB limit", float64(grown)/mib)
	}
	if rep, _ := h.do(t, 5*time.Second, "GET", "n"); rep != "$2" {
		t.Fatalf("GET n: %q; the transaction did not run whole", rep)
	}
	if rep, _ := h.do(t, 5*time.Second, "STRLEN", "k"); rep != ":"+strconv.Itoa(mib) {
		t.Fatalf("STRLEN k: %q", rep)
	}
}
