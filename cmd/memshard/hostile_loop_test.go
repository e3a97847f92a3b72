package main

// Hostile tests for slow work on the event loops: a command that sleeps,
// waits on a file or walks a million rows must hold up only its own
// connection, never the others the loop serves, and never shutdown.

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// pingLoop sends PING on one connection, one after another, until stop is
// closed, and reports how many it sent and the slowest answer. It fails
// the test if an answer is wrong or takes longer than limit.
func (h *hostileServer) pingLoop(t *testing.T, limit time.Duration, stop <-chan struct{}) (n int, slowest time.Duration) {
	t.Helper()
	c := h.dial(t)
	r := bufio.NewReader(c)
	ping := respCommand("PING")
	for {
		select {
		case <-stop:
			return n, slowest
		default:
		}
		start := time.Now()
		c.SetDeadline(start.Add(limit))
		if _, err := c.Write(ping); err != nil {
			t.Errorf("PING %d: %v", n, err)
			return n, slowest
		}
		rep, err := readReply(r)
		took := time.Since(start)
		if err != nil || rep != "+PONG" {
			t.Errorf("PING %d: %q, %v after %v (limit %v)", n, rep, err, took, limit)
			return n, slowest
		}
		n++
		slowest = max(slowest, took)
		time.Sleep(5 * time.Millisecond)
	}
}

// sendOnly writes a command on a new connection without waiting for the
// reply; the reply is read from the returned reader.
func (h *hostileServer) sendOnly(t *testing.T, args ...string) *bufio.Reader {
	t.Helper()
	c := h.dial(t)
	if _, err := c.Write(respCommand(args...)); err != nil {
		t.Fatal(err)
	}
	return bufio.NewReader(c)
}

// TestHostileDebugSleep: DEBUG SLEEP 3 on one connection. Every other
// connection — on the same event loop, since the defaults run one — keeps
// being answered: each PING within 1 s (measured: a few ms), and the
// sleeping connection gets its OK after about 3 s. Heap: under 64 MiB.
func TestHostileDebugSleep(t *testing.T) {
	h := startHostile(t, "--enable-debug-command", "yes")
	checkHeap := heapBound(t, 64*mib)
	start := time.Now()
	sleeper := h.sendOnly(t, "DEBUG", "SLEEP", "3")
	time.Sleep(50 * time.Millisecond) // let the sleep begin

	stop := make(chan struct{})
	var wg sync.WaitGroup
	type result struct {
		n       int
		slowest time.Duration
	}
	results := make([]result, 4)
	for i := range results {
		wg.Go(func() {
			n, slow := h.pingLoop(t, time.Second, stop)
			results[i] = result{n, slow}
		})
	}
	rep, err := readReply(sleeper)
	slept := time.Since(start)
	close(stop)
	wg.Wait()
	if err != nil || rep != "+OK" {
		t.Fatalf("DEBUG SLEEP 3: %q %v", rep, err)
	}
	if slept < 3*time.Second || slept > 10*time.Second {
		t.Errorf("DEBUG SLEEP 3 answered after %v", slept)
	}
	total := 0
	var slowest time.Duration
	for _, r := range results {
		total += r.n
		slowest = max(slowest, r.slowest)
	}
	if total < 4 {
		t.Errorf("only %d PINGs answered during the sleep", total)
	}
	t.Logf("DEBUG SLEEP 3 took %v; %d PINGs on 4 other connections meanwhile, slowest %v", slept, total, slowest)
	checkHeap()
	if rep, err := h.do(t, 2*time.Second, "SET", "after", "1"); rep != "+OK" || err != nil {
		t.Fatalf("SET after the sleep: %q %v", rep, err)
	}
}

// TestHostileDebugSleepShutdown: a connection in DEBUG SLEEP 30 does not
// hold up shutdown — closing the servers as run does on SIGTERM returns
// within 3 s (measured: milliseconds), and a connection killed with CLIENT
// KILL while it sleeps is closed at once.
func TestHostileDebugSleepShutdown(t *testing.T) {
	h := startHostile(t, "--enable-debug-command", "yes")
	h.pingWithin(t, 2*time.Second)

	// CLIENT KILL of a sleeping connection closes it promptly.
	victim := h.dial(t)
	victim.Write(respCommand("CLIENT", "ID"))
	vr := bufio.NewReader(victim)
	id, err := readReply(vr)
	if err != nil || !strings.HasPrefix(id, ":") {
		t.Fatalf("CLIENT ID: %q %v", id, err)
	}
	victim.Write(respCommand("DEBUG", "SLEEP", "30"))
	time.Sleep(50 * time.Millisecond)
	killStart := time.Now()
	if rep, err := h.do(t, 2*time.Second, "CLIENT", "KILL", "ID", id[1:]); rep != ":1" || err != nil {
		t.Fatalf("CLIENT KILL ID %s: %q %v", id[1:], rep, err)
	}
	victim.SetReadDeadline(time.Now().Add(5 * time.Second))
	rep, err := readReply(vr)
	if err == nil {
		t.Errorf("killed connection answered %q", rep)
	}
	if took := time.Since(killStart); took > 3*time.Second {
		t.Errorf("killed connection closed after %v, want within 3 s", took)
	} else {
		t.Logf("sleeping connection closed %v after CLIENT KILL", took)
	}

	// Shutdown with a connection asleep for 30 s.
	sleeper := h.sendOnly(t, "DEBUG", "SLEEP", "30")
	time.Sleep(100 * time.Millisecond)
	h.pingWithin(t, 2*time.Second)
	start := time.Now()
	done := make(chan struct{})
	go func() {
		h.close() // what run's shutdown does: HTTP, RESP, then the engine
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(40 * time.Second):
		t.Fatal("shutdown still waiting after 40 s")
	}
	took := time.Since(start)
	t.Logf("shutdown with a connection in DEBUG SLEEP 30 took %v", took)
	if took > 3*time.Second {
		t.Errorf("shutdown took %v, want within 3 s", took)
	}
	sleeper.ReadString('\n') // the connection is closed: EOF or a reply, not a hang
}

// TestHostileImportFIFO: IMPORT of a named pipe in the dump directory is
// refused at once with an error naming it, instead of waiting for a
// writer; other connections are answered throughout.
func TestHostileImportFIFO(t *testing.T) {
	h := startHostile(t)
	fifo := filepath.Join(h.cfg.DumpDir, "pipe.csv")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	// Should the server open the pipe for reading and wait for a writer,
	// a writer comes after the test's bound (and at the end of the test,
	// before the server is closed), so the test fails instead of hanging.
	release := func() {
		if f, err := os.OpenFile(fifo, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	}
	time.AfterFunc(5*time.Second, release)
	t.Cleanup(release)
	r := h.sendOnly(t, "IMPORT", "pipe.csv")
	h.pingWithin(t, time.Second)
	start := time.Now()
	rep, err := readReply(r)
	took := time.Since(start)
	if err != nil || !strings.HasPrefix(rep, "-ERR") || !strings.Contains(rep, "pipe.csv") || !strings.Contains(rep, "not a regular file") {
		t.Fatalf("IMPORT of a FIFO: %q %v; want an error naming the file as not a regular file", rep, err)
	}
	if took > 2*time.Second {
		t.Errorf("IMPORT of a FIFO answered after %v", took)
	}
	t.Logf("IMPORT of a FIFO: %s (after %v)", rep, took)
	h.pingWithin(t, time.Second)
}

// TestHostileImportMillion: IMPORT of a CSV of 1 000 000 rows. While it
// runs, PINGs on other connections are answered within 1 s each (measured
// without the race detector: about 20 ms at worst), and afterwards every
// row is there. Heap: under 512 MiB (the CSV is 22 MB).
func TestHostileImportMillion(t *testing.T) {
	h := startHostile(t)
	const rows = 1_000_000
	path := filepath.Join(h.cfg.DumpDir, "million.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	w.WriteString("key,value\n")
	for i := range rows {
		fmt.Fprintf(w, "key:%07d,value-%07d\n", i, i)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	f.Close()

	checkHeap := heapBound(t, 512*mib)
	stop := make(chan struct{})
	var pings int
	var slowest time.Duration
	var wg sync.WaitGroup
	wg.Go(func() { pings, slowest = h.pingLoop(t, time.Second, stop) })
	time.Sleep(20 * time.Millisecond)
	start := time.Now()
	rep, err := h.do(t, 5*time.Minute, "IMPORT", "million.csv")
	took := time.Since(start)
	close(stop)
	wg.Wait()
	checkHeap()
	if err != nil || rep != fmt.Sprintf(":%d", rows) {
		t.Fatalf("IMPORT: %q %v", rep, err)
	}
	t.Logf("IMPORT of %d rows took %v; %d PINGs meanwhile, slowest %v", rows, took, pings, slowest)
	if pings == 0 {
		t.Error("no PING answered during the IMPORT")
	}
	if rep, err := h.do(t, 5*time.Second, "DBSIZE"); rep != fmt.Sprintf(":%d", rows) || err != nil {
		t.Fatalf("DBSIZE after IMPORT: %q %v", rep, err)
	}
	for _, i := range []int{0, 1, 499_999, rows - 1} {
		want := fmt.Sprintf("$value-%07d", i)
		if rep, err := h.do(t, 5*time.Second, "GET", fmt.Sprintf("key:%07d", i)); rep != want || err != nil {
			t.Fatalf("GET key:%07d: %q %v, want %q", i, rep, err, want)
		}
	}
}
