package main

// Hostile tests of permissions and of DEBUG: a read-only credential trying
// to read the server's secrets or administer it on every transport, and a
// client trying DEBUG on a server that did not enable it.

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// The secrets of the permission tests: distinctive, so that a reply that
// leaks one is caught by a substring search.
const (
	permPass  = "pw-7c1f9e0a"
	permRO    = "ro-52ab0d61"
	permToken = "full-9d3e44c2"
)

// readAll reads one complete RESP2/RESP3 reply and returns its bytes.
func readAll(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return line, err
	}
	out := line
	body := strings.TrimRight(line[1:], "\r\n")
	switch line[0] {
	case '$', '=', '!':
		n, _ := strconv.Atoi(body)
		if n < 0 {
			return out, nil
		}
		data := make([]byte, n+2)
		_, err := io.ReadFull(r, data)
		return out + string(data), err
	case '*', '~', '>', '%', '|':
		n, _ := strconv.Atoi(body)
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			s, err := readAll(r)
			out += s
			if err != nil {
				return out, err
			}
		}
	}
	return out, nil
}

// respSession is one RESP connection sending commands one at a time.
type respSession struct {
	t  *testing.T
	nc net.Conn
	r  *bufio.Reader
}

func (h *hostileServer) session(t *testing.T) *respSession {
	t.Helper()
	nc := h.dial(t)
	return &respSession{t: t, nc: nc, r: bufio.NewReader(nc)}
}

// do sends args and returns the whole reply, failing the test if none comes
// within 2 s.
func (s *respSession) do(args ...string) string {
	s.t.Helper()
	s.nc.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := s.nc.Write(respCommand(args...)); err != nil {
		s.t.Fatalf("%q: %v", args, err)
	}
	rep, err := readAll(s.r)
	if err != nil {
		s.t.Fatalf("%q: reply %q, %v", args, rep, err)
	}
	return rep
}

// noSecret fails the test when text shows a password or token.
func noSecret(t *testing.T, what, text string) {
	t.Helper()
	for _, sec := range []string{permPass, permRO, permToken} {
		if strings.Contains(text, sec) {
			t.Errorf("%s leaks the secret %q: %.300q", what, sec, text)
		}
	}
}

// fullSession is a RESP connection authenticated with the password.
func (h *hostileServer) fullSession(t *testing.T) *respSession {
	t.Helper()
	s := h.session(t)
	if got := s.do("AUTH", permPass); got != "+OK\r\n" {
		t.Fatalf("AUTH with the password: %q", got)
	}
	return s
}

// permData loads n keys with the full credential.
func permData(t *testing.T, h *hostileServer, n int) {
	t.Helper()
	s := h.fullSession(t)
	for i := range n {
		if got := s.do("SET", "k"+strconv.Itoa(i), "v"+strconv.Itoa(i)); got != "+OK\r\n" {
			t.Fatalf("SET: %q", got)
		}
	}
}

// permIntact checks the n keys and that a full session still answers PING.
func permIntact(t *testing.T, h *hostileServer, n int) {
	t.Helper()
	s := h.fullSession(t)
	if got := s.do("PING"); got != "+PONG\r\n" {
		t.Fatalf("PING: %q", got)
	}
	if got := s.do("DBSIZE"); got != ":"+strconv.Itoa(n)+"\r\n" {
		t.Fatalf("DBSIZE %q, want %d keys", got, n)
	}
	for i := range n {
		v := "v" + strconv.Itoa(i)
		if got := s.do("GET", "k"+strconv.Itoa(i)); got != "$"+strconv.Itoa(len(v))+"\r\n"+v+"\r\n" {
			t.Fatalf("k%d: %q", i, got)
		}
	}
}

// TestHostilePermsReadOnlyRESP: with --requirepass, --token and
// --read-only-token, a RESP client that authenticated with the read-only
// token tries to read the password (CONFIG GET with names and globs, INFO,
// CLIENT LIST, COMMAND DOCS, inside MULTI) and to administer the server
// (CONFIG SET, FLUSHALL, DEBUG, CLIENT KILL, SHUTDOWN). Every attempt is
// refused with NOPERM (SHUTDOWN is not served: unknown command), no reply
// shows a secret, the heap grows less than 64 MiB, and the data is intact.
func TestHostilePermsReadOnlyRESP(t *testing.T) {
	h := startHostile(t, "--requirepass", permPass, "--read-only-token", permRO, "--token", permToken)
	const keys = 50
	permData(t, h, keys)
	heapCheck := heapBound(t, 64*mib)
	ro := h.session(t)
	if got := ro.do("AUTH", permRO); got != "+OK\r\n" {
		t.Fatalf("AUTH with the read-only token: %q", got)
	}
	refused := [][]string{
		{"CONFIG", "GET", "requirepass"}, {"CONFIG", "GET", "*"}, {"CONFIG", "GET", "*pass*"},
		{"CONFIG", "GET", "*token*"}, {"config", "get", "maxclients", "requirepass"},
		{"CONFIG", "SET", "maxclients", "1"}, {"CONFIG", "RESETSTAT"}, {"CONFIG", "REWRITE"},
		{"FLUSHALL"}, {"FLUSHDB"}, {"CLEAR"}, {"DEL", "k0"}, {"SET", "k0", "x"},
		{"DEBUG", "SLEEP", "0"}, {"DEBUG", "SLEEP", "5"},
		{"CLIENT", "KILL", "ID", "1"}, {"CLIENT", "KILL", "TYPE", "normal"}, {"CLIENT", "LIST"},
		{"CLIENT", "PAUSE", "1000"}, {"DUMP", "all.csv"}, {"IMPORT", "all.csv"},
	}
	checked := 0
	for _, args := range refused {
		got := ro.do(args...)
		want := "-NOPERM this user has no permissions to run the '" + strings.ToLower(args[0]) + "' command\r\n"
		if got != want {
			t.Errorf("read-only %q: %q, want %q", args, got, want)
		}
		noSecret(t, fmt.Sprint(args), got)
		checked++
	}
	// Inside MULTI the refusal aborts the transaction, as Redis's ACL check does.
	for _, step := range [][2]string{
		{"MULTI", "+OK\r\n"}, {"GET k0", "+QUEUED\r\n"},
		{"CONFIG GET *", "-NOPERM this user has no permissions to run the 'config' command\r\n"},
		{"FLUSHALL", "-NOPERM this user has no permissions to run the 'flushall' command\r\n"},
		{"EXEC", "-EXECABORT Transaction discarded because of previous errors.\r\n"},
	} {
		if got := ro.do(strings.Fields(step[0])...); got != step[1] {
			t.Errorf("read-only MULTI, %s: %q, want %q", step[0], got, step[1])
		}
		checked++
	}
	if got := ro.do("SHUTDOWN"); !strings.HasPrefix(got, "-") || strings.HasPrefix(got, "+") {
		t.Errorf("read-only SHUTDOWN: %q", got)
	}
	// What a read-only client may read shows no secret.
	for _, args := range [][]string{{"INFO", "everything"}, {"COMMAND", "DOCS"}, {"COMMAND"}, {"CLIENT", "INFO"},
		{"AUTH", "wrong"}, {"HELLO", "3", "AUTH", "default", "nope"}, {"GET", permPass}, {"NOSUCH", "x"}} {
		got := ro.do(args...)
		if args[0] != "GET" && args[0] != "NOSUCH" { // those two echo the client's own argument
			noSecret(t, fmt.Sprint(args), got)
		}
		checked++
	}
	if got := ro.do("GET", "k1"); got != "$2\r\nv1\r\n" {
		t.Errorf("read-only GET: %q", got)
	}
	heapCheck()
	t.Logf("%d refusals and reads checked", checked)
	permIntact(t, h, keys)
}

// TestHostilePermsFullConfigGet: even the password does not read secrets
// back: CONFIG GET leaves requirepass and every *pass*/*token* parameter out,
// by name or by glob, over RESP2 and RESP3, in and out of MULTI; CONFIG SET
// cannot change them; CLIENT LIST and INFO show none.
func TestHostilePermsFullConfigGet(t *testing.T) {
	h := startHostile(t, "--requirepass", permPass, "--read-only-token", permRO, "--token", permToken)
	const keys = 10
	permData(t, h, keys)
	for _, auth := range []string{permPass, permToken} {
		s := h.session(t)
		if got := s.do("AUTH", auth); got != "+OK\r\n" {
			t.Fatalf("AUTH: %q", got)
		}
		for _, proto := range []string{"2", "3"} {
			s.do("HELLO", proto)
			for _, p := range []string{"requirepass", "*", "*pass*", "*token*", "require*", "*tls*", "?equirepass"} {
				got := s.do("CONFIG", "GET", p)
				noSecret(t, "CONFIG GET "+p, got)
				if strings.Contains(got, "requirepass") || strings.Contains(got, "token") {
					t.Errorf("CONFIG GET %s names a secret parameter: %q", p, got)
				}
			}
			if got := s.do("CONFIG", "GET", "*"); !strings.Contains(got, "maxclients") {
				t.Errorf("CONFIG GET * lost the other parameters: %q", got)
			}
			s.do("MULTI")
			s.do("CONFIG", "GET", "*")
			got := s.do("EXEC")
			noSecret(t, "EXEC of CONFIG GET *", got)
			if !strings.Contains(got, "maxclients") {
				t.Errorf("EXEC of CONFIG GET *: %q", got)
			}
		}
		if got := s.do("CONFIG", "SET", "requirepass", "new"); !strings.HasPrefix(got, "-ERR CONFIG SET failed") {
			t.Errorf("CONFIG SET requirepass: %q", got)
		}
		for _, args := range [][]string{{"CLIENT", "LIST"}, {"INFO", "everything"}, {"COMMAND", "DOCS"}} {
			noSecret(t, fmt.Sprint(args), s.do(args...))
		}
	}
	permIntact(t, h, keys)
}

// httpAs sends a request with a bearer token and returns status and body.
func (h *hostileServer) httpAs(t *testing.T, token, method, path, body string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, h.httpURL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestHostilePermsReadOnlyHTTP: the read-only token over every HTTP route
// and WebSocket sessions asks for the configuration and tries admin
// commands; each is refused (403 NOPERM, or a NOPERM error on the socket),
// no answer shows a secret, the full token's CONFIG GET is not served over
// HTTP at all, the heap grows less than 64 MiB, and the data is intact.
func TestHostilePermsReadOnlyHTTP(t *testing.T) {
	h := startHostile(t, "--requirepass", permPass, "--read-only-token", permRO, "--token", permToken)
	const keys = 20
	permData(t, h, keys)
	heapCheck := heapBound(t, 64*mib)
	cases := []struct{ method, path, body string }{
		{"POST", "/", `["CONFIG","GET","*"]`},
		{"POST", "/", `["CONFIG","GET","requirepass"]`},
		{"POST", "/", `["config","get","*pass*"]`},
		{"POST", "/", `["FLUSHALL"]`},
		{"POST", "/", `["DEBUG","SLEEP","5"]`},
		{"POST", "/", `["CLIENT","KILL","TYPE","normal"]`},
		{"POST", "/", `{"query":"CONFIG GET *"}`},
		{"GET", "/config/get/requirepass", ""},
		{"POST", "/config/get", "*"},
		{"GET", "/flushall", ""},
		{"POST", "/pipeline", `[["GET","k0"],["CONFIG","GET","*"]]`},
		{"POST", "/pipeline", `[["GET","k0"],["FLUSHALL"]]`},
		{"POST", "/multi-exec", `[["CONFIG","GET","*token*"]]`},
		{"POST", "/multi-exec", `[["GET","k0"],["FLUSHDB"]]`},
		{"POST", "/v1/execute", `{"commands":[{"cmd_type":"config","args":["GET","*"]}]}`},
		{"POST", "/v1/execute", `{"commands":[{"cmd_type":"flushall"}]}`},
		{"POST", "/v1/txn", `{"commands":[["CONFIG","GET","*"]]}`},
		{"POST", "/v1/txn", `{"commands":[["FLUSHALL"]]}`},
	}
	for _, tc := range cases {
		code, body := h.httpAs(t, permRO, tc.method, tc.path, tc.body)
		if code != http.StatusForbidden || !strings.Contains(body, "NOPERM") {
			t.Errorf("read-only %s %s %s: %d %s, want 403 NOPERM", tc.method, tc.path, tc.body, code, body)
		}
		noSecret(t, tc.path+" "+tc.body, body)
	}
	// The full token: CONFIG is not an HTTP command; nothing leaks either.
	code, body := h.httpAs(t, permToken, "POST", "/", `["CONFIG","GET","*"]`)
	if code != http.StatusBadRequest || !strings.Contains(body, "unknown command") {
		t.Errorf("full token CONFIG GET *: %d %s", code, body)
	}
	noSecret(t, "full CONFIG GET *", body)
	checked := len(cases) + 1 + permWebSocket(t, h)
	heapCheck()
	t.Logf("%d HTTP and WebSocket requests checked", checked)
	permIntact(t, h, keys)
}

// permWebSocket runs the read-only token's attempts over WebSocket sessions
// on /v1/ws and / and returns how many it checked.
func permWebSocket(t *testing.T, h *hostileServer) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	hdr := http.Header{"Authorization": {"Bearer " + permRO}}
	base := "ws://" + strings.TrimPrefix(h.httpURL, "http://")
	checked := 0
	for _, tc := range []struct{ path, msg string }{
		{"/v1/ws", `{"type":"cmd","id":"1","cmd":["CONFIG","GET","*"]}`},
		{"/v1/ws", `{"type":"cmd","id":"2","cmd":["FLUSHALL"]}`},
		{"/v1/ws", `{"type":"pipeline","id":"3","cmds":[["GET","k0"],["CONFIG","GET","requirepass"]]}`},
		{"/v1/ws", `{"type":"txn","id":"4","cmds":[["GET","k0"],["DEBUG","SLEEP","5"]]}`},
		{"/", `["CONFIG","GET","*pass*"]`},
		{"/", `CONFIG GET *`},
		{"/", `FLUSHALL`},
	} {
		conn, _, err := websocket.Dial(ctx, base+tc.path, &websocket.DialOptions{HTTPHeader: hdr})
		if err != nil {
			t.Fatalf("WebSocket %s: %v", tc.path, err)
		}
		if err := conn.Write(ctx, websocket.MessageText, []byte(tc.msg)); err != nil {
			t.Fatalf("WebSocket %s: %v", tc.path, err)
		}
		_, got, err := conn.Read(ctx)
		conn.Close(websocket.StatusNormalClosure, "")
		if err != nil || !strings.Contains(string(got), "NOPERM") {
			t.Errorf("WebSocket %s %s: %s %v, want NOPERM", tc.path, tc.msg, got, err)
		}
		noSecret(t, "WebSocket "+tc.msg, string(got))
		checked++
	}
	return checked
}

// debugRefused is Redis 7's refusal of DEBUG at enable-debug-command no.
const debugRefused = `-ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", ` +
	`you can run it from a local connection, otherwise you need to set this option in the configuration file, ` +
	"and then restart the server.\r\n"

// TestHostileDebugDefault: on the defaults DEBUG is refused at once with
// Redis 7's message — DEBUG SLEEP 30 does not hold the connection or its
// event loop, inside MULTI it aborts the transaction — the heap stays under
// 64 MiB, other connections answer PING within a second, the data is intact.
func TestHostileDebugDefault(t *testing.T) {
	h := startHostile(t)
	if got, err := h.do(t, 2*time.Second, "SET", "k", "v"); got != "+OK" || err != nil {
		t.Fatalf("SET: %q %v", got, err)
	}
	heapCheck := heapBound(t, 64*mib)
	s := h.session(t)
	for _, args := range [][]string{{"DEBUG", "SLEEP", "30"}, {"debug", "sleep", "0"}, {"DEBUG", "RELOAD"}} {
		start := time.Now()
		if got := s.do(args...); got != debugRefused {
			t.Errorf("%q: %q, want Redis's refusal", args, got)
		}
		if took := time.Since(start); took > time.Second {
			t.Errorf("%q took %v", args, took)
		}
		h.pingWithin(t, time.Second)
	}
	for _, step := range [][2]string{{"MULTI", "+OK\r\n"}, {"DEBUG SLEEP 30", debugRefused},
		{"EXEC", "-EXECABORT Transaction discarded because of previous errors.\r\n"}} {
		if got := s.do(strings.Fields(step[0])...); got != step[1] {
			t.Errorf("MULTI, %s: %q, want %q", step[0], got, step[1])
		}
	}
	if got := s.do("CONFIG", "GET", "enable-debug-command"); got != "*2\r\n$20\r\nenable-debug-command\r\n$2\r\nno\r\n" {
		t.Errorf("CONFIG GET enable-debug-command: %q", got)
	}
	heapCheck()
	h.pingWithin(t, time.Second)
	if got := s.do("GET", "k"); got != "$1\r\nv\r\n" {
		t.Fatalf("data: %q", got)
	}
}

// TestHostileDebugLocal: with --enable-debug-command local, DEBUG runs for
// a loopback client and is refused with Redis's message to one that comes
// from another address of this machine (a second server listening on that
// address only; skipped when the machine has none).
func TestHostileDebugLocal(t *testing.T) {
	h := startHostile(t, "--enable-debug-command", "local")
	s := h.session(t)
	if got := s.do("DEBUG", "SLEEP", "0"); got != "+OK\r\n" {
		t.Fatalf("loopback DEBUG SLEEP 0: %q", got)
	}
	if got := s.do("CONFIG", "GET", "enable-debug-command"); !strings.HasSuffix(got, "$5\r\nlocal\r\n") {
		t.Errorf("CONFIG GET enable-debug-command: %q", got)
	}
	ip := nonLoopbackIP()
	if ip == nil {
		t.Log("no non-loopback IPv4 address: the remote refusal is not checked")
		return
	}
	remote := startHostile(t, "--enable-debug-command", "local", "--resp-addr", net.JoinHostPort(ip.String(), "0"))
	rs := remote.session(t)
	if got := rs.do("DEBUG", "SLEEP", "0"); got != debugRefused {
		t.Errorf("DEBUG from %s: %q, want Redis's refusal", ip, got)
	}
	if got := rs.do("PING"); got != "+PONG\r\n" {
		t.Fatalf("PING after the refusal: %q", got)
	}
	if got := s.do("PING"); got != "+PONG\r\n" {
		t.Fatalf("PING: %q", got)
	}
}

// nonLoopbackIP is an IPv4 address of this machine that is not loopback, or nil.
func nonLoopbackIP() net.IP {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			return n.IP
		}
	}
	return nil
}
