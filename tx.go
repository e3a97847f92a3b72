package memshard

import (
	"context"
	"strconv"

	"github.com/memshard/memshard/router"
	"github.com/memshard/memshard/shard/reply"
)

// Session is a connection-like handle with Redis's per-connection state:
// MULTI/EXEC/DISCARD and WATCH/UNWATCH work exactly as on a Redis
// connection. A Session is for one goroutine at a time; Close it when done.
type Session struct {
	db *DB
	c  *conn
}

// Session opens a session on db.
func (db *DB) Session() *Session { return &Session{db: db, c: newConn(db.r)} }

// Do runs one command in the session and returns a deep copy of its reply;
// a command error is also returned as a *CommandError.
func (s *Session) Do(ctx context.Context, args ...any) (Reply, error) {
	if s.db.closed.Load() {
		return Reply{}, ErrClosed
	}
	if len(args) == 0 {
		return Reply{}, &CommandError{Msg: "ERR empty command"}
	}
	rep := s.c.s.Do(ctx, s.c.setArgs(args)).Clone()
	return rep, replyErr(rep)
}

// Close discards an open MULTI and removes the session's WATCHes.
func (s *Session) Close() { s.c.s.Close() }

// Tx collects commands to run as one atomic, isolated transaction across
// shards (MULTI … EXEC). Build it with Do, run it with Exec.
type Tx struct {
	db   *DB
	cmds [][]any
}

// Tx starts an empty transaction.
func (db *DB) Tx() *Tx { return &Tx{db: db} }

// Do queues a command.
func (tx *Tx) Do(args ...any) *Tx { tx.cmds = append(tx.cmds, args); return tx }

// Exec runs the queued commands atomically and returns one reply per
// command. A command that fails at run time (INCR of a non-number) does not
// stop the others, as in Redis; Exec then returns the replies and the first
// such error. A command rejected while queueing (unknown, wrong arity)
// aborts the whole transaction with that error; nothing runs.
func (tx *Tx) Exec(ctx context.Context) ([]Reply, error) {
	if tx.db.closed.Load() {
		return nil, ErrClosed
	}
	c := newConn(tx.db.r)
	defer c.s.Close()
	var cmds [][][]byte
	cmds = append(cmds, [][]byte{[]byte("multi")})
	for _, a := range tx.cmds {
		cmds = append(cmds, copyArgv(c.setArgs(a)))
	}
	cmds = append(cmds, [][]byte{[]byte("exec")})
	reps := c.s.Exec(ctx, cmds)
	for _, r := range reps[1 : len(reps)-1] {
		if r.Kind == reply.KindError {
			return nil, replyErr(r)
		}
	}
	exec := reps[len(reps)-1]
	switch exec.Kind {
	case reply.KindError:
		return nil, replyErr(exec)
	}
	out := make([]Reply, len(exec.Arr))
	var first error
	for i, r := range exec.Arr {
		out[i] = r.Clone()
		if err := replyErr(r); err != nil && first == nil {
			first = err
		}
	}
	return out, first
}

// Commit runs the queued commands all or nothing: every command is checked
// first, then they run with their shards reserved, and if any fails while
// running (WRONGTYPE, not an integer …) every key already written is
// restored. On failure the error is a *CommitError naming the command, and
// the store is as before. FLUSHALL, CLEAR, DUMP, IMPORT and MULTI/EXEC/
// WATCH cannot be part of such a batch.
func (tx *Tx) Commit(ctx context.Context) ([]Reply, error) {
	if tx.db.closed.Load() {
		return nil, ErrClosed
	}
	c := newConn(tx.db.r)
	defer c.s.Close()
	cmds := make([][][]byte, len(tx.cmds))
	for i, a := range tx.cmds {
		cmds[i] = copyArgv(c.setArgs(a))
	}
	reps, failed, errRep := c.s.ExecAtomic(ctx, cmds)
	if failed >= 0 {
		return nil, &CommitError{Index: failed, Err: replyErr(errRep)}
	}
	out := make([]Reply, len(reps))
	for i, r := range reps {
		out[i] = r.Clone()
	}
	return out, nil
}

// CommitError says which command of a Tx.Commit failed; nothing was applied.
type CommitError struct {
	Index int   // position of the failing command in the Tx
	Err   error // its *CommandError
}

func (e *CommitError) Error() string {
	return "memshard: command " + strconv.Itoa(e.Index) + " of the transaction failed, nothing applied: " + e.Err.Error()
}

// Unwrap returns the command's error, so errors.Is(err, ErrWrongType) works.
func (e *CommitError) Unwrap() error { return e.Err }

func copyArgv(argv [][]byte) [][]byte {
	out := make([][]byte, len(argv))
	for i, a := range argv {
		out[i] = append([]byte(nil), a...)
	}
	return out
}

// Pipeline sends many commands at once: they are grouped per shard, every
// shard runs its group in one message, and the replies come back in order.
// It is the fastest way to talk to memshard and allocates nothing per
// command once warm. A Pipeline is for one goroutine at a time.
type Pipeline struct {
	db   *DB
	s    *router.Session
	buf  []byte
	argv [][]byte
	cmds [][][]byte
}

// Pipeline returns an empty pipeline.
func (db *DB) Pipeline() *Pipeline { return &Pipeline{db: db, s: db.r.NewSession()} }

// Add queues one command; its arguments are copied.
func (p *Pipeline) Add(args ...[]byte) {
	start := len(p.argv)
	for _, a := range args {
		n := len(p.buf)
		p.buf = append(p.buf, a...)
		p.argv = append(p.argv, p.buf[n:len(p.buf):len(p.buf)])
	}
	p.cmds = append(p.cmds, p.argv[start:len(p.argv):len(p.argv)])
}

// Len is the number of queued commands.
func (p *Pipeline) Len() int { return len(p.cmds) }

// Exec runs the queued commands and empties the pipeline. The replies alias
// the pipeline's buffers: they are valid until the next Add or Exec (Clone
// one to keep it). Command errors are error replies, not an error.
func (p *Pipeline) Exec(ctx context.Context) ([]Reply, error) {
	if p.db.closed.Load() {
		return nil, ErrClosed
	}
	reps := p.s.Exec(ctx, p.cmds)
	clear(p.cmds)
	p.cmds = p.cmds[:0]
	p.argv = p.argv[:0]
	p.buf = p.buf[:0]
	if err := ctx.Err(); err != nil {
		return reps, err
	}
	return reps, nil
}

// Close releases the pipeline's session state.
func (p *Pipeline) Close() { p.s.Close() }
