package shard

import (
	"strconv"
	"strings"
	"testing"
)

// incrByFloatCases: the key's value before ("-": missing), the increment, and
// the reply of redis-server 7.0.15 (x86-64) for INCRBYFLOAT. The same
// implementation also matched redis-server on 50,000 random cases.
var incrByFloatCases = []struct{ init, incr, want string }{
	{"-", "10.5", `"10.5"`},
	{"10.5", "0.1", `"10.6"`},
	{"-", "3.0e3", `"3000"`},
	{"-", "1e300", `"1000000000000000000008997324079559193870523944273290747938260082321265646596180935755849152083750497190350372508614274835903592556184672983913096260520748646287327135641843653294084255107606016789726652932370030551382947620994540294772781889620606179267611627097410650567187386105690089424915104006144"`},
	{"1e300", "1", `"1000000000000000000008997324079559193870523944273290747938260082321265646596180935755849152083750497190350372508614274835903592556184672983913096260520748646287327135641843653294084255107606016789726652932370030551382947620994540294772781889620606179267611627097410650567187386105690089424915104006144"`},
	{"0.1", "0.2", `"0.3"`},
	{"1e18", "0.7", `"1000000000000000000.6875"`},
	{"-", "-0.00000000000000000001", `"0"`},
	{"-", "1.23456789012345678901234", `"1.23456789012345679"`},
	{"-5", "5", `"0"`},
	{"-", "0x10", `"16"`},
	{"-", "0x1p-2", `"0.25"`},
	{"-", "0X1.8P1", `"3"`},
	{"-", ".5", `"0.5"`},
	{"-", "5.", `"5"`},
	{"-", "+.5e1", `"5"`},
	{"-", "inf", `(error) ERR increment would produce NaN or Infinity`},
	{"-", "-Infinity", `(error) ERR increment would produce NaN or Infinity`},
	{"-", "nan", `(error) ERR value is not a valid float`},
	{"-", "1e", `(error) ERR value is not a valid float`},
	{"-", ".", `(error) ERR value is not a valid float`},
	{"-", " 1", `(error) ERR value is not a valid float`},
	{"-", "1 ", `(error) ERR value is not a valid float`},
	{"-", "1_0", `(error) ERR value is not a valid float`},
	{"-", "0b1", `(error) ERR value is not a valid float`},
	{"-", "1e-5000", `(error) ERR value is not a valid float`},
	{"-", "0e-5000", `"0"`},
	{"-", "1.2e4932", `(error) ERR value is not a valid float`},
	{"-", "1.19e4932", `(error) ERR value is not a valid float`},
	{"1.18e4932", "1.18e4932", `(error) ERR increment would produce NaN or Infinity`},
	{"-", "3.3e-4951", `"0"`},
	{"-", "1e-4951", `(error) ERR value is not a valid float`},
	{"abc", "1", `(error) ERR value is not a valid float`},
	{"1", "abc", `(error) ERR value is not a valid float`},
	{"-", "", `(error) ERR value is not a valid float`},
	{"5", "-5.0", `"0"`},
	{"-", "123456789012345678", `"123456789012345678"`},
	{"-", "1234567890123456789012", `"1234567890123456788992"`},
	{"-", "0.1e-10", `"0.00000000001"`},
	{"17179869184", "0.0000001", `"17179869184.00000010058283806"`},
	{"-", "-1.5", `"-1.5"`},
	{"-", "9223372036854775807", `"9223372036854775807"`},
	{"-", "1e20", `"100000000000000000000"`},
	{"-", "2.5e-17", `"0.00000000000000002"`},
	{"-", "3.5e-17", `"0.00000000000000004"`},
	{"-", "0.000000000000000015", `"0.00000000000000002"`},
	{"-", "0.000000000000000025", `"0.00000000000000002"`},
}

func TestIncrByFloat(t *testing.T) {
	for _, c := range incrByFloatCases {
		ks, _ := newTestKeyspace(t)
		if c.init != "-" {
			Set(ks, [][]byte{[]byte("SET"), []byte("k"), []byte(c.init)})
		}
		got := IncrByFloat(ks, [][]byte{[]byte("INCRBYFLOAT"), []byte("k"), []byte(c.incr)}).String()
		if got != c.want {
			t.Errorf("INCRBYFLOAT %q + %q:\n got %s\nwant %s", c.init, c.incr, got, c.want)
			continue
		}
		// The stored value is the reply; an error leaves the key as it was.
		stored := Get(ks, [][]byte{[]byte("GET"), []byte("k")}).String()
		want := c.want
		if want[0] == '(' {
			want = "(nil)"
			if c.init != "-" {
				want = strconv.Quote(c.init)
			}
		}
		if stored != want {
			t.Errorf("INCRBYFLOAT %q + %q: stored %s, want %s", c.init, c.incr, stored, want)
		}
	}
}

// TestIncrByFloatChained feeds each result back in, as Redis does through the
// stored string (values from redis-server 7.0.15).
func TestIncrByFloatChained(t *testing.T) {
	ks, _ := newTestKeyspace(t)
	var got []string
	for i := 0; i < 10; i++ {
		got = append(got, do(t, ks, "INCRBYFLOAT c 0.1").String())
	}
	for i := 0; i < 5; i++ {
		got = append(got, do(t, ks, "INCRBYFLOAT d 1e17").String(), do(t, ks, "INCRBYFLOAT d 0.3").String())
	}
	want := `"0.1" "0.2" "0.3" "0.4" "0.5" "0.6" "0.7" "0.8" "0.9" "1" ` +
		`"100000000000000000" "100000000000000000.296875" "200000000000000000.296875" ` +
		`"200000000000000000.59375" "300000000000000000.59375" "300000000000000000.90625" ` +
		`"400000000000000000.90625" "400000000000000001.21875" "500000000000000001.21875" ` +
		`"500000000000000001.53125"`
	if s := strings.Join(got, " "); s != want {
		t.Errorf("got  %s\nwant %s", s, want)
	}
}

func TestIncrByFloatKeyState(t *testing.T) {
	runScripts(t, []script{{"incrbyfloat", []step{
		{"SET f 1.5 EX 100", "OK"},
		{"INCRBYFLOAT f 1", `"2.5"`},
		{"TTL f", "(integer) 100"},
		{"INCRBYFLOAT f 0.5", `"3"`},
		{"INCR f", "(integer) 4"},
		{"INCRBYFLOAT f abc", "(error) ERR value is not a valid float"},
		{"INCRBYFLOAT f inf", "(error) ERR increment would produce NaN or Infinity"},
		{"GET f", `"4"`},
		{"SET e 1 PX 10", "OK"},
		{"+10", ""},
		{"INCRBYFLOAT e 2", `"2"`},
		{"TTL e", "(integer) -1"},
		{"@type f 7", ""},
		{"INCRBYFLOAT f abc", "(error) WRONGTYPE Operation against a key holding the wrong kind of value"},
		{"INCRBYFLOAT f 1", "(error) WRONGTYPE Operation against a key holding the wrong kind of value"},
	}}})
}

func TestParseLongDoubleLimits(t *testing.T) {
	long := strings.Repeat("0", ldMaxChars-2) + "1" // 5119 bytes: still a number
	if _, ok := parseLongDouble([]byte(long)); !ok {
		t.Errorf("%d-byte number refused", len(long))
	}
	if _, ok := parseLongDouble([]byte("0" + long)); ok {
		t.Errorf("%d-byte number accepted", len(long)+1)
	}
	for _, s := range []string{"1e99999999999999999999", "1e-99999999999999999999", "0x1p99999999999", "0x1p-16446"} {
		if _, ok := parseLongDouble([]byte(s)); ok {
			t.Errorf("%s accepted", s)
		}
	}
	for _, s := range []string{"0e99999999999999999999", "0x1p-16445", "0x1.8p-16446", "0x1.fffffffffffffffep16383"} {
		if _, ok := parseLongDouble([]byte(s)); !ok {
			t.Errorf("%s refused", s)
		}
	}
}

// TestIncrByFloatInfWithNUL pins what the differential test found: "inf"
// followed by NUL bytes is not a float (strtold stops at the NUL, and Redis
// requires it to consume the whole value).
func TestIncrByFloatInfWithNUL(t *testing.T) {
	ks := NewKeyspace(nil)
	Set(ks, [][]byte{[]byte("set"), []byte("k"), []byte("inf\x00\x00")})
	if r := IncrByFloat(ks, [][]byte{[]byte("incrbyfloat"), []byte("k"), []byte("1")}); r.String() != "(error) ERR value is not a valid float" {
		t.Fatalf("got %s", r)
	}
	if r := IncrByFloat(ks, [][]byte{[]byte("incrbyfloat"), []byte("k"), []byte("inf\x00")}); r.String() != "(error) ERR value is not a valid float" {
		t.Fatalf("increment: got %s", r)
	}
}
