package memshard_test

// This file holds what wire mode adds to the generator and the table: the
// connection commands that only a RESP server has (SELECT, CLIENT, HELLO,
// QUIT). They are deterministic, or compared by shape (CLIENT ID, HELLO).
// SELECT with a database other than 0 is left out of both: memshard refuses
// it by design (see TestDiffWireSelect).

// newWireGen returns a generator that also produces connection commands and
// ends each sequence with a QUIT.
func newWireGen(seed int64) *gen {
	g := newGen(seed)
	g.wire = true
	return g
}

// wireWeight is w in wire mode and 0 otherwise.
func (g *gen) wireWeight(w int) int {
	if g.wire {
		return w
	}
	return 0
}

// diffClientNames are CLIENT SETNAME arguments: valid names, the empty name
// (which clears it) and names Redis refuses.
var diffClientNames = []string{"conn-a", "x", "名", "a b", "", "tab\there", "nl\n", "~!@#$%^&*()", "DEL"}

func (g *gen) genSelect() []any {
	switch w := g.rnd.IntN(20); {
	case w < 14:
		return []any{g.name("SELECT"), pick(g, []any{"0", int64(0)})}
	case w < 15:
		return []any{g.name("SELECT")}
	case w < 16:
		return []any{g.name("SELECT"), "0", "0"}
	}
	// Errors both servers agree on: out of range, not an integer.
	return []any{g.name("SELECT"), pick(g, []string{"16", "-1", "99", "abc", "", "1.5", "00", "+0", " 0", "2147483648", "-2147483649", "9223372036854775808"})}
}

func (g *gen) genClient() []any {
	switch g.rnd.IntN(12) {
	case 0, 1, 2:
		return []any{g.name("CLIENT"), g.word("SETNAME"), pick(g, diffClientNames)}
	case 3, 4, 5:
		return []any{g.name("CLIENT"), g.word("GETNAME")}
	case 6, 7:
		return []any{g.name("CLIENT"), g.word("ID")}
	case 8:
		return []any{g.name("CLIENT")}
	case 9:
		return []any{g.name("CLIENT"), pick(g, []string{"SETNAME", "GETNAME", "ID"}), "x", "y"}
	case 10:
		return []any{g.name("CLIENT"), pick(g, []string{"GETNAME", "ID"}), "x"}
	}
	return []any{g.name("CLIENT"), pick(g, []string{"FOO", "", "setnamex"})}
}

func (g *gen) genHello() []any {
	switch g.rnd.IntN(10) {
	case 0, 1:
		return []any{g.name("HELLO")}
	case 2, 3:
		return []any{g.name("HELLO"), pick(g, []any{"2", "3", int64(2), int64(3)})}
	case 4:
		return []any{g.name("HELLO"), pick(g, []string{"2", "3"}), g.word("SETNAME"), pick(g, diffClientNames)}
	case 5:
		return []any{g.name("HELLO"), pick(g, []string{"2", "3"}), g.word("AUTH"), "default", pick(g, []string{"pw", ""})}
	case 6:
		return []any{g.name("HELLO"), pick(g, []string{"2", "3"}), pick(g, []string{"FOO", "SETNAME", "AUTH", "AUTH default"})}
	}
	return []any{g.name("HELLO"), pick(g, []string{"1", "4", "0", "-1", "abc", "", "2.0", "99999999999999999999"})}
}

// quit ends a wire sequence: QUIT on one connection (rarely with an
// argument: Redis 7.0 answers QUIT before looking at its arity).
func (g *gen) quit() step {
	args := []any{g.name("QUIT")}
	if g.chance(0.1) {
		args = append(args, "x")
	}
	return step{cmds: []cmd{{conn: g.rnd.IntN(2), args: args}}}
}

// wireCases are table cases of the connection commands; they run in wire
// mode (RESP2 and RESP3) after diffCases.
var wireCases = []diffCase{
	{"conn-select", `
		SELECT 0
		select 0
		SELECT
		SELECT 0 0
		SELECT 16
		SELECT -1
		SELECT abc
		SELECT ""
		SELECT 00
		SELECT +0
		SELECT 2147483648
		SELECT 9223372036854775808
		SET k v
		1> SELECT 0
		1> GET k
	`},
	{"conn-client-name", `
		CLIENT GETNAME
		CLIENT SETNAME conn-a
		CLIENT GETNAME
		1> CLIENT GETNAME
		CLIENT SETNAME "a b"
		CLIENT SETNAME "nl\n"
		CLIENT SETNAME "é"
		CLIENT GETNAME
		CLIENT SETNAME ""
		CLIENT GETNAME
		client setname X
		client getname
		CLIENT
		CLIENT SETNAME
		CLIENT SETNAME a b
		CLIENT GETNAME x
		CLIENT FOO
		CLIENT ""
		CLIENT ID
		CLIENT ID x
		1> CLIENT ID
	`},
	{"conn-hello", `
		HELLO
		HELLO 2
		HELLO 3
		GET missing
		HELLO 2
		GET missing
		HELLO 3 SETNAME h3
		CLIENT GETNAME
		HELLO 2 SETNAME "a b"
		HELLO 2 AUTH default pw
		HELLO 2 AUTH default
		HELLO 2 FOO
		HELLO 2 SETNAME
		HELLO 1
		HELLO 4
		HELLO 0
		HELLO -1
		HELLO abc
		HELLO ""
		HELLO +3
		HELLO 03
		HELLO 3.0
		HELLO 99999999999999999999
	`},
	{"conn-ping-echo-quit", `
		PING
		PING x
		ECHO x
		QUIT
		PING
		1> PING
		1> QUIT x
		1> ECHO after-quit
		QUIT
	`},
	{"conn-commands-in-multi", `
		1> MULTI
		1> PING
		1> ECHO x
		1> SELECT 0
		1> CLIENT SETNAME in-tx
		1> CLIENT GETNAME
		1> CLIENT ID
		1> EXEC
		1> CLIENT GETNAME
		1> MULTI
		1> HELLO
		1> HELLO 3
		1> EXEC
		1> MULTI
		1> SELECT 16
		1> EXEC
	`},
	{"conn-watch-nil-array", `
		1> WATCH k
		SET k v
		1> MULTI
		1> GET k
		1> EXEC
		1> HELLO 3
		1> WATCH k
		SET k w
		1> MULTI
		1> GET k
		1> EXEC
		1> MULTI
		1> GET nosuch
		1> EXEC
		1> MULTI
		1> GET
		1> EXEC
	`},
}
