package main

// The hostile test group: each test plays a client that tries to make the
// server hold memory or time it should not, against the real listeners on
// the server's own defaults (what `memshard` with no flags serves), and
// checks that the process's heap stays under a stated bound, that other
// clients keep being answered promptly, and that the server is still up
// with its data intact afterwards. Run them alone with
// `go test -run Hostile ./cmd/memshard`.

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"runtime/metrics"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/memshard/memshard"
	"github.com/memshard/memshard/transport/httpapi"
	"github.com/memshard/memshard/transport/resp"
)

// hostileServer is memshard started in-process as run starts it, on
// loopback ports chosen by the system.
type hostileServer struct {
	cfg     Config
	db      *memshard.DB
	resp    []*resp.Server
	web     *httpapi.Server
	respURL string // host:port of the RESP listener
	httpURL string // http://host:port
}

// startHostile starts a server configured by args on top of the defaults
// (the listeners move to port 0, the dump directory to a temp dir). It is
// stopped at the end of the test.
func startHostile(t testing.TB, args ...string) *hostileServer {
	t.Helper()
	all := append([]string{
		"--resp-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0",
		"--dump-dir", t.TempDir(), "--log-level", "error",
	}, args...)
	cfg, err := loadConfig(all, nil)
	if err != nil {
		t.Fatalf("config %q: %v", args, err)
	}
	opts := memshard.DefaultOptions()
	opts.Shards = cfg.Shards
	opts.DumpDir = cfg.DumpDir
	log := zerolog.Nop()
	opts.Logger = &log
	db, err := memshard.Open(opts)
	if err != nil {
		t.Fatal(err)
	}
	h := &hostileServer{cfg: cfg, db: db}
	t.Cleanup(h.close)
	if h.resp, err = startRESP(cfg, db, log); err != nil {
		t.Fatal(err)
	}
	if h.web, err = startHTTP(cfg, db, log, h.resp); err != nil {
		t.Fatal(err)
	}
	h.respURL = h.resp[0].Addr().String()
	h.httpURL = "http://" + h.web.Addr().String()
	return h
}

func (h *hostileServer) close() {
	if h.web != nil {
		h.web.Close()
	}
	for _, s := range h.resp {
		s.Close()
	}
	h.db.Close()
}

// dial opens a raw RESP connection, closed at the end of the test.
func (h *hostileServer) dial(t testing.TB) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", h.respURL, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// do sends one command on a fresh connection and returns its reply line
// (the first line for a bulk or array reply), within timeout.
func (h *hostileServer) do(t testing.TB, timeout time.Duration, args ...string) (string, error) {
	t.Helper()
	c, err := net.DialTimeout("tcp", h.respURL, timeout)
	if err != nil {
		return "", err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(timeout))
	if _, err := c.Write(respCommand(args...)); err != nil {
		return "", err
	}
	return readReply(bufio.NewReader(c))
}

// pingWithin requires a PING on a new connection to be answered within d.
func (h *hostileServer) pingWithin(t testing.TB, d time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	rep, err := h.do(t, d, "PING")
	took := time.Since(start)
	if err != nil || rep != "+PONG" {
		t.Fatalf("PING on another connection: %q, %v after %v (want +PONG within %v)", rep, err, took, d)
	}
	return took
}

// respCommand encodes args as a RESP multibulk command.
func respCommand(args ...string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return []byte(b.String())
}

// readReply reads one reply and returns its first line; a bulk's data is
// returned as "$<data>" when it is short, and skipped otherwise.
func readReply(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return line, err
	}
	line = strings.TrimRight(line, "\r\n")
	if strings.HasPrefix(line, "$") && line != "$-1" {
		var n int
		fmt.Sscanf(line[1:], "%d", &n)
		if n > 64 { // skipped without holding it: the tests measure the heap
			if _, err := r.Discard(n + 2); err != nil {
				return line, err
			}
			return line, nil
		}
		data := make([]byte, n+2)
		if _, err := io.ReadFull(r, data); err != nil {
			return line, err
		}
		return "$" + string(data[:n]), nil
	}
	return line, nil
}

// heapPeak samples the live heap (runtime/metrics heap objects) every few
// milliseconds from its start until stop, and reports the largest value.
type heapPeak struct {
	peak atomic.Uint64
	quit chan struct{}
	wg   sync.WaitGroup
}

func watchHeap() *heapPeak {
	runtime.GC()
	p := &heapPeak{quit: make(chan struct{})}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
		tick := time.NewTicker(2 * time.Millisecond)
		defer tick.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > p.peak.Load() {
				p.peak.Store(v)
			}
			select {
			case <-p.quit:
				return
			case <-tick.C:
			}
		}
	}()
	return p
}

// stop ends the sampling and returns the peak in bytes.
func (p *heapPeak) stop() uint64 {
	close(p.quit)
	p.wg.Wait()
	return p.peak.Load()
}

// liveHeap is the heap in use after a collection.
func liveHeap() uint64 {
	runtime.GC()
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// heapGrowth runs fn while sampling the heap and returns how far the
// peak rose above the live heap before it. The tests of this package share
// one process, so a bound holds on the growth, not on the absolute peak.
func heapGrowth(fn func()) int64 {
	base := liveHeap()
	p := watchHeap()
	fn()
	return int64(p.stop()) - int64(base)
}

// heapBound starts watching the heap; the returned check fails t if the
// peak rose more than limit bytes above the live heap at the start, and
// logs the rise.
func heapBound(t testing.TB, limit int64) (check func()) {
	base := liveHeap()
	p := watchHeap()
	return func() {
		t.Helper()
		grown := int64(p.stop()) - int64(base)
		t.Logf("heap peak %.1f MiB over the start (bound %d MiB)", float64(grown)/mib, limit/mib)
		if grown > limit {
			t.Errorf("heap peak %.1f MiB over the start, bound %d MiB", float64(grown)/mib, limit/mib)
		}
	}
}

const mib = 1 << 20

// httpPost posts body to path and returns the status and body.
func (h *hostileServer) httpPost(t testing.TB, path, body string) (int, string) {
	t.Helper()
	resp, err := http.Post(h.httpURL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestHostileHarness checks the harness itself: the server answers on both
// listeners and the heap sampler sees an allocation.
func TestHostileHarness(t *testing.T) {
	h := startHostile(t)
	h.pingWithin(t, 2*time.Second)
	if rep, err := h.do(t, 2*time.Second, "SET", "k", "v"); rep != "+OK" || err != nil {
		t.Fatalf("SET: %q %v", rep, err)
	}
	if code, body := h.httpPost(t, "/", `["GET","k"]`); code != 200 || body != `{"result":"v"}` {
		t.Fatalf("HTTP GET: %d %s", code, body)
	}
	p := watchHeap()
	b := make([]byte, 64*mib)
	time.Sleep(20 * time.Millisecond)
	runtime.KeepAlive(b)
	if peak := p.stop(); peak < 64*mib {
		t.Fatalf("heap peak %d, want at least 64 MiB", peak)
	}
}
