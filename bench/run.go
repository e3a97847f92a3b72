package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"time"

	"github.com/memshard/memshard"
)

// Options configures Run. The zero value runs the full matrix, three
// rounds, against a memshard it builds and a redis-server it starts.
type Options struct {
	Rounds      int           // rounds per scenario; 0 means 3 (2 with Quick)
	Quick       bool          // the one-minute subset with short rounds
	Only        string        // regular expression on scenario names
	Warmup      time.Duration // load before the first scenario; 0 means 3s (1s with Quick)
	MemshardBin string        // memshard binary; empty builds ./cmd/memshard
	// MemshardAddr and MemshardHTTP name a running memshard instead of
	// starting one; without MemshardHTTP the HTTP and WebSocket scenarios
	// run on memshard's side only if it was started here.
	MemshardAddr string
	MemshardHTTP string
	RedisAddr    string // a running Redis instead of starting redis-server
	NoRedis      bool   // run memshard alone
	NoWebdis     bool   // do not start Webdis for the HTTP scenarios
	// BaselineBin, when set, is another memshard build to measure against
	// instead of Redis: every RESP, HTTP and WebSocket scenario runs on
	// both, so a change's before/after comes from one run.
	BaselineBin string
	Scenarios   []Scenario
	Command     []string  // the command line, for the report
	Log         io.Writer // notes as the run goes; nil discards
	Progress    io.Writer // progress bar; nil shows none, and Log gets a line per scenario
}

func (o *Options) setDefaults() {
	if o.Rounds <= 0 {
		o.Rounds = 3
		if o.Quick {
			o.Rounds = 2
		}
	}
	if o.Warmup <= 0 {
		o.Warmup = 3 * time.Second
		if o.Quick {
			o.Warmup = time.Second
		}
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
}

// env is the systems of one run and what each store holds.
type env struct {
	opts     Options
	dir      string
	memshard *Server
	base     *Server // the second side: Redis, or another memshard build (BaselineName)
	webdis   *Server
	db       *memshard.DB
	loaded   map[string]loadState // by store: "memshard", "redis", "embedded"
	notes    []string
	bar      *progress
}

// loadState is what a store's 'k' keys hold: keys 0..Keys-1 of ValueSize.
type loadState struct{ Keys, ValueSize int }

// Run starts (or reaches) the systems, warms them up, runs every scenario
// on each, alternating systems round by round, stops what it started and
// returns the report. Cancel ctx to stop early: servers are stopped.
func Run(ctx context.Context, opts Options) (*Report, error) {
	opts.setDefaults()
	scs := opts.Scenarios
	if scs == nil {
		scs = FullScenarios()
		if opts.Quick {
			scs = QuickScenarios()
		}
	}
	scs, err := Filter(scs, opts.Only)
	if err != nil {
		return nil, err
	}
	if err := Validate(scs); err != nil {
		return nil, err
	}
	e := &env{opts: opts, loaded: map[string]loadState{}}
	defer e.close()
	if err := e.start(ctx, scs); err != nil {
		return nil, err
	}
	rep := &Report{Started: time.Now().UTC(), Command: opts.Command, Rounds: opts.Rounds, Quick: opts.Quick}
	rep.Machine = readMachine(ctx, e.memshard.RESPAddr, e.redisVersionAddr())
	bar := newProgress(opts.Progress, e.steps(scs))
	e.bar = bar
	defer bar.finish()
	if err := e.warmup(ctx); err != nil {
		return nil, fmt.Errorf("warm-up: %w", err)
	}
	for i, sc := range scs {
		if opts.Progress == nil {
			fmt.Fprintf(opts.Log, "[%d/%d] %s\n", i+1, len(scs), sc.Name)
		}
		res, err := e.scenario(ctx, sc)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sc.Name, err)
		}
		rep.Results = append(rep.Results, res)
	}
	rep.Finished = time.Now().UTC()
	rep.Notes = e.notes
	return rep, nil
}

func (e *env) note(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	e.notes = append(e.notes, msg)
	fmt.Fprintln(e.opts.Log, msg)
}

func (e *env) baseAddr() string {
	if e.base == nil {
		return ""
	}
	return e.base.RESPAddr
}

// baseIsBuild reports whether the second side is another memshard build
// (--baseline-bin) rather than Redis.
func (e *env) baseIsBuild() bool { return e.base != nil && e.base.Name == BaselineName }

// redisVersionAddr is the address to read a Redis version from: none when
// the second side is another memshard build.
func (e *env) redisVersionAddr() string {
	if e.baseIsBuild() {
		return ""
	}
	return e.baseAddr()
}

// start brings up memshard, Redis and, for HTTP scenarios, Webdis; or
// memshard and the baseline build.
func (e *env) start(ctx context.Context, scs []Scenario) error {
	var err error
	if e.dir, err = os.MkdirTemp("", "memshard-bench-"); err != nil {
		return err
	}
	if err := e.startMemshard(ctx); err != nil {
		return err
	}
	switch {
	case e.opts.BaselineBin != "":
		e.base, err = startMemshardAs(ctx, BaselineName, e.opts.BaselineBin, e.dir)
		return err
	case e.opts.RedisAddr != "":
		e.base = &Server{Name: "redis", RESPAddr: e.opts.RedisAddr}
	case e.opts.NoRedis:
	default:
		if _, err := exec.LookPath("redis-server"); err != nil {
			e.note("redis-server is not installed (apt-get install -y redis-server): running memshard alone, ratios shown as —")
			break
		}
		if e.base, err = StartRedis(ctx, e.dir); err != nil {
			return err
		}
	}
	if e.base == nil || e.opts.NoWebdis || !hasProtocol(scs, ProtoHTTP) {
		return nil
	}
	if _, err := exec.LookPath("webdis"); err != nil {
		e.note("webdis is not installed (apt-get install -y webdis): HTTP scenarios run on memshard alone")
		return nil
	}
	if e.webdis, err = StartWebdis(ctx, e.dir, e.base.RESPAddr); err != nil {
		e.note("webdis did not start, HTTP scenarios run on memshard alone: %v", err)
	}
	return nil
}

func (e *env) startMemshard(ctx context.Context) error {
	if e.opts.MemshardAddr != "" {
		e.memshard = &Server{Name: "memshard", RESPAddr: e.opts.MemshardAddr, HTTPAddr: e.opts.MemshardHTTP}
		return nil
	}
	bin := e.opts.MemshardBin
	if bin == "" {
		fmt.Fprintln(e.opts.Log, "building ./cmd/memshard …")
		var err error
		if bin, err = BuildMemshard(ctx, e.dir); err != nil {
			return err
		}
	}
	var err error
	e.memshard, err = StartMemshard(ctx, bin, e.dir)
	return err
}

func hasProtocol(scs []Scenario, p Protocol) bool {
	for _, s := range scs {
		if s.Protocol == p {
			return true
		}
	}
	return false
}

// close stops every process started and removes the temporary directory.
func (e *env) close() {
	for _, s := range []*Server{e.webdis, e.base, e.memshard} {
		if s != nil {
			s.Stop()
		}
	}
	if e.db != nil {
		e.db.Close()
	}
	if e.dir != "" {
		os.RemoveAll(e.dir)
	}
}

// embedded opens the in-process store on first use.
func (e *env) embedded() (*memshard.DB, error) {
	if e.db == nil {
		db, err := memshard.Open(memshard.DefaultOptions())
		if err != nil {
			return nil, err
		}
		e.db = db
	}
	return e.db, nil
}

// warmup runs a short mixed load on each RESP server.
func (e *env) warmup(ctx context.Context) error {
	sc := Scenario{Name: "warm-up", Protocol: ProtoRESP, Clients: 8, Pipeline: 16, ValueSize: 16,
		KeySpace: 10000, Duration: e.opts.Warmup / 2}
	for _, s := range []*Server{e.memshard, e.base} {
		if s == nil {
			continue
		}
		for _, cmd := range []string{"SET", "GET"} {
			sc.Command = cmd
			if _, err := runRESP(ctx, s.RESPAddr, sc); err != nil {
				return fmt.Errorf("%s: %w", s.Name, err)
			}
		}
	}
	return errors.Join(e.flush(ctx, e.memshard.RESPAddr), e.flush(ctx, e.baseAddr()))
}

func (e *env) flush(ctx context.Context, addr string) error {
	if addr == "" {
		return nil
	}
	_, err := respDo(ctx, addr, "FLUSHALL")
	return err
}
