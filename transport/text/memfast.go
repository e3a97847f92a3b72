package text

import "github.com/memshard/memshard/shard/reply"

// mode says how a Query's reply is rendered.
type mode uint8

const (
	modeGeneric mode = iota // AppendGeneric
	modeSet                 // SET k v run as SET k v GET: nil is Inserted!, else the old value
	modeDel                 // integer is Deleted!
	modeExists              // integer > 0 is true, else false
	modeBool                // integer != 0 is true, else false (ISEMPTY)
	modeClear               // OK is Cleared!
	modeDump                // OK is Dumped!
	modeNet                 // OK is Created!
	modeSetSync             // OK is Synced!
)

// okText is what each mode that answers an OK status says instead.
var okText = [...]string{
	modeClear:   "Cleared!",
	modeDump:    "Dumped!",
	modeNet:     "Created!",
	modeSetSync: "Synced!",
}

// Query is a tokenized MemFast command ready to run: Args go to the engine,
// and Render turns the engine's reply into MemFast text. A Query is a small
// value; copy it freely and use it from any goroutine.
type Query struct {
	// Args is the command to execute. It is the slice given to Prepare,
	// except for SET k v, which becomes a new slice SET k v GET sharing the
	// first three tokens.
	Args [][]byte
	mode mode
}

// Prepare decides how the reply to the tokenized command args is rendered and
// returns what to execute. The command name is matched in any case; args is
// not modified and Args aliases its tokens. Safe for concurrent use.
func Prepare(args [][]byte) Query {
	q := Query{Args: args}
	if len(args) == 0 {
		return q
	}
	name := args[0]
	switch {
	case equalFold(name, "SET"):
		if len(args) == 3 {
			q.Args = [][]byte{args[0], args[1], args[2], []byte("GET")}
			q.mode = modeSet
		}
	case equalFold(name, "DEL"):
		q.mode = modeDel
	case equalFold(name, "EXISTS"):
		if len(args) == 2 {
			q.mode = modeExists
		}
	case equalFold(name, "ISEMPTY"):
		q.mode = modeBool
	case equalFold(name, "CLEAR"):
		q.mode = modeClear
	case equalFold(name, "DUMP"):
		q.mode = modeDump
	case equalFold(name, "NET"):
		q.mode = modeNet
	case equalFold(name, "SETSYNC"):
		q.mode = modeSetSync
	}
	// GET and LEN need nothing beyond the generic rendering.
	return q
}

// Render returns the MemFast text of r, the engine's reply to q.Args. Errors
// are always their text. Safe for concurrent use.
func (q Query) Render(r reply.Reply) string {
	if s, ok := q.fixed(r); ok {
		return s
	}
	return RenderGeneric(r)
}

// AppendRender appends the MemFast text of r, the engine's reply to q.Args,
// to dst and returns the extended slice. Safe for concurrent use; it
// allocates only to grow dst.
func (q Query) AppendRender(dst []byte, r reply.Reply) []byte {
	if s, ok := q.fixed(r); ok {
		return append(dst, s...)
	}
	return AppendGeneric(dst, r)
}

// fixed returns the MemFast-specific text for r, if q's command has one for
// a reply of r's kind.
func (q Query) fixed(r reply.Reply) (string, bool) {
	switch q.mode {
	case modeSet:
		if r.Kind == reply.KindNil {
			return "Inserted!", true
		}
	case modeDel:
		if r.Kind == reply.KindInt {
			return "Deleted!", true
		}
	case modeExists:
		if r.Kind == reply.KindInt {
			return boolText(r.Int > 0), true
		}
	case modeBool:
		if r.Kind == reply.KindInt {
			return boolText(r.Int != 0), true
		}
	case modeClear, modeDump, modeNet, modeSetSync:
		if r.Kind == reply.KindStatus && string(r.Str) == "OK" {
			return okText[q.mode], true
		}
	}
	return "", false
}

// boolText returns true or false.
func boolText(b bool) string {
	if b {
		return textTrue
	}
	return textFalse
}

// equalFold reports whether b equals the upper-case ASCII word upper, ignoring
// ASCII case only (so that no Unicode folding makes "ſet" a SET).
func equalFold(b []byte, upper string) bool {
	if len(b) != len(upper) {
		return false
	}
	for i := range len(b) {
		c := b[i]
		if 'a' <= c && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != upper[i] {
			return false
		}
	}
	return true
}
