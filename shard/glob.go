package shard

// Glob matching for KEYS, SCAN MATCH and every other command that takes a
// pattern. The rules are those of Redis 7's stringmatchlen, quirks included:
//
//	*        any run of bytes, the empty run included; consecutive stars act as one
//	?        exactly one byte
//	[abc]    one byte out of the set; [^abc] one byte not in it
//	[a-z]    a range, ends included; a reversed range [z-a] is swapped first
//	\c       the byte c itself, outside brackets and inside them
//	c        any other byte stands for itself
//
// The quirks that follow from Redis's byte-by-byte reading of the pattern:
//
//   - The empty string matches only the empty pattern: Match("*", "") is
//     false. KEYS and SCAN special-case the pattern "*" before matching, and
//     callers here must do the same to list the empty key.
//   - A trailing backslash stands for a backslash.
//   - A '[' that is never closed takes the rest of the pattern as its set and
//     still matches one byte: "[ab" matches "a"; "[" alone matches nothing and
//     "[^" matches any one byte.
//   - Inside brackets, "x-y" is a range whenever a '-' follows x, even when y
//     is ']': "[a-]" is the range from 'a' to ']' and leaves the bracket open.
//   - Inside brackets an escaped byte is compared exactly, even with nocase.
//   - Range ends and the tested byte are compared as C's signed char on
//     amd64, so bytes 0x80-0xff sort below 0x00: "[a-\xff]" is swapped into
//     0xff..'a' and matches 0x00-'a' and 0xff, as redis-server does on x86.
//   - nocase folds ASCII letters only; in a range it folds after the swap,
//     so "[Z-a]" matches nothing when nocase is set.
//
// Redis matches recursively, one level per star, and since 7.0.9 gives up
// early once the text after a star has failed at every offset. Every element
// other than a star consumes exactly one byte, so it is enough to remember
// the last star seen: Match does that iteratively, in O(len(pattern) *
// len(s)) time and constant space, for every pattern.
//
// Redis also caps its recursion at 1000 levels (the fix for CVE-2024-31228,
// which the redis-server 7.0.15 build this was checked against carries): a
// match that has to go past a 1001st run of stars, other than a trailing
// one, is reported as no match. Match copies the cap so that KEYS answers
// alike.

// maxStarRuns is the number of runs of stars a match may pass, not counting a
// trailing run, before Redis gives up and reports no match.
const maxStarRuns = 1000

// Match reports whether s matches the glob pattern, with the semantics of
// Redis's stringmatchlen; nocase folds ASCII letters. It never allocates, does
// not retain its arguments, and is safe to call from any goroutine.
func Match(pattern, s []byte, nocase bool) bool {
	if len(s) == 0 {
		return len(pattern) == 0
	}
	p, i := 0, 0        // next pattern byte, next byte of s
	star, mark := -1, 0 // pattern index after the last run of stars, and where in s that run stops
	runs := 0           // runs of stars passed
	for i < len(s) {
		if p < len(pattern) {
			if pattern[p] == '*' {
				for p < len(pattern) && pattern[p] == '*' {
					p++
				}
				if p == len(pattern) {
					return true // a trailing star takes whatever is left
				}
				if runs++; runs > maxStarRuns {
					return false
				}
				star, mark = p, i
				continue
			}
			if next, ok := matchOne(pattern, p, s[i], nocase); ok {
				p = next
				i++
				continue
			}
		}
		if star < 0 {
			return false
		}
		// Let the last star take one more byte and retry what follows it.
		mark++
		p, i = star, mark
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// matchOne matches the single-byte element of pattern that starts at p (not a
// star) against c. It returns the index just past the element and whether c
// matched. Where the element ends never depends on c.
func matchOne(pattern []byte, p int, c byte, nocase bool) (int, bool) {
	switch pattern[p] {
	case '?':
		return p + 1, true
	case '\\':
		if p+1 < len(pattern) {
			return p + 2, sameByte(pattern[p+1], c, nocase)
		}
		return p + 1, sameByte('\\', c, nocase) // trailing backslash
	case '[':
		return matchClass(pattern, p+1, c, nocase)
	default:
		return p + 1, sameByte(pattern[p], c, nocase)
	}
}

// matchClass matches c against the bracket expression whose body starts at p,
// just past the '['. It returns the index past the closing ']' (or the end of
// the pattern when there is none) and whether c is in the set.
func matchClass(pattern []byte, p int, c byte, nocase bool) (int, bool) {
	negate := p < len(pattern) && pattern[p] == '^'
	if negate {
		p++
	}
	in := false
	for {
		n := len(pattern) - p
		switch {
		case n == 0:
			// Unterminated: the set ends with the pattern.
			return p, in != negate
		case pattern[p] == '\\' && n >= 2:
			if pattern[p+1] == c { // exact, even with nocase
				in = true
			}
			p += 2
		case pattern[p] == ']':
			return p + 1, in != negate
		case n >= 3 && pattern[p+1] == '-':
			lo, hi, x := int(int8(pattern[p])), int(int8(pattern[p+2])), int(int8(c))
			if lo > hi {
				lo, hi = hi, lo
			}
			if nocase {
				lo, hi, x = lowerSigned(lo), lowerSigned(hi), lowerSigned(x)
			}
			if lo <= x && x <= hi {
				in = true
			}
			p += 3
		default:
			if sameByte(pattern[p], c, nocase) {
				in = true
			}
			p++
		}
	}
}

// sameByte compares a and b, folding ASCII letters when nocase is set.
func sameByte(a, b byte, nocase bool) bool {
	if a == b {
		return true
	}
	return nocase && lower(a) == lower(b)
}

// lower folds an ASCII upper-case letter to lower case, like C's tolower in
// the C locale.
func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + ('a' - 'A')
	}
	return b
}

// lowerSigned is lower for a byte widened as a signed char.
func lowerSigned(v int) int {
	if 'A' <= v && v <= 'Z' {
		return v + ('a' - 'A')
	}
	return v
}
