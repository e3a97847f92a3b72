package router

import (
	"context"
	"hash/maphash"
	"runtime"
	"slices"
	"time"

	"github.com/memshard/memshard/shard"
	"github.com/memshard/memshard/shard/reply"
)

// Session is one client's view of the router: a connection, a WebSocket, an
// embedded caller. It batches a pipeline per shard and holds the client's
// transaction state (MULTI, WATCH).
//
// A Session is used by one goroutine at a time. Replies returned by Exec and
// Do alias the session's buffers and are valid until its next call.
type Session struct {
	r       *Router
	batches []*shard.Batch // one per shard, reused
	done    chan *shard.Batch
	slots   []slot
	parts   []part
	keySh   []int32  // shard of each key of an ordered multi-key command
	cnt     []int32  // per-shard counters for ordered merges
	args    [][]byte // backing store of split argument vectors
	replies []reply.Reply
	scratch *shard.Batch // single ops of compound commands
	tx      leased
	// atomic is set when the planned batches must apply as one step across
	// their shards (a cross-shard MSET among them): send makes them a group.
	atomic      bool
	stepBarrier *shard.Barrier
	members     []*shard.Shard
	spins       int // see SetWaitSpins

	// transaction state
	multi    bool
	multiErr bool
	queued   [][][]byte
	// queuedLocal[i] is non-nil when queued[i] is a transport command.
	queuedLocal []LocalFunc
	watch       *shard.Watch
	watched     [][]byte

	st     sessionStats
	pend   pending // a pipeline between Start and Finish
	budget int     // see SetReplyBudget

	limit     int         // see SetReplyLimit
	limitErr  reply.Reply // an atomic batch's replies passed the limit
	limitExec reply.Reply // EXEC's replies passed it
}

// slot is how one command of a pipeline gets its reply.
type slot struct {
	c      *Command
	idx    int32 // index of the reply in s.replies
	sh, op int32 // kindSingle: where the reply is
	p0, pn int32 // multi/fan-out: parts[p0:p0+pn]
	k0, kn int32 // ordered merge: keySh[k0:k0+kn]
}

type part struct{ sh, op int32 }

// NewSession returns a session on r for the embedded API (its commands
// count under the transport "embedded").
func (r *Router) NewSession() *Session { return r.NewSessionFor(TransportEmbedded) }

// NewSessionFor returns a session on r whose commands count under
// transport t in CommandStats.
func (r *Router) NewSessionFor(t Transport) *Session {
	n := len(r.shards)
	s := &Session{r: r, done: make(chan *shard.Batch, n+1), cnt: make([]int32, n)}
	s.batches = make([]*shard.Batch, n)
	for i := range s.batches {
		s.batches[i] = &shard.Batch{Done: s.done}
	}
	s.scratch = &shard.Batch{Done: s.done}
	s.tx = leased{s: s, leases: make([]*shard.Lease, n)}
	s.stepBarrier = new(shard.Barrier)
	s.spins = waitSpins
	s.watch = &shard.Watch{}
	s.attach(t)
	return s
}

// Router returns the router the session runs on.
func (s *Session) Router() *Router { return s.r }

// InMulti reports whether a MULTI is open.
func (s *Session) InMulti() bool { return s.multi }

// Do runs one command.
func (s *Session) Do(ctx context.Context, args [][]byte) reply.Reply {
	one := [1][][]byte{args}
	return s.Exec(ctx, one[:])[0]
}

// Exec runs a pipeline: every command in order, with per-shard batching, and
// returns one reply per command. Commands that span shards atomically (MSET
// over several shards, EXEC, RENAME across shards …) act as barriers: what
// precedes them completes first, so a client always observes its own
// commands in order.
func (s *Session) Exec(ctx context.Context, cmds [][][]byte) []reply.Reply {
	s.Start(cmds)
	return s.Finish(ctx, cmds)
}

// Start begins running a pipeline: it plans the commands up to the first
// barrier and sends their batches to the shards without waiting. Finish (or
// FinishPart) completes it. Between the two the caller may start other
// sessions' pipelines, so one goroutine keeps many clients' batches in
// flight (an event loop) and the shards receive them in one wake-up. Finish
// must get the same, unchanged, cmds.
func (s *Session) Start(cmds [][][]byte) {
	s.settle()
	s.pend = pending{start: time.Since(epoch), started: true}
	s.st.ids = s.st.ids[:0]
	for _, b := range s.batches {
		b.Arena = keepArena(b.Arena)
	}
	s.scratch.Arena = keepArena(s.scratch.Arena)
	clear(s.replies)
	if cap(s.replies) > keepReplies {
		s.replies = nil
	}
	s.replies = slices.Grow(s.replies[:0], len(cmds))
	s.pend.next, s.pend.sent = s.planSegment(cmds, 0)
}

// keepArena empties an arena for the next pipeline, dropping one that a
// large reply set grew.
func keepArena(a []byte) []byte {
	if cap(a) > maxKeptArena {
		return nil
	}
	return a[:0]
}

const (
	maxKeptArena = 1 << 20 // a batch keeps at most this much reply memory between pipelines
	keepReplies  = 4096    // nor a reply slice longer than this
)

// SetReplyBudget bounds the reply memory a pipeline holds at once: with a
// budget n > 0, a shard stops running a batch once its replies have taken n
// bytes (after at least one command), and FinishPart hands the pipeline's
// replies over part by part, running the rest only when asked for the next
// part. A client's pipeline of large replies then costs about the budget
// per shard at a time, not the sum of its replies. 0 (the default) runs
// every pipeline whole. Atomic work (transactions, cross-shard MSET, EXEC)
// always runs whole.
func (s *Session) SetReplyBudget(n int) { s.budget = max(n, 0) }

// Finish waits for the batches Start sent, runs the rest of the pipeline
// (barriers included) and returns one reply per command, valid until the
// session's next call. Finish without Start returns nothing. With a reply
// budget it runs every part and keeps all their replies.
func (s *Session) Finish(ctx context.Context, cmds [][][]byte) []reply.Reply {
	if !s.pend.started {
		return nil
	}
	for {
		if _, done := s.finishPart(ctx, cmds, false); done {
			return s.replies
		}
	}
}

// FinishPart completes the pipeline Start began, one part at a time: it
// returns the replies of the next commands of cmds in order (at least one
// when any are left) and whether they were the last. When not done the
// caller uses the replies (they are valid until the session's next call),
// then calls FinishPart again with the same cmds for the next part; the
// commands after the part have not all run yet, so a caller that waits
// before asking (an event loop whose client does not read its replies)
// holds the rest of the pipeline back. Without a reply budget (see
// SetReplyBudget) the first part is the whole pipeline.
func (s *Session) FinishPart(ctx context.Context, cmds [][][]byte) ([]reply.Reply, bool) {
	if !s.pend.started {
		return nil, true
	}
	return s.finishPart(ctx, cmds, true)
}

// finishPart returns the next part; forget drops the memory of the parts
// handed over before.
func (s *Session) finishPart(ctx context.Context, cmds [][][]byte, forget bool) ([]reply.Reply, bool) {
	p := &s.pend
	if forget {
		for i := p.forgot; i < p.emitted; i++ {
			s.replies[i] = reply.Reply{Kind: s.replies[i].Kind} // the kind is counted at the end
		}
		p.forgot = p.emitted
	}
	if p.stopped {
		p.stopped = false
		p.sent += s.resend()
	}
	for {
		s.wait(ctx, p.sent)
		p.sent = 0
		for _, b := range s.batches {
			p.made += b.Made
			b.Made = 0
		}
		if cut, stopped := s.mergeRun(p); stopped {
			p.stopped = true
			if cut == p.emitted { // nothing finished yet: run the rest now
				p.stopped = false
				p.sent += s.resend()
				continue
			}
			return s.emit(cut), false
		}
		i := p.next
		if i < len(cmds) {
			s.replies = append(s.replies, s.barrier(ctx, cmds[i]))
			i++
		}
		if i >= len(cmds) {
			rest := s.emit(len(cmds))
			s.account(p.start, s.replies, -1)
			s.pend = pending{}
			return rest, true
		}
		p.next, p.sent = s.planSegment(cmds, i)
		p.merged = 0
		if s.budget > 0 && p.made >= s.budget && i > p.emitted {
			return s.emit(i), false
		}
	}
}

// settle waits for batches still in flight from a pipeline left unfinished
// (FinishPart not called to the end), so that they cannot be taken for
// the replies of later work.
func (s *Session) settle() {
	if p := &s.pend; p.sent > 0 {
		s.wait(context.Background(), p.sent)
		p.sent = 0
	}
	s.pend = pending{}
}

// emit hands over the replies from the last part's end up to cut.
func (s *Session) emit(cut int) []reply.Reply {
	p := &s.pend
	r := s.replies[p.emitted:cut]
	p.emitted, p.made = cut, 0
	return r
}

// mergeRun merges the replies of the segment's commands that have run, in
// order, stopping at the first command whose ops have not all run (a
// batch stopped at its budget). It returns the index of that command, or
// the segment's end and false.
func (s *Session) mergeRun(p *pending) (cut int, stopped bool) {
	for ; p.merged < len(s.slots); p.merged++ {
		sl := &s.slots[p.merged]
		if !s.ran(sl) {
			return int(sl.idx), true
		}
		s.merge(sl, &s.replies[sl.idx])
		if s.budget > 0 {
			s.dropOps(sl) // the reply lives on in s.replies alone
		}
	}
	return p.next, false
}

// ran reports whether every op of a slot has run.
func (s *Session) ran(sl *slot) bool {
	if sl.c == nil || sl.c.kind == kindSingle {
		return int(sl.op) < s.batches[sl.sh].Next
	}
	for _, pt := range s.parts[sl.p0 : sl.p0+sl.pn] {
		if int(pt.op) >= s.batches[pt.sh].Next {
			return false
		}
	}
	return true
}

// dropOps clears the op replies a merged slot read.
func (s *Session) dropOps(sl *slot) {
	if sl.c == nil || sl.c.kind == kindSingle {
		s.batches[sl.sh].Ops[sl.op].Reply = reply.Reply{}
		return
	}
	for _, pt := range s.parts[sl.p0 : sl.p0+sl.pn] {
		s.batches[pt.sh].Ops[pt.op].Reply = reply.Reply{}
	}
}

// resend sends the batches the budget stopped again, each to run on from
// its first op not run, with the rest of its arena (the replies it made so
// far stay where they are until read).
func (s *Session) resend() int {
	sent := 0
	for sh, b := range s.batches {
		if !b.Stopped() {
			continue
		}
		b.Arena = b.Arena[len(b.Arena):len(b.Arena)]
		if !s.r.shards[sh].Send(b) {
			failBatch(b)
			continue
		}
		sent++
	}
	return sent
}

// Release drops what the session still references of its last pipeline:
// the commands' arguments in its batches and the replies (which may alias
// the arguments, as ECHO's does). Those point into the caller's read
// buffer; a caller that frees its buffer calls Release so that an idle
// session does not keep the buffer alive. Call it between pipelines; it
// does nothing while one is started and not finished.
func (s *Session) Release() {
	if s.pend.started {
		return
	}
	s.resetOps()
	clear(s.replies)
	s.replies = s.replies[:0]
}

// pending is a pipeline between Start and Finish.
type pending struct {
	next    int // the barrier ending the current segment, or len(cmds)
	sent    int // batches in flight
	merged  int // slots of the current segment merged into s.replies
	emitted int // replies handed over by FinishPart
	forgot  int // replies whose memory was dropped after they were handed over
	made    int // reply bytes the shards made since the last part
	stopped bool
	start   time.Duration
	started bool
}

// planSegment plans commands from cmds[i] up to the next barrier and sends their
// batches. It returns the barrier's index (len(cmds) when there is none)
// and how many batches it sent. Each command's reply is written in place
// into s.replies (grown by Start, so the pointers stay valid).
func (s *Session) planSegment(cmds [][][]byte, i int) (next, sent int) {
	s.resetOps()
	for _, b := range s.batches {
		b.Budget = s.budget
	}
	for ; i < len(cmds); i++ {
		args := cmds[i]
		idx := len(s.replies)
		s.replies = s.replies[:idx+1]
		c := s.prepare(args, &s.replies[idx])
		if c == nil {
			continue
		}
		if c.kind == kindCompound && !s.singleShard(c, args) || c.kind == kindSession {
			s.replies = s.replies[:idx]
			break // barrier
		}
		s.plan(c, args, int32(idx))
	}
	return i, s.send()
}

func (s *Session) resetOps() {
	for _, b := range s.batches {
		clear(b.Ops)
		b.Ops = b.Ops[:0]
		b.Barrier = nil
		b.Budget, b.Next = 0, 0
	}
	s.atomic = false
	clear(s.slots)
	s.slots = s.slots[:0]
	s.parts = s.parts[:0]
	s.keySh = s.keySh[:0]
	clear(s.args)
	s.args = s.args[:0]
}

// prepare looks the command up and handles what needs no shard: unknown
// command, arity, MULTI queueing, local commands, argument checks. It
// returns nil when it wrote the final reply to out.
func (s *Session) prepare(args [][]byte, out *reply.Reply) *Command {
	if len(args) == 0 {
		s.note(UnknownCommand)
		*out = errEmptyCommand
		return nil
	}
	c := lookup(args[0])
	if c == nil {
		s.note(UnknownCommand)
		if s.multi {
			s.multiErr = true
		}
		*out = unknownCommand(args)
		return nil
	}
	s.note(c.id)
	if !c.arityOK(len(args)) {
		if c.Name == "exec" {
			// Redis 7.0 answers EXECABORT (and discards an open MULTI).
			return execAbortCmd
		}
		if s.multi {
			s.multiErr = true
		}
		*out = arityError(c.Name)
		return nil
	}
	if s.multi && c.Flags&FlagSlow != 0 {
		// Redis's answer to a no-multi command: EXEC would hold every
		// shard for the whole of it.
		s.multiErr = true
		*out = errSlowInMulti
		return nil
	}
	if s.multi && c.Flags&FlagNoMulti == 0 {
		s.queued = append(s.queued, CopyArgs(args))
		s.queuedLocal = append(s.queuedLocal, nil)
		*out = reply.Queued()
		return nil
	}
	if c.kind == kindSession {
		switch c.Name {
		case "multi":
			if s.multi {
				*out = errNestedMulti
				return nil
			}
			s.multi = true
			*out = reply.OK()
			return nil
		case "watch":
			if s.multi {
				*out = errWatchInMulti
				return nil
			}
		}
		return c
	}
	if c.check != nil {
		if rep, bad := c.check(args); bad {
			*out = rep
			return nil
		}
	}
	if c.kind == kindLocal {
		*out = c.local(s, args)
		return nil
	}
	return c
}

// singleShard reports whether every key of a compound command lives on one
// shard, so its single-shard handler can run as an ordinary op.
func (s *Session) singleShard(c *Command, args [][]byte) bool {
	if c.single == nil || c.FirstKey == 0 {
		return false
	}
	first, same := -1, true
	c.keys(args, func(pos int) {
		sh := s.r.ShardOf(args[pos])
		if first < 0 {
			first = sh
		} else if sh != first {
			same = false
		}
	})
	return same && first >= 0
}

// plan adds the ops of one command to the per-shard batches.
func (s *Session) plan(c *Command, args [][]byte, idx int32) {
	sl := slot{c: c, idx: idx}
	switch c.kind {
	case kindSingle:
		h := maphash.Bytes(s.r.seed, args[c.FirstKey])
		sh := s.r.shardOfHash(h)
		if c.FirstKey != 1 {
			h = 0 // the shard takes the hint for args[1] only
		}
		sl.sh, sl.op = int32(sh), int32(s.batches[sh].AddHashed(c.fn, args, uint32(h)))
	case kindCompound: // all keys on one shard
		sh := s.r.ShardOf(args[c.FirstKey])
		sl.sh, sl.op = int32(sh), int32(s.batches[sh].Add(c.single, args))
		sl.c = nil
	case kindFanOut:
		sl.p0 = int32(len(s.parts))
		for sh, b := range s.batches {
			s.parts = append(s.parts, part{int32(sh), int32(b.Add(c.fn, args))})
		}
		sl.pn = int32(len(s.batches))
	case kindMulti:
		s.planMulti(&sl, c, args)
	}
	s.slots = append(s.slots, sl)
}

// planMulti splits a multi-key command into one op per shard, each with the
// keys (and, for MSET-like commands, their values) that shard owns.
func (s *Session) planMulti(sl *slot, c *Command, args [][]byte) {
	sl.k0 = int32(len(s.keyShard()))
	c.keys(args, func(pos int) { s.keySh = append(s.keySh, int32(s.r.ShardOf(args[pos]))) })
	keys := s.keySh[sl.k0:]
	sl.kn = int32(len(keys))
	step := max(c.Step, 1)
	sl.p0 = int32(len(s.parts))
	for sh := range s.batches {
		start := len(s.args)
		for j, ksh := range keys {
			if int(ksh) != sh {
				continue
			}
			if len(s.args) == start {
				s.args = append(s.args, args[0])
			}
			pos := c.FirstKey + j*step
			s.args = append(s.args, args[pos:pos+step]...)
		}
		if len(s.args) == start {
			continue
		}
		sub := s.args[start:len(s.args):len(s.args)]
		s.parts = append(s.parts, part{int32(sh), int32(s.batches[sh].Add(c.fn, sub))})
	}
	sl.pn = int32(len(s.parts)) - sl.p0
	if c.atomic && sl.pn > 1 {
		s.atomic = true
	}
}

func (s *Session) keyShard() []int32 { return s.keySh }

// send sends every non-empty batch to its shard and returns how many it
// sent; a stopped shard's batch fails in place.
func (s *Session) send() int {
	if s.atomic {
		return s.sendBarrier()
	}
	sent := 0
	for sh, b := range s.batches {
		if len(b.Ops) == 0 {
			continue
		}
		if !s.r.shards[sh].Send(b) {
			failBatch(b)
			continue
		}
		sent++
	}
	return sent
}

// wait receives n completed batches. If ctx ends first, the session's
// batches still belong to the shards, so it takes new ones and fails the
// pipeline.
func (s *Session) wait(ctx context.Context, n int) {
	// Yield a few times before blocking: a shard usually answers within a
	// scheduling quantum, and a goroutine that never parks spares the
	// runtime a thread wake-up on each side.
	for spin := 0; n > 0 && spin < s.spins; spin++ {
		select {
		case <-s.done:
			n--
		default:
			runtime.Gosched()
		}
	}
	if ctx.Done() == nil { // context.Background: a plain receive is cheaper than select
		for ; n > 0; n-- {
			<-s.done
		}
		return
	}
	for ; n > 0; n-- {
		select {
		case <-s.done:
		case <-ctx.Done():
			s.abandon(ctx.Err())
			return
		}
	}
}

// waitSpins is how many times wait yields before it blocks, by default.
const waitSpins = 16

// SetWaitSpins sets how many times the session yields the processor before
// it blocks waiting for the shards (default 16). Yielding pays off for a
// goroutine that has the processor mostly to itself (an event loop, an
// embedding program); a caller that is one of many runnable goroutines (an
// HTTP handler) spends more on the yields than it saves and should use 0.
func (s *Session) SetWaitSpins(n int) { s.spins = max(n, 0) }

// abandon gives the in-flight batches up to the shards and starts afresh.
func (s *Session) abandon(err error) {
	old := s.batches
	s.done = make(chan *shard.Batch, len(old)+1)
	s.batches = make([]*shard.Batch, len(old))
	rep := reply.Error("ERR " + err.Error())
	for i, b := range old {
		nb := &shard.Batch{Done: s.done, Ops: make([]shard.Op, len(b.Ops))}
		for j := range nb.Ops {
			nb.Ops[j].Reply = rep
		}
		nb.Next = len(nb.Ops)
		s.batches[i] = nb
	}
	s.scratch = &shard.Batch{Done: s.done}
	s.stepBarrier = new(shard.Barrier) // the shards may still be using the old one
}

func failBatch(b *shard.Batch) {
	for i := range b.Ops {
		b.Ops[i].Reply = reply.ErrShardStopped
	}
	b.Next = len(b.Ops)
}

// merge writes the final reply of a slot after its batches completed.
func (s *Session) merge(sl *slot, out *reply.Reply) {
	if sl.c == nil || sl.c.kind == kindSingle {
		*out = s.batches[sl.sh].Ops[sl.op].Reply
		return
	}
	*out = s.mergeParts(sl)
}

// mergeParts combines the per-shard replies of a multi-key or fan-out command.
func (s *Session) mergeParts(sl *slot) reply.Reply {
	parts := s.parts[sl.p0 : sl.p0+sl.pn]
	replyOf := func(p part) reply.Reply { return s.batches[p.sh].Ops[p.op].Reply }
	for _, p := range parts {
		if r := replyOf(p); r.Kind == reply.KindError {
			return r
		}
	}
	switch sl.c.merge {
	case mergeOrdered:
		return s.mergeOrdered(sl, parts)
	case mergeSum, mergeIsEmpty:
		var n int64
		for _, p := range parts {
			n += replyOf(p).Int
		}
		if sl.c.merge == mergeIsEmpty {
			return reply.Int(b2i(n == 0))
		}
		return reply.Int(n)
	case mergeConcat:
		var all []reply.Reply
		for _, p := range parts {
			all = append(all, replyOf(p).Arr...)
		}
		if all == nil {
			all = []reply.Reply{}
		}
		return reply.Array(all)
	case mergeRandom:
		return s.mergeRandom(parts)
	}
	return reply.OK()
}

func (s *Session) mergeOrdered(sl *slot, parts []part) reply.Reply {
	byShard := s.cnt // reused: first the part index of each shard, then a cursor
	for i := range byShard {
		byShard[i] = -1
	}
	for i, p := range parts {
		byShard[p.sh] = int32(i)
	}
	next := make([]int32, len(parts))
	out := make([]reply.Reply, sl.kn)
	for j, sh := range s.keySh[sl.k0 : sl.k0+sl.kn] {
		pi := byShard[sh]
		p := parts[pi]
		out[j] = s.batches[p.sh].Ops[p.op].Reply.Arr[next[pi]]
		next[pi]++
	}
	return reply.Array(out)
}

// mergeRandom picks one shard's random key with probability proportional to
// the shard's size, so RANDOMKEY is uniform over the whole keyspace.
func (s *Session) mergeRandom(parts []part) reply.Reply {
	var total int64
	for _, p := range parts {
		total += s.batches[p.sh].Ops[p.op].Reply.Arr[1].Int
	}
	if total == 0 {
		return reply.Nil()
	}
	pick := randInt63n(total)
	for _, p := range parts {
		r := s.batches[p.sh].Ops[p.op].Reply
		if pick < r.Arr[1].Int && r.Arr[0].Kind != reply.KindNil {
			return r.Arr[0]
		}
		pick -= r.Arr[1].Int
	}
	for _, p := range parts { // the chosen shard had only expired keys
		if r := s.batches[p.sh].Ops[p.op].Reply; r.Arr[0].Kind != reply.KindNil {
			return r.Arr[0]
		}
	}
	return reply.Nil()
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// CopyArgs copies an argument vector into one fresh allocation, so that it
// no longer aliases the caller's buffers.
func CopyArgs(args [][]byte) [][]byte {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	buf := make([]byte, 0, n)
	out := make([][]byte, len(args))
	for i, a := range args {
		buf = append(buf, a...)
		out[i] = buf[len(buf)-len(a) : len(buf) : len(buf)]
	}
	return out
}
