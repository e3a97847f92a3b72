package resp

import (
	"bytes"
	"errors"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/memshard/memshard/shard/reply"
)

// These tests compare the codec with a real redis-server (7.0 is what the
// codec follows) when one is installed, and skip otherwise.

// startRedis runs redis-server on a free port of 127.0.0.1 with
// persistence off and the extra arguments, and stops it when the test
// ends. It returns the address.
func startRedis(tb testing.TB, extra ...string) string {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		tb.Skip("redis-server not installed")
	}
	if testing.Short() {
		tb.Skip("-short: no redis-server")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", tb.TempDir()}, extra...)
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for deadline := time.Now().Add(10 * time.Second); ; {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			c.Close()
			return addr
		}
		if time.Now().After(deadline) {
			tb.Fatalf("redis-server on %s did not come up: %v", addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// redisSend writes in to a new connection, closes the writing side and
// returns everything redis-server sends back before it closes.
func redisSend(tb testing.TB, addr string, in []byte) []byte {
	tb.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(in); err != nil {
		tb.Fatal(err)
	}
	c.(*net.TCPConn).CloseWrite()
	out, err := io.ReadAll(c)
	if err != nil && !errors.Is(err, net.ErrClosed) && !strings.Contains(err.Error(), "reset") {
		tb.Fatalf("%q: %v", in, err)
	}
	return out
}

// modelReply is what redis-server answers to cmd when the test can tell:
// PING, ECHO, AUTH with the password "pw", RESET. ok is false for anything
// else, which must get some error.
func modelReply(cmd []string, authed bool) (reply.Reply, bool) {
	name := strings.ToUpper(cmd[0])
	switch {
	case name == "AUTH":
		if len(cmd) == 2 && cmd[1] == "pw" {
			return reply.OK(), true
		}
		return reply.Reply{}, false
	case name == "RESET" && len(cmd) == 1:
		return reply.Status("RESET"), true
	case !authed:
		return reply.Error("NOAUTH Authentication required."), true
	case name == "PING" && len(cmd) == 1:
		return reply.Pong(), true
	case name == "PING" && len(cmd) == 2, name == "ECHO" && len(cmd) == 2:
		return bulk(cmd[1]), true
	}
	return reply.Reply{}, false
}

// checkAgainstRedis sends in to redis-server and checks that it answered
// each command the Parser finds, then the Parser's protocol error, and
// nothing else. It returns how many replies it compared and whether the
// input ended in a protocol error.
func checkAgainstRedis(t *testing.T, addr string, in []byte, lim Limits) (replies int, protoErr bool) {
	t.Helper()
	p := NewParser(lim)
	authed := !lim.Unauthenticated
	var want []reply.Reply
	var known []bool
	r := feed(t, p, func(c [][]byte) {
		rep, ok := modelReply(strs(c), authed)
		switch {
		case rep.Kind == reply.KindStatus && string(rep.Str) == "OK": // AUTH
			authed = true
			p.SetLimits(Limits{})
		case rep.Kind == reply.KindStatus && string(rep.Str) == "RESET" && lim.Unauthenticated:
			authed = false
			p.SetLimits(lim)
		}
		want, known = append(want, rep), append(known, ok)
	}, in)
	if r.err != "" {
		want, known = append(want, reply.Error(r.err)), append(known, true)
	}
	out := redisSend(t, addr, in)
	var got []reply.Reply
	for rest := out; len(rest) > 0; {
		rep, n, err := readReply(rest)
		if err != nil {
			t.Fatalf("%q: redis-server sent %q: %v", in, out, err)
		}
		got, rest = append(got, rep), rest[n:]
	}
	if len(got) != len(want) {
		t.Fatalf("%q: redis-server sent %d replies %q; the parser found %d commands %q and error %q",
			in, len(got), out, len(r.cmds), r.cmds, r.err)
	}
	for i := range want {
		if known[i] && !sameReply(got[i], want[i]) || !known[i] && got[i].Kind != reply.KindError {
			t.Fatalf("%q: reply %d is %v, want %v (all: %q)", in, i, got[i], want[i], out)
		}
	}
	return len(got), r.err != ""
}

// The parser agrees with redis-server on the table's inputs and on random
// mutations of well-formed pipelines: the same commands run, then the same
// protocol error, byte for byte.
func TestRedisParseDifferential(t *testing.T) {
	addr := startRedis(t)
	fixed := []string{
		mb("PING"), "PING\r\n", mb("ECHO", "a\r\nb\x00"), "ECHO \"a b\" \r\nPING\n\r\n  \r\n",
		"*1\rX$4\r\nPING\r\n", "*1\r\n$4\rXPING\r\n", "*1\r\n$4\r\nPINGxy" + mb("PING"),
		"*-1\r\nPING\r\n", "*0\r\nPING\r\n", "*-0\r\n", "*01\r\n", "*+1\r\n", "* 1\r\n", "*\r\n", "*1 \r\n",
		"*2147483647\r\n", "*2147483648\r\n", "*99999999999999999999\r\n", "*1\n$4\r\n",
		"*1\r\n$-1\r\n", "*1\r\n$01\r\n", "*1\r\n$abc\r\n", "*1\r\n$536870912\r\n", "*1\r\n$536870913\r\n",
		"*1\r\nx\r\n", "*1\r\n\r\n", "*1\r\n\n\r\n", "*1\r\n\xff\r\n", "*1\r\n\x00\r\n", "*1\r\n*1\r\n",
		"PING\r\n*1\r\nx\r\n", "ECHO \"a\r\n", "ECHO 'a\r\n", "ECHO \"a\"b\r\n", "ECHO a\rb\r\n",
		"ECHO \"a\rb\"\r\n", "ECHO \"a\"\r\r\n", "ECHO a\x00b\r\nPING\r\n", "*1\x00\r\n$4\r\nPING\r\n",
		"*1\r\n$4\x00\r\nPING\r\n", "ECHO \"\\x41\\n\"\r\n", "ECHO 'a\\'b'\r\n", "\v\fPING\r\nECHO a\vb\r\n",
		strings.Repeat("A", 65536), strings.Repeat("A", 65537), "*" + strings.Repeat("1", 65535),
		"*" + strings.Repeat("1", 65536), "*1\x00" + strings.Repeat("A", 70000), "*1\r\n$" + strings.Repeat("1", 65532),
		"*1\r\n$" + strings.Repeat("1", 65536), "*1\r\n$\x00" + strings.Repeat("A", 70000),
		"ECHO " + strings.Repeat("x", 70000) + "\r\nPING\r\n", "*" + strings.Repeat("1", 70000) + "\r\n",
		"*1\r\n$" + strings.Repeat("1", 70000) + "\r\n",
	}
	for _, in := range fixed {
		checkAgainstRedis(t, addr, []byte(in), Limits{})
	}

	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, 1))
	parts := []string{mb("PING"), mb("ECHO", "abc"), mb("ECHO", ""), "PING\r\n", "ECHO x\r\n", "*0\r\n", "\r\n", mb("PING", "a\r\n")}
	special := []byte{0, '\r', '\n', '*', '$', '-', '0', '1', '9', ' ', '"', '\'', 'x', 0xff}
	const runs = 600
	replies, errs := 0, 0
	for range runs {
		var in []byte
		for range 1 + rng.IntN(5) {
			in = append(in, parts[rng.IntN(len(parts))]...)
		}
		for range 1 + rng.IntN(3) {
			i := rng.IntN(len(in))
			switch b := special[rng.IntN(len(special))]; rng.IntN(3) {
			case 0:
				in[i] = b
			case 1:
				in = append(in[:i], in[i+1:]...)
			case 2:
				in = append(in[:i], append([]byte{b}, in[i:]...)...)
			}
			if len(in) == 0 {
				in = []byte("PING\r\n")
			}
		}
		n, perr := checkAgainstRedis(t, addr, in, Limits{})
		replies += n
		if perr {
			errs++
		}
	}
	t.Logf("%d inputs: %d replies compared, %d protocol errors", runs, replies, errs)
	if replies < runs || errs < runs/10 || errs > runs*9/10 {
		t.Fatalf("%d inputs: %d replies compared, %d protocol errors", runs, replies, errs)
	}
}

// Before AUTH, redis-server's stricter limits apply, and an AUTH lifts
// them for the very next command of the same write.
func TestRedisUnauthenticatedDifferential(t *testing.T) {
	addr := startRedis(t, "--requirepass", "pw")
	big := mb("ECHO", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j")
	long := mb("ECHO", strings.Repeat("v", 20000))
	for _, in := range []string{
		"*10\r\n", "*11\r\n", "*-100\r\nPING\r\n", "*2147483648\r\n", "*1\r\n$16384\r\n", "*1\r\n$16385\r\n",
		"*1\r\n$536870913\r\n", "PING\r\n*11\r\n", "PING\r\n" + long, "AUTH pw\r\n" + big + long,
		mb("AUTH", "pw") + "*11\r\n$4\r\nECHO\r\n", mb("AUTH", "pw") + "*1\r\n$16385\r\n",
		"AUTH pw\r\nRESET\r\n*11\r\n", "AUTH wrong\r\n*11\r\n",
	} {
		checkAgainstRedis(t, addr, []byte(in), Limits{Unauthenticated: true})
	}
}

// redisRoundTrip sends one command on c and reads exactly len(want) bytes.
func redisRoundTrip(t *testing.T, c net.Conn, cmd string, want []byte) []byte {
	t.Helper()
	if _, err := c.Write([]byte(cmd + "\r\n")); err != nil {
		t.Fatal(err)
	}
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil {
		t.Fatalf("%s: %v after %q", cmd, err, got)
	}
	return got
}

// AppendReply writes the bytes redis-server writes for the same replies,
// in RESP2 and RESP3.
func TestRedisReplyBytes(t *testing.T) {
	addr := startRedis(t)
	for _, proto := range []int{2, 3} {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(20 * time.Second))
		if proto == 3 {
			if _, err := c.Write([]byte("HELLO 3\r\n")); err != nil {
				t.Fatal(err)
			}
			var buf []byte
			for {
				if _, n, err := readReply(buf); err == nil {
					if n != len(buf) {
						t.Fatalf("HELLO: %q", buf)
					}
					break
				} else if err != errIncomplete {
					t.Fatalf("HELLO: %q: %v", buf, err)
				}
				b := make([]byte, 512)
				n, err := c.Read(b)
				if err != nil {
					t.Fatal(err)
				}
				buf = append(buf, b[:n]...)
			}
		}
		pair := func(a, b reply.Reply) reply.Reply { return reply.Array([]reply.Reply{a, b}) }
		checked := 0
		for _, x := range []struct {
			cmd string
			r2  reply.Reply
			r3  *reply.Reply // nil: same as r2
		}{
			{cmd: "FLUSHALL", r2: reply.OK()},
			{cmd: "SET k v", r2: reply.OK()},
			{cmd: "GET k", r2: bulk("v")},
			{cmd: "GET nokey", r2: reply.Nil()},
			{cmd: "MGET k nokey", r2: reply.Array([]reply.Reply{bulk("v"), reply.Nil()})},
			{cmd: "INCR n", r2: reply.Int(1)},
			{cmd: "DECRBY n 10", r2: reply.Int(-9)},
			{cmd: "FOO", r2: reply.Error("ERR unknown command 'FOO', with args beginning with: ")},
			{cmd: "LRANGE nolist 0 -1", r2: reply.Array(nil)},
			{cmd: "BLPOP nolist 0.01", r2: reply.Reply{Kind: reply.KindNilArray}},
			{cmd: "HSET h f v", r2: reply.Int(1)},
			{cmd: "HGETALL h", r2: mapOf(bulk("f"), bulk("v"))},
			{cmd: "HGETALL nohash", r2: mapOf()},
			{cmd: "CONFIG GET nomatch", r2: mapOf()},
			{cmd: "ZADD z 0.1 a 1e300 b inf c -inf d 1.5 e 100 f 1e-5 g 123456789012345678 h -2.5e-300 i", r2: reply.Int(9)},
			{cmd: "ZSCORE z a", r2: reply.Double(0.1)},
			{cmd: "ZSCORE z b", r2: reply.Double(1e300)},
			{cmd: "ZSCORE z c", r2: reply.Double(math.Inf(1))},
			{cmd: "ZSCORE z d", r2: reply.Double(math.Inf(-1))},
			{cmd: "ZSCORE z e", r2: reply.Double(1.5)},
			{cmd: "ZSCORE z f", r2: reply.Double(100)},
			{cmd: "ZSCORE z g", r2: reply.Double(1e-5)},
			{cmd: "ZSCORE z h", r2: reply.Double(123456789012345678)},
			{cmd: "ZSCORE z i", r2: reply.Double(-2.5e-300)},
			{cmd: "ZSCORE z nomember", r2: reply.Nil()},
			{cmd: "ZRANGE z 0 1 WITHSCORES",
				r2: reply.Array([]reply.Reply{bulk("d"), reply.Double(math.Inf(-1)), bulk("i"), reply.Double(-2.5e-300)}),
				r3: &[]reply.Reply{reply.Array([]reply.Reply{pair(bulk("d"), reply.Double(math.Inf(-1))), pair(bulk("i"), reply.Double(-2.5e-300))})}[0]},
		} {
			r := x.r2
			if proto == 3 && x.r3 != nil {
				r = *x.r3
			}
			want := AppendReply(nil, r, proto)
			if got := redisRoundTrip(t, c, x.cmd, want); !bytes.Equal(got, want) {
				t.Errorf("RESP%d %s: redis-server sent %q, AppendReply %q", proto, x.cmd, got, want)
			}
			checked++
		}
		c.Close()
		if checked < 20 {
			t.Fatalf("checked %d replies", checked)
		}
	}
}
