package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// ErrProtocol is returned for a reply the RESP parser cannot read.
var ErrProtocol = errors.New("bench: malformed RESP reply")

// appendArrayHeader appends *n\r\n.
func appendArrayHeader(dst []byte, n int) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, '\r', '\n')
}

// appendBulk appends $len\r\nb\r\n.
func appendBulk(dst, b []byte) []byte {
	dst = append(dst, '$')
	dst = strconv.AppendInt(dst, int64(len(b)), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}

// appendBulkKey appends key number i as a bulk string.
func appendBulkKey(dst []byte, prefix byte, i int) []byte {
	dst = append(dst, "$16\r\n"...)
	dst = AppendKey(dst, prefix, i)
	return append(dst, '\r', '\n')
}

// AppendCommand appends one RESP command of the given kind for key number
// key (MSET: keys key … key+MSETKeys-1, wrapping at space) with value.
func AppendCommand(dst []byte, cmd string, key, space int, value []byte) []byte {
	p := keyPrefix(cmd)
	switch cmd {
	case "GET", "INCR":
		dst = appendArrayHeader(dst, 2)
		dst = appendBulk(dst, []byte(cmd))
		return appendBulkKey(dst, p, key)
	case "SET":
		dst = appendArrayHeader(dst, 3)
		dst = append(dst, "$3\r\nSET\r\n"...)
		dst = appendBulkKey(dst, p, key)
		return appendBulk(dst, value)
	case "MSET":
		dst = appendArrayHeader(dst, 1+2*MSETKeys)
		dst = append(dst, "$4\r\nMSET\r\n"...)
		for j := range MSETKeys {
			dst = appendBulkKey(dst, p, (key+j)%space)
			dst = appendBulk(dst, value)
		}
		return dst
	}
	panic("bench: unknown command " + cmd)
}

// ReadReply reads one whole RESP2 or RESP3 reply from r, discarding it,
// and reports whether it was an error reply. Nested aggregates are read
// through; a reply split across reads is fine, as r buffers.
func ReadReply(r *bufio.Reader) (isErr bool, err error) {
	pending := 1
	first := true
	for pending > 0 {
		pending--
		kind, n, err := readHeader(r)
		if err != nil {
			return false, err
		}
		if first {
			isErr = kind == '-' || kind == '!'
			first = false
		}
		switch kind {
		case '$', '!', '=':
			if n >= 0 {
				if _, err := r.Discard(int(n) + 2); err != nil {
					return false, err
				}
			}
		case '*', '~', '>':
			pending += int(max(n, 0))
		case '%', '|':
			pending += 2 * int(max(n, 0))
		}
	}
	return isErr, nil
}

// readHeader reads one line of a reply: its type byte and, for the length
// prefixed types, the length.
func readHeader(r *bufio.Reader) (kind byte, n int64, err error) {
	line, err := r.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		// A long simple string or error: drop the rest of the line.
		kind = line[0]
		for errors.Is(err, bufio.ErrBufferFull) {
			_, err = r.ReadSlice('\n')
		}
		return kind, 0, err
	}
	if err != nil {
		if errors.Is(err, io.EOF) && len(line) > 0 {
			err = io.ErrUnexpectedEOF
		}
		return 0, 0, err
	}
	if len(line) < 3 || line[len(line)-2] != '\r' {
		return 0, 0, fmt.Errorf("%w: %q", ErrProtocol, line)
	}
	kind = line[0]
	switch kind {
	case '+', '-', ':', '_', ',', '#', '(':
		return kind, 0, nil
	case '$', '*', '%', '~', '>', '!', '=', '|':
		n, ok := parseLength(line[1 : len(line)-2])
		if !ok {
			return 0, 0, fmt.Errorf("%w: bad length %q", ErrProtocol, line)
		}
		return kind, n, nil
	}
	return 0, 0, fmt.Errorf("%w: type %q", ErrProtocol, kind)
}

// parseLength parses a RESP length: -1 or a decimal of at most 18 digits,
// without allocating.
func parseLength(b []byte) (int64, bool) {
	if len(b) == 2 && b[0] == '-' && b[1] == '1' {
		return -1, true
	}
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// respClient is one pipelined RESP connection.
type respClient struct {
	conn  net.Conn
	r     *bufio.Reader
	buf   []byte
	sc    Scenario
	value []byte
	keys  keyGen
}

func dialRESP(ctx context.Context, addr string) (net.Conn, *bufio.Reader, error) {
	var d net.Dialer
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	return c, bufio.NewReaderSize(c, 64<<10), nil
}

// respRunner returns the load of a RESP scenario against addr.
func respRunner(addr string) func(ctx context.Context, sc Scenario) (Sample, error) {
	return func(ctx context.Context, sc Scenario) (Sample, error) { return runRESP(ctx, addr, sc) }
}

// respDialer returns the dial function of a RESP scenario against addr.
func respDialer(addr string, sc Scenario) dialFunc {
	value := Value(sc.ValueSize)
	return func(ctx context.Context, i int) (batcher, error) {
		c, r, err := dialRESP(ctx, addr)
		if err != nil {
			return nil, err
		}
		return &respClient{conn: c, r: r, sc: sc, value: value, keys: newKeyGen(i, sc.KeySpace)}, nil
	}
}

func (c *respClient) batch(n int) (int, error) {
	c.buf = c.buf[:0]
	for range n {
		c.buf = AppendCommand(c.buf, c.sc.Command, c.keys.next(), c.sc.KeySpace, c.value)
	}
	if _, err := c.conn.Write(c.buf); err != nil {
		return 0, err
	}
	return readReplies(c.r, n)
}

func readReplies(r *bufio.Reader, n int) (int, error) {
	errs := 0
	for range n {
		isErr, err := ReadReply(r)
		if err != nil {
			return errs, err
		}
		if isErr {
			errs++
		}
	}
	return errs, nil
}

func (c *respClient) close() error { return c.conn.Close() }

func (c *respClient) interrupt() { c.conn.SetDeadline(time.Now()) }

// respDo sends one command and returns its reply's raw bytes up to the
// first line end and the bulk body if any: enough for PING, FLUSHALL and
// INFO.
func respDo(ctx context.Context, addr string, args ...string) (string, error) {
	c, r, err := dialRESP(ctx, addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	} else {
		c.SetDeadline(time.Now().Add(5 * time.Minute))
	}
	buf := appendArrayHeader(nil, len(args))
	for _, a := range args {
		buf = appendBulk(buf, []byte(a))
	}
	if _, err := c.Write(buf); err != nil {
		return "", err
	}
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	switch line[0] {
	case '-':
		return "", fmt.Errorf("%s: %s", args[0], line[1:len(line)-2])
	case '$':
		n, err := strconv.Atoi(line[1 : len(line)-2])
		if err != nil || n < 0 {
			return "", err
		}
		body := make([]byte, n+2)
		if _, err := io.ReadFull(r, body); err != nil {
			return "", err
		}
		return string(body[:n]), nil
	}
	return line[:len(line)-2], nil
}

// loadRESP fills key numbers 0..keys-1 with SET over conns pipelined
// connections, depth commands per batch.
func loadRESP(ctx context.Context, addr string, keys, valueSize, conns, depth int) error {
	return loadParallel(ctx, keys, conns, depth, func(ctx context.Context) (func(from, to int) error, func(), error) {
		c, r, err := dialRESP(ctx, addr)
		if err != nil {
			return nil, nil, err
		}
		value := Value(valueSize)
		var buf []byte
		send := func(from, to int) error {
			buf = buf[:0]
			for k := from; k < to; k++ {
				buf = AppendCommand(buf, "SET", k, keys, value)
			}
			if _, err := c.Write(buf); err != nil {
				return err
			}
			e, err := readReplies(r, to-from)
			if err == nil && e > 0 {
				err = fmt.Errorf("%d error replies while loading", e)
			}
			return err
		}
		return send, func() { c.Close() }, nil
	})
}
