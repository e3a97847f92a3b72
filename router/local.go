package router

import (
	"bytes"
	"math/rand/v2"
	"strconv"

	"github.com/memshard/memshard/shard"
)

// Error replies the router produces itself, with Redis 7's wording.
var (
	errEmptyCommand   = shard.Error("ERR empty command")
	errNestedMulti    = shard.Error("ERR MULTI calls can not be nested")
	errWatchInMulti   = shard.Error("ERR WATCH inside MULTI is not allowed")
	errSlowInMulti    = shard.Error("ERR Command not allowed inside a transaction")
	errExecNoMulti    = shard.Error("ERR EXEC without MULTI")
	errDiscardNoMulti = shard.Error("ERR DISCARD without MULTI")
	errExecAbort      = shard.Error("EXECABORT Transaction discarded because of previous errors.")
)

// unknownCommand is Redis's reply to a command it does not know, quoting the
// name and the start of the arguments (128 bytes each at most, line breaks
// turned into spaces).
func unknownCommand(args [][]byte) shard.Reply {
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
	return shard.Reply{Kind: shard.KindError, Str: b}
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
func arityError(name string) shard.Reply {
	return shard.Error("ERR wrong number of arguments for '" + name + "' command")
}

func ping(s *Session, args [][]byte) shard.Reply {
	switch len(args) {
	case 1:
		return shard.Pong()
	case 2:
		return shard.Bulk(args[1])
	}
	return arityError("ping")
}

func echo(s *Session, args [][]byte) shard.Reply { return shard.Bulk(args[1]) }

func timeCmd(s *Session, args [][]byte) shard.Reply {
	now := s.r.cfg.Clock()
	us := now.UnixMicro()
	return shard.Array([]shard.Reply{
		shard.Bulk(strconv.AppendInt(nil, us/1e6, 10)),
		shard.Bulk(strconv.AppendInt(nil, us%1e6, 10)),
	})
}

func randInt63n(n int64) int64 { return rand.Int64N(n) }
