package resp

import (
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/memshard/memshard/shard"
	"github.com/memshard/memshard/shard/reply"
)

// This file answers INFO with Redis 7.0.15's sections and layout.

// ---------------------------------------------------------------------------
// INFO

var infoSections = []string{"server", "clients", "memory", "persistence", "stats", "replication", "cluster", "keyspace"}

// cmdInfo is INFO [section ...]: Redis's text format, sections in Redis's
// order whatever the order asked, lines ending in \r\n, a blank line
// between sections. Unknown sections are ignored.
func cmdInfo(c *conn, args [][]byte) {
	want := map[string]bool{}
	if len(args) == 1 {
		for _, s := range infoSections {
			want[s] = true
		}
	}
	for _, a := range args[1:] {
		sec := strings.ToLower(string(a))
		switch sec {
		case "all", "everything", "default":
			for _, s := range infoSections {
				want[s] = true
			}
		default:
			want[sec] = true
		}
	}
	c.reply(reply.Bulk(c.s.info(want)))
}

// info renders the INFO text of the wanted sections.
// infoText builds INFO's text: "# Section" headers, "key:value" lines,
// CRLF line ends, a blank line between sections.
type infoText struct{ b []byte }

func (t *infoText) section(name string) {
	if len(t.b) > 0 {
		t.b = append(t.b, "\r\n"...)
	}
	t.b = append(t.b, "# "...)
	t.b = append(t.b, name...)
	t.b = append(t.b, "\r\n"...)
}

func (t *infoText) line(k, v string) {
	t.b = append(t.b, k...)
	t.b = append(t.b, ':')
	t.b = append(t.b, v...)
	t.b = append(t.b, "\r\n"...)
}

func (t *infoText) num(k string, v int64) { t.line(k, strconv.FormatInt(v, 10)) }

func (s *Server) info(want map[string]bool) []byte {
	t := &infoText{}
	var st shard.Stats
	if want["persistence"] || want["stats"] || want["keyspace"] {
		st = s.statsSinceReset()
	}
	if want["server"] {
		s.infoServer(t)
	}
	if want["clients"] {
		t.section("Clients")
		t.num("connected_clients", int64(s.Clients()))
		t.line("cluster_connections", "0")
		t.num("maxclients", int64(s.maxClients()))
		t.line("blocked_clients", "0")
		t.line("tracking_clients", "0")
	}
	if want["memory"] {
		infoMemory(t)
	}
	if want["persistence"] {
		t.section("Persistence")
		t.line("loading", "0")
		t.num("rdb_changes_since_last_save", st.Changes)
		t.line("rdb_bgsave_in_progress", "0")
		t.num("rdb_last_save_time", s.started.Unix())
		t.line("rdb_last_bgsave_status", "ok")
		t.line("aof_enabled", "0")
		t.line("aof_rewrite_in_progress", "0")
		t.line("aof_last_bgrewrite_status", "ok")
		t.line("aof_last_write_status", "ok")
	}
	if want["stats"] {
		s.infoStats(t, st)
	}
	if want["replication"] {
		t.section("Replication")
		t.line("role", "master")
		t.line("connected_slaves", "0")
		t.line("master_repl_offset", "0")
	}
	if want["cluster"] {
		t.section("Cluster")
		t.line("cluster_enabled", "0")
	}
	if want["keyspace"] {
		t.section("Keyspace")
		if st.Keys > 0 {
			t.line("db0", "keys="+strconv.FormatInt(st.Keys, 10)+",expires="+strconv.FormatInt(st.KeysWithTTL, 10)+",avg_ttl=0")
		}
	}
	return t.b
}

// statsSinceReset is the router's counters less the CONFIG RESETSTAT baseline.
func (s *Server) statsSinceReset() shard.Stats {
	st := s.r.Stats()
	lc := s.live()
	lc.mu.Lock()
	base := lc.base
	lc.mu.Unlock()
	st.ExpiredKeys -= base.ExpiredKeys
	st.Hits -= base.Hits
	st.Misses -= base.Misses
	return st
}

func (s *Server) infoServer(t *infoText) {
	t.section("Server")
	t.line("redis_version", RedisVersion)
	t.line("redis_mode", "standalone")
	t.line("os", osName())
	t.num("arch_bits", int64(strconv.IntSize))
	t.line("multiplexing_api", "go-netpoll")
	t.line("go_version", runtime.Version())
	t.num("process_id", int64(os.Getpid()))
	t.num("tcp_port", int64(listenPort(s)))
	up := int64(time.Since(s.started) / time.Second)
	t.num("server_time_usec", time.Now().UnixMicro())
	t.num("uptime_in_seconds", up)
	t.num("uptime_in_days", up/86400)
	exe, _ := os.Executable()
	t.line("executable", exe)
	t.line("config_file", "")
	t.line("memshard_version", memshardVersion())
}

func infoMemory(t *infoText) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	used := int64(ms.HeapAlloc + ms.StackInuse + ms.MSpanInuse + ms.MCacheInuse)
	rss := residentBytes()
	if rss == 0 {
		rss = int64(ms.Sys - ms.HeapReleased)
	}
	t.section("Memory")
	t.num("used_memory", used)
	t.line("used_memory_human", humanBytes(used))
	t.num("used_memory_rss", rss)
	t.line("used_memory_rss_human", humanBytes(rss))
	t.num("used_memory_heap", int64(ms.HeapAlloc))
	t.num("used_memory_go_sys", int64(ms.Sys))
	t.num("maxmemory", 0)
	t.line("maxmemory_human", "0B")
	t.line("maxmemory_policy", "noeviction")
	t.line("mem_allocator", "go")
}

func (s *Server) infoStats(t *infoText, st shard.Stats) {
	t.section("Stats")
	t.num("total_connections_received", s.stats.connections.Load())
	t.num("total_commands_processed", s.stats.commands.Load())
	t.line("instantaneous_ops_per_sec", "0")
	t.num("total_net_input_bytes", s.stats.netIn.Load())
	t.num("total_net_output_bytes", s.stats.netOut.Load())
	t.num("rejected_connections", s.stats.rejected.Load())
	t.num("client_output_buffer_limit_disconnections", s.stats.outLimitDrops.Load())
	t.num("expired_keys", st.ExpiredKeys)
	t.line("evicted_keys", "0")
	t.num("keyspace_hits", st.Hits)
	t.num("keyspace_misses", st.Misses)
	t.line("pubsub_channels", "0")
	t.line("pubsub_patterns", "0")
}

func osName() string {
	name := runtime.GOOS
	if name != "" {
		name = strings.ToUpper(name[:1]) + name[1:]
	}
	if rel, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		name += " " + strings.TrimSpace(string(rel))
	}
	arch := runtime.GOARCH
	switch arch {
	case "amd64":
		arch = "x86_64"
	case "arm64":
		arch = "aarch64"
	}
	return name + " " + arch
}

func memshardVersion() string {
	if bi, ok := debugBuildInfo(); ok {
		return bi
	}
	return "devel"
}

// residentBytes is the process's resident set size from /proc/self/statm,
// 0 where that file does not exist.
func residentBytes() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return pages * int64(os.Getpagesize())
}

// humanBytes formats n as Redis's bytesToHuman does: 200B, 1.04K, 11.87M.
func humanBytes(n int64) string {
	const units = "KMGTPE"
	if n < 1024 {
		return strconv.FormatInt(n, 10) + "B"
	}
	f := float64(n)
	i := -1
	for f >= 1024 && i < len(units)-1 {
		f /= 1024
		i++
	}
	return strconv.FormatFloat(f, 'f', 2, 64) + units[i:i+1]
}

// debugBuildInfo is the main module's version from the build information.
func debugBuildInfo() (string, bool) {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Main.Version == "" {
		return "", false
	}
	return bi.Main.Version, true
}
