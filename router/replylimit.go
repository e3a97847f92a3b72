package router

import "github.com/memshard/memshard/shard/reply"

// A transaction's replies are built whole while its shards are held, so a
// pipeline's reply budget (SetReplyBudget) cannot split them. The reply
// limit bounds them instead: once the replies of a transaction's commands
// pass it, an all-or-nothing batch (ExecAtomic, ExecChecked) is rolled
// back and refused, and a MULTI … EXEC (which Redis never undoes) runs to
// its end with the rest of its replies dropped as they are made, EXEC
// answering an error. Either way the session holds about the limit, not
// the replies' sum.

// SetReplyLimit sets the reply limit of transactions: n bytes (0: none),
// and the error that names it to the client (for instance
// "ERR reply exceeds http-max-response (33554432 bytes)"). EXEC over the
// limit answers that error followed by a note that the transaction was
// applied; an atomic batch answers it as the error of the command that
// passed the limit, having applied nothing.
func (s *Session) SetReplyLimit(n int, err string) {
	s.limit = max(n, 0)
	s.limitErr = reply.Error(err)
	s.limitExec = reply.Error(err + "; the transaction was applied, its replies dropped")
}

// replySize is about the memory a reply holds: its bytes and a fixed cost
// per reply.
func replySize(r *reply.Reply) int {
	n := 32 + len(r.Str)
	for i := range r.Arr {
		n += replySize(&r.Arr[i])
	}
	return n
}

// txnReplies counts the size of a transaction's replies against the limit.
type txnReplies struct {
	limit int
	size  int
}

// add counts r and reports whether the replies are still within the limit.
func (t *txnReplies) add(r *reply.Reply) bool {
	if t.limit == 0 {
		return true
	}
	t.size += replySize(r)
	return t.size <= t.limit
}
