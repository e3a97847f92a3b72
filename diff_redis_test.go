package memshard_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// This file holds the reference side of the differential tests: a real
// redis-server started per test, and a minimal RESP2 client for it. The client
// is raw on purpose: go-redis folds a status reply and a bulk reply into the
// same Go string, and the comparison must tell them apart.

// respTimeout bounds every round trip to redis-server, so that a wedged server
// fails the test instead of hanging it.
const respTimeout = 10 * time.Second

// startRedis starts a redis-server on a free loopback port with persistence
// off and its working directory in t.TempDir(), waits until it answers PING,
// and kills it when t finishes. It skips t when redis-server is not installed.
func startRedis(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server not installed; apt-get install redis-server")
	}
	dir := t.TempDir()
	var lastErr error
	// The free port is found by listening on port 0 and closing the
	// listener, so another process may take it first: retry a few times.
	for attempt := range 5 {
		port, err := freePort()
		if err != nil {
			t.Fatalf("diff: find a free port: %v", err)
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		logPath := filepath.Join(dir, fmt.Sprintf("redis-%d.log", attempt))
		cmd := exec.Command(bin,
			"--port", strconv.Itoa(port),
			"--bind", "127.0.0.1",
			"--save", "",
			"--appendonly", "no",
			"--dir", dir,
			"--logfile", logPath,
			"--daemonize", "no",
		)
		cmd.Dir = dir
		setDeathSignal(cmd)
		if err := cmd.Start(); err != nil {
			t.Fatalf("diff: start %s: %v", bin, err)
		}
		exited := make(chan struct{})
		var waitErr error
		go func() {
			waitErr = cmd.Wait()
			close(exited)
		}()
		err = waitRedisReady(addr, exited, 10*time.Second)
		if err == nil {
			t.Cleanup(func() {
				_ = cmd.Process.Kill()
				<-exited
			})
			return addr
		}
		_ = cmd.Process.Kill()
		<-exited
		logText, _ := os.ReadFile(logPath)
		lastErr = fmt.Errorf("%v (exit: %v); log:\n%s", err, waitErr, tail(string(logText), 2000))
	}
	t.Fatalf("diff: redis-server did not start: %v", lastErr)
	return ""
}

// freePort returns a loopback TCP port that was free a moment ago.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// waitRedisReady polls addr with PING until it answers +PONG, the process
// exits, or timeout passes.
func waitRedisReady(addr string, exited <-chan struct{}, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		c, err := dialRESP(addr)
		if err == nil {
			rep, err := c.do([][]byte{[]byte("PING")})
			c.close()
			if err == nil && rep.kind == nStatus && rep.str == "PONG" {
				return nil
			}
		}
		select {
		case <-exited:
			return errors.New("redis-server exited before answering PING")
		case <-time.After(10 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redis-server on %s did not answer PING within %v", addr, timeout)
		}
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "..." + s[len(s)-n:]
}

// respConn is a RESP2 client connection that keeps every reply kind apart:
// status, error, integer, bulk, nil bulk, array and nil array. It is used by
// one goroutine at a time.
type respConn struct {
	nc net.Conn
	r  *bufio.Reader
	w  *bufio.Writer
}

func dialRESP(addr string) (*respConn, error) {
	nc, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return nil, err
	}
	return &respConn{nc: nc, r: bufio.NewReader(nc), w: bufio.NewWriter(nc)}, nil
}

func (c *respConn) close() { _ = c.nc.Close() }

// do sends one command as an array of bulk strings and reads its reply.
func (c *respConn) do(args [][]byte) (node, error) {
	if err := c.nc.SetDeadline(time.Now().Add(respTimeout)); err != nil {
		return node{}, err
	}
	c.w.WriteString("*")
	c.w.WriteString(strconv.Itoa(len(args)))
	c.w.WriteString("\r\n")
	for _, a := range args {
		c.w.WriteString("$")
		c.w.WriteString(strconv.Itoa(len(a)))
		c.w.WriteString("\r\n")
		c.w.Write(a)
		c.w.WriteString("\r\n")
	}
	if err := c.w.Flush(); err != nil {
		return node{}, err
	}
	return c.read()
}

func (c *respConn) line() (string, error) {
	s, err := c.r.ReadString('\n')
	if err != nil {
		return "", err
	}
	if len(s) < 3 || s[len(s)-2] != '\r' {
		return "", fmt.Errorf("resp: malformed line %q", s)
	}
	return s[:len(s)-2], nil
}

func (c *respConn) read() (node, error) {
	l, err := c.line()
	if err != nil {
		return node{}, err
	}
	body := l[1:]
	switch l[0] {
	case '+':
		return node{kind: nStatus, str: body}, nil
	case '-':
		return node{kind: nError, str: body}, nil
	case ':':
		n, err := strconv.ParseInt(body, 10, 64)
		if err != nil {
			return node{}, fmt.Errorf("resp: bad integer %q", l)
		}
		return node{kind: nInt, num: n}, nil
	case '$':
		n, err := strconv.Atoi(body)
		if err != nil || n < -1 {
			return node{}, fmt.Errorf("resp: bad bulk length %q", l)
		}
		if n == -1 {
			return node{kind: nNil}, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			return node{}, err
		}
		if buf[n] != '\r' || buf[n+1] != '\n' {
			return node{}, errors.New("resp: bulk not terminated by CRLF")
		}
		return node{kind: nBulk, str: string(buf[:n])}, nil
	case '*':
		n, err := strconv.Atoi(body)
		if err != nil || n < -1 {
			return node{}, fmt.Errorf("resp: bad array length %q", l)
		}
		if n == -1 {
			return node{kind: nNilArray}, nil
		}
		arr := make([]node, n)
		for i := range arr {
			if arr[i], err = c.read(); err != nil {
				return node{}, err
			}
		}
		return node{kind: nArray, arr: arr}, nil
	}
	return node{}, fmt.Errorf("resp: unexpected reply type in %q", l)
}

// redisTarget is a diffTarget backed by one redis-server: connection 0 and
// connection 1 are two client connections to it.
type redisTarget struct {
	addr  string
	conns [2]*respConn
}

func newRedisTarget(t testing.TB) *redisTarget {
	t.Helper()
	rt := &redisTarget{addr: startRedis(t)}
	for i := range rt.conns {
		c, err := dialRESP(rt.addr)
		if err != nil {
			t.Fatalf("diff: dial redis-server: %v", err)
		}
		rt.conns[i] = c
	}
	t.Cleanup(rt.close)
	return rt
}

func (rt *redisTarget) name() string { return "redis" }

func (rt *redisTarget) do(conn int, args []any) (node, error) {
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = argBytes(a)
	}
	return rt.conns[conn].do(b)
}

// reset empties the keyspace and replaces connection 1, which drops any
// MULTI or WATCH state it had.
func (rt *redisTarget) reset() error {
	rep, err := rt.conns[0].do([][]byte{[]byte("FLUSHALL")})
	if err != nil {
		return err
	}
	if rep.kind != nStatus || rep.str != "OK" {
		return fmt.Errorf("FLUSHALL: %v", rep)
	}
	rt.conns[1].close()
	c, err := dialRESP(rt.addr)
	if err != nil {
		return err
	}
	rt.conns[1] = c
	return nil
}

func (rt *redisTarget) close() {
	for _, c := range rt.conns {
		if c != nil {
			c.close()
		}
	}
}
