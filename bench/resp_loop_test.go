package bench

import (
	"bufio"
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestRunRESPCountsAddUp(t *testing.T) {
	ra, _ := startMemshard(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	// 1003 operations split unevenly among clients and into batches.
	for _, cmd := range []string{"SET", "GET", "INCR", "MSET"} {
		for _, clients := range []int{1, 3} {
			sc := tiny(ProtoRESP, cmd, clients, 7, 1003)
			run, err := runRESP(ctx, ra, sc)
			if err != nil || run.Ops != 1003 || run.Errors != 0 || run.Hist.TotalCount() != 1003 {
				t.Fatalf("%s c%d: ops %d errors %d latencies %d err %v", cmd, clients, run.Ops, run.Errors, run.Hist.TotalCount(), err)
			}
		}
	}
	// Batches of 16 SETs of 256 KiB (4 MiB) overfill the socket buffers:
	// writes and replies are split, both ways.
	sc := tiny(ProtoRESP, "SET", 2, 16, 80)
	sc.ValueSize = 256 << 10
	if run, err := runRESP(ctx, ra, sc); err != nil || run.Ops != 80 {
		t.Fatalf("large values: ops %d err %v", run.Ops, err)
	}
	get := tiny(ProtoRESP, "GET", 2, 16, 64)
	if run, err := runRESP(ctx, ra, get); err != nil || run.Ops != 64 || run.Errors != 0 {
		t.Fatalf("large replies: ops %d errors %d err %v", run.Ops, run.Errors, err)
	}
}

func TestRunRESPErrorRepliesAndTimedRuns(t *testing.T) {
	ra, _ := startMemshard(t)
	ctx := context.Background()
	if _, err := respDo(ctx, ra, "SET", string(AppendKey(nil, 'c', 0)), "abc"); err != nil {
		t.Fatal(err)
	}
	inc := tiny(ProtoRESP, "INCR", 2, 4, 10)
	inc.KeySpace = 1
	run, err := runRESP(ctx, ra, inc)
	if err != nil || run.Ops != 10 || run.Errors != 10 {
		t.Fatalf("ops %d errors %d err %v", run.Ops, run.Errors, err)
	}
	timed := tiny(ProtoRESP, "GET", 4, 8, 0)
	timed.Duration = 50 * time.Millisecond
	run, err = runRESP(ctx, ra, timed)
	if err != nil || run.Ops == 0 || run.Ops%8 != 0 || run.Hist.TotalCount() != run.Ops {
		t.Fatalf("timed run: ops %d latencies %d err %v", run.Ops, run.Hist.TotalCount(), err)
	}
	t.Logf("timed run: %d ops in %v", run.Ops, run.Elapsed)
	timed.Duration = time.Hour
	cctx, cancel := context.WithCancel(ctx)
	time.AfterFunc(100*time.Millisecond, cancel)
	if _, err := runRESP(cctx, ra, timed); err == nil {
		t.Fatal("a cancelled run reports no error")
	}
}

// dribbleServer answers every command with +OK, one byte per write, so the
// generator sees replies cut anywhere. It counts the commands it read.
func dribbleServer(t *testing.T, closeAfter int64) (string, *atomic.Int64) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var n atomic.Int64
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					if err := skipCommand(r); err != nil {
						return
					}
					if n.Add(1) == closeAfter {
						return
					}
					for _, b := range []byte("+OK\r\n") {
						if _, err := c.Write([]byte{b}); err != nil {
							return
						}
					}
				}
			})
		}
	})
	return ln.Addr().String(), &n
}

// skipCommand reads one RESP array of bulk strings.
func skipCommand(r *bufio.Reader) error {
	line, err := r.ReadString('\n')
	if err != nil {
		return err
	}
	n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
	if err != nil {
		return err
	}
	for range n {
		if line, err = r.ReadString('\n'); err != nil {
			return err
		}
		size, err := strconv.Atoi(strings.TrimSpace(line[1:]))
		if err != nil {
			return err
		}
		if _, err := io.CopyN(io.Discard, r, int64(size)+2); err != nil {
			return err
		}
	}
	return nil
}

func TestRunRESPSplitRepliesAndServerGone(t *testing.T) {
	addr, seen := dribbleServer(t, -1)
	sc := tiny(ProtoRESP, "SET", 3, 5, 101)
	run, err := runRESP(context.Background(), addr, sc)
	if err != nil || run.Ops != 101 || seen.Load() != 101 {
		t.Fatalf("ops %d, server saw %d, err %v", run.Ops, seen.Load(), err)
	}
	// A server that hangs up mid-run is an error, not a hang.
	addr, _ = dribbleServer(t, 30)
	if _, err := runRESP(context.Background(), addr, tiny(ProtoRESP, "GET", 2, 4, 1000)); err == nil {
		t.Fatal("a closed connection reports no error")
	}
}
