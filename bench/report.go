package bench

import (
	"bufio"
	"context"
	"os"
	"runtime"
	"strings"
	"time"
)

// Report is every figure of one run, as the JSON file stores it.
type Report struct {
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished"`
	Command  []string  `json:"command"`
	Machine  Machine   `json:"machine"`
	Rounds   int       `json:"rounds"`
	Quick    bool      `json:"quick"`
	Notes    []string  `json:"notes,omitempty"`
	Results  []Result  `json:"results"`
}

// Result is one scenario: memshard's figures first, then the baseline's
// (Redis, or Webdis in front of Redis for HTTP) when there is one.
type Result struct {
	Scenario Scenario  `json:"scenario"`
	Baseline string    `json:"baseline,omitempty"`
	Systems  []Summary `json:"systems"`
	// Ratio is memshard's median throughput over the baseline's; for a
	// memory scenario, memshard's resident bytes per key over the
	// baseline's (lower is better). 0 when there is nothing to compare.
	Ratio float64 `json:"ratio"`
}

// System returns the summary of the named system, or nil.
func (r *Result) System(name string) *Summary {
	for i := range r.Systems {
		if r.Systems[i].System == name {
			return &r.Systems[i]
		}
	}
	return nil
}

// computeRatio sets r.Ratio from memshard's and the baseline's summaries.
func (r *Result) computeRatio() {
	r.Ratio = 0
	if len(r.Systems) < 2 || r.Systems[1].Skipped != "" || r.Systems[0].Skipped != "" {
		return
	}
	m, b := r.Systems[0], r.Systems[1]
	if r.Scenario.Protocol == ProtoMemory {
		if m.Memory != nil && b.Memory != nil {
			r.Ratio = Ratio(m.Memory.RSSPerKey, b.Memory.RSSPerKey)
		}
		return
	}
	r.Ratio = Ratio(m.Median, b.Median)
}

// Machine describes where the run happened.
type Machine struct {
	CPU          string `json:"cpu"`
	Cores        int    `json:"cores"`
	MemoryBytes  int64  `json:"memory_bytes"`
	Kernel       string `json:"kernel"`
	OS           string `json:"os"`
	Arch         string `json:"arch"`
	GoVersion    string `json:"go_version"`
	RedisVersion string `json:"redis_version,omitempty"`
	Memshard     string `json:"memshard_version,omitempty"`
}

// readMachine describes this machine, asking the servers their versions.
func readMachine(ctx context.Context, memshardAddr, redisAddr string) Machine {
	m := Machine{Cores: runtime.NumCPU(), OS: runtime.GOOS, Arch: runtime.GOARCH, GoVersion: runtime.Version()}
	m.CPU = procField("/proc/cpuinfo", "model name")
	if kb := procField("/proc/meminfo", "MemTotal"); kb != "" {
		var n int64
		for _, c := range strings.TrimSuffix(kb, " kB") {
			if c >= '0' && c <= '9' {
				n = n*10 + int64(c-'0')
			}
		}
		m.MemoryBytes = n * 1024
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	if redisAddr != "" {
		if info, err := respDo(ctx, redisAddr, "INFO", "server"); err == nil {
			m.RedisVersion = ParseInfo(info)["redis_version"]
		}
	}
	if memshardAddr != "" {
		if info, err := respDo(ctx, memshardAddr, "INFO", "server"); err == nil {
			m.Memshard = ParseInfo(info)["memshard_version"]
		}
	}
	return m
}

// procField returns the value of the first "name : value" line of a /proc
// file, or "".
func procField(path, name string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if ok && strings.TrimSpace(k) == name {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
