package resp

import (
	"math"
	"strconv"

	"github.com/memshard/memshard/shard/reply"
)

// The encoders append one RESP value to dst and return the extended slice,
// as strconv's Append functions do; they allocate only when dst must grow.
// Any goroutine may call them.

// AppendReply appends r in RESP2 (proto 2) or RESP3 (proto 3; any other
// value means RESP2), rendered as Redis 7.0 renders each kind (see the
// package doc). Arrays and maps recurse. A map whose Arr has an odd length
// gets a nil value for its last key.
func AppendReply(dst []byte, r reply.Reply, proto int) []byte {
	switch r.Kind {
	case reply.KindNil:
		return AppendNull(dst, proto)
	case reply.KindNilArray:
		if proto == 3 {
			return append(dst, "_\r\n"...)
		}
		return append(dst, "*-1\r\n"...)
	case reply.KindStatus:
		return appendSimple(dst, '+', r.Str)
	case reply.KindError:
		return appendSimple(dst, '-', r.Str)
	case reply.KindInt:
		return AppendInt(dst, r.Int)
	case reply.KindBulk:
		return AppendBulk(dst, r.Str)
	case reply.KindDouble:
		return appendDouble(dst, r.Dbl, proto)
	case reply.KindArray:
		dst = AppendArrayHeader(dst, len(r.Arr))
		for i := range r.Arr {
			dst = AppendReply(dst, r.Arr[i], proto)
		}
		return dst
	case reply.KindMap:
		dst = AppendMapHeader(dst, (len(r.Arr)+1)/2, proto)
		for i := range r.Arr {
			dst = AppendReply(dst, r.Arr[i], proto)
		}
		if len(r.Arr)%2 == 1 {
			dst = AppendNull(dst, proto)
		}
		return dst
	}
	return AppendError(dst, "ERR internal error: reply of unknown kind "+strconv.Itoa(int(r.Kind)))
}

// AppendError appends the error msg, which starts with its prefix ("ERR
// ...", "WRONGTYPE ..."): "-" msg CRLF. A '\r' or '\n' in msg becomes a
// space, as in Redis, so the reply stays one line.
func AppendError(dst []byte, msg string) []byte { return appendSimple(dst, '-', msg) }

// AppendStatus appends the simple string s: "+" s CRLF, with any '\r' or
// '\n' in s turned into a space.
func AppendStatus(dst []byte, s string) []byte { return appendSimple(dst, '+', s) }

// AppendInt appends the integer n: ":" n CRLF.
func AppendInt(dst []byte, n int64) []byte {
	dst = append(dst, ':')
	dst = strconv.AppendInt(dst, n, 10)
	return append(dst, '\r', '\n')
}

// AppendBulk appends the bulk string b: "$" len CRLF b CRLF. A nil b is the
// empty string; use AppendNull for a nil reply.
func AppendBulk(dst []byte, b []byte) []byte {
	dst = append(dst, '$')
	dst = strconv.AppendInt(dst, int64(len(b)), 10)
	dst = append(dst, '\r', '\n')
	dst = append(dst, b...)
	return append(dst, '\r', '\n')
}

// AppendBulkHeader appends the header of a bulk string of n bytes: "$" n
// CRLF; the caller writes the data and its CRLF.
func AppendBulkHeader(dst []byte, n int) []byte {
	dst = append(dst, '$')
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, '\r', '\n')
}

// AppendArrayHeader appends the header of an array of n elements: "*" n
// CRLF. The caller appends the n elements.
func AppendArrayHeader(dst []byte, n int) []byte {
	dst = append(dst, '*')
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, '\r', '\n')
}

// AppendMapHeader appends the header of a map of n key/value pairs: RESP3
// "%" n CRLF, RESP2 an array of 2n elements. The caller appends the keys
// and values, alternating.
func AppendMapHeader(dst []byte, n int, proto int) []byte {
	if proto != 3 {
		return AppendArrayHeader(dst, 2*n)
	}
	dst = append(dst, '%')
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, '\r', '\n')
}

// AppendNull appends the nil reply: RESP2 "$-1" CRLF (a nil bulk string),
// RESP3 "_" CRLF.
func AppendNull(dst []byte, proto int) []byte {
	if proto == 3 {
		return append(dst, "_\r\n"...)
	}
	return append(dst, "$-1\r\n"...)
}

// appendSimple appends a one-line reply: prefix, s with '\r' and '\n'
// turned into spaces, CRLF.
func appendSimple[T string | []byte](dst []byte, prefix byte, s T) []byte {
	dst = append(dst, prefix)
	start := len(dst)
	dst = append(dst, s...)
	for i := start; i < len(dst); i++ {
		if dst[i] == '\r' || dst[i] == '\n' {
			dst[i] = ' '
		}
	}
	return append(dst, '\r', '\n')
}

// maxDoubleLen is the longest text appendDoubleText produces:
// "-2.2250738585072014e-308".
const maxDoubleLen = 24

// appendDouble appends f as Redis's addReplyDouble does: RESP3 ","
// text CRLF, RESP2 a bulk string of the same text.
func appendDouble(dst []byte, f float64, proto int) []byte {
	if proto == 3 {
		dst = append(dst, ',')
		dst = appendDoubleText(dst, f)
		return append(dst, '\r', '\n')
	}
	var buf [maxDoubleLen]byte
	return AppendBulk(dst, appendDoubleText(buf[:0], f))
}

// appendDoubleText appends f as C's printf("%.17g") prints it on glibc,
// with the infinities spelt inf and -inf as Redis spells them.
func appendDoubleText(dst []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(dst, "inf"...)
	case math.IsInf(f, -1):
		return append(dst, "-inf"...)
	case math.IsNaN(f):
		if math.Signbit(f) {
			return append(dst, "-nan"...)
		}
		return append(dst, "nan"...)
	}
	return strconv.AppendFloat(dst, f, 'g', 17, 64)
}
