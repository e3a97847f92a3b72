package shard

import (
	"fmt"
	"testing"

	"github.com/memshard/memshard/shard/reply"
)

func TestExpireCommands(t *testing.T) {
	runScripts(t, expireScripts)
}

var expireScripts = []script{
	{"expire-basic", []step{
		{"EXPIRE k 10", "(integer) 0"},
		{"TTL k", "(integer) -2"},
		{"PTTL k", "(integer) -2"},
		{"EXPIRETIME k", "(integer) -2"},
		{"PEXPIRETIME k", "(integer) -2"},
		{"SET k v", "OK"},
		{"TTL k", "(integer) -1"},
		{"PTTL k", "(integer) -1"},
		{"EXPIRETIME k", "(integer) -1"},
		{"PEXPIRETIME k", "(integer) -1"},
		{"EXPIRE k 10", "(integer) 1"},
		{"PTTL k", "(integer) 10000"},
		{"EXPIRETIME k", "(integer) 1700000010"},
		{"PEXPIRETIME k", "(integer) 1700000010000"},
		{"+1", ""},
		{"PTTL k", "(integer) 9999"},
		{"TTL k", "(integer) 10"},
		{"+500", ""},
		{"TTL k", "(integer) 9"},
		{"PEXPIRE k 2500", "(integer) 1"},
		{"TTL k", "(integer) 3"},
		{"EXPIREAT k 1700000100", "(integer) 1"},
		{"PEXPIRETIME k", "(integer) 1700000100000"},
		{"PEXPIREAT k 1700000100499", "(integer) 1"},
		{"EXPIRETIME k", "(integer) 1700000100"},
		{"PEXPIREAT k 1700000100500", "(integer) 1"},
		{"EXPIRETIME k", "(integer) 1700000101"},
		{"PERSIST k", "(integer) 1"},
		{"PERSIST k", "(integer) 0"},
		{"PERSIST nokey", "(integer) 0"},
		{"TTL k", "(integer) -1"},
		{"PEXPIRE k 100", "(integer) 1"},
		{"+99", ""},
		{"PTTL k", "(integer) 1"},
		{"TTL k", "(integer) 0"},
		{"+1", ""},
		{"PTTL k", "(integer) -2"},
		{"GET k", "(nil)"},
	}},
	{"expire-deletes", []step{
		{"SET k v", "OK"},
		{"EXPIRE k 0", "(integer) 1"},
		{"EXISTS k", "(integer) 0"},
		{"SET k v", "OK"},
		{"EXPIRE k -1", "(integer) 1"},
		{"EXISTS k", "(integer) 0"},
		{"SET k v", "OK"},
		{"PEXPIREAT k 1700000000000", "(integer) 1"},
		{"EXISTS k", "(integer) 0"},
		{"SET k v", "OK"},
		{"EXPIREAT k 1", "(integer) 1"},
		{"DBSIZE", "(integer) 0"},
		{"SET k v", "OK"},
		{"PEXPIREAT k 1700000000001", "(integer) 1"},
		{"EXISTS k", "(integer) 1"},
		{"EXPIRE k -9223372036854775", "(integer) 1"},
		{"EXISTS k", "(integer) 0"},
	}},
	{"expire-errors", []step{
		{"SET k v", "OK"},
		{"EXPIRE k 10 foo", "(error) ERR Unsupported option foo"},
		{"EXPIRE k abc foo", "(error) ERR Unsupported option foo"},
		{"EXPIRE k 10 nx xx", "(error) ERR NX and XX, GT or LT options at the same time are not compatible"},
		{"EXPIRE k 10 NX GT", "(error) ERR NX and XX, GT or LT options at the same time are not compatible"},
		{"EXPIRE k 10 LT NX", "(error) ERR NX and XX, GT or LT options at the same time are not compatible"},
		{"EXPIRE k 10 gt lt", "(error) ERR GT and LT options at the same time are not compatible"},
		{"EXPIRE k abc nx xx", "(error) ERR NX and XX, GT or LT options at the same time are not compatible"},
		{"EXPIRE k abc", "(error) ERR value is not an integer or out of range"},
		{"EXPIRE k 1.5", "(error) ERR value is not an integer or out of range"},
		{"EXPIRE k 9223372036854776", "(error) ERR invalid expire time in 'expire' command"},
		{"EXPIRE k 9223372036854775", "(error) ERR invalid expire time in 'expire' command"},
		{"EXPIRE k -9223372036854776", "(error) ERR invalid expire time in 'expire' command"},
		{"EXPIRE nokey 9223372036854776", "(error) ERR invalid expire time in 'expire' command"},
		{"PEXPIRE k 9223372036854775807", "(error) ERR invalid expire time in 'pexpire' command"},
		{"PEXPIRE k 9223372036854775807 NX", "(error) ERR invalid expire time in 'pexpire' command"},
		{"EXPIREAT k 9223372036854776", "(error) ERR invalid expire time in 'expireat' command"},
		{"TTL k", "(integer) -1"},
		{"EXPIREAT k 9223372036854775", "(integer) 1"},
		{"PEXPIRETIME k", "(integer) 9223372036854775000"},
		{"PEXPIREAT k 9223372036854775807", "(integer) 1"},
		{"EXPIRETIME k", "(integer) 9223372036854776"},
		{"PEXPIRETIME k", "(integer) 9223372036854775807"},
		{"PTTL k", "(integer) 9223370336854775807"},
		{"PEXPIRE k -9223372036854775808", "(integer) 1"},
		{"EXISTS k", "(integer) 0"},
	}},
	{"expire-keeps-and-clears", []step{
		{"SET k v EX 100", "OK"},
		{"APPEND k x", "(integer) 2"},
		{"SETRANGE k 0 y", "(integer) 2"},
		{"TTL k", "(integer) 100"},
		{"SET k v", "OK"},
		{"TTL k", "(integer) -1"},
		{"EXPIRE k 100", "(integer) 1"},
		{"RENAME k j", "OK"},
		{"TTL j", "(integer) 100"},
		{"COPY j c", "(integer) 1"},
		{"TTL c", "(integer) 100"},
		{"DEL j", "(integer) 1"},
		{"SET j v", "OK"},
		{"TTL j", "(integer) -1"},
	}},
	{"expire-wrongtype", []step{
		{"SET L a", "OK"},
		{"@type L 7", ""},
		{"EXPIRE L 100", "(integer) 1"},
		{"TTL L", "(integer) 100"},
		{"PERSIST L", "(integer) 1"},
	}},
}

// TestExpireConditions runs every EXPIRE condition against a key without a
// TTL and one with 100s left, for new TTLs below, at and above it.
func TestExpireConditions(t *testing.T) {
	cases := []struct {
		ttl  int // current TTL in seconds, -1 for none
		opt  string
		secs int
		want int64 // reply
		ttlA int   // TTL afterwards
	}{
		{-1, "", 50, 1, 50}, {-1, "", 100, 1, 100}, {-1, "", 200, 1, 200},
		{-1, "NX", 50, 1, 50}, {-1, "NX", 100, 1, 100}, {-1, "NX", 200, 1, 200},
		{-1, "XX", 50, 0, -1}, {-1, "XX", 100, 0, -1}, {-1, "XX", 200, 0, -1},
		{-1, "GT", 50, 0, -1}, {-1, "GT", 100, 0, -1}, {-1, "GT", 200, 0, -1},
		{-1, "LT", 50, 1, 50}, {-1, "LT", 100, 1, 100}, {-1, "LT", 200, 1, 200},
		{100, "", 50, 1, 50}, {100, "", 100, 1, 100}, {100, "", 200, 1, 200},
		{100, "NX", 50, 0, 100}, {100, "NX", 100, 0, 100}, {100, "NX", 200, 0, 100},
		{100, "XX", 50, 1, 50}, {100, "XX", 100, 1, 100}, {100, "XX", 200, 1, 200},
		{100, "GT", 50, 0, 100}, {100, "GT", 100, 0, 100}, {100, "GT", 200, 1, 200},
		{100, "LT", 50, 1, 50}, {100, "LT", 100, 0, 100}, {100, "LT", 200, 0, 100},
		// Combinations Redis accepts.
		{100, "XX GT", 200, 1, 200}, {100, "XX LT", 50, 1, 50}, {-1, "XX LT", 50, 0, -1},
		{100, "gt gt", 200, 1, 200}, {100, "NX NX", 50, 0, 100},
		// A time already past deletes the key, unless a condition fails.
		{100, "LT", -1, 1, -2}, {-1, "", 0, 1, -2}, {100, "GT", -1, 0, 100}, {-1, "XX", -1, 0, -1},
	}
	checks := 0
	for _, c := range cases {
		cmds := []string{fmt.Sprintf("EXPIRE k %d", c.secs), fmt.Sprintf("PEXPIRE k %d", c.secs*1000)}
		if c.secs > 0 { // an absolute time in the past is covered by the relative forms
			at := t0/1000 + int64(c.secs)
			cmds = append(cmds, fmt.Sprintf("EXPIREAT k %d", at), fmt.Sprintf("PEXPIREAT k %d", at*1000))
		}
		for _, cmd := range cmds {
			ks, _ := newTestKeyspace(t)
			do(t, ks, "SET k v")
			if c.ttl >= 0 {
				do(t, ks, fmt.Sprintf("EXPIRE k %d", c.ttl))
			}
			cmd := cmd + " " + c.opt
			if got := do(t, ks, cmd); got.Kind != reply.KindInt || got.Int != c.want {
				t.Errorf("TTL %d, %s: got %s, want %d", c.ttl, cmd, got, c.want)
			}
			if got := do(t, ks, "TTL k"); got.Int != int64(c.ttlA) {
				t.Errorf("TTL %d, %s: TTL afterwards %s, want %d", c.ttl, cmd, got, c.ttlA)
			}
			checks++
		}
	}
	if checks < len(cases)*3 {
		t.Fatalf("only %d checks", checks)
	}
}
