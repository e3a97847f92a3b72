package httpapi

import (
	"context"
	"encoding/base64"
	"strconv"
	"unicode/utf8"

	"github.com/memshard/memshard/router"
	"github.com/memshard/memshard/shard/reply"
	"github.com/memshard/memshard/transport/text"
)

// A reply is encoded into a response body only while the body stays within
// Config.MaxResponse: before each reply is appended its encoded size is
// known (an upper bound first, the exact size when the bound does not
// fit), so a body over the limit is never built. A pipeline runs part by
// part (router.Session.SetReplyBudget), each part encoded as it comes and
// its replies forgotten, and stops at the first reply that does not fit:
// the commands before it have run (and stay run, as Redis runs a command
// before it disconnects a client over its output limit), the ones after
// it mostly have not, and the client gets one error naming the limit
// instead of the replies. A transaction's replies are built whole by the
// shards (atomic work runs whole); only their encoding is bounded.

// partBudget is the reply memory a pipeline's part may take on each shard
// (router.Session.SetReplyBudget), at most the response limit.
const partBudget = 256 << 10

// closeRoom is what a body needs after its last entry: the closing
// brackets of the widest body built (the WebSocket "]}").
const closeRoom = 2

// overLimitMsg is the error a reply over the limit answers.
func overLimitMsg(limit int) []byte {
	return []byte("ERR reply exceeds http-max-response (" + strconv.Itoa(limit) + " bytes)")
}

// within appends replies' encodings to b while it stays within limit; over
// is set, and b left as it was, at the first one that would pass it.
type within struct {
	b     []byte
	limit int
	n     int  // elements appended to the current array
	over  bool // a reply did not fit
}

// add appends r as the next element of a JSON array (a comma before all
// but the first): its {"result"}/{"error"} entry, or its plain value. It
// reports false once a reply has not fitted.
func (w *within) add(r reply.Reply, b64, entry bool) bool {
	if w.over {
		return false
	}
	sep := min(w.n, 1)
	room := w.limit - len(w.b) - sep - closeRoom
	need := encodedMax(r, b64, entry)
	if need > room {
		if need = encodedLen(r, b64, entry); need > room {
			w.over = true
			return false
		}
	}
	if len(w.b)+sep+need > cap(w.b) {
		w.grow(sep + need)
	}
	if sep > 0 {
		w.b = append(w.b, ',')
	}
	if entry {
		w.b = AppendEntry(w.b, r, b64)
	} else {
		w.b = AppendValue(w.b, r, b64)
	}
	w.n++
	return true
}

// grow makes room for n more bytes: it doubles the buffer (append grows a
// large one by a quarter, copying five times the final size on the way),
// never past the limit.
func (w *within) grow(n int) {
	size := min(max(2*cap(w.b), len(w.b)+n), w.limit)
	b := make([]byte, len(w.b), max(size, len(w.b)+n))
	copy(b, w.b)
	w.b = b
}

// addAll adds every reply in turn.
func (w *within) addAll(replies []reply.Reply, b64, entry bool) bool {
	for _, r := range replies {
		if !w.add(r, b64, entry) {
			return false
		}
	}
	return true
}

// runPipeline finishes the pipeline Start began on sess part by part,
// adding each reply's entry to w as its part comes; it stops at the first
// reply that does not fit, leaving the rest of the pipeline unrun (the
// session's next Start settles what is still in flight).
func runPipeline(w *within, sess *router.Session, cmds [][][]byte, b64 bool) bool {
	for {
		part, done := sess.FinishPart(context.Background(), cmds)
		if !w.addAll(part, b64, true) {
			return false
		}
		if done {
			return true
		}
	}
}

// renderWithin appends q's MemFast text for r to dst unless the text
// would be longer than limit. The text is JSON for arrays and raw for
// strings, so encodedMax bounds it from above and the bytes of its
// strings from below: one over the limit is never rendered, one between
// the bounds is rendered and measured.
func renderWithin(dst []byte, q text.Query, r reply.Reply, limit int) ([]byte, bool) {
	if encodedMax(r, false, false) > limit && stringBytes(r) > limit {
		return dst, false
	}
	n := len(dst)
	if dst = q.AppendRender(dst, r); len(dst)-n > limit {
		return dst[:n], false
	}
	return dst, true
}

// stringBytes is the bytes of r's strings, nested ones included.
func stringBytes(r reply.Reply) int {
	n := len(r.Str)
	for _, e := range r.Arr {
		n += stringBytes(e)
	}
	return n
}

// encodedMax bounds from above the bytes AppendEntry (entry) or
// AppendValue would append for r, without reading its strings.
func encodedMax(r reply.Reply, b64, entry bool) int {
	n := 0
	if entry {
		n = len(`{"result":}`)
	}
	switch r.Kind {
	case reply.KindStatus, reply.KindBulk:
		return n + stringMax(len(r.Str), b64)
	case reply.KindError: // never base64
		return n + len(`{"error":}`) + stringMax(len(r.Str), false)
	case reply.KindArray:
		n += 2 + len(r.Arr)
		for _, e := range r.Arr {
			n += encodedMax(e, b64, false)
		}
		return n
	case reply.KindMap:
		// Also a bound for MemFast text (renderWithin), which writes a map
		// as a JSON object: a key that is no string becomes one, escaped,
		// and a missing last value null.
		n += 2 + len(r.Arr) + len("null")
		for _, e := range r.Arr {
			n += 2 + 6*encodedMax(e, b64, false)
		}
		return n
	}
	return n + 48 // null, an integer, a double's text as a string
}

// stringMax bounds appendString's output for a string of n bytes.
func stringMax(n int, b64 bool) int {
	if b64 {
		return 2 + base64.StdEncoding.EncodedLen(n)
	}
	return 2 + 6*n // \u00XX, or \ufffd for an invalid byte
}

// encodedLen is exactly the bytes AppendEntry (entry) or AppendValue
// would append for r.
func encodedLen(r reply.Reply, b64, entry bool) int {
	if r.Kind == reply.KindError {
		return len(`{"error":}`) + stringLen(r.Str, false)
	}
	if !entry {
		return valueLen(r, b64)
	}
	if b64 && (r.Kind == reply.KindStatus || r.Kind == reply.KindBulk) && string(r.Str) == "OK" {
		return len(`{"result":"OK"}`)
	}
	return len(`{"result":}`) + valueLen(r, b64)
}

// valueLen is exactly the bytes AppendValue appends for r.
func valueLen(r reply.Reply, b64 bool) int {
	switch r.Kind {
	case reply.KindStatus, reply.KindBulk:
		return stringLen(r.Str, b64)
	case reply.KindInt:
		var num [24]byte
		return len(strconv.AppendInt(num[:0], r.Int, 10))
	case reply.KindDouble:
		var num [32]byte
		return stringLen(text.AppendGeneric(num[:0], r), b64)
	case reply.KindError:
		return len(`{"error":}`) + stringLen(r.Str, false)
	case reply.KindArray, reply.KindMap:
		n := 2 + max(len(r.Arr)-1, 0)
		for _, e := range r.Arr {
			n += valueLen(e, b64)
		}
		return n
	}
	return len("null")
}

// stringLen is exactly the bytes appendString appends for s.
func stringLen(s []byte, b64 bool) int {
	if b64 {
		return 2 + base64.StdEncoding.EncodedLen(len(s))
	}
	n := 2
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\' || c == '\n' || c == '\r' || c == '\t':
				n += 2
			case c < 0x20 || c == 0x7f:
				n += 6
			default:
				n++
			}
			i++
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && size == 1 {
			n += 6
		} else {
			n += size
		}
		i += size
	}
	return n
}
