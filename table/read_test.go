package table

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/expr"
	"github.com/dynago/dynago/storage/memory"
	"github.com/dynago/dynago/wire"
)

func qsStr(s string) *string { return &s }

func TestFilterExprInfo(t *testing.T) {
	names := map[string]string{"#a": "alpha", "#d": "data", "#k": "key"}
	cases := []struct {
		expr, heads, nested string
	}{
		{"a = :v", "a", ""},
		{"attribute_exists(a.b.c) AND #k = b", "a b key", "a"},
		{"size(#a[0]) > :n OR NOT begins_with(s, :p)", "alpha s", "alpha"},
		{"x BETWEEN y AND z", "x y z", ""},
		{"a IN (b, c.d, :v)", "a b c", "c"},
		{"contains(#d . x, :v) and e [ 2 ] = f", "data e f", "data e"},
		{"attribute_type(t, :s) and (andy = inn)", "andy inn t", ""},
		{"  m.#k[1].#a <> :v ", "m", "m"},
	}
	for _, tc := range cases {
		p, err := expr.NewParams(names, ddb.Item{":v": ddb.S("x"), ":n": ddb.N("1"), ":p": ddb.S("p"), ":s": ddb.S("S")})
		if err != nil {
			t.Fatal(err)
		}
		c, err := expr.ParseFilter(tc.expr, p)
		if err != nil {
			t.Fatalf("%q: %v", tc.expr, err)
		}
		fi := filterExprInfo(c)
		if got := setString(fi.heads); got != tc.heads {
			t.Errorf("%q: heads %q, want %q", tc.expr, got, tc.heads)
		}
		if got := setString(fi.nested); got != tc.nested {
			t.Errorf("%q: nested %q, want %q", tc.expr, got, tc.nested)
		}
	}
}

func setString(m map[string]bool) string {
	var s []string
	for k := range m {
		s = append(s, k)
	}
	sort.Strings(s)
	return strings.Join(s, " ")
}

// Secondary indexes: an index is another key range, its entries keyed by
// keycodec.AppendIndexKey and holding the projected item, written by the
// item writes themselves (writeIndexEntries) and read through Query and
// Scan.
func TestIndexReads(t *testing.T) {
	ctx := context.Background()
	eng := memory.New()
	db, err := Open(eng, Config{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	key := func(h, r string) []wire.KeySchemaElement {
		k := []wire.KeySchemaElement{{AttributeName: qsStr(h), KeyType: qsStr("HASH")}}
		if r != "" {
			k = append(k, wire.KeySchemaElement{AttributeName: qsStr(r), KeyType: qsStr("RANGE")})
		}
		return k
	}
	def := func(n string) wire.AttributeDefinition {
		return wire.AttributeDefinition{AttributeName: qsStr(n), AttributeType: qsStr("S")}
	}
	_, err = db.CreateTable(ctx, &wire.CreateTableInput{
		TableName:            qsStr("idx"),
		AttributeDefinitions: []wire.AttributeDefinition{def("a"), def("b"), def("c"), def("d")},
		KeySchema:            key("a", "b"),
		BillingMode:          qsStr("PAY_PER_REQUEST"),
		LocalSecondaryIndexes: []wire.LocalSecondaryIndex{
			{IndexName: qsStr("index1"), KeySchema: key("a", "c"), Projection: &wire.Projection{ProjectionType: qsStr("ALL")}},
			{IndexName: qsStr("index2"), KeySchema: key("a", "d"), Projection: &wire.Projection{ProjectionType: qsStr("INCLUDE"), NonKeyAttributes: []string{"c"}}},
		},
		GlobalSecondaryIndexes: []wire.GlobalSecondaryIndex{
			{IndexName: qsStr("index3"), KeySchema: key("c", ""), Projection: &wire.Projection{ProjectionType: qsStr("ALL")}},
			{IndexName: qsStr("index4"), KeySchema: key("c", "d"), Projection: &wire.Projection{ProjectionType: qsStr("INCLUDE"), NonKeyAttributes: []string{"e"}}},
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	items := []ddb.Item{
		{"a": ddb.S("x"), "b": ddb.S("1"), "c": ddb.S("1"), "d": ddb.S("1")},
		{"a": ddb.S("x"), "b": ddb.S("2"), "c": ddb.S("2")},
		{"a": ddb.S("x"), "b": ddb.S("3"), "c": ddb.S("10"), "d": ddb.S("3"), "e": ddb.S("e3"), "f": ddb.S("f3")},
		{"a": ddb.S("x"), "b": ddb.S("4"), "c": ddb.S("a"), "d": ddb.S("4"), "e": ddb.S(strings.Repeat("e", 5000))},
		{"a": ddb.S("y"), "b": ddb.S("1"), "c": ddb.S("a"), "d": ddb.S("9")},
	}
	for _, it := range items {
		if _, err := db.PutItem(ctx, &wire.PutItemInput{TableName: qsStr("idx"), Item: wire.Item(it)}); err != nil {
			t.Fatal(err)
		}
	}
	render := func(items []wire.Item) string {
		var s []string
		for _, it := range items {
			var keys []string
			for k, v := range it {
				keys = append(keys, k+"="+v.S)
			}
			sort.Strings(keys)
			s = append(s, strings.Join(keys, ","))
		}
		return strings.Join(s, " | ")
	}
	q := func(in wire.QueryInput) *wire.QueryOutput {
		t.Helper()
		in.TableName = qsStr("idx")
		out, err := db.Query(ctx, &in)
		if err != nil {
			t.Fatal(err)
		}
		if out.Items, err = out.AllItems(); err != nil {
			t.Fatal(err)
		}
		return out
	}
	kc := func(cond string, v ...string) (*string, wire.Item) {
		vals := wire.Item{}
		for i, s := range v {
			vals[fmt.Sprintf(":v%d", i)] = ddb.S(s)
		}
		return qsStr(cond), vals
	}

	// LSI with everything projected: sort-key order of c (by bytes).
	cond, vals := kc("a = :v0", "x")
	out := q(wire.QueryInput{IndexName: qsStr("index1"), KeyConditionExpression: cond, ExpressionAttributeValues: vals, ProjectionExpression: qsStr("b")})
	if got := render(out.Items); got != "b=1 | b=3 | b=2 | b=4" {
		t.Fatalf("index1: %s", got)
	}
	// Paging through an index: LastEvaluatedKey holds the table and index keys.
	out = q(wire.QueryInput{IndexName: qsStr("index1"), KeyConditionExpression: cond, ExpressionAttributeValues: vals, Limit: int32p(2), ScanIndexForward: boolp(false)})
	if got := render([]wire.Item{out.LastEvaluatedKey}); got != "a=x,b=2,c=2" {
		t.Fatalf("index1 LastEvaluatedKey: %s", got)
	}
	out = q(wire.QueryInput{IndexName: qsStr("index1"), KeyConditionExpression: cond, ExpressionAttributeValues: vals, ExclusiveStartKey: out.LastEvaluatedKey, ScanIndexForward: boolp(false), ProjectionExpression: qsStr("b")})
	if got := render(out.Items); got != "b=3 | b=1" || out.LastEvaluatedKey != nil {
		t.Fatalf("index1 second page: %s", got)
	}

	// LSI with an INCLUDE projection: the projected attributes by default,
	// the base items for ALL_ATTRIBUTES (and the capacity of both).
	cond, vals = kc("a = :v0 AND d >= :v1", "x", "1")
	out = q(wire.QueryInput{IndexName: qsStr("index2"), KeyConditionExpression: cond, ExpressionAttributeValues: vals, ReturnConsumedCapacity: qsStr("INDEXES")})
	if got := render(out.Items); got != "a=x,b=1,c=1,d=1 | a=x,b=3,c=10,d=3 | a=x,b=4,c=a,d=4" {
		t.Fatalf("index2: %s", got)
	}
	if cc := out.ConsumedCapacity; cc.CapacityUnits != 0.5 || cc.Table.CapacityUnits != 0 || cc.LocalSecondaryIndexes["index2"].CapacityUnits != 0.5 {
		t.Fatalf("index2 capacity: %+v", cc)
	}
	out = q(wire.QueryInput{IndexName: qsStr("index2"), KeyConditionExpression: cond, ExpressionAttributeValues: vals, Select: qsStr("ALL_ATTRIBUTES"), ConsistentRead: boolp(true), ReturnConsumedCapacity: qsStr("INDEXES")})
	if len(out.Items) != 3 || out.Items[1]["f"].S != "f3" || len(out.Items[2]["e"].S) != 5000 {
		t.Fatalf("index2 ALL_ATTRIBUTES: %s", render(out.Items))
	}
	// Each base item fetched is a read of its own, rounded up to 4 KB:
	// 1 + 1 + 2 units.
	if cc := out.ConsumedCapacity; cc.CapacityUnits != 5 || cc.Table.CapacityUnits != 4 || cc.LocalSecondaryIndexes["index2"].CapacityUnits != 1 {
		t.Fatalf("index2 ALL_ATTRIBUTES capacity: %+v", cc)
	}

	// GSIs.
	cond, vals = kc("c = :v0", "a")
	out = q(wire.QueryInput{IndexName: qsStr("index3"), KeyConditionExpression: cond, ExpressionAttributeValues: vals, ReturnConsumedCapacity: qsStr("INDEXES")})
	if got := render(out.Items); got != "a=x,b=4,c=a,d=4,e="+strings.Repeat("e", 5000)+" | a=y,b=1,c=a,d=9" {
		t.Fatalf("index3: %.80s", got)
	}
	if cc := out.ConsumedCapacity; cc.GlobalSecondaryIndexes["index3"].CapacityUnits != 1 || cc.Table.CapacityUnits != 0 {
		t.Fatalf("index3 capacity: %+v", cc)
	}
	out = q(wire.QueryInput{IndexName: qsStr("index4"), KeyConditionExpression: cond, ExpressionAttributeValues: vals, Limit: int32p(1), ProjectionExpression: qsStr("d")})
	if got := render(out.Items) + " " + render([]wire.Item{out.LastEvaluatedKey}); got != "d=4 a=x,b=4,c=a,d=4" {
		t.Fatalf("index4: %s", got)
	}
	scan, err := db.Scan(ctx, &wire.ScanInput{TableName: qsStr("idx"), IndexName: qsStr("index3"), ProjectionExpression: qsStr("c")})
	if err != nil || scan.Count != 5 {
		t.Fatalf("scan index3: %+v %v", scan, err)
	}

	for _, tc := range []struct {
		in  wire.QueryInput
		msg string
	}{
		{wire.QueryInput{IndexName: qsStr("index3"), ConsistentRead: boolp(true)}, "Consistent reads are not supported on global secondary indexes"},
		{wire.QueryInput{IndexName: qsStr("index4"), Select: qsStr("ALL_ATTRIBUTES")}, "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index index4 because its projection type is not ALL"},
		{wire.QueryInput{IndexName: qsStr("index4"), ExclusiveStartKey: wire.Item{"a": ddb.S("x"), "b": ddb.S("1"), "c": ddb.S("a")}}, "The provided starting key is invalid"},
		{wire.QueryInput{IndexName: qsStr("index4"), ExclusiveStartKey: wire.Item{"a": ddb.S("x"), "b": ddb.S("1"), "c": ddb.S("a"), "e": ddb.S("a")}}, "The provided starting key is invalid"},
		{wire.QueryInput{IndexName: qsStr("index4"), ExclusiveStartKey: wire.Item{"x": ddb.S("x"), "y": ddb.S("1"), "c": ddb.S("a"), "d": ddb.S("a")}}, "The provided starting key is invalid: The provided key element does not match the schema"},
		{wire.QueryInput{IndexName: qsStr("index3"), ExclusiveStartKey: wire.Item{"a": ddb.S("x"), "b": ddb.S("1"), "c": ddb.S("b")}}, "The provided starting key is outside query boundaries based on provided conditions"},
		{wire.QueryInput{IndexName: qsStr("index3"), FilterExpression: qsStr("c = :v0")}, "Filter Expression can only contain non-primary key attributes: Primary key attribute: c"},
		{wire.QueryInput{IndexName: qsStr("index3"), FilterExpression: qsStr("d.x = :v0")}, "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: IndexKey: d"},
	} {
		in := tc.in
		in.TableName, in.KeyConditionExpression, in.ExpressionAttributeValues = qsStr("idx"), cond, vals
		_, err := db.Query(ctx, &in)
		var de *ddb.Error
		if !errors.As(err, &de) || de.Message != tc.msg {
			t.Errorf("%+v: got %v, want %q", tc.in, err, tc.msg)
		}
	}
}

func int32p(n int32) *int32 { return &n }
func boolp(b bool) *bool    { return &b }
