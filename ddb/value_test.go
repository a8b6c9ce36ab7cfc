package ddb

import (
	"encoding/json"
	"testing"
)

func TestTypeText(t *testing.T) {
	for typ := TypeNone; typ <= TypeBS; typ++ {
		b, err := json.Marshal(KeyAttr{Name: "a", Type: typ})
		if err != nil {
			t.Fatal(err)
		}
		var back KeyAttr
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", b, err)
		}
		if back.Type != typ {
			t.Fatalf("%s round-trips to %v", b, back.Type)
		}
	}
	b, _ := json.Marshal(KeyAttr{Name: "a", Type: TypeN})
	if string(b) != `{"Name":"a","Type":"N"}` {
		t.Fatalf("stored form %s", b)
	}
	var k KeyAttr
	if err := json.Unmarshal([]byte(`{"Name":"a","Type":"X"}`), &k); err == nil {
		t.Fatal("unknown type accepted")
	}
}
