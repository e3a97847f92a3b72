package text

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// tokenizeCases were checked against the prompt of redis-cli 7.0.15
// (sdssplitargs) where the line holds no newline, carriage return or NUL and
// is not blank (redis-cli skips blank lines).
var tokenizeCases = []struct {
	line string
	want []string
	err  error
}{
	// Whitespace.
	{"GET k", []string{"GET", "k"}, nil},
	{"  GET \t k  ", []string{"GET", "k"}, nil},
	{"\r\nLEN\r\n", []string{"LEN"}, nil},
	{"a\tb\nc\rd", []string{"a", "b", "c", "d"}, nil},
	{"\v\fa", []string{"a"}, nil},         // skipped between tokens
	{"a\vb\fc", []string{"a\vb\fc"}, nil}, // but kept inside one
	{"a\v b", []string{"a\v", "b"}, nil},
	{"a\x00b", []string{"a\x00b"}, nil}, // NUL is a byte like any other
	{"SET k v extra tokens", []string{"SET", "k", "v", "extra", "tokens"}, nil},

	// Double quotes.
	{`SET k "hello world"`, []string{"SET", "k", "hello world"}, nil},
	{`""`, []string{""}, nil},
	{`SET k ""`, []string{"SET", "k", ""}, nil},
	{`"a" "b"`, []string{"a", "b"}, nil},
	{`"a"` + "\t" + `"b"`, []string{"a", "b"}, nil},
	{`"a\nb\rc\td\be\af"`, []string{"a\nb\rc\td\be\af"}, nil},
	{`"\\ \""`, []string{`\ "`}, nil},
	{`"\x41\x62\xfF\x00"`, []string{"Ab\xff\x00"}, nil},
	{`"\x4"`, []string{"x4"}, nil},   // not two hex digits: \x is x
	{`"\x4g"`, []string{"x4g"}, nil}, // likewise
	{`"\xg1"`, []string{"xg1"}, nil},
	{`"\q\'\0"`, []string{"q'0"}, nil}, // any other escaped byte is itself
	{`"it's"`, []string{"it's"}, nil},
	{"\"a\nb\"", []string{"a\nb"}, nil}, // a raw newline inside quotes stays
	{`"a b"` + "\v", []string{"a b"}, nil},
	{`ab"c d"`, []string{"abc d"}, nil}, // a quote inside a token opens a quoted part
	{`ab"c d"e`, nil, ErrClosingQuote},
	{`a"b"'c'`, nil, ErrClosingQuote},

	// Single quotes.
	{`'hello world'`, []string{"hello world"}, nil},
	{`''`, []string{""}, nil},
	{`'it\'s'`, []string{"it's"}, nil},
	{`'a\nb'`, []string{`a\nb`}, nil}, // no other escapes
	{`'a\\b'`, []string{`a\\b`}, nil},
	{`'a"b'`, []string{`a"b`}, nil},
	{`x'y z'`, []string{"xy z"}, nil},

	// Unquoted backslashes and quotes are kept... until a quote opens.
	{`a\b \`, []string{`a\b`, `\`}, nil},
	{`a\nb`, []string{`a\nb`}, nil},

	// Unicode passes through byte for byte.
	{`SET clé "värde ✓ 😀"`, []string{"SET", "clé", "värde ✓ 😀"}, nil},
	{"SET k \xff\xfe", []string{"SET", "k", "\xff\xfe"}, nil},
	{`"\xc3\xa9"`, []string{"é"}, nil},

	// Errors.
	{"", nil, ErrEmpty},
	{" \t\r\n\v\f ", nil, ErrEmpty},
	{`"abc`, nil, ErrUnbalancedQuotes},
	{`SET k "abc`, nil, ErrUnbalancedQuotes},
	{`'abc`, nil, ErrUnbalancedQuotes},
	{`"abc\"`, nil, ErrUnbalancedQuotes},
	{`"abc\`, nil, ErrUnbalancedQuotes},
	{`'abc\'`, nil, ErrUnbalancedQuotes},
	{`"`, nil, ErrUnbalancedQuotes},
	{`'`, nil, ErrUnbalancedQuotes},
	{`ab"`, nil, ErrUnbalancedQuotes},
	{`"a"b`, nil, ErrClosingQuote},
	{`'a'b`, nil, ErrClosingQuote},
	{`"a""b"`, nil, ErrClosingQuote},
	{`"a"'b'`, nil, ErrClosingQuote},
	{`SET "k"v w`, nil, ErrClosingQuote},
}

func TestTokenize(t *testing.T) {
	for _, c := range tokenizeCases {
		got, err := Tokenize([]byte(c.line))
		if c.err != nil {
			if !errors.Is(err, c.err) {
				t.Errorf("Tokenize(%q): err %v, want %v", c.line, err, c.err)
			}
			if got != nil {
				t.Errorf("Tokenize(%q): tokens %q alongside an error", c.line, got)
			}
			continue
		}
		if err != nil {
			t.Errorf("Tokenize(%q): unexpected error %v", c.line, err)
			continue
		}
		if !equalTokens(got, toBytes(c.want)) {
			t.Errorf("Tokenize(%q) = %q, want %q", c.line, got, c.want)
		}
	}
}

func TestTokenizeErrorText(t *testing.T) {
	for err, want := range map[error]string{
		ErrEmpty:            "ERR empty query",
		ErrUnbalancedQuotes: "ERR unbalanced quotes in query",
		ErrClosingQuote:     "ERR syntax error: closing quote must be followed by a space",
	} {
		if err.Error() != want {
			t.Errorf("error text %q, want %q", err, want)
		}
	}
}

func TestTokenizeDoesNotAlias(t *testing.T) {
	line := []byte(`SET key "a value" tail`)
	toks, err := Tokenize(line)
	if err != nil {
		t.Fatal(err)
	}
	for i := range line {
		line[i] = '#'
	}
	if !equalTokens(toks, toBytes([]string{"SET", "key", "a value", "tail"})) {
		t.Fatalf("tokens changed with the line: %q", toks)
	}
	// Appending to a token must not run into the next one.
	_ = append(toks[1], "XXXXXXXX"...)
	if string(toks[2]) != "a value" {
		t.Fatalf("append to a token overwrote the next: %q", toks[2])
	}
}

// quote writes tok so that Tokenize reads it back unchanged, in the style
// picked by style: 0 escaped double quotes, 1 single quotes, 2 bare, 3 double
// quotes with raw bytes. A style that cannot hold tok falls back to 0.
func quote(dst, tok []byte, style byte) []byte {
	switch style % 4 {
	case 1:
		if bytes.IndexByte(tok, '\\') < 0 {
			dst = append(dst, '\'')
			for _, c := range tok {
				if c == '\'' {
					dst = append(dst, '\\')
				}
				dst = append(dst, c)
			}
			return append(dst, '\'')
		}
	case 2:
		if len(tok) > 0 && !isSpace(tok[0]) && bytes.IndexAny(tok, " \t\n\r\"'") < 0 {
			return append(dst, tok...)
		}
	case 3:
		dst = append(dst, '"')
		for _, c := range tok {
			if c == '"' || c == '\\' {
				dst = append(dst, '\\')
			}
			dst = append(dst, c)
		}
		return append(dst, '"')
	}
	dst = append(dst, '"')
	for _, c := range tok {
		switch {
		case c == '"' || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\n':
			dst = append(dst, `\n`...)
		case c == '\r':
			dst = append(dst, `\r`...)
		case c == '\t':
			dst = append(dst, `\t`...)
		case c < 0x20 || c >= 0x7f:
			dst = fmt.Appendf(dst, `\x%02x`, c)
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, '"')
}

// separators are the whitespace runs used between re-quoted tokens. A
// vertical tab or form feed right after a bare token would join it, so they
// only follow a true separator.
var separators = []string{" ", "\t", "  \r\n", " \v", "\t\f "}

// joinQuoted quotes every token and joins them with whitespace.
func joinQuoted(toks [][]byte, style byte) []byte {
	var line []byte
	for i, tok := range toks {
		if i > 0 {
			line = append(line, separators[(int(style)+i)%len(separators)]...)
		}
		line = quote(line, tok, style+byte(i))
	}
	return line
}

func TestQuoteRoundTrip(t *testing.T) {
	toks := toBytes([]string{"", "a", " ", `"`, "'", `\`, `\'`, "'\\", "\x00\xff\v", "é", "a b\tc\nd", "\va", "x\v"})
	for style := range byte(8) {
		line := joinQuoted(toks, style)
		got, err := Tokenize(line)
		if err != nil || !equalTokens(got, toks) {
			t.Errorf("style %d: Tokenize(%q) = %q, %v; want %q", style, line, got, err, toks)
		}
	}
}

func FuzzTokenize(f *testing.F) {
	for _, c := range tokenizeCases {
		f.Add([]byte(c.line), byte(0))
	}
	f.Add([]byte(`SET k "v w" 'x\'y' "\x41\n"`), byte(3))
	f.Fuzz(func(t *testing.T, data []byte, style byte) {
		toks, err := Tokenize(data)
		checkTokens(t, data, toks, err)
		if err == nil {
			// Re-quoted tokens read back the same.
			line := joinQuoted(toks, style)
			again, err := Tokenize(line)
			if err != nil || !equalTokens(again, toks) {
				t.Fatalf("tokens %q re-quoted as %q read back as %q, %v", toks, line, again, err)
			}
		}

		// Split in two halves: a line made of both halves with a space
		// between reads as the tokens of each half, one after the other.
		a, b := data[:len(data)/2], data[len(data)/2:]
		ta, ea := Tokenize(a)
		tb, eb := Tokenize(b)
		joined := append(append(append([]byte(nil), a...), ' '), b...)
		tj, ej := Tokenize(joined)
		switch {
		case ea != nil && ea != ErrEmpty:
			// a leaves a quote open or broken; nothing to compare.
		case ea == ErrEmpty && eb != nil:
			if ej != eb {
				t.Fatalf("halves %q + %q: joined err %v, want %v", a, b, ej, eb)
			}
		case ea == ErrEmpty:
			if ej != nil || !equalTokens(tj, tb) {
				t.Fatalf("halves %q + %q: joined %q, %v; want %q", a, b, tj, ej, tb)
			}
		case eb == ErrEmpty:
			if ej != nil || !equalTokens(tj, ta) {
				t.Fatalf("halves %q + %q: joined %q, %v; want %q", a, b, tj, ej, ta)
			}
		case eb != nil:
			if ej != eb {
				t.Fatalf("halves %q + %q: joined err %v, want %v", a, b, ej, eb)
			}
		default:
			want := append(append([][]byte(nil), ta...), tb...)
			if ej != nil || !equalTokens(tj, want) {
				t.Fatalf("halves %q + %q: joined %q, %v; want %q", a, b, tj, ej, want)
			}
		}

		// Any tokens, cut from data, survive quoting.
		var cut [][]byte
		for rest, n := data, 1+int(style%7); len(rest) > 0; n = 1 + (n*5)%9 {
			n = min(n, len(rest))
			cut = append(cut, rest[:n])
			rest = rest[n:]
		}
		if len(cut) > 0 {
			line := joinQuoted(cut, style)
			got, err := Tokenize(line)
			if err != nil || !equalTokens(got, cut) {
				t.Fatalf("tokens %q quoted as %q read back as %q, %v", cut, line, got, err)
			}
		}
	})
}

// checkTokens checks what holds for every result of Tokenize(line).
func checkTokens(t *testing.T, line []byte, toks [][]byte, err error) {
	t.Helper()
	if err != nil {
		if toks != nil {
			t.Fatalf("Tokenize(%q): tokens %q alongside error %v", line, toks, err)
		}
		switch err {
		case ErrEmpty, ErrUnbalancedQuotes, ErrClosingQuote:
		default:
			t.Fatalf("Tokenize(%q): unknown error %v", line, err)
		}
		if (err == ErrEmpty) != (len(bytes.TrimLeft(line, " \t\n\v\f\r")) == 0) {
			t.Fatalf("Tokenize(%q): ErrEmpty is for blank lines only, got %v", line, err)
		}
		return
	}
	if len(toks) == 0 {
		t.Fatalf("Tokenize(%q): no tokens and no error", line)
	}
	total := 0
	for _, tok := range toks {
		total += len(tok)
	}
	if total > len(line) {
		t.Fatalf("Tokenize(%q): %d token bytes from a %d-byte line", line, total, len(line))
	}
	// Without quotes nothing is decoded: every non-separator byte is kept.
	if bytes.IndexAny(line, `"'`) < 0 {
		kept := 0
		for i, c := range line {
			switch c {
			case ' ', '\t', '\n', '\r':
			case '\v', '\f':
				// Kept unless skipped before a token.
				if !startsToken(line, i) {
					kept++
				}
			default:
				kept++
			}
		}
		if kept != total {
			t.Fatalf("Tokenize(%q) = %q: %d token bytes, want %d", line, toks, total, kept)
		}
	}
}

// startsToken reports whether line[i], a vertical tab or form feed in a line
// without quotes, is skipped as leading whitespace: whether every byte back to
// the previous separator (or the start) is whitespace.
func startsToken(line []byte, i int) bool {
	for j := i - 1; j >= 0; j-- {
		switch line[j] {
		case ' ', '\t', '\n', '\r':
			return true
		case '\v', '\f':
		default:
			return false
		}
	}
	return true
}

func toBytes(ss []string) [][]byte {
	out := make([][]byte, len(ss))
	for i, s := range ss {
		out[i] = []byte(s)
	}
	return out
}

func equalTokens(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}
