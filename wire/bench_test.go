package wire

import (
	"testing"

	"github.com/dynago/dynago/ddb"
)

// A PutItem request with an item of about 200 bytes.
var benchPutItem = []byte(`{"TableName":"orders","Item":{"pk":{"S":"customer#12345"},"sk":{"S":"order#2024-01-15T10:30:00Z"},` +
	`"amount":{"N":"149.99"},"qty":{"N":"3"},"status":{"S":"SHIPPED"},"gift":{"BOOL":false},` +
	`"tags":{"SS":["priority","fragile"]},"address":{"M":{"city":{"S":"Berlin"},"zip":{"S":"10115"}}}},` +
	`"ConditionExpression":"attribute_not_exists(pk)","ReturnConsumedCapacity":"TOTAL"}`)

func BenchmarkDecodePutItem(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(benchPutItem)))
	for i := 0; i < b.N; i++ {
		var in PutItemInput
		if err := Decode(benchPutItem, &in); err != nil {
			b.Fatal(err)
		}
		if err := in.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeGetItem(b *testing.B) {
	var in PutItemInput
	if err := Decode(benchPutItem, &in); err != nil {
		b.Fatal(err)
	}
	out := &GetItemOutput{Item: in.Item, ConsumedCapacity: &ConsumedCapacity{TableName: "orders", CapacityUnits: 0.5}}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = AppendJSON(buf[:0], out)
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkAppendItem(b *testing.B) {
	var in PutItemInput
	if err := Decode(benchPutItem, &in); err != nil {
		b.Fatal(err)
	}
	it := ddb.Item(in.Item)
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		buf = AppendItem(buf[:0], it)
	}
}
