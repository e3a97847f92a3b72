package resp_test

import (
	"bufio"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memshard/memshard/router"
	"github.com/memshard/memshard/transport/resp"
)

func multibulk(cmds ...[]string) []byte {
	var b []byte
	for _, args := range cmds {
		b = append(b, "*"+strconv.Itoa(len(args))+"\r\n"...)
		for _, a := range args {
			b = append(b, "$"+strconv.Itoa(len(a))+"\r\n"+a+"\r\n"...)
		}
	}
	return b
}

// readLines reads n reply lines (every reply here is one line, or an
// array header followed by one-line elements).
func readLines(t *testing.T, rd *bufio.Reader, n int) []string {
	t.Helper()
	var out []string
	for range n {
		line, err := rd.ReadString('\n')
		if err != nil {
			t.Fatalf("after %q: %v", out, err)
		}
		out = append(out, strings.TrimRight(line, "\r\n"))
	}
	return out
}

// TestSlowPipelineInOrder: a pipeline holding DEBUG SLEEP runs off the
// event loop; its replies, those of the commands around it and of what the
// client sent while it slept come back in order, a queued DEBUG SLEEP runs
// at EXEC, and another connection is answered meanwhile.
func TestSlowPipelineInOrder(t *testing.T) {
	for _, m := range ioModes {
		t.Run(m.name, func(t *testing.T) {
			addr := startServer(t, func(c *resp.Config) { c.EventLoops = m.loops; c.EnableDebug = resp.DebugYes })
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			nc.SetDeadline(time.Now().Add(20 * time.Second))
			rd := bufio.NewReader(nc)
			nc.Write(multibulk([]string{"SET", "a", "1"}, []string{"DEBUG", "SLEEP", "1"}, []string{"INCR", "a"},
				[]string{"MULTI"}, []string{"DEBUG", "SLEEP", "0.3"}, []string{"INCR", "a"}))
			time.Sleep(100 * time.Millisecond)
			nc.Write(multibulk([]string{"EXEC"}, []string{"GET", "a"}, []string{"PING"}))

			// Another connection is served while the first one sleeps.
			other, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer other.Close()
			start := time.Now()
			other.SetDeadline(start.Add(5 * time.Second))
			other.Write(multibulk([]string{"PING"}))
			if got := readLines(t, bufio.NewReader(other), 1); got[0] != "+PONG" {
				t.Fatalf("PING on another connection: %q", got)
			}
			// ... before the sleeper has anything: its replies wait for the sleep.
			nc.SetReadDeadline(time.Now().Add(time.Millisecond))
			if _, err := rd.Peek(1); err == nil {
				t.Errorf("the sleeping connection had replies before another connection's PING (after %v)", time.Since(start))
			}
			nc.SetDeadline(time.Now().Add(20 * time.Second))

			want := []string{"+OK", "+OK", ":2", "+OK", "+QUEUED", "+QUEUED", "*2", "+OK", ":3", "$1", "3", "+PONG"}
			got := readLines(t, rd, len(want))
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Fatalf("replies %q, want %q", got, want)
			}
			if took := time.Since(start); took < 1100*time.Millisecond {
				t.Errorf("both sleeps done after %v, want at least 1.2 s in all", took)
			}
		})
	}
}

// TestSlowPipelineClose: Close does not wait for a DEBUG SLEEP under way,
// in any I/O mode; the sleeping connection is closed.
func TestSlowPipelineClose(t *testing.T) {
	for _, m := range ioModes {
		t.Run(m.name, func(t *testing.T) {
			r, err := router.New(router.Config{Shards: 2})
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			cfg := resp.DefaultConfig()
			cfg.Addr = "127.0.0.1:0"
			cfg.EventLoops = m.loops
			srv := resp.New(r, cfg)
			addr, err := srv.Start()
			if err != nil {
				t.Fatal(err)
			}
			nc, err := net.Dial("tcp", addr.String())
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			nc.Write(multibulk([]string{"DEBUG", "SLEEP", "30"}))
			time.Sleep(100 * time.Millisecond)
			start := time.Now()
			srv.Close()
			if took := time.Since(start); took > 5*time.Second {
				t.Fatalf("Close took %v with a DEBUG SLEEP 30 under way", took)
			}
			nc.SetReadDeadline(time.Now().Add(5 * time.Second))
			rd := bufio.NewReader(nc)
			for {
				if _, err := rd.ReadString('\n'); err != nil {
					if ne, ok := err.(net.Error); ok && ne.Timeout() {
						t.Fatal("the sleeping connection is still open after Close")
					}
					break
				}
			}
		})
	}
}
