package router

import (
	"math/bits"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/memshard/memshard/shard"
	"github.com/memshard/memshard/shard/reply"
)

// Command statistics for /metrics.
//
// Every session owns a counter block: per command name, how many commands
// it received and how many answered an error, and a histogram of how long
// its Exec calls took. Only the session's goroutine writes the block, so
// its atomic adds are uncontended; within one Exec the session counts in
// plain memory and adds to the block once per distinct command name.
//
// The router keeps every block it ever made. A session takes one from the
// free list of its transport when it is created, and the block goes back to
// that list when the session is garbage-collected (sessions are pooled and
// dropped freely, and none must lose its counts), so the number of blocks
// follows the peak number of live sessions. A scrape sums all blocks.

// Transport is where a session's commands come from; it labels the
// command statistics.
type Transport uint8

// Transports.
const (
	TransportEmbedded  Transport = iota // the Go API in the same process
	TransportRESP                       // the Redis protocol
	TransportHTTP                       // HTTP requests
	TransportWebSocket                  // WebSocket sessions
	numTransports
)

var transportNames = [numTransports]string{"embedded", "resp", "http", "ws"}

// String is the transport's label value: embedded, resp, http or ws.
func (t Transport) String() string {
	if t < numTransports {
		return transportNames[t]
	}
	return "unknown"
}

// UnknownCommand is the command ID of names that are neither in the command
// table nor registered with LocalCommand; its name is "unknown".
const UnknownCommand = 0

// cmdNames is every countable command name by ID: "unknown", the command
// table in registration order, then the transports' local commands. It is
// complete once the package inits ran and the transports registered theirs.
var (
	cmdNames    = []string{"unknown"}
	localIDs    = map[string]int{}
	namesFrozen atomic.Bool
)

// nameID gives a new name its ID.
func nameID(name string) int {
	cmdNames = append(cmdNames, name)
	return len(cmdNames) - 1
}

// LocalCommand registers the name of a command a transport answers itself
// (RESP's AUTH, HELLO, CLIENT …) and returns its ID for Session.CountLocal.
// A name of the command table keeps the table's ID. Call it from an init
// function: it panics once a session exists.
func LocalCommand(name string) int {
	if c := lookup([]byte(name)); c != nil {
		return int(c.id)
	}
	if namesFrozen.Load() {
		panic("router: LocalCommand(" + name + ") after the first session")
	}
	if id, ok := localIDs[name]; ok {
		return id
	}
	id := nameID(name)
	localIDs[name] = id
	return id
}

// CommandID returns the ID of a command name in any letter case: the
// table's, a registered local command's, or UnknownCommand. Safe from any
// goroutine once the package inits ran.
func CommandID(name []byte) int {
	if c := lookup(name); c != nil {
		return int(c.id)
	}
	var buf [16]byte
	if len(name) > len(buf) {
		return UnknownCommand
	}
	if id, ok := localIDs[string(shard.AppendLower(buf[:0], name))]; ok {
		return id
	}
	return UnknownCommand
}

// Latency histogram: bucket i counts Exec calls that took at most
// latencyBase·2^i; the last bucket is +Inf.
const (
	latencyBase    = 10 * time.Microsecond
	latencyBuckets = 18 // 10µs … 1.31072s
)

// LatencyBounds returns the upper bounds of the latency buckets in
// seconds, without +Inf. Safe from any goroutine.
func LatencyBounds() []float64 {
	out := make([]float64, latencyBuckets)
	for i := range out {
		out[i] = (latencyBase << i).Seconds()
	}
	return out
}

// latencyBucket returns the bucket of an Exec call that took d.
func latencyBucket(d time.Duration) int {
	if d <= latencyBase {
		return 0
	}
	return min(bits.Len64(uint64((d-1)/latencyBase)), latencyBuckets)
}

// counterBlock is one session's counters. Its owner writes it with atomic
// adds; scrapes read it at any time.
type counterBlock struct {
	_         [64]byte // keep other blocks' writers off these cache lines
	transport Transport
	calls     []atomic.Uint64 // by command ID
	errs      []atomic.Uint64 // by command ID
	latency   [latencyBuckets + 1]atomic.Uint64
	latSum    atomic.Uint64 // nanoseconds
	_         [64]byte
}

// statsRegistry is every counter block of a router.
type statsRegistry struct {
	mu   sync.Mutex
	all  []*counterBlock
	free [numTransports][]*counterBlock
}

// take returns a free block of transport t, or a new one.
func (g *statsRegistry) take(t Transport) *counterBlock {
	namesFrozen.Store(true)
	g.mu.Lock()
	defer g.mu.Unlock()
	if n := len(g.free[t]); n > 0 {
		b := g.free[t][n-1]
		g.free[t] = g.free[t][:n-1]
		return b
	}
	b := &counterBlock{transport: t, calls: make([]atomic.Uint64, len(cmdNames)),
		errs: make([]atomic.Uint64, len(cmdNames))}
	g.all = append(g.all, b)
	return b
}

// put makes b available to a new session again.
func (g *statsRegistry) put(b *counterBlock) {
	g.mu.Lock()
	g.free[b.transport] = append(g.free[b.transport], b)
	g.mu.Unlock()
}

// blocks returns a snapshot of the registry's blocks.
func (g *statsRegistry) blocks() []*counterBlock {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]*counterBlock(nil), g.all...)
}

// sessionStats is a session's side of the statistics.
type sessionStats struct {
	blk  *counterBlock
	ids  []uint16 // command ID of each command of the running Exec
	pend []uint32 // calls by command ID not yet added to blk
}

// attach gives a new session its counter block and arranges for the block
// to return to the free list when the session is collected.
func (s *Session) attach(t Transport) {
	g := &s.r.stats
	s.st.blk = g.take(t)
	s.st.pend = make([]uint32, len(s.st.blk.calls))
	runtime.AddCleanup(s, g.put, s.st.blk)
}

// note records the command ID of the next command of the running Exec.
func (s *Session) note(id uint16) { s.st.ids = append(s.st.ids, id) }

// account adds the commands noted during one Exec call, their error
// replies (replies[i] is the reply of the i-th; failed, when not -1, the
// index of one more that failed) and the call's duration to the session's
// block. Calls are summed per run of equal names in plain memory first,
// then added to the block once per distinct name.
func (s *Session) account(start time.Duration, replies []reply.Reply, failed int) {
	st := &s.st
	b := st.blk
	if ids := st.ids; len(ids) > 0 {
		cur, run := ids[0], uint32(0)
		for _, id := range ids {
			if id != cur {
				st.pend[cur] += run
				cur, run = id, 0
			}
			run++
		}
		st.pend[cur] += run
		for _, id := range ids {
			if n := st.pend[id]; n != 0 {
				b.calls[id].Add(uint64(n))
				st.pend[id] = 0
			}
		}
		for i := range min(len(replies), len(ids)) {
			if replies[i].Kind == reply.KindError {
				b.errs[ids[i]].Add(1)
			}
		}
		if failed >= 0 && failed < len(ids) {
			b.errs[ids[failed]].Add(1)
		}
		st.ids = ids[:0]
	}
	d := time.Since(epoch) - start
	b.latency[latencyBucket(d)].Add(1)
	b.latSum.Add(uint64(max(d, 0)))
}

// epoch anchors the monotonic clock reads of Exec: time.Since(epoch) reads
// the clock once, where time.Now reads it twice.
var epoch = time.Now()

// CountLocal counts one command a transport answered itself (id from
// LocalCommand or CommandID), failed when its reply was an error. Called
// from the session's goroutine.
func (s *Session) CountLocal(id int, failed bool) {
	b := s.st.blk
	if id < 0 || id >= len(b.calls) {
		id = UnknownCommand
	}
	b.calls[id].Add(1)
	if failed {
		b.errs[id].Add(1)
	}
}

// CommandCount is how many commands of one name came over one transport.
type CommandCount struct {
	Name      string // a command table name, a registered local name, or "unknown"
	Transport Transport
	Calls     uint64
	Errors    uint64 // calls whose reply was an error
}

// Latency is the histogram of Exec durations of one transport.
type Latency struct {
	Transport Transport
	Counts    []uint64 // per bucket of LatencyBounds, then +Inf; not cumulative
	Sum       time.Duration
}

// CommandStats sums every session's counters: the commands with at least
// one call, ordered by name then transport, and one latency histogram per
// transport, indexed by Transport. Safe from any goroutine.
func (r *Router) CommandStats() ([]CommandCount, []Latency) {
	var calls, errs [numTransports][]uint64
	lat := make([]Latency, numTransports)
	for t := range lat {
		lat[t] = Latency{Transport: Transport(t), Counts: make([]uint64, latencyBuckets+1)}
	}
	for _, b := range r.stats.blocks() {
		t := b.transport
		if calls[t] == nil {
			calls[t], errs[t] = make([]uint64, len(cmdNames)), make([]uint64, len(cmdNames))
		}
		for id := range b.calls {
			calls[t][id] += b.calls[id].Load()
			errs[t][id] += b.errs[id].Load()
		}
		for i := range b.latency {
			lat[t].Counts[i] += b.latency[i].Load()
		}
		lat[t].Sum += time.Duration(b.latSum.Load())
	}
	var out []CommandCount
	for _, id := range sortedIDs() {
		for t := range numTransports {
			if calls[t] != nil && calls[t][id] != 0 {
				out = append(out, CommandCount{Name: cmdNames[id], Transport: t, Calls: calls[t][id], Errors: errs[t][id]})
			}
		}
	}
	return out, lat
}

// sortedIDs returns every command ID ordered by name.
func sortedIDs() []int {
	ids := make([]int, len(cmdNames))
	for i := range ids {
		ids[i] = i
	}
	slices.SortFunc(ids, func(a, b int) int { return strings.Compare(cmdNames[a], cmdNames[b]) })
	return ids
}
