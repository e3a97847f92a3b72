package memshard_test

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// diffCases are hand-written sequences for the corners of every command,
// mostly its error replies. Each runs from an empty keyspace and every reply
// is compared with redis-server's.
//
// Script syntax, one command per line:
//
//	SET k "a b\x00"       tokens split on spaces; "..." is a Go string literal
//	1> MULTI              runs on the session (connection 1); no prefix or 0> is DB.Do
//	sleep 50ms            pauses after the previous command
//	@s+100000 @s-5        a Unix time in seconds relative to the run's start
//	@ms+100000000         the same in milliseconds
//	@now+10               a Unix time in milliseconds, 10 ms after the command is sent
//	{x*200}               the string x repeated 200 times
//	= TTL k               compares exactly, without the clock tolerance
//	# comment
var diffCases = []struct {
	name, script string
}{
	{"ping-echo", `
		PING
		ping
		PING hello
		PING ""
		PING "hello world"
		PING a b
		ECHO hi
		ECHO ""
		ECHO "a\x00b"
		ECHO
		ECHO a b
		eCHo x
	`},
	{"unknown-command", `
		foo
		foo a b
		FOO a b
		FoO "hello world" 42
		foo "" x
		""
		"" a
		"get " k
		getx k
		hsetx k f v
		foo {a*200}
		foo a {b*150} c
		foo {a*60} {b*60} {c*60}
		foo 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49 50
		{z*150} a
		foo "'quoted'" "%s" "%d"
		héllo wörld
	`},
	{"unknown-command-control-bytes", `
		foo "a\r\nb"
		foo "\n"
		"a\nb" c
		"x\x00y" a
		foo "a\x00b" c
	`},
	{"arity", `
		GET
		GET a b
		get
		gEt a b
		SET
		SET k
		GETSET k
		GETDEL
		GETDEL a b
		GETEX
		SETNX k
		SETEX k 10
		PSETEX k 10
		MGET
		MSET
		MSET k
		MSET k v k
		MSETNX k
		MSETNX k v k
		DEL
		UNLINK
		EXISTS
		INCR
		INCR a b
		DECR
		INCRBY k
		INCRBY k 1 2
		DECRBY k
		INCRBYFLOAT k
		APPEND k
		STRLEN
		GETRANGE k 0
		GETRANGE k 0 1 2
		SETRANGE k 0
		EXPIRE k
		PEXPIRE k
		EXPIREAT k
		PEXPIREAT k
		TTL
		PTTL a b
		EXPIRETIME
		PEXPIRETIME a b
		PERSIST
		TYPE
		KEYS
		KEYS a b
		SCAN
		RANDOMKEY x
		RENAME a
		RENAMENX a
		COPY a
		DBSIZE x
		TIME x
	`},
	{"set-basic", `
		SET k v
		GET k
		SET k ""
		GET k
		STRLEN k
		SET "" empty-key
		GET ""
		SET "sp ace" "hello world"
		GET "sp ace"
		SET bin "\x00\x01\xff\r\n"
		GET bin
		SET k {v*1000}
		STRLEN k
		MSET n 1 m 2
		TYPE k
		TYPE missing
	`},
	{"set-options", `
		SET k v EX 100000
		TTL k
		SET k v ex 100000
		SET k v PX 100000000
		PTTL k
		SET k v EXAT @s+100000
		EXPIRETIME k
		SET k v PXAT @ms+100000000
		PEXPIRETIME k
		SET k v NX
		SET new v NX
		SET k v2 XX
		SET missing v XX
		EXISTS missing
		SET k v3 GET
		SET fresh v GET
		SET k v4 NX GET
		SET k v5 XX GET
		SET other v6 XX GET
		EXISTS other
		SET k v KEEPTTL
		SET k v GET GET
		SET k v NX NX
		SET k v KEEPTTL KEEPTTL
	`},
	{"set-option-errors", `
		SET k v EX 0
		SET k v EX -5
		SET k v PX 0
		SET k v PX -1
		SET k v EXAT 0
		SET k v PXAT -1
		SET k v EX abc
		SET k v EX 1.5
		SET k v EX ""
		SET k v EX " 5"
		SET k v EX
		SET k v PX
		SET k v EXAT
		SET k v EX 9223372036854775807
		SET k v EX 9223372036854775
		SET k v PX 9223372036854775807
		SET k v EXAT 9223372036854775807
		SET k v PXAT 9223372036854775807
		SET k v EX 100 PX 100
		SET k v EX 100 EX 100
		SET k v EX 100 EXAT 100
		SET k v NX XX
		SET k v XX NX
		SET k v KEEPTTL EX 10
		SET k v EX 10 KEEPTTL
		SET k v FOO
		SET k v EX 10 FOO
		SET k v ""
		SET k v PERSIST
		SET k v GETX
		SET k v EX abc NX XX
		SET k v NX XX EX abc
		SET k v EX 0 NX XX
		SET k v EX 0 GET
		EXISTS k
	`},
	{"set-ttl-handling", `
		SET k v EX 100000
		SET k v2
		TTL k
		SET k v EX 100000
		SET k v3 KEEPTTL
		TTL k
		GET k
		SET k v EX 100000
		SET k v4 GET
		TTL k
		SET k v EXAT 1
		EXISTS k
		SET k v PXAT 1
		GET k
		SET k v EXAT @s-10
		EXISTS k
		SET k v EX 100000
		SET k v5 EXAT @s-10 GET
		EXISTS k
	`},
	{"get-getset-getdel", `
		GET missing
		GETSET k v
		GETSET k v2
		GET k
		SET k v EX 100000
		GETSET k v3
		TTL k
		GETDEL k
		GETDEL k
		EXISTS k
		SET k v EX 100000
		GETDEL k
		TTL k
	`},
	{"getex", `
		GETEX missing
		GETEX missing EX 100
		GETEX missing EX abc
		GETEX missing FOO
		SET k v
		GETEX k
		TTL k
		GETEX k EX 100000
		TTL k
		GETEX k PX 100000000
		PTTL k
		GETEX k EXAT @s+100000
		EXPIRETIME k
		GETEX k PXAT @ms+100000000
		PEXPIRETIME k
		GETEX k PERSIST
		TTL k
		GETEX k persist
		GETEX k EX 0
		GETEX k EX -1
		GETEX k PX 0
		GETEX k EXAT 0
		GETEX k PXAT -5
		GETEX k EX abc
		GETEX k EX
		GETEX k PERSIST x
		GETEX k EX 10 PX 10
		GETEX k EX 10 EX 10
		GETEX k PERSIST EX 10
		GETEX k EX 10 PERSIST
		GETEX k FOO
		GETEX k KEEPTTL
		GETEX k NX
		GETEX k GET
		GETEX k EX 9223372036854775807
		GETEX k PX 9223372036854775807
		GETEX k EXAT 1
		EXISTS k
	`},
	{"setnx-setex-psetex", `
		SETNX k v
		SETNX k v2
		GET k
		SETEX k 100000 v
		TTL k
		SETEX k 0 v
		SETEX k -1 v
		SETEX k abc v
		SETEX k 1.5 v
		SETEX k 9223372036854775807 v
		SETEX k 9223372036854775 v
		PSETEX k 100000000 v
		PTTL k
		PSETEX k 0 v
		PSETEX k -1 v
		PSETEX k abc v
		PSETEX k 9223372036854775807 v
		GET k
	`},
	{"mget-mset-msetnx", `
		MSET a 1 b 2 c 3
		MGET a b c missing a
		MGET missing
		MSET a 1 a 2
		GET a
		MSET k v EX 10
		GET EX
		MSETNX x 1 y 2
		MSETNX y 3 z 4
		EXISTS z
		MSETNX p 1 p 2
		GET p
		SET t v EX 100000
		MSET t v2
		TTL t
		MGET "" "sp ace" a
	`},
	{"del-unlink-exists", `
		MSET a 1 b 2 c 3
		EXISTS a a b missing
		DEL a a
		DEL b c missing
		EXISTS a b c
		MSET a 1 b 2
		UNLINK a b b missing
		UNLINK missing
		DEL missing
		EXISTS missing missing
		DBSIZE
	`},
	{"incr-decr", `
		INCR n
		INCR n
		DECR n
		INCRBY n 10
		INCRBY n -20
		DECRBY n 5
		DECRBY n -5
		GET n
		DECR fresh
		INCRBY fresh2 -7
		SET k 9223372036854775807
		INCR k
		INCRBY k 0
		SET k -9223372036854775808
		DECR k
		INCRBY k -1
		DECRBY k 1
		SET k 0
		INCRBY k 9223372036854775807
		INCRBY k 1
		INCRBY k -9223372036854775808
		DECRBY k -9223372036854775808
		DECRBY k 9223372036854775807
		SET k 5
		INCR k
		SET k v EX 100000
		SET k 1 KEEPTTL
		INCR k
		TTL k
	`},
	{"incr-errors", `
		SET k abc
		INCR k
		SET k ""
		INCR k
		SET k "1 "
		INCR k
		SET k " 1"
		INCR k
		SET k "+1"
		INCR k
		SET k 01
		INCR k
		SET k -0
		INCR k
		SET k 1.5
		INCR k
		SET k 1e3
		INCR k
		SET k 0x10
		INCR k
		SET k 99999999999999999999
		INCR k
		SET k 9223372036854775808
		DECR k
		SET k {9*300}
		INCR k
		SET k 10
		INCRBY k 9223372036854775808
		INCRBY k -9223372036854775809
		INCRBY k abc
		INCRBY k ""
		INCRBY k 1e3
		INCRBY k 1.0
		INCRBY k " 1"
		INCRBY k +1
		DECRBY k abc
		INCRBY missing abc
		EXISTS missing
		GET k
	`},
	{"incrbyfloat", `
		INCRBYFLOAT f 1.5
		INCRBYFLOAT f 0.1
		INCRBYFLOAT f -0.1
		INCRBYFLOAT f 0
		SET f 10.50
		INCRBYFLOAT f 0.1
		SET f 3
		INCRBYFLOAT f 0
		SET f 1e3
		INCRBYFLOAT f 1
		SET f 0x10
		INCRBYFLOAT f 1
		INCRBYFLOAT g 0.1
		INCRBYFLOAT g 0.2
		INCRBYFLOAT g 0.3
		INCRBYFLOAT h 1e20
		INCRBYFLOAT h 1
		INCRBYFLOAT i 5e-324
		INCRBYFLOAT i 1e-5
		INCRBYFLOAT j -7
		INCRBYFLOAT j 7
		INCRBYFLOAT j -0
		INCRBYFLOAT k 123456789.123456789
		INCRBYFLOAT k 3.0000000000000001
		INCRBYFLOAT l 1e300
		INCRBYFLOAT m 0x10
		INCRBYFLOAT m 1.7976931348623157e308
		INCRBYFLOAT m 1.7976931348623157e308
		SET n 9223372036854775807
		INCRBYFLOAT n 1
		SET v v EX 100000
		SET v 1 KEEPTTL
		INCRBYFLOAT v 1
		TTL v
	`},
	{"incrbyfloat-inf-with-nul", `
		# strtold stops at a NUL: "inf\0..." is not a float (found by -diff.long).
		SET k inf
		SETRANGE k 5 x
		INCRBYFLOAT k 1
		INCRBYFLOAT k 0
		SET k -inf
		INCRBYFLOAT k 1
	`},
	{"incrbyfloat-errors", `
		SET f 1
		INCRBYFLOAT f 1e308
		INCRBYFLOAT f 1e308
		INCRBYFLOAT f inf
		INCRBYFLOAT f -inf
		INCRBYFLOAT f nan
		INCRBYFLOAT f abc
		INCRBYFLOAT f ""
		INCRBYFLOAT f " 1"
		INCRBYFLOAT f "1 "
		INCRBYFLOAT f 1e
		INCRBYFLOAT f 1e400
		INCRBYFLOAT f 1e-400
		INCRBYFLOAT f 1,5
		GET f
		SET s abc
		INCRBYFLOAT s 1
		SET s ""
		INCRBYFLOAT s 1
		SET s nan
		INCRBYFLOAT s 1
		SET s inf
		INCRBYFLOAT s 1
		SET s " 1"
		INCRBYFLOAT s 1
		SET s 1.5e308
		INCRBYFLOAT s 1.5e308
		INCRBYFLOAT missing nan
		EXISTS missing
	`},
	{"append-strlen", `
		APPEND k abc
		APPEND k " def"
		GET k
		STRLEN k
		STRLEN missing
		APPEND e ""
		EXISTS e
		STRLEN e
		SET n 12
		APPEND n 3
		INCR n
		APPEND b "\x00\xff"
		STRLEN b
		SET t v EX 100000
		APPEND t x
		TTL t
	`},
	{"getrange", `
		SET k "Hello World"
		GETRANGE k 0 4
		GETRANGE k -5 -1
		GETRANGE k 0 -1
		GETRANGE k 5 3
		GETRANGE k -100 100
		GETRANGE k 100 200
		GETRANGE k 0 0
		GETRANGE k -1 -1
		GETRANGE k 0 -100
		GETRANGE k -100 -50
		GETRANGE k 10 10
		GETRANGE k 11 11
		GETRANGE k 9223372036854775807 9223372036854775807
		GETRANGE k -9223372036854775808 -9223372036854775808
		GETRANGE k -9223372036854775808 9223372036854775807
		GETRANGE k 0 9223372036854775808
		GETRANGE k a 1
		GETRANGE k 1 ""
		GETRANGE missing 0 -1
		GETRANGE missing a b
		SET e ""
		GETRANGE e 0 -1
		GETRANGE e 0 0
		GETRANGE e -1 0
	`},
	{"setrange", `
		SETRANGE k 0 abc
		SETRANGE k 1 X
		GET k
		SETRANGE p 5 x
		GET p
		SETRANGE k 10 ""
		SETRANGE missing 0 ""
		EXISTS missing
		SETRANGE missing 536870912 ""
		EXISTS missing
		SETRANGE k 536870912 ""
		SETRANGE k -1 x
		SETRANGE k -1 ""
		SETRANGE missing -1 ""
		SETRANGE k 536870912 x
		SETRANGE k 536870911 ab
		SETRANGE new 536870912 x
		EXISTS new
		SETRANGE k 9223372036854775807 x
		SETRANGE k 4294967296 x
		SETRANGE k abc x
		SETRANGE k 1.5 x
		SETRANGE k "" x
		SETRANGE k 9223372036854775808 x
		SETRANGE k 3 "\x00\xff"
		GET k
		SET t v EX 100000
		SETRANGE t 0 w
		TTL t
	`},
	{"expire-basic", `
		EXPIRE missing 100
		SET k v
		TTL k
		PTTL k
		EXPIRETIME k
		PEXPIRETIME k
		EXPIRE k 100000
		TTL k
		PTTL k
		PEXPIRE k 200000000
		PTTL k
		EXPIREAT k @s+300000
		EXPIRETIME k
		TTL k
		PEXPIREAT k @ms+400000000
		PEXPIRETIME k
		PERSIST k
		PERSIST k
		TTL k
		PERSIST missing
		TTL missing
		PTTL missing
		EXPIRETIME missing
		PEXPIRETIME missing
		EXPIRE k 0
		EXISTS k
		SET k v
		EXPIRE k -1
		EXISTS k
		SET k v
		PEXPIRE k -100
		GET k
		SET k v
		EXPIREAT k 1
		EXISTS k
		SET k v
		PEXPIREAT k @ms-1000
		EXISTS k
		SET k v
		EXPIREAT k 0
		EXISTS k
		SET k v
		EXPIRE k 9223372036854
		TTL k
	`},
	{"expire-options", `
		SET k v
		EXPIRE k 100000 XX
		EXPIRE k 100000 GT
		EXPIRE k 100000 NX
		EXPIRE k 200000 NX
		EXPIRE k 300000 XX
		EXPIRE k 400000 GT
		EXPIRE k 100000 GT
		EXPIRE k 50000 LT
		EXPIRE k 60000 LT
		EXPIRE k 70000 gt
		EXPIRE k 1000000 xx GT
		EXPIRE k 10 XX LT
		TTL k
		PERSIST k
		EXPIRE k 100000 LT
		PERSIST k
		EXPIRE k 0 XX
		EXISTS k
		EXPIRE k 0 GT
		EXISTS k
		EXPIRE k -1 LT
		EXISTS k
		SET k v EX 100000
		EXPIREAT k @s+50000 LT
		PEXPIREAT k @ms+900000000 GT
		PEXPIRE k 100000000 NX
		PEXPIRETIME k
		EXPIRE missing 100 NX
		EXPIRE missing 100 XX
	`},
	{"expire-option-errors", `
		SET k v
		EXPIRE k 100 NX XX
		EXPIRE k 100 XX NX
		EXPIRE k 100 GT LT
		EXPIRE k 100 NX GT
		EXPIRE k 100 LT NX
		EXPIRE k 100 NX NX
		EXPIRE k 200 GT GT
		EXPIRE k 100 FOO
		EXPIRE k 100 NX FOO
		EXPIRE k 100 ""
		EXPIRE k 100 KEEPTTL
		PEXPIRE k 100 NX XX
		EXPIREAT k 100 GT LT
		PEXPIREAT k 100 FOO
		EXPIRE k abc
		EXPIRE k ""
		EXPIRE k 1.5
		EXPIRE k " 1"
		EXPIRE k abc NX XX
		EXPIRE missing abc
		EXPIRE missing 100 FOO
		EXPIRE k 9223372036854775807
		EXPIRE k 9223372036854775
		EXPIRE k -9223372036854775808
		EXPIRE k 9223372036854775808
		PEXPIRE k 9223372036854775807
		PEXPIRE k -9223372036854775808
		EXPIREAT k 9223372036854775807
		EXPIREAT k 9223372036854775
		EXPIREAT k -9223372036854775808
		PEXPIREAT k 9223372036854775807
		PEXPIREAT k -9223372036854775808
		TTL k
		EXISTS k
	`},
	{"type-keys", `
		MSET a 1 b 2 ab 3 "a*" 4 "a?b" 5 key:1 x key:2 x key:10 x "[x]" 6 "h\\llo" 7 "" 8 "a\\" 9 A 10
		TYPE a
		TYPE missing
		KEYS *
		KEYS a*
		KEYS A*
		KEYS ?
		KEYS ??
		KEYS "a\\*"
		KEYS "a\\?b"
		KEYS key:?
		KEYS key:[12]
		KEYS key:[^1]*
		KEYS key:[!1]*
		KEYS [a-b]
		KEYS [b-a]
		KEYS [
		KEYS [a
		KEYS "a\\"
		KEYS "\\[x]"
		KEYS "[[]x]"
		KEYS ""
		KEYS "*\\"
		KEYS "[\\]]"
		KEYS "[a\\-b]"
		KEYS key:[0-9][0-9]
		KEYS *1*
		KEYS "h\\\\llo"
		KEYS "h\\llo"
		KEYS nomatch
		KEYS "[^]"
		KEYS "[]"
		KEYS "*?*?*?*"
	`},
	{"scan", `
		SCAN 0
		MSET a 1 b 2 key:1 x key:2 x key:10 x c 3 d 4 e 5 f 6 g 7 h 8 i 9 j 10 k 11
		SCAN 0
		SCAN 0 COUNT 1
		SCAN 0 COUNT 2 MATCH key:*
		SCAN 0 MATCH key:?
		SCAN 0 match "[a-c]" count 1000
		SCAN 0 TYPE string
		SCAN 0 TYPE STRING
		SCAN 0 TYPE list
		SCAN 0 TYPE none
		SCAN 0 TYPE foo
		SCAN 0 MATCH nomatch
		SCAN 0 COUNT 0
		SCAN 0 COUNT -1
		SCAN 0 COUNT abc
		SCAN 0 COUNT 9223372036854775807
		SCAN 0 COUNT 9223372036854775808
		SCAN 0 MATCH
		SCAN 0 COUNT
		SCAN 0 TYPE
		SCAN 0 FOO bar
		SCAN 0 MATCH a FOO
		SCAN abc
		SCAN ""
		SCAN 1.5
		SCAN " 0"
		SCAN 18446744073709551616
		SCAN 99999999999999999999
		SCAN 0 COUNT 1 COUNT 2
	`},
	{"scan-unusual-cursors", `
		MSET a 1 b 2
		SCAN 18446744073709551615
		SCAN -1
		SCAN +1
		SCAN 00
	`},
	{"randomkey", `
		RANDOMKEY
		SET a 1
		RANDOMKEY
		MSET b 2 c 3 "" 4
		RANDOMKEY
		RANDOMKEY
		DEL a b c ""
		RANDOMKEY
	`},
	{"rename", `
		RENAME missing x
		RENAME missing missing
		RENAMENX missing x
		SET a 1
		RENAME a b
		GET b
		EXISTS a
		RENAME b b
		RENAMENX b b
		SET c 3 EX 100000
		RENAME c d
		TTL d
		SET e 5
		RENAME d e
		TTL e
		GET e
		SET f 6 EX 100000
		RENAME b f
		TTL f
		SET g 7
		RENAMENX g f
		RENAMENX g h
		GET h
		EXISTS g
		RENAME h ""
		GET ""
	`},
	{"copy", `
		COPY missing x
		SET a 1 EX 100000
		COPY a b
		TTL b
		GET b
		COPY a b
		SET a 2
		COPY a b REPLACE
		GET b
		TTL b
		COPY a a
		COPY missing missing
		COPY a c DB 0
		COPY a a DB 0
		COPY a d DB abc
		COPY a d DB
		COPY a d FOO
		COPY a d REPLACE REPLACE
		COPY a d replace db 0
		COPY a d REPLACE x
		COPY a e DB 99
		COPY a e DB -1
		COPY a e DB 9223372036854775808
		EXISTS d e
	`},
	// COPY ... DB 1..15 is left out: memshard has one database and answers
	// "ERR COPY to another database is not supported" (router tests pin it).
	{"dbsize-flush", `
		DBSIZE
		MSET a 1 b 2 c 3
		DBSIZE
		FLUSHDB
		DBSIZE
		MSET a 1 b 2
		FLUSHALL
		DBSIZE
		SET a 1
		FLUSHALL SYNC
		FLUSHALL ASYNC
		FLUSHALL async
		FLUSHDB SYNC
		FLUSHDB sync
		FLUSHDB ASYNC
		SET a 1
		FLUSHALL FOO
		FLUSHALL ""
		FLUSHALL SYNC ASYNC
		FLUSHALL ASYNC x
		FLUSHDB FOO
		FLUSHDB SYNC SYNC
		DBSIZE
		SET x 1 EX 100000
		DBSIZE
	`},
	{"time", `
		TIME
		time
		TIME x
	`},
	{"short-expiry", `
		SET a 1 PX 20
		sleep 60ms
		EXISTS a
		PSETEX b 10 v
		sleep 50ms
		GET b
		SET c v
		PEXPIRE c 10
		sleep 50ms
		TTL c
		SET d v PXAT @now+15
		sleep 60ms
		STRLEN d
		SET e v
		GETEX e PX 10
		sleep 50ms
		GET e
		DBSIZE
	`},
	{"ttl-rounding", `
		# TTL rounds the remaining milliseconds to the nearest second; the
		# margins below leave 100 ms for the two sides to differ.
		SET k v PX 100600
		= TTL k
		SET k v PX 100400
		= TTL k
		SET k v PX 1700
		= TTL k
		SET k v PX 1300
		= TTL k
		SET k v EXAT @s+100000
		= EXPIRETIME k
		SET k v PXAT @ms+100000123
		= PEXPIRETIME k
		= EXPIRETIME k
		SET k v PXAT @ms+100000900
		= EXPIRETIME k
	`},
	{"numeric-argument-forms", `
		SET k "Hello World"
		GETRANGE k -0 3
		GETRANGE k +1 3
		GETRANGE k 01 3
		GETRANGE k " 1" 3
		EXPIRE k +100000
		EXPIRE k 0100000
		EXPIRE k -0
		SETEX k +100 v
		SETEX k 0100 v
		SETRANGE k +1 x
		SETRANGE k 01 x
		INCRBY n +5
		INCRBY n 05
		INCRBY n -0
		INCRBY n "5\\x00"
		INCRBY n "5\x00"
		MSET k 1
		SET k v EX +100000
		SET k v EX 0100000
		SCAN 0 COUNT +10
		SCAN 0 COUNT 010
		COPY k c DB +0
		COPY k d DB 00
	`},
	{"numeric-argument-forms-2", `
		SET k v
		PSETEX k +100000 v
		PSETEX k 0100000 v
		PEXPIRE k +100000000
		PEXPIRE k 0100000000
		EXPIREAT k +1900000000
		PEXPIREAT k 01900000000000
		GETEX k EX +100000
		GETEX k EX 0100000
		GETEX k PX +100000000
		SET k v PX +100000000
		SET k v EXAT +1900000000
		SET k v PXAT 01900000000000
		SET n 1
		DECRBY n +1
		DECRBY n 01
		SCAN 0 COUNT " 1"
		SCAN 0 COUNT "1 "
		SCAN 0 COUNT -0
		SCAN 0 COUNT 1.0
		SCAN 0 COUNT 0x10
		GETRANGE k 0 " -1"
		GETRANGE k 0 "-1 "
	`},
	{"float-argument-forms", `
		INCRBYFLOAT f +1.5
		INCRBYFLOAT f .5
		INCRBYFLOAT f 5.
		INCRBYFLOAT f 1e+3
		INCRBYFLOAT f 1E3
		INCRBYFLOAT f 0x1p3
		INCRBYFLOAT f 0X10
		INCRBYFLOAT f 1_000
		INCRBYFLOAT f infinity
		INCRBYFLOAT f +inf
		INCRBYFLOAT f -nan
		INCRBYFLOAT f 1e-400
		INCRBYFLOAT f 2.5e-310
		INCRBYFLOAT f "1\x00"
		INCRBYFLOAT f 00001
		INCRBYFLOAT f -.5
		INCRBYFLOAT f 1.5e
		INCRBYFLOAT f e5
		GET f
		SET g 1.5e-310
		INCRBYFLOAT g 0
		SET g .5
		INCRBYFLOAT g 0
		SET g 0x1p3
		INCRBYFLOAT g 0
		SET g "1e+3"
		INCRBYFLOAT g 0
		SET g 1e-400
		INCRBYFLOAT g 1
	`},
	{"unicode-folding", `
		ſet k v
		ＳＥＴ k v
		SET k v ᴇX 100
		SET k v KEEPTTL
		SET k v ＫEEPTTL
		SET k v "\u212aEEPTTL"
		EXPIRE k 100 "ɢT"
		SCAN 0 "ᴍATCH" *
		FLUSHALL "ſYNC"
		GET k
	`},
	{"option-names-with-nul", `
		# Redis compares option names as C strings, so a NUL ends them.
		SET k v "EX\x00" 100000
		TTL k
		SET k v "NX\x00junk"
		SET k v "KEEPTTL\x00"
		EXPIRE k 100 "GT\x00"
		GETEX k "PERSIST\x00x"
		FLUSHDB "SYNC\x00"
		DBSIZE
	`},
	{"many-keys", `
		MSET k01 1 k02 2 k03 3 k04 4 k05 5 k06 6 k07 7 k08 8 k09 9 k10 10 k11 11 k12 12 k13 13 k14 14 k15 15 k16 16 k17 17 k18 18 k19 19 k20 20 k21 21 k22 22 k23 23 k24 24 k25 25 k26 26 k27 27 k28 28 k29 29 k30 30
		MGET k01 k02 k03 k04 k05 k06 k07 k08 k09 k10 k11 k12 k13 k14 k15 k16 k17 k18 k19 k20 k21 k22 k23 k24 k25 k26 k27 k28 k29 k30 k31
		EXISTS k01 k02 k03 k04 k05 k06 k07 k08 k09 k10 k11 k12 k13 k14 k15 k16 k17 k18 k19 k20 k30 k30 k31
		MSETNX k31 x k32 x k01 x
		MSETNX k31 x k32 x k33 x
		DEL k01 k03 k05 k07 k09 k11 k13 k15 k17 k19 k21 k23 k25 k27 k29 k31 k31
		DBSIZE
		KEYS k?1
		SCAN 0 COUNT 3 MATCH k*
		UNLINK k02 k04 k06 k08 k10 k12 k14 k16 k18 k20 k22 k24 k26 k28 k30 k32 k33
		DBSIZE
		SET big {x*1000000}
		STRLEN big
		GETRANGE big 999990 -1
		SETRANGE big 1000000 y
		APPEND big z
		STRLEN big
		GETRANGE big -3 -1
	`},
	{"binary-and-odd-keys", `
		MSET "" e "sp ace" s "bin\x00\xff" b "*" star "?" q "[" br "\\" bs
		KEYS *
		KEYS "\x00*"
		KEYS "bin\x00*"
		KEYS "bin?\xff"
		KEYS "\\*"
		KEYS "\\?"
		KEYS "\\["
		KEYS "\\\\"
		KEYS "[\\[]"
		SCAN 0 MATCH "bin*"
		RANDOMKEY
		RENAME "" "new key"
		GET "new key"
		COPY "bin\x00\xff" "bin\x00\xfe"
		GET "bin\x00\xfe"
		DEL "" "new key"
		DBSIZE
	`},
	{"multi-exec", `
		1> MULTI
		1> SET a 1
		1> INCR a
		1> GET a
		1> PING
		1> ECHO x
		1> DBSIZE
		1> TYPE a
		1> EXEC
		1> MULTI
		1> EXEC
		1> MULTI
		1> DISCARD
		1> EXEC
		1> DISCARD
		1> EXEC
		0> GET a
	`},
	{"multi-errors", `
		1> EXEC
		1> DISCARD
		1> MULTI x
		1> EXEC x
		1> DISCARD x
		1> UNWATCH x
		1> WATCH
		1> MULTI
		1> MULTI
		1> SET a 1
		1> EXEC
		1> MULTI
		1> WATCH a
		1> SET b 2
		1> EXEC
	`},
	{"multi-execabort", `
		1> MULTI
		1> SET a 1
		1> GET
		1> SET b 2
		1> EXEC
		0> EXISTS a b
		1> EXEC
		1> MULTI
		1> foo x
		1> EXEC
		1> MULTI
		1> EXEC x
		1> EXEC
		1> MULTI
		1> GETEX
		1> DISCARD
		1> EXEC
	`},
	{"multi-runtime-errors", `
		1> MULTI
		1> SET a abc
		1> INCR a
		1> SET b 1 EX 0
		1> SET c v FOO
		1> INCRBYFLOAT a 1
		1> GET a
		1> RENAME missing x
		1> EXEC
		0> MGET a b c
	`},
	{"multi-clock", `
		1> MULTI
		1> SET a 1 EX 100000
		1> TTL a
		1> PTTL a
		1> EXPIRETIME a
		1> TIME
		1> RANDOMKEY
		1> KEYS *
		1> SCAN 0
		1> FLUSHALL
		1> SET b 2
		1> DBSIZE
		1> EXEC
	`},
	{"watch-other-client", `
		1> WATCH a
		0> SET a 1
		1> MULTI
		1> GET a
		1> EXEC
		1> WATCH a
		0> SET b 1
		1> MULTI
		1> GET a
		1> EXEC
		1> WATCH a
		0> GET a
		1> MULTI
		1> EXEC
		1> WATCH a
		0> EXPIRE a 100000
		1> MULTI
		1> EXEC
		1> WATCH a b c
		0> DEL c
		1> MULTI
		1> EXEC
		1> WATCH a
		1> MULTI
		0> SET a 2
		1> SET a 3
		1> EXEC
		0> GET a
	`},
	{"watch-self-and-unwatch", `
		1> WATCH a
		1> SET a 1
		1> MULTI
		1> EXEC
		1> WATCH a
		1> UNWATCH
		0> SET a 2
		1> MULTI
		1> EXEC
		1> WATCH a
		1> MULTI
		1> DISCARD
		0> SET a 3
		1> MULTI
		1> EXEC
		1> WATCH a
		1> MULTI
		1> SET a 4
		1> EXEC
		0> SET a 5
		1> MULTI
		1> EXEC
		1> WATCH a
		1> EXEC
		0> SET a 6
		1> MULTI
		1> EXEC
	`},
	{"watch-flush-rename", `
		SET a 1
		1> WATCH a
		0> FLUSHALL
		1> MULTI
		1> EXEC
		SET b 1
		1> WATCH a
		0> FLUSHDB
		1> MULTI
		1> EXEC
		SET b 1
		1> WATCH a
		0> RENAME b a
		1> MULTI
		1> EXEC
		1> WATCH c
		0> COPY a c
		1> MULTI
		1> EXEC
		1> WATCH c
		0> SETRANGE c 0 ""
		0> APPEND c ""
		0> INCRBY c 0
		1> MULTI
		1> EXEC
	`},
	{"watch-expiry", `
		SET a 1 PX 300
		1> WATCH a
		sleep 450ms
		GET a
		1> MULTI
		1> EXEC
		SET b 1 PX 10
		sleep 50ms
		1> WATCH b
		GET b
		1> MULTI
		1> EXEC
	`},
}

func init() {
	diffCases = append(diffCases, struct{ name, script string }{"watch-after-writes", watchScript()})
}

// watchScript checks, for writes by another client that change the watched
// key and for writes that leave it as it was, whether the session's EXEC
// fails.
func watchScript() string {
	const setup = "FLUSHALL\nSET k v\nSET k2 v2\n"
	cases := []struct{ setup, write string }{
		// Commands that leave k as it was.
		{"", "GET k"}, {"", "EXISTS k"}, {"", "TTL k"}, {"", "SET k w NX"}, {"", "MSETNX k w other x"},
		{"", "EXPIRE k 100000 XX"}, {"", "EXPIRE missing 100"}, {"", "PERSIST k"}, {"", "GETEX k"},
		{"", "GETEX k PERSIST"}, {"", "RENAME k k"}, {"", "RENAMENX k k"}, {"", "COPY missing k"},
		{"", "COPY k k2"}, {"", "DEL missing"}, {"", "GETDEL missing"}, {"", `SETRANGE k 0 ""`},
		{"", `SETRANGE k 5 ""`}, {"", "INCRBYFLOAT k abc"}, {"", "INCR k"}, {"", "SET k w XX NX"},
		{"", "FLUSHDB FOO"}, {"", "SCAN 0"}, {"", "KEYS *"}, {"", "RANDOMKEY"}, {"", "DBSIZE"},
		{"", "SET k v EX 0"}, {"", "EXPIRE k abc"},
		// Commands that change k, some of them to what it was.
		{"", "SET k v"}, {"", "SET k v KEEPTTL"}, {"", "SET k v XX"}, {"", `APPEND k ""`}, {"", "APPEND k x"},
		{"", "SETRANGE k 0 v"}, {"", "GETSET k v"}, {"", "MSET k v"}, {"", "EXPIRE k 100000"},
		{"", "EXPIRE k 100000 NX"}, {"", "PEXPIRE k 100000000"}, {"", "GETEX k EX 100000"},
		{"EXPIRE k 100000", "GETEX k PERSIST"}, {"EXPIRE k 100000", "PERSIST k"}, {"", "DEL k"},
		{"", "UNLINK k"}, {"", "GETDEL k"}, {"", "RENAME k k3"}, {"", "RENAME k2 k"},
		{"", "COPY k2 k REPLACE"}, {"", "FLUSHDB"}, {"", "FLUSHALL ASYNC"}, {"", "EXPIRE k 0"},
		{"", "SETEX k 100 v"}, {"SET k 5", "INCRBY k 0"}, {"SET k 5", "INCRBYFLOAT k 0"},
		{"SET k 5", "DECRBY k 0"}, {"", "SET k v EXAT 1"},
		// The watched key does not exist.
		{"DEL k", "FLUSHALL"}, {"DEL k", "FLUSHDB"}, {"DEL k", "DEL k2"}, {"DEL k", `SETRANGE k 0 ""`},
		{"DEL k", `APPEND k ""`}, {"DEL k", "EXPIRE k 100"}, {"DEL k", "SET k v XX"}, {"DEL k", "SET k v NX"},
	}
	var b strings.Builder
	for _, c := range cases {
		b.WriteString(setup)
		if c.setup != "" {
			b.WriteString(c.setup + "\n")
		}
		b.WriteString("1> WATCH k\n" + c.write + "\n1> MULTI\n1> GET k\n1> EXEC\n")
	}
	return b.String()
}

// parseScript turns a case script into steps, one command per step.
func parseScript(script string) ([]step, error) {
	var steps []step
	for n, line := range strings.Split(script, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if d, ok := strings.CutPrefix(line, "sleep "); ok {
			dur, err := time.ParseDuration(d)
			if err != nil || len(steps) == 0 {
				return nil, fmt.Errorf("line %d: bad sleep %q", n+1, line)
			}
			last := &steps[len(steps)-1].cmds[0]
			last.pause += dur
			continue
		}
		exact := false
		if rest, ok := strings.CutPrefix(line, "= "); ok {
			exact, line = true, rest
		}
		conn := 0
		if rest, ok := strings.CutPrefix(line, "1>"); ok {
			conn, line = 1, strings.TrimSpace(rest)
		} else if rest, ok := strings.CutPrefix(line, "0>"); ok {
			line = strings.TrimSpace(rest)
		}
		args, err := splitScriptLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %v", n+1, err)
		}
		steps = append(steps, step{cmds: []cmd{{conn: conn, args: args, exact: exact}}})
	}
	return steps, nil
}

func splitScriptLine(line string) ([]any, error) {
	var args []any
	for i := 0; i < len(line); {
		if line[i] == ' ' || line[i] == '\t' {
			i++
			continue
		}
		if line[i] == '"' {
			j := i + 1
			for ; j < len(line) && line[j] != '"'; j++ {
				if line[j] == '\\' {
					j++
				}
			}
			if j >= len(line) {
				return nil, fmt.Errorf("unterminated quote in %q", line)
			}
			s, err := strconv.Unquote(line[i : j+1])
			if err != nil {
				return nil, fmt.Errorf("bad quoted token %s: %v", line[i:j+1], err)
			}
			args = append(args, s)
			i = j + 1
			continue
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' {
			j++
		}
		a, err := scriptToken(line[i:j])
		if err != nil {
			return nil, err
		}
		args = append(args, a)
		i = j
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("empty command")
	}
	return args, nil
}

// scriptToken resolves the special unquoted tokens of the case syntax.
func scriptToken(tok string) (any, error) {
	num := func(s string) (int64, error) { return strconv.ParseInt(s, 10, 64) }
	switch {
	case strings.HasPrefix(tok, "@s+") || strings.HasPrefix(tok, "@s-"):
		n, err := num(tok[2:])
		return absSec(n), err
	case strings.HasPrefix(tok, "@ms+") || strings.HasPrefix(tok, "@ms-"):
		n, err := num(tok[3:])
		return absMs(n), err
	case strings.HasPrefix(tok, "@now+"):
		n, err := num(tok[4:])
		return fromNowMs(n), err
	case len(tok) > 2 && tok[0] == '{' && tok[len(tok)-1] == '}':
		s, count, ok := strings.Cut(tok[1:len(tok)-1], "*")
		n, err := strconv.Atoi(count)
		if !ok || err != nil {
			return nil, fmt.Errorf("bad repeat token %q", tok)
		}
		return strings.Repeat(s, n), nil
	}
	return tok, nil
}
