package memshard

import (
	"errors"
	"strings"

	"github.com/memshard/memshard/shard/reply"
)

// Reply is a typed command reply (see the Kind constants).
type Reply = reply.Reply

// Kind is the type of a Reply.
type Kind = reply.Kind

// Reply kinds.
const (
	KindNil      = reply.KindNil
	KindStatus   = reply.KindStatus
	KindError    = reply.KindError
	KindInt      = reply.KindInt
	KindBulk     = reply.KindBulk
	KindArray    = reply.KindArray
	KindMap      = reply.KindMap
	KindDouble   = reply.KindDouble
	KindNilArray = reply.KindNilArray
)

// Sentinel errors. Command errors are *CommandError values that match these
// with errors.Is.
var (
	ErrClosed     = errors.New("memshard: closed")
	ErrNotFound   = errors.New("memshard: key not found")
	ErrWrongType  = errors.New("WRONGTYPE Operation against a key holding the wrong kind of value")
	ErrSyntax     = errors.New("ERR syntax error")
	ErrNotInteger = errors.New("ERR value is not an integer or out of range")
	ErrNoSuchKey  = errors.New("ERR no such key")
	ErrExecAbort  = errors.New("EXECABORT Transaction discarded because of previous errors.")
)

// CommandError is an error reply of a command, with its Redis text
// ("ERR ...", "WRONGTYPE ...").
type CommandError struct {
	Msg string
}

func (e *CommandError) Error() string { return e.Msg }

// Is matches the sentinel error with the same Redis text, and ErrWrongType
// by its WRONGTYPE prefix.
func (e *CommandError) Is(target error) bool {
	switch target {
	case ErrWrongType:
		return strings.HasPrefix(e.Msg, "WRONGTYPE")
	case ErrExecAbort:
		return strings.HasPrefix(e.Msg, "EXECABORT")
	case ErrSyntax, ErrNotInteger, ErrNoSuchKey:
		return e.Msg == target.Error()
	case ErrClosed:
		return e.Msg == string(reply.ErrShardStopped.Str)
	}
	return false
}

// Prefix is the error's Redis prefix ("ERR", "WRONGTYPE", "EXECABORT" ...).
func (e *CommandError) Prefix() string {
	p, _, _ := strings.Cut(e.Msg, " ")
	return p
}

// replyErr returns the *CommandError of an error reply, nil otherwise.
func replyErr(r reply.Reply) error {
	if r.Kind != reply.KindError {
		return nil
	}
	return &CommandError{Msg: string(r.Str)}
}
