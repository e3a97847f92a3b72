package main

// Hostile input: what a client's requests make a connection's read buffer
// hold. It must follow the bytes that arrived, not the length a header
// announces, and shrink back once a large request is done.

import (
	"bufio"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// respModes runs f on the server's defaults (event loops) and with a
// goroutine per connection.
func respModes(t *testing.T, f func(t *testing.T, flags ...string)) {
	t.Run("loops", func(t *testing.T) { f(t) })
	t.Run("goroutines", func(t *testing.T) { f(t, "--resp-event-loops", "-1") })
}

// Four connections each announce a 512 MiB argument (proto-max-bulk-len)
// and send 1 KiB of it, then wait. Nothing may be allocated for the bytes
// that did not come: the heap grows by under 64 MiB (over the live heap at
// the start, which other tests of this process may have left), another connection's PING
// is answered within a second, and when the four leave, the live heap goes
// back to within 8 MiB of where it started.
func TestHostileAnnouncedBulk(t *testing.T) {
	respModes(t, func(t *testing.T, flags ...string) {
		const peakBound, afterBound = 64 * mib, 8 * mib
		h := startHostile(t, flags...)
		if rep, err := h.do(t, 2*time.Second, "SET", "keep", "intact"); rep != "+OK" || err != nil {
			t.Fatalf("SET: %q %v", rep, err)
		}
		base := liveHeap()
		p := watchHeap()
		head := "*2\r\n$3\r\nSET\r\n$536870912\r\n" + strings.Repeat("x", 1024)
		var conns []net.Conn
		for range 4 {
			c := h.dial(t)
			if _, err := c.Write([]byte(head)); err != nil {
				t.Fatal(err)
			}
			conns = append(conns, c)
		}
		time.Sleep(300 * time.Millisecond) // the server reads the four
		took := h.pingWithin(t, time.Second)
		peak := p.stop()
		for _, c := range conns {
			c.Close()
		}
		after := settle(base+afterBound, 3*time.Second)
		grown := int64(peak) - int64(base)
		t.Logf("heap peak %.1f MiB over the start (bound %d MiB), PING %v, live heap %.1f -> %.1f MiB after the clients left",
			float64(grown)/mib, peakBound/mib, took, float64(base)/mib, float64(after)/mib)
		if grown > peakBound {
			t.Errorf("heap peaked %.1f MiB over the start with four announced 512 MiB arguments, want under %d MiB", float64(grown)/mib, peakBound/mib)
		}
		if after > base+afterBound {
			t.Errorf("live heap %.1f MiB after the clients left, started at %.1f MiB", float64(after)/mib, float64(base)/mib)
		}
		if rep, err := h.do(t, 2*time.Second, "GET", "keep"); rep != "$intact" || err != nil {
			t.Fatalf("GET keep afterwards: %q %v", rep, err)
		}
	})
}

// One connection sends a 100 MiB pipeline that stores little, reads every
// reply, and stays open and idle. Its read buffer must not stay grown:
// within 3 seconds the live heap, less the 1 MiB value stored, is back
// within 8 MiB of where it started. The replies are short (+OK, :0), so
// what is measured is the input side. Two shapes: 100 SETs of a 1 MiB
// value on one key, and a SET of the 1 MiB value then EXISTS of a 100 MiB
// key name.
func TestHostileIdleAfterLargePipeline(t *testing.T) {
	value := strings.Repeat("v", mib)
	set := string(respCommand("SET", "k", value))
	for _, shape := range []struct {
		name    string
		parts   func(yield func(string) bool) // the pipeline, in pieces
		replies []string
	}{
		{"100x1MiB", func(yield func(string) bool) {
			for range 100 {
				if !yield(set) {
					return
				}
			}
		}, slices.Repeat([]string{"+OK"}, 100)},
		{"1x100MiB", func(yield func(string) bool) {
			if !yield(set + fmt.Sprintf("*2\r\n$6\r\nEXISTS\r\n$%d\r\n", 100*mib)) {
				return
			}
			for range 100 {
				if !yield(value) {
					return
				}
			}
			yield("\r\n")
		}, []string{"+OK", ":0"}},
	} {
		t.Run(shape.name, func(t *testing.T) {
			respModes(t, func(t *testing.T, flags ...string) {
				idleAfterPipeline(t, shape.parts, shape.replies, flags...)
			})
		})
	}
}

func idleAfterPipeline(t *testing.T, parts func(func(string) bool), replies []string, flags ...string) {
	const bound = 8 * mib
	h := startHostile(t, flags...)
	base := liveHeap()
	c := h.dial(t)
	var wg sync.WaitGroup
	wg.Add(1)
	var werr error
	go func() {
		defer wg.Done()
		w := bufio.NewWriterSize(c, 256<<10)
		for p := range parts {
			if _, werr = w.WriteString(p); werr != nil {
				return
			}
		}
		werr = w.Flush()
	}()
	c.SetReadDeadline(time.Now().Add(60 * time.Second))
	r := bufio.NewReader(c)
	for i, want := range replies {
		if rep, err := readReply(r); rep != want || err != nil {
			t.Fatalf("reply %d: %q %v, want %q", i, rep, err, want)
		}
	}
	wg.Wait()
	if werr != nil {
		t.Fatal(werr)
	}
	// The connection stays open and idle from here on.
	start := time.Now()
	after := settle(base+mib+bound, 3*time.Second)
	t.Logf("live heap %.1f MiB before, %.1f MiB %v after the pipeline with the connection idle (1 MiB stored; bound +%d MiB)",
		float64(base)/mib, float64(after)/mib, time.Since(start).Round(time.Millisecond), bound/mib)
	if after > base+mib+bound {
		t.Errorf("an idle connection after a 100 MiB pipeline: live heap %.1f MiB, started at %.1f MiB (+1 MiB stored)",
			float64(after)/mib, float64(base)/mib)
	}
	h.pingWithin(t, time.Second)
	if rep, err := h.do(t, 2*time.Second, "STRLEN", "k"); rep != fmt.Sprintf(":%d", mib) || err != nil {
		t.Fatalf("STRLEN k: %q %v", rep, err)
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.Write(respCommand("PING")); err != nil {
		t.Fatal(err)
	}
	if rep, err := readReply(r); rep != "+PONG" || err != nil {
		t.Fatalf("PING on the idle connection: %q %v", rep, err)
	}
}

// settle polls the live heap until it is at most want or d has passed, and
// returns the last figure.
func settle(want uint64, d time.Duration) uint64 {
	deadline := time.Now().Add(d)
	for {
		v := liveHeap()
		if v <= want || time.Now().After(deadline) {
			return v
		}
		time.Sleep(100 * time.Millisecond)
	}
}
