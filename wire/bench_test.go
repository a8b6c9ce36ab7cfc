package wire

import (
	"testing"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/itemcodec"
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

// The requests `dynago bench` sends (200-byte items), decoded and validated
// as the api handler does.
var (
	benchGetReq = []byte(`{"TableName":"dynago_bench","Key":{"pk":{"S":"p123"},"sk":{"N":"4"}}}`)
	benchPutReq = []byte(`{"TableName":"dynago_bench","Item":{"pk":{"S":"p123"},"sk":{"N":"4"},"n":{"N":"0"},"data":{"S":"` +
		`abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789` +
		`abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrst"}}}`)
	benchUpdateReq = []byte(`{"TableName":"dynago_bench","Key":{"pk":{"S":"p123"},"sk":{"N":"4"}},"UpdateExpression":"SET n = n + :one",` +
		`"ConditionExpression":"attribute_exists(pk)","ExpressionAttributeValues":{":one":{"N":"1"}}}`)
	benchQueryReq = []byte(`{"TableName":"dynago_bench","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"S":"p123"}}}`)
)

func benchDecode[T any, PT interface {
	*T
	Validate() error
}](b *testing.B, body []byte) {
	b.ReportAllocs()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		in := PT(new(T))
		if err := Decode(body, in); err != nil {
			b.Fatal(err)
		}
		if err := in.Validate(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeGetItemBench(b *testing.B)    { benchDecode[GetItemInput](b, benchGetReq) }
func BenchmarkDecodePutItemBench(b *testing.B)    { benchDecode[PutItemInput](b, benchPutReq) }
func BenchmarkDecodeUpdateItemBench(b *testing.B) { benchDecode[UpdateItemInput](b, benchUpdateReq) }
func BenchmarkDecodeQueryBench(b *testing.B)      { benchDecode[QueryInput](b, benchQueryReq) }

// benchItems are ten items of the bench table's shape.
func benchItems(b *testing.B) []Item {
	var in PutItemInput
	if err := Decode(benchPutReq, &in); err != nil {
		b.Fatal(err)
	}
	items := make([]Item, 10)
	for i := range items {
		it := make(Item, len(in.Item))
		for k, v := range in.Item {
			it[k] = v
		}
		it["sk"] = ddb.N(string(rune('0' + i)))
		items[i] = it
	}
	return items
}

// BenchmarkEncodeQuery10 encodes a Query answer of ten 200-byte items.
func BenchmarkEncodeQuery10(b *testing.B) {
	out := &QueryOutput{Items: benchItems(b), Count: 10, ScannedCount: 10}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendJSON(buf[:0], out)
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkEncodeGetItemBench encodes a GetItem answer of one 200-byte item.
func BenchmarkEncodeGetItemBench(b *testing.B) {
	out := &GetItemOutput{Item: benchItems(b)[0]}
	buf := make([]byte, 0, 1024)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendJSON(buf[:0], out)
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkEncodeEmpty encodes the answer of a PutItem or UpdateItem
// without return values.
func BenchmarkEncodeEmpty(b *testing.B) {
	out := &PutItemOutput{}
	buf := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendJSON(buf[:0], out)
	}
}

// The two ways to answer a Query of ten stored 200-byte items: decode each
// item into a map and encode the maps (what the table layer does today),
// or transcode the stored encodings (EncodedItem).
func BenchmarkQuery10FromStoreDecoded(b *testing.B) {
	stored := make([][]byte, 0, 10)
	for _, it := range benchItems(b) {
		stored = append(stored, itemcodec.Encode(ddb.Item(it)))
	}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		out := &QueryOutput{Items: make([]Item, 0, len(stored)), Count: 10, ScannedCount: 10}
		for _, raw := range stored {
			it, err := itemcodec.Decode(raw)
			if err != nil {
				b.Fatal(err)
			}
			out.Items = append(out.Items, Item(it))
		}
		buf = AppendJSON(buf[:0], out)
	}
}

func BenchmarkQuery10FromStoreEncoded(b *testing.B) {
	type encodedQueryOutput struct {
		Items        []EncodedItem `json:"Items,omitempty"`
		Count        int32         `json:"Count"`
		ScannedCount int32         `json:"ScannedCount"`
	}
	stored := make([][]byte, 0, 10)
	for _, it := range benchItems(b) {
		stored = append(stored, itemcodec.Encode(ddb.Item(it)))
	}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		out := &encodedQueryOutput{Items: make([]EncodedItem, 0, len(stored)), Count: 10, ScannedCount: 10}
		for _, raw := range stored {
			out.Items = append(out.Items, raw)
		}
		buf = AppendJSON(buf[:0], out)
	}
}
