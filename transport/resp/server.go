package resp

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"github.com/memshard/memshard/actor"
	"github.com/memshard/memshard/router"
	"github.com/memshard/memshard/transport/netpoll"
)

// Config configures a Server. Zero fields take the defaults of
// DefaultConfig, which are Redis's.
type Config struct {
	// Addr is the TCP address to listen on, e.g. "127.0.0.1:6380".
	Addr string
	// TLS, when set, makes the listener speak TLS.
	TLS *tls.Config
	// RequirePass is the password AUTH must present; empty: no auth.
	RequirePass string
	// Token and ReadOnlyToken are the HTTP bearer tokens; AUTH accepts them
	// as passwords too. A connection that authenticated with ReadOnlyToken
	// may run only commands that neither write nor administer.
	Token, ReadOnlyToken string
	// Limits bound requests (bulk length, multibulk count, inline length).
	Limits Limits
	// MaxQueryBuf bounds one client's unparsed input (client-query-buffer-limit).
	MaxQueryBuf int
	// MaxClients bounds concurrent connections (maxclients).
	MaxClients int
	// IdleTimeout closes a connection idle that long (timeout); 0: never.
	IdleTimeout time.Duration
	// EventLoops is how many epoll event loops serve plain-TCP connections
	// on Linux: 0 means one per two processors (GOMAXPROCS/2, at least
	// one), which leaves the others to the shards; a negative number, and
	// TLS or another system, give each connection a goroutine instead.
	EventLoops int
	// OutputLimits are the client-output-buffer-limit settings; nil:
	// DefaultOutputLimits. CONFIG SET may change them.
	OutputLimits *OutputLimits
	// EnableDebug says who may run DEBUG (Redis's enable-debug-command):
	// nobody (DebugNo, the default), everyone, or local connections only.
	EnableDebug DebugMode
	// Logger receives the server's logs.
	Logger zerolog.Logger
}

// DebugMode is who may run DEBUG, as Redis's enable-debug-command.
type DebugMode uint8

const (
	DebugNo    DebugMode = iota // nobody: DEBUG answers Redis's refusal
	DebugYes                    // every connection
	DebugLocal                  // connections from loopback or a unix socket
)

// ParseDebugMode reads an enable-debug-command value: no, yes or local (any
// letter case).
func ParseDebugMode(v string) (DebugMode, error) {
	switch {
	case strings.EqualFold(v, "no"):
		return DebugNo, nil
	case strings.EqualFold(v, "yes"):
		return DebugYes, nil
	case strings.EqualFold(v, "local"):
		return DebugLocal, nil
	}
	return DebugNo, errors.New("must be no, yes or local")
}

// String is the mode as enable-debug-command spells it: no, yes or local.
func (m DebugMode) String() string {
	switch m {
	case DebugYes:
		return "yes"
	case DebugLocal:
		return "local"
	}
	return "no"
}

// authRequired reports whether clients must AUTH before other commands.
func (c *Config) authRequired() bool {
	return c.RequirePass != "" || c.Token != "" || c.ReadOnlyToken != ""
}

// DefaultConfig returns Redis's defaults (bound to 127.0.0.1:6380).
func DefaultConfig() Config {
	return Config{
		Addr:        "127.0.0.1:6380",
		Limits:      DefaultLimits(),
		MaxQueryBuf: 1 << 30,
		MaxClients:  10000,
	}
}

func (c *Config) fill() {
	d := DefaultConfig()
	if c.Limits == (Limits{}) {
		c.Limits = d.Limits
	}
	if c.MaxQueryBuf <= 0 {
		c.MaxQueryBuf = d.MaxQueryBuf
	}
	if c.MaxClients <= 0 {
		c.MaxClients = d.MaxClients
	}
	if c.OutputLimits == nil {
		l := DefaultOutputLimits()
		c.OutputLimits = &l
	}
}

// Server serves the Redis protocol on top of a router. Create it with New;
// Serve or ListenAndServe run it; Close stops it. Safe for concurrent use.
type Server struct {
	cfg     Config
	r       *router.Router
	group   *actor.Group
	started time.Time
	// ctx is cancelled by Close: slow pipelines (DEBUG SLEEP, DUMP,
	// IMPORT) run under it, so that shutdown does not wait for them.
	ctx    context.Context
	cancel context.CancelFunc

	mu    sync.Mutex // guards ln and conns
	ln    net.Listener
	conns map[*conn]struct{}

	nextID   atomic.Int64
	closing  atomic.Bool
	stats    serverStats
	liveCfg  liveConfig // what CONFIG SET may change
	stopOnce sync.Once

	loopsOnce sync.Once
	loops     []*loop // event loops, when they serve this server's connections
	nextLoop  atomic.Uint32
}

type serverStats struct {
	connections atomic.Int64 // accepted since start
	rejected    atomic.Int64 // refused: maxclients
	commands    atomic.Int64
	netIn       atomic.Int64
	netOut      atomic.Int64
	// Never reset by CONFIG RESETSTAT: metrics counters must not go back.
	acceptedTotal atomic.Int64
	rejectedTotal atomic.Int64
	// Clients closed for passing an output buffer limit, since the last
	// CONFIG RESETSTAT and since start.
	outLimitDrops      atomic.Int64
	outLimitDropsTotal atomic.Int64
}

// ErrServerClosed is returned by Serve after Close.
var ErrServerClosed = errors.New("resp: server closed")

// New returns a server for r; it does not listen yet.
func New(r *router.Router, cfg Config) *Server {
	cfg.fill()
	s := &Server{cfg: cfg, r: r, group: actor.NewGroup(), conns: map[*conn]struct{}{}, started: time.Now()}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.liveCfg.maxClients.Store(int64(cfg.MaxClients))
	s.liveCfg.idleTimeout.Store(int64(cfg.IdleTimeout))
	s.liveCfg.outLimits.Store(cfg.OutputLimits)
	return s
}

// ListenAndServe listens on cfg.Addr and serves until Close.
func (s *Server) ListenAndServe() error {
	ln, err := s.Listen()
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

// Listen opens the configured listener (TLS if configured) without
// serving, so the caller can learn the bound address (port 0) first.
func (s *Server) Listen() (net.Listener, error) {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return nil, err
	}
	if s.cfg.TLS != nil {
		ln = tls.NewListener(ln, s.cfg.TLS)
	}
	return ln, nil
}

// Start listens on cfg.Addr and serves in the background until Close; it
// returns the bound address (useful with port 0).
func (s *Server) Start() (net.Addr, error) {
	ln, err := s.Listen()
	if err != nil {
		return nil, err
	}
	if err := s.setListener(ln); err != nil {
		return nil, err
	}
	if err := s.group.Go(func(<-chan struct{}) { s.serve(ln) }); err != nil {
		ln.Close()
		return nil, ErrServerClosed
	}
	return ln.Addr(), nil
}

func (s *Server) setListener(ln net.Listener) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing.Load() {
		ln.Close()
		return ErrServerClosed
	}
	s.ln = ln
	return nil
}

// Serve accepts connections on ln until Close; each connection gets a
// goroutine of its own.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.setListener(ln); err != nil {
		return err
	}
	return s.serve(ln)
}

func (s *Server) serve(ln net.Listener) error {
	s.loopsOnce.Do(s.startLoops)
	s.cfg.Logger.Info().Str("addr", ln.Addr().String()).Bool("tls", s.cfg.TLS != nil).
		Int("event_loops", len(s.loops)).Msg("RESP listening")
	var delay time.Duration
	for {
		nc, err := ln.Accept()
		if err != nil {
			if s.closing.Load() {
				return ErrServerClosed
			}
			// Out of file descriptors and the like: back off, keep serving.
			s.cfg.Logger.Warn().Err(err).Msg("accept failed")
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			time.Sleep(delay)
			continue
		}
		delay = 0
		s.accept(nc)
	}
}

// startLoops starts the event loops, unless the configuration or the
// system asks for a goroutine per connection.
func (s *Server) startLoops() {
	n := s.cfg.EventLoops
	if n == 0 {
		n = netpoll.DefaultLoops()
	}
	if !loopsSupported || s.cfg.TLS != nil || n < 0 || s.closing.Load() {
		return
	}
	for range n {
		l, err := newLoop(s)
		if err == nil {
			err = s.group.Go(l.run)
		}
		if err != nil {
			s.cfg.Logger.Warn().Err(err).Msg("cannot start an event loop; connections get goroutines")
			for _, l := range s.loops {
				l.shutdown()
			}
			s.loops = nil
			return
		}
		s.loops = append(s.loops, l)
	}
}

// handToLoop gives c to an event loop, when loops serve this server. The
// caller holds s.mu (so Close sees c and the loop is still running).
func (s *Server) handToLoop(c *conn) bool {
	if len(s.loops) == 0 {
		return false
	}
	fd, err := detach(c.nc)
	if err != nil {
		s.cfg.Logger.Warn().Err(err).Int64("client", c.id).Msg("cannot hand the connection to an event loop; it gets a goroutine")
		return false
	}
	c.lp = s.loops[s.nextLoop.Add(1)%uint32(len(s.loops))]
	c.fd, c.nc = fd, nil
	s.conns[c] = struct{}{}
	c.lp.add(c)
	return true
}

// accept registers a connection and hands it to an event loop or starts
// its goroutine, or refuses it with Redis's maxclients error.
func (s *Server) accept(nc net.Conn) {
	s.stats.connections.Add(1)
	s.stats.acceptedTotal.Add(1)
	s.mu.Lock()
	if s.closing.Load() {
		s.mu.Unlock()
		nc.Close()
		return
	}
	if len(s.conns) >= s.maxClients() {
		s.mu.Unlock()
		s.stats.rejected.Add(1)
		s.stats.rejectedTotal.Add(1)
		nc.SetWriteDeadline(time.Now().Add(time.Second))
		nc.Write([]byte("-ERR max number of clients reached\r\n"))
		nc.Close()
		return
	}
	c := newConn(s, nc)
	if s.handToLoop(c) {
		s.mu.Unlock()
		return
	}
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	if err := s.group.Go(func(<-chan struct{}) { c.serve() }); err != nil {
		s.forget(c)
		nc.Close()
	}
}

func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// Addr is the listening address, nil before Serve.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Clients is the number of open connections.
func (s *Server) Clients() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

// ConnStats reports the server's connections: open now, accepted since
// start (those refused included) and refused at maxclients; CONFIG
// RESETSTAT does not reset these. Safe from any goroutine.
// OutputLimitDisconnects is how many clients were closed for passing an
// output buffer limit since the server started. Safe from any goroutine.
func (s *Server) OutputLimitDisconnects() int64 { return s.stats.outLimitDropsTotal.Load() }

func (s *Server) ConnStats() (open int, accepted, rejected int64) {
	return s.Clients(), s.stats.acceptedTotal.Load(), s.stats.rejectedTotal.Load()
}

// Close stops accepting, closes every connection after the commands it is
// running finish — slow ones (DEBUG SLEEP, DUMP, IMPORT) are cancelled —
// and waits for the connection goroutines. Idempotent.
func (s *Server) Close() error {
	s.stopOnce.Do(func() {
		s.closing.Store(true)
		s.cancel()
		s.mu.Lock()
		if s.ln != nil {
			s.ln.Close()
		}
		for c := range s.conns {
			c.close() // a running batch completes first
		}
		for _, l := range s.loops {
			l.shutdown()
		}
		s.mu.Unlock()
		s.group.Stop()
		s.group.Wait()
	})
	return nil
}
