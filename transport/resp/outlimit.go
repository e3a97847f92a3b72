package resp

import (
	"errors"
	"strconv"
	"strings"
	"time"
)

// OutputLimit is one client class's client-output-buffer-limit: a client
// whose unwritten replies pass Hard bytes, or stay over Soft bytes for
// longer than SoftFor, is disconnected. Zero values disable each check.
type OutputLimit struct {
	Hard, Soft int64
	SoftFor    time.Duration
}

// OutputLimits are the limits of Redis's three client classes. memshard
// applies Normal to every RESP client; PubSub and Replica are kept (and
// reported by CONFIG GET) for the classes pub/sub and replication bring.
type OutputLimits struct {
	Normal, Replica, PubSub OutputLimit
}

// DefaultOutputLimits are memshard's defaults: Redis's for replicas and
// pub/sub; for normal clients 1 GB hard and 256 MB for 60 seconds soft
// where Redis has none. A pipeline pauses while its replies cannot be
// written (see conn.exec), so these limits only meet replies that are
// large on their own: a GET of a 512 MB value passes, a client that leaves
// a KEYS reply of hundreds of megabytes unread for a minute does not.
func DefaultOutputLimits() OutputLimits {
	return OutputLimits{
		Normal:  OutputLimit{Hard: 1 << 30, Soft: 256 << 20, SoftFor: 60 * time.Second},
		Replica: OutputLimit{Hard: 256 << 20, Soft: 64 << 20, SoftFor: 60 * time.Second},
		PubSub:  OutputLimit{Hard: 32 << 20, Soft: 8 << 20, SoftFor: 60 * time.Second},
	}
}

// errOutputLimitSyntax is Redis's reason for a malformed value.
var errOutputLimitSyntax = errors.New("Wrong number of arguments in buffer limit configuration.")

// ParseOutputLimits applies a client-output-buffer-limit value to base:
// one or more groups of `class hard soft seconds`, where class is normal,
// replica (or slave) or pubsub and the sizes take Redis's units (1k =
// 1000, 1kb = 1024, m, mb, g, gb). Classes not named keep base's limits.
func ParseOutputLimits(v string, base OutputLimits) (OutputLimits, error) {
	f := strings.Fields(v)
	if len(f) == 0 || len(f)%4 != 0 {
		return base, errOutputLimitSyntax
	}
	out := base
	for ; len(f) > 0; f = f[4:] {
		var l *OutputLimit
		switch strings.ToLower(f[0]) {
		case "normal":
			l = &out.Normal
		case "replica", "slave":
			l = &out.Replica
		case "pubsub":
			l = &out.PubSub
		default:
			return base, errors.New("Invalid client class specified in buffer limit configuration.")
		}
		hard, ok1 := parseMemory(f[1])
		soft, ok2 := parseMemory(f[2])
		secs, err := strconv.ParseInt(f[3], 10, 64)
		if !ok1 || !ok2 || err != nil || secs < 0 || secs > 1<<31 {
			return base, errors.New("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
		}
		*l = OutputLimit{Hard: hard, Soft: soft, SoftFor: time.Duration(secs) * time.Second}
	}
	return out, nil
}

// String renders the limits as CONFIG GET reports them.
func (o OutputLimits) String() string {
	var b strings.Builder
	for i, c := range []struct {
		name string
		l    OutputLimit
	}{{"normal", o.Normal}, {"slave", o.Replica}, {"pubsub", o.PubSub}} {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(c.name)
		for _, n := range []int64{c.l.Hard, c.l.Soft, int64(c.l.SoftFor / time.Second)} {
			b.WriteByte(' ')
			b.WriteString(strconv.FormatInt(n, 10))
		}
	}
	return b.String()
}

// parseMemory reads a size as Redis's memtoull does: digits and an
// optional unit, case-insensitive.
func parseMemory(s string) (int64, bool) {
	s = strings.ToLower(s)
	mul := int64(1)
	for _, u := range []struct {
		suffix string
		mul    int64
	}{{"gb", 1 << 30}, {"mb", 1 << 20}, {"kb", 1 << 10}, {"g", 1e9}, {"m", 1e6}, {"k", 1e3}, {"b", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mul = s[:len(s)-len(u.suffix)], u.mul
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > (1<<62)/mul {
		return 0, false
	}
	return n * mul, true
}

// overOutputLimit checks c's unwritten replies against the normal class's
// limit; true means disconnect. The soft limit's clock starts when the
// replies first pass it and stops when they fall below; the clock is read
// only then.
func (c *conn) overOutputLimit() bool {
	l := &c.s.live().outLimits.Load().Normal
	pending := int64(c.pendingOut())
	switch {
	case l.Hard > 0 && pending > l.Hard:
		return true
	case l.Soft > 0 && pending > l.Soft:
		now := time.Now()
		if c.softSince.IsZero() {
			c.softSince = now
			return false
		}
		return now.Sub(c.softSince) > l.SoftFor
	}
	c.softSince = time.Time{}
	return false
}

// softDeadline is when a connection over the soft limit since softSince
// must have written its replies; zero when it is not over it.
func (c *conn) softDeadline() time.Time {
	l := &c.s.live().outLimits.Load().Normal
	if c.softSince.IsZero() || l.Soft <= 0 {
		return time.Time{}
	}
	return c.softSince.Add(l.SoftFor)
}

// dropOverLimit closes a client over its output buffer limit, as Redis
// does: the replies are discarded, the event is logged and counted.
func (c *conn) dropOverLimit() {
	pending := c.pendingOut()
	c.s.stats.outLimitDrops.Add(1)
	c.s.stats.outLimitDropsTotal.Add(1)
	c.s.cfg.Logger.Warn().Int64("client", c.id).Str("addr", c.raddr.String()).Int("omem", pending).
		Msg("client scheduled to be closed ASAP for overcoming of output buffer limits")
	c.out, c.woff, c.blocked, c.segs, c.outLen = nil, 0, false, nil, 0
	c.pend.run, c.pend.at = nil, len(c.pend.cmds)
	c.closeAfter = true
}
