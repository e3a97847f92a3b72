package resp

import (
	"net"
	"slices"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/memshard/memshard/router"
	"github.com/memshard/memshard/shard"
	"github.com/memshard/memshard/shard/reply"
)

// connInfo is what CLIENT LIST shows of a connection. The connection's own
// goroutine publishes it (publish); any goroutine may read it. Publishing
// allocates nothing unless the name, library or last command changed.
type connInfo struct {
	name    atomic.Pointer[string]
	libName atomic.Pointer[string]
	libVer  atomic.Pointer[string]
	cmd     atomic.Pointer[string] // static names only: router table, connTable, subcommand table
	lastCmd atomic.Int64           // Unix nanoseconds
	proto   atomic.Int32
	multi   atomic.Bool
	qbuf    atomic.Int64 // unparsed input bytes
	rbs     atomic.Int64 // read buffer size
	obl     atomic.Int64 // pending output bytes
	outCap  atomic.Int64
}

func (c *conn) infoOf() *connInfo { return &c.info }

func storeString(p *atomic.Pointer[string], s string) {
	if old := p.Load(); old == nil && s == "" || old != nil && *old == s {
		return
	}
	v := s // only a change pays for the copy: &s would move s to the heap on every call
	p.Store(&v)
}

// publish makes the connection's state visible to CLIENT LIST and CLIENT
// KILL on other connections. last is the last command the connection ran
// (nil if none). Only the connection's goroutine calls it.
func (c *conn) publish(last [][]byte) {
	in := c.infoOf()
	storeString(&in.name, c.name)
	storeString(&in.libName, c.libName)
	storeString(&in.libVer, c.libVer)
	if name := staticCmdName(last); name != nil {
		in.cmd.Store(name)
	}
	in.lastCmd.Store(c.lastCmd.UnixNano())
	in.proto.Store(int32(c.proto))
	in.multi.Store(c.sess.InMulti())
	in.qbuf.Store(int64(c.end - c.start))
	in.rbs.Store(int64(len(c.in)))
	in.obl.Store(int64(len(c.out)))
	in.outCap.Store(int64(cap(c.out)))
}

// staticCmdName returns the lower-case name of a command as CLIENT LIST
// shows it ("get", "client|list"), pointing into a static table so that
// publishing it never allocates; nil for an unknown command.
func staticCmdName(args [][]byte) *string {
	if len(args) == 0 {
		return nil
	}
	if rc := router.Lookup(args[0]); rc != nil {
		return &rc.Name
	}
	h := connCommand(args[0])
	if h == nil {
		return nil
	}
	if e := lookupEntry(args[0]); e != nil && len(e.subs) > 0 && len(args) > 1 {
		for _, s := range e.subs {
			if eq(args[1], s.name[len(e.name)+1:]) {
				return &s.name
			}
		}
	}
	return &h.name
}

func loadString(p *atomic.Pointer[string]) string {
	if s := p.Load(); s != nil {
		return *s
	}
	return ""
}

// clientLine renders one CLIENT LIST line in Redis 7.0's format (plus
// lib-name and lib-ver, which memshard supports as Redis 7.2 does).
// Values memshard does not track are 0, or -1 where Redis uses -1 for
// "none". id, nc and created never change, so any goroutine may read them.
func clientLine(b []byte, c *conn, now time.Time) []byte {
	in := c.infoOf()
	last := time.Unix(0, in.lastCmd.Load())
	if in.lastCmd.Load() == 0 {
		last = c.created
	}
	proto := in.proto.Load()
	if proto == 0 {
		proto = 2
	}
	cmd := "NULL"
	if p := in.cmd.Load(); p != nil {
		cmd = *p
	}
	flags, multi := "N", int64(-1)
	if in.multi.Load() {
		flags, multi = "x", 0 // the session does not expose its queue length
	}
	rbs, qbuf := in.rbs.Load(), in.qbuf.Load()
	if rbs == 0 {
		rbs = readBufSize
	}
	b = append(b, "id="...)
	b = strconv.AppendInt(b, c.id, 10)
	b = append(b, " addr="...)
	b = append(b, addrString(c.raddr)...)
	b = append(b, " laddr="...)
	b = append(b, addrString(c.laddr)...)
	b = append(b, " fd=-1 name="...)
	b = append(b, loadString(&in.name)...)
	b = append(b, " age="...)
	b = strconv.AppendInt(b, int64(now.Sub(c.created)/time.Second), 10)
	b = append(b, " idle="...)
	b = strconv.AppendInt(b, max(0, int64(now.Sub(last)/time.Second)), 10)
	b = append(b, " flags="...)
	b = append(b, flags...)
	b = append(b, " db=0 sub=0 psub=0 ssub=0 multi="...)
	b = strconv.AppendInt(b, multi, 10)
	b = append(b, " qbuf="...)
	b = strconv.AppendInt(b, qbuf, 10)
	b = append(b, " qbuf-free="...)
	b = strconv.AppendInt(b, rbs-qbuf, 10)
	b = append(b, " argv-mem=0 multi-mem=0 rbs="...)
	b = strconv.AppendInt(b, rbs, 10)
	b = append(b, " rbp="...)
	b = strconv.AppendInt(b, rbs, 10)
	b = append(b, " obl="...)
	b = strconv.AppendInt(b, in.obl.Load(), 10)
	b = append(b, " oll=0 omem=0 tot-mem="...)
	b = strconv.AppendInt(b, rbs+in.outCap.Load(), 10)
	b = append(b, " events=r cmd="...)
	b = append(b, cmd...)
	b = append(b, " user=default redir=-1 resp="...)
	b = strconv.AppendInt(b, int64(proto), 10)
	b = append(b, " lib-name="...)
	b = append(b, loadString(&in.libName)...)
	b = append(b, " lib-ver="...)
	b = append(b, loadString(&in.libVer)...)
	return append(b, '\n')
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}

// snapshot returns the open connections sorted by id.
func (s *Server) snapshot() []*conn {
	s.mu.Lock()
	cs := make([]*conn, 0, len(s.conns))
	for c := range s.conns {
		cs = append(cs, c)
	}
	s.mu.Unlock()
	slices.SortFunc(cs, func(a, b *conn) int { return int(a.id - b.id) })
	return cs
}

func checkClientType(t []byte) (normal bool, ok bool) {
	switch {
	case eq(t, "normal"):
		return true, true
	case eq(t, "master"), eq(t, "replica"), eq(t, "slave"), eq(t, "pubsub"):
		return false, true
	}
	return false, false
}

// cmdClientList is CLIENT LIST [TYPE type] [ID id ...].
func cmdClientList(c *conn, args [][]byte) {
	c.publish(args)
	var ids []int64
	onlyNone := false
	switch {
	case len(args) == 2:
	case len(args) == 4 && eq(args[2], "type"):
		normal, ok := checkClientType(args[3])
		if !ok {
			c.reply(reply.Error("ERR Unknown client type '" + string(args[3]) + "'"))
			return
		}
		onlyNone = !normal
	case len(args) > 3 && eq(args[2], "id"):
		for _, a := range args[3:] {
			id, ok := shard.ParseInt(a)
			if !ok {
				c.reply(reply.Error("ERR Invalid client ID"))
				return
			}
			ids = append(ids, id)
		}
	default:
		c.reply(reply.ErrSyntax)
		return
	}
	var b []byte
	now := time.Now()
	if !onlyNone {
		conns := c.s.snapshot()
		if ids == nil {
			for _, o := range conns {
				b = clientLine(b, o, now)
			}
		} else {
			for _, id := range ids {
				if i := slices.IndexFunc(conns, func(o *conn) bool { return o.id == id }); i >= 0 {
					b = clientLine(b, conns[i], now)
				}
			}
		}
	}
	if b == nil {
		b = []byte{}
	}
	c.reply(reply.Bulk(b))
}

// cmdClientInfo is CLIENT INFO.
func cmdClientInfo(c *conn, args [][]byte) {
	if len(args) != 2 {
		c.reply(errSubArity("client|info"))
		return
	}
	c.publish(args)
	c.reply(reply.Bulk(clientLine(nil, c, time.Now())))
}

// cmdClientKill is CLIENT KILL ip:port (old form: OK or an error) or
// CLIENT KILL <filter value> ... (new form: the number of connections
// closed) with filters ID, ADDR, LADDR, TYPE, USER and SKIPME.
func cmdClientKill(c *conn, args [][]byte) {
	if len(args) == 3 { // old form
		addr := string(args[2])
		for _, o := range c.s.snapshot() {
			if addrString(o.raddr) == addr {
				c.kill(o)
				c.reply(reply.OK())
				return
			}
		}
		c.reply(reply.Error("ERR No such client"))
		return
	}
	f, errRep := parseKillFilter(args)
	if errRep.Kind != 0 {
		c.reply(errRep)
		return
	}
	killed := 0
	if !f.none {
		for _, o := range c.s.snapshot() {
			switch {
			case f.id != 0 && o.id != f.id,
				f.hasAddr && addrString(o.raddr) != f.addr,
				f.hasLaddr && addrString(o.laddr) != f.laddr,
				f.skipMe && o == c:
				continue
			}
			c.kill(o)
			killed++
		}
	}
	c.reply(reply.Int(int64(killed)))
}

// killFilter is what CLIENT KILL's filters select.
type killFilter struct {
	id                int64
	addr, laddr       string
	hasAddr, hasLaddr bool
	none              bool // TYPE master/replica/pubsub: memshard has no such clients
	skipMe            bool
}

// parseKillFilter parses CLIENT KILL <filter value> ... (args from 2).
func parseKillFilter(args [][]byte) (killFilter, reply.Reply) {
	f := killFilter{skipMe: true}
	if len(args)%2 != 0 {
		return f, reply.ErrSyntax
	}
	for i := 2; i < len(args); i += 2 {
		k, v := args[i], args[i+1]
		switch {
		case eq(k, "id"):
			n, ok := shard.ParseInt(v)
			if !ok || n <= 0 {
				return f, reply.Error("ERR client-id should be greater than 0")
			}
			f.id = n
		case eq(k, "addr"):
			f.addr, f.hasAddr = string(v), true
		case eq(k, "laddr"):
			f.laddr, f.hasLaddr = string(v), true
		case eq(k, "type"):
			normal, ok := checkClientType(v)
			if !ok {
				return f, reply.Error("ERR Unknown client type '" + string(v) + "'")
			}
			f.none = f.none || !normal
		case eq(k, "user"):
			if string(v) != "default" {
				return f, reply.Error("ERR No such user '" + string(v) + "'")
			}
		case eq(k, "skipme") && eq(v, "yes"):
			f.skipMe = true
		case eq(k, "skipme") && eq(v, "no"):
			f.skipMe = false
		default:
			return f, reply.ErrSyntax
		}
	}
	return f, reply.Reply{}
}

// kill closes connection o: another connection at once (see close), this
// one after its reply is written.
func (c *conn) kill(o *conn) {
	if o == c {
		c.closeAfter = true
		return
	}
	o.close()
}

// close closes the connection from any goroutine: closing nc makes its
// reader fail and clean up; an event loop is asked to close it after the
// commands it is running.
func (c *conn) close() {
	if c.lp != nil {
		c.lp.kill(c)
		return
	}
	c.nc.Close()
}
