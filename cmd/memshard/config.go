package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/rs/zerolog"
)

// Sources of an option's value, from weakest to strongest.
const (
	sourceDefault = "default"
	sourceFile    = "file"
	sourceEnv     = "env"
	sourceFlag    = "flag"
)

// envPrefix starts the environment variable of every option.
const envPrefix = "MEMSHARD_"

var (
	// errHelp is returned by loadConfig for --help, -h and -help.
	errHelp = flag.ErrHelp
	// errVersion is returned by loadConfig for --version.
	errVersion = errors.New("version requested")
)

// Config is everything the memshard binary can be told, after flags,
// environment, config file and defaults have been merged. Start from
// DefaultConfig; loadConfig fills it from the command line and environment.
// A Config is plain data, owned by the goroutine that built it.
type Config struct {
	// HTTPAddr is the HTTP/WebSocket listener; empty disables it.
	HTTPAddr string
	// RESPAddr is the RESP listener; empty disables it.
	RESPAddr string
	// Dir holds the append-only logs and snapshots.
	Dir string
	// AppendOnly is false for a purely in-memory server.
	AppendOnly bool
	// AppendFsync is "always", "everysec" or "no".
	AppendFsync string
	// DumpDir is the only directory DUMP and IMPORT may touch; it defaults
	// to <Dir>/dumps, and an explicitly empty value disables both commands.
	DumpDir string
	// Shards is the number of shard goroutines; 0 lets the engine choose.
	Shards int
	// Procs is how many processors run Go code (GOMAXPROCS); 0 means
	// $GOMAXPROCS when set, else half the CPUs (see defaultProcs).
	Procs int
	// RequirePass is the RESP password (AUTH); empty means none.
	RequirePass string
	// Token is the full-access HTTP/WebSocket bearer token; empty means none.
	Token string
	// ReadOnlyToken is a bearer token that may only read; empty means none.
	ReadOnlyToken string
	// MaxMemory is the memory limit in bytes; 0 means no limit.
	MaxMemory int64
	// MaxMemoryPolicy is what happens at MaxMemory (Redis names).
	MaxMemoryPolicy string
	// LogLevel is the minimum level logged.
	LogLevel zerolog.Level
	// LogFormat is "console" or "json".
	LogFormat string
	// PprofAddr serves Go's profiling handlers; empty disables them.
	PprofAddr string
	// ConfigFile is the config file that was read, if any.
	ConfigFile string

	respConfig
	httpConfig

	// Warnings are non-fatal findings while loading, such as unknown
	// MEMSHARD_* environment variables; main logs them.
	Warnings []string

	// sources maps an option name to where its value came from.
	sources map[string]string
}

// DefaultConfig returns the configuration memshard runs with when given
// nothing: the defaults of DESIGN.md's Operations table.
func DefaultConfig() Config {
	return Config{
		HTTPAddr:        "127.0.0.1:8080",
		RESPAddr:        "127.0.0.1:6380",
		Dir:             "./data",
		AppendOnly:      true,
		AppendFsync:     "everysec",
		DumpDir:         filepath.Join("./data", "dumps"),
		Shards:          0,
		MaxMemory:       0,
		MaxMemoryPolicy: "noeviction",
		LogLevel:        zerolog.InfoLevel,
		LogFormat:       "console",
		respConfig:      defaultRESPConfig(),
		httpConfig:      defaultHTTPConfig(),
	}
}

// Source reports where the named option's value came from: "flag", "env",
// "file" or "default".
func (c *Config) Source(name string) string {
	if s, ok := c.sources[name]; ok {
		return s
	}
	return sourceDefault
}

// Validate checks the rules that involve more than one option. Single
// values are already checked as they are set.
func (c *Config) Validate() error {
	if err := c.checkBounds(); err != nil {
		return err
	}
	if c.Dir == "" {
		return errors.New("dir must not be empty")
	}
	if c.HTTPAddr != "" && c.HTTPAddr == c.RESPAddr {
		_, port, _ := net.SplitHostPort(c.HTTPAddr)
		if port != "0" {
			return fmt.Errorf("http-addr and resp-addr are both %q", c.HTTPAddr)
		}
	}
	if c.Token != "" && c.Token == c.ReadOnlyToken {
		return errors.New("token and read-only-token must differ")
	}
	if err := c.validateHTTP(); err != nil {
		return err
	}
	return c.validateRESP()
}

// option is one setting: its flag name (also its config file key and, upper
// cased with dashes as underscores after MEMSHARD_, its environment variable).
type option struct {
	name  string
	arg   string // placeholder in the usage text
	def   string // default as shown in the usage text
	usage string
	set   func(c *Config, v string) error
}

// options lists every setting in the order --help shows them. The config
// option is handled apart, since it says where the file is.
var options = []option{
	{"http-addr", "addr", "127.0.0.1:8080", "HTTP, WebSocket, feed, metrics and health listener; empty disables", setAddr(func(c *Config) *string { return &c.HTTPAddr })},
	{"resp-addr", "addr", "127.0.0.1:6380", "RESP listener; empty disables", setAddr(func(c *Config) *string { return &c.RESPAddr })},
	{"dir", "path", "./data", "directory of append-only logs and snapshots", func(c *Config, v string) error {
		if v == "" {
			return errors.New("must not be empty")
		}
		c.Dir = v
		return nil
	}},
	{"appendonly", "yes|no", "yes", "persist to an append-only log; no: pure in-memory", func(c *Config, v string) error {
		switch strings.ToLower(v) {
		case "yes":
			c.AppendOnly = true
		case "no":
			c.AppendOnly = false
		default:
			return errors.New("must be yes or no")
		}
		return nil
	}},
	{"appendfsync", "policy", "everysec", "fsync policy: always, everysec or no", setEnum(func(c *Config) *string { return &c.AppendFsync }, "always", "everysec", "no")},
	{"dump-dir", "path", "<dir>/dumps", "the only directory DUMP and IMPORT read or write; empty disables them", func(c *Config, v string) error {
		c.DumpDir = v
		return nil
	}},
	{"shards", "n", "0", "number of shard goroutines; 0 lets the engine choose", setCount(func(c *Config) *int { return &c.Shards }, 0)},
	{"procs", "n", "0", "processors running Go code (GOMAXPROCS); 0: $GOMAXPROCS if set, else half the CPUs, at least one", setCount(func(c *Config) *int { return &c.Procs }, 0)},
	{"requirepass", "password", "", "password RESP clients must AUTH with", setString(func(c *Config) *string { return &c.RequirePass })},
	{"token", "token", "", "bearer token for full HTTP and WebSocket access (also a RESP AUTH password)", setString(func(c *Config) *string { return &c.Token })},
	{"read-only-token", "token", "", "bearer token for read-only HTTP and WebSocket access (also a read-only RESP AUTH password)", setString(func(c *Config) *string { return &c.ReadOnlyToken })},
	{"maxmemory", "bytes", "0", "memory limit, e.g. 100mb or 1gb; 0 means none", func(c *Config, v string) error {
		n, err := parseMemory(v)
		if err != nil {
			return err
		}
		c.MaxMemory = n
		return nil
	}},
	{"maxmemory-policy", "policy", "noeviction", "eviction at maxmemory: " + strings.Join(memoryPolicies, ", "), setEnum(func(c *Config) *string { return &c.MaxMemoryPolicy }, memoryPolicies...)},
	{"log-level", "level", "info", "minimum log level: " + strings.Join(logLevelNames, ", "), func(c *Config, v string) error {
		i := slices.Index(logLevelNames, strings.ToLower(v))
		if i < 0 {
			return fmt.Errorf("must be one of %s", strings.Join(logLevelNames, ", "))
		}
		c.LogLevel = logLevels[i]
		return nil
	}},
	{"log-format", "format", "console", "log format: console or json", setEnum(func(c *Config) *string { return &c.LogFormat }, "console", "json")},
}

// configOption is the flag and environment variable naming the config file.
const configOption = "config"

var memoryPolicies = []string{
	"noeviction", "allkeys-lru", "allkeys-lfu", "allkeys-random",
	"volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl",
}

// logLevelNames and logLevels are parallel: a name and its zerolog level.
var (
	logLevelNames = []string{"trace", "debug", "info", "warn", "error", "fatal", "panic", "disabled"}
	logLevels     = []zerolog.Level{
		zerolog.TraceLevel, zerolog.DebugLevel, zerolog.InfoLevel, zerolog.WarnLevel,
		zerolog.ErrorLevel, zerolog.FatalLevel, zerolog.PanicLevel, zerolog.Disabled,
	}
)

func setString(field func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		*field(c) = v
		return nil
	}
}

// setCount parses a whole number of at least min.
func setCount(field func(*Config) *int, min int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < min {
			return fmt.Errorf("must be a whole number >= %d", min)
		}
		*field(c) = n
		return nil
	}
}

// setLoops parses an event-loop count: -1 (none) to 1024.
func setLoops(field func(*Config) *int) func(*Config, string) error {
	return func(c *Config, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < -1 || n > 1024 {
			return errors.New("must be a whole number from -1 to 1024")
		}
		*field(c) = n
		return nil
	}
}

func setEnum(field func(*Config) *string, allowed ...string) func(*Config, string) error {
	return func(c *Config, v string) error {
		v = strings.ToLower(v)
		if !slices.Contains(allowed, v) {
			return fmt.Errorf("must be one of %s", strings.Join(allowed, ", "))
		}
		*field(c) = v
		return nil
	}
}

func setAddr(field func(*Config) *string) func(*Config, string) error {
	return func(c *Config, v string) error {
		if v != "" {
			if err := checkAddr(v); err != nil {
				return err
			}
		}
		*field(c) = v
		return nil
	}
}

// checkAddr accepts host:port with a numeric port, as net.Listen takes it.
func checkAddr(addr string) error {
	_, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errors.New("must be host:port, e.g. 127.0.0.1:8080 or :8080")
	}
	if _, err := strconv.ParseUint(port, 10, 16); err != nil {
		return fmt.Errorf("port %q must be a number from 0 to 65535", port)
	}
	return nil
}

// parseMemory reads a byte count the way Redis reads maxmemory: a plain
// number, or one with a unit k, kb, m, mb, g or gb (any case), where k, m
// and g are powers of 1000 and kb, mb and gb powers of 1024.
func parseMemory(v string) (int64, error) {
	s := strings.ToLower(strings.TrimSpace(v))
	units := []struct {
		suffix string
		mul    int64
	}{
		{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30},
		{"k", 1e3}, {"m", 1e6}, {"g", 1e9}, {"b", 1},
	}
	mul := int64(1)
	for _, u := range units {
		if strings.HasSuffix(s, u.suffix) {
			s, mul = strings.TrimSuffix(s, u.suffix), u.mul
			break
		}
	}
	bad := errors.New("not a size: use bytes or a unit, e.g. 104857600, 100mb or 1gb")
	if s == "" || s[0] == '+' || s[0] == '-' {
		return 0, bad
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, bad
	}
	if n > math.MaxInt64/mul {
		return 0, errors.New("too large")
	}
	return n * mul, nil
}

// envName is the environment variable of an option: MEMSHARD_HTTP_ADDR for
// http-addr.
func envName(name string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

func findOption(name string) *option {
	for i := range options {
		if options[i].name == name {
			return &options[i]
		}
	}
	return nil
}

// loadConfig merges, strongest first, the command-line args (without the
// program name), the environment (as os.Environ returns it), the config
// file named by --config or MEMSHARD_CONFIG, and DefaultConfig. It returns
// errHelp or errVersion when asked for those.
func loadConfig(args, environ []string) (Config, error) {
	cfg := DefaultConfig()
	cfg.sources = make(map[string]string)

	flags, port, err := parseArgs(args)
	if err != nil {
		return cfg, err
	}
	if flags["help"] == "true" {
		return cfg, errHelp
	}
	if flags["version"] == "true" {
		return cfg, errVersion
	}

	env := make(map[string]string)
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, envPrefix) {
			env[k] = v
		}
	}

	// The config file, named by flag or environment.
	if path, ok := flags[configOption]; ok {
		cfg.ConfigFile = path
	} else if path, ok := env[envName(configOption)]; ok {
		cfg.ConfigFile = path
	}
	if cfg.ConfigFile != "" {
		if err := cfg.readFile(cfg.ConfigFile); err != nil {
			return cfg, err
		}
	}

	// The environment.
	for k := range env {
		if k != envName(configOption) && !slices.ContainsFunc(options, func(o option) bool { return envName(o.name) == k }) {
			cfg.Warnings = append(cfg.Warnings, fmt.Sprintf("unknown environment variable %s ignored", k))
		}
	}
	slices.Sort(cfg.Warnings)
	for _, o := range options {
		if v, ok := env[envName(o.name)]; ok {
			if err := cfg.set(&o, v, sourceEnv); err != nil {
				return cfg, fmt.Errorf("%s=%q: %w", envName(o.name), v, err)
			}
		}
	}

	// The command line.
	for _, o := range options {
		if v, ok := flags[o.name]; ok {
			if err := cfg.set(&o, v, sourceFlag); err != nil {
				return cfg, fmt.Errorf("--%s %q: %w", o.name, v, err)
			}
		}
	}
	if port != "" {
		if _, ok := flags["http-addr"]; ok {
			return cfg, fmt.Errorf("both --http-addr and a bare port %s given; use one", port)
		}
		cfg.HTTPAddr = net.JoinHostPort("127.0.0.1", port)
		cfg.sources["http-addr"] = sourceFlag
	}

	if cfg.Source("dump-dir") == sourceDefault {
		cfg.DumpDir = filepath.Join(cfg.Dir, "dumps")
	}
	if err := cfg.Validate(); err != nil {
		return cfg, err
	}
	return cfg, nil
}

func (c *Config) set(o *option, v, source string) error {
	if err := o.set(c, v); err != nil {
		return err
	}
	c.sources[o.name] = source
	return nil
}

// parseArgs parses the command line into the flags given (name → value) and
// the bare port, if any. Flags may come before or after the port.
func parseArgs(args []string) (flags map[string]string, port string, err error) {
	fs := flag.NewFlagSet("memshard", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	for _, o := range options {
		fs.String(o.name, "", "")
	}
	fs.String(configOption, "", "")
	fs.Bool("version", false, "")
	fs.Bool("help", false, "")

	rest := args
	var positional []string
	for len(rest) > 0 {
		if err := fs.Parse(rest); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, "", errHelp
			}
			return nil, "", fmt.Errorf("%w (see memshard --help)", err)
		}
		left := fs.Args()
		if consumed := len(rest) - len(left); consumed > 0 && rest[consumed-1] == "--" {
			positional = append(positional, left...)
			break
		}
		if len(left) == 0 {
			break
		}
		positional = append(positional, left[0])
		rest = left[1:]
	}

	flags = make(map[string]string)
	fs.Visit(func(f *flag.Flag) { flags[f.Name] = f.Value.String() })

	switch {
	case len(positional) > 1:
		return nil, "", fmt.Errorf("unexpected argument %q: only one bare argument, the HTTP port, is accepted", positional[1])
	case len(positional) == 1:
		port = positional[0]
		if n, err := strconv.ParseUint(port, 10, 16); err != nil || n == 0 {
			return nil, "", fmt.Errorf("unexpected argument %q: a bare argument is the HTTP port, a number from 1 to 65535", port)
		}
	}
	return flags, port, nil
}

// readFile applies a redis.conf-style file: one "key value" or "key=value"
// per line, blank lines and lines starting with # ignored. A value with
// spaces, or an empty value, is written in double quotes (Go escapes) or
// single quotes (literal).
func (c *Config) readFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("config file: %w", err)
	}
	defer f.Close()

	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		key, value, ok, err := parseLine(sc.Text())
		if err == nil && ok {
			err = c.setFromFile(key, value)
		}
		if err != nil {
			return fmt.Errorf("%s:%d: %w", path, line, err)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s:%d: %w", path, line+1, err)
	}
	return nil
}

func (c *Config) setFromFile(key, value string) error {
	name := strings.ToLower(key)
	if name == configOption {
		return errors.New("config cannot name another config file")
	}
	o := findOption(name)
	if o == nil {
		return fmt.Errorf("unknown key %q", key)
	}
	if err := c.set(o, value, sourceFile); err != nil {
		return fmt.Errorf("%s %q: %w", o.name, value, err)
	}
	return nil
}

// parseLine splits one config file line. ok is false for blank and comment
// lines.
func parseLine(s string) (key, value string, ok bool, err error) {
	s = strings.TrimSpace(strings.TrimPrefix(s, "\ufeff"))
	if s == "" || s[0] == '#' {
		return "", "", false, nil
	}
	end := strings.IndexFunc(s, func(r rune) bool { return r == '=' || isSpace(r) })
	if end < 0 {
		return "", "", false, fmt.Errorf("key %q has no value", s)
	}
	key, rest := s[:end], strings.TrimSpace(s[end:])
	equals := strings.HasPrefix(rest, "=")
	if equals {
		rest = strings.TrimSpace(rest[1:])
	}
	if key == "" {
		return "", "", false, errors.New("missing key before =")
	}

	switch {
	case rest == "":
		if !equals {
			return "", "", false, fmt.Errorf("key %q has no value", key)
		}
		return key, "", true, nil
	case rest[0] == '"':
		v, tail, err := unquote(rest)
		if err != nil {
			return "", "", false, fmt.Errorf("%s: bad double-quoted value: %w", key, err)
		}
		if tail != "" {
			return "", "", false, fmt.Errorf("%s: unexpected %q after the quoted value", key, tail)
		}
		return key, v, true, nil
	case rest[0] == '\'':
		end := strings.IndexByte(rest[1:], '\'')
		if end < 0 {
			return "", "", false, fmt.Errorf("%s: unterminated single-quoted value", key)
		}
		if tail := strings.TrimSpace(rest[end+2:]); tail != "" {
			return "", "", false, fmt.Errorf("%s: unexpected %q after the quoted value", key, tail)
		}
		return key, rest[1 : end+1], true, nil
	case strings.IndexFunc(rest, isSpace) >= 0:
		return "", "", false, fmt.Errorf("%s: value %q has spaces; quote it", key, rest)
	}
	return key, rest, true, nil
}

// unquote reads a Go double-quoted string at the start of s and returns it
// with what follows, trimmed.
func unquote(s string) (value, tail string, err error) {
	prefix, err := strconv.QuotedPrefix(s)
	if err != nil {
		return "", "", errors.New("unterminated or invalid escape")
	}
	value, err = strconv.Unquote(prefix)
	if err != nil {
		return "", "", err
	}
	return value, strings.TrimSpace(s[len(prefix):]), nil
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' }

// writeUsage writes the --help text.
func writeUsage(w io.Writer) {
	fmt.Fprint(w, `Usage: memshard [flags] [port]

memshard is an in-memory key-value server. A bare port sets the HTTP port
(the host stays 127.0.0.1), as "--http-addr 127.0.0.1:<port>" would.

Every flag NAME is also read from the environment as MEMSHARD_<NAME> (upper
case, dashes as underscores) and from the config file as "NAME value".
Flags beat the environment, which beats the file, which beats the defaults.

Flags:
`)
	row := func(name, arg, usage, def string) {
		fmt.Fprintf(w, "  --%s %s\n", name, arg)
		fmt.Fprintf(w, "        %s\n", usage)
		fmt.Fprintf(w, "        env %s", envName(name))
		if def != "" {
			fmt.Fprintf(w, ", default %s", def)
		}
		fmt.Fprintln(w)
	}
	for _, o := range options {
		row(o.name, o.arg, o.usage, o.def)
	}
	row(configOption, "file", `config file of "key value" lines (also key=value), # comments`, "")
	fmt.Fprint(w, "  --version\n        print the version and exit\n")
	fmt.Fprint(w, "  --help\n        print this help and exit\n")
}
