package httpapi

import (
	"context"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"
	"github.com/valyala/fasthttp"

	"github.com/memshard/memshard/actor"
	"github.com/memshard/memshard/router"
)

// Config configures a Server. Zero fields take the defaults of
// DefaultConfig.
type Config struct {
	// Addr is the TCP address to listen on, e.g. "127.0.0.1:8080".
	Addr string
	// Token, when set, is the bearer token that may run every command.
	Token string
	// ReadOnlyToken, when set, is a bearer token that may run only commands
	// that neither write nor administer.
	ReadOnlyToken string
	// MaxBodySize bounds a request body in bytes; larger ones answer 413.
	MaxBodySize int
	// ReadTimeout bounds reading one request, head and body, as fasthttp
	// counts it: a deadline from the request's first byte (a connection's
	// first request: from the connection's arrival, whether or not a byte
	// comes), not a bound on each read; a request not read by then is
	// answered 408 and the connection closed. 0: none.
	ReadTimeout time.Duration
	// IdleTimeout closes a keep-alive connection idle that long; 0: ReadTimeout.
	IdleTimeout time.Duration
	// WSMaxMessage bounds one WebSocket message in bytes; a larger one
	// closes the connection with 1009.
	WSMaxMessage int
	// Version is the memshard version /metrics reports in
	// memshard_build_info; empty: "dev".
	Version string
	// MaxResponse bounds the JSON body of one answer in bytes (the
	// replies of POST /, path style, /pipeline, /multi-exec, /v1/execute,
	// /v1/txn and WebSocket cmd, pipeline and txn messages): a reply that
	// would take a body past it is not encoded, and the answer is instead
	// 400 {"error":"ERR reply exceeds http-max-response (N bytes)"}; a
	// pipeline stops there (see replysize.go).
	MaxResponse int
	// MaxConns bounds concurrent connections, WebSockets included; one over
	// it is answered 503 {"error":"ERR max number of clients reached"} and
	// closed.
	MaxConns int
	// EventLoops is how many epoll event loops serve keep-alive POST /,
	// /pipeline and /multi-exec requests (Linux; see fastpath.go); a connection
	// with any other request moves to fasthttp. 0: netpoll.DefaultLoops; -1:
	// none, fasthttp serves every connection.
	EventLoops int
	// Logger receives the server's logs.
	Logger zerolog.Logger
}

// DefaultConfig returns the defaults: 127.0.0.1:8080, 10 MiB bodies, 32
// MiB answers, 1 MiB WebSocket messages, 10000 connections, a 30 s read
// timeout (idle
// connections follow it). A zero ReadTimeout in a Config given to New
// means none.
func DefaultConfig() Config {
	return Config{Addr: "127.0.0.1:8080", MaxBodySize: 10 << 20, MaxResponse: 32 << 20, WSMaxMessage: 1 << 20, MaxConns: 10000,
		ReadTimeout: 30 * time.Second}
}

// Validate reports a setting that cannot work.
func (c *Config) Validate() error {
	switch {
	case c.Addr == "":
		return errors.New("httpapi: empty Addr")
	case c.MaxBodySize < 0:
		return errors.New("httpapi: negative MaxBodySize")
	case c.MaxResponse < 0:
		return errors.New("httpapi: negative MaxResponse")
	case c.WSMaxMessage < 0:
		return errors.New("httpapi: negative WSMaxMessage")
	case c.MaxConns < 0:
		return errors.New("httpapi: negative MaxConns")
	case c.ReadTimeout < 0 || c.IdleTimeout < 0:
		return errors.New("httpapi: negative timeout")
	case c.Token != "" && c.Token == c.ReadOnlyToken:
		return errors.New("httpapi: Token and ReadOnlyToken are the same")
	}
	return nil
}

func (c *Config) fill() {
	d := DefaultConfig()
	if c.Addr == "" {
		c.Addr = d.Addr
	}
	if c.MaxBodySize == 0 {
		c.MaxBodySize = d.MaxBodySize
	}
	if c.WSMaxMessage == 0 {
		c.WSMaxMessage = d.WSMaxMessage
	}
	if c.MaxResponse == 0 {
		c.MaxResponse = d.MaxResponse
	}
	if c.Version == "" {
		c.Version = "dev"
	}
	if c.MaxConns == 0 {
		c.MaxConns = d.MaxConns
	}
}

// Sentinel errors of the server's lifecycle.
var (
	ErrServerClosed = errors.New("httpapi: server closed")
	ErrStarted      = errors.New("httpapi: server already started")
)

// shutdownGrace bounds how long Close waits for in-flight requests.
const shutdownGrace = 10 * time.Second

// Server serves the HTTP API on top of a router. Create it with New, run it
// with Start, stop it with Close. Safe for concurrent use.
type Server struct {
	cfg      Config
	r        *router.Router
	srv      *fasthttp.Server
	group    *actor.Group
	sessions sync.Pool // *router.Session, one per in-flight request
	bufs     sync.Pool // *[]byte response bodies
	ws       wsConns   // open WebSocket sessions
	overMsg  []byte    // the error of a reply over MaxResponse

	started  time.Time
	accepted atomic.Int64 // HTTP connections accepted under MaxConns
	loops    []*loop      // event loops; set by Start before any connection
	loopLn   *loopListener

	mu          sync.Mutex // guards ln and connSources
	ln          net.Listener
	connSources []connSource // other listeners' connections, for /metrics
	ready       atomic.Bool
	closing     atomic.Bool
	stopOnce    sync.Once
}

// New returns a server for r; it does not listen yet. It starts ready (see
// SetReady).
func New(r *router.Router, cfg Config) *Server {
	cfg.fill()
	s := &Server{cfg: cfg, r: r, group: actor.NewGroup(), started: time.Now(), overMsg: overLimitMsg(cfg.MaxResponse)}
	s.sessions.New = func() any {
		sess := s.newSession(router.TransportHTTP)
		// One of many handler goroutines: yielding before blocking costs
		// more than the wake-up it saves (about 3 µs of CPU per request).
		sess.SetWaitSpins(0)
		return sess
	}
	s.bufs.New = func() any { b := make([]byte, 0, 512); return &b }
	s.ready.Store(true)
	s.srv = &fasthttp.Server{
		Handler:               s.handle,
		ErrorHandler:          s.handleReadError,
		Logger:                fastLogger{cfg.Logger},
		MaxRequestBodySize:    cfg.MaxBodySize,
		ReadTimeout:           cfg.ReadTimeout,
		IdleTimeout:           cfg.IdleTimeout,
		NoDefaultServerHeader: true,
		// fasthttp's idle-worker cleaner notices Shutdown only between
		// naps of this length; keep it short so Close leaves nothing
		// running for long.
		MaxIdleWorkerDuration: time.Second,
		CloseOnShutdown:       true,
	}
	return s
}

// newSession returns a session whose pipelines run part by part, so that
// their replies can be encoded as they come (replysize.go).
func (s *Server) newSession(t router.Transport) *router.Session {
	sess := s.r.NewSessionFor(t)
	sess.SetReplyBudget(min(partBudget, s.cfg.MaxResponse))
	sess.SetReplyLimit(s.cfg.MaxResponse, string(s.overMsg))
	return sess
}

// fastLogger hands fasthttp's messages to zerolog.
type fastLogger struct{ l zerolog.Logger }

func (f fastLogger) Printf(format string, args ...any) { f.l.Warn().Msgf(format, args...) }

// Start listens on cfg.Addr and serves in the background until Close; it
// returns the bound address (useful with port 0). It may be called once.
func (s *Server) Start() (net.Addr, error) {
	if err := s.cfg.Validate(); err != nil {
		return nil, err
	}
	tcp, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return nil, err
	}
	lim := &limitListener{Listener: tcp, max: int64(s.cfg.MaxConns), accepted: &s.accepted, refuse: s.refuse}
	var ln net.Listener = lim
	s.mu.Lock()
	switch {
	case s.closing.Load():
		err = ErrServerClosed
	case s.ln != nil:
		err = ErrStarted
	default:
		s.ln = ln
	}
	s.mu.Unlock()
	if err != nil {
		ln.Close()
		return nil, err
	}
	if s.startLoops() {
		s.loopLn = newLoopListener(lim)
		ln = s.loopLn
		s.mu.Lock()
		s.ln = ln
		s.mu.Unlock()
		if err := s.group.Go(func(<-chan struct{}) { s.acceptLoop(s.loopLn) }); err != nil {
			close(s.loopLn.acceptDone)
			ln.Close()
			return nil, ErrServerClosed
		}
	}
	s.cfg.Logger.Info().Str("addr", ln.Addr().String()).Int("event_loops", len(s.loops)).Msg("HTTP listening")
	if err := s.group.Go(func(<-chan struct{}) { s.serve(ln) }); err != nil {
		ln.Close()
		return nil, ErrServerClosed
	}
	return ln.Addr(), nil
}

// refuse answers a connection over MaxConns in the background.
func (s *Server) refuse(c net.Conn) {
	if s.group.Go(func(<-chan struct{}) { refuseConn(c) }) != nil {
		c.Close() // shutting down
	}
}

func (s *Server) serve(ln net.Listener) {
	if err := s.srv.Serve(ln); err != nil && !s.closing.Load() {
		s.cfg.Logger.Error().Err(err).Msg("HTTP serve failed")
	}
}

// Addr is the listening address, nil before Start.
func (s *Server) Addr() net.Addr {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// SetReady sets what GET /readyz answers: 200 when ready, 503 when not
// (loading, draining). Safe from any goroutine.
func (s *Server) SetReady(ready bool) { s.ready.Store(ready) }

// Close sends 1001 (going away) to every WebSocket session and waits for
// them (about a second at most), stops accepting, lets in-flight requests
// finish (for up to ten seconds), closes idle connections and waits for the
// serving goroutine. Idempotent.
func (s *Server) Close() error {
	var err error
	s.stopOnce.Do(func() {
		s.closing.Store(true)
		s.ready.Store(false)
		s.mu.Lock()
		ln := s.ln
		s.mu.Unlock()
		s.ws.closeAll() // 1001 to every WebSocket, then wait for them
		if ln != nil {
			ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
			err = s.srv.ShutdownWithContext(ctx)
			cancel()
			ln.Close() // in case Serve had not registered it yet
		}
		if s.loopLn != nil {
			<-s.loopLn.acceptDone // no new connection reaches a loop now
		}
		s.stopLoops() // each finishes the requests under way, then returns
		s.group.Stop()
		s.group.Wait()
		if s.loopLn != nil {
			s.loopLn.closeLeft()
		}
	})
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// session borrows a session for one request; release gives it back.
func (s *Server) session() *router.Session { return s.sessions.Get().(*router.Session) }

func (s *Server) release(sess *router.Session) {
	if sess.InMulti() { // never left open by the routes; be safe anyway
		sess.Do(context.Background(), [][]byte{[]byte("DISCARD")})
	}
	s.sessions.Put(sess)
}

func (s *Server) buf() *[]byte { return s.bufs.Get().(*[]byte) }

func (s *Server) putBuf(b *[]byte) {
	if cap(*b) > 64<<10 {
		return // drop a buffer a large reply grew
	}
	*b = (*b)[:0]
	s.bufs.Put(b)
}
