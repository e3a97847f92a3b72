package resp

import (
	"bytes"
	"strings"

	"github.com/memshard/memshard/shard/reply"
)

// clientArity is the arity of each CLIENT subcommand (Redis convention,
// counting CLIENT and the subcommand).
var clientArity = map[string]int{
	"setname": 3, "getname": 2, "id": 2, "setinfo": 4, "reply": 3, "list": -2,
	"info": 2, "kill": -3, "no-evict": 3, "no-touch": 3,
}

// checkClient rejects an unknown CLIENT subcommand or a wrong argument
// count with Redis's errors; inside MULTI it runs when the command is queued.
func checkClient(args [][]byte) (reply.Reply, bool) {
	sub := strings.ToLower(string(cstr(args[1])))
	arity, ok := clientArity[sub]
	if !ok {
		name := cstr(args[1])
		if len(name) > 128 {
			name = name[:128]
		}
		return reply.Error("ERR unknown subcommand '" + string(name) + "'. Try CLIENT HELP."), true
	}
	if arity >= 0 && len(args) != arity || arity < 0 && len(args) < -arity {
		return reply.Error("ERR wrong number of arguments for 'client|" + sub + "' command"), true
	}
	return reply.Reply{}, false
}

// cstr cuts b at its first NUL byte, as Redis's C-string formatting does.
func cstr(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// cmdClient is CLIENT SETNAME|GETNAME|ID|SETINFO|REPLY|INFO|LIST|KILL|NO-EVICT|NO-TOUCH.
func cmdClient(c *conn, args [][]byte) {
	if rep, bad := checkClient(args); bad {
		c.reply(rep)
		return
	}
	sub := args[1]
	switch {
	case eq(sub, "setname") && len(args) == 3:
		if !validName(args[2]) {
			c.reply(errBadName)
			return
		}
		c.name = string(args[2])
		c.reply(reply.OK())
	case eq(sub, "getname") && len(args) == 2:
		if c.name == "" {
			c.reply(reply.Nil())
			return
		}
		c.reply(reply.BulkString(c.name))
	case eq(sub, "id") && len(args) == 2:
		c.reply(reply.Int(c.id))
	case eq(sub, "setinfo") && len(args) == 4:
		switch {
		case eq(args[2], "lib-name"):
			if !validName(args[3]) {
				c.reply(reply.Error("ERR lib-name cannot contain spaces, newlines or special characters."))
				return
			}
			c.libName = string(args[3])
		case eq(args[2], "lib-ver"):
			if !validName(args[3]) {
				c.reply(reply.Error("ERR lib-ver cannot contain spaces, newlines or special characters."))
				return
			}
			c.libVer = string(args[3])
		default:
			c.reply(reply.Error("ERR Unrecognized option '" + string(args[2]) + "'"))
			return
		}
		c.reply(reply.OK())
	case eq(sub, "reply") && len(args) == 3:
		switch {
		case eq(args[2], "on"):
			c.replyMode = replyOn
			c.reply(reply.OK())
		case eq(args[2], "off"):
			c.replyMode = replyOff
		case eq(args[2], "skip"):
			c.replyMode = replySkip
		default:
			c.reply(reply.ErrSyntax)
		}
	case eq(sub, "list"):
		cmdClientList(c, args)
	case eq(sub, "info"):
		cmdClientInfo(c, args)
	case eq(sub, "kill") && len(args) >= 3:
		cmdClientKill(c, args)
	case (eq(sub, "no-evict") || eq(sub, "no-touch")) && len(args) == 3:
		if !eq(args[2], "on") && !eq(args[2], "off") {
			c.reply(reply.ErrSyntax)
			return
		}
		c.reply(reply.OK())
	default:
		c.reply(reply.Error("ERR unknown subcommand or wrong number of arguments for '" + string(sub) + "'. Try CLIENT HELP."))
	}
}
