package httpapi

import (
	"bytes"
	"context"
	"net/url"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/memshard/memshard/router"
)

// The key REST interface:
//
//	GET    /v1/kv/{key}           raw value; ETag: "<version>"; 404 when missing;
//	                              If-None-Match with the current ETag: 304
//	PUT    /v1/kv/{key}           body = raw value; ?ex=seconds or ?px=ms for a TTL;
//	                              If-Match: "<version>" or *, If-None-Match: * make it
//	                              conditional (412 with the current ETag when the
//	                              condition fails); 201 created, 200 replaced, {"ver":N}
//	DELETE /v1/kv/{key}           {"deleted":1}; 404 when missing; If-Match as for PUT
//	GET    /v1/kv?prefix=p&limit= JSON array of the keys starting with p, sorted
//	DELETE /v1/kv?prefix=p        {"deleted":N}
//
// A version is the change number of the key's last write: it grows with
// every write, and a key that does not exist has none. The key is the
// rest of the path after /v1/kv/, URL-unescaped ("/" included).

const kvPrefix = "/v1/kv"

// kv serves /v1/kv and /v1/kv/{key}; it reports false when path is not one
// of them.
func (s *Server) kv(ctx *fasthttp.RequestCtx, p perm, path []byte) bool {
	rest, ok := bytes.CutPrefix(path, []byte(kvPrefix))
	if !ok || (len(rest) > 0 && rest[0] != '/') {
		return false
	}
	if len(rest) <= 1 {
		s.kvPrefix(ctx, p)
		return true
	}
	key, err := url.PathUnescape(string(rest[1:]))
	if err != nil {
		s.fail(ctx, fasthttp.StatusBadRequest, "ERR invalid escape in the request path")
		return true
	}
	switch {
	case ctx.IsGet() || ctx.IsHead():
		s.kvGet(ctx, []byte(key))
	case ctx.IsPut():
		if s.kvWritable(ctx, p) {
			s.kvPut(ctx, []byte(key))
		}
	case ctx.IsDelete():
		if s.kvWritable(ctx, p) {
			s.kvDelete(ctx, []byte(key))
		}
	default:
		ctx.Response.Header.Set("Allow", "GET, HEAD, PUT, DELETE, OPTIONS")
		s.fail(ctx, fasthttp.StatusMethodNotAllowed, "ERR method not allowed")
	}
	return true
}

func (s *Server) kvWritable(ctx *fasthttp.RequestCtx, p perm) bool {
	if p == permRead {
		s.fail(ctx, fasthttp.StatusForbidden, "NOPERM this token has no permissions to write")
		return false
	}
	return true
}

func (s *Server) kvGet(ctx *fasthttp.RequestCtx, key []byte) {
	sess := s.session()
	defer s.release(sess)
	res := sess.KVGet(context.Background(), key)
	switch {
	case res.Err.Kind != 0:
		s.fail(ctx, fasthttp.StatusBadRequest, string(res.Err.Str))
		return
	case !res.Found:
		s.fail(ctx, fasthttp.StatusNotFound, "ERR no such key")
		return
	}
	setETag(ctx, res.Ver)
	if inm := ctx.Request.Header.Peek("If-None-Match"); len(inm) > 0 && etagListHas(inm, res.Ver) {
		ctx.SetStatusCode(fasthttp.StatusNotModified)
		return
	}
	ctx.SetContentType("application/octet-stream")
	ctx.SetBody(res.Value)
}

func (s *Server) kvPut(ctx *fasthttp.RequestCtx, key []byte) {
	cond, ver, ok := s.precondition(ctx)
	if !ok {
		return
	}
	ttl, ok := s.kvTTL(ctx)
	if !ok {
		return
	}
	sess := s.session()
	defer s.release(sess)
	res := sess.KVPut(context.Background(), key, ctx.PostBody(), cond, ver, ttl)
	switch {
	case res.Err.Kind != 0:
		s.fail(ctx, fasthttp.StatusBadRequest, string(res.Err.Str))
	case !res.OK:
		s.preconditionFailed(ctx, res.Ver)
	default:
		setETag(ctx, res.Ver)
		status := fasthttp.StatusCreated
		if res.Existed {
			status = fasthttp.StatusOK
		}
		s.writeVer(ctx, status, "ver", res.Ver)
	}
}

func (s *Server) kvDelete(ctx *fasthttp.RequestCtx, key []byte) {
	cond, ver, ok := s.precondition(ctx)
	if !ok {
		return
	}
	sess := s.session()
	defer s.release(sess)
	res := sess.KVDelete(context.Background(), key, cond, ver)
	switch {
	case res.Err.Kind != 0:
		s.fail(ctx, fasthttp.StatusBadRequest, string(res.Err.Str))
	case res.OK:
		s.writeVer(ctx, fasthttp.StatusOK, "deleted", 1)
	case res.Ver != 0 || cond == router.CondExists || (cond == router.CondMatch && ver != 0):
		s.preconditionFailed(ctx, res.Ver)
	default:
		s.fail(ctx, fasthttp.StatusNotFound, "ERR no such key")
	}
}

// kvPrefix serves GET and DELETE /v1/kv?prefix=p.
func (s *Server) kvPrefix(ctx *fasthttp.RequestCtx, p perm) {
	args := ctx.QueryArgs()
	prefix := args.Peek("prefix")
	sess := s.session()
	defer s.release(sess)
	switch {
	case ctx.IsGet() || ctx.IsHead():
		limit := 0
		if l := args.Peek("limit"); len(l) > 0 {
			n, err := strconv.Atoi(string(l))
			if err != nil || n < 0 {
				s.fail(ctx, fasthttp.StatusBadRequest, "ERR limit must be a whole number >= 0")
				return
			}
			limit = n
		}
		keys, errRep := sess.KeysWithPrefix(context.Background(), prefix, limit)
		if errRep.Kind != 0 {
			s.fail(ctx, fasthttp.StatusServiceUnavailable, string(errRep.Str))
			return
		}
		b64 := wantsBase64(ctx)
		b := s.buf()
		*b = append(*b, '[')
		for i, k := range keys {
			if i > 0 {
				*b = append(*b, ',')
			}
			*b = appendString(*b, k, b64)
		}
		*b = append(*b, ']')
		s.write(ctx, fasthttp.StatusOK, contentJSON, b)
	case ctx.IsDelete():
		if !args.Has("prefix") {
			s.fail(ctx, fasthttp.StatusBadRequest, "ERR DELETE /v1/kv needs ?prefix= (an empty prefix deletes every key)")
			return
		}
		if !s.kvWritable(ctx, p) {
			return
		}
		n, errRep := sess.DeletePrefix(context.Background(), prefix)
		if errRep.Kind != 0 {
			s.fail(ctx, fasthttp.StatusServiceUnavailable, string(errRep.Str))
			return
		}
		s.writeVer(ctx, fasthttp.StatusOK, "deleted", uint64(n))
	default:
		ctx.Response.Header.Set("Allow", "GET, HEAD, DELETE, OPTIONS")
		s.fail(ctx, fasthttp.StatusMethodNotAllowed, "ERR method not allowed")
	}
}

// precondition reads If-Match and If-None-Match: * (the only If-None-Match
// a write honours).
func (s *Server) precondition(ctx *fasthttp.RequestCtx) (router.Cond, uint64, bool) {
	im := trimOWS(ctx.Request.Header.Peek("If-Match"))
	inm := trimOWS(ctx.Request.Header.Peek("If-None-Match"))
	switch {
	case len(im) > 0 && len(inm) > 0:
		s.fail(ctx, fasthttp.StatusBadRequest, "ERR use either If-Match or If-None-Match, not both")
	case len(inm) > 0:
		if string(inm) == "*" {
			return router.CondAbsent, 0, true
		}
		s.fail(ctx, fasthttp.StatusBadRequest, "ERR a write takes only If-None-Match: *")
	case string(im) == "*":
		return router.CondExists, 0, true
	case len(im) > 0:
		v, ok := parseETag(im)
		if ok {
			return router.CondMatch, v, true
		}
		s.fail(ctx, fasthttp.StatusBadRequest, `ERR If-Match must be one ETag such as "42", or *`)
	default:
		return router.CondAny, 0, true
	}
	return 0, 0, false
}

// kvTTL reads ?ex=seconds or ?px=milliseconds; 0 means no TTL.
func (s *Server) kvTTL(ctx *fasthttp.RequestCtx) (int64, bool) {
	args := ctx.QueryArgs()
	ex, px := args.Peek("ex"), args.Peek("px")
	if len(ex) > 0 && len(px) > 0 {
		s.fail(ctx, fasthttp.StatusBadRequest, "ERR use either ex or px, not both")
		return 0, false
	}
	raw, unit := ex, int64(time.Second/time.Millisecond)
	if len(px) > 0 {
		raw, unit = px, 1
	}
	if len(raw) == 0 {
		return 0, true
	}
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/unit {
		s.fail(ctx, fasthttp.StatusBadRequest, "ERR invalid expire time")
		return 0, false
	}
	return n * unit, true
}

func (s *Server) preconditionFailed(ctx *fasthttp.RequestCtx, cur uint64) {
	msg := "ERR precondition failed: the key does not exist"
	if cur != 0 {
		setETag(ctx, cur)
		msg = "ERR precondition failed: the key's version is " + strconv.FormatUint(cur, 10)
	}
	s.fail(ctx, fasthttp.StatusPreconditionFailed, msg)
}

// writeVer answers {"<name>":n}.
func (s *Server) writeVer(ctx *fasthttp.RequestCtx, status int, name string, n uint64) {
	b := s.buf()
	*b = append(*b, `{"`...)
	*b = append(*b, name...)
	*b = append(*b, `":`...)
	*b = strconv.AppendUint(*b, n, 10)
	*b = append(*b, '}')
	s.write(ctx, status, contentJSON, b)
}

func setETag(ctx *fasthttp.RequestCtx, ver uint64) {
	var buf [24]byte
	b := append(buf[:0], '"')
	b = strconv.AppendUint(b, ver, 10)
	b = append(b, '"')
	ctx.Response.Header.SetBytesV("ETag", b)
	ctx.Response.Header.Set("Access-Control-Expose-Headers", "ETag") // readable by browser scripts
}

// parseETag reads one ETag, "42" (W/"42" and a bare 42 are accepted too).
func parseETag(b []byte) (uint64, bool) {
	b = bytes.TrimPrefix(trimOWS(b), []byte("W/"))
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	v, err := strconv.ParseUint(string(b), 10, 64)
	return v, err == nil && v != 0
}

// etagListHas reports whether an If-None-Match list names version ver (or
// is *).
func etagListHas(list []byte, ver uint64) bool {
	for item := range bytes.SplitSeq(list, []byte(",")) {
		item = trimOWS(item)
		if string(item) == "*" {
			return true
		}
		if v, ok := parseETag(item); ok && v == ver {
			return true
		}
	}
	return false
}
