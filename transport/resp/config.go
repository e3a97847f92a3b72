package resp

import (
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/memshard/memshard/router"
	"github.com/memshard/memshard/shard"
	"github.com/memshard/memshard/shard/reply"
)

// This file answers CONFIG GET/SET/RESETSTAT/REWRITE for the settings that
// exist, in Redis 7.0.15's format.

// ---------------------------------------------------------------------------
// CONFIG

// liveConfig holds the settings CONFIG SET may change while the server
// runs, and the statistics baseline of CONFIG RESETSTAT.
type liveConfig struct {
	maxClients  atomic.Int64
	idleTimeout atomic.Int64 // nanoseconds; 0: never
	outLimits   atomic.Pointer[OutputLimits]

	mu   sync.Mutex
	base shard.Stats // router counters at the last CONFIG RESETSTAT
}

// live returns the server's run-time settings. Safe from any goroutine.
func (s *Server) live() *liveConfig { return &s.liveCfg }

// maxClients is the current maxclients setting (CONFIG SET may change it).
func (s *Server) maxClients() int { return int(s.live().maxClients.Load()) }

// idleTimeout is the current timeout setting (CONFIG SET may change it).
func (s *Server) idleTimeout() time.Duration { return time.Duration(s.live().idleTimeout.Load()) }

// configParam is one parameter CONFIG GET reports; set is nil for the
// parameters memshard cannot change at run time.
type configParam struct {
	name string
	get  func(s *Server) string
	set  func(s *Server, v []byte, apply bool) string // checks v, stores it if apply; returns Redis's reason on failure
}

func constant(v string) func(*Server) string { return func(*Server) string { return v } }

func setInt(lo, hi int64, store func(s *Server, n int64)) func(s *Server, v []byte, apply bool) string {
	return func(s *Server, v []byte, apply bool) string {
		n, ok := shard.ParseInt(v)
		if !ok {
			return "argument couldn't be parsed into an integer"
		}
		if n < lo || n > hi {
			return "argument must be between " + strconv.FormatInt(lo, 10) + " and " + strconv.FormatInt(hi, 10) + " inclusive"
		}
		if apply {
			store(s, n)
		}
		return ""
	}
}

var configParams = []configParam{
	{name: "maxclients", get: func(s *Server) string { return strconv.Itoa(s.maxClients()) },
		set: setInt(1, 1<<32-1, func(s *Server, n int64) { s.live().maxClients.Store(n) })},
	{name: "timeout", get: func(s *Server) string { return strconv.FormatInt(int64(s.idleTimeout()/time.Second), 10) },
		set: setInt(0, 1<<31-1, func(s *Server, n int64) { s.live().idleTimeout.Store(n * int64(time.Second)) })},
	{name: "client-output-buffer-limit", get: func(s *Server) string { return s.live().outLimits.Load().String() },
		set: func(s *Server, v []byte, apply bool) string {
			l, err := ParseOutputLimits(string(v), *s.live().outLimits.Load())
			if err != nil {
				return err.Error()
			}
			if apply {
				s.live().outLimits.Store(&l)
			}
			return ""
		}},
	// Never shown (configGet leaves secrets out); listed so that CONFIG SET
	// says it cannot change it.
	{name: "requirepass", get: constant("")},
	{name: "proto-max-bulk-len", get: func(s *Server) string { return strconv.FormatInt(protoMaxBulkLen(s), 10) }},
	{name: "client-query-buffer-limit", get: func(s *Server) string { return strconv.Itoa(s.cfg.MaxQueryBuf) }},
	{name: "enable-debug-command", get: func(s *Server) string { return s.cfg.EnableDebug.String() }},
	{name: "databases", get: constant("1")},
	{name: "save", get: constant("")},
	{name: "appendonly", get: constant("no")},
	{name: "maxmemory", get: constant("0")},
	{name: "maxmemory-policy", get: constant("noeviction")},
	{name: "port", get: func(s *Server) string { return strconv.Itoa(listenPort(s)) }},
	{name: "bind", get: func(s *Server) string {
		if a := s.Addr(); a != nil {
			host, _, _ := strings.Cut(a.String(), "]:")
			if strings.HasPrefix(host, "[") {
				return host[1:]
			}
			host, _, _ = strings.Cut(a.String(), ":")
			return host
		}
		host, _, _ := strings.Cut(s.cfg.Addr, ":")
		return host
	}},
}

// protoMaxBulkLen is the bulk length limit of the request parser.
func protoMaxBulkLen(s *Server) int64 { return s.cfg.Limits.MaxBulkLen }

func listenPort(s *Server) int {
	addr := s.cfg.Addr
	if a := s.Addr(); a != nil {
		addr = a.String()
	}
	if i := strings.LastIndexByte(addr, ':'); i >= 0 {
		p, _ := strconv.Atoi(addr[i+1:])
		return p
	}
	return 0
}

func hasGlob(p []byte) bool {
	return slices.ContainsFunc(p, func(b byte) bool { return b == '*' || b == '?' || b == '[' })
}

// cmdConfig is CONFIG GET|SET|RESETSTAT|REWRITE.
func cmdConfig(c *conn, args [][]byte) {
	s, sub := c.s, args[1]
	switch {
	case eq(sub, "get"):
		if len(args) < 3 {
			c.reply(errSubArity("config|get"))
			return
		}
		c.reply(configGet(s, args[2:]))
	case eq(sub, "set"):
		if len(args) < 4 {
			c.reply(errSubArity("config|set"))
			return
		}
		c.reply(configSet(s, args[2:]))
	case eq(sub, "resetstat"):
		if len(args) != 2 {
			c.reply(errSubArity("config|resetstat"))
			return
		}
		s.stats.connections.Store(0)
		s.stats.rejected.Store(0)
		s.stats.outLimitDrops.Store(0)
		s.stats.commands.Store(0)
		s.stats.netIn.Store(0)
		s.stats.netOut.Store(0)
		lc := s.live()
		st := s.r.Stats()
		lc.mu.Lock()
		lc.base = st
		lc.mu.Unlock()
		c.reply(reply.OK())
	case eq(sub, "rewrite"):
		if len(args) != 2 {
			c.reply(errSubArity("config|rewrite"))
			return
		}
		c.reply(reply.Error("ERR The server is running without a config file"))
	default:
		c.reply(errUnknownSub(sub, "CONFIG"))
	}
}

// configGet answers CONFIG GET: every parameter matching a pattern, once,
// as a map. A pattern without glob characters is echoed as given, as Redis
// does. Secrets (router.SecretConfig: requirepass and the like) are left
// out whoever asks, as if they did not exist.
func configGet(s *Server, patterns [][]byte) reply.Reply {
	var kv []reply.Reply
	seen := make([]bool, len(configParams))
	for _, p := range patterns {
		for i, cp := range configParams {
			if seen[i] || router.SecretConfig(cp.name) {
				continue
			}
			if hasGlob(p) {
				if shard.Match(p, []byte(cp.name), true) {
					seen[i] = true
					kv = append(kv, bstr(cp.name), bstr(cp.get(s)))
				}
			} else if eq(p, cp.name) {
				seen[i] = true
				kv = append(kv, reply.Bulk(slices.Clone(p)), bstr(cp.get(s)))
			}
		}
	}
	return kvMap(kv...)
}

// configSet answers CONFIG SET name value [name value ...]: all are checked
// before any is applied.
func configSet(s *Server, args [][]byte) reply.Reply {
	if len(args)%2 != 0 {
		return reply.ErrSyntax
	}
	type change struct {
		p *configParam
		v []byte
	}
	var changes []change
	for i := 0; i < len(args); i += 2 {
		var p *configParam
		for j := range configParams {
			if eq(args[i], configParams[j].name) {
				p = &configParams[j]
			}
		}
		fail := func(why string) reply.Reply {
			return reply.Error("ERR CONFIG SET failed (possibly related to argument '" + string(args[i]) + "') - " + why)
		}
		switch {
		case p == nil:
			return reply.Error("ERR Unknown option or number of arguments for CONFIG SET - '" + string(args[i]) + "'")
		case p.set == nil:
			return fail("can't set immutable config")
		case slices.ContainsFunc(changes, func(ch change) bool { return ch.p == p }):
			return fail("duplicate parameter")
		}
		changes = append(changes, change{p, args[i+1]})
	}
	// Check every value before storing any, so a failed CONFIG SET changes
	// nothing.
	for _, ch := range changes {
		if why := ch.p.set(s, ch.v, false); why != "" {
			return reply.Error("ERR CONFIG SET failed (possibly related to argument '" + ch.p.name + "') - " + why)
		}
	}
	for _, ch := range changes {
		ch.p.set(s, ch.v, true)
	}
	return reply.OK()
}
