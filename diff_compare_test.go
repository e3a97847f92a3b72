package memshard_test

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// This file holds the machinery shared by the differential tests: the
// canonical reply tree both sides are converted into, the runner that sends
// every command to both sides and compares the replies, the few normalisations
// for replies that are nondeterministic by nature, and a minimiser that shrinks
// a failing sequence before it is reported.

// nodeKind is the kind of a canonical reply, as RESP2 distinguishes them.
type nodeKind uint8

const (
	nStatus nodeKind = iota + 1
	nError
	nInt
	nBulk
	nNil      // $-1
	nArray    // *N
	nNilArray // *-1
)

// node is a reply of either side in one comparable form.
type node struct {
	kind nodeKind
	str  string // status, error or bulk text
	num  int64
	arr  []node
	raw  string // the reply's bytes as received over the wire; "" for the engine
}

func (n node) equal(o node) bool {
	if n.kind != o.kind || n.str != o.str || n.num != o.num || len(n.arr) != len(o.arr) {
		return false
	}
	for i := range n.arr {
		if !n.arr[i].equal(o.arr[i]) {
			return false
		}
	}
	return true
}

func (n node) isStatus(s string) bool { return n.kind == nStatus && n.str == s }

// String renders n like redis-cli does, quoting bulk strings and cutting long
// ones so that failure messages stay readable.
func (n node) String() string {
	switch n.kind {
	case nStatus:
		return printable(n.str)
	case nError:
		return "(error) " + printable(n.str)
	case nInt:
		return "(integer) " + strconv.FormatInt(n.num, 10)
	case nBulk:
		s, suffix := n.str, ""
		if len(s) > 120 {
			s, suffix = s[:120], fmt.Sprintf("...(%d bytes)", len(n.str))
		}
		return strconv.Quote(s) + suffix
	case nNil:
		return "(nil)"
	case nNilArray:
		return "(nil array)"
	case nArray:
		var b strings.Builder
		b.WriteByte('[')
		for i, e := range n.arr {
			if i > 0 {
				b.WriteString(", ")
			}
			if i == 50 {
				fmt.Fprintf(&b, "... %d more", len(n.arr)-i)
				break
			}
			b.WriteString(e.String())
		}
		b.WriteByte(']')
		return b.String()
	}
	return fmt.Sprintf("(kind %d)", n.kind)
}

// printable returns s, Go-quoted if it holds control bytes or invalid UTF-8.
func printable(s string) string {
	for _, c := range s {
		if c < 0x20 || c == 0x7f || c == utf8.RuneError {
			return strconv.Quote(s)
		}
	}
	return s
}

// quoteArg renders s bare when it is plain and Go-quoted otherwise (the
// escapes are the ones redis-cli accepts inside double quotes). With cut set,
// strings longer than 120 bytes are shortened.
func quoteArg(s string, cut bool) string {
	suffix := ""
	if cut && len(s) > 120 {
		suffix = fmt.Sprintf("...(%d bytes)", len(s))
		s = s[:120]
	}
	plain := s != ""
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(":_.-+*?[]^!", c) >= 0) {
			plain = false
			break
		}
	}
	if plain {
		return s + suffix
	}
	return strconv.Quote(s) + suffix
}

// Argument types that are resolved to a concrete value at the moment a command
// is sent, so that a sequence means the same thing whenever it is replayed.
type (
	// absSec is a Unix time in seconds, relative to the run's base time.
	absSec int64
	// absMs is a Unix time in milliseconds, relative to the run's base time.
	absMs int64
	// fromNowMs is a Unix time in milliseconds, relative to the moment the
	// command is sent (used only for deliberately short expiries).
	fromNowMs int64
)

// argBytes renders a resolved argument the way memshard's DB.Do documents it:
// integers in decimal, floats with strconv 'f' -1, booleans as 1/0.
func argBytes(a any) []byte {
	switch v := a.(type) {
	case string:
		return []byte(v)
	case []byte:
		return v
	case int:
		return strconv.AppendInt(nil, int64(v), 10)
	case int64:
		return strconv.AppendInt(nil, v, 10)
	case uint64:
		return strconv.AppendUint(nil, v, 10)
	case float64:
		return strconv.AppendFloat(nil, v, 'f', -1, 64)
	case bool:
		if v {
			return []byte("1")
		}
		return []byte("0")
	}
	panic(fmt.Sprintf("diff: unsupported argument type %T", a))
}

// diffTarget is one side of the comparison. Connection 0 plays a plain client
// (memshard: DB.Do); connection 1 a stateful client with MULTI and WATCH
// (memshard: a Session). A target is used by one goroutine.
type diffTarget interface {
	name() string
	// do runs one command; an error means the target itself failed (not a
	// command error, which is a reply).
	do(conn int, args []any) (node, error)
	// reset empties the keyspace and gives connection 1 a fresh state.
	reset() error
}

// cmd is one command of a sequence, sent on one connection. pause is slept
// after both sides ran it.
type cmd struct {
	conn  int
	args  []any
	pause time.Duration
	exact bool // compare without normalising (TTL rounding cases)
}

// step is the unit the minimiser removes: usually one command, sometimes a few
// that only make sense together (a short expiry and the sleep that follows it).
type step struct {
	cmds []cmd
}

// histEntry is one executed command with the arguments as sent and both
// replies.
type histEntry struct {
	conn     int
	args     []any
	ref, sut node
}

func (h histEntry) String() string {
	return fmt.Sprintf("conn%d> %s\n        redis: %v", h.conn, formatArgs(h.args), h.ref)
}

func formatArgs(args []any) string {
	parts := make([]string, len(args))
	for i, a := range args {
		parts[i] = quoteArg(string(argBytes(a)), true)
	}
	return strings.Join(parts, " ")
}

// runner sends commands to both targets and compares the replies.
type runner struct {
	ref, sut diffTarget
	base     time.Time      // resolves absSec and absMs
	skip     *regexp.Regexp // commands not to send (-diff.skip), or nil
	skipped  int

	compared int // commands whose replies were compared
	history  []histEntry

	// MULTI state of connection 1, as the reference reports it: the
	// queued commands select how each EXEC element is compared.
	inMulti bool
	queued  [][]any
}

func newRunner(ref, sut diffTarget, base time.Time) *runner {
	return &runner{ref: ref, sut: sut, base: base}
}

// resetAll gives both targets an empty keyspace and fresh connections.
func (r *runner) resetAll() error {
	if err := r.ref.reset(); err != nil {
		return fmt.Errorf("%s reset: %w", r.ref.name(), err)
	}
	if err := r.sut.reset(); err != nil {
		return fmt.Errorf("%s reset: %w", r.sut.name(), err)
	}
	r.inMulti, r.queued, r.history = false, nil, r.history[:0]
	return nil
}

func (r *runner) resolve(args []any) []any {
	out := make([]any, len(args))
	for i, a := range args {
		switch v := a.(type) {
		case absSec:
			out[i] = r.base.Unix() + int64(v)
		case absMs:
			out[i] = r.base.UnixMilli() + int64(v)
		case fromNowMs:
			out[i] = time.Now().UnixMilli() + int64(v)
		default:
			out[i] = a
		}
	}
	return out
}

// mismatch describes a difference between the two sides.
type mismatch struct {
	entry histEntry
	why   string
}

// run executes one command on both sides, reference first, and compares the
// replies. A non-nil error means a target failed outright.
func (r *runner) run(c cmd) (*mismatch, error) {
	args := r.resolve(c.args)
	if r.skip != nil && r.skip.MatchString(formatArgs(args)) {
		r.skipped++
		return nil, nil
	}
	ref, err := r.ref.do(c.conn, args)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", r.ref.name(), formatArgs(args), err)
	}
	sut, err := r.sut.do(c.conn, args)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", r.sut.name(), formatArgs(args), err)
	}
	e := histEntry{conn: c.conn, args: args, ref: ref, sut: sut}
	r.history = append(r.history, e)
	r.compared++

	name := cmdName(args)
	var why string
	if c.conn == 1 && name == "EXEC" && r.inMulti {
		why = r.compareExec(ref, sut)
	} else if c.exact {
		why = exact(ref, sut)
	} else {
		why = r.compareOne(c.conn, name, args, ref, sut, false)
	}
	if c.conn == 1 {
		r.trackMulti(name, args, ref)
	}
	if (name == "SET" && hasAbsExpiry(args) || name == "EXEC") && ref.kind != nError && !ref.isStatus("QUEUED") {
		if err := r.reclaim(); err != nil {
			return nil, err
		}
	}
	if c.pause > 0 {
		time.Sleep(c.pause)
	}
	if why != "" {
		return &mismatch{entry: e, why: why}, nil
	}
	return nil, nil
}

func cmdName(args []any) string { return strings.ToUpper(string(argBytes(args[0]))) }

// hasAbsExpiry reports whether a SET has an EXAT or PXAT option.
func hasAbsExpiry(args []any) bool {
	for _, a := range args[1:] {
		if s := strings.ToUpper(string(argBytes(a))); s == "EXAT" || s == "PXAT" {
			return true
		}
	}
	return false
}

// reclaim makes both sides drop keys that are logically expired but still
// stored. Redis 7.0 stores a key SET with a past EXAT/PXAT and deletes it only
// when a lookup or its active expiry cycle (every 100 ms) finds it, so until
// then DBSIZE counts it and SCAN ... TYPE none lists it: timing, not
// semantics. A full SCAN looks up, and so deletes, every expired key.
func (r *runner) reclaim() error {
	for _, t := range []diffTarget{r.ref, r.sut} {
		rep, err := t.do(0, []any{"SCAN", "0", "COUNT", "1000"})
		if err != nil {
			return fmt.Errorf("reclaim: %w", err)
		}
		cursor, _, ok := scanShape(rep)
		if !ok {
			return fmt.Errorf("reclaim: %s: SCAN 0: malformed reply %v", t.name(), rep)
		}
		if _, err := scanRest(t, 0, []any{"SCAN", "0", "COUNT", "1000"}, cursor, nil); err != nil {
			return fmt.Errorf("reclaim: %w", err)
		}
	}
	return nil
}

// trackMulti follows connection 1's MULTI state from the reference's replies.
func (r *runner) trackMulti(name string, args []any, ref node) {
	switch {
	case !r.inMulti:
		if name == "MULTI" && ref.isStatus("OK") {
			r.inMulti, r.queued = true, nil
		}
	case ref.isStatus("QUEUED"):
		r.queued = append(r.queued, args)
	case name == "EXEC" && (ref.kind == nArray || ref.kind == nNilArray || ref.kind == nError && strings.HasPrefix(ref.str, "EXECABORT")),
		name == "DISCARD" && ref.isStatus("OK"):
		r.inMulti, r.queued = false, nil
	}
}

// compareExec compares EXEC replies element by element, each with the rule of
// the command that was queued at its position.
func (r *runner) compareExec(ref, sut node) string {
	if ref.kind != nArray || sut.kind != nArray || len(ref.arr) != len(r.queued) || len(sut.arr) != len(ref.arr) {
		return exact(ref, sut)
	}
	expiredSets := 0 // queued SETs with EXAT/PXAT so far
	for i, args := range r.queued {
		name := cmdName(args)
		if name == "DBSIZE" && ref.arr[i].kind == nInt && sut.arr[i].kind == nInt {
			// See reclaim: Redis may still count keys that an earlier
			// SET of this transaction stored already expired.
			if d := ref.arr[i].num - sut.arr[i].num; d < 0 || d > int64(expiredSets) {
				return fmt.Sprintf("EXEC element %d (DBSIZE): redis %v, %s %v (%d SETs with EXAT/PXAT before it)",
					i, ref.arr[i], r.sut.name(), sut.arr[i], expiredSets)
			}
			continue
		}
		if name == "SET" && hasAbsExpiry(args) {
			expiredSets++
		}
		if why := r.compareOne(1, name, nil, ref.arr[i], sut.arr[i], true); why != "" {
			return fmt.Sprintf("EXEC element %d (%s): %s: redis %v, %s %v", i, name, why, ref.arr[i], r.sut.name(), sut.arr[i])
		}
	}
	return ""
}

// Tolerances for replies that depend on the clock. The two sides run each
// command back to back, so their clocks differ by the time one command takes;
// these bounds leave room for a loaded machine and the race detector.
const (
	ttlSlackSec = 1
	ttlSlackMs  = 250
	timeSlack   = 2 // seconds between the two TIME replies
)

// compareOne compares the replies of one command. Only what is inherently
// nondeterministic is normalised; everything else, error strings included,
// must be identical. args is nil inside EXEC, where follow-up commands cannot
// be sent.
func (r *runner) compareOne(conn int, name string, args []any, ref, sut node, inTx bool) string {
	if ref.kind == nError || sut.kind == nError || ref.isStatus("QUEUED") {
		return exact(ref, sut)
	}
	switch name {
	case "KEYS":
		// KEYS order follows each store's hash table: compare as sets.
		if ref.kind == nArray && sut.kind == nArray {
			return exact(sortedArray(ref), sortedArray(sut))
		}
	case "SCAN":
		// Cursors encode each store's own table layout, so only the set
		// of keys a full iteration returns is comparable.
		return r.compareScan(conn, args, ref, sut, inTx)
	case "RANDOMKEY":
		// Any existing key is a right answer: check membership.
		return r.compareRandomKey(ref, sut, inTx)
	case "TIME":
		return compareTime(ref, sut)
	case "TTL", "EXPIRETIME":
		return compareClock(ref, sut, ttlSlackSec)
	case "PTTL", "PEXPIRETIME":
		return compareClock(ref, sut, ttlSlackMs)
	case "CLIENT", "HELLO":
		// CLIENT ID and HELLO's server, version and id differ by design.
		return compareConnShape(name, ref, sut)
	}
	return exact(ref, sut)
}

// exact compares two replies: byte for byte when both came over the wire,
// as parsed otherwise.
func exact(ref, sut node) string {
	if ref.raw != "" && sut.raw != "" {
		if ref.raw == sut.raw {
			return ""
		}
		return fmt.Sprintf("bytes differ: redis %s, other side %s", quoteRaw(ref.raw), quoteRaw(sut.raw))
	}
	if ref.equal(sut) {
		return ""
	}
	return "replies differ"
}

func sortedArray(n node) node {
	arr := slices.Clone(n.arr)
	slices.SortFunc(arr, func(a, b node) int { return strings.Compare(a.String(), b.String()) })
	n.arr = arr
	n.raw = "" // the order differs by nature; compare the parsed elements
	return n
}

// compareClock compares TTL-like integers: negative ones (no key, no TTL)
// exactly, positive ones within slack.
func compareClock(ref, sut node, slack int64) string {
	if ref.kind != nInt || sut.kind != nInt || ref.num < 0 || sut.num < 0 {
		return exact(ref, sut)
	}
	if d := ref.num - sut.num; d > slack || d < -slack {
		return fmt.Sprintf("differ by %d, more than the tolerated %d", d, slack)
	}
	return ""
}

// compareTime checks that both TIME replies are [seconds, microseconds] and
// close to each other.
func compareTime(ref, sut node) string {
	parse := func(n node) (int64, int64, bool) {
		if n.kind != nArray || len(n.arr) != 2 || n.arr[0].kind != nBulk || n.arr[1].kind != nBulk {
			return 0, 0, false
		}
		s, err1 := strconv.ParseInt(n.arr[0].str, 10, 64)
		us, err2 := strconv.ParseInt(n.arr[1].str, 10, 64)
		return s, us, err1 == nil && err2 == nil && us >= 0 && us < 1e6
	}
	rs, _, ok := parse(ref)
	if !ok {
		return "reference TIME reply malformed"
	}
	ss, _, ok := parse(sut)
	if !ok {
		return "TIME is not [bulk seconds, bulk microseconds 0..999999]"
	}
	if d := rs - ss; d > timeSlack || d < -timeSlack {
		return fmt.Sprintf("TIME seconds differ by %d", d)
	}
	return ""
}

// keysOf returns the sorted keys that KEYS * reports on one side.
func keysOf(t diffTarget) ([]string, error) {
	rep, err := t.do(0, []any{"KEYS", "*"})
	if err != nil {
		return nil, err
	}
	if rep.kind != nArray {
		return nil, fmt.Errorf("KEYS *: %v", rep)
	}
	keys := make([]string, len(rep.arr))
	for i, e := range rep.arr {
		keys[i] = e.str
	}
	slices.Sort(keys)
	return keys, nil
}

func (r *runner) compareRandomKey(ref, sut node, inTx bool) string {
	if ref.kind != sut.kind || (ref.kind != nNil && ref.kind != nBulk) {
		return "replies differ"
	}
	if ref.kind == nNil || inTx {
		// Inside EXEC later commands may have removed the key already.
		return ""
	}
	for _, side := range []struct {
		t   diffTarget
		key string
	}{{r.ref, ref.str}, {r.sut, sut.str}} {
		keys, err := keysOf(side.t)
		if err != nil {
			return fmt.Sprintf("%s: %v", side.t.name(), err)
		}
		if _, found := slices.BinarySearch(keys, side.key); !found {
			return fmt.Sprintf("%s: RANDOMKEY returned %q, which KEYS * does not list", side.t.name(), side.key)
		}
	}
	return ""
}

// scanShape checks that n is [cursor, [key...]] and returns its parts.
func scanShape(n node) (cursor string, keys []string, ok bool) {
	if n.kind != nArray || len(n.arr) != 2 || n.arr[0].kind != nBulk || n.arr[1].kind != nArray {
		return "", nil, false
	}
	if _, err := strconv.ParseUint(n.arr[0].str, 10, 64); err != nil {
		return "", nil, false
	}
	for _, k := range n.arr[1].arr {
		if k.kind != nBulk {
			return "", nil, false
		}
		keys = append(keys, k.str)
	}
	return n.arr[0].str, keys, true
}

// compareScan compares SCAN replies. A SCAN that starts at cursor 0 (outside
// EXEC) is continued on each side with that side's own cursors until it wraps
// to 0, and the sets of keys the two iterations returned must be equal. Any
// other SCAN is only checked for its shape.
func (r *runner) compareScan(conn int, args []any, ref, sut node, inTx bool) string {
	rc, rkeys, ok := scanShape(ref)
	if !ok {
		return exact(ref, sut)
	}
	sc, skeys, ok := scanShape(sut)
	if !ok {
		return "SCAN reply is not [cursor, [keys...]]"
	}
	if inTx || len(args) < 2 || string(argBytes(args[1])) != "0" {
		return ""
	}
	rall, err := scanRest(r.ref, conn, args, rc, rkeys)
	if err != nil {
		return err.Error()
	}
	sall, err := scanRest(r.sut, conn, args, sc, skeys)
	if err != nil {
		return err.Error()
	}
	if !slices.Equal(rall, sall) {
		return fmt.Sprintf("full SCAN iterations differ: redis %q, %s %q", rall, r.sut.name(), sall)
	}
	return ""
}

// scanRest continues a SCAN from cursor until it returns 0 and returns the
// sorted, deduplicated keys of the whole iteration.
func scanRest(t diffTarget, conn int, args []any, cursor string, keys []string) ([]string, error) {
	next := slices.Clone(args)
	for i := 0; cursor != "0"; i++ {
		if i > 100000 {
			return nil, fmt.Errorf("%s: SCAN did not finish after %d calls", t.name(), i)
		}
		next[1] = cursor
		rep, err := t.do(conn, next)
		if err != nil {
			return nil, err
		}
		c, k, ok := scanShape(rep)
		if !ok {
			return nil, fmt.Errorf("%s: SCAN %s: malformed reply %v", t.name(), cursor, rep)
		}
		cursor = c
		keys = append(keys, k...)
	}
	slices.Sort(keys)
	return slices.Compact(keys), nil
}

// failure is a mismatch found in a sequence, with what is needed to report it.
type failure struct {
	index   int // step index in the sequence
	mm      *mismatch
	history []histEntry
}

// runSteps runs steps from a reset state and returns the first mismatch.
func (r *runner) runSteps(steps []step) (*failure, error) {
	fs, err := r.runAll(steps, 1)
	if len(fs) == 0 {
		return nil, err
	}
	return fs[0], err
}

// runAll runs steps from a reset state and returns up to limit mismatches.
// Past the first one the two sides may have diverged, which is acceptable
// for the hand-written cases whose commands mostly stand alone.
func (r *runner) runAll(steps []step, limit int) ([]*failure, error) {
	if err := r.resetAll(); err != nil {
		return nil, err
	}
	var fs []*failure
	for i, s := range steps {
		for _, c := range s.cmds {
			mm, err := r.run(c)
			if err != nil {
				return fs, fmt.Errorf("step %d: %w", i, err)
			}
			if mm != nil {
				fs = append(fs, &failure{index: i, mm: mm, history: slices.Clone(r.history)})
				if len(fs) >= limit {
					return fs, nil
				}
			}
		}
	}
	return fs, nil
}

// minimize shrinks a failing sequence (which ends with its failing step) by
// removing chunks of steps as long as the shortened sequence still fails
// somewhere, until budget runs out. It returns the smallest failure found.
func (r *runner) minimize(steps []step, f *failure, budget time.Duration) ([]step, *failure) {
	deadline := time.Now().Add(budget)
	steps = steps[:f.index+1]
	n := 2
	for len(steps) > 1 && time.Now().Before(deadline) {
		chunk := (len(steps) + n - 1) / n
		reduced := false
		for start := 0; start < len(steps) && time.Now().Before(deadline); start += chunk {
			cand := slices.Concat(steps[:start], steps[min(start+chunk, len(steps)):])
			if len(cand) == 0 {
				continue
			}
			cf, err := r.runSteps(cand)
			if err != nil || cf == nil {
				continue
			}
			steps, f, reduced = cand[:cf.index+1], cf, true
			break
		}
		if reduced {
			n = max(n-1, 2)
			continue
		}
		if n >= len(steps) {
			break
		}
		n = min(2*n, len(steps))
	}
	return steps, f
}

// report formats a failure: the history leading to it (at most last entries)
// and both replies of the failing command.
func report(f *failure, sutName string, last int) string {
	var b bytes.Buffer
	h := f.history
	if len(h) > last {
		fmt.Fprintf(&b, "  ... %d earlier commands\n", len(h)-last)
		h = h[len(h)-last:]
	}
	for _, e := range h[:len(h)-1] {
		fmt.Fprintf(&b, "  %v\n", e)
	}
	e := f.mm.entry
	fmt.Fprintf(&b, "  conn%d> %s\n", e.conn, formatArgs(e.args))
	fmt.Fprintf(&b, "        redis:    %v\n        %-9s %v\n        (%s)\n", e.ref, sutName+":", e.sut, f.mm.why)
	return b.String()
}

// checkCase runs a hand-written case to its end and reports every mismatch
// with the commands just before it.
func checkCase(t testing.TB, r *runner, label string, steps []step) {
	t.Helper()
	fs, err := r.runAll(steps, len(steps))
	for _, f := range fs {
		t.Errorf("%s: mismatch at step %d of %d (conn0 = DB.Do, conn1 = Session):\n%s",
			label, f.index, len(steps), report(f, r.sut.name(), 8))
	}
	if err != nil {
		t.Fatalf("%s: %v", label, err)
	}
}

// checkSequence runs steps and, on a mismatch, reports it and a minimised
// reproduction as a test error.
func checkSequence(t testing.TB, r *runner, label string, steps []step, minimize bool) {
	t.Helper()
	f, err := r.runSteps(steps)
	if err != nil {
		t.Fatalf("%s: %v", label, err)
	}
	if f == nil {
		return
	}
	msg := fmt.Sprintf("%s: mismatch at step %d of %d; last commands (conn0 = DB.Do, conn1 = Session):\n%s",
		label, f.index, len(steps), report(f, r.sut.name(), *diffHistory))
	if minimize && f.index > 0 {
		compared := r.compared
		ms, mf := r.minimize(steps, f, 5*time.Second)
		r.compared = compared // replays are not new coverage
		if ms != nil && mf != nil && len(mf.history) < len(f.history) {
			msg += fmt.Sprintf("minimised to %d commands:\n%s", len(mf.history), report(mf, r.sut.name(), 1000))
		}
	}
	t.Error(msg)
}
