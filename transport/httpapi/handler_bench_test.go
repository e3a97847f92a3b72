package httpapi

import (
	"net"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/memshard/memshard/router"
)

// newHandlerServer returns a server over a 2-shard router that is never
// started: tests and benchmarks call its handler directly.
func newHandlerServer(tb testing.TB) *Server {
	tb.Helper()
	r, err := router.New(router.Config{Shards: 2})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(r.Close)
	return New(r, DefaultConfig())
}

// postCtx is a request context holding POST / with body, as fasthttp hands
// it to the handler.
func postCtx(body string) *fasthttp.RequestCtx {
	var req fasthttp.Request
	req.Header.SetMethod("POST")
	req.SetRequestURI("/")
	req.Header.SetContentType("application/json")
	req.SetBodyString(body)
	ctx := new(fasthttp.RequestCtx)
	ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, nil)
	return ctx
}

// serveOnce runs one request through the handler on a reused context and
// fails tb unless it answers want.
func serveOnce(tb testing.TB, s *Server, ctx *fasthttp.RequestCtx, want string) {
	ctx.Response.Reset()
	s.handle(ctx)
	if ctx.Response.StatusCode() != fasthttp.StatusOK || string(ctx.Response.Body()) != want {
		tb.Fatalf("%d %s, want 200 %s", ctx.Response.StatusCode(), ctx.Response.Body(), want)
	}
}

// BenchmarkHandlerRoot measures POST / GET and SET through the handler,
// without sockets: decoding, the command, encoding and the headers.
func BenchmarkHandlerRoot(b *testing.B) {
	s := newHandlerServer(b)
	for _, bc := range []struct{ name, body, want string }{
		{"SET", `["SET","k","v"]`, `{"result":"OK"}`},
		{"GET", `["GET","k"]`, `{"result":"v"}`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := postCtx(bc.body)
			b.ReportAllocs()
			for b.Loop() {
				serveOnce(b, s, ctx, bc.want)
			}
		})
	}
}

// BenchmarkDecodeCommand compares the decoder with the encoding/json one it
// replaced.
func BenchmarkDecodeCommand(b *testing.B) {
	body := []byte(`["SET","key:000123","some value","EX",10]`)
	b.Run("decoder", func(b *testing.B) {
		d := new(decoder)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := d.command(body); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := refDecodeCommand(body); err != nil {
				b.Fatal(err)
			}
		}
	})
}
