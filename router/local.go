package router

import (
	"bytes"
	"math/rand/v2"
	"strconv"

	"github.com/memshard/memshard/shard/reply"
)

// Error replies the router produces itself, with Redis 7's wording.
var (
	errEmptyCommand   = reply.Error("ERR empty command")
	errNestedMulti    = reply.Error("ERR MULTI calls can not be nested")
	errWatchInMulti   = reply.Error("ERR WATCH inside MULTI is not allowed")
	errSlowInMulti    = reply.Error("ERR Command not allowed inside a transaction")
	errExecNoMulti    = reply.Error("ERR EXEC without MULTI")
	errDiscardNoMulti = reply.Error("ERR DISCARD without MULTI")
	errExecAbort      = reply.Error("EXECABORT Transaction discarded because of previous errors.")
)

// unknownCommand is Redis's reply to a command it does not know, quoting the
// name and the start of the arguments (128 bytes each at most, line breaks
// turned into spaces).
func unknownCommand(args [][]byte) reply.Reply {
	name := cstr(args[0])
	if len(name) > 128 {
		name = name[:128]
	}
	b := []byte("ERR unknown command '")
	b = append(b, name...)
	b = append(b, "', with args beginning with: "...)
	var rest []byte
	for _, a := range args[1:] {
		if len(rest) >= 128 {
			break
		}
		room := 128 - len(rest)
		a = cstr(a)
		if len(a) > room {
			a = a[:room]
		}
		rest = append(rest, '\'')
		rest = append(rest, a...)
		rest = append(rest, "' "...)
	}
	b = append(b, rest...)
	for i, c := range b {
		if c == '\r' || c == '\n' {
			b[i] = ' '
		}
	}
	return reply.Reply{Kind: reply.KindError, Str: b}
}

// cstr cuts b at its first NUL byte: Redis formats these messages with
// C strings.
func cstr(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// arityError is Redis's reply to a wrong argument count.
func arityError(name string) reply.Reply {
	return reply.Error("ERR wrong number of arguments for '" + name + "' command")
}

func ping(s *Session, args [][]byte) reply.Reply {
	switch len(args) {
	case 1:
		return reply.Pong()
	case 2:
		return reply.Bulk(args[1])
	}
	return arityError("ping")
}

func echo(s *Session, args [][]byte) reply.Reply { return reply.Bulk(args[1]) }

func timeCmd(s *Session, args [][]byte) reply.Reply {
	now := s.r.cfg.Clock()
	us := now.UnixMicro()
	return reply.Array([]reply.Reply{
		reply.Bulk(strconv.AppendInt(nil, us/1e6, 10)),
		reply.Bulk(strconv.AppendInt(nil, us%1e6, 10)),
	})
}

func randInt63n(n int64) int64 { return rand.Int64N(n) }
