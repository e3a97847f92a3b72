package text

import (
	"math"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/memshard/memshard/shard/reply"
)

// Fixed reply texts.
const (
	textNil   = "Nil"
	textTrue  = "true"
	textFalse = "false"
)

// RenderGeneric renders r as the MemFast text of a command that has no
// MemFast-specific reply (see AppendGeneric). Safe for concurrent use.
func RenderGeneric(r reply.Reply) string {
	switch r.Kind {
	case reply.KindNil, reply.KindNilArray:
		return textNil
	case reply.KindStatus, reply.KindBulk, reply.KindError:
		return string(r.Str)
	case reply.KindInt:
		return strconv.FormatInt(r.Int, 10)
	}
	buf := acquireBuf()
	*buf = AppendGeneric(*buf, r)
	s := string(*buf)
	releaseBuf(buf)
	return s
}

// maxPooledBuf is the largest scratch buffer put back into bufPool; a
// rendering that grew one past it lets it go.
const maxPooledBuf = 64 << 10

// bufPool holds scratch buffers for the string-returning renderers, which
// cannot use the stack: appendJSON is recursive, so dst escapes.
var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// acquireBuf returns an empty scratch buffer; give it back with releaseBuf.
func acquireBuf() *[]byte { return bufPool.Get().(*[]byte) }

// releaseBuf empties b and returns it to the pool unless it grew too large.
func releaseBuf(b *[]byte) {
	if cap(*b) > maxPooledBuf {
		return
	}
	*b = (*b)[:0]
	bufPool.Put(b)
}

// AppendGeneric appends the generic MemFast text of r to dst and returns the
// extended slice. Safe for concurrent use; it allocates only to grow dst.
//
//   - status, bulk and error replies: their bytes, unchanged ("ERR ..." stays
//     "ERR ...")
//   - nil and nil array: Nil
//   - integer: decimal
//   - double: see appendDouble; inf, -inf and nan by name
//   - array: a JSON array, map: a JSON object (see appendJSON)
func AppendGeneric(dst []byte, r reply.Reply) []byte {
	switch r.Kind {
	case reply.KindNil, reply.KindNilArray:
		return append(dst, textNil...)
	case reply.KindStatus, reply.KindBulk, reply.KindError:
		return append(dst, r.Str...)
	case reply.KindInt:
		return strconv.AppendInt(dst, r.Int, 10)
	case reply.KindDouble:
		return appendDouble(dst, r.Dbl)
	case reply.KindArray, reply.KindMap:
		return appendJSON(dst, r)
	}
	return append(dst, "ERR unknown reply kind"...)
}

// appendDouble formats f as Redis's %.17g picks its notation — plain for
// decimal exponents from -4 to 16, scientific otherwise — but with the
// shortest digits that read back as f, so 0.1 is 0.1 rather than Redis 7.0's
// 0.10000000000000001. Infinities and NaN are inf, -inf and nan.
func appendDouble(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		return append(dst, "nan"...)
	case f == 0:
		return strconv.AppendFloat(dst, f, 'f', -1, 64) // 0 or -0
	}
	var buf [32]byte
	e := strconv.AppendFloat(buf[:0], f, 'e', -1, 64)
	// e ends in e+XX, e-XX or e+XXX.
	exp, i := 0, len(e)-1
	for ; e[i] != '+' && e[i] != '-'; i-- {
	}
	for _, d := range e[i+1:] {
		exp = exp*10 + int(d-'0')
	}
	if e[i] == '-' {
		exp = -exp
	}
	if exp < -4 || exp >= 17 {
		return append(dst, e...)
	}
	return strconv.AppendFloat(dst, f, 'f', -1, 64)
}

// appendJSON appends r as JSON: arrays as arrays and maps as objects, nested
// to any depth. Inside them nil and nil arrays are null, integers and finite
// doubles are numbers, infinite and NaN doubles are the strings "inf", "-inf"
// and "nan", status, bulk and error replies are strings (an error is its
// text, e.g. "ERR syntax error"), and a map key that is not a string is the
// string of its generic text. Strings are binary-safe: see appendJSONString.
func appendJSON(dst []byte, r reply.Reply) []byte {
	switch r.Kind {
	case reply.KindNil, reply.KindNilArray:
		return append(dst, "null"...)
	case reply.KindStatus, reply.KindBulk, reply.KindError:
		return appendJSONString(dst, r.Str)
	case reply.KindInt:
		return strconv.AppendInt(dst, r.Int, 10)
	case reply.KindDouble:
		if math.IsInf(r.Dbl, 0) || math.IsNaN(r.Dbl) {
			dst = append(dst, '"')
			dst = appendDouble(dst, r.Dbl)
			return append(dst, '"')
		}
		return appendDouble(dst, r.Dbl)
	case reply.KindArray:
		dst = append(dst, '[')
		for i := range r.Arr {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSON(dst, r.Arr[i])
		}
		return append(dst, ']')
	case reply.KindMap:
		dst = append(dst, '{')
		for i := 0; i < len(r.Arr); i += 2 {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendJSONKey(dst, r.Arr[i])
			dst = append(dst, ':')
			if i+1 < len(r.Arr) {
				dst = appendJSON(dst, r.Arr[i+1])
			} else {
				dst = append(dst, "null"...) // a malformed map without its last value
			}
		}
		return append(dst, '}')
	}
	return appendJSONString(dst, []byte("ERR unknown reply kind"))
}

// appendJSONKey appends the object key for map key k.
func appendJSONKey(dst []byte, k reply.Reply) []byte {
	switch k.Kind {
	case reply.KindStatus, reply.KindBulk, reply.KindError:
		return appendJSONString(dst, k.Str)
	case reply.KindInt:
		dst = append(dst, '"')
		dst = strconv.AppendInt(dst, k.Int, 10)
		return append(dst, '"')
	case reply.KindDouble:
		dst = append(dst, '"')
		dst = appendDouble(dst, k.Dbl)
		return append(dst, '"')
	}
	// Nil or nested: rare enough to afford a temporary.
	return appendJSONString(dst, AppendGeneric(nil, k))
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string. Quote, backslash and control
// bytes are escaped (\n, \r, \t by name, others as \u00XX), and so are U+2028
// and U+2029; other valid UTF-8 is copied. Each byte that is not part of valid
// UTF-8 becomes \ufffd, as encoding/json does, so the output is always valid
// JSON but binary values do not round-trip.
func appendJSONString(dst []byte, s []byte) []byte {
	dst = append(dst, '"')
	start := 0 // s[start:i] is pending, to be copied as is
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRune(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
