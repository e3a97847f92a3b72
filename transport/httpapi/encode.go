package httpapi

import (
	"encoding/base64"
	"strconv"
	"unicode/utf8"

	"github.com/memshard/memshard/shard/reply"
	"github.com/memshard/memshard/transport/text"
)

// AppendEntry appends the Upstash form of one command's reply:
// {"result": ...} or, for an error, {"error": "..."}. With b64, strings in
// the result are base64 (see the package doc). Safe for concurrent use.
func AppendEntry(dst []byte, r reply.Reply, b64 bool) []byte {
	if r.Kind == reply.KindError {
		return AppendError(dst, r.Str)
	}
	dst = append(dst, `{"result":`...)
	if b64 && (r.Kind == reply.KindStatus || r.Kind == reply.KindBulk) && string(r.Str) == "OK" {
		dst = appendString(dst, r.Str, false) // the client reads a whole-result OK as is
	} else {
		dst = AppendValue(dst, r, b64)
	}
	return append(dst, '}')
}

// AppendError appends {"error": msg}. Safe for concurrent use.
func AppendError(dst []byte, msg []byte) []byte {
	dst = append(dst, `{"error":`...)
	dst = appendString(dst, msg, false)
	return append(dst, '}')
}

// AppendValue appends the JSON value of r (the mapping is in the package
// doc). Safe for concurrent use.
func AppendValue(dst []byte, r reply.Reply, b64 bool) []byte {
	switch r.Kind {
	case reply.KindNil, reply.KindNilArray:
		return append(dst, "null"...)
	case reply.KindStatus, reply.KindBulk:
		return appendString(dst, r.Str, b64)
	case reply.KindInt:
		return strconv.AppendInt(dst, r.Int, 10)
	case reply.KindDouble:
		// RESP2 sends doubles as bulk strings; keep Redis's spelling.
		var num [32]byte
		return appendString(dst, text.AppendGeneric(num[:0], r), b64)
	case reply.KindError:
		return AppendError(dst, r.Str)
	case reply.KindArray, reply.KindMap:
		dst = append(dst, '[')
		for i, e := range r.Arr {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendValue(dst, e, b64)
		}
		return append(dst, ']')
	}
	return append(dst, "null"...)
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string: base64 when b64, else escaped,
// with every byte that is not part of valid UTF-8 replaced by U+FFFD.
func appendString(dst []byte, s []byte, b64 bool) []byte {
	dst = append(dst, '"')
	if b64 {
		dst = base64.StdEncoding.AppendEncode(dst, s)
		return append(dst, '"')
	}
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				dst = append(dst, '\\', c)
			case c == '\n':
				dst = append(dst, '\\', 'n')
			case c == '\r':
				dst = append(dst, '\\', 'r')
			case c == '\t':
				dst = append(dst, '\\', 't')
			case c < 0x20 || c == 0x7f:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				dst = append(dst, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+n]...)
		}
		i += n
	}
	return append(dst, '"')
}
