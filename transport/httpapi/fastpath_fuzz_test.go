package httpapi

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/valyala/fasthttp"
)

// FuzzParseHead holds the event loop's request-head parser to fasthttp's:
// whatever parseHead takes for the fast path, fasthttp must read as the
// same request (method, path, body length, Authorization), so a request
// never means one thing to the loop and another to fasthttp.
func FuzzParseHead(f *testing.F) {
	for _, s := range []string{
		rawPost("/", `["GET","k"]`),
		rawPost("/pipeline", `[["GET","k"]]`, "Authorization: Bearer t"),
		rawPost("/", `["GET","k"]`, "Upstash-Encoding: base64"),
		rawPost("/multi-exec", `[["GET","k"]]`),
		"POST / HTTP/1.1\r\nhost: x\r\ncontent-length:   11 \r\nconnection: Keep-Alive\r\n\r\n[\"GET\",\"k\"]",
		"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 11\r\nContent-Length: 11\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\n Folded: y\r\nContent-Length: 0\r\n\r\n",
		"GET /livez HTTP/1.1\r\nHost: x\r\n\r\n",
		"POST / HTTP/1.1\r\nContent-Length: 0\r\n\r\n",
		"HELLO\r\n",
		"POST / HTTP1\r\nHost: x\r\n",
		"POST /pipeline HTTP/1.1\r\nHost: x\n",
		"POST /multi-exec HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n",
		"POST /pipe",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, v := parseHead(b)
		if v == headMore {
			// The loop holds b for more bytes: fasthttp must be waiting
			// for more too, neither answering nor taking a head.
			var req fasthttp.Request
			err := req.Header.Read(bufio.NewReader(bytes.NewReader(b)))
			if !errors.Is(err, io.EOF) {
				t.Fatalf("the loop waits for more after %q; fasthttp: %v", b, err)
			}
			return
		}
		if v != headFast {
			return
		}
		if h.size > len(b) || h.bodyLen < 0 || !bytes.HasSuffix(b[:h.size], []byte("\r\n\r\n")) {
			t.Fatalf("head %+v of %q", h, b)
		}
		var req fasthttp.Request
		req.Header.DisableNormalizing()
		if err := req.Header.Read(bufio.NewReader(bytes.NewReader(b[:h.size]))); err != nil {
			t.Fatalf("fast path takes %q; fasthttp: %v", b[:h.size], err)
		}
		path := map[fastRoute]string{routeRoot: "/", routePipeline: "/pipeline", routeMultiExec: "/multi-exec"}[h.route]
		switch {
		case string(req.Header.Method()) != "POST" || string(req.Header.RequestURI()) != path:
			t.Fatalf("%q: fasthttp reads %s %s", b, req.Header.Method(), req.Header.RequestURI())
		case req.Header.ContentLength() != h.bodyLen:
			t.Fatalf("%q: Content-Length %d, fasthttp %d", b, h.bodyLen, req.Header.ContentLength())
		case req.Header.ConnectionClose():
			t.Fatalf("%q: fasthttp reads Connection: close", b)
		case (h.b64 > 0) != isBase64(peekFold(&req.Header, "Upstash-Encoding")):
			t.Fatalf("%q: base64 %d, fasthttp %q", b, h.b64, peekFold(&req.Header, "Upstash-Encoding"))
		case !bytes.Equal(peekFold(&req.Header, "Authorization"), h.auth):
			t.Fatalf("%q: Authorization %q, fasthttp %q", b, h.auth, peekFold(&req.Header, "Authorization"))
		}
	})
}

// peekFold is the value of the header named name in any case, nil if absent.
func peekFold(h *fasthttp.RequestHeader, name string) []byte {
	var v []byte
	h.VisitAll(func(k, val []byte) {
		if v == nil && bytes.EqualFold(k, []byte(name)) {
			v = append([]byte{}, val...)
		}
	})
	return v
}

// BenchmarkParseHead parses the head the Node.js fetch under
// @upstash/redis sends (eleven headers).
func BenchmarkParseHead(b *testing.B) {
	head := []byte(rawPost("/", `["GET","k"]`, "connection: keep-alive", "Content-Type: application/json",
		"authorization: Bearer t", "Upstash-Encoding: base64", "upstash-sync-token: ", "accept: */*",
		"accept-language: *", "sec-fetch-mode: cors", "user-agent: node", "accept-encoding: gzip, deflate"))
	b.ReportAllocs()
	for b.Loop() {
		if _, v := parseHead(head); v != headFast {
			b.Fatal("not a fast-path head")
		}
	}
}
