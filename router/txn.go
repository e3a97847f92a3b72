package router

import (
	"context"

	"github.com/memshard/memshard/shard"
	"github.com/memshard/memshard/shard/reply"
)

// execAbortCmd stands for an EXEC with the wrong arity inside MULTI: Redis
// discards the transaction and says why.
var execAbortCmd = &Command{Name: "execabort", kind: kindSession}

var errExecArityAbort = reply.Error("EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command")

// leased runs single ops on shards for compound commands and transactions.
// A shard with a lease in leases is reached through its lease (it runs
// nothing else meanwhile); any other shard through its mailbox.
type leased struct {
	s      *Session
	ctx    context.Context
	leases []*shard.Lease // by shard index
	seq    uint64         // the change number of the writes made under the leases
}

// run executes one op on shard sh and returns its reply, which stays valid
// until the session's next Exec.
func (x *leased) run(sh int, fn shard.Handler, args [][]byte) reply.Reply {
	b := x.s.scratch
	clear(b.Ops)
	b.Ops = b.Ops[:0]
	b.Add(fn, args)
	if l := x.leases[sh]; l != nil {
		l.Run(b)
		return b.Ops[0].Reply
	}
	if !x.s.r.shards[sh].Send(b) {
		return reply.ErrShardStopped
	}
	if x.ctx == nil {
		x.ctx = context.Background()
	}
	x.s.wait(x.ctx, 1)
	if x.s.scratch != b { // abandoned
		return reply.Error("ERR " + x.ctx.Err().Error())
	}
	return b.Ops[0].Reply
}

// acquire leases the shards marked in need. It queues every lease at once
// under the router's order lock, so all shards see the multi-shard
// reservations in one order and two transactions never wait on each other
// in a cycle; then it waits for them all.
func (x *leased) acquire(ctx context.Context, need []bool) bool {
	x.ctx = ctx
	r := x.s.r
	var buf [8]pendingLease
	sent := buf[:0]
	ok := true
	r.order.Lock()
	for sh, want := range need {
		if !want {
			continue
		}
		l := shard.NewLease()
		if !r.shards[sh].Send(&shard.Batch{Lease: l}) {
			ok = false
			break
		}
		sent = append(sent, pendingLease{sh, l})
	}
	r.order.Unlock()
	for _, p := range sent {
		if !ok {
			x.drop(p)
			continue
		}
		select {
		case <-p.l.Acquired():
			if p.l.Held() {
				x.leases[p.sh] = p.l
			} else {
				ok = false // the shard stopped
			}
		case <-ctx.Done():
			ok = false
			x.drop(p)
		}
	}
	if !ok {
		x.release()
		return false
	}
	// Drawn once every shard is held: each of them has applied all its
	// earlier writes, so the transaction's number is above theirs, and no
	// later write can get a smaller one.
	x.seq = x.s.r.seq.Add(1)
	for _, l := range x.leases {
		if l != nil {
			l.SetSeq(x.seq)
		}
	}
	return true
}

// pendingLease is a lease sent to shard sh and not yet seen acquired.
type pendingLease struct {
	sh int
	l  *shard.Lease
}

// drop gives up a lease nobody will wait for: withdrawn if still queued,
// otherwise kept in x.leases for release.
func (x *leased) drop(p pendingLease) {
	if p.l.Cancel() {
		return
	}
	<-p.l.Acquired()
	if p.l.Held() {
		x.leases[p.sh] = p.l
	}
}

// release gives every held shard back to its mailbox.
func (x *leased) release() {
	for i, l := range x.leases {
		if l != nil {
			l.Release()
			x.leases[i] = nil
		}
	}
	x.seq = 0
}

// need marks the shards a command touches: its keys' shards, or all of them
// for fan-out and keyless shard work.
func (s *Session) need(c *Command, args [][]byte, mark []bool) {
	switch {
	case c.kind == kindLocal || c.kind == kindSession:
	case c.kind == kindFanOut || c.FirstKey == 0:
		for i := range mark {
			mark[i] = true
		}
	default:
		c.keys(args, func(pos int) { mark[s.r.ShardOf(args[pos])] = true })
	}
}

// runLeased executes one command while the transaction holds its shards.
func (s *Session) runLeased(args [][]byte) reply.Reply {
	c := lookup(args[0])
	if c.check != nil {
		if rep, bad := c.check(args); bad {
			return rep
		}
	}
	switch c.kind {
	case kindLocal:
		return c.local(s, args)
	case kindSession: // UNWATCH queued inside MULTI: EXEC already unwatched
		return reply.OK()
	case kindCompound:
		if !s.singleShard(c, args) {
			return c.compound(&s.tx, args)
		}
	}
	s.resetOps()
	s.plan(c, args, 0)
	for sh, b := range s.batches {
		if len(b.Ops) != 0 {
			s.tx.leases[sh].Run(b)
		}
	}
	var out reply.Reply
	s.merge(&s.slots[0], &out)
	return out
}

// barrier runs a command that must see every earlier command of the
// pipeline completed: session commands and cross-shard compound commands.
func (s *Session) barrier(ctx context.Context, args [][]byte) reply.Reply {
	c := lookup(args[0])
	if !c.arityOK(len(args)) && c.Name == "exec" {
		c = execAbortCmd
	}
	switch c.Name {
	case "execabort":
		s.resetMulti()
		s.unwatch(ctx)
		return errExecArityAbort
	case "exec":
		return s.execMulti(ctx)
	case "discard":
		if !s.multi {
			return errDiscardNoMulti
		}
		s.resetMulti()
		s.unwatch(ctx)
		return reply.OK()
	case "watch":
		s.addWatch(ctx, args[1:])
		return reply.OK()
	case "unwatch":
		s.unwatch(ctx)
		return reply.OK()
	}
	// A compound command outside a transaction.
	if c.Flags&FlagFanOut != 0 || c.FirstKey == 0 {
		s.tx.ctx = ctx
		return c.compound(&s.tx, args) // not atomic across shards (SCAN, DUMP)
	}
	mark := make([]bool, len(s.batches))
	s.need(c, args, mark)
	if !s.tx.acquire(ctx, mark) {
		return txnFailed(ctx)
	}
	defer s.tx.release()
	return c.compound(&s.tx, args)
}

func txnFailed(ctx context.Context) reply.Reply {
	if err := ctx.Err(); err != nil {
		return reply.Error("ERR " + err.Error())
	}
	return reply.ErrShardStopped
}

func (s *Session) resetMulti() {
	s.multi, s.multiErr = false, false
	s.queued, s.queuedLocal = nil, nil
}

// execMulti runs the queued transaction atomically: it leases every shard the
// transaction or its WATCH touches, checks the watched keys, runs the
// commands in order and releases the shards.
func (s *Session) execMulti(ctx context.Context) reply.Reply {
	if !s.multi {
		return errExecNoMulti
	}
	queued, local, aborted := s.queued, s.queuedLocal, s.multiErr
	s.resetMulti()
	if aborted {
		s.unwatch(ctx)
		return errExecAbort
	}
	mark := make([]bool, len(s.batches))
	for i, args := range queued {
		if local[i] == nil {
			s.need(lookup(args[0]), args, mark)
		}
	}
	for _, k := range s.watched {
		mark[s.r.ShardOf(k)] = true
	}
	if !s.tx.acquire(ctx, mark) {
		s.unwatch(ctx)
		return txnFailed(ctx)
	}
	if len(s.watched) != 0 {
		for sh, l := range s.tx.leases {
			if l != nil {
				s.tx.run(sh, checkWatchOp, s.watchedOn(sh))
			}
		}
		if s.watch.Dirty() {
			s.tx.release()
			s.unwatch(ctx)
			return reply.Reply{Kind: reply.KindNilArray}
		}
	}
	out := make([]reply.Reply, len(queued))
	within := txnReplies{limit: s.limit}
	dropped := 0
	for i, args := range queued {
		if local[i] == nil {
			out[i] = s.runLeased(args)
			if !within.add(&out[i]) {
				clear(out[dropped : i+1]) // the rest runs; no reply is kept
				dropped = i + 1
			}
		}
	}
	s.tx.release()
	// Connection commands queued by the transport run after the shards are
	// released (they may ask the shards for statistics), in their order.
	for i, fn := range local {
		if fn != nil {
			out[i] = fn(queued[i])
			within.add(&out[i])
		}
	}
	s.unwatch(ctx)
	if within.limit > 0 && within.size > within.limit {
		return s.limitExec
	}
	return reply.Array(out)
}

// LocalFunc runs a command the transport answers itself (a connection
// command such as CLIENT SETNAME) when a transaction queued it reaches EXEC.
type LocalFunc func(args [][]byte) reply.Reply

// QueueLocal queues a transport-level command inside MULTI, as Redis queues
// CLIENT, SELECT or CONFIG there; fn runs at EXEC and its reply takes the
// command's place in EXEC's array. It returns QUEUED, or an error when no
// MULTI is open.
func (s *Session) QueueLocal(args [][]byte, fn LocalFunc) reply.Reply {
	if !s.multi {
		return errExecNoMulti
	}
	s.queued = append(s.queued, CopyArgs(args))
	s.queuedLocal = append(s.queuedLocal, fn)
	return reply.Queued()
}

// FlagQueueError marks an open MULTI as failed, as a command rejected while
// queueing does in Redis: EXEC will answer EXECABORT.
func (s *Session) FlagQueueError() {
	if s.multi {
		s.multiErr = true
	}
}

// watchedOn returns an argument vector ("watch", keys...) of the watched keys
// that live on shard sh.
func (s *Session) watchedOn(sh int) [][]byte {
	args := [][]byte{[]byte("watch")}
	for _, k := range s.watched {
		if s.r.ShardOf(k) == sh {
			args = append(args, k)
		}
	}
	return args
}

func (s *Session) addWatch(ctx context.Context, keys [][]byte) {
	keys = CopyArgs(keys)
	mark := make([]bool, len(s.batches))
	for _, k := range keys {
		mark[s.r.ShardOf(k)] = true
	}
	s.watched = append(s.watched, keys...)
	s.tx.ctx = ctx
	for sh, m := range mark {
		if m {
			args := [][]byte{[]byte("watch")}
			for _, k := range keys {
				if s.r.ShardOf(k) == sh {
					args = append(args, k)
				}
			}
			s.tx.run(sh, watchOp(s.watch), args)
		}
	}
}

// unwatch forgets every watched key and starts a fresh WATCH state.
func (s *Session) unwatch(ctx context.Context) {
	if len(s.watched) == 0 {
		s.watch = &shard.Watch{}
		return
	}
	s.tx.ctx = ctx
	for sh := range s.batches {
		args := s.watchedOn(sh)
		if len(args) > 1 {
			s.tx.run(sh, unwatchOp(s.watch), args)
		}
	}
	s.watched = nil
	s.watch = &shard.Watch{}
}

// Close ends the session: an open MULTI is discarded and WATCHes removed.
func (s *Session) Close() {
	s.settle()
	s.resetMulti()
	s.unwatch(context.Background())
}

func watchOp(w *shard.Watch) shard.Handler {
	return func(ks *shard.Keyspace, args [][]byte) reply.Reply {
		for _, k := range args[1:] {
			ks.AddWatch(k, w)
		}
		return reply.OK()
	}
}

func unwatchOp(w *shard.Watch) shard.Handler {
	return func(ks *shard.Keyspace, args [][]byte) reply.Reply {
		for _, k := range args[1:] {
			ks.RemoveWatch(k, w)
		}
		return reply.OK()
	}
}

func checkWatchOp(ks *shard.Keyspace, args [][]byte) reply.Reply {
	ks.CheckWatch(args[1:])
	return reply.OK()
}
