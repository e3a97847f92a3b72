package main

import (
	"net"
	"net/http"
	"net/http/pprof"
	"slices"
	"time"

	"github.com/rs/zerolog"
)

// The profiling listener: Go's net/http/pprof handlers on their own
// address, off by default, for operators chasing CPU or memory.

func init() {
	at := slices.IndexFunc(options, func(o option) bool { return o.name == "log-level" })
	options = slices.Insert(options, at, option{
		"pprof-addr", "addr", "", "serve Go's /debug/pprof/ profiles on this address (keep it private); empty disables",
		setAddr(func(c *Config) *string { return &c.PprofAddr }),
	})
}

// startPprof serves the profiles on addr and returns the server to close,
// or nil when addr is empty.
func startPprof(addr string, log zerolog.Logger) (*http.Server, error) {
	if addr == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	log.Info().Str("addr", ln.Addr().String()).Msg("serving Go profiles on /debug/pprof/")
	return srv, nil
}
