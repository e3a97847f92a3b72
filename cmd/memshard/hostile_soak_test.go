package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestHostileSoak drives the server on its defaults with a random mix of
// clients for a while: large values (up to 1 MiB) and small ones, deep
// pipelines (up to 2,000 commands in one write), readers that read at once,
// slowly, or not at all for a while, and clients that hang up with replies
// unread. Each client owns its keys, so every reply it reads is checked
// against its own model. The live heap is sampled throughout and must stay
// under a ceiling; another connection's PING is timed all along.
//
// It runs 5 seconds in the normal test run; MEMSHARD_SOAK=3m runs it for
// three minutes (the README reports such a run), MEMSHARD_SOAK_SEED
// replays a seed.
func TestHostileSoak(t *testing.T) {
	if testing.Short() {
		t.Skip("soak")
	}
	dur := 5 * time.Second
	if v := os.Getenv("MEMSHARD_SOAK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			t.Fatalf("MEMSHARD_SOAK=%q: %v", v, err)
		}
		dur = d
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("MEMSHARD_SOAK_SEED"); v != "" {
		seed, _ = strconv.ParseUint(v, 10, 64)
	}
	t.Logf("seed %d, %v", seed, dur)

	h := startHostile(t)
	const heapLimit = 256 * mib // over the heap before it starts
	base := liveHeap()
	peak := watchHeap()
	stop := make(chan struct{})
	var st soakStats
	var wg sync.WaitGroup
	errs := make(chan error, soakClients)
	for i := range soakClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sc := &soakClient{h: h, id: i, rng: rand.New(rand.NewPCG(seed, uint64(i))), model: map[string]soakValue{}, st: &st}
			if err := sc.run(stop); err != nil {
				errs <- fmt.Errorf("client %d: %w", i, err)
			}
		}()
	}
	var worst time.Duration
	deadline := time.Now().Add(dur)
	for time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		worst = max(worst, h.pingWithin(t, 5*time.Second)) // a liveness bound: the race detector and a busy machine are slow
		select {
		case err := <-errs:
			close(stop)
			wg.Wait()
			t.Fatal(err)
		default:
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	p := peak.stop()
	t.Logf("%d pipelines, %d commands, %d replies checked (%.1f MiB read), %d hang-ups with replies unread; heap peak %.1f MiB (%.1f MiB before); slowest PING %v",
		st.pipelines.Load(), st.commands.Load(), st.checked.Load(), float64(st.bytes.Load())/mib, st.hangups.Load(),
		float64(p)/mib, float64(base)/mib, worst)
	if st.checked.Load() == 0 {
		t.Fatal("no reply was checked")
	}
	if grown := p - min(base, p); grown > heapLimit {
		t.Fatalf("heap peaked %.1f MiB over where it started, over the %d MiB ceiling", float64(grown)/mib, heapLimit/mib)
	}
}

const (
	soakClients = 12
	soakKeys    = 4
)

type soakStats struct {
	pipelines, commands, checked, bytes, hangups atomic.Int64
}

// soakValue is what a client knows of one of its keys: the value is n
// copies of b (n 0: absent).
type soakValue struct {
	n int
	b byte
}

type soakClient struct {
	h     *hostileServer
	id    int
	rng   *rand.Rand
	model map[string]soakValue
	st    *soakStats
	nc    net.Conn
	rd    *bufio.Reader
	gen   int // connections so far: each uses keys of its own
	buf   bytes.Buffer
	data  []byte // a bulk reply read
}

func (c *soakClient) run(stop chan struct{}) error {
	defer func() {
		if c.nc != nil {
			c.nc.Close()
		}
	}()
	for {
		select {
		case <-stop:
			return nil
		default:
		}
		if c.nc == nil {
			nc, err := net.Dial("tcp", c.h.respURL)
			if err != nil {
				return err
			}
			c.nc, c.rd = nc, bufio.NewReaderSize(nc, 64<<10)
			c.model = map[string]soakValue{} // keys are per connection
			if c.gen > 0 {                   // the last connection's keys go
				var del bytes.Buffer
				for k := range soakKeys {
					del.Write(respCommand("DEL", c.key(k)))
				}
				nc.SetDeadline(time.Now().Add(10 * time.Second))
				nc.Write(del.Bytes())
				for range soakKeys {
					if _, _, err := readFull(c.rd, &c.data); err != nil {
						return err
					}
				}
			}
			c.gen++
		}
		if err := c.pipeline(); err != nil {
			return err
		}
	}
}

func (c *soakClient) key(k int) string { return fmt.Sprintf("soak:%d:%d:%d", c.id, c.gen, k) }

// pipeline sends one random pipeline and reads its replies in one of the
// ways a client may, checking each.
func (c *soakClient) pipeline() error {
	n := 1 + c.rng.IntN(16)
	if c.rng.IntN(4) == 0 {
		n = 1 + c.rng.IntN(2000)
	}
	buf := &c.buf
	buf.Reset()
	want := make([]func(string, []byte) error, 0, n)
	for range n {
		k := c.key(c.rng.IntN(soakKeys))
		switch c.rng.IntN(5) {
		case 0, 1: // SET, sometimes large
			size := 1 + c.rng.IntN(100)
			if c.rng.IntN(8) == 0 {
				size = 1 + c.rng.IntN(1<<20)
			}
			b := byte('a' + c.rng.IntN(26))
			if buf.Len()+size > 2<<20 { // keep one pipeline's input bounded
				continue
			}
			fmt.Fprintf(buf, "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n", len(k), k, size)
			for range size {
				buf.WriteByte(b)
			}
			buf.WriteString("\r\n")
			c.model[k] = soakValue{size, b}
			want = append(want, expectLine("+OK"))
		case 2:
			buf.Write(respCommand("STRLEN", k))
			want = append(want, expectLine(":"+strconv.Itoa(c.model[k].n)))
		case 3:
			buf.Write(respCommand("DEL", k))
			had := 0
			if c.model[k].n > 0 {
				had = 1
			}
			delete(c.model, k)
			want = append(want, expectLine(":"+strconv.Itoa(had)))
		default: // GET: the reply that costs memory
			buf.Write(respCommand("GET", k))
			v := c.model[k]
			want = append(want, expectValue(v))
		}
	}
	c.st.pipelines.Add(1)
	c.st.commands.Add(int64(len(want)))
	c.nc.SetDeadline(time.Now().Add(60 * time.Second))
	done := make(chan struct{})
	go func(nc net.Conn, b []byte) { nc.Write(b); close(done) }(c.nc, buf.Bytes()) // a client may write all before it reads
	defer func() { <-done }()                                                      // buf is reused
	switch c.rng.IntN(10) {
	case 0: // hang up with the replies unread
		time.Sleep(time.Duration(c.rng.IntN(300)) * time.Millisecond)
		c.nc.Close()
		c.nc = nil
		c.st.hangups.Add(1)
		c.buf = bytes.Buffer{} // the write may still hold it
		return nil
	case 1, 2: // read nothing for a while
		time.Sleep(time.Duration(c.rng.IntN(1000)) * time.Millisecond)
	}
	slow := c.rng.IntN(4) == 0
	for i, check := range want {
		if slow && i%50 == 0 {
			time.Sleep(time.Millisecond)
		}
		line, data, err := readFull(c.rd, &c.data)
		if err != nil {
			return fmt.Errorf("reply %d of %d: %w", i, len(want), err)
		}
		if err := check(line, data); err != nil {
			return fmt.Errorf("reply %d of %d: %w", i, len(want), err)
		}
		c.st.checked.Add(1)
		c.st.bytes.Add(int64(len(line) + len(data)))
	}
	return nil
}

func expectLine(want string) func(string, []byte) error {
	return func(line string, _ []byte) error {
		if line != want {
			return fmt.Errorf("got %q, want %q", line, want)
		}
		return nil
	}
}

func expectValue(v soakValue) func(string, []byte) error {
	return func(line string, data []byte) error {
		if v.n == 0 {
			return expectLine("$-1")(line, nil)
		}
		if line != "$"+strconv.Itoa(v.n) || len(data) != v.n || data[0] != v.b || data[v.n-1] != v.b {
			return fmt.Errorf("got %q (%d bytes), want %d × %q", line, len(data), v.n, v.b)
		}
		return nil
	}
}

// readFull reads one reply: its first line and, for a bulk, the data.
func readFull(r *bufio.Reader, buf *[]byte) (string, []byte, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return line, nil, err
	}
	line = line[:len(line)-2]
	if len(line) > 1 && line[0] == '$' && line != "$-1" {
		n, err := strconv.Atoi(line[1:])
		if err != nil {
			return line, nil, err
		}
		if cap(*buf) < n+2 {
			*buf = make([]byte, n+2)
		}
		data := (*buf)[:n+2]
		if _, err := io.ReadFull(r, data); err != nil {
			return line, nil, err
		}
		return line, data[:n], nil
	}
	return line, nil, nil
}
