package router

import (
	"context"
	"strconv"
	"time"

	"github.com/memshard/memshard/shard"
	"github.com/memshard/memshard/shard/reply"
)

// ExecAtomic runs cmds all or nothing: every command is validated first
// (unknown command, arity, argument checks, commands a batch cannot undo),
// then the batch runs with every shard it touches leased, so nothing
// interleaves; if a command fails while running (WRONGTYPE, not an
// integer …) the keys written so far are restored and the batch has no
// effect. This is the contract of memstore's /v1/execute.
//
// On success it returns one reply per command (valid until the session's
// next call) and failed == -1; otherwise failed is the index of the command
// that failed and errRep its error.
func (s *Session) ExecAtomic(ctx context.Context, cmds [][][]byte) (replies []reply.Reply, failed int, errRep reply.Reply) {
	res := s.ExecChecked(ctx, nil, cmds)
	return res.Replies, res.ErrIndex, res.Err
}

// Check is a condition of a checked batch: Key's version must be Ver
// (0: Key must not exist).
type Check struct {
	Key []byte
	Ver uint64
}

// Failed is a check that did not hold, with the key's current version.
type Failed struct {
	Key     []byte
	Ver     uint64
	Current uint64
}

// Checked is the outcome of ExecChecked. Exactly one holds: Failed is
// non-empty (a check failed, nothing ran), ErrIndex >= 0 (a command failed,
// nothing applied), or the batch committed and Replies has one reply per
// command (valid until the session's next call).
type Checked struct {
	Replies  []reply.Reply
	Seq      uint64 // the batch's change number: the version of every key it wrote
	Failed   []Failed
	ErrIndex int
	Err      reply.Reply
}

// ExecChecked is ExecAtomic preceded by version checks, run while the batch
// holds its shards: if any key's version differs from its check, nothing
// runs. This is the contract of /v1/txn, after etcd's compare-and-swap
// transactions.
func (s *Session) ExecChecked(ctx context.Context, checks []Check, cmds [][][]byte) Checked {
	start := time.Since(epoch)
	res := s.execChecked(ctx, checks, cmds)
	s.accountAtomic(start, cmds, res.ErrIndex)
	return res
}

func (s *Session) execChecked(ctx context.Context, checks []Check, cmds [][][]byte) Checked {
	if s.multi {
		return Checked{ErrIndex: 0, Err: errAtomicInMulti}
	}
	mark := make([]bool, len(s.batches))
	for i, args := range cmds {
		c, rep, ok := validateAtomic(args)
		if !ok {
			return Checked{ErrIndex: i, Err: rep}
		}
		s.need(c, args, mark)
	}
	for _, c := range checks {
		mark[s.r.ShardOf(c.Key)] = true
	}
	for _, b := range s.batches {
		b.Arena = b.Arena[:0]
	}
	s.scratch.Arena = s.scratch.Arena[:0]
	if !s.tx.acquire(ctx, mark) {
		return Checked{ErrIndex: 0, Err: txnFailed(ctx)}
	}
	defer s.tx.release()
	res := Checked{ErrIndex: -1, Seq: s.tx.seq}
	if res.Failed = s.checkVersions(checks); len(res.Failed) != 0 {
		return res
	}
	var undo []saved
	seen := map[string]bool{}
	out := make([]reply.Reply, len(cmds))
	within := txnReplies{limit: s.limit}
	for i, args := range cmds {
		c := lookup(args[0])
		if c.Flags&FlagWrite != 0 {
			c.keys(args, func(pos int) {
				if k := args[pos]; !seen[string(k)] {
					seen[string(k)] = true
					prev := s.tx.run(s.r.ShardOf(k), shard.Peek, [][]byte{peekName, k})
					undo = append(undo, saved{key: append([]byte(nil), k...), prev: prev.Clone()})
				}
			})
		}
		out[i] = s.runLeased(args)
		if out[i].IsError() {
			rep := out[i].Clone()
			s.rollback(undo)
			return Checked{ErrIndex: i, Err: rep}
		}
		if !within.add(&out[i]) {
			clear(out[:i+1])
			s.rollback(undo)
			return Checked{ErrIndex: i, Err: s.limitErr}
		}
	}
	res.Replies = out
	return res
}

// checkVersions runs the checks on the held shards and returns those that
// failed.
func (s *Session) checkVersions(checks []Check) []Failed {
	var failed []Failed
	for _, c := range checks {
		rep := s.tx.run(s.r.ShardOf(c.Key), shard.Versions, [][]byte{versionsName, c.Key})
		var cur uint64
		if rep.Kind == reply.KindArray && len(rep.Arr) == 1 {
			cur = uint64(rep.Arr[0].Int)
		}
		if cur != c.Ver {
			failed = append(failed, Failed{Key: c.Key, Ver: c.Ver, Current: cur})
		}
	}
	return failed
}

// accountAtomic counts an ExecAtomic call: every command it received, the
// one that failed (if any) as an error.
func (s *Session) accountAtomic(start time.Duration, cmds [][][]byte, failed int) {
	s.st.ids = s.st.ids[:0]
	for _, args := range cmds {
		id := UnknownCommand
		if len(args) > 0 {
			id = CommandID(args[0])
		}
		s.note(uint16(id))
	}
	s.account(start, nil, failed)
}

// saved is a key's state before an atomic batch wrote it: a Peek reply.
type saved struct {
	key  []byte
	prev reply.Reply
}

var (
	peekName     = []byte("peek")
	versionsName = []byte("versions")
	putName      = []byte("put")
	delName      = []byte("del")
	replace      = []byte("replace")

	errAtomicInMulti = reply.Error("ERR an atomic batch cannot run inside MULTI")
)

// rollback restores the saved keys, newest first.
func (s *Session) rollback(undo []saved) {
	for i := len(undo) - 1; i >= 0; i-- {
		u := undo[i]
		sh := s.r.ShardOf(u.key)
		if u.prev.Kind != reply.KindArray {
			s.tx.run(sh, shard.Del, [][]byte{delName, u.key})
			continue
		}
		at := strconv.AppendInt(nil, u.prev.Arr[1].Int, 10)
		ver := strconv.AppendInt(nil, u.prev.Arr[3].Int, 10)
		s.tx.run(sh, shard.Put, [][]byte{putName, u.key, u.prev.Arr[0].Str, at, replace, ver})
	}
}

// validateAtomic checks one command of an atomic batch before anything runs.
func validateAtomic(args [][]byte) (*Command, reply.Reply, bool) {
	if len(args) == 0 {
		return nil, errEmptyCommand, false
	}
	c := lookup(args[0])
	switch {
	case c == nil:
		return nil, unknownCommand(args), false
	case !c.arityOK(len(args)):
		return nil, arityError(c.Name), false
	case c.kind == kindSession:
		return nil, reply.Error("ERR " + c.Name + " is not allowed in an atomic batch"), false
	case c.Flags&FlagWrite != 0 && (c.Flags&FlagFanOut != 0 || c.FirstKey == 0):
		// FLUSHALL, CLEAR, IMPORT: too wide to undo.
		return nil, reply.Error("ERR " + c.Name + " is not allowed in an atomic batch"), false
	case c.Flags&FlagAdmin != 0:
		return nil, reply.Error("ERR " + c.Name + " is not allowed in an atomic batch"), false
	}
	if c.check != nil {
		if rep, bad := c.check(args); bad {
			return nil, rep, false
		}
	}
	return c, reply.Reply{}, true
}
