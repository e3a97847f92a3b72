// Command httpbare is the ceiling of memshard's HTTP transport: a fasthttp
// server with the same server options as transport/httpapi that answers
// every request with the constant {"result":"OK"} and does nothing else.
// bench/http-vs-webdis.sh runs it beside memshard.
//
//	httpbare -addr 127.0.0.1:8099
package main

import (
	"flag"
	"log"
	"time"

	"github.com/valyala/fasthttp"
)

var reply = []byte(`{"result":"OK"}`)

func main() {
	addr := flag.String("addr", "127.0.0.1:8099", "listen address")
	flag.Parse()
	srv := &fasthttp.Server{
		Handler: func(ctx *fasthttp.RequestCtx) {
			ctx.SetContentType("application/json")
			ctx.SetBody(reply)
		},
		NoDefaultServerHeader: true,
		MaxIdleWorkerDuration: time.Second,
	}
	log.Fatal(srv.ListenAndServe(*addr))
}
