package shard

import (
	"bytes"
	"strings"
	"testing"
)

// globCases were checked against redis-server 7.0.15 (amd64) with KEYS where
// nocase is false; the nocase cases follow the same code path with ASCII
// folding (CONFIG GET and ACL use it).
var globCases = []struct {
	pattern, s string
	nocase     bool
	want       bool
}{
	// Empty pattern and empty string.
	{"", "", false, true},
	{"", "a", false, false},
	{"a", "", false, false},
	{"*", "", false, false}, // KEYS special-cases "*"; the matcher itself does not
	{"**", "", false, false},
	{"?", "", false, false},

	// Literals.
	{"abc", "abc", false, true},
	{"abc", "abd", false, false},
	{"abc", "ab", false, false},
	{"ab", "abc", false, false},
	{"abc", "ABC", false, false},
	{"abc", "ABC", true, true},
	{"AbC", "aBc", true, true},
	{"\xe9", "\xc9", true, false}, // folding is ASCII only
	{"a\x00b", "a\x00b", false, true},
	{"a\x00b", "a\x00c", false, false},

	// Stars.
	{"*", "a", false, true},
	{"*", "anything at all", false, true},
	{"***", "abc", false, true},
	{"a*", "a", false, true},
	{"a*", "abc", false, true},
	{"a*", "ba", false, false},
	{"*a", "a", false, true},
	{"*a", "bca", false, true},
	{"*a", "ab", false, false},
	{"a*b", "ab", false, true},
	{"a*b", "axxxb", false, true},
	{"a*b", "axxxbx", false, false},
	{"a*b*c", "abc", false, true},
	{"a*b*c", "aXbYc", false, true},
	{"a*b*c", "aXcYb", false, false},
	{"a**b", "ab", false, true},
	{"*a*", "bab", false, true},
	{"*a*", "bbb", false, false},
	{"a*b*", "ab", false, true},
	{"a*b*", "abxx", false, true},
	{"*ab", "aab", false, true},
	{"*aab", "aaab", false, true},
	{"*abab", "abaabab", false, true},
	{"*b*", "b", false, true},
	{"h*llo", "hllo", false, true},
	{"h*llo", "heeeello", false, true},
	{"*.txt", "a.txt", false, true},
	{"*.txt", "a.txt.bak", false, false},
	{"*X*", "abxcd", true, true},

	// Question marks.
	{"?", "a", false, true},
	{"?", "ab", false, false},
	{"h?llo", "hello", false, true},
	{"h?llo", "hllo", false, false},
	{"??", "\x00\xff", false, true},
	{"*?", "a", false, true},
	{"?*", "a", false, true},
	{"?*?", "a", false, false},
	{"?*?", "ab", false, true},

	// Bracket sets.
	{"h[ae]llo", "hello", false, true},
	{"h[ae]llo", "hallo", false, true},
	{"h[ae]llo", "hillo", false, false},
	{"h[^e]llo", "hallo", false, true},
	{"h[^e]llo", "hello", false, false},
	{"h[a-b]llo", "hbllo", false, true},
	{"h[a-b]llo", "hcllo", false, false},
	{"[a-z]", "m", false, true},
	{"[a-z]", "M", false, false},
	{"[a-z]", "M", true, true},
	{"[A-Z]", "m", true, true},
	{"[z-a]", "m", false, true}, // reversed range is swapped
	{"[z-a]", "z", false, true},
	{"[z-a]", "a", false, true},
	{"[^z-a]", "m", false, false},
	{"[Z-a]", "_", false, true},  // 'Z'..'a' includes [\]^_`
	{"[Z-a]", "_", true, false},  // folded after the swap: 'z'..'a' is empty
	{"[a-Z]", "\\", false, true}, // swapped to 'Z'..'a'
	{"[abc]", "b", false, true},
	{"[abc]", "B", false, false},
	{"[abc]", "B", true, true},
	{"[ABC]", "b", true, true},
	{"[a-cx-z]", "y", false, true},
	{"[a-cx-z]", "d", false, false},
	{"[]", "]", false, false},  // "[]" is an empty set
	{"[]]", "]", false, false}, // an empty set, then a literal ']'
	{"[]]", "x]", false, false},
	{"[]a]", "]", false, false},
	{"[]a]", "]a]", false, false},
	{"[]a]", "]", false, false},
	{"[]a]", "a]", false, false},
	{"[^]", "x", false, true}, // empty negated set takes any byte
	{"[^]", "", false, false},
	{"[-a]", "-", false, true},
	{"[a-]", "b", false, false}, // "a-]" is a range, swapped to ']'..'a'
	{"[a-]", "a", false, true},
	{"[a-]", "`", false, true},
	{"[a-]", "^", false, true},
	{"[a-]", "]", false, true},
	{"[a-]", "z", false, false},
	{"[a-]x", "b", false, false}, // the bracket is still open: "x" joined the set
	{"[a-]x", "x", false, true},
	{"[a-]x]", "a", false, true},
	{"[a-]x]", "ax", false, false},
	{"[a-]]", "a", false, true},
	{"[a-]]", "a]", false, false},
	{"[---]", "-", false, true},
	{"[a--]", "-", false, true},
	{"[a--]", "0", false, true}, // swapped: '-'..'a'
	{"[\x80-\xff]", "\x90", false, true},
	{"[\x80-\xff]", "a", false, false},
	{"[a-\xff]", "b", false, false}, // signed char: swapped to 0xff..'a'
	{"[a-\xff]", "a", false, true},
	{"[a-\xff]", "\x00", false, true},
	{"[a-\xff]", "\xff", false, true},
	{"[a-\xff]", "\xfe", false, false},
	{"[\x7f-\x80]", "\x7f", false, true}, // swapped to 0x80..0x7f: everything
	{"[\x7f-\x80]", "\x00", false, true},
	{"[\x7f-\x80]", "\xc3", false, true},

	// Escapes.
	{"\\*", "*", false, true},
	{"\\*", "a", false, false},
	{"\\?", "?", false, true},
	{"\\?", "a", false, false},
	{"\\[a]", "[a]", false, true},
	{"\\[a]", "a", false, false},
	{"a\\\\b", "a\\b", false, true},
	{"\\a", "a", false, true},
	{"\\A", "a", true, true},  // an escaped literal still folds outside brackets
	{"\\", "\\", false, true}, // trailing backslash stands for itself
	{"a\\", "a\\", false, true},
	{"a\\", "a", false, false},
	{"*\\", "xx\\", false, true},
	{"[\\]]", "]", false, true},
	{"[\\]]", "\\", false, false},
	{"[\\^a]", "^", false, true},
	{"[\\-]", "-", false, true},
	{"[a\\-z]", "m", false, false},
	{"[a\\-z]", "-", false, true},
	{"[\\A]", "a", true, false}, // escaped bytes in a set compare exactly
	{"[\\A]", "A", true, true},
	{"[A]", "a", true, true},
	{"[\\", "\\", false, true}, // open bracket, lone backslash is a literal in the set
	{"[\\", "a", false, false},
	{"*[\\", "ab\\", false, true},

	// Unterminated brackets take the rest of the pattern as the set.
	{"[", "[", false, false},
	{"[", "", false, false},
	{"[^", "x", false, true},
	{"[^", "xy", false, false},
	{"[abc", "a", false, true},
	{"[abc", "c", false, true},
	{"[abc", "d", false, false},
	{"[abc", "ab", false, false},
	{"x[abc", "xb", false, true},
	{"[a*", "*", false, true}, // a star inside the set is a literal
	{"[a*", "ab", false, false},
	{"*[ab", "zzb", false, true},
	{"[^ab", "c", false, true},
	{"[^ab", "a", false, false},
	{"[a-", "a", false, true},
	{"[a-", "-", false, true},
	{"[a-c", "b", false, true},

	// Trailing stars after the string is used up.
	{"a***", "a", false, true},
	{"a*?", "a", false, false},
	{"a*[b]", "ab", false, true},
	{"abc*", "abc", false, true},
	{"abc*d", "abc", false, false},
}

func TestMatch(t *testing.T) {
	for _, c := range globCases {
		got := Match([]byte(c.pattern), []byte(c.s), c.nocase)
		if got != c.want {
			t.Errorf("Match(%q, %q, nocase=%v) = %v, want %v", c.pattern, c.s, c.nocase, got, c.want)
		}
		if ref := matchRef([]byte(c.pattern), []byte(c.s), c.nocase); ref != c.want {
			t.Errorf("matchRef(%q, %q, nocase=%v) = %v, want %v", c.pattern, c.s, c.nocase, ref, c.want)
		}
	}
}

// TestMatchStarLimit covers Redis's cap of 1000 runs of stars, checked
// against redis-server 7.0.15.
func TestMatchStarLimit(t *testing.T) {
	s := []byte(strings.Repeat("a", 1200))
	for _, c := range []struct {
		name    string
		pattern string
		want    bool
	}{
		{"1000 runs", strings.Repeat("*a", 1000), true},
		{"1001 runs", strings.Repeat("*a", 1001), false},
		{"1001 runs of two stars", strings.Repeat("**a", 1001), false},
		{"1000 runs and a trailing run", strings.Repeat("*a", 1000) + "*", true},
		{"1000 inner runs and a trailing one", strings.Repeat("a*", 1001), true},
		{"1001 inner runs and a trailing one", strings.Repeat("a*", 1002), false},
		{"1001 runs but the string ends first", strings.Repeat("a*", 1200) + "a", false},
	} {
		if got := Match([]byte(c.pattern), s, false); got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
	}
}

// TestMatchPathological checks that patterns which make a naive backtracking
// matcher exponential finish at once.
func TestMatchPathological(t *testing.T) {
	s := []byte(strings.Repeat("a", 4000))
	p := []byte(strings.Repeat("a*", 200) + "b")
	if Match(p, s, false) {
		t.Fatalf("a*a*...b matched a string without b")
	}
	p = []byte(strings.Repeat("*a", 200) + "*b")
	if Match(p, s, true) {
		t.Fatalf("*a*a...*b matched a string without b")
	}
	p = []byte(strings.Repeat("*?", 300) + "*[b]")
	if Match(p, s, false) {
		t.Fatalf("*?*?...*[b] matched a string without b")
	}
}

func TestMatchDoesNotAllocate(t *testing.T) {
	p := []byte("*[a-z]*\\?*[^0-9]x*")
	s := []byte("hello?world and more x text")
	allocs := testing.AllocsPerRun(100, func() {
		Match(p, s, true)
		Match(p, s, false)
	})
	if allocs != 0 {
		t.Fatalf("Match allocated %v times per run", allocs)
	}
}

// matchRef is a slow reference matcher for the fuzz target: a memoised search
// over (pattern index, string index) that tries every length for every star,
// written independently of Match's single-backtrack loop. It shares only
// matchOne, which reads one non-star element.
func matchRef(pattern, s []byte, nocase bool) bool {
	if len(s) == 0 {
		return len(pattern) == 0
	}
	// Number the runs of stars as Redis's recursion depth would see them.
	memo := make([]int8, (len(pattern)+1)*(len(s)+1))
	var rec func(p, i, depth int) bool
	rec = func(p, i, depth int) bool {
		k := p*(len(s)+1) + i
		if memo[k] != 0 {
			return memo[k] > 0
		}
		ok := false
		switch {
		case i == len(s):
			for p < len(pattern) && pattern[p] == '*' {
				p++
			}
			ok = p == len(pattern)
		case p == len(pattern):
			ok = false
		case pattern[p] == '*':
			for p < len(pattern) && pattern[p] == '*' {
				p++
			}
			if p == len(pattern) {
				ok = true
				break
			}
			if depth+1 > maxStarRuns {
				ok = false
				break
			}
			for j := i; j < len(s) && !ok; j++ {
				ok = rec(p, j, depth+1)
			}
		default:
			next, m := matchOne(pattern, p, s[i], nocase)
			ok = m && rec(next, i+1, depth)
		}
		if ok {
			memo[k] = 1
		} else {
			memo[k] = -1
		}
		return ok
	}
	return rec(0, 0, 0)
}

func FuzzMatch(f *testing.F) {
	for _, c := range globCases {
		f.Add([]byte(c.pattern), []byte(c.s), c.nocase)
	}
	f.Add([]byte("a*a*a*a*a*a*a*a*a*a*b"), bytes.Repeat([]byte("a"), 64), false)
	f.Fuzz(func(t *testing.T, pattern, s []byte, nocase bool) {
		if len(pattern) > 512 || len(s) > 512 {
			return // the reference is quadratic in space
		}
		got := Match(pattern, s, nocase)
		if want := matchRef(pattern, s, nocase); got != want {
			t.Fatalf("Match(%q, %q, nocase=%v) = %v, reference says %v", pattern, s, nocase, got, want)
		}
		// Outside brackets nocase only ever adds matches (in a range it
		// folds after the swap, so "[Z-a]" loses '_').
		if got && !nocase && bytes.IndexByte(pattern, '[') < 0 && !Match(pattern, s, true) {
			t.Fatalf("Match(%q, %q) matched but not with nocase", pattern, s)
		}
		// A pattern always matches itself once every special byte is escaped.
		if len(s) > 0 && !Match(escapeGlob(s), s, false) {
			t.Fatalf("escaped %q does not match itself", s)
		}
	})
}

// escapeGlob backslash-escapes every byte of s that is special in a pattern.
func escapeGlob(s []byte) []byte {
	var out []byte
	for _, c := range s {
		switch c {
		case '*', '?', '[', ']', '\\':
			out = append(out, '\\')
		}
		out = append(out, c)
	}
	return out
}
