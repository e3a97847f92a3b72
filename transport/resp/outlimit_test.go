package resp_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/memshard/memshard/transport/resp"
)

func TestParseOutputLimits(t *testing.T) {
	base := resp.DefaultOutputLimits()
	for _, tc := range []struct{ in, want, err string }{
		{in: "normal 1mb 512kb 10", want: "normal 1048576 524288 10 slave 268435456 67108864 60 pubsub 33554432 8388608 60"},
		{in: "NORMAL 0 0 0 pubsub 1k 1 1", want: "normal 0 0 0 slave 268435456 67108864 60 pubsub 1000 1 1"},
		{in: "replica 1gb 1g 0", want: "normal 1073741824 268435456 60 slave 1073741824 1000000000 0 pubsub 33554432 8388608 60"},
		{in: "normal 1mb", err: "Wrong number of arguments in buffer limit configuration."},
		{in: "", err: "Wrong number of arguments in buffer limit configuration."},
		{in: "foo 1 1 1", err: "Invalid client class specified in buffer limit configuration."},
		{in: "normal x 1 1", err: "Error in hard, soft or soft_seconds setting in buffer limit configuration."},
		{in: "normal 1 1 -1", err: "Error in hard, soft or soft_seconds setting in buffer limit configuration."},
		{in: "normal -1 1 1", err: "Error in hard, soft or soft_seconds setting in buffer limit configuration."},
	} {
		got, err := resp.ParseOutputLimits(tc.in, base)
		switch {
		case tc.err != "" && (err == nil || err.Error() != tc.err):
			t.Errorf("%q: error %v, want %q", tc.in, err, tc.err)
		case tc.err == "" && (err != nil || got.String() != tc.want):
			t.Errorf("%q: %q, %v; want %q", tc.in, got.String(), err, tc.want)
		}
	}
}

func TestConfigOutputLimit(t *testing.T) {
	addr := startServer(t, nil)
	for _, tc := range [][2]string{
		{"*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$26\r\nclient-output-buffer-limit\r\n",
			"*2\r\n$26\r\nclient-output-buffer-limit\r\n$85\r\nnormal 1073741824 268435456 60 slave 268435456 67108864 60 pubsub 33554432 8388608 60\r\n"},
		{"*4\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$26\r\nclient-output-buffer-limit\r\n$10\r\nnormal 1mb\r\n",
			"-ERR CONFIG SET failed (possibly related to argument 'client-output-buffer-limit') - Wrong number of arguments in buffer limit configuration.\r\n"},
		{"*4\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$26\r\nclient-output-buffer-limit\r\n$19\r\nnormal 1mb 512kb 10\r\n", "+OK\r\n"},
		{"*3\r\n$6\r\nCONFIG\r\n$3\r\nGET\r\n$26\r\nclient-output-buffer-limit\r\n",
			"*2\r\n$26\r\nclient-output-buffer-limit\r\n$79\r\nnormal 1048576 524288 10 slave 268435456 67108864 60 pubsub 33554432 8388608 60\r\n"},
	} {
		if got := raw(t, addr, tc[0]); got != tc[1] {
			t.Errorf("%q:\n got %q\nwant %q", tc[0], got, tc[1])
		}
	}
}

// A client whose unread replies pass the hard limit is closed at once; one
// over the soft limit for longer than its seconds is closed then; both are
// counted in INFO. The data and other clients are unaffected.
func TestOutputLimitDisconnects(t *testing.T) {
	for _, m := range ioModes {
		t.Run(m.name, func(t *testing.T) {
			addr := startLimited(t, m.loops, "normal 32mb 2mb 1")
			c := client(t, addr, 2)
			ctx := context.Background()
			if err := c.Set(ctx, "big", strings.Repeat("x", 48<<20), 0).Err(); err != nil {
				t.Fatal(err)
			}
			if err := c.Set(ctx, "mid", strings.Repeat("y", 16<<20), 0).Err(); err != nil {
				t.Fatal(err)
			}
			// Hard: one 48 MiB reply.
			hard := dialRaw(t, addr)
			io.WriteString(hard, "GET big\r\n")
			requireClosed(t, hard, 48<<20, 5*time.Second)
			// Soft: a 16 MiB reply never read; closed after about a second.
			soft := dialRaw(t, addr)
			start := time.Now()
			io.WriteString(soft, "GET mid\r\n")
			time.Sleep(200 * time.Millisecond)
			if got, err := c.Ping(ctx).Result(); err != nil || got != "PONG" {
				t.Fatalf("other client: %q %v", got, err)
			}
			time.Sleep(1500 * time.Millisecond)
			requireClosed(t, soft, 16<<20, 5*time.Second)
			t.Logf("soft-limit client closed after %v", time.Since(start).Round(10*time.Millisecond))
			info, err := c.Info(ctx, "stats").Result()
			if err != nil || !strings.Contains(info, "client_output_buffer_limit_disconnections:2\r\n") {
				t.Fatalf("INFO stats: %v\n%s", err, info)
			}
			if n, err := c.StrLen(ctx, "big").Result(); err != nil || n != 48<<20 {
				t.Fatalf("STRLEN big: %d %v", n, err)
			}
		})
	}
}

func dialRaw(t *testing.T, addr string) net.Conn {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}

// requireClosed reads nc until the server closes it, and fails if the whole
// reply of size n arrived or the connection stays open past d.
func requireClosed(t *testing.T, nc net.Conn, n int, d time.Duration) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(d))
	got, err := io.Copy(io.Discard, bufio.NewReader(nc))
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("connection still open after %v (%d bytes read)", d, got)
	}
	if got >= int64(n) {
		t.Fatalf("the whole reply arrived (%d bytes): not closed for the limit", got)
	}
}

// A pipeline that pauses while its client does not read goes on where it
// stopped once the client reads, also across a RESET (where the parser
// stops so that the limits can change), connection commands and a slow
// command (which an event loop runs off the loop, and the GETs after it on
// the loop again); every reply arrives, in order.
func TestPausedPipelineResumes(t *testing.T) {
	for _, m := range ioModes {
		t.Run(m.name, func(t *testing.T) {
			addr := startServer(t, func(c *resp.Config) {
				c.EventLoops = m.loops
				c.EnableDebug = resp.DebugYes
			})
			c := client(t, addr, 2)
			ctx := context.Background()
			val := strings.Repeat("x", 160<<10)
			if err := c.Set(ctx, "big", val, 0).Err(); err != nil {
				t.Fatal(err)
			}
			nc := dialRaw(t, addr)
			var req strings.Builder
			want := 0
			for round := range 3 {
				for range 100 {
					req.WriteString("GET big\r\n")
					want++
				}
				if round < 2 {
					req.WriteString("RESET\r\nCLIENT SETNAME n\r\nDEBUG SLEEP 0\r\n")
					want += 3
				}
			}
			req.WriteString("INCR after\r\n")
			want++
			go io.WriteString(nc, req.String())
			time.Sleep(300 * time.Millisecond) // let the socket fill and the pipeline pause
			if got, err := c.Get(ctx, "after").Result(); err == nil {
				t.Fatalf("the last command ran while the pipeline should be paused: after = %q", got)
			}
			nc.SetReadDeadline(time.Now().Add(20 * time.Second))
			rd := bufio.NewReaderSize(nc, 64<<10)
			for i := range want {
				if i%4 == 0 {
					time.Sleep(20 * time.Millisecond) // a slow reader: the socket fills again
				}
				head, err := rd.ReadString('\n')
				if err != nil {
					t.Fatalf("reply %d of %d: %v", i, want, err)
				}
				switch {
				case head == "$163840\r\n":
					if _, err := rd.Discard(len(val) + 2); err != nil {
						t.Fatal(err)
					}
				case head == "+RESET\r\n", head == "+OK\r\n":
				case i == want-1 && head == ":1\r\n":
				default:
					t.Fatalf("reply %d of %d: %q", i, want, head)
				}
			}
		})
	}
}

// A client dropped for its output limit in the middle of a pipeline (the
// first part's replies already pass the hard limit) is closed; the server
// stays up, answers others and keeps the data. This once panicked: the
// run went on with no commands after the drop.
func TestOutputLimitMidPipeline(t *testing.T) {
	for _, m := range ioModes {
		t.Run(m.name, func(t *testing.T) {
			addr := startLimited(t, m.loops, "normal 200kb 0 0")
			c := client(t, addr, 2)
			ctx := context.Background()
			if err := c.Set(ctx, "v", strings.Repeat("x", 100<<10), 0).Err(); err != nil {
				t.Fatal(err)
			}
			nc := dialRaw(t, addr)
			io.WriteString(nc, strings.Repeat("GET v\r\n", 50)+"INCR after\r\n")
			requireClosed(t, nc, 50*(100<<10), 5*time.Second)
			if got, err := c.Ping(ctx).Result(); err != nil || got != "PONG" {
				t.Fatalf("other client: %q %v", got, err)
			}
			if n, err := c.StrLen(ctx, "v").Result(); err != nil || n != 100<<10 {
				t.Fatalf("STRLEN v: %d %v", n, err)
			}
		})
	}
}

// startLimited starts a server with loops event loops and the output
// limits given in CONFIG SET's syntax.
func startLimited(t *testing.T, loops int, limits string) string {
	t.Helper()
	l, err := resp.ParseOutputLimits(limits, resp.DefaultOutputLimits())
	if err != nil {
		t.Fatal(err)
	}
	return startServer(t, func(c *resp.Config) {
		c.EventLoops = loops
		c.OutputLimits = &l
	})
}
