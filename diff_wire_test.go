package memshard_test

import (
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Wire mode of the differential tests: the side under test is memshard's RESP
// server over TCP, driven by the same raw client as redis-server, and every
// reply is compared byte for byte. Only the replies the canonicalisation rules
// call nondeterministic (KEYS order, SCAN cursors, RANDOMKEY, TIME, TTLs,
// CLIENT ID, HELLO's server/version/id) are compared after parsing. Both
// connections are real client connections: MULTI, EXEC and WATCH run over the
// socket, on connection 1.
//
//	go test -run 'DiffWire|DiffResp3' -v .        the wire tests only
//	go test -run TestDiffWireRandom -diff.seed=N -diff.seqs=1 -v .
//
// Some commands go out as inline text instead of a multibulk (chosen by a hash
// of the arguments, so both sides get the same form); -diff.inline changes
// how many.

var diffInline = flag.Int("diff.inline", 5, "wire mode: send one command in N as an inline command (0: none)")

// wireTarget is a diffTarget that speaks RESP over TCP: redis-server or
// memshard's RESP server. It is used by one goroutine.
type wireTarget struct {
	label string
	proto int // 2, or 3: every connection starts with HELLO 3
	addr  string
	conns [2]*respConn
	// restart, when set, replaces the server by a fresh one and returns
	// its address (memshard); otherwise reset flushes (redis-server).
	restart func() (string, error)
	inlined int // commands sent as inline text
}

func (w *wireTarget) name() string { return w.label }

// conn returns connection i, dialling it (and switching it to RESP3) after
// a reset or a QUIT.
func (w *wireTarget) conn(i int) (*respConn, error) {
	if w.conns[i] != nil {
		return w.conns[i], nil
	}
	c, err := dialRESP(w.addr)
	if err != nil {
		return nil, err
	}
	if w.proto == 3 {
		if err := c.send([][]byte{[]byte("HELLO"), []byte("3")}, false); err != nil {
			c.close()
			return nil, err
		}
		rep, err := c.readRaw()
		if err != nil || !strings.HasPrefix(rep.raw, "%") {
			c.close()
			return nil, fmt.Errorf("HELLO 3: %q %v", rep.raw, err)
		}
	}
	w.conns[i] = c
	return c, nil
}

func (w *wireTarget) do(conn int, args []any) (node, error) {
	c, err := w.conn(conn)
	if err != nil {
		return node{}, err
	}
	b := make([][]byte, len(args))
	for i, a := range args {
		b[i] = argBytes(a)
	}
	inline := sendInline(b)
	if inline {
		w.inlined++
	}
	if err := c.send(b, inline); err != nil {
		return node{}, err
	}
	rep, err := c.readRaw()
	if err != nil {
		return node{}, err
	}
	switch strings.ToUpper(string(b[0])) {
	case "EXEC":
		// RESP3 has one null: the runner tracks MULTI by the nil array.
		if rep.kind == nNil {
			rep.kind = nNilArray
		}
	case "QUIT":
		// The reply is followed by the server closing the connection:
		// that is part of what is compared.
		rep.raw += c.closedMark()
		c.close()
		w.conns[conn] = nil
	}
	return rep, nil
}

// closedMark reports whether the server closed the connection.
func (c *respConn) closedMark() string {
	_ = c.nc.SetReadDeadline(time.Now().Add(2 * time.Second))
	if _, err := c.r.ReadByte(); errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) || isReset(err) {
		return "<closed>"
	}
	return "<still open>"
}

func isReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connection reset")
}

func (w *wireTarget) reset() error {
	w.close()
	if w.restart != nil {
		addr, err := w.restart()
		if err != nil {
			return err
		}
		w.addr = addr
		return nil
	}
	c, err := w.conn(0)
	if err != nil {
		return err
	}
	if err := c.send([][]byte{[]byte("FLUSHALL")}, false); err != nil {
		return err
	}
	rep, err := c.readRaw()
	if err != nil {
		return err
	}
	if rep.raw != "+OK\r\n" {
		return fmt.Errorf("FLUSHALL: %q", rep.raw)
	}
	// A fresh connection 0 too: CLIENT SETNAME and HELLO change it.
	w.close()
	return nil
}

func (w *wireTarget) close() {
	for i, c := range w.conns {
		if c != nil {
			c.close()
			w.conns[i] = nil
		}
	}
}

// newWireRedis starts a redis-server for wire mode.
func newWireRedis(t testing.TB, proto int) *wireTarget {
	t.Helper()
	w := &wireTarget{label: "redis", proto: proto, addr: startRedis(t)}
	t.Cleanup(w.close)
	return w
}

// newWireRunner starts redis-server and memshard's RESP server, both spoken
// to in RESP proto.
func newWireRunner(t *testing.T, proto int) *runner {
	t.Helper()
	ref := newWireRedis(t, proto)
	r := newRunner(ref, newWireSUT(t, proto), time.Now().Truncate(time.Second))
	applyDiffSkip(t, r)
	t.Cleanup(func() {
		t.Logf("RESP%d: %d of the commands went out inline", proto, ref.inlined)
		if *diffInline > 0 && r.compared > 10**diffInline && ref.inlined == 0 {
			t.Errorf("no command was sent inline")
		}
	})
	return r
}

// applyDiffSkip installs -diff.skip on r.
func applyDiffSkip(t *testing.T, r *runner) {
	t.Helper()
	if *diffSkip == "" {
		return
	}
	re, err := regexp.Compile(*diffSkip)
	if err != nil {
		t.Fatalf("-diff.skip: %v", err)
	}
	r.skip = re
	t.Cleanup(func() { t.Logf("-diff.skip left out %d commands", r.skipped) })
}

// sendInline reports whether a command goes out as inline text: one in
// -diff.inline of them, by a hash of its bytes so both sides agree.
func sendInline(args [][]byte) bool {
	if *diffInline <= 0 {
		return false
	}
	h := fnv.New32a()
	for _, a := range args {
		h.Write(a)
		h.Write([]byte{0})
	}
	return h.Sum32()%uint32(*diffInline) == 0
}

// inlineLine renders args as an inline command the way redis-cli would type
// it: plain tokens bare, others in double quotes with \xHH escapes (which
// sdssplitargs decodes).
func inlineLine(args [][]byte) []byte {
	var b []byte
	for i, a := range args {
		if i > 0 {
			b = append(b, ' ')
		}
		plain := len(a) > 0
		for _, ch := range a {
			if ch <= ' ' || ch >= 0x7f || ch == '"' || ch == '\'' || ch == '\\' {
				plain = false
				break
			}
		}
		if plain {
			b = append(b, a...)
			continue
		}
		b = append(b, '"')
		for _, ch := range a {
			switch {
			case ch == '"' || ch == '\\':
				b = append(b, '\\', ch)
			case ch >= ' ' && ch < 0x7f:
				b = append(b, ch)
			default:
				b = append(b, fmt.Sprintf("\\x%02x", ch)...)
			}
		}
		b = append(b, '"')
	}
	return append(b, '\r', '\n')
}

// send writes one command, as a multibulk or as an inline line.
func (c *respConn) send(args [][]byte, inline bool) error {
	if err := c.nc.SetDeadline(time.Now().Add(respTimeout)); err != nil {
		return err
	}
	if inline {
		c.w.Write(inlineLine(args))
	} else {
		c.w.WriteString("*" + strconv.Itoa(len(args)) + "\r\n")
		for _, a := range args {
			c.w.WriteString("$" + strconv.Itoa(len(a)) + "\r\n")
			c.w.Write(a)
			c.w.WriteString("\r\n")
		}
	}
	return c.w.Flush()
}

// readRaw reads one RESP2 or RESP3 reply and keeps its bytes in raw (and
// each element's in the element's raw). RESP3 types map onto the RESP2
// kinds for the parsed comparisons: null is nil, a map or set an array (a
// map flattened), a double, big number or verbatim string a bulk, a boolean
// an integer; raw keeps them apart.
func (c *respConn) readRaw() (node, error) {
	l, err := c.line()
	if err != nil {
		return node{}, err
	}
	head, body := l+"\r\n", l[1:]
	switch l[0] {
	case '+':
		return node{kind: nStatus, str: body, raw: head}, nil
	case '-':
		return node{kind: nError, str: body, raw: head}, nil
	case ':':
		n, err := strconv.ParseInt(body, 10, 64)
		if err != nil {
			return node{}, fmt.Errorf("resp: bad integer %q", l)
		}
		return node{kind: nInt, num: n, raw: head}, nil
	case '#':
		if body != "t" && body != "f" {
			return node{}, fmt.Errorf("resp: bad boolean %q", l)
		}
		return node{kind: nInt, num: map[bool]int64{true: 1}[body == "t"], raw: head}, nil
	case ',', '(':
		return node{kind: nBulk, str: body, raw: head}, nil
	case '_':
		return node{kind: nNil, raw: head}, nil
	case '$', '!', '=':
		n, err := strconv.Atoi(body)
		if err != nil || n < -1 || n == -1 && l[0] != '$' {
			return node{}, fmt.Errorf("resp: bad length %q", l)
		}
		if n == -1 {
			return node{kind: nNil, raw: head}, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			return node{}, err
		}
		if buf[n] != '\r' || buf[n+1] != '\n' {
			return node{}, errors.New("resp: bulk not terminated by CRLF")
		}
		s := string(buf[:n])
		switch l[0] {
		case '!':
			return node{kind: nError, str: s, raw: head + string(buf)}, nil
		case '=':
			s = s[min(4, len(s)):] // "txt:"
		}
		return node{kind: nBulk, str: s, raw: head + string(buf)}, nil
	case '*', '%', '~', '>':
		n, err := strconv.Atoi(body)
		if err != nil || n < -1 || n == -1 && l[0] != '*' {
			return node{}, fmt.Errorf("resp: bad aggregate length %q", l)
		}
		if n == -1 {
			return node{kind: nNilArray, raw: head}, nil
		}
		if l[0] == '%' {
			n *= 2
		}
		raw := []byte(head)
		arr := make([]node, n)
		for i := range arr {
			if arr[i], err = c.readRaw(); err != nil {
				return node{}, err
			}
			raw = append(raw, arr[i].raw...)
		}
		return node{kind: nArray, arr: arr, raw: string(raw)}, nil
	}
	return node{}, fmt.Errorf("resp: unexpected reply type in %q", l)
}

// quoteRaw renders reply bytes for a failure message, cut when long.
func quoteRaw(s string) string {
	if len(s) > 300 {
		return strconv.Quote(s[:300]) + fmt.Sprintf("...(%d bytes)", len(s))
	}
	return strconv.Quote(s)
}

// compareConnShape compares the replies of the connection commands whose
// values differ by design: CLIENT ID (any positive integer) and HELLO (the
// same fields in the same order and encoding; server, version and id only
// by type). Any other CLIENT reply is compared exactly.
func compareConnShape(name string, ref, sut node) string {
	if name == "CLIENT" {
		if ref.kind == nInt && sut.kind == nInt && ref.num > 0 && sut.num > 0 {
			return ""
		}
		return exact(ref, sut)
	}
	if ref.kind != nArray || len(ref.arr)%2 != 0 {
		return exact(ref, sut)
	}
	if sut.kind != nArray || len(sut.arr) != len(ref.arr) || ref.raw != "" && sut.raw != "" && ref.raw[0] != sut.raw[0] {
		return "HELLO replies differ in shape"
	}
	for i := 0; i < len(ref.arr); i += 2 {
		rk, sk, rv, sv := ref.arr[i], sut.arr[i], ref.arr[i+1], sut.arr[i+1]
		if why := exact(rk, sk); why != "" {
			return fmt.Sprintf("HELLO field %d: %s", i/2, why)
		}
		switch rk.str {
		case "server", "version", "id":
			if rv.kind != sv.kind {
				return fmt.Sprintf("HELLO %s: redis %v, other side %v", rk.str, rv, sv)
			}
		default:
			if why := exact(rv, sv); why != "" {
				return fmt.Sprintf("HELLO %s: %s", rk.str, why)
			}
		}
	}
	return ""
}

// diffCase is one hand-written case (diffCases, wireCases).
type diffCase = struct{ name, script string }

func TestDiffWireRandom(t *testing.T) {
	t.Parallel()
	diffRandom(t, newWireRunner(t, 2), 20, newWireGen, "TestDiffWireRandom")
}

func TestDiffWireTable(t *testing.T) {
	t.Parallel()
	diffTable(t, newWireRunner(t, 2), append(diffCases[:len(diffCases):len(diffCases)], wireCases...))
}
