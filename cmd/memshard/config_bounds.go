package main

import (
	"fmt"
	"math"
	"strconv"
	"time"
)

// bound is the upper limit of a numeric option (its setter checks the
// lower one). Without them a typo could ask for 100 000 processors — the
// runtime then spends minutes setting them up before the first log line —
// or a million shard goroutines.
type bound struct {
	name string
	max  int64
	kind boundKind
	get  func(*Config) int64
}

type boundKind uint8

const (
	boundCount boundKind = iota
	boundBytes
	boundDuration
)

// maxShards is the engine's own limit (router.Config.Validate).
const maxShards = 4096

// bounds lists the upper limits. The event-loop counts, tls-port,
// timeout, http-max-body, http-max-response and ws-max-message are bounded by their setters
// or validateHTTP.
var bounds = []bound{
	{"shards", maxShards, boundCount, func(c *Config) int64 { return int64(c.Shards) }},
	// GOMAXPROCS beyond the largest machines only costs: every processor
	// has its own caches and run queue, set up at once.
	{"procs", 1024, boundCount, func(c *Config) int64 { return int64(c.Procs) }},
	{"maxclients", 1_000_000, boundCount, func(c *Config) int64 { return int64(c.MaxClients) }},
	{"http-max-conns", 1_000_000, boundCount, func(c *Config) int64 { return int64(c.HTTPMaxConns) }},
	{"proto-max-bulk-len", 4 << 30, boundBytes, func(c *Config) int64 { return c.ProtoMaxBulkLen }},
	{"proto-max-multibulk-len", math.MaxInt32, boundCount, func(c *Config) int64 { return c.ProtoMaxMultibulkLen }},
	{"proto-inline-max-size", 512 << 20, boundBytes, func(c *Config) int64 { return c.ProtoInlineMaxSize }},
	{"client-query-buffer-limit", 4 << 30, boundBytes, func(c *Config) int64 { return c.ClientQueryBufferLimit }},
	{"http-read-timeout", int64(24 * time.Hour), boundDuration, func(c *Config) int64 { return int64(c.HTTPReadTimeout) }},
	{"http-idle-timeout", int64(7 * 24 * time.Hour), boundDuration, func(c *Config) int64 { return int64(c.HTTPIdleTimeout) }},
}

// checkBounds reports the first option over its upper limit, named as it
// was given: --flag, MEMSHARD_ variable or config file key.
func (c *Config) checkBounds() error {
	for _, b := range bounds {
		if v := b.get(c); v > b.max {
			return fmt.Errorf("%s %s: must be at most %s", c.origin(b.name), b.kind.format(v), b.kind.format(b.max))
		}
	}
	return nil
}

// origin names an option the way its value was given.
func (c *Config) origin(name string) string {
	switch c.Source(name) {
	case sourceFlag:
		return "--" + name
	case sourceEnv:
		return envName(name)
	case sourceFile:
		return c.ConfigFile + ": " + name
	}
	return name
}

func (k boundKind) format(v int64) string {
	switch k {
	case boundDuration:
		return time.Duration(v).String()
	case boundBytes:
		for _, u := range []struct {
			suffix string
			size   int64
		}{{"gb", 1 << 30}, {"mb", 1 << 20}, {"kb", 1 << 10}} {
			if v >= u.size && v%u.size == 0 {
				return strconv.FormatInt(v/u.size, 10) + u.suffix
			}
		}
	}
	return strconv.FormatInt(v, 10)
}
