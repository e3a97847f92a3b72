package resp

import (
	"crypto/subtle"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/memshard/memshard/router"
	"github.com/memshard/memshard/shard"
	"github.com/memshard/memshard/shard/reply"
)

// connCmd is a command answered by the connection itself rather than the
// router: authentication, protocol, client and server introspection.
type connCmd struct {
	name    string
	arity   int  // Redis convention: n exactly, -n at least n
	noAuth  bool // allowed before AUTH (AUTH, HELLO, QUIT, RESET)
	inMulti bool // runs at once inside MULTI (QUIT, RESET); the others are queued
	slow    bool // may take long (DEBUG SLEEP): runs off the event loop
	fn      func(c *conn, args [][]byte)
	// check, when set, validates the arguments when the command is queued
	// inside MULTI (a failure aborts the transaction, as in Redis).
	check func(args [][]byte) (reply.Reply, bool)
	id    int // command statistics ID (router.LocalCommand)
}

// administers reports whether a read-only connection may not run args:
// the router's rule for server commands (DEBUG, CONFIG, CLIENT
// KILL|LIST|PAUSE|UNPAUSE|NO-EVICT), which both transports apply.
func (h *connCmd) administers(args [][]byte) bool {
	return !router.Allowed(router.PermRead, args)
}

// refuse checks a connection command queued inside MULTI: a refusal aborts
// the transaction at EXEC, as in Redis.
func (h *connCmd) refuse(c *conn, args [][]byte) (reply.Reply, bool) {
	if h.name == "debug" && !c.debugAllowed() {
		return errDebugDisabled, true
	}
	if h.check != nil {
		return h.check(args)
	}
	return reply.Reply{}, false
}

// beforeAuth answers args, this command, on a connection that has not
// authenticated and when the command needs AUTH. Redis 7's processCommand
// checks that the command and its subcommand exist and that the argument
// count fits before it checks authentication, so those errors come first;
// anything else gets NOAUTH.
func (h *connCmd) beforeAuth(args [][]byte) reply.Reply {
	if !h.arityOK(len(args)) {
		return errSubArity(h.name)
	}
	e := lookupEntry(args[0])
	if len(args) < 2 || e == nil || len(e.subs) == 0 {
		return errNoAuth
	}
	full := h.name + "|" + strings.ToLower(string(args[1]))
	arity, known := 2, strings.HasSuffix(full, "|help") // every container has HELP
	for _, sub := range e.subs {
		if sub.name == full {
			arity, known = sub.arity, true
		}
	}
	switch {
	case !known:
		return errUnknownSub(args[1], strings.ToUpper(h.name))
	case arity >= 0 && len(args) != arity || arity < 0 && len(args) < -arity:
		return errSubArity(full)
	}
	return errNoAuth
}

func (h *connCmd) arityOK(n int) bool {
	if h.arity >= 0 {
		return n == h.arity
	}
	return n >= -h.arity
}

var connTable = map[string]*connCmd{}

func init() {
	for _, h := range []*connCmd{
		{name: "auth", arity: -2, noAuth: true, fn: cmdAuth},
		{name: "hello", arity: -1, noAuth: true, fn: cmdHello},
		{name: "quit", arity: -1, noAuth: true, inMulti: true, fn: cmdQuit},
		{name: "reset", arity: 1, noAuth: true, inMulti: true, fn: cmdReset},
		{name: "select", arity: 2, fn: cmdSelect},
		{name: "client", arity: -2, fn: cmdClient, check: checkClient},
		{name: "wait", arity: 3, fn: func(c *conn, args [][]byte) { c.reply(reply.Int(0)) }},
		{name: "cluster", arity: -2, fn: cmdNoCluster},
		{name: "readonly", arity: 1, fn: cmdNoCluster},
		{name: "readwrite", arity: 1, fn: cmdNoCluster},
		{name: "debug", arity: -2, slow: true, fn: cmdDebug},
		{name: "command", arity: -1, fn: cmdCommand},
		{name: "config", arity: -2, fn: cmdConfig},
		{name: "info", arity: -1, fn: cmdInfo},
	} {
		h.id = router.LocalCommand(h.name)
		connTable[h.name] = h
		connFirst[len(h.name)] |= 1 << (h.name[0] - 'a')
	}
}

// connFirst[n] has bit c-'a' set when a connection command of n letters
// starts with c: most commands are ruled out by it before the map lookup.
var connFirst [16]uint32

// connCommand returns the connection command named by name (any case), or nil.
func connCommand(name []byte) *connCmd {
	if len(name) == 0 || len(name) >= len(connFirst) || connFirst[len(name)]&(1<<(((name[0]|0x20)-'a')&31)) == 0 {
		return nil
	}
	var buf [16]byte
	return connTable[string(shard.AppendLower(buf[:0], name))]
}

func eq(b []byte, word string) bool { return shard.EqualFold(b, word) }

var (
	errNoPassword = reply.Error("ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
	errWrongPass  = reply.Error("WRONGPASS invalid username-password pair or user is disabled.")
	errNoCluster  = reply.Error("ERR This instance has cluster support disabled")
)

// authenticate checks user and password as Redis's default user does; the
// password may also be the full or the read-only HTTP token.
func (c *conn) authenticate(user, pass []byte) reply.Reply {
	cfg := &c.s.cfg
	if user == nil && !cfg.authRequired() {
		return errNoPassword
	}
	okUser := user == nil || string(user) == "default"
	if !cfg.authRequired() && okUser { // AUTH default anything, no password set: Redis accepts
		return reply.OK()
	}
	readOnly := false
	switch {
	case !okUser:
		return errWrongPass
	case secretIs(pass, cfg.RequirePass), secretIs(pass, cfg.Token):
	case secretIs(pass, cfg.ReadOnlyToken):
		readOnly = true
	default:
		return errWrongPass
	}
	c.readOnly = readOnly
	if !c.authed {
		c.authed = true
		lim := c.s.cfg.Limits
		c.parser.SetLimits(lim)
	}
	return reply.OK()
}

func secretIs(got []byte, want string) bool {
	return want != "" && subtle.ConstantTimeCompare(got, []byte(want)) == 1
}

func cmdAuth(c *conn, args [][]byte) {
	switch len(args) {
	case 2:
		c.reply(c.authenticate(nil, args[1]))
	case 3:
		c.reply(c.authenticate(args[1], args[2]))
	default:
		c.reply(reply.ErrSyntax)
	}
}

// cmdHello is HELLO [protover [AUTH user pass] [SETNAME name]].
func cmdHello(c *conn, args [][]byte) {
	proto := c.proto
	if len(args) > 1 {
		v, ok := shard.ParseInt(args[1])
		if !ok {
			c.reply(reply.Error("ERR Protocol version is not an integer or out of range"))
			return
		}
		if v != 2 && v != 3 {
			c.reply(reply.Error("NOPROTO unsupported protocol version"))
			return
		}
		proto = int(v)
	}
	var name []byte
	setName := false
	for i := 2; i < len(args); i++ {
		switch {
		case eq(args[i], "auth") && i+2 < len(args):
			if r := c.authenticate(args[i+1], args[i+2]); r.IsError() {
				c.reply(r)
				return
			}
			i += 2
		case eq(args[i], "setname") && i+1 < len(args):
			name, setName = args[i+1], true
			i++
		default:
			c.reply(reply.Error("ERR Syntax error in HELLO option '" + string(args[i]) + "'"))
			return
		}
	}
	if !c.authed {
		c.reply(reply.Error("NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"))
		return
	}
	if setName {
		if !validName(name) {
			c.reply(errBadName)
			return
		}
		c.name = string(name)
	}
	c.proto = proto
	c.reply(reply.Reply{Kind: reply.KindMap, Arr: []reply.Reply{
		reply.BulkString("server"), reply.BulkString("redis"),
		reply.BulkString("version"), reply.BulkString(RedisVersion),
		reply.BulkString("proto"), reply.Int(int64(proto)),
		reply.BulkString("id"), reply.Int(c.id),
		reply.BulkString("mode"), reply.BulkString("standalone"),
		reply.BulkString("role"), reply.BulkString("master"),
		reply.BulkString("modules"), reply.Array([]reply.Reply{}),
	}})
}

// RedisVersion is the Redis version whose commands and replies memshard
// implements; HELLO and INFO report it so clients enable the right features.
const RedisVersion = "7.0.15"

func cmdQuit(c *conn, args [][]byte) {
	c.reply(reply.OK())
	c.closeAfter = true
}

func cmdReset(c *conn, args [][]byte) {
	c.sess.Close()
	c.sess = c.newSession()
	c.proto = 2
	c.name = ""
	c.replyMode = replyOn
	c.readOnly = false
	if c.s.cfg.authRequired() && c.authed {
		c.authed = false
		lim := c.s.cfg.Limits
		lim.Unauthenticated = true
		c.parser.SetLimits(lim)
	}
	c.reply(reply.Status("RESET"))
}

func cmdSelect(c *conn, args [][]byte) {
	n, ok := shard.ParseInt(args[1])
	switch {
	case !ok:
		c.reply(reply.ErrNotInt)
	case n < -1<<31 || n > 1<<31-1:
		c.reply(reply.ErrIntRange)
	case n < 0 || n >= 16:
		c.reply(reply.Error("ERR DB index is out of range"))
	case n != 0:
		c.reply(reply.Error("ERR SELECT is not supported: memshard has one database (0)"))
	default:
		c.reply(reply.OK())
	}
}

func cmdNoCluster(c *conn, args [][]byte) { c.reply(errNoCluster) }

// errDebugDisabled is Redis 7's refusal of DEBUG when enable-debug-command
// does not allow the connection.
var errDebugDisabled = reply.Error(`ERR DEBUG command not allowed. If the enable-debug-command option is set to "local", ` +
	`you can run it from a local connection, otherwise you need to set this option in the configuration file, ` +
	`and then restart the server.`)

// debugAllowed reports whether Config.EnableDebug lets this connection run
// DEBUG: always, never, or only from loopback or a unix socket.
func (c *conn) debugAllowed() bool {
	switch c.s.cfg.EnableDebug {
	case DebugYes:
		return true
	case DebugLocal:
		return isLocal(c.raddr)
	}
	return false
}

// isLocal reports whether a peer is on this machine: a loopback address or
// a unix socket.
func isLocal(a net.Addr) bool {
	switch a := a.(type) {
	case *net.TCPAddr:
		return a.IP.IsLoopback()
	case *net.UnixAddr:
		return true
	}
	return false
}

// cmdDebug supports DEBUG SLEEP (tests and tooling use it); other DEBUG
// subcommands are refused. Config.EnableDebug decides who may run it. The
// sleep holds up only its own connection (on an event loop it runs off the
// loop, see conn.slowAt) and ends early, with an error, when the connection
// is killed or the server closes: unlike Redis's, it never makes shutdown
// wait.
func cmdDebug(c *conn, args [][]byte) {
	if !c.debugAllowed() {
		c.reply(errDebugDisabled)
		return
	}
	if eq(args[1], "sleep") && len(args) == 3 {
		secs, err := strconv.ParseFloat(string(args[2]), 64)
		if err != nil || secs < 0 || secs > 3600 {
			c.reply(reply.Error("ERR value is not a valid float"))
			return
		}
		done := c.s.ctx.Done()
		if c.ctx != nil {
			done = c.ctx.Done()
		}
		t := time.NewTimer(time.Duration(secs * float64(time.Second)))
		defer t.Stop()
		select {
		case <-t.C:
			c.reply(reply.OK())
		case <-done:
			c.reply(reply.Error("ERR DEBUG SLEEP interrupted: the connection is closing"))
		}
		return
	}
	c.reply(reply.Error("ERR DEBUG " + strings.ToUpper(string(args[1])) + " is not supported by memshard"))
}

var errBadName = reply.Error("ERR Client names cannot contain spaces, newlines or special characters.")

// validName is Redis's rule for client names: printable ASCII, no spaces.
func validName(b []byte) bool {
	for _, ch := range b {
		if ch < '!' || ch > '~' {
			return false
		}
	}
	return true
}
