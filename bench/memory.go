package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// Memory is what loading Keys keys cost one server: its resident set
// (VmRSS from /proc when the process is ours, else INFO used_memory_rss)
// and INFO used_memory, before and after, and the difference per key.
type Memory struct {
	Keys        int     `json:"keys"`
	RSSBefore   int64   `json:"rss_before"`
	RSSAfter    int64   `json:"rss_after"`
	UsedBefore  int64   `json:"used_memory_before"`
	UsedAfter   int64   `json:"used_memory_after"`
	RSSPerKey   float64 `json:"rss_per_key"`
	UsedPerKey  float64 `json:"used_memory_per_key"`
	RSSSource   string  `json:"rss_source"`
	LoadSeconds float64 `json:"load_seconds"`
}

// ParseInfo reads the "field:value" lines of an INFO reply.
func ParseInfo(info string) map[string]string {
	out := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			out[k] = v
		}
	}
	return out
}

// VmRSS reads the resident set size of process pid in bytes.
func VmRSS(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	return parseVmRSS(string(b))
}

func parseVmRSS(status string) (int64, error) {
	for line := range strings.Lines(status) {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) != 2 || f[1] != "kB" {
				return 0, fmt.Errorf("VmRSS: unexpected %q", line)
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			return kb * 1024, err
		}
	}
	return 0, fmt.Errorf("no VmRSS line")
}

// memorySnapshot reads used_memory and the resident set of s.
func memorySnapshot(ctx context.Context, s *Server) (rss, used int64, source string, err error) {
	info, err := respDo(ctx, s.RESPAddr, "INFO", "memory")
	if err != nil {
		return 0, 0, "", err
	}
	f := ParseInfo(info)
	used, _ = strconv.ParseInt(f["used_memory"], 10, 64)
	if pid := s.PID(); pid > 0 {
		if rss, err = VmRSS(pid); err == nil {
			return rss, used, "VmRSS", nil
		}
	}
	rss, _ = strconv.ParseInt(f["used_memory_rss"], 10, 64)
	return rss, used, "used_memory_rss", nil
}

// measureMemory starts s afresh when it is ours (else empties it), loads
// sc.KeySpace keys of sc.ValueSize bytes with pipelined SET, and reports
// the memory they took.
func measureMemory(ctx context.Context, s *Server, sc Scenario) (*Memory, error) {
	if s.Managed() {
		if err := s.Restart(ctx); err != nil {
			return nil, err
		}
	} else if _, err := respDo(ctx, s.RESPAddr, "FLUSHALL"); err != nil {
		return nil, err
	}
	m := &Memory{Keys: sc.KeySpace}
	var err error
	if m.RSSBefore, m.UsedBefore, m.RSSSource, err = memorySnapshot(ctx, s); err != nil {
		return nil, err
	}
	t0 := time.Now()
	if err := loadRESP(ctx, s.RESPAddr, sc.KeySpace, sc.ValueSize, sc.Clients, sc.Pipeline); err != nil {
		return nil, err
	}
	m.LoadSeconds = time.Since(t0).Seconds()
	// Let a collector or an allocator settle for a moment, as a server
	// left alone would.
	select {
	case <-time.After(time.Second):
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if m.RSSAfter, m.UsedAfter, m.RSSSource, err = memorySnapshot(ctx, s); err != nil {
		return nil, err
	}
	m.RSSPerKey = float64(m.RSSAfter-m.RSSBefore) / float64(m.Keys)
	m.UsedPerKey = float64(m.UsedAfter-m.UsedBefore) / float64(m.Keys)
	return m, nil
}
