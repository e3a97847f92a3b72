package main

import (
	"errors"
	"math"
	"net"
	"slices"
	"strconv"
	"time"

	"github.com/memshard/memshard/transport/resp"
)

// RESP listener settings: TLS and the limits Redis also enforces, each with
// Redis's default and name.
type respConfig struct {
	// TLSCert and TLSKey are PEM files; with TLSPort > 0 they enable a TLS
	// RESP listener on the host of RESPAddr.
	TLSCert, TLSKey string
	// TLSPort is the TLS RESP port; 0 disables TLS.
	TLSPort int
	// ProtoMaxBulkLen is the longest argument (proto-max-bulk-len).
	ProtoMaxBulkLen int64
	// ProtoMaxMultibulkLen is the most arguments one command may have.
	ProtoMaxMultibulkLen int64
	// ProtoInlineMaxSize is the longest inline command line.
	ProtoInlineMaxSize int64
	// ClientQueryBufferLimit bounds one client's unparsed input.
	ClientQueryBufferLimit int64
	// MaxClients bounds concurrent RESP connections.
	MaxClients int
	// Timeout closes RESP connections idle that long; 0: never.
	Timeout time.Duration
	// RESPEventLoops is how many epoll loops serve plain-TCP RESP
	// connections (Linux); 0 one per two processors, -1 a goroutine per connection.
	RESPEventLoops int
	// OutputLimits are client-output-buffer-limit's classes.
	OutputLimits resp.OutputLimits
	// EnableDebugCommand says who may run DEBUG (enable-debug-command):
	// nobody (the default), everyone, or local connections only.
	EnableDebugCommand resp.DebugMode
}

func defaultRESPConfig() respConfig {
	return respConfig{
		ProtoMaxBulkLen:        512 << 20,
		ProtoMaxMultibulkLen:   1<<31 - 1,
		ProtoInlineMaxSize:     64 << 10,
		ClientQueryBufferLimit: 1 << 30,
		MaxClients:             10000,
		OutputLimits:           resp.DefaultOutputLimits(),
	}
}

func init() {
	at := slices.IndexFunc(options, func(o option) bool { return o.name == "requirepass" }) + 1
	options = slices.Insert(options, at, respOptions...)
}

var respOptions = []option{
	{"tls-port", "port", "0", "TLS RESP port on the resp-addr host (needs tls-cert and tls-key); 0 disables", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 65535 {
			return errors.New("must be a port number, 0 to disable")
		}
		c.TLSPort = n
		return nil
	}},
	{"tls-cert", "file", "", "PEM certificate of the TLS RESP listener", setString(func(c *Config) *string { return &c.TLSCert })},
	{"tls-key", "file", "", "PEM private key of the TLS RESP listener", setString(func(c *Config) *string { return &c.TLSKey })},
	{"proto-max-bulk-len", "bytes", "512mb", "longest RESP argument", setSize(func(c *Config) *int64 { return &c.ProtoMaxBulkLen }, 1)},
	{"proto-max-multibulk-len", "n", "2147483647", "most arguments in one RESP command", setSize(func(c *Config) *int64 { return &c.ProtoMaxMultibulkLen }, 1)},
	{"proto-inline-max-size", "bytes", "64kb", "longest inline command line", setSize(func(c *Config) *int64 { return &c.ProtoInlineMaxSize }, 1)},
	{"client-query-buffer-limit", "bytes", "1gb", "most unparsed input one client may hold", setSize(func(c *Config) *int64 { return &c.ClientQueryBufferLimit }, 1<<20)},
	{"maxclients", "n", "10000", "most concurrent RESP connections", setCount(func(c *Config) *int { return &c.MaxClients }, 1)},
	{"timeout", "seconds", "0", "close RESP connections idle this long; 0 never", func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > math.MaxInt32 {
			return errors.New("must be a whole number of seconds from 0 to 2147483647")
		}
		c.Timeout = time.Duration(n) * time.Second
		return nil
	}},
	{"client-output-buffer-limit", "limits", "normal 1gb 256mb 60 replica 256mb 64mb 60 pubsub 32mb 8mb 60", "disconnect a RESP client whose unread replies pass hard bytes, or soft bytes for seconds: 'class hard soft seconds' for normal, replica or pubsub, several classes in one value", func(c *Config, v string) error {
		l, err := resp.ParseOutputLimits(v, c.OutputLimits)
		if err != nil {
			return err
		}
		c.OutputLimits = l
		return nil
	}},
	{"resp-event-loops", "n", "0", "epoll event loops serving plain-TCP RESP connections (Linux); 0 one per two processors, -1 a goroutine per connection", setLoops(func(c *Config) *int { return &c.RESPEventLoops })},
	{"enable-debug-command", "no|yes|local", "no", "who may run DEBUG: nobody, everyone, or connections from loopback and unix sockets", func(c *Config, v string) error {
		m, err := resp.ParseDebugMode(v)
		c.EnableDebugCommand = m
		return err
	}},
}

// setSize parses a Redis-style size (100mb, 1gb, plain bytes) of at least min.
func setSize(field func(*Config) *int64, min int64) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := parseMemory(v)
		if err != nil {
			return err
		}
		if n < min {
			return errors.New("must be at least " + strconv.FormatInt(min, 10))
		}
		*field(c) = n
		return nil
	}
}

// validateRESP checks the RESP settings that involve more than one option.
func (c *Config) validateRESP() error {
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("tls-cert and tls-key go together")
	}
	if c.TLSPort != 0 {
		if c.TLSCert == "" {
			return errors.New("tls-port needs tls-cert and tls-key")
		}
		if c.RESPAddr == "" {
			return errors.New("tls-port needs resp-addr for its host")
		}
		if _, port, _ := net.SplitHostPort(c.RESPAddr); port == strconv.Itoa(c.TLSPort) {
			return errors.New("tls-port and resp-addr use the same port")
		}
	}
	return nil
}

// tlsAddr is the TLS RESP listen address: resp-addr's host, tls-port.
func (c *Config) tlsAddr() string {
	host, _, _ := net.SplitHostPort(c.RESPAddr)
	return net.JoinHostPort(host, strconv.Itoa(c.TLSPort))
}
