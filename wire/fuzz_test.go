package wire

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/dynago/dynago/ddb"
)

var fuzzSeeds = []string{
	`{"a":{"S":"x"}}`,
	`{"n":{"N":"1.50e2"},"b":{"B":"Yg=="},"bool":{"BOOL":true},"null":{"NULL":true}}`,
	`{"ss":{"SS":["a","b"]},"ns":{"NS":["1","-2.5"]},"bs":{"BS":["YQ==","Yg=="]}}`,
	`{"l":{"L":[{"S":"x"},{"L":[]},{"M":{"k":{"N":"0"}}}]}}`,
	`{"e":{},"m":{"S":"a","N":"1"},"x":null,"":{"S":"y"}}`,
	`{"s":{"S":"\u00e9\ud83d\ude00\"\\"}}`,
	`{"a":{"SS":["a","a"]},"b":{"NS":["1","1.0"]},"c":{"BS":[]}}`,
	`{"a":{"B":"=+/="}}`,
	`{"a":` + nest(40, `{"S":"x"}`) + `}`,
	`{"a":{"S":1}}`,
	`[`,
}

// FuzzItemRoundTrip: decoding never panics, and whatever decodes encodes to
// JSON that decodes to the same item (and encodes to the same bytes again
// for single-attribute items, whose key order is fixed).
func FuzzItemRoundTrip(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var it Item
		if err := it.UnmarshalJSON(data); err != nil {
			if _, ok := err.(*ddb.Error); !ok {
				t.Fatalf("non-ddb error %T %v", err, err)
			}
			return
		}
		enc := AppendItem(nil, ddb.Item(it))
		if !json.Valid(enc) {
			t.Fatalf("invalid JSON %q", enc)
		}
		var again Item
		if err := again.UnmarshalJSON(enc); err != nil {
			t.Fatalf("re-decode of %q: %v", enc, err)
		}
		if !ddb.ItemsEqual(ddb.Item(it), ddb.Item(again)) {
			t.Fatalf("round trip changed %q -> %q", data, enc)
		}
		if len(it) <= 1 && !bytes.Equal(enc, AppendItem(nil, ddb.Item(again))) {
			t.Fatalf("encoding not stable for %q", enc)
		}
	})
}

// FuzzDecodeRequest: decoding and validating arbitrary bodies never panics
// and only ever fails with a *ddb.Error; and a body Decode accepts is JSON
// (unless it is only white space): the api handler relies on that to skip
// a separate syntax check.
func FuzzDecodeRequest(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(`{"TableName":"abc","Item":` + s + `}`))
	}
	f.Add([]byte(`{"TableName":"abc","Key":{"a":{"S":"x"}},"Expected":{"a":{"ComparisonOperator":"IN","AttributeValueList":[{"S":"x"},null]}},"ExpressionAttributeValues":{":v":{}}}`))
	f.Add([]byte(`{"RequestItems":{"abc":[{"PutRequest":{"Item":{"a":{"S":"x"}}}}]}}`))
	f.Add([]byte(`{"TransactItems":[{"Put":{"TableName":"abc","Item":{}}},{}]}`))
	f.Add([]byte(`{"TableName":1,"Item":{"a":{"S":"x"}}`))
	f.Add([]byte(`{"Key":{"a":{"S":"x"}},"X":[1,{"y":tru]}`))
	f.Add([]byte(" \n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		valid := json.Valid(data)
		for _, in := range []validator{&PutItemInput{}, &UpdateItemInput{}, &QueryInput{}, &BatchWriteItemInput{}, &TransactWriteItemsInput{}, &CreateTableInput{}, &GetItemInput{}, &ScanInput{}} {
			err := Decode(data, in)
			if err == nil && !valid && len(bytes.TrimSpace(data)) > 0 {
				t.Fatalf("Decode accepted %q, which is not JSON", data)
			}
			if err == nil {
				err = in.Validate()
			}
			if err != nil {
				if _, ok := err.(*ddb.Error); !ok {
					t.Fatalf("non-ddb error %T %v", err, err)
				}
			}
		}
	})
}

func TestFuzzSeedsAreExercised(t *testing.T) {
	for _, s := range fuzzSeeds {
		var it Item
		_ = it.UnmarshalJSON([]byte(s))
	}
	if !strings.Contains(fuzzSeeds[0], "S") {
		t.Fatal("seeds")
	}
}
