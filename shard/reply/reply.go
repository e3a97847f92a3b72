package reply

import "strconv"

// Kind is the type of a Reply. Every transport renders each kind in its own
// dialect (RESP2/RESP3, JSON, MemFast text).
type Kind uint8

// Reply kinds.
const (
	KindNil      Kind = iota // absent value: RESP2 $-1, RESP3 _, JSON null
	KindStatus               // simple string such as OK
	KindError                // "PREFIX message", e.g. "ERR syntax error"
	KindInt                  // integer
	KindBulk                 // binary-safe string
	KindArray                // ordered list of replies
	KindMap                  // key/value pairs, stored flat in Arr (k0,v0,k1,v1,...)
	KindDouble               // floating point
	KindNilArray             // absent array: RESP2 *-1 (EXEC after a WATCH conflict)
)

// Reply is one typed command reply. Str holds the status text, the error text
// or the bulk bytes; for bulk replies produced by a shard it points into the
// owning batch's arena and is valid until that batch is recycled.
type Reply struct {
	Kind Kind
	Int  int64
	Dbl  float64
	Str  []byte
	Arr  []Reply
}

// Static replies and their constructors. None of them allocates.
var (
	okBytes     = []byte("OK")
	queuedBytes = []byte("QUEUED")
	pongBytes   = []byte("PONG")
)

// OK is the +OK status.
func OK() Reply { return Reply{Kind: KindStatus, Str: okBytes} }

// Queued is the +QUEUED status of a command inside MULTI.
func Queued() Reply { return Reply{Kind: KindStatus, Str: queuedBytes} }

// Pong is the +PONG status.
func Pong() Reply { return Reply{Kind: KindStatus, Str: pongBytes} }

// Nil is the absent-value reply.
func Nil() Reply { return Reply{Kind: KindNil} }

// Int is an integer reply.
func Int(n int64) Reply { return Reply{Kind: KindInt, Int: n} }

// Bulk is a bulk reply that aliases b (the caller keeps b unchanged).
func Bulk(b []byte) Reply { return Reply{Kind: KindBulk, Str: b} }

// BulkString is a bulk reply holding a copy of s.
func BulkString(s string) Reply { return Reply{Kind: KindBulk, Str: []byte(s)} }

// Status is a status reply with text s.
func Status(s string) Reply { return Reply{Kind: KindStatus, Str: []byte(s)} }

// Array is an array reply.
func Array(items []Reply) Reply { return Reply{Kind: KindArray, Arr: items} }

// Double is a double reply.
func Double(f float64) Reply { return Reply{Kind: KindDouble, Dbl: f} }

// Error is an error reply; msg carries its Redis prefix ("ERR ...", "WRONGTYPE ...").
// Use the Err* values below where one fits: they do not allocate.
func Error(msg string) Reply { return Reply{Kind: KindError, Str: []byte(msg)} }

// IsError reports whether r is an error reply.
func (r Reply) IsError() bool { return r.Kind == KindError }

// Clone returns a deep copy of r that shares no memory with a batch arena.
func (r Reply) Clone() Reply {
	c := r
	if r.Str != nil {
		c.Str = append([]byte(nil), r.Str...)
	}
	if r.Arr != nil {
		c.Arr = make([]Reply, len(r.Arr))
		for i := range r.Arr {
			c.Arr[i] = r.Arr[i].Clone()
		}
	}
	return c
}

// String renders r for logs and test failures (not a wire format).
func (r Reply) String() string {
	switch r.Kind {
	case KindNil:
		return "(nil)"
	case KindNilArray:
		return "(nil array)"
	case KindStatus:
		return string(r.Str)
	case KindError:
		return "(error) " + string(r.Str)
	case KindInt:
		return "(integer) " + strconv.FormatInt(r.Int, 10)
	case KindBulk:
		return strconv.Quote(string(r.Str))
	case KindDouble:
		return "(double) " + strconv.FormatFloat(r.Dbl, 'g', -1, 64)
	case KindArray, KindMap:
		s := "["
		for i, e := range r.Arr {
			if i > 0 {
				s += ", "
			}
			s += e.String()
		}
		return s + "]"
	}
	return "(unknown)"
}
