// Package resp is memshard's RESP2/RESP3 codec; the server lives in the same
// package.
//
// # Requests
//
// A Parser takes a connection's read buffer and returns every complete
// command at its start, as Redis 7.0 reads them (networking.c,
// processMultibulkBuffer and processInlineBuffer). A buffer that starts
// with '*' holds a multibulk command:
//
//	*<count>\r\n  then <count> times  $<length>\r\n<length bytes>\r\n
//
// and anything else an inline command: one line up to '\n' (a '\r' before
// it is dropped), split into arguments as redis-cli splits what is typed
// (see transport/text.Tokenize). The rules, each checked against
// redis-server 7.0.15:
//
//   - Numbers are strict decimals: no sign but a leading '-', no leading
//     zero, no spaces, at most 20 characters. Anything else is "invalid
//     multibulk length" or "invalid bulk length".
//   - A count of zero or less is an empty command: it is consumed and
//     produces nothing, as does an empty or blank inline line.
//   - A count above Limits.MaxMultibulkLen (2^31-1, Redis's INT_MAX) is
//     "invalid multibulk length"; a length below zero or above
//     Limits.MaxBulkLen (512 MiB) is "invalid bulk length".
//   - Each argument of a multibulk must start with '$', else "expected '$',
//     got 'X'".
//   - The byte after the '\r' that ends a count or length line, and the two
//     bytes after an argument's data, are skipped without being looked at.
//   - A line ends at the first '\r' (count and length lines) or '\n'
//     (inline), but a NUL byte before it hides it: Redis searches with
//     strchr. Such a line never ends, so the command waits for more input
//     until the line is too long.
//   - A line that has not ended while the buffer holds more than
//     Limits.MaxInlineLen (64 KiB) from its start is "too big inline
//     request", "too big mbulk count string" or "too big bulk count string".
//     As in Redis, a line whose end is in the buffer is accepted however
//     long it is: the limit bounds what an unended line makes the server
//     hold, so whether a long line is accepted depends on how much of it
//     came in before its end (a 70 KB inline command written at once runs,
//     in Redis and here).
//   - A connection that has not authenticated (Limits.Unauthenticated) may
//     send at most 10 arguments of at most 16384 bytes: beyond that
//     "unauthenticated multibulk length" or "unauthenticated bulk length".
//     An AUTH lifts these limits for the very next command, even one sent
//     in the same write (see Parser.Parse for how).
//
// A protocol error comes after the commands that precede it, which run; the
// server then replies with the error and closes the connection.
//
// # Replies
//
// AppendReply renders a reply.Reply in RESP2 or RESP3 as Redis 7.0 does:
//
//	kind        RESP2                    RESP3
//	status      +OK\r\n                  +OK\r\n
//	error       -ERR msg\r\n             -ERR msg\r\n
//	integer     :12\r\n                  :12\r\n
//	bulk        $3\r\nabc\r\n            $3\r\nabc\r\n
//	nil         $-1\r\n                  _\r\n
//	nil array   *-1\r\n                  _\r\n
//	array       *2\r\n...                *2\r\n...
//	map         *4\r\nk1 v1 k2 v2        %2\r\nk1 v1 k2 v2
//	double      $4\r\n1.25\r\n           ,1.25\r\n
//
// Doubles are printed with C's %.17g, infinities as inf and -inf.
package resp

import "math"

// Redis's defaults and fixed limits.
const (
	// DefaultMaxBulkLen is proto-max-bulk-len's default.
	DefaultMaxBulkLen = 512 << 20
	// DefaultMaxMultibulkLen is the largest count Redis 7.0 accepts
	// (INT_MAX). Parsing a count allocates nothing: memory grows only with
	// the arguments that actually arrive, each of them at least 6 bytes of
	// input, so the bound that matters is the server's query buffer limit.
	DefaultMaxMultibulkLen = math.MaxInt32
	// DefaultMaxInlineLen is PROTO_INLINE_MAX_SIZE.
	DefaultMaxInlineLen = 64 << 10
	// UnauthMaxMultibulkLen and UnauthMaxBulkLen bound a command before
	// the connection authenticates.
	UnauthMaxMultibulkLen = 10
	UnauthMaxBulkLen      = 16384
)

// Limits bound what a client can make the server hold. Zero (or negative)
// fields take Redis's defaults. A Limits value is plain data: copy it
// freely.
type Limits struct {
	// MaxBulkLen is the longest argument (proto-max-bulk-len), default
	// 512 MiB.
	MaxBulkLen int64
	// MaxMultibulkLen is the largest argument count, default 2^31-1 (Redis
	// 7.0's INT_MAX; Redis 6 used 1024*1024).
	MaxMultibulkLen int64
	// MaxInlineLen is the longest line: an inline command, or the count or
	// length line of a multibulk (PROTO_INLINE_MAX_SIZE), default 64 KiB.
	MaxInlineLen int
	// Unauthenticated applies Redis's stricter limits to a connection that
	// has not authenticated yet: at most 10 arguments of at most 16384
	// bytes each.
	Unauthenticated bool
}

// DefaultLimits returns Redis's defaults for an authenticated connection.
func DefaultLimits() Limits {
	return Limits{
		MaxBulkLen:      DefaultMaxBulkLen,
		MaxMultibulkLen: DefaultMaxMultibulkLen,
		MaxInlineLen:    DefaultMaxInlineLen,
	}
}

// withDefaults returns lim with its zero fields set to the defaults and its
// lengths capped so that they fit an int with room for framing.
func (lim Limits) withDefaults() Limits {
	if lim.MaxBulkLen <= 0 {
		lim.MaxBulkLen = DefaultMaxBulkLen
	}
	lim.MaxBulkLen = min(lim.MaxBulkLen, math.MaxInt-64)
	if lim.MaxMultibulkLen <= 0 {
		lim.MaxMultibulkLen = DefaultMaxMultibulkLen
	}
	lim.MaxMultibulkLen = min(lim.MaxMultibulkLen, math.MaxInt-64)
	if lim.MaxInlineLen <= 0 {
		lim.MaxInlineLen = DefaultMaxInlineLen
	}
	lim.MaxInlineLen = min(lim.MaxInlineLen, math.MaxInt-64)
	return lim
}

// ProtocolError is a client error after which Redis replies
// "-ERR Protocol error: ..." and closes the connection. Every error Parse
// returns is a *ProtocolError.
type ProtocolError struct {
	// Msg is the full reply text without "-" and CRLF, e.g.
	// "ERR Protocol error: invalid multibulk length"; pass it to
	// AppendError.
	Msg string
}

// Error returns e.Msg.
func (e *ProtocolError) Error() string { return e.Msg }

// The protocol errors, with Redis's text. "expected '$', got 'X'" is built
// when it happens (see errExpectedDollar).
var (
	errTooBigInline     = &ProtocolError{"ERR Protocol error: too big inline request"}
	errTooBigMbulkCount = &ProtocolError{"ERR Protocol error: too big mbulk count string"}
	errTooBigBulkCount  = &ProtocolError{"ERR Protocol error: too big bulk count string"}
	errUnbalancedQuotes = &ProtocolError{"ERR Protocol error: unbalanced quotes in request"}
	errInvalidMbulkLen  = &ProtocolError{"ERR Protocol error: invalid multibulk length"}
	errUnauthMbulkLen   = &ProtocolError{"ERR Protocol error: unauthenticated multibulk length"}
	errInvalidBulkLen   = &ProtocolError{"ERR Protocol error: invalid bulk length"}
	errUnauthBulkLen    = &ProtocolError{"ERR Protocol error: unauthenticated bulk length"}
)

// errExpectedDollar is the error for an argument that starts with c instead
// of '$'. Redis formats it with %c and then replaces '\r' and '\n' by
// spaces; c is never NUL (a NUL hides the end of the line, see Parse).
func errExpectedDollar(c byte) *ProtocolError {
	if c == '\r' || c == '\n' {
		c = ' '
	}
	return &ProtocolError{"ERR Protocol error: expected '$', got '" + string([]byte{c}) + "'"}
}
