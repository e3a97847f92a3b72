package bench

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/memshard/memshard"
	"github.com/memshard/memshard/router"
	"github.com/memshard/memshard/transport/httpapi"
	"github.com/memshard/memshard/transport/resp"
)

// startMemshard runs a router with RESP and HTTP listeners on
// 127.0.0.1:0 in this process and stops them when the test ends.
func startMemshard(tb testing.TB) (respAddr, httpAddr string) {
	tb.Helper()
	r, err := router.New(router.Config{Shards: 4})
	if err != nil {
		tb.Fatal(err)
	}
	rc := resp.DefaultConfig()
	rc.Addr = "127.0.0.1:0"
	rs := resp.New(r, rc)
	ra, err := rs.Start()
	if err != nil {
		tb.Fatal(err)
	}
	hc := httpapi.DefaultConfig()
	hc.Addr = "127.0.0.1:0"
	hs := httpapi.New(r, hc)
	ha, err := hs.Start()
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		hs.Close()
		rs.Close()
		r.Close()
	})
	return ra.String(), ha.String()
}

func tiny(proto Protocol, cmd string, clients, pipe, ops int) Scenario {
	return Scenario{Name: string(proto) + " " + cmd, Protocol: proto, Command: cmd, Clients: clients,
		Pipeline: pipe, ValueSize: 16, KeySpace: 50, Ops: ops}
}

// checkCounts runs sc and checks that exactly the asked operations were
// done, without errors, and that each has a latency.
func checkCounts(t *testing.T, sc Scenario, dial dialFunc) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	run, err := runLoad(ctx, sc, dial)
	if err != nil {
		t.Fatalf("%s: %v", sc.Name, err)
	}
	if run.Ops != int64(sc.Ops) || run.Errors != 0 || run.Hist.TotalCount() != int64(sc.Ops) {
		t.Fatalf("%s: asked %d, done %d, errors %d, latencies %d", sc.Name, sc.Ops, run.Ops, run.Errors, run.Hist.TotalCount())
	}
}

func TestEndToEndCountsAddUp(t *testing.T) {
	ra, ha := startMemshard(t)
	// 1003 operations do not divide evenly among 3 clients nor into
	// batches of 7: the last batch of each client is short.
	for _, cmd := range []string{"SET", "GET", "INCR", "MSET"} {
		sc := tiny(ProtoRESP, cmd, 3, 7, 1003)
		checkCounts(t, sc, respDialer(ra, sc))
	}
	for _, pipe := range []int{1, 5} {
		for _, cmd := range []string{"SET", "GET"} {
			sc := tiny(ProtoHTTP, cmd, 2, pipe, 101)
			checkCounts(t, sc, httpDialer(ha, sc, false))
			sc = tiny(ProtoWS, cmd, 2, pipe, 101)
			checkCounts(t, sc, wsDialer(ha, sc))
		}
	}
	if v, err := respDo(context.Background(), ra, "GET", string(AppendKey(nil, 'k', 0))); err != nil || v != string(Value(16)) {
		t.Fatalf("the load did not store its values: %q %v", v, err)
	}
}

func TestEndToEndErrorRepliesCounted(t *testing.T) {
	ra, _ := startMemshard(t)
	sc := tiny(ProtoRESP, "SET", 1, 4, 10)
	checkCounts(t, sc, respDialer(ra, sc))
	// A counter key holding letters makes every INCR an error reply.
	if _, err := respDo(context.Background(), ra, "SET", string(AppendKey(nil, 'c', 0)), "abc"); err != nil {
		t.Fatal(err)
	}
	inc := tiny(ProtoRESP, "INCR", 1, 4, 8)
	inc.KeySpace = 1
	run, err := runLoad(context.Background(), inc, respDialer(ra, inc))
	if err != nil || run.Ops != 8 || run.Errors != 8 {
		t.Fatalf("ops %d errors %d err %v", run.Ops, run.Errors, err)
	}
}

func TestEndToEndEmbedded(t *testing.T) {
	db, err := memshard.Open(memshard.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := loadEmbedded(context.Background(), db, 300, 8); err != nil {
		t.Fatal(err)
	}
	if n, _ := db.DBSize(context.Background()); n != 300 {
		t.Fatalf("loaded %d keys", n)
	}
	for _, cmd := range []string{"GET", "SET", "INCR", "MSET"} {
		sc := tiny(ProtoEmbedded, cmd, 3, 16, 1000)
		checkCounts(t, sc, embeddedDialer(db, sc))
	}
}

// Run against the in-process server, memshard alone: the whole pipeline
// from scenario table to files on disk.
func TestRunAgainstTarget(t *testing.T) {
	ra, ha := startMemshard(t)
	scs := []Scenario{
		tiny(ProtoRESP, "GET", 2, 4, 200),
		tiny(ProtoHTTP, "SET", 2, 1, 50),
		tiny(ProtoWS, "GET", 2, 4, 60),
		tiny(ProtoEmbedded, "GET", 2, 8, 300),
		{Name: "memory", Protocol: ProtoMemory, Command: "SET", Clients: 2, Pipeline: 64, ValueSize: 32, KeySpace: 2000},
	}
	var log strings.Builder
	rep, err := Run(context.Background(), Options{MemshardAddr: ra, MemshardHTTP: ha, NoRedis: true,
		Rounds: 2, Warmup: 100 * time.Millisecond, Scenarios: scs, Log: &log, Command: []string{"test"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != len(scs) {
		t.Fatalf("%d results", len(rep.Results))
	}
	for i, r := range rep.Results[:4] {
		m := r.System("memshard")
		if m == nil || len(m.Rounds) != 2 || m.Ops != 2*int64(scs[i].Ops) || m.Errors != 0 || r.Ratio != 0 {
			t.Fatalf("%s: %+v", r.Scenario.Name, r)
		}
		if b := r.Systems[1]; b.Skipped == "" || len(b.Rounds) != 0 {
			t.Fatalf("%s: the baseline ran: %+v", r.Scenario.Name, b)
		}
	}
	mem := rep.Results[4].System("memshard").Memory
	if mem == nil || mem.Keys != 2000 || mem.RSSSource != "used_memory_rss" {
		t.Fatalf("memory %+v", mem)
	}
	if n, err := respDo(context.Background(), ra, "DBSIZE"); err != nil || n != ":2000" {
		t.Fatalf("DBSIZE after the memory scenario: %q %v", n, err)
	}
	if _, err := WriteFiles(t.TempDir(), rep); err != nil {
		t.Fatal(err)
	}
}

// With --baseline-bin the harness runs a second memshard build in Redis's
// place: RESP, HTTP and WebSocket scenarios run on both and have a ratio,
// embedded ones on memshard alone; both processes and their files go.
func TestRunAgainstBaselineBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds cmd/memshard")
	}
	ctx := context.Background()
	dir := t.TempDir()
	bin, err := BuildMemshard(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	scs := []Scenario{
		tiny(ProtoRESP, "GET", 2, 4, 200),
		tiny(ProtoHTTP, "SET", 2, 1, 50),
		tiny(ProtoWS, "GET", 2, 4, 60),
		tiny(ProtoEmbedded, "GET", 2, 8, 300),
	}
	rep, err := Run(ctx, Options{MemshardBin: bin, BaselineBin: bin, Rounds: 1, Warmup: 100 * time.Millisecond, Scenarios: scs})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rep.Results {
		b := r.System("baseline")
		if b == nil || r.Baseline != "baseline" {
			t.Fatalf("%s: no baseline side: %+v", r.Scenario.Name, r)
		}
		if r.Scenario.Protocol == ProtoEmbedded {
			if b.Skipped == "" || r.Ratio != 0 {
				t.Fatalf("%s: the baseline ran: %+v", r.Scenario.Name, r)
			}
			continue
		}
		if b.Ops != int64(scs[i].Ops) || b.Errors != 0 || r.System("memshard").Ops != int64(scs[i].Ops) || r.Ratio <= 0 {
			t.Fatalf("%s: %+v", r.Scenario.Name, r)
		}
	}
	if !rep.AgainstBaseline() || rep.Machine.RedisVersion != "" {
		t.Fatalf("report: against baseline %v, Redis version %q", rep.AgainstBaseline(), rep.Machine.RedisVersion)
	}
}

// With redis-server installed, the harness starts it, runs a scenario on
// both systems and stops it.
func TestRedisServerSideBySide(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed (apt-get install -y redis-server)")
	}
	ra, _ := startMemshard(t)
	dir := t.TempDir()
	ctx := context.Background()
	srv, err := StartRedis(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	if srv.PID() == 0 {
		t.Fatal("no pid")
	}
	if rss, err := VmRSS(srv.PID()); err != nil || rss <= 0 {
		t.Fatalf("VmRSS %d %v", rss, err)
	}
	sc := tiny(ProtoRESP, "MSET", 2, 8, 300)
	checkCounts(t, sc, respDialer(srv.RESPAddr, sc))
	rep, err := Run(ctx, Options{MemshardAddr: ra, RedisAddr: srv.RESPAddr, Rounds: 1, Warmup: 100 * time.Millisecond,
		Scenarios: []Scenario{tiny(ProtoRESP, "GET", 2, 4, 400)}})
	if err != nil {
		t.Fatal(err)
	}
	r := rep.Results[0]
	if r.System("redis").Ops != 400 || r.Ratio <= 0 || rep.Machine.RedisVersion == "" {
		t.Fatalf("%+v %+v", r, rep.Machine)
	}
	srv.Stop()
	if _, err := os.Stat(filepath.Join(dir, "redis.log")); err != nil {
		t.Fatal(err)
	}
}

// Cancelling the context ends a timed run at once, clients blocked on a
// reply included.
func TestCancelStopsALongRun(t *testing.T) {
	ra, ha := startMemshard(t)
	for _, sc := range []Scenario{tiny(ProtoRESP, "GET", 4, 16, 0), tiny(ProtoWS, "SET", 2, 4, 0)} {
		sc.Duration = time.Hour
		dial := respDialer(ra, sc)
		if sc.Protocol == ProtoWS {
			dial = wsDialer(ha, sc)
		}
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		run, err := runLoad(ctx, sc, dial)
		if err == nil {
			t.Fatalf("%s: a cancelled run reports no error", sc.Name)
		}
		if run.Ops == 0 {
			t.Logf("%s: no operation finished before the cancel", sc.Name)
		}
	}
}

// With webdis installed, the HTTP load speaks its URL form.
func TestWebdis(t *testing.T) {
	for _, bin := range []string{"redis-server", "webdis"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s is not installed (apt-get install -y %s)", bin, bin)
		}
	}
	ctx := context.Background()
	dir := t.TempDir()
	rs, err := StartRedis(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Stop()
	ws, err := StartWebdis(ctx, dir, rs.RESPAddr)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.Stop()
	for _, cmd := range []string{"SET", "GET", "INCR"} {
		sc := tiny(ProtoHTTP, cmd, 2, 1, 60)
		checkCounts(t, sc, httpDialer(ws.HTTPAddr, sc, true))
	}
	if n, err := respDo(ctx, rs.RESPAddr, "DBSIZE"); err != nil || n == ":0" {
		t.Fatalf("nothing reached Redis through Webdis: %q %v", n, err)
	}
}

// A memory scenario restarts a server it manages, so that it measures
// from a fresh process, and reads VmRSS.
func TestMemoryOnManagedRedis(t *testing.T) {
	if _, err := exec.LookPath("redis-server"); err != nil {
		t.Skip("redis-server is not installed (apt-get install -y redis-server)")
	}
	ctx := context.Background()
	srv, err := StartRedis(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	pid := srv.PID()
	sc := Scenario{Name: "memory", Protocol: ProtoMemory, Command: "SET", Clients: 2, Pipeline: 100, ValueSize: 32, KeySpace: 5000}
	m, err := measureMemory(ctx, srv, sc)
	if err != nil {
		t.Fatal(err)
	}
	if srv.PID() == pid || m.RSSSource != "VmRSS" || m.Keys != 5000 || m.UsedAfter <= m.UsedBefore || m.RSSBefore <= 0 {
		t.Fatalf("pid %d→%d %+v", pid, srv.PID(), m)
	}
	if n, err := respDo(ctx, srv.RESPAddr, "DBSIZE"); err != nil || n != ":5000" {
		t.Fatalf("DBSIZE %q %v", n, err)
	}
}

// A server that cannot start, or exits at once, is an error naming it,
// not a hang.
func TestStartFailures(t *testing.T) {
	ctx := context.Background()
	if _, err := StartMemshard(ctx, filepath.Join(t.TempDir(), "no-such-binary"), t.TempDir()); err == nil {
		t.Fatal("a missing binary started")
	}
	falseBin, err := exec.LookPath("false")
	if err != nil {
		t.Skip("no false(1) here")
	}
	_, err = StartMemshard(ctx, falseBin, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "memshard did not start") {
		t.Fatalf("a server that exits: %v", err)
	}
}
