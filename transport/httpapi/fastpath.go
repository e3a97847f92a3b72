package httpapi

import (
	"bytes"
	"context"
	"strconv"
	"time"

	"github.com/memshard/memshard/router"
	"github.com/memshard/memshard/shard/reply"
)

// The event loop's fast path (loop_linux.go) answers the requests that make
// up nearly all of a serverless client's traffic — POST / with a JSON
// command, POST /pipeline and POST /multi-exec, keep-alive, with a
// Content-Length body and a valid token — without fasthttp. Everything else,
// and every request the fast path would answer with anything but the
// command's own reply (malformed JSON, a refused command, a missing token,
// an oversize body …), hands the connection over to fasthttp for the rest of
// its life, so the two paths can never answer the same request differently.

// fastRoute is a route the fast path serves.
type fastRoute uint8

const (
	routeRoot      fastRoute = iota + 1 // POST /
	routePipeline                       // POST /pipeline
	routeMultiExec                      // POST /multi-exec
)

// headVerdict is what parseHead made of the start of a buffer.
type headVerdict uint8

const (
	headMore     headVerdict = iota // the head is not complete yet
	headFast                        // a fast-path request
	headHandOver                    // fasthttp must serve it
)

// errTimeout is the body of the 408 answer to a request not read in time.
const errTimeout = `{"error":"ERR request timeout"}`

// maxFastHead bounds a request head on the fast path; a longer one goes to
// fasthttp, which answers 431 past its read buffer (4 KiB).
const maxFastHead = 4000

// reqHead is what the fast path needs from a request head.
type reqHead struct {
	route   fastRoute
	size    int    // bytes of the head, the blank line included
	bodyLen int    // Content-Length
	auth    []byte // the Authorization value, aliasing the buffer; nil if absent
	host    bool   // a non-empty Host header was seen (HTTP/1.1 requires one)
	b64     int8   // Upstash-Encoding: 0 absent, 1 base64, -1 another value
}

// Request lines the fast path serves.
var (
	lineRoot      = []byte("POST / HTTP/1.1\r\n")
	linePipeline  = []byte("POST /pipeline HTTP/1.1\r\n")
	lineMultiExec = []byte("POST /multi-exec HTTP/1.1\r\n")
)

// parseHead reads the request head at the start of b. It reports headMore
// while the head is incomplete, and headHandOver for anything but an
// HTTP/1.1 POST to /, /pipeline or /multi-exec with one Host, one plain Content-Length,
// at most one Upstash-Encoding, no Transfer-Encoding, Expect or Upgrade,
// and no Connection other than keep-alive. An incomplete head is handed
// over as soon as it cannot become one of those (another request line, a
// bare LF), so the loop never holds bytes fasthttp would already answer:
// fasthttp rejects a bad request line as soon as the line ends, and takes
// a head whose lines end in a bare LF.
func parseHead(b []byte) (reqHead, headVerdict) {
	end := bytes.Index(b[:min(len(b), maxFastHead)], []byte("\r\n\r\n"))
	if end < 0 {
		if len(b) >= maxFastHead || !maybeFastHead(b) {
			return reqHead{}, headHandOver
		}
		return reqHead{}, headMore
	}
	var h reqHead
	switch {
	case bytes.HasPrefix(b, lineRoot):
		h.route, b = routeRoot, b[len(lineRoot):end+2]
	case bytes.HasPrefix(b, linePipeline):
		h.route, b = routePipeline, b[len(linePipeline):end+2]
	case bytes.HasPrefix(b, lineMultiExec):
		h.route, b = routeMultiExec, b[len(lineMultiExec):end+2]
	default:
		return reqHead{}, headHandOver
	}
	h.size, h.bodyLen = end+4, -1
	for len(b) > 0 {
		eol := bytes.Index(b, []byte("\r\n"))
		line := b[:eol]
		b = b[eol+2:]
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 || !isToken(line[:colon]) || !isFieldValue(line[colon+1:]) {
			return reqHead{}, headHandOver // folded, malformed or odd header
		}
		if !h.header(line[:colon], trimOWS(line[colon+1:])) {
			return reqHead{}, headHandOver
		}
	}
	if h.bodyLen < 0 || !h.host {
		return reqHead{}, headHandOver
	}
	return h, headFast
}

// maybeFastHead reports whether the incomplete head b can still become
// one the fast path serves: it starts like one of the request lines the
// fast path serves, and each LF in it ends a CRLF.
func maybeFastHead(b []byte) bool {
	if !startsLike(b, lineRoot) && !startsLike(b, linePipeline) && !startsLike(b, lineMultiExec) {
		return false
	}
	for i := bytes.IndexByte(b, '\n'); i >= 0; {
		if i == 0 || b[i-1] != '\r' {
			return false
		}
		j := bytes.IndexByte(b[i+1:], '\n')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return true
}

// startsLike reports whether b and line agree on their common length.
func startsLike(b, line []byte) bool {
	n := min(len(b), len(line))
	return bytes.Equal(b[:n], line[:n])
}

// isToken reports whether b is an RFC 9110 token (a header name).
func isToken(b []byte) bool {
	for _, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case bytes.IndexByte([]byte("!#$%&'*+-.^_`|~"), c) >= 0:
		default:
			return false
		}
	}
	return len(b) > 0
}

// isFieldValue reports whether b holds only header-value bytes: tab,
// space, visible ASCII and bytes of 0x80 and above.
func isFieldValue(b []byte) bool {
	for _, c := range b {
		if (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}

// header takes one header; false means fasthttp must serve the request.
func (h *reqHead) header(name, val []byte) bool {
	switch knownHeader(name) {
	case hdrContentLength:
		if h.bodyLen >= 0 || len(val) == 0 || len(val) > 10 {
			return false
		}
		n := 0
		for _, c := range val {
			if c < '0' || c > '9' {
				return false
			}
			n = n*10 + int(c-'0')
		}
		h.bodyLen = n
	case hdrHost:
		if h.host || len(val) == 0 {
			return false
		}
		h.host = true
	case hdrAuthorization:
		if h.auth != nil {
			return false
		}
		h.auth = val
	case hdrConnection:
		return bytes.EqualFold(val, []byte("keep-alive"))
	case hdrUpstashEncoding:
		if h.b64 != 0 {
			return false
		}
		h.b64 = -1
		if isBase64(val) {
			h.b64 = 1
		}
	case hdrRefused:
		return false
	}
	return true
}

// hdr is a header the fast path reads or refuses.
type hdr uint8

const (
	hdrOther hdr = iota // ignored
	hdrContentLength
	hdrHost
	hdrAuthorization
	hdrConnection
	hdrUpstashEncoding
	hdrRefused // Transfer-Encoding, Expect, Upgrade: fasthttp serves the request
)

// knownHeader classifies a header name. No two of the names it knows have
// the same length, so one case-insensitive comparison settles it.
func knownHeader(name []byte) hdr {
	var want string
	var h hdr
	switch len(name) {
	case 4:
		want, h = "Host", hdrHost
	case 6:
		want, h = "Expect", hdrRefused
	case 7:
		want, h = "Upgrade", hdrRefused
	case 10:
		want, h = "Connection", hdrConnection
	case 13:
		want, h = "Authorization", hdrAuthorization
	case 14:
		want, h = "Content-Length", hdrContentLength
	case 16:
		want, h = "Upstash-Encoding", hdrUpstashEncoding
	case 17:
		want, h = "Transfer-Encoding", hdrRefused
	default:
		return hdrOther
	}
	if !bytes.EqualFold(name, []byte(want)) {
		return hdrOther
	}
	return h
}

// fastPerm is what a fast-path request's Authorization allows; ok is
// false when fasthttp must answer (no or a wrong token).
func (s *Server) fastPerm(auth []byte) (p perm, ok bool) {
	if s.cfg.Token == "" && s.cfg.ReadOnlyToken == "" {
		return permAll, true
	}
	tok, ok := bearer(auth)
	if !ok {
		return 0, false
	}
	return s.tokenPerm(tok)
}

// fastCommands decodes a fast-path request's body with d and checks its
// commands against p; ok is false when fasthttp must answer it — also when
// a command may take long (router.Slow: DUMP, IMPORT), which must not hold
// up the loop's other connections; fasthttp runs it on the connection's own
// goroutine.
func fastCommands(d *decoder, route fastRoute, body []byte, p perm) (cmds [][][]byte, ok bool) {
	switch route {
	case routeRoot:
		body = bytes.TrimLeft(body, " \t\r\n")
		if len(body) == 0 || body[0] != '[' {
			return nil, false // a MemFast query, or an error to explain
		}
		args, err := d.command(body)
		if err != nil {
			return nil, false
		}
		d.batch = append(d.batch[:0], args)
		cmds = d.batch
	case routePipeline, routeMultiExec:
		var err error
		if cmds, err = d.pipeline(body); err != nil {
			return nil, false
		}
	}
	inTxn := route == routeMultiExec
	for _, args := range cmds {
		if st, _ := check(p, args, inTxn); st != 0 || router.Slow(args[0]) {
			return nil, false
		}
	}
	if inTxn {
		d.txn = append(append(append(d.txn[:0], multiCmd), cmds...), execCmd)
		return d.txn, true
	}
	return cmds, true
}

// appendFastReply finishes the fast-path request whose commands sess
// started (one for POST /; MULTI, the commands and EXEC for /multi-exec)
// and appends its whole HTTP answer to dst, built as the fasthttp routes
// build theirs (b64: Upstash-Encoding: base64; a body over limit answers
// over instead); body is scratch space, returned for reuse.
func appendFastReply(dst, body []byte, route fastRoute, b64 bool, sess *router.Session, cmds [][][]byte,
	limit int, over, date []byte) ([]byte, []byte) {
	status := "200 OK"
	w := within{b: body[:0], limit: limit}
	switch route {
	case routeRoot:
		rep := sess.Finish(context.Background(), cmds)[0]
		if rep.Kind == reply.KindError {
			status = "400 Bad Request"
		}
		w.add(rep, b64 && !plainReply(rep), true)
	case routePipeline:
		w.b = append(w.b, '[')
		runPipeline(&w, sess, cmds, b64)
		w.b = append(w.b, ']')
	case routeMultiExec:
		if entries, msg := txnOutcome(sess.Finish(context.Background(), cmds)); msg != "" {
			status = "400 Bad Request"
			w.b = AppendError(w.b, []byte(msg))
		} else {
			w.b = append(w.b, '[')
			w.addAll(entries, b64, true)
			w.b = append(w.b, ']')
		}
	}
	if w.over {
		status = "400 Bad Request"
		w.b = AppendError(w.b[:0], over)
	}
	return appendAnswer(dst, status, date, w.b, false), w.b
}

// appendAnswer appends an HTTP/1.1 answer with a JSON body, with the
// headers fasthttp writes for the same answer (closing: Connection: close).
func appendAnswer(dst []byte, status string, date, body []byte, closing bool) []byte {
	dst = append(dst, "HTTP/1.1 "...)
	dst = append(dst, status...)
	dst = append(dst, "\r\nDate: "...)
	dst = append(dst, date...)
	dst = append(dst, "\r\nContent-Type: "+contentJSON+"\r\nContent-Length: "...)
	dst = strconv.AppendInt(dst, int64(len(body)), 10)
	dst = append(dst, "\r\nAccess-Control-Allow-Origin: *\r\n"...)
	if closing {
		dst = append(dst, "Connection: close\r\n"...)
	}
	dst = append(dst, "\r\n"...)
	return append(dst, body...)
}

// httpDate is the Date header's value for now, refreshed once a second.
type httpDate struct {
	sec int64
	b   []byte
}

func (d *httpDate) at(now time.Time) []byte {
	if s := now.Unix(); s != d.sec || d.b == nil {
		d.sec = s
		d.b = now.UTC().AppendFormat(d.b[:0], "Mon, 02 Jan 2006 15:04:05 GMT")
	}
	return d.b
}
