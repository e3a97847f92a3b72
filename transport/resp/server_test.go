package resp_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/memshard/memshard/router"
	"github.com/memshard/memshard/transport/resp"
)

// startServer runs a router and a RESP server on 127.0.0.1:0 and stops
// both when the test ends.
func startServer(tb testing.TB, mod func(*resp.Config)) string {
	tb.Helper()
	r, err := router.New(router.Config{Shards: 4})
	if err != nil {
		tb.Fatal(err)
	}
	cfg := resp.DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	if mod != nil {
		mod(&cfg)
	}
	srv := resp.New(r, cfg)
	addr, err := srv.Start()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		srv.Close()
		r.Close()
	})
	return addr.String()
}

func client(tb testing.TB, addr string, proto int) *redis.Client {
	tb.Helper()
	c := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto, DialTimeout: 5 * time.Second})
	tb.Cleanup(func() { c.Close() })
	return c
}

func TestGoRedisStringsAndExpiry(t *testing.T) {
	addr := startServer(t, nil)
	for _, proto := range []int{2, 3} {
		t.Run("resp"+strconv.Itoa(proto), func(t *testing.T) {
			ctx := context.Background()
			c := client(t, addr, proto)
			if err := c.Set(ctx, "k", "hello world", 0).Err(); err != nil {
				t.Fatal(err)
			}
			if v, err := c.Get(ctx, "k").Result(); err != nil || v != "hello world" {
				t.Fatalf("get: %q %v", v, err)
			}
			if _, err := c.Get(ctx, "missing").Result(); !errors.Is(err, redis.Nil) {
				t.Fatalf("missing: %v", err)
			}
			if n, _ := c.Incr(ctx, "n").Result(); n != 1 {
				t.Fatalf("incr %d", n)
			}
			if f, _ := c.IncrByFloat(ctx, "f", 10.5).Result(); f != 10.5 {
				t.Fatalf("incrbyfloat %v", f)
			}
			c.Set(ctx, "t", "v", time.Minute)
			if d, _ := c.TTL(ctx, "t").Result(); d < 59*time.Second {
				t.Fatalf("ttl %v", d)
			}
			c.PExpire(ctx, "t", 20*time.Millisecond)
			time.Sleep(60 * time.Millisecond)
			if n, _ := c.Exists(ctx, "t").Result(); n != 0 {
				t.Fatal("expired key still there")
			}
			vals, _ := c.MGet(ctx, "k", "missing", "n").Result()
			if fmt.Sprint(vals) != "[hello world <nil> 1]" {
				t.Fatalf("mget %v", vals)
			}
			if err := c.Do(ctx, "nosuch", "a").Err(); err == nil || !strings.HasPrefix(err.Error(), "ERR unknown command 'nosuch'") {
				t.Fatalf("unknown: %v", err)
			}
			c.FlushAll(ctx)
		})
	}
}

func TestGoRedisTransactionsAndPipelines(t *testing.T) {
	addr := startServer(t, nil)
	ctx := context.Background()
	c := client(t, addr, 2)
	// MULTI/EXEC.
	cmds, err := c.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Set(ctx, "a", "1", 0)
		p.Incr(ctx, "a")
		p.Get(ctx, "a")
		return nil
	})
	if err != nil || cmds[2].(*redis.StringCmd).Val() != "2" {
		t.Fatalf("tx: %v %v", cmds, err)
	}
	// WATCH conflict: another client writes the watched key.
	other := client(t, addr, 2)
	err = c.Watch(ctx, func(tx *redis.Tx) error {
		other.Set(ctx, "a", "changed", 0)
		_, err := tx.TxPipelined(ctx, func(p redis.Pipeliner) error {
			p.Set(ctx, "a", "mine", 0)
			return nil
		})
		return err
	}, "a")
	if !errors.Is(err, redis.TxFailedErr) {
		t.Fatalf("watch conflict: %v", err)
	}
	if v, _ := c.Get(ctx, "a").Result(); v != "changed" {
		t.Fatalf("a = %q", v)
	}
	// A pipeline of 1000 commands.
	p := c.Pipeline()
	for i := 0; i < 1000; i++ {
		p.Set(ctx, "p:"+strconv.Itoa(i), i, 0)
	}
	for i := 0; i < 1000; i++ {
		p.Get(ctx, "p:"+strconv.Itoa(i))
	}
	res, err := p.Exec(ctx)
	if err != nil || len(res) != 2000 {
		t.Fatalf("pipeline: %d %v", len(res), err)
	}
	for i := 0; i < 1000; i++ {
		if v := res[1000+i].(*redis.StringCmd).Val(); v != strconv.Itoa(i) {
			t.Fatalf("pipeline get %d: %q", i, v)
		}
	}
	if n, _ := c.DBSize(ctx).Result(); n != 1001 {
		t.Fatalf("dbsize %d", n)
	}
}

func TestAuth(t *testing.T) {
	addr := startServer(t, func(c *resp.Config) { c.RequirePass = "s3cret" })
	ctx := context.Background()
	bad := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2})
	defer bad.Close()
	if err := bad.Ping(ctx).Err(); err == nil || !strings.HasPrefix(err.Error(), "NOAUTH") {
		t.Fatalf("no auth: %v", err)
	}
	wrong := redis.NewClient(&redis.Options{Addr: addr, Protocol: 2, Password: "nope"})
	defer wrong.Close()
	if err := wrong.Ping(ctx).Err(); err == nil || !strings.Contains(err.Error(), "WRONGPASS") {
		t.Fatalf("wrong pass: %v", err)
	}
	for _, proto := range []int{2, 3} {
		good := redis.NewClient(&redis.Options{Addr: addr, Protocol: proto, Password: "s3cret"})
		if err := good.Set(ctx, "k", "v", 0).Err(); err != nil {
			t.Fatalf("resp%d with password: %v", proto, err)
		}
		good.Close()
	}
}

// The HTTP tokens work as AUTH passwords; the read-only one may not write
// or administer, and a refused command inside MULTI aborts it.
func TestAuthTokens(t *testing.T) {
	addr := startServer(t, func(c *resp.Config) { c.Token, c.ReadOnlyToken = "full-tok", "ro-tok" })
	ctx := context.Background()
	full := redis.NewClient(&redis.Options{Addr: addr, Protocol: 3, Password: "full-tok"})
	defer full.Close()
	if err := full.Set(ctx, "k", "v", 0).Err(); err != nil {
		t.Fatalf("full token: %v", err)
	}
	ro := redis.NewClient(&redis.Options{Addr: addr, Protocol: 3, Password: "ro-tok"})
	defer ro.Close()
	if v, err := ro.Get(ctx, "k").Result(); err != nil || v != "v" {
		t.Fatalf("read-only GET: %q %v", v, err)
	}
	if err := ro.Set(ctx, "k", "x", 0).Err(); err == nil || err.Error() != "NOPERM this user has no permissions to run the 'set' command" {
		t.Fatalf("read-only SET: %v", err)
	}
	if err := ro.Do(ctx, "FLUSHALL").Err(); err == nil || !strings.HasPrefix(err.Error(), "NOPERM") {
		t.Fatalf("read-only FLUSHALL: %v", err)
	}
	if err := ro.Do(ctx, "CONFIG", "SET", "maxclients", "5").Err(); err == nil || !strings.HasPrefix(err.Error(), "NOPERM") {
		t.Fatalf("read-only CONFIG SET: %v", err)
	}
	// CONFIG GET is an admin command, as in Redis; INFO and CLIENT ID are not.
	if err := ro.Do(ctx, "CONFIG", "GET", "maxclients").Err(); err == nil || err.Error() != "NOPERM this user has no permissions to run the 'config' command" {
		t.Fatalf("read-only CONFIG GET: %v", err)
	}
	for _, args := range [][]any{{"INFO"}, {"CLIENT", "ID"}} {
		if err := ro.Do(ctx, args...).Err(); err != nil {
			t.Fatalf("read-only %v: %v", args, err)
		}
	}
	for _, args := range [][]any{{"CLIENT", "LIST"}, {"CLIENT", "KILL", "ID", "999"}, {"DEBUG", "SLEEP", "0"}} {
		if err := ro.Do(ctx, args...).Err(); err == nil || !strings.HasPrefix(err.Error(), "NOPERM") {
			t.Fatalf("read-only %v: %v", args, err)
		}
	}
	// Raw protocol: a pipeline mixing allowed and refused commands, and a
	// MULTI that a refused command aborts.
	got := raw(t, addr, "AUTH ro-tok\r\nGET k\r\nDEL k\r\nEXISTS k\r\nMULTI\r\nINCR n\r\nGET k\r\nEXEC\r\nRESET\r\nGET k\r\nAUTH default full-tok\r\nDEL k\r\nQUIT\r\n")
	want := "+OK\r\n$1\r\nv\r\n-NOPERM this user has no permissions to run the 'del' command\r\n:1\r\n" +
		"+OK\r\n-NOPERM this user has no permissions to run the 'incr' command\r\n+QUEUED\r\n" +
		"-EXECABORT Transaction discarded because of previous errors.\r\n+RESET\r\n-NOAUTH Authentication required.\r\n" +
		"+OK\r\n:1\r\n+OK\r\n"
	if got != want {
		t.Fatalf("raw read-only session:\n got %q\nwant %q", got, want)
	}
	if got := raw(t, addr, "AUTH nope\r\nQUIT\r\n"); !strings.HasPrefix(got, "-WRONGPASS") {
		t.Fatalf("wrong token: %q", got)
	}
}

// raw sends bytes and returns everything the server answers until it
// closes the connection or goes quiet.
func raw(t *testing.T, addr, in string) string {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	if _, err := nc.Write([]byte(in)); err != nil {
		t.Fatal(err)
	}
	nc.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	out, _ := io.ReadAll(nc)
	return string(out)
}

func TestInlineAndProtocolErrors(t *testing.T) {
	addr := startServer(t, nil)
	if got := raw(t, addr, "SET k \"a b\"\r\nGET k\r\nPING\r\nQUIT\r\n"); got != "+OK\r\n$3\r\na b\r\n+PONG\r\n+OK\r\n" {
		t.Fatalf("inline: %q", got)
	}
	cases := map[string]string{
		"*x\r\n":                       "-ERR Protocol error: invalid multibulk length\r\n",
		"*1\r\n+GET\r\n":               "-ERR Protocol error: expected '$', got '+'\r\n",
		"*1\r\n$-5\r\n":                "-ERR Protocol error: invalid bulk length\r\n",
		"SET k \"unbalanced\r\n":       "-ERR Protocol error: unbalanced quotes in request\r\n",
		"PING\r\n*1\r\n$x\r\nPING\r\n": "+PONG\r\n-ERR Protocol error: invalid bulk length\r\n",
	}
	for in, want := range cases {
		if got := raw(t, addr, in); got != want {
			t.Errorf("%q: got %q want %q", in, got, want)
		}
	}
	// The server is still serving.
	if got := raw(t, addr, "PING\r\nQUIT\r\n"); got != "+PONG\r\n+OK\r\n" {
		t.Fatalf("after errors: %q", got)
	}
}

func TestRedisCLI(t *testing.T) {
	cli, err := exec.LookPath("redis-cli")
	if err != nil {
		t.Skip("redis-cli not installed; apt-get install redis-tools")
	}
	addr := startServer(t, nil)
	host, port, _ := net.SplitHostPort(addr)
	run := func(stdin string, args ...string) string {
		cmd := exec.Command(cli, append([]string{"-h", host, "-p", port}, args...)...)
		cmd.Stdin = strings.NewReader(stdin)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("redis-cli %v: %v\n%s", args, err, out)
		}
		return strings.TrimSpace(string(out))
	}
	if got := run("", "SET", "greeting", "hello world"); got != "OK" {
		t.Fatalf("set: %q", got)
	}
	if got := run("", "GET", "greeting"); got != "hello world" {
		t.Fatalf("get: %q", got)
	}
	// Mass insertion: redis-cli --pipe sends raw RESP and counts replies.
	var b strings.Builder
	const n = 10000
	for i := 0; i < n; i++ {
		fmt.Fprintf(&b, "*3\r\n$3\r\nSET\r\n$%d\r\nkey:%d\r\n$1\r\nx\r\n", len("key:")+len(strconv.Itoa(i)), i)
	}
	out := run(b.String(), "--pipe")
	if !strings.Contains(out, "errors: 0, replies: "+strconv.Itoa(n)) {
		t.Fatalf("--pipe: %s", out)
	}
	if got := run("", "DBSIZE"); got != strconv.Itoa(n+1) {
		t.Fatalf("dbsize after --pipe: %q", got)
	}
	// Inline commands on a raw connection, as telnet would send them.
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	fmt.Fprintf(nc, "EXISTS greeting key:1\r\n")
	line, _ := bufio.NewReader(nc).ReadString('\n')
	if line != ":2\r\n" {
		t.Fatalf("inline exists: %q", line)
	}
}

// TestLimitsFollowAuthAndReset: AUTH lifts the unauthenticated limits for
// the next command in the same write, and RESET brings them back, as in Redis.
func TestLimitsFollowAuthAndReset(t *testing.T) {
	addr := startServer(t, func(c *resp.Config) { c.RequirePass = "pw" })
	big := "*12\r\n$4\r\nMSET\r\n" + strings.Repeat("$1\r\nk\r\n$1\r\nv\r\n", 5) + "$1\r\nz\r\n"
	in := "*2\r\n$4\r\nAUTH\r\n$2\r\npw\r\n" + big + "RESET\r\nPING\r\n" + big
	got := raw(t, addr, in)
	want := "+OK\r\n-ERR wrong number of arguments for 'mset' command\r\n+RESET\r\n-NOAUTH Authentication required.\r\n-ERR Protocol error: unauthenticated multibulk length\r\n"
	if got != want {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func TestIdleTimeoutAndMaxClients(t *testing.T) {
	addr := startServer(t, func(c *resp.Config) {
		c.IdleTimeout = 100 * time.Millisecond
		c.MaxClients = 1
	})
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	fmt.Fprintf(nc, "PING\r\n")
	rd := bufio.NewReader(nc)
	if line, _ := rd.ReadString('\n'); line != "+PONG\r\n" {
		t.Fatalf("ping: %q", line)
	}
	// A second client is over maxclients while the first is connected.
	if got := raw(t, addr, "PING\r\n"); got != "-ERR max number of clients reached\r\n" {
		t.Fatalf("over maxclients: %q", got)
	}
	// Idle past the timeout: the server closes the first connection.
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := rd.ReadByte(); err == nil {
		t.Fatal("idle connection still open")
	}
	// Its slot is free again (the server forgets a closed connection promptly).
	deadline := time.Now().Add(5 * time.Second)
	for {
		if got := raw(t, addr, "PING\r\nQUIT\r\n"); got == "+PONG\r\n+OK\r\n" {
			break
		} else if time.Now().After(deadline) {
			t.Fatalf("after the idle client left: %q", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestLargeValues moves values far larger than the read buffer both ways,
// and checks that a declared bulk over proto-max-bulk-len is refused
// before its bytes are read.
func TestLargeValues(t *testing.T) {
	addr := startServer(t, func(c *resp.Config) { c.Limits.MaxBulkLen = 32 << 20 })
	ctx := context.Background()
	c := client(t, addr, 2)
	big := strings.Repeat("0123456789abcdef", 1<<19) // 8 MiB
	if err := c.Set(ctx, "big", big, 0).Err(); err != nil {
		t.Fatal(err)
	}
	if v, err := c.Get(ctx, "big").Result(); err != nil || v != big {
		t.Fatalf("get: %d bytes, %v", len(v), err)
	}
	if n, _ := c.StrLen(ctx, "big").Result(); n != int64(len(big)) {
		t.Fatalf("strlen %d", n)
	}
	if got := raw(t, addr, "*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$33554433\r\n"); got != "-ERR Protocol error: invalid bulk length\r\n" {
		t.Fatalf("over the limit: %q", got)
	}
}
