package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The encoding/json decoder the hand-written one replaced, kept as the
// reference its behaviour is checked against.

func refDecodeCommand(body []byte) ([][]byte, error) {
	var raw []json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, ErrMalformedJSON
	}
	return refCommandArgs(raw)
}

func refDecodePipeline(body []byte) ([][][]byte, error) {
	var raw [][]json.RawMessage
	if err := json.Unmarshal(body, &raw); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return nil, ErrPipelineShape
		}
		return nil, ErrMalformedJSON
	}
	if len(raw) == 0 {
		return nil, ErrEmptyPipeline
	}
	cmds := make([][][]byte, len(raw))
	for i, r := range raw {
		args, err := refCommandArgs(r)
		if err != nil {
			return nil, errors.New(err.Error() + " (command " + strconv.Itoa(i+1) + ")")
		}
		cmds[i] = args
	}
	return cmds, nil
}

func refCommandArgs(raw []json.RawMessage) ([][]byte, error) {
	if len(raw) == 0 {
		return nil, ErrEmptyCommand
	}
	args := make([][]byte, len(raw))
	for i, r := range raw {
		r = bytes.TrimSpace(r)
		if len(r) == 0 {
			return nil, ErrMalformedJSON
		}
		if i == 0 && r[0] != '"' {
			return nil, ErrCommandName
		}
		a, err := refScalarArg(r)
		if err != nil {
			return nil, err
		}
		args[i] = a
	}
	return args, nil
}

func refScalarArg(r []byte) ([]byte, error) {
	switch c := r[0]; {
	case c == '"':
		var s string
		if err := json.Unmarshal(r, &s); err != nil {
			return nil, ErrMalformedJSON
		}
		return []byte(s), nil
	case c == 't' || c == 'f':
		var b bool
		if err := json.Unmarshal(r, &b); err != nil {
			return nil, ErrMalformedJSON
		}
		if b {
			return []byte("1"), nil
		}
		return []byte("0"), nil
	case c == '-' || c >= '0' && c <= '9':
		return refNumberArg(r)
	}
	return nil, ErrArgumentType
}

func refNumberArg(r []byte) ([]byte, error) {
	if n, err := strconv.ParseInt(string(r), 10, 64); err == nil {
		return strconv.AppendInt(nil, n, 10), nil
	}
	if bytes.IndexAny(r, ".eE") < 0 {
		return bytes.Clone(r), nil
	}
	f, err := strconv.ParseFloat(string(r), 64)
	if err != nil {
		var ne *strconv.NumError
		if !errors.As(err, &ne) || ne.Err != strconv.ErrRange {
			return nil, ErrMalformedJSON
		}
		return nil, ErrArgumentType
	}
	return strconv.AppendFloat(nil, f, 'f', -1, 64), nil
}

// sameDecode fails t unless the two results are the same arguments, or
// errors with the same text.
func sameDecode[T any](t *testing.T, in []byte, got, want T, gerr, werr error) {
	t.Helper()
	if (gerr == nil) != (werr == nil) || gerr != nil && gerr.Error() != werr.Error() {
		t.Fatalf("%q: error %v, reference %v", in, gerr, werr)
	}
	if g, w := dumpArgs(got), dumpArgs(want); g != w {
		t.Fatalf("%q: decoded %s, reference %s", in, g, w)
	}
}

func dumpArgs(v any) string {
	b, _ := json.Marshal(v) // [][]byte as base64 strings: exact bytes
	return string(b)
}

// differentialInputs cover every branch of both decoders.
var differentialInputs = []string{
	`["GET","k"]`, `["SET","k","v","EX",10]`, `[1]`, `["a",null]`, `["a",1.5e3,true]`, `["a",false,-0,-0.0]`,
	`{"query":"x"}`, `["\u00ff\ud800"]`, `["\ud83d\ude00","\udc00\ud800\ud800\udc00","\ud800\u0041"]`,
	`[]`, ``, `null`, ` null `, `nul`, `"x"`, `1`, `{}`, `["a",1e400]`, `["a",1e-400]`, `["a",01]`, `["a",1.]`,
	`["a",[1,{"x":[]}]]`, `["a",{"x":1,}]`, `["a",[1,]]`, `["a","b"]]`, "[\"a\",\"\xff\xed\xa0\x80\"]",
	"[\"a\x01\"]", `["\x"]`, `["\u12G4"]`, `["a\/\b\f\n\r\t\\\""]`, `[["GET","k"],["SET","k","v"]]`,
	`[["GET"],null]`, `[["GET"],"x"]`, `[["GET"],[]]`, `[[1],[[]]]`, `[["a",{}],1]`, `[[]`, `[["a"],]`,
	`["a",123456789012345678901234567890,-9223372036854775808,9223372036854775807]`, ` [ "a" , 1 ] `,
	`["a" "b"]`, `["a",tru]`, `["a",-]`, `["a",1e]`, `["a",1e+]`, `["a",0.5E-2]`,
}

func TestDecoderMatchesReference(t *testing.T) {
	for _, s := range differentialInputs {
		in := []byte(s)
		got, gerr := DecodeCommand(in)
		want, werr := refDecodeCommand(in)
		sameDecode(t, in, got, want, gerr, werr)
		gotP, gerr := DecodePipeline(in)
		wantP, werr := refDecodePipeline(in)
		sameDecode(t, in, gotP, wantP, gerr, werr)
	}
	// encoding/json's nesting limit: 10000 levels in all.
	for _, depth := range []int{maxDepth - 1, maxDepth, maxDepth + 1} {
		in := []byte(`["a",` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1) + `]`)
		got, gerr := DecodeCommand(in)
		want, werr := refDecodeCommand(in)
		sameDecode(t, in[:8], got, want, gerr, werr)
	}
}

func FuzzDecoderMatchesReference(f *testing.F) {
	for _, s := range differentialInputs {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		for _, b := range [][]byte{in, in[:len(in)/2], in[len(in)/2:]} {
			got, gerr := DecodeCommand(b)
			want, werr := refDecodeCommand(b)
			sameDecode(t, b, got, want, gerr, werr)
			gotP, gerr := DecodePipeline(b)
			wantP, werr := refDecodePipeline(b)
			sameDecode(t, b, gotP, wantP, gerr, werr)
		}
	})
}

// The pooled decoder gives the same results when reused across bodies.
func TestDecoderReuse(t *testing.T) {
	d := new(decoder)
	for range 3 {
		for _, s := range differentialInputs {
			args, err := d.command([]byte(s))
			want, werr := refDecodeCommand([]byte(s))
			sameDecode(t, []byte(s), slices.Clone(args), want, err, werr)
		}
	}
}
