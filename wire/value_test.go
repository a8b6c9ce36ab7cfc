package wire

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/dynago/dynago/ddb"
)

func TestDecodeValues(t *testing.T) {
	tests := []struct {
		in   string
		want ddb.AttributeValue
	}{
		{`{"S":"abc"}`, ddb.S("abc")},
		{`{"S":""}`, ddb.S("")},
		{`{"S":"a\"b\\c\u00e9\ud83d\ude00\n"}`, ddb.S("a\"b\\cé😀\n")},
		{`{"N":"149.00"}`, ddb.N("149")},
		{`{"N":"1e3"}`, ddb.N("1000")},
		{`{"N":"-0.0"}`, ddb.N("0")},
		{`{"B":"AAEC"}`, ddb.B([]byte{0, 1, 2})},
		{`{"B":""}`, ddb.B([]byte{})},
		{`{"BOOL":true}`, ddb.Bool(true)},
		{`{"BOOL":false}`, ddb.Bool(false)},
		{`{"NULL":true}`, ddb.Null()},
		{`{"SS":["a","b",""]}`, ddb.SS([]string{"a", "b", ""})},
		{`{"NS":["1","2.50","-3e1"]}`, ddb.NS([]string{"1", "2.5", "-30"})},
		{`{"BS":["Yg==","YQ==",""]}`, ddb.BS([][]byte{[]byte("b"), []byte("a"), {}})},
		{`{"L":[]}`, ddb.L([]ddb.AttributeValue{})},
		{`{"L":[{"S":"x"},{"N":"01"}]}`, ddb.L([]ddb.AttributeValue{ddb.S("x"), ddb.N("1")})},
		{`{"M":{}}`, ddb.M(map[string]ddb.AttributeValue{})},
		{`{"M":{"a":{"M":{"b":{"NULL":true}}}}}`, ddb.M(map[string]ddb.AttributeValue{"a": ddb.M(map[string]ddb.AttributeValue{"b": ddb.Null()})})},
		{` { "S" : "x" , "unknown": [1, {"a": null}], "N": null } `, ddb.S("x")},
		{`{"S":"a","S":"b"}`, ddb.S("b")},
	}
	for _, tt := range tests {
		var v Value
		if err := json.Unmarshal([]byte(tt.in), &v); err != nil {
			t.Errorf("%s: %v", tt.in, err)
			continue
		}
		if !ddb.Equal(ddb.AttributeValue(v), tt.want) {
			t.Errorf("%s: got %+v, want %+v", tt.in, v, tt.want)
		}
	}
}

// Invalid values: DynamoDB's ValidationException messages.
func TestValueErrors(t *testing.T) {
	tests := []struct{ in, msg string }{
		{`{}`, MsgEmptyValue},
		{`{"S":null}`, MsgEmptyValue},
		{`{"X":"y"}`, MsgEmptyValue},
		{`{"s":"y"}`, MsgEmptyValue},
		{`{"S":"a","N":"1"}`, MsgMultipleTypes},
		{`{"S":"a","N":"b"}`, "The parameter cannot be converted to a numeric value: b"},
		{`{"NULL":false}`, MsgNullFalse},
		{`{"NULL":false,"S":"a"}`, MsgNullFalse},
		{`{"SS":[]}`, "One or more parameter values were invalid: An string set  may not be empty"},
		{`{"NS":[]}`, "One or more parameter values were invalid: An number set  may not be empty"},
		{`{"BS":[]}`, "One or more parameter values were invalid: Binary sets should not be empty"},
		{`{"SS":["a","a"]}`, "One or more parameter values were invalid: Input collection [a, a] contains duplicates."},
		{`{"SS":["a",null]}`, MsgNullInSS},
		{`{"NS":["1","1.0"]}`, "Input collection contains duplicates"},
		{`{"NS":["1",null]}`, "The parameter cannot be converted to a numeric value"},
		{`{"NS":["1","x"]}`, "The parameter cannot be converted to a numeric value: x"},
		{`{"BS":["Yg==","Yg=="]}`, "One or more parameter values were invalid: Input collection [Yg==, Yg==]of type BS contains duplicates."},
		{`{"BS":[null]}`, MsgNullInBS},
		{`{"N":""}`, "The parameter cannot be converted to a numeric value"},
		{`{"N":"1e126"}`, "Number overflow. Attempting to store a number with magnitude larger than supported range"},
		{`{"N":"1e-131"}`, "Number underflow. Attempting to store a number with magnitude smaller than supported range"},
		{`{"N":"123456789012345678901234567890123456789"}`, "Attempting to store more than 38 significant digits in a Number"},
		{`{"L":[{}]}`, MsgEmptyValue},
		{`{"L":[null]}`, MsgNullValue},
		{`{"M":{"c":{}}}`, MsgEmptyValue},
		{`{"M":{"c":null}}`, MsgNullValue + ": c is null"},
		{`{"M":{"":{"S":"x"}}}`, MsgEmptyAttrName},
		{nest(32, `{"S":"x"}`), MsgNestingTooDeep},
		{nest(31, `{"L":[]}`), MsgNestingTooDeep},
	}
	for _, tt := range tests {
		var v Value
		err := json.Unmarshal([]byte(tt.in), &v)
		de, ok := err.(*ddb.Error)
		if !ok || de.Type != ddb.ErrValidation || de.Message != tt.msg {
			t.Errorf("%s:\n got  %v\n want %s", tt.in, err, tt.msg)
		}
	}
	var v Value
	if err := json.Unmarshal([]byte(nest(31, `{"S":"x"}`)), &v); err != nil {
		t.Errorf("31 levels: %v", err)
	}
}

func nest(n int, inner string) string {
	return strings.Repeat(`{"L":[`, n) + inner + strings.Repeat(`]}`, n)
}

// Wrong JSON types inside attribute values: SerializationException.
func TestValueSerializationErrors(t *testing.T) {
	tests := []struct{ in, msg string }{
		{`{"S":true}`, "TRUE_VALUE cannot be converted to String"},
		{`{"S":false}`, "FALSE_VALUE cannot be converted to String"},
		{`{"S":23}`, "NUMBER_VALUE cannot be converted to String"},
		{`{"S":34.56}`, "DECIMAL_VALUE cannot be converted to String"},
		{`{"S":[]}`, "Unrecognized collection type class java.lang.String"},
		{`{"S":{}}`, "Start of structure or map found where not expected"},
		{`{"N":23}`, "NUMBER_VALUE cannot be converted to String"},
		{`{"B":true}`, "only base-64-encoded strings are convertible to bytes"},
		{`{"B":23}`, "only base-64-encoded strings are convertible to bytes"},
		{`{"B":[]}`, "Unrecognized collection type class java.nio.ByteBuffer"},
		{`{"B":{}}`, "Start of structure or map found where not expected"},
		{`{"B":"23456"}`, "Base64 encoded length is expected a multiple of 4 bytes but found: 5"},
		{`{"B":"=+/="}`, "Invalid last non-pad Base64 character dectected"},
		{`{"B":"+/+="}`, "Invalid last non-pad Base64 character dectected"},
		{`{"B":"ab!d"}`, "Invalid Base64 character: '!'"},
		{`{"BOOL":"23"}`, "Unexpected token received from parser"},
		{`{"BOOL":23}`, "NUMBER_VALUE cannot be converted to Boolean"},
		{`{"BOOL":34.56}`, "DECIMAL_VALUE cannot be converted to Boolean"},
		{`{"BOOL":[]}`, "Unrecognized collection type class java.lang.Boolean"},
		{`{"NULL":{}}`, "Start of structure or map found where not expected"},
		{`{"SS":"23"}`, "Unexpected field type"},
		{`{"SS":{}}`, "Start of structure or map found where not expected"},
		{`{"SS":[true]}`, "TRUE_VALUE cannot be converted to String"},
		{`{"NS":[1]}`, "NUMBER_VALUE cannot be converted to String"},
		{`{"BS":[23]}`, "only base-64-encoded strings are convertible to bytes"},
		{`{"BS":["23456"]}`, "Base64 encoded length is expected a multiple of 4 bytes but found: 5"},
		{`{"L":23}`, "Unexpected field type"},
		{`{"L":{}}`, "Start of structure or map found where not expected"},
		{`{"L":["23"]}`, "Unexpected value type in payload"},
		{`{"L":[[]]}`, "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue"},
		{`{"L":[{"BS":[true]}]}`, "only base-64-encoded strings are convertible to bytes"},
		{`{"M":23}`, "Unexpected field type"},
		{`{"M":[]}`, "Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>"},
		{`{"M":{"a":23}}`, "Unexpected value type in payload"},
		{`{"M":{"a":[]}}`, "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue"},
		{`{"M":{"a":{"BS":{}}}}`, "Start of structure or map found where not expected"},
		{`23`, "Unexpected field type"},
		{`[]`, "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue"},
		{`{"S":"x"`, ""},
		{`{"S":"x\q"}`, ""},
		{`{"BOOL":tru}`, ""},
	}
	for _, tt := range tests {
		var v Value
		err := v.UnmarshalJSON([]byte(tt.in))
		de, ok := err.(*ddb.Error)
		if !ok || de.Type != ddb.ErrSerialization || de.Message != tt.msg {
			t.Errorf("%s:\n got  %v\n want SerializationException: %s", tt.in, err, tt.msg)
		}
	}
}

func TestEncodeValues(t *testing.T) {
	tests := []struct {
		v    ddb.AttributeValue
		want string
	}{
		{ddb.S("a\"b\\c\n\x01é"), `{"S":"a\"b\\c\n\u0001é"}`},
		{ddb.S("bad\xffutf8"), `{"S":"bad\ufffdutf8"}`},
		{ddb.N("-1.5"), `{"N":"-1.5"}`},
		{ddb.B([]byte("hi")), `{"B":"aGk="}`},
		{ddb.B(nil), `{"B":""}`},
		{ddb.Bool(true), `{"BOOL":true}`},
		{ddb.Bool(false), `{"BOOL":false}`},
		{ddb.Null(), `{"NULL":true}`},
		{ddb.SS([]string{"a", "b"}), `{"SS":["a","b"]}`},
		{ddb.NS([]string{"1", "2"}), `{"NS":["1","2"]}`},
		{ddb.BS([][]byte{[]byte("a"), []byte("b")}), `{"BS":["YQ==","Yg=="]}`},
		{ddb.L([]ddb.AttributeValue{ddb.S("x"), ddb.L(nil)}), `{"L":[{"S":"x"},{"L":[]}]}`},
		{ddb.M(map[string]ddb.AttributeValue{"k": ddb.Null()}), `{"M":{"k":{"NULL":true}}}`},
		{ddb.M(nil), `{"M":{}}`},
		{ddb.AttributeValue{}, `{}`},
	}
	for _, tt := range tests {
		if got := string(AppendValue(nil, tt.v)); got != tt.want {
			t.Errorf("got %s, want %s", got, tt.want)
		}
		b, err := json.Marshal(Value(tt.v))
		if err != nil || string(b) != tt.want {
			t.Errorf("json.Marshal: got %s %v, want %s", b, err, tt.want)
		}
	}
}

func TestItemRoundTrip(t *testing.T) {
	in := `{"a":{"S":"x"},"n":{"N":"1.50"},"b":{"B":"Yg=="},"l":{"L":[{"NULL":true},{"BOOL":false}]},"m":{"M":{"x":{"NS":["1","2e2"]}}},"ss":{"SS":["p","q"]},"bs":{"BS":["YQ=="]}}`
	var it Item
	if err := json.Unmarshal([]byte(in), &it); err != nil {
		t.Fatal(err)
	}
	if it["n"].S != "1.5" || it["m"].M["x"].SS[1] != "200" {
		t.Fatalf("numbers not canonical: %+v", it)
	}
	out, _ := json.Marshal(it)
	var again Item
	if err := json.Unmarshal(out, &again); err != nil {
		t.Fatal(err)
	}
	if !ddb.ItemsEqual(ddb.Item(it), ddb.Item(again)) {
		t.Fatalf("round trip changed the item:\n%s", out)
	}
	var null Item
	if err := json.Unmarshal([]byte(`{"a":null}`), &null); err == nil || err.Error() != "ValidationException: "+MsgNullValue+": a is null" {
		t.Fatalf("null attribute: %v", err)
	}
	if err := json.Unmarshal([]byte(`{"":{"S":"x"}}`), &null); err == nil || err.(*ddb.Error).Message != MsgEmptyAttrName {
		t.Fatalf("empty name: %v", err)
	}
}

// plainPrefixBytes returns how many bytes at the start of b need no
// attention in a JSON string, looking at 8 bytes at a time (so it returns
// at most len(b) rounded down to a multiple of 8).
func plainPrefixBytes(b []byte) int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		if m := special(binary.LittleEndian.Uint64(b[i:])); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
	}
	return i
}

// TestPlainPrefix checks special, the 8-bytes-at-a-time scan of the
// decoder and the encoder, against a byte loop.
func TestPlainPrefix(t *testing.T) {
	plain := func(c byte) bool { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\' }
	want := func(s string) int {
		n := 0
		for n < len(s) && plain(s[n]) {
			n++
		}
		if n == len(s) {
			return len(s) - len(s)%8 // only whole words are scanned
		}
		return n
	}
	check := func(s string) {
		t.Helper()
		w := want(s)
		if got := plainPrefixBytes([]byte(s)); got != w && !(w >= len(s)-len(s)%8 && got == len(s)-len(s)%8) {
			t.Fatalf("plainPrefixBytes(%q) = %d, want %d", s, got, w)
		}
	}
	for pos := 0; pos < 16; pos++ {
		for _, fill := range []byte{'a', ' ', '~', 0x7f, 0x21, 0x5d} {
			for c := 0; c < 256; c++ {
				b := bytes.Repeat([]byte{fill}, 16)
				b[pos] = byte(c)
				check(string(b))
				b[15] = 0x01 // a second special byte after the first
				check(string(b))
			}
		}
	}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		b := make([]byte, r.IntN(24))
		for j := range b {
			b[j] = byte(r.IntN(256))
			if r.IntN(4) != 0 {
				b[j] = byte(0x20 + r.IntN(0x60))
			}
		}
		check(string(b))
	}
}

// TestAppendString compares the encoder's strings with encoding/json's
// by decoding them with encoding/json: every string comes back, with each
// byte of invalid UTF-8 replaced by U+FFFD.
func TestAppendString(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"a", "b", "\"", "\\", "\n", "\x01", "\x1f", "é", "😀", "\xff", "\xe2\x82", " ", "~", "\x7f"}
	for i := 0; i < 20000; i++ {
		var sb strings.Builder
		for n := r.IntN(40); n > 0; n-- {
			sb.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		s := sb.String()
		enc := appendString(nil, s)
		var back string
		if err := json.Unmarshal(enc, &back); err != nil {
			t.Fatalf("%q encodes to %s: %v", s, enc, err)
		}
		if want := invalidBytesReplaced(s); back != want {
			t.Fatalf("%q round-trips to %q, want %q", s, back, want)
		}
	}
}

func invalidBytesReplaced(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b.WriteString("\uFFFD")
		} else {
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}
