package httpapi

import (
	"errors"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// maxDepth is the deepest nesting of arrays and objects a body may have,
// the limit encoding/json enforces.
const maxDepth = 10000

// decoder decodes JSON command arrays in one pass over the body without
// allocating once its buffers are warm: argument bytes are unescaped into
// buf and the argument slices point into it, so they are valid until the
// next decode. It accepts and refuses exactly what encoding/json would
// (strings with invalid UTF-8 or lone surrogates get U+FFFD as it does), and
// a syntax error anywhere in the body wins over a shape or argument error.
// A decoder is owned by one goroutine at a time; the server pools them.
type decoder struct {
	in  []byte
	pos int

	buf   []byte     // unescaped argument bytes
	ends  []int      // end in buf of every argument
	cmds  []int      // end in ends of every command (pipelines)
	args  [][]byte   // the arguments, slices of buf
	batch [][][]byte // the commands of a pipeline, slices of args
	txn   [][][]byte // MULTI, batch, EXEC (the event loop's /multi-exec)
	stack []byte     // open brackets while skipping a nested value
}

// reset starts decoding body, keeping the buffers.
func (d *decoder) reset(body []byte) {
	d.in, d.pos = body, 0
	d.buf, d.ends, d.cmds = d.buf[:0], d.ends[:0], d.cmds[:0]
	if d.buf == nil {
		d.buf = make([]byte, 0, 256) // empty arguments are never nil
	}
}

// release drops the reference to the last body and a buffer a large body
// grew, so a pooled decoder stays small.
func (d *decoder) release() {
	d.in = nil
	if cap(d.buf) > 64<<10 || cap(d.args) > 4096 {
		*d = decoder{}
	}
}

// command decodes one command array, as DecodeCommand does.
func (d *decoder) command(body []byte) ([][]byte, error) {
	d.reset(body)
	d.ws()
	if d.peek() != '[' {
		return nil, d.notArray(ErrEmptyCommand, ErrMalformedJSON)
	}
	ok, err := d.array(1)
	if !ok || !d.end() {
		return nil, ErrMalformedJSON
	}
	if err != nil {
		return nil, err
	}
	d.build()
	return d.args, nil
}

// pipeline decodes an array of command arrays, as DecodePipeline does.
func (d *decoder) pipeline(body []byte) ([][][]byte, error) {
	d.reset(body)
	d.ws()
	if d.peek() != '[' {
		return nil, d.notArray(ErrEmptyPipeline, ErrPipelineShape)
	}
	d.pos++
	var first error // the first command's argument error
	firstAt, shape := 0, false
	d.ws()
	if d.peek() != ']' {
		for {
			d.ws()
			var err error
			switch d.peek() {
			case '[':
				ok, e := d.array(2)
				if !ok {
					return nil, ErrMalformedJSON
				}
				err = e
			case 'n':
				if !d.literal("null") {
					return nil, ErrMalformedJSON
				}
				err = ErrEmptyCommand
			default:
				if !d.skip(1) {
					return nil, ErrMalformedJSON
				}
				shape = true
			}
			d.cmds = append(d.cmds, len(d.ends))
			if err != nil && first == nil {
				first, firstAt = err, len(d.cmds)
			}
			d.ws()
			if d.peek() == ',' {
				d.pos++
				continue
			}
			break
		}
	}
	if d.peek() != ']' {
		return nil, ErrMalformedJSON
	}
	d.pos++
	switch {
	case !d.end():
		return nil, ErrMalformedJSON
	case shape:
		return nil, ErrPipelineShape
	case len(d.cmds) == 0:
		return nil, ErrEmptyPipeline
	case first != nil:
		return nil, commandError(first, firstAt)
	}
	d.build()
	return d.batch, nil
}

// commandError names the command (counting from 1) an error belongs to.
func commandError(err error, n int) error {
	return errors.New(err.Error() + " (command " + strconv.Itoa(n) + ")")
}

// notArray finishes a body whose top-level value is not an array: null
// gives ifNull, any other valid value ifOther, invalid JSON
// ErrMalformedJSON.
func (d *decoder) notArray(ifNull, ifOther error) error {
	null := d.peek() == 'n'
	if !d.skip(0) || !d.end() {
		return ErrMalformedJSON
	}
	if null {
		return ifNull
	}
	return ifOther
}

// build points args (and batch, for a pipeline) at the decoded bytes.
func (d *decoder) build() {
	d.args = d.args[:0]
	start := 0
	for _, end := range d.ends {
		d.args = append(d.args, d.buf[start:end:end])
		start = end
	}
	d.batch = d.batch[:0]
	start = 0
	for _, end := range d.cmds {
		d.batch = append(d.batch, d.args[start:end:end])
		start = end
	}
}

// array decodes the command array at d.pos, nested depth deep, appending
// its arguments. ok is false on a syntax error; err is the first argument
// error, which counts only when the whole body is valid JSON.
func (d *decoder) array(depth int) (ok bool, err error) {
	d.pos++ // '['
	d.ws()
	if d.peek() == ']' {
		d.pos++
		return true, ErrEmptyCommand
	}
	for i := 0; ; i++ {
		d.ws()
		isString := d.peek() == '"'
		e := d.arg(depth)
		if e == errSyntax {
			return false, nil
		}
		if i == 0 && !isString {
			e = ErrCommandName
		}
		if err == nil {
			err = e
		}
		d.ws()
		switch d.peek() {
		case ',':
			d.pos++
		case ']':
			d.pos++
			return true, err
		default:
			return false, nil
		}
	}
}

// errSyntax marks invalid JSON inside the decoder; callers turn it into
// ErrMalformedJSON.
var errSyntax = errors.New("httpapi: JSON syntax error")

// arg decodes the value at d.pos, inside depth open arrays, as one argument
// appended to buf. It returns errSyntax for invalid JSON, or the argument
// error of a valid value that cannot be an argument.
func (d *decoder) arg(depth int) error {
	switch c := d.peek(); {
	case c == '"':
		if !d.str() {
			return errSyntax
		}
	case c == 't':
		if !d.literal("true") {
			return errSyntax
		}
		d.buf = append(d.buf, '1')
	case c == 'f':
		if !d.literal("false") {
			return errSyntax
		}
		d.buf = append(d.buf, '0')
	case c == '-' || c >= '0' && c <= '9':
		start := d.pos
		if !d.number() {
			return errSyntax
		}
		var err error
		if d.buf, err = appendNumber(d.buf, d.in[start:d.pos]); err != nil {
			return err
		}
	default: // null, arrays, objects, or invalid
		if !d.skip(depth) {
			return errSyntax
		}
		return ErrArgumentType
	}
	d.ends = append(d.ends, len(d.buf))
	return nil
}

// appendNumber appends the argument text of a valid JSON number: an
// integer as its decimal text (every digit kept beyond int64; -0 is 0),
// another number as strconv's shortest 'f' form of the float64.
func appendNumber(dst, r []byte) ([]byte, error) {
	if isInteger(r) {
		if len(r) == 2 && r[0] == '-' && r[1] == '0' {
			return append(dst, '0'), nil
		}
		return append(dst, r...), nil
	}
	f, err := strconv.ParseFloat(string(r), 64)
	if err != nil { // valid JSON, so out of range
		return dst, ErrArgumentType
	}
	return strconv.AppendFloat(dst, f, 'f', -1, 64), nil
}

// isInteger reports whether a valid JSON number is written without a
// fraction or an exponent.
func isInteger(r []byte) bool {
	for _, c := range r {
		if c == '.' || c == 'e' || c == 'E' {
			return false
		}
	}
	return true
}

func (d *decoder) peek() byte {
	if d.pos < len(d.in) {
		return d.in[d.pos]
	}
	return 0
}

// ws skips JSON whitespace.
func (d *decoder) ws() {
	for d.pos < len(d.in) {
		switch d.in[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

// end reports whether only whitespace is left.
func (d *decoder) end() bool {
	d.ws()
	return d.pos == len(d.in)
}

// literal consumes lit (true, false, null) at d.pos.
func (d *decoder) literal(lit string) bool {
	if len(d.in)-d.pos < len(lit) || string(d.in[d.pos:d.pos+len(lit)]) != lit {
		return false
	}
	d.pos += len(lit)
	return true
}

// number consumes a JSON number at d.pos.
func (d *decoder) number() bool {
	in, i := d.in, d.pos
	if i < len(in) && in[i] == '-' {
		i++
	}
	switch {
	case i < len(in) && in[i] == '0':
		i++
	case i < len(in) && in[i] >= '1' && in[i] <= '9':
		i = digits(in, i)
	default:
		return false
	}
	if i < len(in) && in[i] == '.' {
		j := digits(in, i+1)
		if j == i+1 {
			return false
		}
		i = j
	}
	if i < len(in) && (in[i] == 'e' || in[i] == 'E') {
		i++
		if i < len(in) && (in[i] == '+' || in[i] == '-') {
			i++
		}
		j := digits(in, i)
		if j == i {
			return false
		}
		i = j
	}
	d.pos = i
	return true
}

func digits(in []byte, i int) int {
	for i < len(in) && in[i] >= '0' && in[i] <= '9' {
		i++
	}
	return i
}

// str unescapes the JSON string at d.pos into buf, as encoding/json does:
// invalid UTF-8 bytes and unpaired surrogate escapes become U+FFFD.
func (d *decoder) str() bool {
	in, i := d.in, d.pos+1
	for {
		start := i
		for i < len(in) {
			c := in[i]
			if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
				break
			}
			i++
		}
		d.buf = append(d.buf, in[start:i]...)
		if i >= len(in) {
			return false
		}
		switch c := in[i]; {
		case c == '"':
			d.pos = i + 1
			return true
		case c < 0x20:
			return false
		case c == '\\':
			n := d.escape(in[i:])
			if n == 0 {
				return false
			}
			i += n
		default:
			r, n := utf8.DecodeRune(in[i:])
			if r == utf8.RuneError && n == 1 {
				d.buf = utf8.AppendRune(d.buf, utf8.RuneError)
			} else {
				d.buf = append(d.buf, in[i:i+n]...)
			}
			i += n
		}
	}
}

// escape appends the character of the escape sequence at the start of s
// and returns its length, 0 when it is invalid.
func (d *decoder) escape(s []byte) int {
	if len(s) < 2 {
		return 0
	}
	var c byte
	switch s[1] {
	case '"', '\\', '/':
		c = s[1]
	case 'b':
		c = '\b'
	case 'f':
		c = '\f'
	case 'n':
		c = '\n'
	case 'r':
		c = '\r'
	case 't':
		c = '\t'
	case 'u':
		r := hex4(s)
		if r < 0 {
			return 0
		}
		if utf16.IsSurrogate(r) {
			if dec := utf16.DecodeRune(r, hex4(s[6:])); dec != utf8.RuneError {
				d.buf = utf8.AppendRune(d.buf, dec)
				return 12
			}
			r = utf8.RuneError
		}
		d.buf = utf8.AppendRune(d.buf, r)
		return 6
	default:
		return 0
	}
	d.buf = append(d.buf, c)
	return 2
}

// hex4 reads \uXXXX at the start of s, -1 if s does not start with one.
func hex4(s []byte) rune {
	if len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
		return -1
	}
	var r rune
	for _, c := range s[2:6] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			c = c - 'A' + 10
		default:
			return -1
		}
		r = r<<4 | rune(c)
	}
	return r
}

// skip validates the JSON value at d.pos, nested inside depth open arrays
// or objects, and moves past it without decoding.
func (d *decoder) skip(depth int) bool {
	stack := d.stack[:0]
	defer func() { d.stack = stack }()
	for {
		// A value.
		d.ws()
		switch c := d.peek(); {
		case c == '[' || c == '{':
			if depth+len(stack) >= maxDepth {
				return false
			}
			d.pos++
			stack = append(stack, c)
			d.ws()
			if c == '[' && d.peek() != ']' {
				continue
			}
			if c == '{' && d.peek() != '}' {
				if !d.key() {
					return false
				}
				continue
			}
			d.pos++
			stack = stack[:len(stack)-1]
		case c == '"':
			mark := len(d.buf)
			ok := d.str()
			d.buf = d.buf[:mark]
			if !ok {
				return false
			}
		case c == 't':
			if !d.literal("true") {
				return false
			}
		case c == 'f':
			if !d.literal("false") {
				return false
			}
		case c == 'n':
			if !d.literal("null") {
				return false
			}
		default:
			if !d.number() {
				return false
			}
		}
		// After a value: close containers until a comma asks for the next.
		for {
			if len(stack) == 0 {
				return true
			}
			d.ws()
			top, c := stack[len(stack)-1], d.peek()
			if c == ',' {
				d.pos++
				if top == '{' && !d.key() {
					return false
				}
				break
			}
			if top == '[' && c == ']' || top == '{' && c == '}' {
				d.pos++
				stack = stack[:len(stack)-1]
				continue
			}
			return false
		}
	}
}

// key consumes an object key and its colon.
func (d *decoder) key() bool {
	d.ws()
	if d.peek() != '"' {
		return false
	}
	mark := len(d.buf)
	ok := d.str()
	d.buf = d.buf[:mark]
	if !ok {
		return false
	}
	d.ws()
	if d.peek() != ':' {
		return false
	}
	d.pos++
	return true
}
