package text

import "errors"

// Tokenize errors. Their text is sent to the client as is.
var (
	// ErrEmpty is returned for a line that holds nothing but whitespace.
	ErrEmpty = errors.New("ERR empty query")
	// ErrUnbalancedQuotes is returned when a quote is never closed.
	ErrUnbalancedQuotes = errors.New("ERR unbalanced quotes in query")
	// ErrClosingQuote is returned when a closing quote is followed by
	// something other than whitespace or the end of the line.
	ErrClosingQuote = errors.New("ERR syntax error: closing quote must be followed by a space")
)

// Tokenize splits line into tokens as redis-cli does (see the package doc).
// The tokens share one newly allocated buffer, never line itself, and each is
// capped so that appending to one cannot overwrite the next. Safe for
// concurrent use.
func Tokenize(line []byte) ([][]byte, error) {
	var (
		buf    []byte // decoded bytes of every token; never longer than line
		tokens [][]byte
	)
	i, n := 0, len(line)
	for {
		for i < n && isSpace(line[i]) {
			i++
		}
		if i == n {
			break
		}
		if buf == nil {
			buf = make([]byte, 0, n-i)
			// Room for most commands; a line of n bytes holds at most
			// (n+1)/2 tokens.
			tokens = make([][]byte, 0, min(8, (n-i+1)/2))
		}
		start := len(buf)
		var err error
		if buf, i, err = scanToken(buf, line, i); err != nil {
			return nil, err
		}
		tokens = append(tokens, buf[start:len(buf):len(buf)])
	}
	if len(tokens) == 0 {
		return nil, ErrEmpty
	}
	return tokens, nil
}

// scanToken decodes the token that starts at line[i] (not whitespace) onto
// buf and returns buf and the index just past the token.
func scanToken(buf, line []byte, i int) ([]byte, int, error) {
	n := len(line)
	for i < n {
		switch c := line[i]; c {
		case ' ', '\t', '\n', '\r':
			return buf, i + 1, nil
		case '"':
			i++
			for {
				if i == n {
					return nil, 0, ErrUnbalancedQuotes
				}
				c := line[i]
				switch {
				case c == '\\' && i+3 < n && line[i+1] == 'x' && isHex(line[i+2]) && isHex(line[i+3]):
					buf = append(buf, unhex(line[i+2])<<4|unhex(line[i+3]))
					i += 4
				case c == '\\' && i+1 < n:
					buf = append(buf, unescape(line[i+1]))
					i += 2
				case c == '"':
					i++
					if i < n && !isSpace(line[i]) {
						return nil, 0, ErrClosingQuote
					}
					return buf, i, nil
				default:
					buf = append(buf, c)
					i++
				}
			}
		case '\'':
			i++
			for {
				if i == n {
					return nil, 0, ErrUnbalancedQuotes
				}
				c := line[i]
				switch {
				case c == '\\' && i+1 < n && line[i+1] == '\'':
					buf = append(buf, '\'')
					i += 2
				case c == '\'':
					i++
					if i < n && !isSpace(line[i]) {
						return nil, 0, ErrClosingQuote
					}
					return buf, i, nil
				default:
					buf = append(buf, c)
					i++
				}
			}
		default:
			buf = append(buf, c)
			i++
		}
	}
	return buf, i, nil
}

// isSpace reports whether c is whitespace in the C locale.
func isSpace(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}

// isHex reports whether c is a hexadecimal digit.
func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// unhex returns the value of the hexadecimal digit c.
func unhex(c byte) byte {
	switch {
	case c <= '9':
		return c - '0'
	case c <= 'F':
		return c - 'A' + 10
	default:
		return c - 'a' + 10
	}
}

// unescape returns the byte that a backslash followed by c stands for inside
// double quotes.
func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 'r':
		return '\r'
	case 't':
		return '\t'
	case 'b':
		return '\b'
	case 'a':
		return '\a'
	}
	return c
}
