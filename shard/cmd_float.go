package shard

import (
	"math/big"
	"strings"
)

// INCRBYFLOAT's number handling, made to give redis-server's answers byte for
// byte. Redis parses with strtold, adds in C's long double — on x86-64 the
// x87 80-bit format: a 64-bit mantissa and an exponent of 15 bits — and prints
// the sum with "%.17Lf" before trimming the trailing zeros. float64 cannot
// reproduce that ("%.17f" of the float64 nearest 10.6 is 10.59999999999999964,
// where Redis prints 10.6; 1e300 prints as 1 followed by 300 digits that are
// not all zeros), so the arithmetic is done here with math/big at the same
// 64-bit precision and round-to-nearest-even, which is what strtold and the
// x87 FADD do. The exponent range is checked by hand; subnormal long doubles
// (below about 3.4e-4932) keep full precision here, which cannot show in the
// output: they print as "0".

const (
	ldPrec     = 64       // long double mantissa bits
	ldMaxExp   = 16384    // |x| < 2^16384, i.e. big.Float MantExp exponent <= 16384
	ldMinExp   = -16445   // 2^-16446 (half the smallest subnormal) and below round to 0
	ldMaxChars = 5 * 1024 // string2ld's buffer: longer input is not a number
)

// ldouble is a long double value: ±infinity when inf != 0, else f (nil: 0).
type ldouble struct {
	f   *big.Float
	inf int
}

// parseLongDouble parses b as Redis's string2ld: the whole of b must be a
// number strtold accepts (decimal or hexadecimal floating point, "inf" or
// "infinity" in any case, optional sign), without leading spaces, not NaN,
// and neither overflowing nor underflowing to zero.
func parseLongDouble(b []byte) (ldouble, bool) {
	if len(b) == 0 || len(b) >= ldMaxChars {
		return ldouble{}, false
	}
	neg := false
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		b = b[1:]
	}
	// Whole-string match (strtold must consume all of b): eqFold's NUL rule
	// for option names does not apply to numbers.
	if len(b) == 3 && eqFold(b, "INF") || len(b) == 8 && eqFold(b, "INFINITY") {
		if neg {
			return ldouble{inf: -1}, true
		}
		return ldouble{inf: 1}, true
	}
	var f *big.Float
	var ok bool
	if len(b) > 2 && b[0] == '0' && (b[1]|0x20) == 'x' {
		f, ok = parseHexFloat(b[2:])
	} else {
		f, ok = parseDecFloat(b)
	}
	if !ok || !ldInRange(f) {
		return ldouble{}, false
	}
	if neg {
		f.Neg(f)
	}
	return ldouble{f: f}, true
}

// scanDigits returns the length of the prefix of b made of digits (hex
// digits when hex).
func scanDigits(b []byte, hex bool) int {
	i := 0
	for i < len(b) {
		c := b[i]
		if !('0' <= c && c <= '9') && !(hex && 'a' <= c|0x20 && c|0x20 <= 'f') {
			break
		}
		i++
	}
	return i
}

// scanMantissa splits b into the digits before and after an optional point;
// n is the bytes consumed. At least one digit is required.
func scanMantissa(b []byte, hex bool) (intPart, frac []byte, n int, ok bool) {
	n = scanDigits(b, hex)
	intPart = b[:n]
	if n < len(b) && b[n] == '.' {
		m := scanDigits(b[n+1:], hex)
		frac = b[n+1 : n+1+m]
		n += 1 + m
	}
	return intPart, frac, n, len(intPart)+len(frac) > 0
}

// scanExponent parses an exponent marker (e or p, in either case), an
// optional sign and at least one digit: the whole of b. Its value saturates
// at ±1e6, far past any exponent that gives a finite non-zero long double.
func scanExponent(b []byte, marker byte) (int, bool) {
	if len(b) == 0 {
		return 0, true
	}
	if b[0]|0x20 != marker {
		return 0, false
	}
	b = b[1:]
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 || scanDigits(b, false) != len(b) {
		return 0, false
	}
	e := 0
	for _, c := range b {
		if e < 1e6 {
			e = e*10 + int(c-'0')
		}
	}
	if neg {
		e = -e
	}
	return e, true
}

// parseDecFloat parses digits[.digits][e[sign]digits], rounded to 64 bits.
func parseDecFloat(b []byte) (*big.Float, bool) {
	intPart, frac, n, ok := scanMantissa(b, false)
	if !ok {
		return nil, false
	}
	exp, ok := scanExponent(b[n:], 'e')
	if !ok {
		return nil, false
	}
	digits := strings.TrimLeft(string(intPart)+string(frac), "0")
	f := new(big.Float).SetPrec(ldPrec)
	if digits == "" {
		return f, true // zero, whatever the exponent
	}
	exp -= len(frac) // value = digits * 10^exp
	// value = 0.digits * 10^e10; long doubles lie within 10^±4951.
	if e10 := exp + len(digits); e10 > 4940 {
		return nil, false
	} else if e10 < -4960 {
		return nil, false
	}
	num, _ := new(big.Int).SetString(digits, 10)
	pow := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(exp))), nil)
	r := new(big.Rat)
	if exp >= 0 {
		r.SetInt(num.Mul(num, pow))
	} else {
		r.SetFrac(num, pow)
	}
	return f.SetRat(r), true
}

// parseHexFloat parses what follows "0x": hexdigits[.hexdigits][p[sign]digits].
func parseHexFloat(b []byte) (*big.Float, bool) {
	intPart, frac, n, ok := scanMantissa(b, true)
	if !ok {
		return nil, false
	}
	exp, ok := scanExponent(b[n:], 'p')
	if !ok {
		return nil, false
	}
	digits := strings.TrimLeft(string(intPart)+string(frac), "0")
	f := new(big.Float).SetPrec(ldPrec)
	if digits == "" {
		return f, true
	}
	exp -= 4 * len(frac) // value = digits * 2^exp
	if e2 := exp + 4*len(digits); e2 > ldMaxExp+8 || e2 < ldMinExp-8 {
		return nil, false
	}
	num, _ := new(big.Int).SetString(digits, 16)
	f.SetInt(num)
	return f.SetMantExp(f, exp), true
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

// ldInRange reports whether f, rounded to 64 bits, is a long double: not
// past the largest one, and not so small that it rounds to zero.
func ldInRange(f *big.Float) bool {
	if f.Sign() == 0 {
		return true
	}
	m := new(big.Float)
	e := f.MantExp(m) // f = m * 2^e, 0.5 <= |m| < 1
	switch {
	case e > ldMaxExp, e < ldMinExp:
		return false
	case e == ldMinExp:
		return m.Abs(m).Cmp(big.NewFloat(0.5)) != 0 // exactly half the smallest subnormal rounds to 0
	}
	return true
}

// addLongDouble adds as long double arithmetic does; false when the sum is
// infinite or NaN.
func addLongDouble(a, b ldouble) (*big.Float, bool) {
	if a.inf != 0 || b.inf != 0 {
		return nil, false
	}
	zero := new(big.Float)
	x, y := a.f, b.f
	if x == nil {
		x = zero
	}
	if y == nil {
		y = zero
	}
	z := new(big.Float).SetPrec(ldPrec).Add(x, y)
	if z.Sign() != 0 && z.MantExp(nil) > ldMaxExp {
		return nil, false
	}
	return z, true
}

// formatLongDouble prints f as Redis's ld2string in LD_STR_HUMAN mode does:
// "%.17Lf", trailing zeros and a trailing point removed, "-0" as "0".
func formatLongDouble(f *big.Float) []byte {
	s := []byte(f.Text('f', 17))
	if len(s) > 0 {
		for s[len(s)-1] == '0' {
			s = s[:len(s)-1]
		}
		if s[len(s)-1] == '.' {
			s = s[:len(s)-1]
		}
	}
	if string(s) == "-0" {
		s = s[1:]
	}
	return s
}
