package resp

import (
	"bufio"
	"context"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/memshard/memshard/router"
)

// startIntrospect runs a RESP server on 127.0.0.1:0 and returns it.
func startIntrospect(tb testing.TB, mod func(*Config)) *Server {
	tb.Helper()
	r, err := router.New(router.Config{Shards: 2})
	if err != nil {
		tb.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.Addr = "127.0.0.1:0"
	if mod != nil {
		mod(&cfg)
	}
	s := New(r, cfg)
	ln, err := s.Listen()
	if err != nil {
		tb.Fatal(err)
	}
	go s.Serve(ln)
	tb.Cleanup(func() {
		s.Close()
		r.Close()
	})
	for deadline := time.Now().Add(5 * time.Second); s.Addr() == nil; {
		if time.Now().After(deadline) {
			tb.Fatal("server did not start")
		}
		time.Sleep(time.Millisecond)
	}
	return s
}

// rawClient is a minimal RESP client that returns replies as raw bytes.
type rawClient struct {
	tb testing.TB
	nc net.Conn
	rd *bufio.Reader
}

func dialRaw(tb testing.TB, s *Server) *rawClient {
	tb.Helper()
	nc, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { nc.Close() })
	return &rawClient{tb: tb, nc: nc, rd: bufio.NewReader(nc)}
}

// do sends args as a multibulk command and returns the raw reply.
func (c *rawClient) do(args ...string) string {
	c.tb.Helper()
	b := []byte("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b = append(b, "$"+strconv.Itoa(len(a))+"\r\n"+a+"\r\n"...)
	}
	c.nc.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.nc.Write(b); err != nil {
		c.tb.Fatal(err)
	}
	out, err := c.read()
	if err != nil {
		c.tb.Fatalf("%q: %v", args, err)
	}
	return out
}

// read returns one whole reply, RESP2 or RESP3, as raw bytes.
func (c *rawClient) read() (string, error) {
	line, err := c.rd.ReadString('\n')
	if err != nil {
		return line, err
	}
	if len(line) < 3 {
		return line, nil
	}
	n, _ := strconv.Atoi(line[1 : len(line)-2])
	switch line[0] {
	case '$', '=', '!':
		if n < 0 {
			return line, nil
		}
		buf := make([]byte, n+2)
		_, err := io.ReadFull(c.rd, buf)
		return line + string(buf), err
	case '*', '~', '>', '%', '|':
		if line[0] == '%' || line[0] == '|' {
			n *= 2
		}
		for i := 0; i < n; i++ {
			s, err := c.read()
			line += s
			if err != nil {
				return line, err
			}
		}
	}
	return line, nil
}

// value parses a raw reply into Go values: string, int64, nil, error text
// (prefixed "-"), []any (maps flattened).
func value(raw string) any {
	v, _ := parseValue(raw)
	return v
}

func parseValue(raw string) (any, string) {
	i := strings.Index(raw, "\r\n")
	line, rest := raw[1:i], raw[i+2:]
	switch raw[0] {
	case '+':
		return line, rest
	case '-':
		return "-" + line, rest
	case ':':
		n, _ := strconv.ParseInt(line, 10, 64)
		return n, rest
	case '_':
		return nil, rest
	case '$', '=':
		n, _ := strconv.Atoi(line)
		if n < 0 {
			return nil, rest
		}
		return rest[:n], rest[n+2:]
	case '*', '~', '%':
		n, _ := strconv.Atoi(line)
		if n < 0 {
			return nil, rest
		}
		if raw[0] == '%' {
			n *= 2
		}
		out := []any{}
		for range n {
			var v any
			v, rest = parseValue(rest)
			out = append(out, v)
		}
		return out, rest
	}
	return nil, ""
}

// redisReplies are redis-server 7.0.15's replies to these commands (RESP2,
// one client connected, default config), recorded with a raw socket client.
var redisReplies = []struct{ cmd, want string }{
	{"command info get", "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n"},
	{"command info mget", "*1\r\n*10\r\n$4\r\nmget\r\n:-2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:-1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*1\r\n$26\r\nrequest_policy:multi_shard\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n"},
	{"command info del", "*1\r\n*10\r\n$3\r\ndel\r\n:-2\r\n*1\r\n+write\r\n:1\r\n:-1\r\n:1\r\n*3\r\n+@keyspace\r\n+@write\r\n+@slow\r\n*2\r\n$26\r\nrequest_policy:multi_shard\r\n$23\r\nresponse_policy:agg_sum\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RM\r\n+delete\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n"},
	{"command info rename", "*1\r\n*10\r\n$6\r\nrename\r\n:3\r\n*1\r\n+write\r\n:1\r\n:2\r\n:1\r\n*3\r\n+@keyspace\r\n+@write\r\n+@slow\r\n*0\r\n*2\r\n*6\r\n$5\r\nflags\r\n*3\r\n+RW\r\n+access\r\n+delete\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*6\r\n$5\r\nflags\r\n*2\r\n+OW\r\n+update\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:2\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n"},
	{"command info copy", "*1\r\n*10\r\n$4\r\ncopy\r\n:-3\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:2\r\n:1\r\n*3\r\n+@keyspace\r\n+@write\r\n+@slow\r\n*0\r\n*2\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*6\r\n$5\r\nflags\r\n*2\r\n+OW\r\n+update\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:2\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n"},
	{"command info watch", "*1\r\n*10\r\n$5\r\nwatch\r\n:-2\r\n*5\r\n+noscript\r\n+loading\r\n+stale\r\n+fast\r\n+allow_busy\r\n:1\r\n:-1\r\n:1\r\n*2\r\n+@fast\r\n+@transaction\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*1\r\n+RO\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n"},
	{"command info mset", "*1\r\n*10\r\n$4\r\nmset\r\n:-3\r\n*2\r\n+write\r\n+denyoom\r\n:1\r\n:-1\r\n:2\r\n*3\r\n+@write\r\n+@string\r\n+@slow\r\n*2\r\n$26\r\nrequest_policy:multi_shard\r\n$29\r\nresponse_policy:all_succeeded\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+OW\r\n+update\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:-1\r\n$7\r\nkeystep\r\n:2\r\n$5\r\nlimit\r\n:0\r\n*0\r\n"},
	{"command info ping", "*1\r\n*10\r\n$4\r\nping\r\n:-1\r\n*1\r\n+fast\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@fast\r\n+@connection\r\n*2\r\n$25\r\nrequest_policy:all_shards\r\n$29\r\nresponse_policy:all_succeeded\r\n*0\r\n*0\r\n"},
	{"command info echo", "*1\r\n*10\r\n$4\r\necho\r\n:2\r\n*3\r\n+loading\r\n+stale\r\n+fast\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@fast\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n"},
	{"command info auth", "*1\r\n*10\r\n$4\r\nauth\r\n:-2\r\n*6\r\n+noscript\r\n+loading\r\n+stale\r\n+fast\r\n+no_auth\r\n+allow_busy\r\n:0\r\n:0\r\n:0\r\n*2\r\n+@fast\r\n+@connection\r\n*0\r\n*0\r\n*0\r\n"},
	{"command info nosuch", "*1\r\n$-1\r\n"},
	{"command info nosuch get", "*2\r\n$-1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n:1\r\n:1\r\n:1\r\n*3\r\n+@read\r\n+@string\r\n+@fast\r\n*0\r\n*1\r\n*6\r\n$5\r\nflags\r\n*2\r\n+RO\r\n+access\r\n$12\r\nbegin_search\r\n*4\r\n$4\r\ntype\r\n$5\r\nindex\r\n$4\r\nspec\r\n*2\r\n$5\r\nindex\r\n:1\r\n$9\r\nfind_keys\r\n*4\r\n$4\r\ntype\r\n$5\r\nrange\r\n$4\r\nspec\r\n*6\r\n$7\r\nlastkey\r\n:0\r\n$7\r\nkeystep\r\n:1\r\n$5\r\nlimit\r\n:0\r\n*0\r\n"},
	{"command getkeys set a b", "*1\r\n$1\r\na\r\n"},
	{"command getkeys mset a b c d", "*2\r\n$1\r\na\r\n$1\r\nc\r\n"},
	{"command getkeys ping x", "-ERR The command has no key arguments\r\n"},
	{"command getkeys foo a", "-ERR Invalid command specified\r\n"},
	{"command getkeys set a", "-ERR Invalid number of arguments specified for command\r\n"},
	{"command getkeys get", "-ERR wrong number of arguments for 'command|getkeys' command\r\n"},
	{"command getkeys rename a b", "*2\r\n$1\r\na\r\n$1\r\nb\r\n"},
	{"command count x", "-ERR wrong number of arguments for 'command|count' command\r\n"},
	{"command foo", "-ERR unknown subcommand 'foo'. Try COMMAND HELP.\r\n"},
	{"command list x", "-ERR syntax error\r\n"},
	{"command list filterby foo x", "-ERR syntax error\r\n"},
	{"command list filterby aclcat nosuch", "*0\r\n"},
	{"command list filterby module x", "*0\r\n"},
	{"command docs nosuch", "*0\r\n"},
	{"config get maxclients", "*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n"},
	{"config get timeout", "*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n"},
	{"config get enable-debug-command", "*2\r\n$20\r\nenable-debug-command\r\n$2\r\nno\r\n"},
	{"debug sleep 0", "-ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.\r\n"},
	{"debug", "-ERR wrong number of arguments for 'debug' command\r\n"},
	{"config get save", "*2\r\n$4\r\nsave\r\n$0\r\n\r\n"},
	{"config get appendonly", "*2\r\n$10\r\nappendonly\r\n$2\r\nno\r\n"},
	{"config get maxmemory-policy", "*2\r\n$16\r\nmaxmemory-policy\r\n$10\r\nnoeviction\r\n"},
	{"config get nosuch", "*0\r\n"},
	{"config get timeout timeout", "*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n"},
	{"config get maxclient?", "*2\r\n$10\r\nmaxclients\r\n$5\r\n10000\r\n"},
	{"config set foo 1", "-ERR Unknown option or number of arguments for CONFIG SET - 'foo'\r\n"},
	{"config set maxclients abc", "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer\r\n"},
	{"config set maxclients 100 maxclients 200", "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - duplicate parameter\r\n"},
	{"config set maxclients", "-ERR wrong number of arguments for 'config|set' command\r\n"},
	{"config set timeout -1", "-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must be between 0 and 2147483647 inclusive\r\n"},
	{"config set maxclients 0", "-ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument must be between 1 and 4294967295 inclusive\r\n"},
	{"config set databases 3", "-ERR CONFIG SET failed (possibly related to argument 'databases') - can't set immutable config\r\n"},
	{"config set maxclients 10000 timeout", "-ERR syntax error\r\n"},
	{"config set timeout 0", "+OK\r\n"},
	{"config resetstat", "+OK\r\n"},
	{"config resetstat x", "-ERR wrong number of arguments for 'config|resetstat' command\r\n"},
	{"config rewrite", "-ERR The server is running without a config file\r\n"},
	{"config foo", "-ERR unknown subcommand 'foo'. Try CONFIG HELP.\r\n"},
	{"config get", "-ERR wrong number of arguments for 'config|get' command\r\n"},
	{"client list type foo", "-ERR Unknown client type 'foo'\r\n"},
	{"client list type pubsub", "$0\r\n\r\n"},
	{"client list id x", "-ERR Invalid client ID\r\n"},
	{"client list id 0", "$0\r\n\r\n"},
	{"client list id", "-ERR syntax error\r\n"},
	{"client list foo", "-ERR syntax error\r\n"},
	{"client list id 999", "$0\r\n\r\n"},
	{"client kill 1.2.3.4:5", "-ERR No such client\r\n"},
	{"client kill id 999", ":0\r\n"},
	{"client kill foo", "-ERR No such client\r\n"},
	{"client kill skipme maybe", "-ERR syntax error\r\n"},
	{"client kill id abc", "-ERR client-id should be greater than 0\r\n"},
	{"client kill id 0", "-ERR client-id should be greater than 0\r\n"},
	{"client kill addr 1.2.3.4:5 skipme yes", ":0\r\n"},
	{"client kill laddr x", ":0\r\n"},
	{"client info x", "-ERR wrong number of arguments for 'client|info' command\r\n"},
	{"client kill user x", "-ERR No such user 'x'\r\n"},
	{"client kill type foo", "-ERR Unknown client type 'foo'\r\n"},
	{"client kill maxage 5", "-ERR syntax error\r\n"},
	{"client kill type normal skipme yes", ":0\r\n"},
	{"client kill id 1 addr", "-ERR syntax error\r\n"},
	{"info nosuch", "$0\r\n\r\n"},
	{"client list id -5", "$0\r\n\r\n"},
	{"client list id 1 x", "-ERR Invalid client ID\r\n"},
	{"client list type normal id 1", "-ERR syntax error\r\n"},
	{"client kill id -3", "-ERR client-id should be greater than 0\r\n"},
}

func TestIntrospectMatchesRedis(t *testing.T) {
	s := startIntrospect(t, nil)
	c := dialRaw(t, s)
	checked := 0
	for _, tc := range redisReplies {
		if got := c.do(strings.Fields(tc.cmd)...); got != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.cmd, got, tc.want)
		}
		checked++
	}
	if checked != len(redisReplies) || checked < 70 {
		t.Fatalf("checked %d", checked)
	}
}

func TestCommandTable(t *testing.T) {
	s := startIntrospect(t, nil)
	c := dialRaw(t, s)
	for _, proto := range []string{"2", "3"} {
		c.do("HELLO", proto)
		all := value(c.do("COMMAND")).([]any)
		count := value(c.do("COMMAND", "COUNT")).(int64)
		if int64(len(all)) != count {
			t.Fatalf("resp%s: COMMAND has %d entries, COUNT says %d", proto, len(all), count)
		}
		names := map[string]bool{}
		for _, e := range all {
			e := e.([]any)
			if len(e) != 10 {
				t.Fatalf("entry %v has %d elements", e[0], len(e))
			}
			name := e[0].(string)
			names[name] = true
			if rc := router.Lookup([]byte(name)); rc != nil && e[1].(int64) != int64(rc.Arity) {
				t.Errorf("%s: arity %v, router %d", name, e[1], rc.Arity)
			}
			for _, i := range []int{2, 6, 7, 8, 9} {
				if _, ok := e[i].([]any); !ok {
					t.Errorf("%s: element %d is %T, want an array", name, i, e[i])
				}
			}
			if len(e[6].([]any)) == 0 {
				t.Errorf("%s: no ACL categories", name)
			}
		}
		n := 0
		router.Commands(func(rc *router.Command) {
			n++
			if !names[rc.Name] {
				t.Errorf("router command %s missing from COMMAND", rc.Name)
			}
		})
		for name := range connTable {
			n++
			if !names[name] {
				t.Errorf("connection command %s missing from COMMAND", name)
			}
		}
		if n < 60 {
			t.Fatalf("checked %d commands", n)
		}
		docs := value(c.do("COMMAND", "DOCS")).([]any)
		if int64(len(docs)) != 2*count {
			t.Fatalf("COMMAND DOCS: %d elements for %d commands", len(docs), count)
		}
		get := value(c.do("COMMAND", "DOCS", "get")).([]any)
		if len(get) != 2 || get[0] != "get" {
			t.Fatalf("COMMAND DOCS get: %v", get)
		}
		if d := get[1].([]any); d[0] != "summary" || d[2] != "since" || d[3] != "1.0.0" || d[5] != "string" {
			t.Fatalf("COMMAND DOCS get: %v", d)
		}
		list := value(c.do("COMMAND", "LIST", "FILTERBY", "PATTERN", "client*")).([]any)
		if !containsAll(list, "client", "client|list", "client|kill", "client|info") {
			t.Fatalf("COMMAND LIST pattern client*: %v", list)
		}
		fast := value(c.do("COMMAND", "LIST", "FILTERBY", "ACLCAT", "fast")).([]any)
		if !containsAll(fast, "get", "ping") || containsAll(fast, "keys") {
			t.Fatalf("COMMAND LIST aclcat fast: %v", fast)
		}
	}
}

func containsAll(list []any, want ...string) bool {
	for _, w := range want {
		found := false
		for _, v := range list {
			found = found || v == w
		}
		if !found {
			return false
		}
	}
	return true
}

func TestConfigSetGet(t *testing.T) {
	s := startIntrospect(t, func(c *Config) { c.RequirePass = "pw" })
	c := dialRaw(t, s)
	if got := c.do("AUTH", "pw"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	// Secrets are left out of CONFIG GET, even for the full password.
	for _, p := range []string{"requirepass", "*", "*pass*", "require*"} {
		if got := c.do("CONFIG", "GET", p); strings.Contains(got, "requirepass") || strings.Contains(got, "pw\r\n") {
			t.Fatalf("CONFIG GET %s shows the password: %q", p, got)
		}
	}
	if got := c.do("CONFIG", "SET", "requirepass", "new"); got != "-ERR CONFIG SET failed (possibly related to argument 'requirepass') - can't set immutable config\r\n" {
		t.Fatalf("CONFIG SET requirepass: %q", got)
	}
	if got := c.do("CONFIG", "SET", "maxclients", "5", "timeout", "30"); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if s.maxClients() != 5 || s.idleTimeout() != 30*time.Second {
		t.Fatalf("maxclients %d timeout %v", s.maxClients(), s.idleTimeout())
	}
	// All parameters are checked before any is applied.
	if got := c.do("CONFIG", "SET", "maxclients", "7", "timeout", "x"); !strings.HasPrefix(got, "-ERR CONFIG SET failed (possibly related to argument 'timeout')") {
		t.Fatal(got)
	}
	if got := c.do("CONFIG", "SET", "maxclients", "7", "timeout", "-1"); !strings.HasPrefix(got, "-ERR CONFIG SET failed (possibly related to argument 'timeout') - argument must be between") {
		t.Fatal(got)
	}
	if s.maxClients() != 5 {
		t.Fatalf("maxclients changed by a failed CONFIG SET: %d", s.maxClients())
	}
	c.do("HELLO", "3")
	want := "%2\r\n$10\r\nmaxclients\r\n$1\r\n5\r\n$7\r\ntimeout\r\n$2\r\n30\r\n"
	if got := c.do("CONFIG", "GET", "maxclients", "time*"); got != want {
		t.Fatalf("RESP3 CONFIG GET: %q, want %q", got, want)
	}
	port := strconv.Itoa(s.Addr().(*net.TCPAddr).Port)
	if got := c.do("CONFIG", "GET", "port"); got != "%1\r\n$4\r\nport\r\n$"+strconv.Itoa(len(port))+"\r\n"+port+"\r\n" {
		t.Fatalf("port: %q", got)
	}
	all := value(c.do("CONFIG", "GET", "*")).([]any)
	if len(all) != 2*(len(configParams)-1) { // all but requirepass
		t.Fatalf("CONFIG GET *: %v", all)
	}
}

func TestInfo(t *testing.T) {
	s := startIntrospect(t, nil)
	c := dialRaw(t, s)
	if got := c.do("INFO", "keyspace"); got != "$12\r\n# Keyspace\r\n\r\n" {
		t.Fatalf("empty keyspace: %q", got)
	}
	c.do("SET", "a", "1")
	c.do("SET", "b", "2", "EX", "100")
	c.do("GET", "a")
	c.do("GET", "nosuch")
	if got := value(c.do("INFO", "keyspace")); got != "# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0\r\n" {
		t.Fatalf("keyspace: %q", got)
	}
	// Sections come in Redis's order, separated by a blank line.
	text := value(c.do("INFO", "stats", "CLIENTS")).(string)
	if !strings.HasPrefix(text, "# Clients\r\nconnected_clients:1\r\n") || !strings.Contains(text, "\r\n\r\n# Stats\r\n") {
		t.Fatalf("INFO stats clients: %q", text)
	}
	fields := map[string]string{}
	sections := []string{}
	for _, line := range strings.Split(value(c.do("INFO")).(string), "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			fields[k] = v
		} else if strings.HasPrefix(line, "# ") {
			sections = append(sections, line[2:])
		} else if line != "" {
			t.Errorf("malformed INFO line %q", line)
		}
	}
	if strings.Join(sections, ",") != "Server,Clients,Memory,Persistence,Stats,Replication,Cluster,Keyspace" {
		t.Fatalf("sections %v", sections)
	}
	for k, want := range map[string]string{
		"redis_version": RedisVersion, "redis_mode": "standalone", "connected_clients": "1",
		"maxclients": "10000", "keyspace_hits": "1", "keyspace_misses": "1", "aof_enabled": "0",
		"maxmemory_policy": "noeviction", "role": "master", "total_connections_received": "1",
		"tcp_port": strconv.Itoa(s.Addr().(*net.TCPAddr).Port),
	} {
		if fields[k] != want {
			t.Errorf("%s: %q, want %q", k, fields[k], want)
		}
	}
	for _, k := range []string{"used_memory", "used_memory_rss", "process_id", "total_commands_processed", "rdb_changes_since_last_save"} {
		if n, err := strconv.ParseInt(fields[k], 10, 64); err != nil || n <= 0 {
			t.Errorf("%s: %q", k, fields[k])
		}
	}
	c.do("CONFIG", "RESETSTAT")
	if got := value(c.do("INFO", "stats")).(string); !strings.Contains(got, "\r\nkeyspace_hits:0\r\n") {
		t.Fatalf("after RESETSTAT: %q", got)
	}
	if got := c.do("INFO", "nosuch"); got != "$0\r\n\r\n" {
		t.Fatalf("unknown section: %q", got)
	}
}

// clientKeys is the key order of a Redis 7.0.15 CLIENT LIST line, then the
// lib-name and lib-ver of Redis 7.2.
var clientKeys = "id addr laddr fd name age idle flags db sub psub ssub multi qbuf qbuf-free argv-mem multi-mem rbs rbp obl oll omem tot-mem events cmd user redir resp lib-name lib-ver"

func parseClientLine(tb testing.TB, line string) map[string]string {
	tb.Helper()
	m := map[string]string{}
	var keys []string
	for _, f := range strings.Split(line, " ") {
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			tb.Fatalf("malformed field %q in %q", f, line)
		}
		keys = append(keys, k)
		m[k] = v
	}
	if strings.Join(keys, " ") != clientKeys {
		tb.Fatalf("keys %q, want %q", keys, clientKeys)
	}
	return m
}

func TestClientListInfoKill(t *testing.T) {
	s := startIntrospect(t, nil)
	a, b := dialRaw(t, s), dialRaw(t, s)
	a.do("CLIENT", "SETNAME", "alpha")
	a.do("CLIENT", "SETINFO", "lib-name", "raw")
	b.do("PING")
	info := value(a.do("CLIENT", "INFO")).(string)
	if !strings.HasSuffix(info, "\n") {
		t.Fatalf("CLIENT INFO %q lacks its newline", info)
	}
	m := parseClientLine(t, strings.TrimSuffix(info, "\n"))
	if m["name"] != "alpha" || m["cmd"] != "client|info" || m["lib-name"] != "raw" || m["flags"] != "N" ||
		m["resp"] != "2" || m["multi"] != "-1" || m["addr"] != a.nc.LocalAddr().String() ||
		m["laddr"] != s.Addr().String() {
		t.Fatalf("CLIENT INFO %v", m)
	}
	aID := value(a.do("CLIENT", "ID")).(int64)
	bID := value(b.do("CLIENT", "ID")).(int64)
	list := strings.Split(strings.TrimSuffix(value(a.do("CLIENT", "LIST")).(string), "\n"), "\n")
	if len(list) != 2 {
		t.Fatalf("CLIENT LIST: %q", list)
	}
	if m := parseClientLine(t, list[0]); m["id"] != strconv.FormatInt(aID, 10) || m["cmd"] != "client|list" {
		t.Fatalf("first line %v", m)
	}
	parseClientLine(t, list[1])
	one := value(a.do("CLIENT", "LIST", "ID", strconv.FormatInt(bID, 10), "12345")).(string)
	if m := parseClientLine(t, strings.TrimSuffix(one, "\n")); m["id"] != strconv.FormatInt(bID, 10) {
		t.Fatalf("CLIENT LIST ID: %q", one)
	}
	// SKIPME defaults to yes: killing by our own address kills nobody.
	if got := a.do("CLIENT", "KILL", "ADDR", a.nc.LocalAddr().String()); got != ":0\r\n" {
		t.Fatal(got)
	}
	if got := a.do("CLIENT", "KILL", "ID", strconv.FormatInt(bID, 10)); got != ":1\r\n" {
		t.Fatal(got)
	}
	b.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := b.rd.ReadByte(); err != io.EOF {
		t.Fatalf("killed client read: %v", err)
	}
	waitFor(t, func() bool { return s.Clients() == 1 })
	// Old form, on ourselves: OK, then the connection closes.
	if got := a.do("CLIENT", "KILL", a.nc.LocalAddr().String()); got != "+OK\r\n" {
		t.Fatal(got)
	}
	if _, err := a.rd.ReadByte(); err != io.EOF {
		t.Fatalf("self-killed client read: %v", err)
	}
	waitFor(t, func() bool { return s.Clients() == 0 })
}

func waitFor(tb testing.TB, cond func() bool) {
	tb.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			tb.Fatal("condition not reached")
		}
		time.Sleep(time.Millisecond)
	}
}

func TestHumanBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0B", 200: "200B", 1023: "1023B", 1024: "1.00K",
		1087720: "1.04M", 12447744: "11.87M", 25276502016: "23.54G"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestIntrospectGoRedis checks that go-redis parses the replies without
// errors in both protocols.
func TestIntrospectGoRedis(t *testing.T) {
	s := startIntrospect(t, nil)
	ctx := context.Background()
	for _, proto := range []int{2, 3} {
		c := redis.NewClient(&redis.Options{Addr: s.Addr().String(), Protocol: proto})
		t.Cleanup(func() { c.Close() })
		cmds, err := c.Command(ctx).Result()
		if err != nil || cmds["get"] == nil || !cmds["get"].ReadOnly || cmds["mset"].StepCount != 2 {
			t.Fatalf("resp%d COMMAND: %v %v", proto, err, cmds["get"])
		}
		if keys, err := c.CommandGetKeys(ctx, "mset", "a", "1", "b", "2").Result(); err != nil || strings.Join(keys, ",") != "a,b" {
			t.Fatalf("resp%d GETKEYS: %v %v", proto, keys, err)
		}
		if ci, err := c.ClientInfo(ctx).Result(); err != nil || ci.ID == 0 || ci.LAddr != s.Addr().String() {
			t.Fatalf("resp%d CLIENT INFO: %+v %v", proto, ci, err)
		}
		if m, err := c.InfoMap(ctx, "server", "keyspace").Result(); err != nil || m["Server"]["redis_version"] != RedisVersion {
			t.Fatalf("resp%d INFO: %v %v", proto, m, err)
		}
		if m, err := c.ConfigGet(ctx, "max*").Result(); err != nil || m["maxclients"] != "10000" || m["maxmemory"] != "0" {
			t.Fatalf("resp%d CONFIG GET: %v %v", proto, m, err)
		}
		if n, err := c.ClientKillByFilter(ctx, "ID", "999999").Result(); err != nil || n != 0 {
			t.Fatalf("resp%d CLIENT KILL: %d %v", proto, n, err)
		}
	}
}

// The tests below need the conn.go and server.go wiring: conn.publish after
// each batch, and maxClients()/idleTimeout() read by accept and serve.

func TestClientListShowsOthers(t *testing.T) {
	s := startIntrospect(t, nil)
	a, b := dialRaw(t, s), dialRaw(t, s)
	b.do("CLIENT", "SETNAME", "beta")
	b.do("HELLO", "3")
	b.do("GET", "k")
	lines := strings.Split(strings.TrimSuffix(value(a.do("CLIENT", "LIST")).(string), "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("CLIENT LIST %q", lines)
	}
	m := parseClientLine(t, lines[1])
	if m["name"] != "beta" || m["cmd"] != "get" || m["resp"] != "3" || m["addr"] != b.nc.LocalAddr().String() {
		t.Fatalf("other client: %v", m)
	}
	b.do("MULTI")
	m = parseClientLine(t, strings.Split(value(a.do("CLIENT", "LIST")).(string), "\n")[1])
	if m["flags"] != "x" || m["cmd"] != "multi" {
		t.Fatalf("client in MULTI: %v", m)
	}
}

func TestConfigSetTakesEffect(t *testing.T) {
	s := startIntrospect(t, nil)
	a := dialRaw(t, s)
	a.do("CONFIG", "SET", "maxclients", "1")
	b := dialRaw(t, s)
	b.nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	if got, _ := b.read(); got != "-ERR max number of clients reached\r\n" {
		t.Fatalf("second client over maxclients 1: %q", got)
	}
	a.do("CONFIG", "SET", "maxclients", "10", "timeout", "1")
	c := dialRaw(t, s)
	c.do("PING")
	c.nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.rd.ReadByte(); err != io.EOF {
		t.Fatalf("idle client after timeout 1: %v", err)
	}
}

// TestClientListRace runs CLIENT LIST and CLIENT KILL while other clients
// change their state; run it with -race.
func TestClientListRace(t *testing.T) {
	s := startIntrospect(t, nil)
	done := make(chan struct{})
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			nc, err := net.Dial("tcp", s.Addr().String())
			if err != nil {
				t.Error(err)
				return
			}
			defer nc.Close()
			c := &rawClient{tb: t, nc: nc, rd: bufio.NewReader(nc)}
			for n := 0; ; n++ {
				select {
				case <-done:
					return
				default:
				}
				c.do("CLIENT", "SETNAME", "w"+strconv.Itoa(i)+"-"+strconv.Itoa(n%3))
				c.do("SET", "k", "v")
				c.do("HELLO", strconv.Itoa(2+n%2))
			}
		}()
	}
	a := dialRaw(t, s)
	lines := 0
	for range 200 {
		lines += strings.Count(value(a.do("CLIENT", "LIST")).(string), "\n")
		a.do("CLIENT", "KILL", "ID", "999999")
	}
	close(done)
	wg.Wait()
	if lines < 200 {
		t.Fatalf("saw %d lines", lines)
	}
}

// DEBUG follows enable-debug-command: refused at the default with Redis's
// message (inside MULTI too, aborting it), served with yes, and with local
// only to loopback and unix-socket peers.
func TestDebugEnable(t *testing.T) {
	refused := "-" + string(errDebugDisabled.Str)
	off := dialRaw(t, startIntrospect(t, nil))
	for _, tc := range []struct{ cmd, want string }{
		{"debug sleep 0", string(refused) + "\r\n"},
		{"multi", "+OK\r\n"},
		{"debug sleep 0", string(refused) + "\r\n"},
		{"exec", "-EXECABORT Transaction discarded because of previous errors.\r\n"},
	} {
		if got := off.do(strings.Fields(tc.cmd)...); got != tc.want {
			t.Fatalf("default, %s: %q, want %q", tc.cmd, got, tc.want)
		}
	}
	for _, mode := range []DebugMode{DebugYes, DebugLocal} {
		s := startIntrospect(t, func(c *Config) { c.EnableDebug = mode })
		c := dialRaw(t, s)
		if got := c.do("DEBUG", "SLEEP", "0"); got != "+OK\r\n" {
			t.Fatalf("%v: DEBUG SLEEP 0: %q", mode, got)
		}
		if got := c.do("CONFIG", "GET", "enable-debug-command"); !strings.HasSuffix(got, "$"+strconv.Itoa(len(mode.String()))+"\r\n"+mode.String()+"\r\n") {
			t.Fatalf("%v: CONFIG GET enable-debug-command: %q", mode, got)
		}
	}
	for _, tc := range []struct {
		addr  net.Addr
		local bool
	}{
		{&net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}, true},
		{&net.TCPAddr{IP: net.IPv6loopback, Port: 1}, true},
		{&net.UnixAddr{Name: "/tmp/s", Net: "unix"}, true},
		{&net.TCPAddr{IP: net.IPv4(10, 0, 0, 1), Port: 1}, false},
		{&net.TCPAddr{IP: net.IPv6unspecified, Port: 1}, false},
		{nil, false},
	} {
		if got := isLocal(tc.addr); got != tc.local {
			t.Errorf("isLocal(%v) = %v", tc.addr, got)
		}
		c := &conn{s: &Server{cfg: Config{EnableDebug: DebugLocal}}, raddr: tc.addr}
		if c.debugAllowed() != tc.local {
			t.Errorf("local mode, peer %v: allowed %v", tc.addr, !tc.local)
		}
	}
}
