package shard

import (
	"hash/maphash"
	"math"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/memshard/memshard/actor"
	"github.com/memshard/memshard/shard/reply"
	"github.com/rs/zerolog"
)

// Op is one command for a shard: the handler to run, its arguments, and the
// slot its reply is written to.
type Op struct {
	Fn    Handler
	Args  [][]byte
	Reply reply.Reply
	// Hash, when not 0, is the hash of Args[1] under the shard's seed (see
	// Config.Seed): the router computed it to choose the shard.
	Hash uint32
}

// Batch is the message a shard receives: commands for this shard only, run
// back to back, then handed back on Done. Batches are pooled by the router;
// a shard never keeps one after sending it on Done.
type Batch struct {
	Ops     []Op
	Arena   []byte      // bulk reply bytes; Replies alias it
	Done    chan *Batch // receives the batch when every op has run
	Lease   *Lease      // non-nil: a reservation request, not work
	Barrier *Barrier    // non-nil: one member of an atomic multi-shard step
	Err     bool        // set when the shard stopped before running the batch
	// Budget, when > 0, bounds the reply bytes one run of the batch makes:
	// once its ops have made that many, the shard stops before the next op
	// and hands the batch back with Next at the first op not run; sent
	// again, the batch runs on from there. At least one op runs per send,
	// so a single reply larger than the budget still comes back whole.
	// Leases and groups (atomic work) ignore it.
	Budget int
	// Next is the first op the shard has not run, set by every run:
	// len(Ops) for one run to the end. With a Budget, the sender sets it to
	// 0 for a new batch; a batch without one always runs from its first op.
	Next int
	// Made is how many reply bytes the last run made (see Budget).
	Made int
}

// Stopped reports whether the shard handed b back before its last op
// because the budget ran out.
func (b *Batch) Stopped() bool { return b.Next < len(b.Ops) && !b.Err }

// Reset empties b for reuse, keeping its memory.
func (b *Batch) Reset() {
	clear(b.Ops)
	b.Ops = b.Ops[:0]
	b.Arena = b.Arena[:0]
	b.Lease = nil
	b.Barrier = nil
	b.Err = false
	b.Budget, b.Next = 0, 0
}

// AddHashed appends an op whose first key (args[1]) hashes to h under the
// shard's seed, and returns its index.
func (b *Batch) AddHashed(fn Handler, args [][]byte, h uint32) int {
	b.Ops = append(b.Ops, Op{Fn: fn, Args: args, Hash: h})
	return len(b.Ops) - 1
}

// Add appends an op and returns its index.
func (b *Batch) Add(fn Handler, args [][]byte) int {
	b.Ops = append(b.Ops, Op{Fn: fn, Args: args})
	return len(b.Ops) - 1
}

// Lease reserves a shard for one holder: once acquired, the shard runs only
// the batches sent on the lease until Release. Cross-shard atomic work takes
// leases on every shard it touches in ascending shard order, which is why two
// holders can never deadlock.
type Lease struct {
	state    atomic.Int32 // leasePending → leaseHeld | leaseCancelled
	acquired chan struct{}
	work     chan *Batch
	seq      uint64 // change number of every write made under the lease; 0: per command
}

const (
	leasePending int32 = iota
	leaseHeld
	leaseCancelled
	leaseStopped
)

// NewLease returns a lease ready to be sent (as Batch.Lease) to one shard.
func NewLease() *Lease {
	return &Lease{acquired: make(chan struct{}, 1), work: make(chan *Batch)}
}

// Acquired is signalled when the shard has parked itself for the holder.
func (l *Lease) Acquired() <-chan struct{} { return l.acquired }

// Held reports whether the shard granted the lease (false if it stopped
// before it could).
func (l *Lease) Held() bool { return l.state.Load() == leaseHeld }

// Cancel withdraws a lease that has not been acquired yet. It reports false
// when the shard already holds it for us: the caller must then Release it.
func (l *Lease) Cancel() bool { return l.state.CompareAndSwap(leasePending, leaseCancelled) }

// Run sends b to the leased shard and waits for it to complete. Only the
// holder calls Run, between Acquired and Release.
func (l *Lease) Run(b *Batch) {
	l.work <- b
	<-b.Done
}

// SetSeq makes every write of the batches run on the lease from now on carry
// change number seq: a transaction's writes on all its shards share one
// number. Only the holder calls it, between Acquired and Run.
func (l *Lease) SetSeq(seq uint64) { l.seq = seq }

// Release returns the shard to its mailbox.
func (l *Lease) Release() { l.work <- nil }

// prefetch enables the batch's first pass that touches every key's bucket
// and entry before the commands run (see dict.touch).
var prefetch = true

// Config configures a shard.
type Config struct {
	// ActiveExpireInterval is the period of the active expiry cycle.
	ActiveExpireInterval time.Duration
	// Clock is the time source (time.Now when nil).
	Clock func() time.Time
	// Logger receives the shard's logs (a handler panic, with its stack).
	Logger zerolog.Logger
	// Seq is the change counter shared by the shards of one router (see
	// Keyspace); nil gives the shard a counter of its own.
	Seq *atomic.Uint64
	// Seed, when set, is the hash seed of the keyspace: the router's, so
	// that an Op's Hash can stand in for hashing its key again.
	Seed *maphash.Seed
}

// Shard is one goroutine owning one Keyspace. Other goroutines talk to it
// only through Send.
type Shard struct {
	id       int
	ks       *Keyspace
	mb       *actor.Mailbox[*Batch]
	cfg      Config
	stopping atomic.Bool
	tickDue  atomic.Bool
	sink     uint64 // keeps the prefetch loads of run from being optimised away
	touchK   [touchChunk][]byte
	touchH   [touchChunk]uint32
	resume   chan uint64 // a Barrier's change number, when this shard waits in it
}

// New returns a shard that is not running yet.
func New(id int, cfg Config) *Shard {
	if cfg.ActiveExpireInterval <= 0 {
		cfg.ActiveExpireInterval = 100 * time.Millisecond
	}
	ks := NewKeyspace(cfg.Clock)
	if cfg.Seq != nil {
		ks.seqSrc = cfg.Seq
	}
	if cfg.Seed != nil {
		ks.d.seed = *cfg.Seed
	}
	return &Shard{id: id, ks: ks, mb: actor.NewMailbox[*Batch](), cfg: cfg, resume: make(chan uint64, 1)}
}

// ID is the shard's index.
func (s *Shard) ID() int { return s.id }

// Start runs the shard's loop on a goroutine of g. The loop returns after
// Stop, not when g stops: call Stop on every shard, then g.Wait.
func (s *Shard) Start(g *actor.Group) error { return g.Go(s.loop) }

// Send queues b. It reports false when the shard has stopped; b was not
// queued and the caller must fail it itself. Safe for concurrent use.
func (s *Shard) Send(b *Batch) bool { return s.mb.Push(b) }

// loop is the shard goroutine. Its only blocking point is one plain channel
// receive: the expiry timer and Stop reach it as mailbox wake-ups with a
// flag, which keeps the per-batch hand-off cheaper than a select.
func (s *Shard) loop(<-chan struct{}) {
	interval := s.cfg.ActiveExpireInterval
	budget := interval / 40 // stay far below Redis's 25% slow-cycle cap
	var timer atomic.Pointer[time.Timer]
	t := time.AfterFunc(time.Duration(math.MaxInt64), func() {
		if s.stopping.Load() {
			return
		}
		s.tickDue.Store(true)
		s.mb.Wake()
		timer.Load().Reset(interval)
	})
	timer.Store(t)
	t.Reset(interval)
	defer t.Stop()
	var buf []*Batch
	for {
		<-s.mb.Ready()
		if s.stopping.Load() {
			buf = s.mb.Drain(buf)
			for _, b := range buf {
				s.handle(b) // accepted before the stop: finish them
			}
			for _, b := range s.mb.Close() {
				s.fail(b)
			}
			return
		}
		if s.tickDue.Swap(false) {
			s.ks.ActiveExpire(budget)
		}
		buf = s.mb.Drain(buf)
		for _, b := range buf {
			s.handle(b)
		}
	}
}

// Stop makes the shard finish the batches it has and return; batches sent
// afterwards fail. Safe for concurrent use; idempotent.
func (s *Shard) Stop() {
	s.stopping.Store(true)
	s.mb.Wake()
}

func (s *Shard) handle(b *Batch) {
	switch {
	case b.Lease != nil:
		s.leased(b.Lease)
	case b.Barrier != nil:
		s.grouped(b)
	default:
		s.run(b, 0)
	}
}

// run executes b and hands it back; seq is the change number of its writes
// (0: one per command).
func (s *Shard) run(b *Batch, seq uint64) {
	ks := s.ks
	ks.Tick()
	ks.beginBatch()
	ks.arena = b.Arena
	ks.outBytes = 0
	from := 0
	if b.Budget > 0 && b.Next < len(b.Ops) {
		from = b.Next // the rest of a batch the budget stopped
	}
	if len(b.Ops)-from > 1 && prefetch {
		s.touch(b.Ops[from:])
	}
	budget := b.Budget
	if b.Barrier != nil || seq != 0 {
		budget = 0 // atomic work runs whole
	}
	i := from
	for i < len(b.Ops) {
		i = s.runFrom(b, i, seq, budget)
		if i < len(b.Ops) && budget > 0 && ks.outBytes >= budget {
			break
		}
	}
	b.Next, b.Made = i, ks.outBytes
	b.Arena = ks.arena
	ks.arena = nil
	ks.d.hintKey = nil // hold no pointer into the batch
	b.Done <- b
}

// touch loads the first key of every op (see dict.touchKeys).
func (s *Shard) touch(ops []Op) {
	var x uint64
	for len(ops) > 0 {
		n := 0
		for _, op := range ops[:min(len(ops), touchChunk)] {
			if len(op.Args) > 1 {
				s.touchK[n], s.touchH[n] = op.Args[1], op.Hash
				n++
			}
		}
		x += s.ks.d.touchKeys(s.touchK[:n], s.touchH[:n])
		ops = ops[min(len(ops), touchChunk):]
	}
	clear(s.touchK[:])
	s.sink = x
}

// runFrom runs b.Ops[i:] and returns len(b.Ops), or, with a budget, the
// index of the first op not run once the ops run have made budget bytes of
// replies (always after at least one op). A handler that panics (a bug)
// fails its own command with an error reply and is logged with its stack;
// the shard and the other commands of the batch carry on.
func (s *Shard) runFrom(b *Batch, i int, seq uint64, budget int) (next int) {
	defer func() {
		if p := recover(); p != nil {
			s.cfg.Logger.Error().Int("shard", s.id).Interface("panic", p).
				Str("command", string(b.Ops[i].Args0())).Bytes("stack", debug.Stack()).
				Msg("command handler panicked")
			b.Ops[i].Reply = reply.ErrInternal
			next = i + 1
		}
	}()
	ks := s.ks
	first := i
	for ; i < len(b.Ops); i++ {
		if budget > 0 && ks.outBytes >= budget && i > first {
			return i
		}
		op := &b.Ops[i]
		ks.beginOp(seq, len(b.Ops)-i)
		if len(op.Args) > 1 {
			ks.d.setHint(op.Args[1], op.Hash)
		}
		op.Reply = op.Fn(ks, op.Args)
	}
	return i
}

// Args0 is the command name of an op, or nil.
func (op *Op) Args0() []byte {
	if len(op.Args) == 0 {
		return nil
	}
	return op.Args[0]
}

// leased parks the shard for one holder until it releases the lease.
func (s *Shard) leased(l *Lease) {
	if !l.state.CompareAndSwap(leasePending, leaseHeld) {
		return // the holder gave up before we got here
	}
	l.acquired <- struct{}{}
	for b := range l.work {
		if b == nil {
			return
		}
		s.run(b, l.seq)
	}
}

func (s *Shard) fail(b *Batch) {
	if l := b.Lease; l != nil {
		if l.state.CompareAndSwap(leasePending, leaseStopped) {
			l.acquired <- struct{}{}
		}
		return
	}
	if g := b.Barrier; g != nil {
		g.Abandon()
	}
	for i := range b.Ops {
		b.Ops[i].Reply = reply.ErrShardStopped
	}
	b.Err = true
	b.Next = len(b.Ops)
	b.Done <- b
}

// Call runs fn on the shard's goroutine with its keyspace and waits for it.
// It is for tests and rare administrative work (INFO, DUMP chunks), not the
// data path.
func (s *Shard) Call(fn func(ks *Keyspace) reply.Reply) reply.Reply {
	b := &Batch{Done: make(chan *Batch, 1)}
	b.Add(func(ks *Keyspace, _ [][]byte) reply.Reply { return fn(ks) }, nil)
	if !s.Send(b) {
		return reply.ErrShardStopped
	}
	<-b.Done
	return b.Ops[0].Reply
}
