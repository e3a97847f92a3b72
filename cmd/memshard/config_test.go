package main

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/memshard/memshard/transport/resp"
)

// writeConfig writes a config file into a fresh temp dir and returns its path.
func writeConfig(t testing.TB, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "memshard.conf")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func mustLoad(t testing.TB, args, environ []string) Config {
	t.Helper()
	cfg, err := loadConfig(args, environ)
	if err != nil {
		t.Fatalf("loadConfig(%q, %q): %v", args, environ, err)
	}
	return cfg
}

func loadErr(t testing.TB, args, environ []string) string {
	t.Helper()
	_, err := loadConfig(args, environ)
	if err == nil {
		t.Fatalf("loadConfig(%q, %q): no error", args, environ)
	}
	return err.Error()
}

func TestNoArgumentsGiveDefaults(t *testing.T) {
	cfg := mustLoad(t, nil, nil)
	cfg.sources = nil
	if want := DefaultConfig(); !reflect.DeepEqual(cfg, want) {
		t.Fatalf("got  %+v\nwant %+v", cfg, want)
	}
	if cfg.DumpDir != filepath.Join("data", "dumps") {
		t.Errorf("DumpDir = %q, want data/dumps", cfg.DumpDir)
	}
	for _, o := range options {
		if s := cfg.Source(o.name); s != sourceDefault {
			t.Errorf("Source(%s) = %q, want default", o.name, s)
		}
	}
}

// The defaults shown by --help are the defaults DefaultConfig uses.
func TestUsageDefaultsMatchDefaultConfig(t *testing.T) {
	got := Config{}
	for _, o := range options {
		if o.name == "dump-dir" {
			continue // derived from dir
		}
		if err := o.set(&got, o.def); err != nil {
			t.Fatalf("%s default %q: %v", o.name, o.def, err)
		}
	}
	want := DefaultConfig()
	want.DumpDir = ""
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("usage defaults give %+v\nDefaultConfig is      %+v", got, want)
	}
}

func TestPrecedence(t *testing.T) {
	file := writeConfig(t, "shards 1\nlog-level debug\nmaxmemory 1kb\n")
	cases := []struct {
		name       string
		args       []string
		env        []string
		wantShards int
		wantSource string
	}{
		{"default", nil, nil, 0, sourceDefault},
		{"file beats default", []string{"--config", file}, nil, 1, sourceFile},
		{"env beats file", []string{"--config", file}, []string{"MEMSHARD_SHARDS=2"}, 2, sourceEnv},
		{"flag beats env", []string{"--config", file, "--shards", "3"}, []string{"MEMSHARD_SHARDS=2"}, 3, sourceFlag},
		{"flag beats file", []string{"--config", file, "--shards=3"}, nil, 3, sourceFlag},
		{"flag beats env without file", []string{"-shards", "3"}, []string{"MEMSHARD_SHARDS=2"}, 3, sourceFlag},
		{"file named by env", nil, []string{"MEMSHARD_CONFIG=" + file}, 1, sourceFile},
		{"last flag wins", []string{"--shards", "3", "--shards", "4"}, nil, 4, sourceFlag},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := mustLoad(t, tc.args, tc.env)
			if cfg.Shards != tc.wantShards || cfg.Source("shards") != tc.wantSource {
				t.Errorf("shards = %d from %s, want %d from %s", cfg.Shards, cfg.Source("shards"), tc.wantShards, tc.wantSource)
			}
		})
	}

	// Layers merge option by option: each option takes its strongest source.
	cfg := mustLoad(t, []string{"--config", file, "--maxmemory", "2kb"}, []string{"MEMSHARD_LOG_LEVEL=warn"})
	if cfg.Shards != 1 || cfg.LogLevel != zerolog.WarnLevel || cfg.MaxMemory != 2048 || cfg.LogFormat != "console" {
		t.Errorf("merged: shards %d, log-level %v, maxmemory %d, log-format %q; want 1, warn, 2048, console",
			cfg.Shards, cfg.LogLevel, cfg.MaxMemory, cfg.LogFormat)
	}
}

func TestConfigFlagBeatsConfigEnv(t *testing.T) {
	fromFlag := writeConfig(t, "shards 5\n")
	fromEnv := writeConfig(t, "shards 6\n")
	cfg := mustLoad(t, []string{"--config", fromFlag}, []string{"MEMSHARD_CONFIG=" + fromEnv})
	if cfg.Shards != 5 || cfg.ConfigFile != fromFlag {
		t.Errorf("shards %d from %s, want 5 from %s", cfg.Shards, cfg.ConfigFile, fromFlag)
	}
}

func TestEnvNames(t *testing.T) {
	want := map[string]string{
		"http-addr":        "MEMSHARD_HTTP_ADDR",
		"resp-addr":        "MEMSHARD_RESP_ADDR",
		"dir":              "MEMSHARD_DIR",
		"appendonly":       "MEMSHARD_APPENDONLY",
		"appendfsync":      "MEMSHARD_APPENDFSYNC",
		"dump-dir":         "MEMSHARD_DUMP_DIR",
		"shards":           "MEMSHARD_SHARDS",
		"procs":            "MEMSHARD_PROCS",
		"requirepass":      "MEMSHARD_REQUIREPASS",
		"token":            "MEMSHARD_TOKEN",
		"read-only-token":  "MEMSHARD_READ_ONLY_TOKEN",
		"maxmemory":        "MEMSHARD_MAXMEMORY",
		"maxmemory-policy": "MEMSHARD_MAXMEMORY_POLICY",
		"log-level":        "MEMSHARD_LOG_LEVEL",
		"log-format":       "MEMSHARD_LOG_FORMAT",
		"config":           "MEMSHARD_CONFIG",

		"tls-port":                   "MEMSHARD_TLS_PORT",
		"tls-cert":                   "MEMSHARD_TLS_CERT",
		"tls-key":                    "MEMSHARD_TLS_KEY",
		"proto-max-bulk-len":         "MEMSHARD_PROTO_MAX_BULK_LEN",
		"proto-max-multibulk-len":    "MEMSHARD_PROTO_MAX_MULTIBULK_LEN",
		"proto-inline-max-size":      "MEMSHARD_PROTO_INLINE_MAX_SIZE",
		"client-query-buffer-limit":  "MEMSHARD_CLIENT_QUERY_BUFFER_LIMIT",
		"maxclients":                 "MEMSHARD_MAXCLIENTS",
		"timeout":                    "MEMSHARD_TIMEOUT",
		"resp-event-loops":           "MEMSHARD_RESP_EVENT_LOOPS",
		"enable-debug-command":       "MEMSHARD_ENABLE_DEBUG_COMMAND",
		"client-output-buffer-limit": "MEMSHARD_CLIENT_OUTPUT_BUFFER_LIMIT",
		"pprof-addr":                 "MEMSHARD_PPROF_ADDR",

		"http-max-body":     "MEMSHARD_HTTP_MAX_BODY",
		"http-max-response": "MEMSHARD_HTTP_MAX_RESPONSE",
		"ws-max-message":    "MEMSHARD_WS_MAX_MESSAGE",
		"http-max-conns":    "MEMSHARD_HTTP_MAX_CONNS",
		"http-read-timeout": "MEMSHARD_HTTP_READ_TIMEOUT",
		"http-idle-timeout": "MEMSHARD_HTTP_IDLE_TIMEOUT",
		"http-event-loops":  "MEMSHARD_HTTP_EVENT_LOOPS",
	}
	if len(options)+1 != len(want) {
		t.Fatalf("%d options plus config, but the table lists %d", len(options), len(want))
	}
	for name, env := range want {
		if got := envName(name); got != env {
			t.Errorf("envName(%q) = %q, want %q", name, got, env)
		}
	}

	// Every option is read from its variable.
	cfg := mustLoad(t, nil, []string{
		"MEMSHARD_HTTP_ADDR=0.0.0.0:9000",
		"MEMSHARD_RESP_ADDR=",
		"MEMSHARD_DIR=/var/lib/memshard",
		"MEMSHARD_APPENDONLY=no",
		"MEMSHARD_APPENDFSYNC=always",
		"MEMSHARD_DUMP_DIR=/srv/dumps",
		"MEMSHARD_SHARDS=8",
		"MEMSHARD_REQUIREPASS=pw",
		"MEMSHARD_TOKEN=full",
		"MEMSHARD_READ_ONLY_TOKEN=ro",
		"MEMSHARD_MAXMEMORY=100mb",
		"MEMSHARD_MAXMEMORY_POLICY=allkeys-lru",
		"MEMSHARD_LOG_LEVEL=debug",
		"MEMSHARD_LOG_FORMAT=json",
		"PATH=/usr/bin",
	})
	cfg.sources = nil
	wantCfg := Config{
		HTTPAddr: "0.0.0.0:9000", RESPAddr: "", Dir: "/var/lib/memshard", AppendOnly: false,
		AppendFsync: "always", DumpDir: "/srv/dumps", Shards: 8, RequirePass: "pw", Token: "full",
		ReadOnlyToken: "ro", MaxMemory: 100 << 20, MaxMemoryPolicy: "allkeys-lru",
		LogLevel: zerolog.DebugLevel, LogFormat: "json", respConfig: defaultRESPConfig(), httpConfig: defaultHTTPConfig(),
	}
	if !reflect.DeepEqual(cfg, wantCfg) {
		t.Errorf("got  %+v\nwant %+v", cfg, wantCfg)
	}
}

func TestUnknownEnvIsAWarning(t *testing.T) {
	cfg := mustLoad(t, nil, []string{"MEMSHARD_SHRADS=4", "OTHER_SHARDS=4"})
	if len(cfg.Warnings) != 1 || !strings.Contains(cfg.Warnings[0], "MEMSHARD_SHRADS") {
		t.Errorf("Warnings = %q, want one naming MEMSHARD_SHRADS", cfg.Warnings)
	}
}

func TestConfigFile(t *testing.T) {
	path := writeConfig(t, strings.Join([]string{
		"\ufeff# memshard.conf",
		"",
		"   # indented comment",
		"http-addr 0.0.0.0:8080",
		"RESP-ADDR \"\"", // keys are case-insensitive; "" disables
		"dir=/var/lib/memshard",
		"appendonly = no",
		"appendfsync\teverysec\r", // tab separator, CRLF
		"dump-dir '/srv/my dumps'",
		`requirepass "p#ss \"w\""`,
		"token=",
		"maxmemory 1GB",
		"maxmemory-policy volatile-ttl",
		"log-level WARN",
		"shards 2",
		"shards 3", // the last one wins, as in redis.conf
		"",
	}, "\n"))
	cfg := mustLoad(t, []string{"--config", path}, nil)
	cfg.sources = nil
	want := Config{
		HTTPAddr: "0.0.0.0:8080", RESPAddr: "", Dir: "/var/lib/memshard", AppendOnly: false,
		AppendFsync: "everysec", DumpDir: "/srv/my dumps", Shards: 3, RequirePass: `p#ss "w"`,
		MaxMemory: 1 << 30, MaxMemoryPolicy: "volatile-ttl", LogLevel: zerolog.WarnLevel,
		LogFormat: "console", ConfigFile: path, respConfig: defaultRESPConfig(), httpConfig: defaultHTTPConfig(),
	}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("got  %+v\nwant %+v", cfg, want)
	}
}

func TestConfigFileErrors(t *testing.T) {
	cases := []struct {
		name, content, want string
	}{
		{"unknown key", "shards 1\n# ok\nshrads 2\n", `:3: unknown key "shrads"`},
		{"flag spelling is not a key", "--shards 2\n", `:1: unknown key "--shards"`},
		{"no value", "dir /tmp\nshards\n", `:2: key "shards" has no value`},
		{"no value after space", "shards   \n", `:1: key "shards" has no value`},
		{"missing key", "= 4\n", ":1: missing key"},
		{"unquoted spaces", "\n\nrequirepass two words\n", `:3: requirepass: value "two words" has spaces; quote it`},
		{"unterminated double quote", `requirepass "abc` + "\n", ":1: requirepass: bad double-quoted value"},
		{"unterminated single quote", "requirepass 'abc\n", ":1: requirepass: unterminated single-quoted value"},
		{"text after quote", `requirepass "a" b` + "\n", `:1: requirepass: unexpected "b" after the quoted value`},
		{"bad value", "log-format\tjson\nlog-format xml\n", `:2: log-format "xml": must be one of console, json`},
		{"bad shards", "shards -1\n", `:1: shards "-1": must be a whole number >= 0`},
		{"nested config", "config other.conf\n", ":1: config cannot name another config file"},
		{"long line", "requirepass " + strings.Repeat("x", 2<<20) + "\n", ":1: bufio.Scanner: token too long"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, tc.content)
			got := loadErr(t, []string{"--config", path}, nil)
			if !strings.HasPrefix(got, path+":") || !strings.Contains(got, tc.want) {
				t.Errorf("error %q, want %q after the file name", got, tc.want)
			}
		})
	}

	missing := filepath.Join(t.TempDir(), "nope.conf")
	if got := loadErr(t, []string{"--config", missing}, nil); !strings.Contains(got, missing) {
		t.Errorf("missing file: error %q does not name it", got)
	}
}

func TestBarePort(t *testing.T) {
	cases := []struct {
		name string
		args []string
		env  []string
		want string
	}{
		{"alone", []string{"3030"}, nil, "127.0.0.1:3030"},
		{"flags before", []string{"--shards", "2", "3030"}, nil, "127.0.0.1:3030"},
		{"flags after", []string{"3030", "--shards", "2"}, nil, "127.0.0.1:3030"},
		{"after --", []string{"--shards", "2", "--", "3030"}, nil, "127.0.0.1:3030"},
		{"beats env", []string{"3030"}, []string{"MEMSHARD_HTTP_ADDR=0.0.0.0:9000"}, "127.0.0.1:3030"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := mustLoad(t, tc.args, tc.env)
			if cfg.HTTPAddr != tc.want || cfg.Source("http-addr") != sourceFlag {
				t.Errorf("http-addr %q from %s, want %q from flag", cfg.HTTPAddr, cfg.Source("http-addr"), tc.want)
			}
			if cfg.RESPAddr != "127.0.0.1:6380" {
				t.Errorf("resp-addr changed to %q", cfg.RESPAddr)
			}
		})
	}

	errCases := []struct {
		args []string
		want string
	}{
		{[]string{"30x0"}, `unexpected argument "30x0"`},
		{[]string{"0"}, `unexpected argument "0"`},
		{[]string{"70000"}, `unexpected argument "70000"`},
		{[]string{"3030", "4040"}, `unexpected argument "4040"`},
		{[]string{"--", "3030", "--shards"}, `unexpected argument "--shards"`},
		{[]string{"--http-addr", ":1", "3030"}, "both --http-addr and a bare port 3030"},
	}
	for _, tc := range errCases {
		if got := loadErr(t, tc.args, nil); !strings.Contains(got, tc.want) {
			t.Errorf("%q: error %q, want %q", tc.args, got, tc.want)
		}
	}
}

func TestValidationErrors(t *testing.T) {
	cases := []struct {
		args []string
		env  []string
		want string
	}{
		{[]string{"--appendfsync", "sometimes"}, nil, `--appendfsync "sometimes": must be one of always, everysec, no`},
		{nil, []string{"MEMSHARD_APPENDFSYNC=sometimes"}, `MEMSHARD_APPENDFSYNC="sometimes": must be one of always, everysec, no`},
		{[]string{"--appendonly", "true"}, nil, `--appendonly "true": must be yes or no`},
		{[]string{"--log-format", "text"}, nil, "must be one of console, json"},
		{[]string{"--log-level", "verbose"}, nil, "must be one of trace, debug, info, warn, error, fatal, panic, disabled"},
		{[]string{"--log-level", "1"}, nil, "must be one of trace"},
		{[]string{"--log-level", ""}, nil, "must be one of trace"},
		{[]string{"--maxmemory-policy", "lru"}, nil, "must be one of noeviction, allkeys-lru, allkeys-lfu, allkeys-random, volatile-lru, volatile-lfu, volatile-random, volatile-ttl"},
		{[]string{"--shards", "-1"}, nil, `--shards "-1": must be a whole number >= 0`},
		{[]string{"--shards", "two"}, nil, "must be a whole number >= 0"},
		{[]string{"--maxmemory", "1tb"}, nil, `--maxmemory "1tb": not a size`},
		{[]string{"--maxmemory", "-5"}, nil, "not a size"},
		{[]string{"--maxmemory", "99999999999gb"}, nil, "too large"},
		{[]string{"--http-addr", "localhost"}, nil, `--http-addr "localhost": must be host:port`},
		{[]string{"--resp-addr", "127.0.0.1:http"}, nil, `port "http" must be a number`},
		{[]string{"--resp-addr", ":70000"}, nil, `port "70000" must be a number`},
		{[]string{"--resp-addr", "127.0.0.1:8080"}, nil, `http-addr and resp-addr are both "127.0.0.1:8080"`},
		{[]string{"--dir", ""}, nil, `--dir "": must not be empty`},
		{[]string{"--token", "t", "--read-only-token", "t"}, nil, "token and read-only-token must differ"},
		{[]string{"--bogus"}, nil, "flag provided but not defined: -bogus (see memshard --help)"},
		{[]string{"--shards"}, nil, "flag needs an argument: -shards"},
	}
	for _, tc := range cases {
		if got := loadErr(t, tc.args, tc.env); !strings.Contains(got, tc.want) {
			t.Errorf("%q %q: error %q, want %q", tc.args, tc.env, got, tc.want)
		}
	}

	// Addresses on port 0 may coincide: each gets its own free port.
	mustLoad(t, []string{"--http-addr", "127.0.0.1:0", "--resp-addr", "127.0.0.1:0"}, nil)
}

func TestParseMemory(t *testing.T) {
	good := map[string]int64{
		"0": 0, "100": 100, "100b": 100, "1k": 1000, "1kb": 1024, "1KB": 1024,
		"100mb": 100 << 20, "100m": 100e6, "1gb": 1 << 30, "2G": 2e9, " 5mb ": 5 << 20,
		"8589934591gb": 8589934591 << 30,
	}
	for in, want := range good {
		if got, err := parseMemory(in); err != nil || got != want {
			t.Errorf("parseMemory(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "mb", "-1", "+1", "1.5gb", "1 gb", "1tb", "0x10", "1gbb", "8589934592gb"} {
		if n, err := parseMemory(in); err == nil {
			t.Errorf("parseMemory(%q) = %d, want an error", in, n)
		}
	}
}

func TestDumpDir(t *testing.T) {
	if cfg := mustLoad(t, []string{"--dir", "/var/lib/memshard"}, nil); cfg.DumpDir != "/var/lib/memshard/dumps" {
		t.Errorf("dump-dir follows dir: got %q", cfg.DumpDir)
	}
	if cfg := mustLoad(t, []string{"--dir", "/a", "--dump-dir", "/b"}, nil); cfg.DumpDir != "/b" {
		t.Errorf("explicit dump-dir: got %q", cfg.DumpDir)
	}
	if cfg := mustLoad(t, []string{"--dump-dir="}, nil); cfg.DumpDir != "" {
		t.Errorf("empty dump-dir disables DUMP: got %q", cfg.DumpDir)
	}
}

func TestHelpAndVersion(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-help"}, {"-h"}, {"--shards", "x", "--help"}} {
		// Help wins even over a broken environment.
		if _, err := loadConfig(args, []string{"MEMSHARD_SHARDS=broken"}); !errors.Is(err, errHelp) {
			t.Errorf("%q: err %v, want errHelp", args, err)
		}
	}
	if _, err := loadConfig([]string{"--version"}, []string{"MEMSHARD_CONFIG=/nonexistent"}); !errors.Is(err, errVersion) {
		t.Errorf("--version: err %v, want errVersion", err)
	}

	var b strings.Builder
	writeUsage(&b)
	usage := b.String()
	for _, o := range append(options, option{name: configOption}) {
		for _, want := range []string{"--" + o.name + " ", envName(o.name)} {
			if !strings.Contains(usage, want) {
				t.Errorf("usage does not mention %q", want)
			}
		}
	}
	for _, want := range []string{"--version", "--help", "[port]"} {
		if !strings.Contains(usage, want) {
			t.Errorf("usage does not mention %q", want)
		}
	}
}

func TestRESPOptions(t *testing.T) {
	cfg := mustLoad(t, []string{"--proto-max-bulk-len", "1mb", "--maxclients", "7", "--timeout", "30",
		"--tls-port", "6390", "--tls-cert", "c.pem", "--tls-key", "k.pem"}, []string{"MEMSHARD_PROTO_INLINE_MAX_SIZE=4kb"})
	if cfg.ProtoMaxBulkLen != 1<<20 || cfg.MaxClients != 7 || cfg.Timeout != 30*time.Second ||
		cfg.ProtoInlineMaxSize != 4<<10 || cfg.tlsAddr() != "127.0.0.1:6390" {
		t.Fatalf("%+v", cfg.respConfig)
	}
	for _, bad := range [][]string{
		{"--tls-port", "6390"},
		{"--tls-cert", "c.pem"},
		{"--tls-port", "6380", "--tls-cert", "c", "--tls-key", "k"},
		{"--maxclients", "0"},
		{"--timeout", "-1"},
		{"--client-query-buffer-limit", "1kb"},
		{"--proto-max-bulk-len", "lots"},
		{"--client-output-buffer-limit", "normal 1mb"},
		{"--client-output-buffer-limit", "nobody 1 1 1"},
		{"--enable-debug-command", "maybe"},
		{"--enable-debug-command", ""},
	} {
		if _, err := loadConfig(bad, nil); err == nil {
			t.Errorf("%v: accepted", bad)
		}
	}
}

func TestOutputLimitOption(t *testing.T) {
	cfg := mustLoad(t, []string{"--client-output-buffer-limit", "normal 2mb 1mb 5 pubsub 1k 0 0"}, nil)
	if got, want := cfg.OutputLimits.String(), "normal 2097152 1048576 5 slave 268435456 67108864 60 pubsub 1000 0 0"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if got, want := DefaultConfig().OutputLimits.String(), "normal 1073741824 268435456 60 slave 268435456 67108864 60 pubsub 33554432 8388608 60"; got != want {
		t.Fatalf("default %q, want %q", got, want)
	}
}

// DEBUG is off unless enable-debug-command says otherwise, from a flag, the
// environment or the config file.
func TestEnableDebugCommand(t *testing.T) {
	if cfg := mustLoad(t, nil, nil); cfg.EnableDebugCommand != resp.DebugNo {
		t.Fatalf("default %v", cfg.EnableDebugCommand)
	}
	file := writeConfig(t, "enable-debug-command local\n")
	for _, tc := range []struct {
		args, env []string
		want      resp.DebugMode
		source    string
	}{
		{[]string{"--enable-debug-command", "yes"}, nil, resp.DebugYes, sourceFlag},
		{[]string{"--enable-debug-command", "LOCAL"}, nil, resp.DebugLocal, sourceFlag},
		{nil, []string{"MEMSHARD_ENABLE_DEBUG_COMMAND=yes"}, resp.DebugYes, sourceEnv},
		{[]string{"--config", file}, nil, resp.DebugLocal, sourceFile},
		{[]string{"--config", file, "--enable-debug-command", "no"}, nil, resp.DebugNo, sourceFlag},
	} {
		cfg := mustLoad(t, tc.args, tc.env)
		if cfg.EnableDebugCommand != tc.want || cfg.Source("enable-debug-command") != tc.source {
			t.Errorf("%q %q: %v from %s, want %v from %s", tc.args, tc.env, cfg.EnableDebugCommand,
				cfg.Source("enable-debug-command"), tc.want, tc.source)
		}
	}
	if got := loadErr(t, []string{"--enable-debug-command", "on"}, nil); !strings.Contains(got, "must be no, yes or local") {
		t.Errorf("bad value: %q", got)
	}
}

func TestHTTPOptions(t *testing.T) {
	if cfg := mustLoad(t, nil, nil); cfg.httpConfig != defaultHTTPConfig() || cfg.HTTPMaxBody != 10<<20 || cfg.WSMaxMessage != 1<<20 ||
		cfg.HTTPReadTimeout != 30*time.Second || cfg.HTTPIdleTimeout != 0 || cfg.HTTPMaxResponse != 32<<20 {
		t.Fatalf("defaults %+v", cfg.httpConfig)
	}
	path := writeConfig(t, "http-max-conns 50\nhttp-idle-timeout 2m\nws-max-message 4kb\n")
	cfg := mustLoad(t, []string{"--config", path, "--http-max-body", "1mb", "--http-read-timeout", "1m30s"},
		[]string{"MEMSHARD_HTTP_MAX_CONNS=7", "MEMSHARD_WS_MAX_MESSAGE=64kb", "MEMSHARD_HTTP_MAX_RESPONSE=5mb"})
	want := httpConfig{HTTPMaxBody: 1 << 20, HTTPMaxResponse: 5 << 20, WSMaxMessage: 64 << 10, HTTPMaxConns: 7,
		HTTPReadTimeout: 90 * time.Second, HTTPIdleTimeout: 2 * time.Minute}
	if cfg.httpConfig != want {
		t.Fatalf("got  %+v\nwant %+v", cfg.httpConfig, want)
	}
	if cfg.Source("http-max-conns") != sourceEnv || cfg.Source("http-idle-timeout") != sourceFile || cfg.Source("http-max-body") != sourceFlag {
		t.Errorf("sources %v", cfg.sources)
	}
	if cfg := mustLoad(t, []string{"--http-read-timeout", "0"}, nil); cfg.HTTPReadTimeout != 0 {
		t.Errorf("0 read timeout: %v", cfg.HTTPReadTimeout)
	}

	bad := []struct {
		args []string
		env  []string
		want string
	}{
		{[]string{"--http-max-body", "-1"}, nil, `--http-max-body "-1": not a size`},
		{[]string{"--http-max-body", "0"}, nil, `--http-max-body "0": must be at least 1`},
		{[]string{"--http-max-body", "3gb"}, nil, "http-max-body must be at most 2gb"},
		{[]string{"--http-max-response", "0"}, nil, `--http-max-response "0": must be at least 1`},
		{[]string{"--http-max-response", "3gb"}, nil, "http-max-response must be at most 2gb"},
		{nil, []string{"MEMSHARD_WS_MAX_MESSAGE=-5"}, `MEMSHARD_WS_MAX_MESSAGE="-5": not a size`},
		{[]string{"--ws-max-message", "lots"}, nil, "not a size"},
		{[]string{"--http-max-conns", "-3"}, nil, `--http-max-conns "-3": must be a whole number >= 1`},
		{[]string{"--http-max-conns", "0"}, nil, "must be a whole number >= 1"},
		{[]string{"--http-read-timeout", "-1s"}, nil, `--http-read-timeout "-1s": must not be negative`},
		{nil, []string{"MEMSHARD_HTTP_IDLE_TIMEOUT=-2m"}, `MEMSHARD_HTTP_IDLE_TIMEOUT="-2m": must not be negative`},
		{[]string{"--http-idle-timeout", "10"}, nil, "not a duration"},
	}
	for _, tc := range bad {
		if got := loadErr(t, tc.args, tc.env); !strings.Contains(got, tc.want) {
			t.Errorf("%q %q: error %q, want %q", tc.args, tc.env, got, tc.want)
		}
	}
}

// TestNumericBounds: every numeric option has an upper bound, refused with
// an error naming the option as it was given (flag, environment variable
// or config file key); the bound itself is accepted.
func TestNumericBounds(t *testing.T) {
	cases := []struct {
		args []string
		env  []string
		want string
	}{
		{[]string{"--procs", "100000"}, nil, "--procs 100000: must be at most 1024"},
		{[]string{"--shards", "4097"}, nil, "--shards 4097: must be at most 4096"},
		{nil, []string{"MEMSHARD_SHARDS=1000000"}, "MEMSHARD_SHARDS 1000000: must be at most 4096"},
		{[]string{"--resp-event-loops", "1025"}, nil, `--resp-event-loops "1025": must be a whole number from -1 to 1024`},
		{[]string{"--http-event-loops", "99999"}, nil, `--http-event-loops "99999": must be a whole number from -1 to 1024`},
		{[]string{"--maxclients", "1000001"}, nil, "--maxclients 1000001: must be at most 1000000"},
		{[]string{"--http-max-conns", "5000000"}, nil, "--http-max-conns 5000000: must be at most 1000000"},
		{[]string{"--proto-max-bulk-len", "5gb"}, nil, "--proto-max-bulk-len 5gb: must be at most 4gb"},
		{[]string{"--proto-max-multibulk-len", "2147483648"}, nil, "--proto-max-multibulk-len 2147483648: must be at most 2147483647"},
		{[]string{"--proto-inline-max-size", "1gb"}, nil, "--proto-inline-max-size 1gb: must be at most 512mb"},
		{[]string{"--client-query-buffer-limit", "4294967297"}, nil, "--client-query-buffer-limit 4294967297: must be at most 4gb"},
		{[]string{"--timeout", "2147483648"}, nil, `--timeout "2147483648": must be a whole number of seconds from 0 to 2147483647`},
		{[]string{"--timeout", "99999999999999"}, nil, "must be a whole number of seconds from 0 to 2147483647"},
		{[]string{"--http-read-timeout", "25h"}, nil, "--http-read-timeout 25h0m0s: must be at most 24h0m0s"},
		{[]string{"--http-idle-timeout", "2000h"}, nil, "--http-idle-timeout 2000h0m0s: must be at most 168h0m0s"},
		{[]string{"--http-max-body", "3gb"}, nil, "http-max-body must be at most 2gb"},
		{[]string{"--ws-max-message", "3gb"}, nil, "ws-max-message must be at most 2gb"},
		{[]string{"--tls-port", "65536"}, nil, `--tls-port "65536": must be a port number`},
	}
	for _, tc := range cases {
		if got := loadErr(t, tc.args, tc.env); !strings.Contains(got, tc.want) {
			t.Errorf("%q %q: error %q, want %q", tc.args, tc.env, got, tc.want)
		}
	}
	path := writeConfig(t, "procs 5000\n")
	if got, want := loadErr(t, []string{"--config", path}, nil), path+": procs 5000: must be at most 1024"; got != want {
		t.Errorf("config file: error %q, want %q", got, want)
	}

	// Every bound is accepted.
	cfg := mustLoad(t, []string{"--procs", "1024", "--shards", "4096", "--maxclients", "1000000",
		"--http-max-conns", "1000000", "--proto-max-bulk-len", "4gb", "--proto-max-multibulk-len", "2147483647",
		"--proto-inline-max-size", "512mb", "--client-query-buffer-limit", "4gb", "--timeout", "2147483647",
		"--http-read-timeout", "24h", "--http-idle-timeout", "168h", "--resp-event-loops", "1024", "--http-event-loops", "1024"}, nil)
	if cfg.Procs != 1024 || cfg.Shards != 4096 || cfg.Timeout != 2147483647*time.Second || cfg.ProtoMaxBulkLen != 4<<30 {
		t.Fatalf("bounds not kept: %+v", cfg)
	}
	// And every numeric option has one: the options table names them.
	numeric := map[string]bool{}
	for _, b := range bounds {
		numeric[b.name] = true
	}
	for _, name := range []string{"resp-event-loops", "http-event-loops", "tls-port", "timeout", "http-max-body", "ws-max-message", "http-max-response"} {
		numeric[name] = true // bounded by their setters or validateHTTP (above)
	}
	for _, o := range options {
		switch o.arg {
		case "n", "bytes", "seconds", "duration", "port":
			if !numeric[o.name] && o.name != "maxmemory" {
				t.Errorf("numeric option --%s has no upper bound", o.name)
			}
		}
	}
}
