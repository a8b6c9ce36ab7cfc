package wire

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/itemcodec"
)

func encodedTestItems() []ddb.Item {
	return []ddb.Item{
		{},
		{"pk": ddb.S("a"), "n": ddb.N("-12.5"), "b": ddb.B([]byte{0, 1, 2, 255})},
		{"s": ddb.S("quote \" backslash \\ newline \n tab \t ctl \x01 é 😀 invalid \xff"), "t": ddb.Bool(true),
			"f": ddb.Bool(false), "z": ddb.Null()},
		{"ss": ddb.SS([]string{"b", "a", "c"}), "ns": ddb.NS([]string{"1", "-2.5", "1e3"[:1]}), "bs": ddb.BS([][]byte{{1}, {2, 3}})},
		{"m": ddb.M(map[string]ddb.AttributeValue{"x": ddb.L([]ddb.AttributeValue{ddb.S("y"), ddb.N("0"),
			ddb.M(map[string]ddb.AttributeValue{}), ddb.L(nil)})}), "": ddb.S("empty name")},
		{"long": ddb.S(strings.Repeat("abcdefghij", 300))},
	}
}

// TestAppendEncodedItem: the JSON transcoded from the stored encoding
// decodes to the item, as the JSON of the decoded item does.
func TestAppendEncodedItem(t *testing.T) {
	for _, it := range encodedTestItems() {
		enc := itemcodec.Encode(it)
		js, err := AppendEncodedItem(nil, enc)
		if err != nil {
			t.Fatalf("%v: %v", it, err)
		}
		if !json.Valid(js) {
			t.Fatalf("invalid JSON %s", js)
		}
		want, _ := itemcodec.Decode(enc) // sets sorted and de-duplicated, as stored
		direct := AppendItem(nil, want)
		if !ddb.ItemsEqual(jsonItem(t, js), jsonItem(t, direct)) {
			t.Fatalf("transcoded %s, AppendItem %s", js, direct)
		}
		// Same bytes as encoding the decoded item, up to the order of
		// attributes: for single-attribute items the bytes are equal.
		if len(want) == 1 && string(direct) != string(js) {
			t.Fatalf("transcoded %s, AppendItem %s", js, direct)
		}
	}
}

// jsonItem decodes an item's JSON as the request decoder does (invalid
// values and all: the empty name, say, stays in).
func jsonItem(t *testing.T, js []byte) ddb.Item {
	t.Helper()
	d := decoder{scanner: scanner{data: js}}
	it, err := d.item(false)
	if err == nil {
		err = d.end()
	}
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return ddb.Item(it)
}

func TestAppendEncodedItemCorrupt(t *testing.T) {
	enc := itemcodec.Encode(ddb.Item{"a": ddb.S("xyz"), "l": ddb.L([]ddb.AttributeValue{ddb.N("1")})})
	for i := 0; i < len(enc); i++ {
		if _, err := AppendEncodedItem(nil, enc[:i]); err == nil {
			t.Fatalf("truncated at %d: no error", i)
		}
	}
	if _, err := AppendEncodedItem(nil, append(enc[:len(enc):len(enc)], 0)); err == nil {
		t.Fatal("trailing byte: no error")
	}
	deep := []byte{itemcodec.Version, 1, 1, 'a'}
	for range itemcodec.MaxDepth + 1 {
		deep = append(deep, byte(itemcodec.KindL), 1)
	}
	deep = append(deep, byte(itemcodec.KindNULL))
	if _, err := AppendEncodedItem(nil, deep); err == nil {
		t.Fatal("too deep: no error")
	}
}

// TestAppendJSONEncodedItems: output fields of type EncodedItem and
// []EncodedItem are written as items; nil ones are left out.
func TestAppendJSONEncodedItems(t *testing.T) {
	type out struct {
		Item  EncodedItem   `json:"Item,omitempty"`
		Items []EncodedItem `json:"Items,omitempty"`
		Count int32         `json:"Count"`
	}
	a := itemcodec.Encode(ddb.Item{"k": ddb.S("a")})
	b := itemcodec.Encode(ddb.Item{"k": ddb.N("2")})
	if got := string(AppendJSON(nil, &out{Item: a, Items: []EncodedItem{a, b}, Count: 2})); got !=
		`{"Item":{"k":{"S":"a"}},"Items":[{"k":{"S":"a"}},{"k":{"N":"2"}}],"Count":2}` {
		t.Fatal(got)
	}
	if got := string(AppendJSON(nil, &out{})); got != `{"Count":0}` {
		t.Fatal(got)
	}
	if got, err := json.Marshal(EncodedItem(a)); err != nil || string(got) != `{"k":{"S":"a"}}` {
		t.Fatal(string(got), err)
	}
}

// FuzzAppendEncodedItem: transcoding arbitrary bytes never panics, and for
// every valid encoding it gives JSON that decodes to the decoded item.
func FuzzAppendEncodedItem(f *testing.F) {
	for _, it := range encodedTestItems() {
		f.Add(itemcodec.Encode(it))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		js, err := AppendEncodedItem(nil, data)
		want, derr := itemcodec.Decode(data)
		if derr != nil {
			return // the transcoder checks less than Decode: any result is fine
		}
		if err != nil {
			t.Fatalf("Decode accepts %x, AppendEncodedItem: %v", data, err)
		}
		direct := AppendItem(nil, want)
		if !ddb.ItemsEqual(jsonItem(t, js), jsonItem(t, direct)) {
			t.Fatalf("transcoded %s, AppendItem %s", js, direct)
		}
	})
}
