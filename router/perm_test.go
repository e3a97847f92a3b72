package router

import (
	"strings"
	"testing"
)

func TestAllowed(t *testing.T) {
	cases := []struct {
		cmd  string
		read bool // what PermRead gets
	}{
		{"GET k", true}, {"get k", true}, {"MGET a b", true}, {"SCAN 0", true}, {"PING", true},
		{"SET k v", false}, {"DEL k", false}, {"FLUSHALL", false}, {"flushdb", false}, {"CLEAR", false},
		{"DUMP f.csv", false}, {"IMPORT f.csv", false},
		{"CONFIG GET requirepass", false}, {"config get *", false}, {"CONFIG SET maxclients 1", false},
		{"CONFIG RESETSTAT", false}, {"CONFIG HELP", true}, {"CONFIG", true},
		{"DEBUG SLEEP 0", false}, {"debug", true},
		{"CLIENT KILL ID 1", false}, {"client list", false}, {"CLIENT PAUSE 10", false},
		{"CLIENT UNPAUSE", false}, {"CLIENT NO-EVICT on", false},
		{"CLIENT ID", true}, {"CLIENT SETNAME x", true}, {"INFO", true}, {"COMMAND DOCS", true},
		{"NOSUCH x", true}, {strings.Repeat("x", 40), true},
	}
	for _, tc := range cases {
		var args [][]byte
		for _, f := range strings.Fields(tc.cmd) {
			args = append(args, []byte(f))
		}
		if !Allowed(PermAll, args) {
			t.Errorf("PermAll refused %q", tc.cmd)
		}
		if got := Allowed(PermRead, args); got != tc.read {
			t.Errorf("PermRead %q: allowed %v, want %v", tc.cmd, got, tc.read)
		}
	}
}

func TestSecretConfig(t *testing.T) {
	for _, name := range []string{"requirepass", "masterauth", "tls-key-file", "tls-key-file-pass",
		"tls-client-key-file", "token", "read-only-token", "REQUIREPASS", "client-secret"} {
		if !SecretConfig(name) {
			t.Errorf("%s is not a secret", name)
		}
	}
	for _, name := range []string{"maxclients", "timeout", "port", "bind", "notify-keyspace-events",
		"tls-port", "tls-cert-file", "maxmemory-policy", "enable-debug-command"} {
		if SecretConfig(name) {
			t.Errorf("%s is a secret", name)
		}
	}
}
