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
