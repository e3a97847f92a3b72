package resp_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/memshard/memshard/router"
	"github.com/memshard/memshard/transport/resp"
)

// ioModes are the ways a server can serve plain-TCP connections: a
// goroutine each, one event loop, several (on Linux; elsewhere every mode
// falls back to goroutines).
var ioModes = []struct {
	name  string
	loops int
}{{"goroutines", -1}, {"one-loop", 1}, {"three-loops", 3}}

// Many clients, each a random mix of pipelined SET/INCR/GET/MSET/MULTI on
// their own keys and shared counters, concurrently, in every I/O mode: every
// reply is checked against what the client's own history implies.
func TestIOModesConcurrentClients(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	for _, m := range ioModes {
		t.Run(m.name, func(t *testing.T) {
			addr := startServer(t, func(c *resp.Config) { c.EventLoops = m.loops })
			const clients, rounds = 24, 40
			var wg sync.WaitGroup
			checked := make([]int, clients)
			errs := make(chan error, clients)
			for i := range clients {
				wg.Add(1)
				go func() {
					defer wg.Done()
					n, err := pipelineClient(addr, i, rounds, rand.New(rand.NewPCG(seed, uint64(i))))
					checked[i] = n
					if err != nil {
						errs <- fmt.Errorf("client %d: %w", i, err)
					}
				}()
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
			total := 0
			for _, n := range checked {
				total += n
			}
			// The shared counter saw every client's INCRs exactly once.
			c := client(t, addr, 2)
			got, err := c.Get(context.Background(), "shared").Int()
			if err != nil || got != clients*rounds {
				t.Fatalf("shared counter %d (%v), want %d", got, err, clients*rounds)
			}
			t.Logf("%d replies checked", total)
		})
	}
}

// pipelineClient writes rounds of random pipelines and checks the replies;
// it returns how many replies it checked.
func pipelineClient(addr string, id, rounds int, rng *rand.Rand) (int, error) {
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		return 0, err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(30 * time.Second))
	rd := bufio.NewReader(nc)
	counter := 0
	checked := 0
	key := func(s string) string { return "c" + strconv.Itoa(id) + ":" + s }
	for r := range rounds {
		var in strings.Builder
		var want []string
		depth := 1 + rng.IntN(20)
		for j := range depth {
			v := strconv.Itoa(r*100 + j)
			switch rng.IntN(5) {
			case 0:
				fmt.Fprintf(&in, "SET %s %s\r\n", key("s"), v)
				want = append(want, "+OK")
				fmt.Fprintf(&in, "GET %s\r\n", key("s"))
				want = append(want, "$"+strconv.Itoa(len(v)), v)
			case 1:
				counter++
				fmt.Fprintf(&in, "INCR %s\r\n", key("n"))
				want = append(want, ":"+strconv.Itoa(counter))
			case 2:
				fmt.Fprintf(&in, "MSET %s %s %s %s\r\nMGET %s %s\r\n", key("a"), v, key("b"), v, key("a"), key("b"))
				want = append(want, "+OK", "*2", "$"+strconv.Itoa(len(v)), v, "$"+strconv.Itoa(len(v)), v)
			case 3:
				counter++
				fmt.Fprintf(&in, "MULTI\r\nINCR %s\r\nEXEC\r\n", key("n"))
				want = append(want, "+OK", "+QUEUED", "*1", ":"+strconv.Itoa(counter))
			default:
				fmt.Fprintf(&in, "PING\r\n")
				want = append(want, "+PONG")
			}
		}
		fmt.Fprintf(&in, "INCR shared\r\n")
		if _, err := io.WriteString(nc, in.String()); err != nil {
			return checked, err
		}
		for _, w := range want {
			line, err := rd.ReadString('\n')
			if err != nil {
				return checked, err
			}
			if got := strings.TrimSuffix(line, "\r\n"); got != w {
				return checked, fmt.Errorf("round %d: got %q, want %q", r, got, w)
			}
			checked++
		}
		if line, err := rd.ReadString('\n'); err != nil || line[0] != ':' {
			return checked, fmt.Errorf("round %d: shared INCR answered %q (%v)", r, line, err)
		}
		checked++
	}
	return checked, nil
}

// A client that writes a large pipeline without reading fills its socket:
// the server stops reading it, keeps the rest of the replies, and delivers
// them all once the client reads; other clients are served meanwhile.
func TestIOModesSlowReader(t *testing.T) {
	for _, m := range ioModes {
		t.Run(m.name, func(t *testing.T) {
			addr := startServer(t, func(c *resp.Config) { c.EventLoops = m.loops })
			c := client(t, addr, 2)
			ctx := context.Background()
			val := strings.Repeat("x", 64<<10)
			if err := c.Set(ctx, "big", val, 0).Err(); err != nil {
				t.Fatal(err)
			}
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			const n = 200 // 12.8 MiB of replies
			go io.WriteString(nc, strings.Repeat("GET big\r\n", n))
			time.Sleep(100 * time.Millisecond) // let the socket fill up
			if got, err := c.Ping(ctx).Result(); err != nil || got != "PONG" {
				t.Fatalf("other client while one is stalled: %q %v", got, err)
			}
			nc.SetReadDeadline(time.Now().Add(20 * time.Second))
			rd := bufio.NewReaderSize(nc, 1<<20)
			for i := range n {
				head, err := rd.ReadString('\n')
				if err != nil || head != "$65536\r\n" {
					t.Fatalf("reply %d: %q %v", i, head, err)
				}
				if _, err := rd.Discard(len(val) + 2); err != nil {
					t.Fatal(err)
				}
			}
		})
	}
}

// CLIENT KILL and Close reach connections wherever they are served, and a
// closed server leaves no descriptor open.
func TestIOModesKillAndClose(t *testing.T) {
	for _, m := range ioModes {
		t.Run(m.name, func(t *testing.T) {
			before := openFDs(t)
			r, err := router.New(router.Config{Shards: 2})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			cfg := resp.DefaultConfig()
			cfg.Addr, cfg.EventLoops = "127.0.0.1:0", m.loops
			srv := resp.New(r, cfg)
			a, err := srv.Start()
			if err != nil {
				t.Fatal(err)
			}
			addr := a.String()
			victim, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer victim.Close()
			vr := bufio.NewReader(victim)
			io.WriteString(victim, "CLIENT SETNAME victim\r\nCLIENT ID\r\n")
			vr.ReadString('\n')
			idLine, _ := vr.ReadString('\n')
			id := strings.TrimSpace(strings.TrimPrefix(idLine, ":"))
			if got := raw(t, addr, "CLIENT KILL ID "+id+"\r\n"); got != ":1\r\n" {
				t.Fatalf("kill: %q", got)
			}
			victim.SetReadDeadline(time.Now().Add(5 * time.Second))
			if _, err := vr.ReadByte(); err == nil {
				t.Fatal("killed connection still open")
			}
			// Connections still open when the server closes are closed too.
			var open []net.Conn
			for range 5 {
				nc, err := net.Dial("tcp", addr)
				if err != nil {
					t.Fatal(err)
				}
				defer nc.Close()
				io.WriteString(nc, "PING\r\n")
				if line, _ := bufio.NewReader(nc).ReadString('\n'); line != "+PONG\r\n" {
					t.Fatalf("ping: %q", line)
				}
				open = append(open, nc)
			}
			srv.Close()
			for _, nc := range open {
				nc.SetReadDeadline(time.Now().Add(5 * time.Second))
				if _, err := nc.Read(make([]byte, 1)); err == nil {
					t.Fatal("connection open after Close")
				}
				nc.Close()
			}
			victim.Close()
			if after := openFDs(t); after > before {
				t.Fatalf("%d descriptors open before, %d after Close", before, after)
			}
		})
	}
}

// openFDs counts this process's open descriptors (-1 where /proc is not).
func openFDs(t *testing.T) int {
	des, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(des)
}

// Pipelines larger than the read buffer, back to back, are all answered in
// every mode; the connection gives the grown buffer back once it idles
// (CLIENT LIST's rbs shows it), on an event loop and on its own goroutine.
func TestIOModesLargePipelines(t *testing.T) {
	for _, m := range ioModes {
		t.Run(m.name, func(t *testing.T) {
			addr := startServer(t, func(c *resp.Config) { c.EventLoops = m.loops })
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			nc.SetDeadline(time.Now().Add(time.Minute))
			rd := bufio.NewReader(nc)
			val := strings.Repeat("v", 64<<10)
			var req strings.Builder
			for i := range 16 {
				fmt.Fprintf(&req, "*3\r\n$3\r\nSET\r\n$%d\r\nbig%d\r\n$%d\r\n%s\r\n", len("big")+len(strconv.Itoa(i)), i, len(val), val)
			}
			for round := range 5 {
				if _, err := io.WriteString(nc, req.String()); err != nil {
					t.Fatal(err)
				}
				for i := range 16 {
					if line, err := rd.ReadString('\n'); err != nil || line != "+OK\r\n" {
						t.Fatalf("round %d reply %d: %q %v", round, i, line, err)
					}
				}
			}
			c := client(t, addr, 1)
			ctx := context.Background()
			if got, err := c.StrLen(ctx, "big15").Result(); err != nil || got != int64(len(val)) {
				t.Fatalf("strlen: %d %v", got, err)
			}
			rbsOf := func() string {
				list, err := c.ClientList(ctx).Result()
				if err != nil {
					t.Fatal(err)
				}
				for _, line := range strings.Split(list, "\n") {
					if strings.Contains(line, " cmd=set ") {
						for _, f := range strings.Fields(line) {
							if v, ok := strings.CutPrefix(f, "rbs="); ok {
								return v
							}
						}
					}
				}
				t.Fatalf("no SET client in %q", list)
				return ""
			}
			if rbs := rbsOf(); rbs == "16384" {
				t.Fatalf("rbs %s: the buffer did not grow", rbs)
			}
			polls := 0
			for rbs := rbsOf(); rbs != "16384"; rbs = rbsOf() {
				polls++
				if polls > 600 {
					t.Fatalf("an idle connection kept a %s-byte read buffer", rbs)
				}
				time.Sleep(50 * time.Millisecond)
			}
			t.Logf("buffer given back after %d polls", polls)
		})
	}
}
