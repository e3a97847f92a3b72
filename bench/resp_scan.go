package bench

import (
	"bytes"
	"fmt"
)

// scanReply finds the end of the one whole RESP2 or RESP3 reply at the
// start of b without copying it, reading through nested aggregates. It
// returns the reply's length and whether it is an error reply; n == 0 with
// a nil error means b holds only part of a reply so far.
func scanReply(b []byte) (n int, isErr bool, err error) {
	pos, pending := 0, 1
	for pending > 0 {
		pending--
		i := bytes.IndexByte(b[pos:], '\n')
		if i < 0 {
			return 0, false, nil
		}
		line := b[pos : pos+i+1]
		if len(line) < 3 || line[len(line)-2] != '\r' {
			return 0, false, fmt.Errorf("%w: %q", ErrProtocol, line)
		}
		kind := line[0]
		if pos == 0 {
			isErr = kind == '-' || kind == '!'
		}
		pos += len(line)
		switch kind {
		case '+', '-', ':', '_', ',', '#', '(':
			continue
		case '$', '*', '%', '~', '>', '!', '=', '|':
		default:
			return 0, false, fmt.Errorf("%w: type %q", ErrProtocol, kind)
		}
		size, ok := parseLength(line[1 : len(line)-2])
		if !ok {
			return 0, false, fmt.Errorf("%w: bad length %q", ErrProtocol, line)
		}
		switch kind {
		case '$', '!', '=':
			if size < 0 {
				continue
			}
			if int64(len(b)-pos) < size+2 {
				return 0, false, nil
			}
			pos += int(size) + 2
		case '*', '~', '>':
			pending += int(max(size, 0))
		case '%', '|':
			pending += 2 * int(max(size, 0))
		}
	}
	return pos, isErr, nil
}
