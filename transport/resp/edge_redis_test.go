package resp

import (
	"bytes"
	"strings"
	"testing"

	"github.com/memshard/memshard/router"
)

// startTestServer runs a memshard RESP server on 127.0.0.1:0 with cfg
// (Addr replaced) and stops it when the test ends. It returns the address.
func startTestServer(tb testing.TB, cfg Config) string {
	tb.Helper()
	r, err := router.New(router.Config{Shards: 2})
	if err != nil {
		tb.Fatal(err)
	}
	cfg.Addr = "127.0.0.1:0"
	s := New(r, cfg)
	addr, err := s.Start()
	if err != nil {
		r.Close()
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		s.Close()
		r.Close()
	})
	return addr.String()
}

// Edge cases where memshard once answered otherwise than Redis 7.0, sent to
// both servers (password "pw") byte for byte, on event loops and on
// goroutines: what comes back must be the same bytes.
//
//   - Before AUTH, Redis looks the command up and checks its argument count
//     before it checks authentication: an unknown command, an unknown
//     subcommand or a wrong count gets that error, not NOAUTH (and HELLO
//     without AUTH gets Redis's exact NOAUTH text).
//   - A line over the inline limit (64 KiB) is refused only while its end
//     has not arrived: a 70 KB inline command written at once runs.
func TestEdgesMatchRedis(t *testing.T) {
	redisAddr := startRedis(t, "--requirepass", "pw")
	x70k := strings.Repeat("x", 70000)
	inputs := []string{
		"foo a b\r\n", mb("FOO"), "foo " + strings.Repeat("y", 300) + "\r\n", "GET\r\n", "GET k\r\n",
		"SET k\r\n", "EXEC a\r\n", "MULTI\r\n", "PING a b c\r\n", "PING\r\n", "ECHO\r\n", "MSET a\r\n",
		"CONFIG\r\n", "CONFIG FOO\r\n", "CONFIG GET\r\n", "CONFIG GET x\r\n", "CONFIG help\r\n", "CONFIG HELP x\r\n",
		"CLIENT\r\n", "CLIENT FOO\r\n", "CLIENT SETNAME\r\n", "CLIENT LIST x\r\n", "CLIENT ID x\r\n",
		"COMMAND\r\n", "COMMAND FOO\r\n", "COMMAND COUNT x\r\n", "COMMAND HELP\r\n", "COMMAND GETKEYS\r\n",
		"SELECT\r\n", "SELECT 0\r\n", "INFO\r\n", "AUTH\r\n", "DEBUG\r\n", "WAIT 0\r\n",
		"CONFIG " + strings.Repeat("s", 200) + "\r\n", "HELLO 3\r\n", "HELLO 4\r\n",
		"RESET x\r\n", "AUTH a b c\r\n", "QUIT x\r\n", "CLUSTER\r\n", "READONLY x\r\n",
		"foo\r\nAUTH pw\r\nfoo\r\nGET\r\nCONFIG FOO\r\nSET k v\r\nRESET\r\nGET k\r\nfoo\r\n",
		"SET k " + x70k + "\r\n",
		"AUTH pw\r\nSET k " + x70k + "\r\nSTRLEN k\r\nECHO " + x70k + "\r\n",
		"AUTH pw\r\n*1\r\n$" + strings.Repeat("1", 70000) + "\r\n",
		"AUTH pw\r\n*" + strings.Repeat("1", 70000) + "\r\n",
		"AUTH pw\r\n" + strings.Repeat("z", 70000),
	}
	for _, mode := range []struct {
		name  string
		loops int
	}{{"loops", 0}, {"goroutines", -1}} {
		addr := startTestServer(t, Config{RequirePass: "pw", EventLoops: mode.loops})
		checked := 0
		for _, in := range inputs {
			want := redisSend(t, redisAddr, []byte(in))
			got := redisSend(t, addr, []byte(in))
			if !bytes.Equal(got, want) {
				t.Errorf("%s: %.80q:\n memshard %.300q\n redis    %.300q", mode.name, in, got, want)
			}
			checked++
		}
		if checked != len(inputs) {
			t.Fatalf("%s: checked %d inputs", mode.name, checked)
		}
	}
}
