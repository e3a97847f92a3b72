package main

import (
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
