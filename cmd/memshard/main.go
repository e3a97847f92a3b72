// Command memshard runs the memshard in-memory key-value server.
//
// With no arguments it starts with the defaults of the Operations table in
// DESIGN.md and runs until SIGINT or SIGTERM, then closes the engine and
// exits 0; a second signal during shutdown exits at once with status 1.
// A bad configuration exits 2 with the reason on stderr.
//
// Every option is a flag (--shards 4 or --shards=4), an environment variable
// MEMSHARD_<NAME> (upper case, dashes as underscores: MEMSHARD_HTTP_ADDR for
// --http-addr) and a key of the config file named by --config or
// MEMSHARD_CONFIG. The file holds redis.conf-style lines, "key value" or
// "key=value", with # comments; a value with spaces or an empty value is
// quoted. Flags beat the environment, which beats the file, which beats the
// defaults. A bare port argument (memshard 3030) means
// --http-addr 127.0.0.1:3030. memshard --help lists every option.
//
// This build runs the embedded engine only: listeners, persistence, auth and
// maxmemory are parsed, validated and logged, and one startup line says they
// are not served yet. --dump-dir and --shards reach the engine.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"github.com/memshard/memshard"
	"github.com/memshard/memshard/transport/httpapi"
	"github.com/memshard/memshard/transport/resp"
)

// version is set at link time: -ldflags "-X main.version=v1.2.3".
var version string

func main() {
	os.Exit(run(os.Args[1:], os.Environ(), os.Stdout, os.Stderr))
}

// run is the whole program; it returns the exit status.
func run(args, environ []string, stdout, stderr io.Writer) int {
	cfg, err := loadConfig(args, environ)
	switch {
	case errors.Is(err, errHelp):
		writeUsage(stdout)
		return 0
	case errors.Is(err, errVersion):
		fmt.Fprintf(stdout, "memshard %s %s/%s %s\n", buildVersion(), runtime.GOOS, runtime.GOARCH, runtime.Version())
		return 0
	case err != nil:
		fmt.Fprintf(stderr, "memshard: %v\n", err)
		return 2
	}

	opts := memshard.DefaultOptions()
	opts.Shards = cfg.Shards
	opts.DumpDir = cfg.DumpDir
	if err := opts.Validate(); err != nil {
		fmt.Fprintf(stderr, "%v\n", err)
		return 2
	}

	setProcs(cfg.Procs, environ)
	defer runtime.GOMAXPROCS(startProcs)

	log := newLogger(cfg, stderr, environ)
	for _, w := range cfg.Warnings {
		log.Warn().Msg(w)
	}
	logConfig(log, &cfg)
	log.Info().
		Strs("not_served", []string{"dir", "appendonly", "appendfsync", "maxmemory", "maxmemory-policy"}).
		Msg("this build serves RESP and HTTP; persistence and maxmemory are configured but not built yet: nothing is persisted")

	if err := absDumpDir(&cfg, &opts); err != nil {
		log.Error().Err(err).Str("dump_dir", cfg.DumpDir).Msg("cannot create dump-dir")
		return 1
	}

	// Catch signals before Open, so one sent while starting still shuts
	// down cleanly.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	engineLog := log.With().Str("component", "engine").Logger()
	opts.Logger = &engineLog
	start := time.Now()
	db, err := memshard.Open(opts)
	if err != nil {
		log.Error().Err(err).Msg("cannot open the engine")
		return 1
	}

	servers, err := startRESP(cfg, db, log)
	if err != nil {
		log.Error().Err(err).Str("resp_addr", cfg.RESPAddr).Msg("cannot start the RESP listener")
		for _, srv := range servers {
			srv.Close()
		}
		db.Close()
		return 1
	}

	web, err := startHTTP(cfg, db, log, servers)
	if err != nil {
		log.Error().Err(err).Str("http_addr", cfg.HTTPAddr).Msg("cannot start the HTTP listener")
		for _, srv := range servers {
			srv.Close()
		}
		db.Close()
		return 1
	}

	prof, err := startPprof(cfg.PprofAddr, log)
	if err != nil {
		log.Error().Err(err).Str("pprof_addr", cfg.PprofAddr).Msg("cannot start the profiling listener")
		if web != nil {
			web.Close()
		}
		for _, srv := range servers {
			srv.Close()
		}
		db.Close()
		return 1
	}
	if prof != nil {
		defer prof.Close()
	}

	logReady(log, cfg, db, web, servers, start)

	<-ctx.Done()
	return shutdown(ctx, stop, log, web, servers, db)
}

// logReady logs the listening addresses, the key count and the start time.
func logReady(log zerolog.Logger, cfg Config, db *memshard.DB, web *httpapi.Server, servers []*resp.Server, start time.Time) {
	ready := log.Info().Int("procs", runtime.GOMAXPROCS(0)).Int("shards", db.Shards()).Str("dump_dir", cfg.DumpDir).Dur("open_ms", time.Since(start))
	if web != nil {
		ready = ready.Str("http_addr", web.Addr().String())
	}
	for i, srv := range servers {
		key := "resp_addr"
		if i > 0 || cfg.RESPAddr == "" {
			key = "resp_tls_addr"
		}
		ready = ready.Str(key, srv.Addr().String())
	}
	sizeCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if n, err := db.DBSize(sizeCtx); err != nil {
		log.Warn().Err(err).Msg("DBSIZE failed")
	} else {
		ready = ready.Int64("keys", n)
	}
	ready.Msg("ready")
}

// startHTTP starts the HTTP listener unless --http-addr is empty.
// Its /metrics also reports the RESP servers' connections.
func startHTTP(cfg Config, db *memshard.DB, log zerolog.Logger, servers []*resp.Server) (*httpapi.Server, error) {
	if cfg.HTTPAddr == "" {
		return nil, nil
	}
	hc := httpapi.DefaultConfig()
	hc.Addr = cfg.HTTPAddr
	hc.Token = cfg.Token
	hc.ReadOnlyToken = cfg.ReadOnlyToken
	hc.Version = buildVersion()
	hc.MaxBodySize = int(cfg.HTTPMaxBody)
	hc.MaxResponse = int(cfg.HTTPMaxResponse)
	hc.WSMaxMessage = int(cfg.WSMaxMessage)
	hc.MaxConns = cfg.HTTPMaxConns
	hc.ReadTimeout = cfg.HTTPReadTimeout
	hc.IdleTimeout = cfg.HTTPIdleTimeout
	hc.EventLoops = cfg.HTTPEventLoops
	hc.Logger = log.With().Str("component", "http").Logger()
	srv := httpapi.New(db.Router(), hc)
	for _, rs := range servers {
		srv.AddConnStats("resp", func() httpapi.ConnStats {
			open, accepted, rejected := rs.ConnStats()
			return httpapi.ConnStats{Open: int64(open), Accepted: accepted, Rejected: rejected, Dropped: rs.OutputLimitDisconnects()}
		})
	}
	if _, err := srv.Start(); err != nil {
		return nil, err
	}
	return srv, nil
}

// startRESP starts the RESP listeners: plain on --resp-addr unless it is
// empty, and TLS on --tls-port when set. It returns once they are bound.
func startRESP(cfg Config, db *memshard.DB, log zerolog.Logger) ([]*resp.Server, error) {
	var servers []*resp.Server
	start := func(addr string, tc *tls.Config) error {
		rc := resp.DefaultConfig()
		rc.Addr = addr
		rc.TLS = tc
		rc.RequirePass = cfg.RequirePass
		rc.Token, rc.ReadOnlyToken = cfg.Token, cfg.ReadOnlyToken
		rc.Limits = resp.Limits{
			MaxBulkLen:      cfg.ProtoMaxBulkLen,
			MaxMultibulkLen: cfg.ProtoMaxMultibulkLen,
			MaxInlineLen:    int(cfg.ProtoInlineMaxSize),
		}
		rc.MaxQueryBuf = int(cfg.ClientQueryBufferLimit)
		rc.MaxClients = cfg.MaxClients
		rc.IdleTimeout = cfg.Timeout
		rc.EventLoops = cfg.RESPEventLoops
		limits := cfg.OutputLimits
		rc.OutputLimits = &limits
		rc.EnableDebug = cfg.EnableDebugCommand
		rc.Logger = log.With().Str("component", "resp").Logger()
		srv := resp.New(db.Router(), rc)
		if _, err := srv.Start(); err != nil {
			return err
		}
		servers = append(servers, srv)
		return nil
	}
	if cfg.RESPAddr != "" {
		if err := start(cfg.RESPAddr, nil); err != nil {
			return servers, err
		}
	}
	if cfg.TLSPort != 0 {
		cert, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey)
		if err != nil {
			return servers, fmt.Errorf("tls: %w", err)
		}
		tc := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		if err := start(cfg.tlsAddr(), tc); err != nil {
			return servers, err
		}
	}
	return servers, nil
}

// shutdown closes the engine after the first signal; from here a second
// signal ends the process at once.
func shutdown(ctx context.Context, stop context.CancelFunc, log zerolog.Logger, web *httpapi.Server, servers []*resp.Server, db *memshard.DB) int {
	// Register before stop, so no signal falls through to the default
	// action in between.
	second := make(chan os.Signal, 1)
	signal.Notify(second, os.Interrupt, syscall.SIGTERM)
	stop()
	go func() {
		s := <-second
		log.Error().Str("signal", s.String()).Msg("second signal during shutdown; exiting now")
		os.Exit(1)
	}()

	log.Info().Str("cause", context.Cause(ctx).Error()).Msg("shutting down")
	start := time.Now()
	if web != nil {
		web.SetReady(false) // /readyz answers 503 from here on
		web.Close()         // in-flight requests finish
	}
	for _, srv := range servers {
		srv.Close() // stop accepting; running commands finish; connections close
	}
	if err := db.Close(); err != nil {
		log.Error().Err(err).Msg("closing the engine failed")
		return 1
	}
	log.Info().Dur("shutdown_ms", time.Since(start)).Msg("stopped")
	return 0
}

// absDumpDir makes the dump directory absolute and creates it: the engine
// confines DUMP and IMPORT to it, and the confinement must not depend on
// the working directory.
func absDumpDir(cfg *Config, opts *memshard.Options) error {
	if cfg.DumpDir == "" {
		return nil
	}
	dir, err := filepath.Abs(cfg.DumpDir)
	if err == nil {
		err = os.MkdirAll(dir, 0o750)
	}
	if err != nil {
		return err
	}
	cfg.DumpDir = dir
	opts.DumpDir = dir
	return nil
}

// newLogger builds the process logger. Console output is colored only when
// it goes to a terminal and NO_COLOR is unset.
func newLogger(cfg Config, out io.Writer, environ []string) zerolog.Logger {
	if cfg.LogFormat == "console" {
		out = zerolog.ConsoleWriter{Out: out, TimeFormat: time.RFC3339, NoColor: !colorful(out, environ)}
	}
	return zerolog.New(out).Level(cfg.LogLevel).With().Timestamp().Logger()
}

func colorful(w io.Writer, environ []string) bool {
	for _, kv := range environ {
		if v, ok := strings.CutPrefix(kv, "NO_COLOR="); ok && v != "" {
			return false
		}
	}
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// logConfig logs every setting once at startup; secrets show only whether
// they are set.
func logConfig(log zerolog.Logger, cfg *Config) {
	secret := func(s string) string {
		if s == "" {
			return "unset"
		}
		return "set"
	}
	yesNo := map[bool]string{true: "yes", false: "no"}
	log.Info().
		Str("config_file", cfg.ConfigFile).
		Str("http_addr", cfg.HTTPAddr).
		Str("resp_addr", cfg.RESPAddr).
		Str("dir", cfg.Dir).
		Str("appendonly", yesNo[cfg.AppendOnly]).
		Str("appendfsync", cfg.AppendFsync).
		Str("dump_dir", cfg.DumpDir).
		Str("shards", shardsString(cfg.Shards)).
		Str("procs", shardsString(cfg.Procs)).
		Str("requirepass", secret(cfg.RequirePass)).
		Str("token", secret(cfg.Token)).
		Str("read_only_token", secret(cfg.ReadOnlyToken)).
		Int64("http_max_body", cfg.HTTPMaxBody).
		Int64("http_max_response", cfg.HTTPMaxResponse).
		Int64("ws_max_message", cfg.WSMaxMessage).
		Int("http_max_conns", cfg.HTTPMaxConns).
		Dur("http_read_timeout", cfg.HTTPReadTimeout).
		Dur("http_idle_timeout", cfg.HTTPIdleTimeout).
		Int("http_event_loops", cfg.HTTPEventLoops).
		Str("enable_debug_command", cfg.EnableDebugCommand.String()).
		Int64("maxmemory", cfg.MaxMemory).
		Str("maxmemory_policy", cfg.MaxMemoryPolicy).
		Str("log_level", cfg.LogLevel.String()).
		Str("log_format", cfg.LogFormat).
		Str("version", buildVersion()).
		Msg("configuration")
}

// shardsString shows a count where 0 means the default.
func shardsString(n int) string {
	if n == 0 {
		return "auto"
	}
	return strconv.Itoa(n)
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
