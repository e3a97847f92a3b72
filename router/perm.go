package router

import (
	"strings"

	"github.com/memshard/memshard/shard"
)

// Perm is what a credential may run. Every transport asks Allowed before it
// runs a command for a connection or request, so the rule is the same on
// RESP, HTTP and WebSocket.
type Perm uint8

const (
	// PermAll runs everything: the password, the full token, or no
	// authentication configured.
	PermAll Perm = iota
	// PermRead runs only commands that neither write nor administer: the
	// read-only token.
	PermRead
)

// adminServer lists the server commands a transport serves outside the table
// (CONFIG, DEBUG, CLIENT …) that Redis flags admin. A nil list means every
// subcommand but HELP; otherwise only the subcommands listed.
var adminServer = map[string][]string{
	"config": nil, // CONFIG GET too: it reads the server's settings
	"debug":  nil,
	"client": {"kill", "list", "pause", "unpause", "no-evict"},
}

// Allows reports whether a credential with permission p may run c.
func (c *Command) Allows(p Perm) bool {
	return p == PermAll || c.Flags&(FlagWrite|FlagAdmin) == 0
}

// Allowed reports whether a credential with permission p may run args: a
// table command by its flags (write, admin), a server command (CONFIG,
// DEBUG, CLIENT KILL|LIST|PAUSE …) by Redis's admin flag. A name nobody
// serves is allowed: it answers "unknown command" to everyone. Safe from any
// goroutine; it does not allocate.
func Allowed(p Perm, args [][]byte) bool {
	if p == PermAll || len(args) == 0 {
		return true
	}
	if c := lookup(args[0]); c != nil {
		return c.Allows(p)
	}
	if len(args[0]) > 16 {
		return true
	}
	var buf [16]byte
	subs, ok := adminServer[string(shard.AppendLower(buf[:0], args[0]))]
	switch {
	case !ok, len(args) < 2: // without a subcommand: the arity error comes first
		return true
	case subs == nil:
		return equalFold(args[1], "help")
	}
	for _, sub := range subs {
		if equalFold(args[1], sub) {
			return false
		}
	}
	return true
}

// SecretConfig reports whether the configuration parameter name holds a
// secret: a password, a token or a TLS private key (anything named *pass*,
// *token*, *secret*, masterauth, or a TLS *key*). CONFIG GET leaves such
// parameters out of its reply, whoever asks.
func SecretConfig(name string) bool {
	n := strings.ToLower(name)
	return strings.Contains(n, "pass") || strings.Contains(n, "token") || strings.Contains(n, "secret") ||
		strings.Contains(n, "masterauth") || strings.Contains(n, "tls") && strings.Contains(n, "key")
}
