package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"

	"github.com/coder/websocket"
)

// wsClient is one WebSocket session on memshard's /v1/ws: it writes n
// {"type":"cmd"} messages, then reads the n results, which come back in
// order.
type wsClient struct {
	conn  *websocket.Conn
	ctx   context.Context
	sc    Scenario
	value []byte
	keys  keyGen
	id    int
	out   []byte
	in    bytes.Buffer
}

// wsDialer returns the dial function of a WebSocket scenario against the
// memshard HTTP listener at addr.
func wsDialer(addr string, sc Scenario) dialFunc {
	value := Value(sc.ValueSize)
	return func(ctx context.Context, i int) (batcher, error) {
		conn, _, err := websocket.Dial(ctx, "ws://"+addr+"/v1/ws", nil)
		if err != nil {
			return nil, err
		}
		conn.SetReadLimit(64 << 20)
		return &wsClient{conn: conn, ctx: ctx, sc: sc, value: value, keys: newKeyGen(i, sc.KeySpace)}, nil
	}
}

// appendWSCommand appends {"type":"cmd","id":"<id>","cmd":[...]}.
func appendWSCommand(dst []byte, id int, cmd string, key, space int, value []byte) []byte {
	dst = append(dst, `{"type":"cmd","id":"`...)
	dst = strconv.AppendInt(dst, int64(id), 10)
	dst = append(dst, `","cmd":`...)
	dst = appendJSONCommand(dst, cmd, key, space, value)
	return append(dst, '}')
}

func (c *wsClient) batch(n int) (int, error) {
	for range n {
		c.id++
		c.out = appendWSCommand(c.out[:0], c.id, c.sc.Command, c.keys.next(), c.sc.KeySpace, c.value)
		if err := c.conn.Write(c.ctx, websocket.MessageText, c.out); err != nil {
			return 0, err
		}
	}
	errs := 0
	for range n {
		_, r, err := c.conn.Reader(c.ctx)
		if err != nil {
			return errs, err
		}
		c.in.Reset()
		if _, err := c.in.ReadFrom(r); err != nil && err != io.EOF {
			return errs, err
		}
		msg := c.in.Bytes()
		switch {
		case bytes.HasPrefix(msg, []byte(`{"type":"result"`)):
		case bytes.HasPrefix(msg, []byte(`{"type":"error"`)):
			errs++
		default:
			return errs, fmt.Errorf("unexpected WebSocket message %.80q", msg)
		}
	}
	return errs, nil
}

func (c *wsClient) close() error { return c.conn.CloseNow() }
