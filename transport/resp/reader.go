package resp

import (
	"github.com/memshard/memshard/shard"
	"github.com/memshard/memshard/transport/text"
)

// keepEntries bounds the internal slices a Parser keeps between calls: one
// grown past it by a huge pipeline or command is dropped rather than held
// for the life of the connection.
const keepEntries = 4096

// Parser states: what the command at the start of the buffer is, and how far
// its parsing got.
const (
	stIdle   uint8 = iota // between commands
	stInline              // looking for the '\n' that ends an inline command
	stCount               // looking for the end of a multibulk's count line
	stArgs                // reading a multibulk's arguments
)

// span locates an argument of the command being parsed: off bytes from the
// start of the command, n bytes long.
type span struct{ off, n int }

// Parser parses pipelined commands out of a connection's read buffer
// without allocating per command: the arguments of multibulk commands alias
// the buffer (inline commands, typed by hand, get a buffer of their own).
// One Parser serves one connection and is used by one goroutine.
//
// A Parser remembers how far it got into a command that the buffer ended
// inside of, so that a large command arriving over many reads is parsed
// once, not once per read.
type Parser struct {
	lim  Limits
	cmds [][][]byte // the commands of the last Parse; elements slice args
	args [][]byte   // the arguments of every command of the last Parse

	// The command in progress. Offsets count from its first byte, which is
	// the first byte of every buffer passed to Parse until it completes.
	state uint8
	nul   bool   // a NUL byte hides the end of the current line
	scan  int    // the current line holds no line end before scan
	pos   int    // where the next argument (header or data) starts
	left  int    // arguments still to read
	bulk  int    // length of the argument whose header was read, or -1
	spans []span // arguments read so far
}

// NewParser returns a parser for a new connection that enforces lim.
func NewParser(lim Limits) *Parser {
	p := &Parser{lim: lim.withDefaults()}
	p.reset()
	return p
}

// SetLimits changes the limits, e.g. after AUTH lifts the unauthenticated
// ones. A command already in progress keeps the checks it passed; the rest
// of it is checked against lim. Call it from the connection's goroutine,
// between two calls of Parse.
func (p *Parser) SetLimits(lim Limits) { p.lim = lim.withDefaults() }

// Parse parses every complete command at the start of buf and returns:
//
//   - cmds: the commands, each a list of arguments (the name first). They
//     alias buf and the Parser: they are valid until the next call of Parse
//     and while buf is unchanged.
//   - used: how many bytes of buf the commands took, including empty
//     commands (*0, *-1, a blank inline line), which are consumed and
//     produce nothing, as in Redis.
//   - need: when buf ends inside a command, a lower bound on how many more
//     bytes must be read before Parse can make progress (never more than
//     the rest of an argument whose length was declared, plus its CRLF), so
//     that the caller can grow its buffer; else 0.
//   - err: a *ProtocolError found after the commands returned. Run them,
//     then reply AppendError(dst, err.Msg) and close the connection.
//
// The next call must pass a buffer that starts with buf[used:] (the same
// bytes, possibly moved to another array) followed by what was read since.
//
// When need and err are zero but used < len(buf), Parse stopped early and
// must be called again on buf[used:] before reading more. Redis parses each
// command only after the previous one ran, so a command can change the
// limits the next one is parsed with; Parse stops where that matters, so
// that the server can run the commands and call SetLimits first:
//
//   - while the connection is unauthenticated, before a command over the
//     unauthenticated limits, if commands (an AUTH, perhaps) precede it;
//   - after a RESET, which makes the connection unauthenticated again when
//     a password is required.
func (p *Parser) Parse(buf []byte) (cmds [][][]byte, used int, need int, err error) {
	if cap(p.cmds) > keepEntries {
		p.cmds = nil
	}
	if cap(p.args) > keepEntries {
		p.args = nil
	}
	p.cmds, p.args = p.cmds[:0], p.args[:0]
	if p.state != stIdle && (p.pos > len(buf) || p.scan > len(buf)) {
		p.reset() // not the buffer the command in progress came from
	}
	for used < len(buf) {
		if p.state == stIdle {
			if buf[used] == '*' {
				if end, reset := p.fast(buf, used); end > 0 {
					used = end
					if reset {
						break // it may bring the unauthenticated limits back
					}
					continue
				}
				p.state = stCount
			} else {
				p.state = stInline
			}
		}
		var end int
		var perr *ProtocolError
		before := len(p.cmds)
		if p.state == stInline {
			end, need, perr = p.inline(buf, used)
		} else {
			end, need, perr = p.multibulk(buf, used)
		}
		if perr != nil {
			p.reset()
			if len(p.cmds) > 0 && (perr == errUnauthMbulkLen || perr == errUnauthBulkLen) {
				break // the commands before it may authenticate
			}
			return p.cmds, used, 0, perr
		}
		if need > 0 {
			break
		}
		used = end
		if len(p.cmds) > before && isReset(p.cmds[before]) {
			break // it may bring the unauthenticated limits back
		}
	}
	if p.state == stIdle && cap(p.spans) > keepEntries {
		p.spans = nil
	}
	return p.cmds, used, need, nil
}

// isReset reports whether c is the command RESET (in any case).
func isReset(c [][]byte) bool {
	if len(c) != 1 || len(c[0]) != 5 {
		return false
	}
	for i, want := range []byte("RESET") {
		if c[0][i]&^0x20 != want {
			return false
		}
	}
	return true
}

// inArgument reports whether the last Parse stopped inside the data of an
// argument whose length was declared: its need is then exactly what
// completes that argument, not a lower bound.
func (p *Parser) inArgument() bool { return p.state == stArgs && p.bulk >= 0 }

// release forgets the arguments of the last Parse, which alias the buffer it
// parsed (down to the unused capacity that later calls reuse), so that the
// buffer can be freed. The commands of the last Parse are invalid after it.
func (p *Parser) release() {
	clear(p.args[:cap(p.args)])
	clear(p.cmds[:cap(p.cmds)])
}

// reset forgets the command in progress.
func (p *Parser) reset() {
	p.state = stIdle
	p.nul = false
	p.scan, p.pos, p.left, p.bulk = 0, 0, 0, -1
	p.spans = p.spans[:0]
}

// inline parses the inline command at buf[start:]. It returns the offset
// just past it, or need > 0 when its line has not ended yet.
func (p *Parser) inline(buf []byte, start int) (end, need int, err *ProtocolError) {
	nl, need, err := p.line(buf, start, start, '\n', errTooBigInline)
	if err != nil || need > 0 {
		return 0, need, err
	}
	line := buf[start:nl]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	p.reset()
	switch tokens, terr := text.Tokenize(line); terr {
	case nil:
		first := len(p.args)
		p.args = append(p.args, tokens...)
		p.cmds = append(p.cmds, p.args[first:len(p.args):len(p.args)])
	case text.ErrEmpty: // a blank line: nothing to run
	default: // sdssplitargs fails on both of Tokenize's other errors
		return 0, 0, errUnbalancedQuotes
	}
	return nl + 1, 0, nil
}

// fast parses the multibulk command at buf[start:] when it is the common
// case: complete, well-formed, at least one argument, within the limits,
// and with plain numbers (no sign, no leading zero, CRLF after them). It
// appends the command and returns the offset just past it and whether the
// command is RESET, or returns -1 having changed nothing, and multibulk then
// applies all the rules.
func (p *Parser) fast(buf []byte, start int) (end int, reset bool) {
	lim := &p.lim
	n, pos := fastNum(buf, start)
	if pos < 0 || n == 0 || int64(n) > lim.MaxMultibulkLen || lim.Unauthenticated && n > UnauthMaxMultibulkLen {
		return -1, false
	}
	args := p.args
	first := len(args)
	for ; n > 0; n-- {
		if pos >= len(buf) || buf[pos] != '$' {
			return -1, false
		}
		// fastNum, by hand: it is too big to be inlined.
		l, i := 0, pos+1
		for ; i < len(buf); i++ {
			d := buf[i] - '0'
			if d > 9 {
				break
			}
			l = l*10 + int(d)
		}
		digits := i - pos - 1
		if digits == 0 || digits > 18 || i+1 >= len(buf) || buf[i] != '\r' || digits > 1 && buf[pos+1] == '0' {
			return -1, false
		}
		data := i + 2
		if int64(l) > lim.MaxBulkLen || lim.Unauthenticated && l > UnauthMaxBulkLen {
			return -1, false
		}
		end := data + l
		if end+2 > len(buf) {
			return -1, false
		}
		args = append(args, buf[data:end:end])
		pos = end + 2
	}
	p.args = args
	c := args[first:len(args):len(args)]
	p.cmds = append(p.cmds, c)
	return pos, len(c) == 1 && isReset(c)
}

// fastNum reads the plain number of the header line at buf[start] (after
// its '*' or '$'): 1 to 18 digits without a leading zero (or just 0), then
// '\r' and one more byte. It returns the number and the offset after the
// line, or -1 for anything else.
func fastNum(buf []byte, start int) (n, next int) {
	i := start + 1
	for ; i < len(buf); i++ {
		d := buf[i] - '0'
		if d > 9 {
			break
		}
		n = n*10 + int(d)
	}
	digits := i - start - 1
	if digits == 0 || digits > 18 || i+1 >= len(buf) || buf[i] != '\r' || digits > 1 && buf[start+1] == '0' {
		return 0, -1
	}
	return n, i + 2
}

// multibulk parses, or goes on parsing, the multibulk command at
// buf[start:]. It returns the offset just past it, or need > 0 when buf ends
// inside it; then p holds how far it got.
func (p *Parser) multibulk(buf []byte, start int) (end, need int, err *ProtocolError) {
	pos, left, bulk := start+p.pos, p.left, p.bulk
	if p.state == stCount {
		eol, need, err := p.line(buf, start, start, '\r', errTooBigMbulkCount)
		if err != nil || need > 0 {
			return 0, need, err
		}
		n, ok := shard.ParseInt(buf[start+1 : eol])
		if !ok || n > p.lim.MaxMultibulkLen {
			return 0, 0, errInvalidMbulkLen
		}
		if n > UnauthMaxMultibulkLen && p.lim.Unauthenticated {
			return 0, 0, errUnauthMbulkLen
		}
		end = eol + 2 // the byte after '\r' is not looked at
		if n <= 0 {
			p.reset()
			return end, 0, nil
		}
		pos, left, bulk = end, int(n), -1
		p.state = stArgs
	}
	for left > 0 {
		if bulk < 0 {
			eol, need, err := p.line(buf, start, pos, '\r', errTooBigBulkCount)
			if err != nil {
				return 0, 0, err
			}
			if need > 0 {
				p.pos, p.left, p.bulk = pos-start, left, bulk
				return 0, need, nil
			}
			if c := buf[pos]; c != '$' {
				return 0, 0, errExpectedDollar(c)
			}
			n, ok := shard.ParseInt(buf[pos+1 : eol])
			if !ok || n < 0 || n > p.lim.MaxBulkLen {
				return 0, 0, errInvalidBulkLen
			}
			if n > UnauthMaxBulkLen && p.lim.Unauthenticated {
				return 0, 0, errUnauthBulkLen
			}
			pos, bulk = eol+2, int(n)
		}
		if have := len(buf) - pos; have < bulk+2 {
			p.pos, p.left, p.bulk = pos-start, left, bulk
			return 0, bulk + 2 - have, nil
		}
		p.spans = append(p.spans, span{pos - start, bulk})
		pos += bulk + 2 // the two bytes after the data are not looked at
		left, bulk = left-1, -1
	}
	first := len(p.args)
	for _, s := range p.spans {
		i := start + s.off
		p.args = append(p.args, buf[i:i+s.n:i+s.n])
	}
	p.cmds = append(p.cmds, p.args[first:len(p.args):len(p.args)])
	p.reset()
	return pos, 0, nil
}

// line finds the end of the line that starts at buf[from] in the command
// that starts at buf[start]: the first delim, as C's strchr finds it, so a
// NUL byte before it hides it. It returns delim's index, or need > 0 when
// the line has not ended yet (for '\r', the byte after it must have arrived
// too), or tooBig when it has not and the buffer holds more than the inline
// limit from the line's start. As in Redis, a line whose end is in the
// buffer is never too big, however long: the limit bounds what a line that
// has not ended makes the server hold.
func (p *Parser) line(buf []byte, start, from int, delim byte, tooBig *ProtocolError) (eol, need int, err *ProtocolError) {
	limit := p.lim.MaxInlineLen
	for i := max(from, start+p.scan); !p.nul && i < len(buf); i++ {
		switch buf[i] {
		case delim:
			if delim == '\r' && i+1 == len(buf) {
				p.scan = i - start
				return 0, 1, nil
			}
			p.scan = 0
			return i, 0, nil
		case 0:
			p.nul = true
		}
	}
	have := len(buf) - from
	if have > limit {
		return 0, 0, tooBig
	}
	if p.nul {
		// Only the limit can end this line: wait until it is passed.
		return 0, limit + 1 - have, nil
	}
	p.scan = len(buf) - start
	if delim == '\r' {
		return 0, min(2, limit+1-have), nil
	}
	return 0, 1, nil
}
