package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

func decode(t *testing.T, b []byte) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("invalid JSON %v:\n%s", err, b)
	}
	return m
}

func key(p, s int) map[string]any {
	return map[string]any{"pk": map[string]any{"S": fmt.Sprintf("p%d", p)}, "sk": map[string]any{"N": fmt.Sprint(s)}}
}

// itemSize computes DynamoDB's size of an item of S and N attributes.
func itemSize(item map[string]any) int {
	n := 0
	for name, v := range item {
		n += len(name)
		for typ, val := range v.(map[string]any) {
			s := val.(string)
			if typ == "S" {
				n += len(s)
			} else {
				n += (len(strings.TrimLeft(s, "0"))+1)/2 + 1
			}
		}
	}
	return n
}

func TestBodyTemplates(t *testing.T) {
	wl := newWorkload("bench_t", 1000, 200, 7, 42)
	if wl.partitions != 143 {
		t.Errorf("partitions = %d, want 143", wl.partitions)
	}
	check := func(name string, got []byte, want map[string]any) {
		t.Helper()
		g, _ := json.Marshal(decode(t, got))
		w, _ := json.Marshal(want)
		if !bytes.Equal(g, w) {
			t.Errorf("%s:\n got %s\nwant %s", name, g, w)
		}
	}
	// The buffers are reused: bodies are appended after existing bytes.
	check("get", wl.appendGet([]byte{}, 999)[0:], map[string]any{"TableName": "bench_t", "Key": key(142, 5)})
	check("update", wl.appendUpdate(nil, 15), map[string]any{
		"TableName": "bench_t", "Key": key(2, 1),
		"UpdateExpression":          "SET n = n + :one",
		"ConditionExpression":       "attribute_exists(pk)",
		"ExpressionAttributeValues": map[string]any{":one": map[string]any{"N": "1"}},
	})
	check("query", wl.appendQuery(nil, 17), map[string]any{
		"TableName": "bench_t", "KeyConditionExpression": "pk = :p",
		"ExpressionAttributeValues": map[string]any{":p": map[string]any{"S": "p17"}},
	})
	check("scan", wl.appendScan(nil, nil), map[string]any{"TableName": "bench_t", "Limit": 100})
	esk := []byte(`{"pk":{"S":"p3"},"sk":{"N":"4"}}`)
	check("scan page 2", wl.appendScan(nil, esk), map[string]any{"TableName": "bench_t", "Limit": 100, "ExclusiveStartKey": key(3, 4)})

	put := decode(t, wl.appendPut(nil, 8, 100))
	item := put["Item"].(map[string]any)
	if put["TableName"] != "bench_t" || len(put) != 2 {
		t.Errorf("put: %v", put)
	}
	data := item["data"].(map[string]any)["S"].(string)
	if data != string(wl.pool[100:100+wl.dataLen]) {
		t.Error("put payload is not the pool slice")
	}
	if item["n"].(map[string]any)["N"] != "0" || item["pk"].(map[string]any)["S"] != "p1" || item["sk"].(map[string]any)["N"] != "1" {
		t.Errorf("put item %v", item)
	}
	if size := itemSize(item); size < 195 || size > 205 {
		t.Errorf("item size %d, want about 200", size)
	}

	batch := decode(t, wl.appendBatch(nil, 990, 25, newRand(1)))
	reqs := batch["RequestItems"].(map[string]any)["bench_t"].([]any)
	if len(batch) != 1 || len(reqs) != 25 {
		t.Fatalf("batch: %d requests", len(reqs))
	}
	seen := map[string]bool{}
	for i, r := range reqs {
		it := r.(map[string]any)["PutRequest"].(map[string]any)["Item"].(map[string]any)
		k, _ := json.Marshal(map[string]any{"pk": it["pk"], "sk": it["sk"]})
		seen[string(k)] = true
		want, _ := json.Marshal(key((990+i)%1000/7, (990+i)%1000%7))
		if string(k) != string(want) {
			t.Errorf("batch item %d key %s, want %s", i, k, want)
		}
	}
	if len(seen) != 25 {
		t.Errorf("batch has %d distinct keys, want 25 (wraps around the item range)", len(seen))
	}
}

func TestItemSizeFollowsFlag(t *testing.T) {
	for _, size := range []int{1, 50, 200, 1000, 100000} {
		wl := newWorkload("bench_t", 10000, size, 10, 1)
		item := decode(t, wl.appendPut(nil, 9999, 0))["Item"].(map[string]any)
		got := itemSize(item)
		if size >= 50 && (got < size-3 || got > size+3) {
			t.Errorf("--item-size %d: item is %d bytes", size, got)
		}
		if wl.dataLen < 1 || len(wl.pool) < wl.dataLen {
			t.Errorf("--item-size %d: dataLen %d pool %d", size, wl.dataLen, len(wl.pool))
		}
	}
}

func TestTableNameIsEscaped(t *testing.T) {
	wl := newWorkload(`we"ird`, 10, 10, 1, 1)
	if m := decode(t, wl.appendGet(nil, 1)); m["TableName"] != `we"ird` {
		t.Errorf("TableName %v", m["TableName"])
	}
}

func TestRawField(t *testing.T) {
	body := []byte(`{"Count":2,"Items":[{"pk":{"S":"a}\"{"}}],"LastEvaluatedKey" : {"pk":{"S":"p\"}1"},"sk":{"N":"3"}} ,"ScannedCount":2}`)
	if got := string(rawField(body, "LastEvaluatedKey")); got != `{"pk":{"S":"p\"}1"},"sk":{"N":"3"}}` {
		t.Errorf("LastEvaluatedKey = %s", got)
	}
	if got := string(rawField(body, "Count")); got != "2" {
		t.Errorf("Count = %s", got)
	}
	if got := rawField([]byte(`{"Count":0,"Items":[]}`), "LastEvaluatedKey"); got != nil {
		t.Errorf("absent field = %s", got)
	}
	if got := rawField([]byte(`{"LastEvaluatedKey":{"pk":`), "LastEvaluatedKey"); got != nil {
		t.Errorf("truncated field = %s", got)
	}
	for raw, want := range map[string]bool{`{}`: true, `{ }`: true, "{\n}": true, `{"t":[]}`: false, `[]`: false, ``: false} {
		if isEmptyObject([]byte(raw)) != want {
			t.Errorf("isEmptyObject(%q) != %v", raw, want)
		}
	}
}

func TestErrorType(t *testing.T) {
	cases := map[string]string{
		`{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}`: "ConditionalCheckFailedException",
		`{"__type":"com.amazon.coral.validate#ValidationException","message":"x"}`:                                                 "ValidationException",
		`{"message":"x", "__type" : "ThrottlingException"}`:                                                                        "ThrottlingException",
		`{"message":"no type"}`: "",
		`not json`:              "",
	}
	for body, want := range cases {
		if got := string(errorType([]byte(body))); got != want {
			t.Errorf("errorType(%s) = %q, want %q", body, got, want)
		}
	}
}

func TestReadBody(t *testing.T) {
	big := strings.Repeat("x", 100000)
	buf := make([]byte, 0, 16)
	for _, cl := range []int64{-1, 100000} {
		got, err := readBody(iotest.HalfReader(strings.NewReader(big)), buf, cl)
		if err != nil || string(got) != big {
			t.Fatalf("content length %d: %d bytes, %v", cl, len(got), err)
		}
	}
	got, err := readBody(iotest.DataErrReader(strings.NewReader("abc")), nil, -1)
	if err != nil || string(got) != "abc" {
		t.Errorf("data+EOF: %q %v", got, err)
	}
	_, err = readBody(iotest.ErrReader(io.ErrUnexpectedEOF), nil, -1)
	if err != io.ErrUnexpectedEOF {
		t.Errorf("error = %v", err)
	}
}
