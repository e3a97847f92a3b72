// Command memshard-bench compares memshard with Redis side by side on this
// machine, in one run.
//
// It builds and starts memshard (or takes --memshard-bin, or reaches a
// running one with --target memshard=host:port) and starts redis-server
// (or reaches --redis host:port) on free loopback ports without
// persistence; where webdis is installed it also runs the HTTP scenarios
// against Webdis in front of that Redis. After a warm-up it runs every
// scenario on each system, alternating systems round by round, and prints
// the median, min and max ops/s, latency p50/p99/p99.9 and the
// memshard/Redis ratio. --out receives report.json (every figure),
// report.html (self-contained, with charts), ratio.svg and table.md.
//
//	go run ./cmd/memshard-bench --quick          # about a minute
//	go run ./cmd/memshard-bench                  # the full matrix, 10–20 minutes
//	go run ./cmd/memshard-bench --only 'resp GET' --rounds 5
//
// Everything it started is stopped on exit and on Ctrl-C.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/memshard/memshard/bench"
)

func main() {
	os.Exit(run(os.Args, os.Stdout, os.Stderr))
}

// targets collects --target name=host:port flags.
type targets map[string]string

func (t targets) String() string { return fmt.Sprint(map[string]string(t)) }

func (t targets) Set(v string) error {
	name, addr, ok := strings.Cut(v, "=")
	switch {
	case !ok || addr == "":
		return errors.New("want name=host:port")
	case name != "memshard" && name != "memshard-http" && name != "redis":
		return fmt.Errorf("unknown target %q: memshard, memshard-http or redis", name)
	}
	t[name] = addr
	return nil
}

func run(argv []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(argv[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	tg := targets{}
	var opts bench.Options
	fs.BoolVar(&opts.Quick, "quick", false, "about one minute: a few scenarios, short rounds")
	fs.IntVar(&opts.Rounds, "rounds", 0, "rounds per scenario (default 3, 2 with --quick)")
	fs.StringVar(&opts.Only, "only", "", "run only the scenarios whose name matches this regexp")
	fs.DurationVar(&opts.Warmup, "warmup", 0, "warm-up load before the first scenario (default 3s, 1s with --quick)")
	fs.StringVar(&opts.MemshardBin, "memshard-bin", "", "memshard binary (default: go build ./cmd/memshard)")
	fs.StringVar(&opts.RedisAddr, "redis", "", "a running Redis host:port instead of starting redis-server")
	fs.BoolVar(&opts.NoRedis, "no-redis", false, "run memshard alone")
	fs.BoolVar(&opts.NoWebdis, "no-webdis", false, "do not run the HTTP scenarios against Webdis")
	fs.StringVar(&opts.BaselineBin, "baseline-bin", "", "measure against this other memshard binary instead of Redis (before/after a change, same run)")
	fs.Var(tg, "target", "a running server, memshard=host:port (RESP), memshard-http=host:port or redis=host:port")
	out := fs.String("out", "bench-results", "directory for report.json, report.html, ratio.svg and table.md")
	list := fs.Bool("list", false, "list the scenarios and exit")
	from := fs.String("from", "", "run nothing: rewrite the table and the files of --out from this report.json")
	if err := fs.Parse(argv[1:]); err != nil {
		return 2
	}
	if *list {
		return listScenarios(stdout, opts)
	}
	opts.MemshardAddr, opts.MemshardHTTP = tg["memshard"], tg["memshard-http"]
	if a := tg["redis"]; a != "" {
		opts.RedisAddr = a
	}
	if opts.BaselineBin != "" && (opts.RedisAddr != "" || opts.NoRedis) {
		fmt.Fprintln(stderr, "memshard-bench: --baseline-bin takes Redis's place: drop --redis, --target redis= and --no-redis")
		return 2
	}
	opts.Command = append([]string{filepath.Base(argv[0])}, argv[1:]...)
	opts.Log = stderr
	if isTerminal(stderr) {
		opts.Progress = stderr
	}

	rep, err := report(opts, *from)
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(stderr, "\nmemshard-bench: interrupted; every server it started is stopped")
		return 130
	}
	if err != nil {
		fmt.Fprintln(stderr, "memshard-bench:", err)
		return 1
	}
	fmt.Fprintln(stdout)
	bench.WriteTable(stdout, rep, false)
	paths, err := bench.WriteFiles(*out, rep)
	if err != nil {
		fmt.Fprintln(stderr, "memshard-bench:", err)
		return 1
	}
	fmt.Fprintln(stdout, "\nwrote", strings.Join(paths, ", "))
	return 0
}

// report runs the benchmark, or reads an earlier run's report.json.
func report(opts bench.Options, from string) (*bench.Report, error) {
	if from != "" {
		f, err := os.Open(from)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return bench.ReadJSON(f)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// After the first signal the run stops cleanly; a second one kills.
	context.AfterFunc(ctx, stop)
	return bench.Run(ctx, opts)
}

// isTerminal reports whether w is a character device: a progress bar
// redrawn in a log file is noise.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func listScenarios(w io.Writer, opts bench.Options) int {
	scs := bench.FullScenarios()
	if opts.Quick {
		scs = bench.QuickScenarios()
	}
	scs, err := bench.Filter(scs, opts.Only)
	if err != nil {
		fmt.Fprintln(w, err)
		return 2
	}
	for _, s := range scs {
		fmt.Fprintf(w, "%-28s %-8s %-4s clients=%-3d pipeline=%-3d value=%-6d keys=%d\n",
			s.Name, s.Protocol, s.Command, s.Clients, s.Pipeline, s.ValueSize, s.KeySpace)
	}
	return 0
}
