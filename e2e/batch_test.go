package e2e

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func putReq(it item) types.WriteRequest {
	return types.WriteRequest{PutRequest: &types.PutRequest{Item: it}}
}

func delReq(key item) types.WriteRequest {
	return types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: key}}
}

// renderSet renders items in sorted order, for comparing unordered results.
func renderSet(items []item) string {
	s := make([]string, len(items))
	for i, it := range items {
		s[i] = render(it)
	}
	sort.Strings(s)
	return strings.Join(s, "\n")
}

func wantItemSet(t *testing.T, got, want []item) {
	t.Helper()
	if renderSet(got) != renderSet(want) {
		t.Fatalf("items\n  got\n%s\n  want\n%s", renderSet(got), renderSet(want))
	}
}

func TestBatchWriteAndGet(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "bat_h")
	createRangeTable(t, ctx, c, "bat_r", types.ScalarAttributeTypeN)

	out, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
		"bat_h": {putReq(item{"pk": S("a"), "v": N("1"), "w": S("x")}), putReq(item{"pk": S("b"), "v": N("2")}), putReq(item{"pk": S("c"), "v": N("3")})},
		"bat_r": {putReq(item{"pk": S("a"), "sk": N("1")}), putReq(item{"pk": S("a"), "sk": N("2"), "v": S("two")})},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if out.UnprocessedItems == nil || len(out.UnprocessedItems) != 0 {
		t.Fatalf("UnprocessedItems %v", out.UnprocessedItems)
	}

	// Puts and deletes together; a delete of a missing item is fine.
	if _, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
		"bat_h": {delReq(item{"pk": S("c")}), delReq(item{"pk": S("nope")}), putReq(item{"pk": S("d")})},
		"bat_r": {delReq(item{"pk": S("a"), "sk": N("1.0")})},
	}}); err != nil {
		t.Fatal(err)
	}

	g, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		"bat_h": {Keys: []item{{"pk": S("a")}, {"pk": S("b")}, {"pk": S("c")}, {"pk": S("d")}}, ConsistentRead: aws.Bool(true)},
		"bat_r": {Keys: []item{{"pk": S("a"), "sk": N("1")}, {"pk": S("a"), "sk": N("2")}}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	wantItemSet(t, g.Responses["bat_h"], []item{{"pk": S("a"), "v": N("1"), "w": S("x")}, {"pk": S("b"), "v": N("2")}, {"pk": S("d")}})
	wantItemSet(t, g.Responses["bat_r"], []item{{"pk": S("a"), "sk": N("2"), "v": S("two")}})
	if g.UnprocessedKeys == nil || len(g.UnprocessedKeys) != 0 {
		t.Fatalf("UnprocessedKeys %v", g.UnprocessedKeys)
	}

	// Projections per table: an expression with names on one table, the
	// same on the other; a table whose keys all miss is present and empty.
	g, err = c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		"bat_h": {Keys: []item{{"pk": S("a")}, {"pk": S("d")}}, ProjectionExpression: aws.String("#w, v"), ExpressionAttributeNames: map[string]string{"#w": "w"}},
		"bat_r": {Keys: []item{{"pk": S("zz"), "sk": N("1")}}, ProjectionExpression: aws.String("sk")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	wantItemSet(t, g.Responses["bat_h"], []item{{"v": N("1"), "w": S("x")}, {}})
	if r, ok := g.Responses["bat_r"]; !ok || len(r) != 0 {
		t.Fatalf("responses of a table with no hits: %v (present %v)", r, ok)
	}

	// The legacy AttributesToGet.
	g, err = c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{
		"bat_h": {Keys: []item{{"pk": S("a")}}, AttributesToGet: []string{"pk", "w"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	wantItemSet(t, g.Responses["bat_h"], []item{{"pk": S("a"), "w": S("x")}})
}

func TestBatchValidation(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "bat_v")
	createHashTable(t, ctx, c, "bat_v2")
	createRangeTable(t, ctx, c, "bat_vr", types.ScalarAttributeTypeS)
	bw := func(req map[string][]types.WriteRequest) error {
		_, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: req})
		return err
	}
	bg := func(req map[string]types.KeysAndAttributes) error {
		_, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req})
		return err
	}
	const dupMsg = "Provided list of item keys contains duplicates"
	const schemaMsg = "The provided key element does not match the schema"

	// Duplicates: a put and a delete of one item; two puts of one item.
	wantErr(t, bw(map[string][]types.WriteRequest{"bat_v": {putReq(item{"pk": S("x")}), delReq(item{"pk": S("x")})}}), "ValidationException", dupMsg)
	wantErr(t, bw(map[string][]types.WriteRequest{"bat_vr": {putReq(item{"pk": S("x"), "sk": S("1")}), putReq(item{"pk": S("x"), "sk": S("1"), "v": N("2")})}}), "ValidationException", dupMsg)
	wantErr(t, bg(map[string]types.KeysAndAttributes{"bat_v": {Keys: []item{{"pk": S("x")}, {"pk": S("y")}, {"pk": S("x")}}}}), "ValidationException", dupMsg)
	// The same key in two tables is not a duplicate.
	if err := bw(map[string][]types.WriteRequest{"bat_v": {putReq(item{"pk": S("x")})}, "bat_v2": {putReq(item{"pk": S("x")})}}); err != nil {
		t.Fatal(err)
	}

	// Too many requests, over several tables.
	var reqs25 []types.WriteRequest
	var keys100 []item
	for i := 0; i < 25; i++ {
		reqs25 = append(reqs25, putReq(item{"pk": S(fmt.Sprint(i))}))
	}
	for i := 0; i < 100; i++ {
		keys100 = append(keys100, item{"pk": S(fmt.Sprint(i))})
	}
	wantErr(t, bw(map[string][]types.WriteRequest{"bat_v": reqs25, "bat_v2": {putReq(item{"pk": S("x")})}}), "ValidationException", "Too many items requested for the BatchWriteItem call")
	wantErr(t, bg(map[string]types.KeysAndAttributes{"bat_v": {Keys: keys100}, "bat_v2": {Keys: []item{{"pk": S("x")}}}}), "ValidationException", "Too many items requested for the BatchGetItem call")
	if err := bw(map[string][]types.WriteRequest{"bat_v": reqs25}); err != nil {
		t.Fatalf("exactly 25 writes: %v", err)
	}
	if err := bg(map[string]types.KeysAndAttributes{"bat_v": {Keys: keys100}}); err != nil {
		t.Fatalf("exactly 100 keys: %v", err)
	}

	// Empty requests.
	wantErr(t, bw(map[string][]types.WriteRequest{}), "ValidationException", "1 validation error detected: Value '{}' at 'requestItems' failed to satisfy constraint: Member must have length greater than or equal to 1")
	wantErr(t, bw(map[string][]types.WriteRequest{"bat_v": {{}}}), "ValidationException", "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes")
	wantErrContains(t, bg(map[string]types.KeysAndAttributes{"bat_v": {Keys: []item{}}}), "ValidationException", "Member must have length greater than or equal to 1")

	// Missing tables, also next to an existing one.
	wantErr(t, bw(map[string][]types.WriteRequest{"bat_v": {putReq(item{"pk": S("y")})}, "nope": {putReq(item{"pk": S("y")})}}), "ResourceNotFoundException", "Requested resource not found")
	wantErr(t, bg(map[string]types.KeysAndAttributes{"nope": {Keys: []item{{}}}}), "ResourceNotFoundException", "Requested resource not found")
	if g, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("bat_v"), Key: item{"pk": S("y")}}); err != nil || g.Item != nil {
		t.Fatalf("a refused batch wrote: %v %v", g.Item, err)
	}

	// Item size: refused before the table is looked up.
	big := strings.Repeat("x", 400*1024)
	wantErr(t, bw(map[string][]types.WriteRequest{"nope": {putReq(item{"pk": S("a"), "b": S(big)})}}), "ValidationException", "Item size has exceeded the maximum allowed size")
	justFits := strings.Repeat("x", 400*1024-len("pk")-len("a")-len("b"))
	if err := bw(map[string][]types.WriteRequest{"bat_v": {putReq(item{"pk": S("a"), "b": S(justFits)})}}); err != nil {
		t.Fatalf("an item of exactly 400 KB: %v", err)
	}

	// Keys against the schema.
	wantErr(t, bw(map[string][]types.WriteRequest{"bat_v": {putReq(item{"pk": N("1")})}}), "ValidationException", schemaMsg)
	wantErr(t, bw(map[string][]types.WriteRequest{"bat_v": {putReq(item{"other": S("1")})}}), "ValidationException", schemaMsg)
	wantErr(t, bw(map[string][]types.WriteRequest{"bat_vr": {putReq(item{"pk": S("1")})}}), "ValidationException", schemaMsg)
	wantErr(t, bw(map[string][]types.WriteRequest{"bat_v": {delReq(item{"pk": S("1"), "v": S("x")})}}), "ValidationException", schemaMsg)
	wantErr(t, bw(map[string][]types.WriteRequest{"bat_v": {putReq(item{"pk": S("")})}}), "ValidationException",
		"One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk")
	wantErr(t, bw(map[string][]types.WriteRequest{"bat_v": {putReq(item{"pk": S(strings.Repeat("k", 2049))})}}), "ValidationException",
		"One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes")
	wantErr(t, bg(map[string]types.KeysAndAttributes{"bat_v": {Keys: []item{{"pk": N("1")}}}}), "ValidationException", schemaMsg)
	wantErr(t, bg(map[string]types.KeysAndAttributes{"bat_vr": {Keys: []item{{"pk": S("1")}}}}), "ValidationException", schemaMsg)

	// Projections: expression and legacy parameters may not be mixed, not
	// even across tables; names must be used.
	const mixMsg = "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}"
	wantErr(t, bg(map[string]types.KeysAndAttributes{"bat_v": {Keys: []item{{"pk": S("1")}}, ProjectionExpression: aws.String("v"), AttributesToGet: []string{"v"}}}), "ValidationException", mixMsg)
	wantErr(t, bg(map[string]types.KeysAndAttributes{
		"bat_v":  {Keys: []item{{"pk": S("1")}}, ProjectionExpression: aws.String("v")},
		"bat_v2": {Keys: []item{{"pk": S("1")}}, AttributesToGet: []string{"v"}},
	}), "ValidationException", mixMsg)
	wantErr(t, bg(map[string]types.KeysAndAttributes{"bat_v": {Keys: []item{{"pk": S("1")}}, ProjectionExpression: aws.String("v"), ExpressionAttributeNames: map[string]string{"#x": "x"}}}),
		"ValidationException", "Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}")
}

// A request over the 16 MB body limit is refused before it is read.
func TestBatchWriteRequestTooLarge(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "bbig")
	// Each string is 300 KB of control characters, 1.8 MB once escaped in
	// JSON (\u0001): 10 of them make an 18 MB body of valid-sized items.
	v := strings.Repeat("\x01", 300*1024)
	var reqs []types.WriteRequest
	for i := 0; i < 10; i++ {
		reqs = append(reqs, putReq(item{"pk": S(fmt.Sprint(i)), "v": S(v)}))
	}
	_, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"bbig": reqs}})
	var re interface{ HTTPStatusCode() int }
	if err == nil || !errors.As(err, &re) || re.HTTPStatusCode() != 413 {
		t.Fatalf("an 18 MB request: %v", err)
	}
	// Half of it is fine.
	if _, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"bbig": reqs[:5]}}); err != nil {
		t.Fatal(err)
	}
}

// More than 16 MB of items: BatchGetItem returns what fits and hands the
// rest back in UnprocessedKeys, with the table's read options.
func TestBatchGetUnprocessedKeys(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "bat_u")
	const n = 45
	v := strings.Repeat("v", 400*1024-10) // items just under 400 KB
	var keys []item
	for start := 0; start < n; start += 20 {
		var reqs []types.WriteRequest
		for i := start; i < min(n, start+20); i++ {
			k := fmt.Sprintf("k%02d", i)
			reqs = append(reqs, putReq(item{"pk": S(k), "v": S(v)}))
			keys = append(keys, item{"pk": S(k)})
		}
		if _, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"bat_u": reqs}}); err != nil {
			t.Fatal(err)
		}
	}
	got := map[string]bool{}
	req := map[string]types.KeysAndAttributes{"bat_u": {Keys: keys, ConsistentRead: aws.Bool(true), ProjectionExpression: aws.String("pk, v")}}
	rounds := 0
	for len(req) > 0 {
		rounds++
		out, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: req, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
		if err != nil {
			t.Fatal(err)
		}
		size := 0
		for _, it := range out.Responses["bat_u"] {
			k := it["pk"].(*types.AttributeValueMemberS).Value
			if got[k] {
				t.Fatalf("%s returned twice", k)
			}
			got[k] = true
			size += len("pk") + len(k) + len("v") + len(it["v"].(*types.AttributeValueMemberS).Value)
		}
		if size > 16_000_000 {
			t.Fatalf("round %d returned %d bytes of items", rounds, size)
		}
		// 100 strongly consistent read units per 400 KB item.
		if cc := out.ConsumedCapacity; len(cc) != 1 || aws.ToFloat64(cc[0].CapacityUnits) != float64(100*len(out.Responses["bat_u"])) {
			t.Fatalf("capacity %+v for %d items", cc, len(out.Responses["bat_u"]))
		}
		if u, ok := out.UnprocessedKeys["bat_u"]; ok {
			if rounds == 1 && len(out.Responses["bat_u"]) != 39 {
				t.Fatalf("first round returned %d items, want the 39 that fit in 16,000,000 bytes", len(out.Responses["bat_u"]))
			}
			if !aws.ToBool(u.ConsistentRead) || aws.ToString(u.ProjectionExpression) != "pk, v" {
				t.Fatalf("unprocessed keys lost their options: %+v", u)
			}
		}
		req = out.UnprocessedKeys
		if rounds > 5 {
			t.Fatal("no progress")
		}
	}
	if len(got) != n || rounds != 2 {
		t.Fatalf("%d items in %d rounds", len(got), rounds)
	}
}

func TestBatchConsumedCapacity(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "bat_c")
	createHashTable(t, ctx, c, "bat_c2")
	kb := strings.Repeat("x", 1100) // an item a little over 1 KB
	w, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
		RequestItems: map[string][]types.WriteRequest{
			"bat_c":  {putReq(item{"pk": S("a"), "v": S(kb)}), putReq(item{"pk": S("b")})},
			"bat_c2": {putReq(item{"pk": S("a")})},
		},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes,
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]float64{"bat_c": 3, "bat_c2": 1} // each item rounded up to 1 KB: 2 + 1
	wantCapacity(t, w.ConsumedCapacity, want, true)

	// Deleting costs the size of the item deleted.
	w, err = c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
		RequestItems:           map[string][]types.WriteRequest{"bat_c": {delReq(item{"pk": S("a")}), delReq(item{"pk": S("b")})}},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		t.Fatal(err)
	}
	wantCapacity(t, w.ConsumedCapacity, map[string]float64{"bat_c": 3}, false)

	// Reads: per item, 4 KB units; eventually consistent reads cost half;
	// a missing item costs the minimum.
	big := strings.Repeat("x", 5000)
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("bat_c"), Item: item{"pk": S("big"), "v": S(big)}}); err != nil {
		t.Fatal(err)
	}
	g, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{
		RequestItems: map[string]types.KeysAndAttributes{
			"bat_c":  {Keys: []item{{"pk": S("big")}, {"pk": S("none")}}, ConsistentRead: aws.Bool(true)},
			"bat_c2": {Keys: []item{{"pk": S("a")}, {"pk": S("none")}}},
		},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		t.Fatal(err)
	}
	wantCapacity(t, g.ConsumedCapacity, map[string]float64{"bat_c": 3, "bat_c2": 1}, false)
	g, err = c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"bat_c": {Keys: []item{{"pk": S("big")}}}}})
	if err != nil || g.ConsumedCapacity != nil {
		t.Fatalf("capacity without asking: %v %v", g.ConsumedCapacity, err)
	}
}

// wantCapacity checks per-table consumed capacity; batch operations report
// the aggregate only (no read/write split), and the table breakdown with
// INDEXES.
func wantCapacity(t *testing.T, got []types.ConsumedCapacity, want map[string]float64, indexes bool) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("capacity %d entries, want %d: %+v", len(got), len(want), got)
	}
	for _, cc := range got {
		u, ok := want[aws.ToString(cc.TableName)]
		if !ok || aws.ToFloat64(cc.CapacityUnits) != u || cc.ReadCapacityUnits != nil || cc.WriteCapacityUnits != nil {
			t.Fatalf("capacity of %s: %v (read %v write %v), want %v", aws.ToString(cc.TableName), aws.ToFloat64(cc.CapacityUnits), cc.ReadCapacityUnits, cc.WriteCapacityUnits, u)
		}
		if indexes != (cc.Table != nil) || (indexes && aws.ToFloat64(cc.Table.CapacityUnits) != u) {
			t.Fatalf("table breakdown of %s: %+v", aws.ToString(cc.TableName), cc.Table)
		}
	}
}

// Item collection metrics exist only for tables with local secondary
// indexes: one entry per partition key written.
func TestBatchItemCollectionMetrics(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "bplain")
	createLSITable(t, ctx, c, "blsi")
	out, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
		RequestItems: map[string][]types.WriteRequest{
			"blsi":   {putReq(item{"pk": S("a"), "sk": S("1"), "l": S("x")}), putReq(item{"pk": S("a"), "sk": S("2")}), delReq(item{"pk": S("b"), "sk": S("1")})},
			"bplain": {putReq(item{"pk": S("a")})},
		},
		ReturnItemCollectionMetrics: types.ReturnItemCollectionMetricsSize,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := out.ItemCollectionMetrics["bplain"]; ok || len(out.ItemCollectionMetrics) != 1 {
		t.Fatalf("metrics %+v", out.ItemCollectionMetrics)
	}
	var keys []string
	for _, m := range out.ItemCollectionMetrics["blsi"] {
		keys = append(keys, render(m.ItemCollectionKey))
		if len(m.SizeEstimateRangeGB) != 2 || m.SizeEstimateRangeGB[0] != 0 || m.SizeEstimateRangeGB[1] != 1 {
			t.Fatalf("size estimate %v", m.SizeEstimateRangeGB)
		}
	}
	sort.Strings(keys)
	if strings.Join(keys, " ") != "{pk: S:a} {pk: S:b}" {
		t.Fatalf("collections %v", keys)
	}
	out, err = c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{
		RequestItems: map[string][]types.WriteRequest{"blsi": {putReq(item{"pk": S("c"), "sk": S("1")})}},
	})
	if err != nil || out.ItemCollectionMetrics != nil {
		t.Fatalf("metrics without asking: %v %v", out.ItemCollectionMetrics, err)
	}
}

// createLSITable creates a table keyed by pk, sk (S) with a local index on l.
func createLSITable(t *testing.T, ctx context.Context, c *dynamodb.Client, name string) {
	t.Helper()
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("l"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{{
			IndexName: aws.String("lidx"),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("l"), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll},
		}},
		BillingMode: types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatalf("create table %s: %v", name, err)
	}
}
