package shard

import (
	"math"

	"github.com/memshard/memshard/shard/reply"
)

// Helpers shared by the command handlers (cmd_*.go). Handlers run on the
// shard's goroutine only.

// maxStringLen is the largest string a command may build (Redis's default
// proto-max-bulk-len, 512MB).
const maxStringLen = 512 << 20

// parseInt parses b as Redis's string2ll does: an optional '-', then decimal
// digits without leading zeros ("0" alone excepted), at most 20 bytes, no
// '+', no spaces, within int64.
// ParseInt parses a Redis integer argument strictly, as Redis's string2ll
// does: optional minus, no plus, no leading zeros, no "-0", within int64.
func ParseInt(b []byte) (int64, bool) { return parseInt(b) }

// EqualFold reports whether an option argument names word (ASCII, any case),
// reading the argument as Redis does, up to a NUL byte.
func EqualFold(b []byte, word string) bool { return eqFold(b, word) }

func parseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	if b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (math.MaxUint64-9)/10 {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return int64(-v), true // -(1<<63) wraps to MinInt64 as intended
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// eqFold reports whether b equals word ignoring ASCII case only, as Redis's
// strcasecmp does (bytes.EqualFold would also fold Unicode: "\u212a" is "K").
func eqFold(b []byte, word string) bool {
	// Redis compares option names with strcasecmp: a NUL ends the argument.
	if len(b) > len(word) && b[len(word)] == 0 {
		b = b[:len(word)]
	}
	if len(b) != len(word) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if upper(b[i]) != upper(word[i]) {
			return false
		}
	}
	return true
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - ('a' - 'A')
	}
	return c
}

// notString reports whether the live entry e holds a value of another type
// than string; a string command then answers ErrWrongType.
func notString(e *entry) bool { return e.typ != typeString }

// typeName is the TYPE name of t.
func typeName(t valueType) string {
	switch t {
	case typeString:
		return "string"
	}
	return "unknown"
}

// bulkStr is ks.bulk for bytes held as a string (a key), without a conversion.
func (ks *Keyspace) bulkStr(s string) reply.Reply {
	dst := ks.reserve(len(s))
	copy(dst, s)
	return reply.Reply{Kind: reply.KindBulk, Str: dst}
}

// AppendLower appends s to dst with ASCII letters in lower case (command
// names: the transports look names up in lower case without allocating by
// passing a stack array's [:0] as dst).
func AppendLower(dst, s []byte) []byte {
	for _, ch := range s {
		if 'A' <= ch && ch <= 'Z' {
			ch += 'a' - 'A'
		}
		dst = append(dst, ch)
	}
	return dst
}
