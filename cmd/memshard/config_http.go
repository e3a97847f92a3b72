package main

import (
	"errors"
	"math"
	"slices"
	"time"
)

// HTTP listener limits (DESIGN.md, Limits), each with httpapi's default.
type httpConfig struct {
	// HTTPMaxBody bounds a request body in bytes; larger ones answer 413.
	HTTPMaxBody int64
	// WSMaxMessage bounds one WebSocket message in bytes; larger ones close
	// the socket with 1009.
	WSMaxMessage int64
	// HTTPMaxResponse bounds the JSON body of one HTTP answer or WebSocket
	// result in bytes; a reply that would pass it answers an error naming
	// the limit.
	HTTPMaxResponse int64
	// HTTPMaxConns bounds concurrent HTTP connections, WebSockets included.
	HTTPMaxConns int
	// HTTPReadTimeout bounds reading one request, head and body, from its
	// first byte (a connection's first request: from the connection's
	// arrival); 0: none.
	HTTPReadTimeout time.Duration
	// HTTPIdleTimeout closes keep-alive connections idle that long; 0: the
	// read timeout, none when that is 0 too.
	HTTPIdleTimeout time.Duration
	// HTTPEventLoops is how many epoll loops serve POST /, /pipeline and
	// /multi-exec (Linux); 0 one per two processors, -1 fasthttp for every
	// connection.
	HTTPEventLoops int
}

func defaultHTTPConfig() httpConfig {
	return httpConfig{HTTPMaxBody: 10 << 20, HTTPMaxResponse: 32 << 20, WSMaxMessage: 1 << 20, HTTPMaxConns: 10000, HTTPReadTimeout: 30 * time.Second}
}

func init() {
	at := slices.IndexFunc(options, func(o option) bool { return o.name == "read-only-token" }) + 1
	options = slices.Insert(options, at, httpOptions...)
}

var httpOptions = []option{
	{"http-max-body", "bytes", "10mb", "largest HTTP request body; larger ones answer 413", setSize(func(c *Config) *int64 { return &c.HTTPMaxBody }, 1)},
	{"http-max-response", "bytes", "32mb", "largest HTTP answer or WebSocket result body; a reply past it answers {\"error\":\"ERR reply exceeds http-max-response (N bytes)\"} and stops its pipeline", setSize(func(c *Config) *int64 { return &c.HTTPMaxResponse }, 1)},
	{"ws-max-message", "bytes", "1mb", "largest WebSocket message; larger ones close the socket with 1009", setSize(func(c *Config) *int64 { return &c.WSMaxMessage }, 1)},
	{"http-max-conns", "n", "10000", "most concurrent HTTP connections, WebSockets included; more answer 503", setCount(func(c *Config) *int { return &c.HTTPMaxConns }, 1)},
	{"http-read-timeout", "duration", "30s", "longest time to read one HTTP request, head and body, from its first byte (a new connection's: from its arrival); slower ones answer 408; 0 none", setDuration(func(c *Config) *time.Duration { return &c.HTTPReadTimeout })},
	{"http-idle-timeout", "duration", "0", "close HTTP keep-alive connections idle this long, e.g. 2m; 0 the read timeout (none if 0)", setDuration(func(c *Config) *time.Duration { return &c.HTTPIdleTimeout })},
	{"http-event-loops", "n", "0", "epoll event loops serving keep-alive POST /, /pipeline and /multi-exec (Linux); 0 one per two processors, -1 fasthttp for every connection", setLoops(func(c *Config) *int { return &c.HTTPEventLoops })},
}

// setDuration parses a Go duration (1m30s, 500ms) or a plain 0, at least 0.
func setDuration(field func(*Config) *time.Duration) func(*Config, string) error {
	return func(c *Config, v string) error {
		d, err := time.ParseDuration(v)
		if err != nil {
			return errors.New("not a duration: use e.g. 30s, 2m or 0")
		}
		if d < 0 {
			return errors.New("must not be negative")
		}
		*field(c) = d
		return nil
	}
}

// validateHTTP checks that the byte limits fit an int where they are used.
func (c *Config) validateHTTP() error {
	if c.HTTPMaxBody > math.MaxInt32 {
		return errors.New("http-max-body must be at most 2gb")
	}
	if c.HTTPMaxResponse > math.MaxInt32 {
		return errors.New("http-max-response must be at most 2gb")
	}
	if c.WSMaxMessage > math.MaxInt32 {
		return errors.New("ws-max-message must be at most 2gb")
	}
	return nil
}
