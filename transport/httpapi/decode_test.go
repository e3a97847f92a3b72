package httpapi

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/memshard/memshard/shard/reply"
)

func TestDecodeCommand(t *testing.T) {
	good := []struct {
		in   string
		want []string
	}{
		{`["GET","k"]`, []string{"GET", "k"}},
		{`["SET","k","v","EX",10]`, []string{"SET", "k", "v", "EX", "10"}},
		{`["X",-7,0,-0,1.5,1e3,2.5E-3,true,false]`, []string{"X", "-7", "0", "0", "1.5", "1000", "0.0025", "1", "0"}},
		{`["X",9223372036854775807,9223372036854775808]`, []string{"X", "9223372036854775807", "9223372036854775808"}},
		{"\n[ \"a\" ,\t\"\\u0000\\\"\" ]\n", []string{"a", "\x00\""}},
		{`["X",""]`, []string{"X", ""}},
	}
	for _, tc := range good {
		got, err := DecodeCommand([]byte(tc.in))
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if !slices.EqualFunc(got, tc.want, func(a []byte, b string) bool { return string(a) == b }) {
			t.Errorf("%s: got %q, want %q", tc.in, got, tc.want)
		}
	}
	bad := []struct {
		in   string
		want error
	}{
		{``, ErrMalformedJSON},
		{`[`, ErrMalformedJSON},
		{`null`, ErrEmptyCommand},
		{`[]`, ErrEmptyCommand},
		{`{}`, ErrMalformedJSON},
		{`[1]`, ErrCommandName},
		{`[true]`, ErrCommandName},
		{`["a",null]`, ErrArgumentType},
		{`["a",[]]`, ErrArgumentType},
		{`["a",{}]`, ErrArgumentType},
		{`["a",1e400]`, ErrArgumentType},
		{`["a","b"]]`, ErrMalformedJSON},
		{`["a",01]`, ErrMalformedJSON},
	}
	for _, tc := range bad {
		if _, err := DecodeCommand([]byte(tc.in)); err != tc.want {
			t.Errorf("%s: err %v, want %v", tc.in, err, tc.want)
		}
	}
	// Every truncation of a good input is an error, never a panic.
	in := []byte(`["SET","k","v","EX",10,true,1.5]`)
	for i := range len(in) {
		if _, err := DecodeCommand(in[:i]); err == nil {
			t.Errorf("truncated %q decoded", in[:i])
		}
	}
}

func TestDecodeQuery(t *testing.T) {
	if q, err := DecodeQuery([]byte(` {"query":"SET k v"} `)); err != nil || q != "SET k v" {
		t.Fatalf("%q %v", q, err)
	}
	for _, in := range []string{``, `{`, `{"query":1}`, `{"query":null}`, `{}`, `{"query":"a","x":1}`, `{"query":"a"}{}`, `[]`} {
		if _, err := DecodeQuery([]byte(in)); err == nil {
			t.Errorf("%s decoded", in)
		}
	}
}

func TestAppendValue(t *testing.T) {
	cases := []struct {
		r    reply.Reply
		b64  bool
		want string
	}{
		{reply.Nil(), false, `null`},
		{reply.Reply{Kind: reply.KindNilArray}, false, `null`},
		{reply.Int(-3), false, `-3`},
		{reply.Double(1.5), false, `"1.5"`},
		{reply.Double(3), true, `"Mw=="`},
		{reply.Status("OK"), false, `"OK"`},
		{reply.BulkString("\x01\t<\x7f"), false, `"\u0001\t<\u007f"`},
		{reply.BulkString("\xe2\x82"), false, `"\ufffd\ufffd"`},
		{reply.BulkString("€"), false, `"€"`},
		{reply.Reply{Kind: reply.KindMap, Arr: []reply.Reply{reply.BulkString("f"), reply.Int(1)}}, false, `["f",1]`},
		{reply.Array([]reply.Reply{reply.Error("ERR x"), reply.Array(nil)}), true, `[{"error":"ERR x"},[]]`},
	}
	for _, tc := range cases {
		if got := string(AppendValue(nil, tc.r, tc.b64)); got != tc.want {
			t.Errorf("%v b64=%v: got %s, want %s", tc.r, tc.b64, got, tc.want)
		}
		if !json.Valid(AppendValue(nil, tc.r, tc.b64)) {
			t.Errorf("%v: invalid JSON", tc.r)
		}
	}
}

func FuzzDecodeCommand(f *testing.F) {
	for _, s := range []string{`["GET","k"]`, `["SET","k","v","EX",10]`, `[1]`, `["a",null]`, `["a",1.5e3,true]`,
		`{"query":"x"}`, `["\u00ff\ud800"]`, `[]`, ``, `["a",-0.0,1e400]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		args, err := DecodeCommand(in)
		half := len(in) / 2
		DecodeCommand(in[:half]) // halves must not panic either
		DecodeCommand(in[half:])
		if err != nil {
			return
		}
		if len(args) == 0 {
			t.Fatal("no error and no arguments")
		}
		// Valid arrays round-trip: the arguments as JSON strings decode
		// to the same arguments.
		strs := make([]string, len(args))
		for i, a := range args {
			strs[i] = string(a)
		}
		enc, err := json.Marshal(strs)
		if err != nil {
			t.Fatal(err)
		}
		again, err := DecodeCommand(enc)
		if err != nil {
			t.Fatalf("%s: re-decode: %v", enc, err)
		}
		if !slices.EqualFunc(args, again, func(a, b []byte) bool { return string(a) == string(b) }) {
			t.Fatalf("round trip %q -> %q", args, again)
		}
		// Our own encoder writes them the same way.
		var out []byte
		out = append(out, '[')
		for i, a := range args {
			if i > 0 {
				out = append(out, ',')
			}
			out = appendString(out, a, false)
		}
		out = append(out, ']')
		if !json.Valid(out) {
			t.Fatalf("encoder wrote invalid JSON %q", out)
		}
		mine, err := DecodeCommand(out)
		if err != nil || !slices.EqualFunc(args, mine, func(a, b []byte) bool { return string(a) == string(b) }) {
			t.Fatalf("own encoding %q -> %q, %v", out, mine, err)
		}
	})
}
