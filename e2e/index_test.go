package e2e

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/server"
)

// Secondary indexes end to end: maintenance by every write, Query and Scan
// on local and global indexes with their projections, the index
// descriptions, capacity, item collections, and the online creation and
// deletion of global indexes.

func ixKS(pairs ...string) []types.KeySchemaElement {
	var out []types.KeySchemaElement
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, types.KeySchemaElement{AttributeName: aws.String(pairs[i]), KeyType: types.KeyType(pairs[i+1])})
	}
	return out
}

func ixAD(pairs ...string) []types.AttributeDefinition {
	var out []types.AttributeDefinition
	for i := 0; i < len(pairs); i += 2 {
		out = append(out, types.AttributeDefinition{AttributeName: aws.String(pairs[i]), AttributeType: types.ScalarAttributeType(pairs[i+1])})
	}
	return out
}

func ixProj(t types.ProjectionType, attrs ...string) *types.Projection {
	return &types.Projection{ProjectionType: t, NonKeyAttributes: attrs}
}

// createIndexedTable creates "ixt": pk (S) and sk (N), local indexes byL
// (l, ALL) and byN (n, KEYS_ONLY), global indexes byG (g, ALL), byGH (g,
// h, INCLUDE x) and byH (h, sk, KEYS_ONLY).
func createIndexedTable(t *testing.T, ctx context.Context, c *dynamodb.Client) {
	t.Helper()
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("ixt"),
		AttributeDefinitions: ixAD("pk", "S", "sk", "N", "l", "S", "n", "N", "g", "S", "h", "N"),
		KeySchema:            ixKS("pk", "HASH", "sk", "RANGE"),
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{
			{IndexName: aws.String("byL"), KeySchema: ixKS("pk", "HASH", "l", "RANGE"), Projection: ixProj(types.ProjectionTypeAll)},
			{IndexName: aws.String("byN"), KeySchema: ixKS("pk", "HASH", "n", "RANGE"), Projection: ixProj(types.ProjectionTypeKeysOnly)},
		},
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{
			{IndexName: aws.String("byG"), KeySchema: ixKS("g", "HASH"), Projection: ixProj(types.ProjectionTypeAll)},
			{IndexName: aws.String("byGH"), KeySchema: ixKS("g", "HASH", "h", "RANGE"), Projection: ixProj(types.ProjectionTypeInclude, "x")},
			{IndexName: aws.String("byH"), KeySchema: ixKS("h", "HASH", "sk", "RANGE"), Projection: ixProj(types.ProjectionTypeKeysOnly)},
		},
		BillingMode: types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// ixItems are the items of "ixt": some lack index key attributes (sparse).
func ixItems() []item {
	return []item{
		{"pk": S("p1"), "sk": N("1"), "l": S("c"), "n": N("30"), "g": S("A"), "h": N("3"), "x": S("x1"), "y": S("y1")},
		{"pk": S("p1"), "sk": N("2"), "l": S("a"), "g": S("A"), "h": N("1"), "y": S("y2")},
		{"pk": S("p1"), "sk": N("3"), "n": N("10"), "g": S("B"), "x": S("x3")},
		{"pk": S("p1"), "sk": N("4"), "l": S("b"), "n": N("20"), "h": N("3")},
		{"pk": S("p2"), "sk": N("1"), "l": S("a"), "g": S("A"), "h": N("2"), "x": S("x5")},
		{"pk": S("p2"), "sk": N("2"), "y": S("y6")},
	}
}

// pick returns the item restricted to the named attributes.
func pick(it item, names ...string) item {
	out := item{}
	for _, n := range names {
		if v, ok := it[n]; ok {
			out[n] = v
		}
	}
	return out
}

func TestIndexQueryAndScan(t *testing.T) {
	c, ctx := setup(t)
	createIndexedTable(t, ctx, c)
	items := ixItems()
	qsPut(t, ctx, c, "ixt", items)
	tbl := aws.String("ixt")
	q := func(in dynamodb.QueryInput) []item {
		t.Helper()
		in.TableName = tbl
		return qsQueryItems(t, ctx, c, &in)
	}

	// A local index, everything projected: the partition in l order,
	// without the item that has no l.
	qsWantItems(t, q(dynamodb.QueryInput{IndexName: aws.String("byL"), KeyConditionExpression: aws.String("pk = :p"),
		ExpressionAttributeValues: qsVals(":p", S("p1"))}), []item{items[1], items[3], items[0]})
	qsWantItems(t, q(dynamodb.QueryInput{IndexName: aws.String("byL"), KeyConditionExpression: aws.String("pk = :p AND l > :l"),
		ExpressionAttributeValues: qsVals(":p", S("p1"), ":l", S("a")), ScanIndexForward: aws.Bool(false)}), []item{items[0], items[3]})
	// A local index with KEYS_ONLY: the keys by default, the table's items
	// for ALL_ATTRIBUTES or attributes the index does not hold.
	qsWantItems(t, q(dynamodb.QueryInput{IndexName: aws.String("byN"), KeyConditionExpression: aws.String("pk = :p"),
		ExpressionAttributeValues: qsVals(":p", S("p1"))}),
		[]item{pick(items[2], "pk", "sk", "n"), pick(items[3], "pk", "sk", "n"), pick(items[0], "pk", "sk", "n")})
	qsWantItems(t, q(dynamodb.QueryInput{IndexName: aws.String("byN"), KeyConditionExpression: aws.String("pk = :p"),
		ExpressionAttributeValues: qsVals(":p", S("p1")), Select: types.SelectAllAttributes}), []item{items[2], items[3], items[0]})
	qsWantItems(t, q(dynamodb.QueryInput{IndexName: aws.String("byN"), KeyConditionExpression: aws.String("pk = :p AND n < :n"),
		ExpressionAttributeValues: qsVals(":p", S("p1"), ":n", N("25")), ProjectionExpression: aws.String("x, n")}),
		[]item{pick(items[2], "x", "n"), pick(items[3], "x", "n")})

	// Global indexes: ALL, INCLUDE (in h order), KEYS_ONLY.
	wantItemSet(t, q(dynamodb.QueryInput{IndexName: aws.String("byG"), KeyConditionExpression: aws.String("g = :g"),
		ExpressionAttributeValues: qsVals(":g", S("A"))}), []item{items[0], items[1], items[4]})
	incl := func(it item) item { return pick(it, "pk", "sk", "g", "h", "x") }
	qsWantItems(t, q(dynamodb.QueryInput{IndexName: aws.String("byGH"), KeyConditionExpression: aws.String("g = :g"),
		ExpressionAttributeValues: qsVals(":g", S("A"))}), []item{incl(items[1]), incl(items[4]), incl(items[0])})
	qsWantItems(t, q(dynamodb.QueryInput{IndexName: aws.String("byGH"), KeyConditionExpression: aws.String("g = :g AND h BETWEEN :a AND :b"),
		ExpressionAttributeValues: qsVals(":g", S("A"), ":a", N("2"), ":b", N("3")), Select: types.SelectAllProjectedAttributes}),
		[]item{incl(items[4]), incl(items[0])})
	qsWantItems(t, q(dynamodb.QueryInput{IndexName: aws.String("byH"), KeyConditionExpression: aws.String("h = :h"),
		ExpressionAttributeValues: qsVals(":h", N("3"))}), []item{pick(items[0], "pk", "sk", "h"), pick(items[3], "pk", "sk", "h")})
	// A filter on a projected attribute; Count.
	out, err := c.Query(ctx, &dynamodb.QueryInput{TableName: tbl, IndexName: aws.String("byGH"), KeyConditionExpression: aws.String("g = :g"),
		FilterExpression: aws.String("attribute_exists(x)"), ExpressionAttributeValues: qsVals(":g", S("A")), Select: types.SelectCount})
	if err != nil || out.Count != 2 || out.ScannedCount != 3 || out.Items != nil {
		t.Fatalf("count: %+v %v", out, err)
	}

	// Paging: LastEvaluatedKey has the table's key and the index's.
	out, err = c.Query(ctx, &dynamodb.QueryInput{TableName: tbl, IndexName: aws.String("byGH"), KeyConditionExpression: aws.String("g = :g"),
		ExpressionAttributeValues: qsVals(":g", S("A")), Limit: aws.Int32(2)})
	if err != nil {
		t.Fatal(err)
	}
	if got := render(out.LastEvaluatedKey); got != render(pick(items[4], "pk", "sk", "g", "h")) {
		t.Fatalf("LastEvaluatedKey %s", got)
	}
	out, err = c.Query(ctx, &dynamodb.QueryInput{TableName: tbl, IndexName: aws.String("byGH"), KeyConditionExpression: aws.String("g = :g"),
		ExpressionAttributeValues: qsVals(":g", S("A")), Limit: aws.Int32(2), ExclusiveStartKey: out.LastEvaluatedKey})
	if err != nil {
		t.Fatal(err)
	}
	qsWantItems(t, out.Items, []item{incl(items[0])})
	if out.LastEvaluatedKey != nil {
		t.Fatalf("last page has LastEvaluatedKey %s", render(out.LastEvaluatedKey))
	}

	// Scan: every entry of the index once, in pages and in parallel segments.
	scanAll := func(index string, segment, total int32) []item {
		var all []item
		var start item
		for {
			in := &dynamodb.ScanInput{TableName: tbl, IndexName: aws.String(index), Limit: aws.Int32(2), ExclusiveStartKey: start}
			if total > 0 {
				in.Segment, in.TotalSegments = aws.Int32(segment), aws.Int32(total)
			}
			out, err := c.Scan(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, out.Items...)
			if out.LastEvaluatedKey == nil {
				return all
			}
			start = out.LastEvaluatedKey
		}
	}
	wantItemSet(t, scanAll("byG", 0, 0), []item{items[0], items[1], items[2], items[4]})
	var segs []item
	for s := int32(0); s < 3; s++ {
		segs = append(segs, scanAll("byH", s, 3)...)
	}
	wantItemSet(t, segs, []item{pick(items[0], "pk", "sk", "h"), pick(items[1], "pk", "sk", "h"), pick(items[3], "pk", "sk", "h"), pick(items[4], "pk", "sk", "h")})
	wantItemSet(t, scanAll("byN", 0, 0), []item{pick(items[0], "pk", "sk", "n"), pick(items[2], "pk", "sk", "n"), pick(items[3], "pk", "sk", "n")})

	// Writes move entries: a new index key, a removed one, a deleted item.
	if _, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: item{"pk": S("p1"), "sk": N("1")},
		UpdateExpression: aws.String("SET g = :g REMOVE l"), ExpressionAttributeValues: qsVals(":g", S("B"))}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tbl, Key: item{"pk": S("p2"), "sk": N("1")}}); err != nil {
		t.Fatal(err)
	}
	moved := items[0]
	delete(moved, "l")
	moved["g"] = S("B")
	wantItemSet(t, q(dynamodb.QueryInput{IndexName: aws.String("byG"), KeyConditionExpression: aws.String("g = :g"),
		ExpressionAttributeValues: qsVals(":g", S("A"))}), []item{items[1]})
	wantItemSet(t, q(dynamodb.QueryInput{IndexName: aws.String("byG"), KeyConditionExpression: aws.String("g = :g"),
		ExpressionAttributeValues: qsVals(":g", S("B"))}), []item{moved, items[2]})
	qsWantItems(t, q(dynamodb.QueryInput{IndexName: aws.String("byL"), KeyConditionExpression: aws.String("pk = :p"),
		ExpressionAttributeValues: qsVals(":p", S("p1"))}), []item{items[1], items[3]})
	if got := q(dynamodb.QueryInput{IndexName: aws.String("byL"), KeyConditionExpression: aws.String("pk = :p"),
		ExpressionAttributeValues: qsVals(":p", S("p2"))}); len(got) != 0 {
		t.Fatalf("deleted item still in byL: %v", got)
	}
}

// The rules of reading an index and of writing index key attributes, with
// DynamoDB's messages.
func TestIndexErrors(t *testing.T) {
	c, ctx := setup(t)
	createIndexedTable(t, ctx, c)
	tbl := aws.String("ixt")
	for _, tc := range []struct {
		in  dynamodb.QueryInput
		msg string
	}{
		{dynamodb.QueryInput{IndexName: aws.String("byG"), ConsistentRead: aws.Bool(true)}, "Consistent reads are not supported on global secondary indexes"},
		{dynamodb.QueryInput{IndexName: aws.String("nope")}, "The table does not have the specified index: nope"},
		{dynamodb.QueryInput{IndexName: aws.String("byGH"), Select: types.SelectAllAttributes},
			"One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not supported for global secondary index byGH because its projection type is not ALL"},
		{dynamodb.QueryInput{IndexName: aws.String("byGH"), ProjectionExpression: aws.String("zeta, x, pk, alpha, l")},
			"One or more parameter values were invalid: Global secondary index byGH does not project [zeta, alpha, l]"},
		{dynamodb.QueryInput{IndexName: aws.String("byGH"), FilterExpression: aws.String("y = :g")},
			"One or more parameter values were invalid: Secondary index byGH does not project one or more filter attributes: [y]"},
		{dynamodb.QueryInput{IndexName: aws.String("byGH"), FilterExpression: aws.String("y = :g"), Select: types.SelectAllAttributes},
			"One or more parameter values were invalid: Secondary index byGH does not project one or more filter attributes: [y]"},
		{dynamodb.QueryInput{IndexName: aws.String("byGH"), FilterExpression: aws.String("g = :g")},
			"Filter Expression can only contain non-primary key attributes: Primary key attribute: g"},
		{dynamodb.QueryInput{IndexName: aws.String("byGH"), FilterExpression: aws.String("l.x = :g")},
			"Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: IndexKey: l"},
		{dynamodb.QueryInput{IndexName: aws.String("byGH"), ExclusiveStartKey: item{"pk": S("a"), "sk": N("1"), "g": S("A")}}, "The provided starting key is invalid"},
	} {
		in := tc.in
		in.TableName, in.KeyConditionExpression = tbl, aws.String("g = :g")
		in.ExpressionAttributeValues = qsVals(":g", S("A"))
		_, err := c.Query(ctx, &in)
		wantErr(t, err, "ValidationException", tc.msg)
	}
	// A local index with a filter on an attribute it does not hold.
	_, err := c.Query(ctx, &dynamodb.QueryInput{TableName: tbl, IndexName: aws.String("byN"), KeyConditionExpression: aws.String("pk = :p"),
		FilterExpression: aws.String("x = :p"), ExpressionAttributeValues: qsVals(":p", S("p"))})
	wantErr(t, err, "ValidationException", "One or more parameter values were invalid: Secondary index byN does not project one or more filter attributes: [x]")
	// Scan: a projection beyond a global index's attributes.
	_, err = c.Scan(ctx, &dynamodb.ScanInput{TableName: tbl, IndexName: aws.String("byH"), ProjectionExpression: aws.String("pk, x")})
	wantErr(t, err, "ValidationException", "One or more parameter values were invalid: Global secondary index byH does not project [x]")
	_, err = c.Scan(ctx, &dynamodb.ScanInput{TableName: tbl, IndexName: aws.String("byH"), AttributesToGet: []string{"pk", "y"}})
	wantErr(t, err, "ValidationException", "One or more parameter values were invalid: Global secondary index byH does not project [y]")
	_, err = c.Scan(ctx, &dynamodb.ScanInput{TableName: tbl, IndexName: aws.String("byH"), ConsistentRead: aws.Bool(true)})
	wantErr(t, err, "ValidationException", "Consistent reads are not supported on global secondary indexes")

	// Writes: an index key attribute of the wrong type, empty, too long.
	for _, tc := range []struct {
		it  item
		msg string
	}{
		{item{"pk": S("p"), "sk": N("1"), "g": N("1")}, "One or more parameter values were invalid: Type mismatch for Index Key g Expected: S Actual: N IndexName: byG"},
		{item{"pk": S("p"), "sk": N("1"), "l": N("1")}, "One or more parameter values were invalid: Type mismatch for Index Key l Expected: S Actual: N IndexName: byL"},
		{item{"pk": S("p"), "sk": N("1"), "g": S("")}, "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: byG, IndexKey: g"},
		{item{"pk": S("p"), "sk": N("1"), "g": S(strings.Repeat("g", 2049))}, "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes"},
		{item{"pk": S("p"), "sk": N("1"), "l": S(strings.Repeat("l", 1025))}, "One or more parameter values were invalid: Aggregated size of all range keys has exceeded the size limit of 1024 bytes"},
	} {
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: tc.it})
		wantErr(t, err, "ValidationException", tc.msg)
	}
	// The longest keys are fine.
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": S("p"), "sk": N("1"),
		"g": S(strings.Repeat("g", 2048)), "l": S(strings.Repeat("l", 1024))}}); err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: item{"pk": S("p"), "sk": N("1")},
		UpdateExpression: aws.String("SET h = :h"), ExpressionAttributeValues: qsVals(":h", S("3"))})
	wantErr(t, err, "ValidationException", "One or more parameter values were invalid: Type mismatch for Index Key h Expected: N Actual: S IndexName: byGH")
}

func TestIndexDescribe(t *testing.T) {
	c, ctx := setup(t)
	createIndexedTable(t, ctx, c)
	qsPut(t, ctx, c, "ixt", ixItems())
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("ixt")})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(d.Table.TableArn)
	type want struct {
		count, size int64
		keys, proj  string
	}
	// Sizes: the entry (DynamoDB's item size) plus 100 bytes per entry.
	wants := map[string]want{
		"byL":  {4, 4*100 + (14 + 2 + 14) + 13 + 15 + 13, "pk HASH l RANGE", "ALL"},
		"byN":  {3, 3*100 + 3*(3+2+0) + 3 + 3 + 3 + 3*1, "pk HASH n RANGE", "KEYS_ONLY"},
		"byG":  {4, 4*100 + 0, "g HASH", "ALL"},
		"byGH": {3, 3*100 + 0, "g HASH h RANGE", "INCLUDE"},
		"byH":  {4, 4*100 + 4*(3+2+2), "h HASH sk RANGE", "KEYS_ONLY"},
	}
	_ = wants
	check := func(name string, count, size int64, ks []types.KeySchemaElement, p *types.Projection, iarn string) {
		t.Helper()
		var parts []string
		for _, k := range ks {
			parts = append(parts, aws.ToString(k.AttributeName), string(k.KeyType))
		}
		w := wants[name]
		if count != w.count || strings.Join(parts, " ") != w.keys || string(p.ProjectionType) != w.proj || iarn != arn+"/index/"+name {
			t.Errorf("%s: count %d keys %v projection %s arn %s", name, count, parts, p.ProjectionType, iarn)
		}
		if size <= count*100 {
			t.Errorf("%s: IndexSizeBytes %d for %d entries", name, size, count)
		}
	}
	for _, l := range d.Table.LocalSecondaryIndexes {
		check(aws.ToString(l.IndexName), aws.ToInt64(l.ItemCount), aws.ToInt64(l.IndexSizeBytes), l.KeySchema, l.Projection, aws.ToString(l.IndexArn))
	}
	for _, g := range d.Table.GlobalSecondaryIndexes {
		check(aws.ToString(g.IndexName), aws.ToInt64(g.ItemCount), aws.ToInt64(g.IndexSizeBytes), g.KeySchema, g.Projection, aws.ToString(g.IndexArn))
		if g.IndexStatus != types.IndexStatusActive || g.Backfilling != nil {
			t.Errorf("%s: status %s backfilling %v", aws.ToString(g.IndexName), g.IndexStatus, g.Backfilling)
		}
	}
	// Exact sizes for the KEYS_ONLY global index: pk "p1"/"p2" (2+2),
	// sk (2+2 bytes for 1..4), h (1+2): 11 bytes + 100 per entry.
	for _, g := range d.Table.GlobalSecondaryIndexes {
		if aws.ToString(g.IndexName) == "byH" && aws.ToInt64(g.IndexSizeBytes) != 4*111 {
			t.Errorf("byH IndexSizeBytes %d, want %d", aws.ToInt64(g.IndexSizeBytes), 4*111)
		}
	}
	// Counts follow writes.
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("ixt"), Key: item{"pk": S("p1"), "sk": N("1")}}); err != nil {
		t.Fatal(err)
	}
	d, err = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("ixt")})
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range d.Table.GlobalSecondaryIndexes {
		if aws.ToString(g.IndexName) == "byH" && (aws.ToInt64(g.ItemCount) != 3 || aws.ToInt64(g.IndexSizeBytes) != 3*111) {
			t.Errorf("byH after a delete: %d entries, %d bytes", aws.ToInt64(g.ItemCount), aws.ToInt64(g.IndexSizeBytes))
		}
	}
}

func TestIndexConsumedCapacity(t *testing.T) {
	c, ctx := setup(t)
	createIndexedTable(t, ctx, c)
	tbl := aws.String("ixt")
	idx := func(cc *types.ConsumedCapacity) string {
		var parts []string
		for n, v := range cc.LocalSecondaryIndexes {
			parts = append(parts, fmt.Sprintf("L:%s=%g", n, aws.ToFloat64(v.CapacityUnits)))
		}
		for n, v := range cc.GlobalSecondaryIndexes {
			parts = append(parts, fmt.Sprintf("G:%s=%g", n, aws.ToFloat64(v.CapacityUnits)))
		}
		sort.Strings(parts)
		table := -1.0
		if cc.Table != nil {
			table = aws.ToFloat64(cc.Table.CapacityUnits)
		}
		return fmt.Sprintf("%g table=%g %s", aws.ToFloat64(cc.CapacityUnits), table, strings.Join(parts, " "))
	}
	// A new item in every index but byN: one write each.
	p, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: ixItems()[0], ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
	if err != nil {
		t.Fatal(err)
	}
	if got := idx(p.ConsumedCapacity); got != "6 table=1 G:byG=1 G:byGH=1 G:byH=1 L:byL=1 L:byN=1" {
		t.Fatalf("put: %s", got)
	}
	// A changed index key: a delete and a put in byG and byGH; x is not in
	// byH or byN, byL holds everything.
	u, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: item{"pk": S("p1"), "sk": N("1")},
		UpdateExpression: aws.String("SET g = :g"), ExpressionAttributeValues: qsVals(":g", S("Z")), ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
	if err != nil {
		t.Fatal(err)
	}
	if got := idx(u.ConsumedCapacity); got != "6 table=1 G:byG=2 G:byGH=2 L:byL=1" {
		t.Fatalf("update: %s", got)
	}
	// TOTAL has no breakdown.
	u, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: item{"pk": S("p1"), "sk": N("1")},
		UpdateExpression: aws.String("SET y = :y"), ExpressionAttributeValues: qsVals(":y", S("new")), ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil {
		t.Fatal(err)
	}
	if got := idx(u.ConsumedCapacity); got != "3 table=-1 " {
		t.Fatalf("update TOTAL: %s", got)
	}
	// Batch and transaction writes report the same breakdown per table
	// (a transaction twice the units).
	b, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
		"ixt": {putReq(ixItems()[4]), delReq(item{"pk": S("p1"), "sk": N("1")})}}, ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
	if err != nil {
		t.Fatal(err)
	}
	if got := idx(&b.ConsumedCapacity[0]); got != "11 table=2 G:byG=2 G:byGH=2 G:byH=2 L:byL=2 L:byN=1" {
		t.Fatalf("batch: %s", got)
	}
	tw, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: tbl, Item: ixItems()[1]}}}, ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
	if err != nil {
		t.Fatal(err)
	}
	if got := idx(&tw.ConsumedCapacity[0]); got != "10 table=2 G:byG=2 G:byGH=2 G:byH=2 L:byL=2" {
		t.Fatalf("transaction: %s", got)
	}

	// Reads: a global index is charged on the index; a local index that
	// fetches from the table is charged the fetches too, each item rounded
	// up to 4 KB.
	qsPut(t, ctx, c, "ixt", []item{
		{"pk": S("q"), "sk": N("1"), "n": N("1"), "g": S("Q"), "big": S(strings.Repeat("b", 5000))},
		{"pk": S("q"), "sk": N("2"), "n": N("2"), "g": S("Q")},
	})
	qo, err := c.Query(ctx, &dynamodb.QueryInput{TableName: tbl, IndexName: aws.String("byG"), KeyConditionExpression: aws.String("g = :g"),
		ExpressionAttributeValues: qsVals(":g", S("Q")), ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
	if err != nil {
		t.Fatal(err)
	}
	if got := idx(qo.ConsumedCapacity); got != "1 table=0 G:byG=1" {
		t.Fatalf("query byG: %s", got)
	}
	qo, err = c.Query(ctx, &dynamodb.QueryInput{TableName: tbl, IndexName: aws.String("byN"), KeyConditionExpression: aws.String("pk = :p"),
		ExpressionAttributeValues: qsVals(":p", S("q")), Select: types.SelectAllAttributes, ConsistentRead: aws.Bool(true),
		ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
	if err != nil {
		t.Fatal(err)
	}
	if got := idx(qo.ConsumedCapacity); got != "4 table=3 L:byN=1" {
		t.Fatalf("query byN with fetches: %s", got)
	}
	so, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: tbl, IndexName: aws.String("byN"), ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil {
		t.Fatal(err)
	}
	if got := idx(so.ConsumedCapacity); got != "0.5 table=-1 " {
		t.Fatalf("scan byN: %s", got)
	}
}

// startServerConfig starts a server on a fresh Pebble store with cfg's
// settings (for tests that need a setting or a restart on the same data).
func startServerConfig(t *testing.T, cfg server.Config) (*server.Server, *dynamodb.Client) {
	t.Helper()
	cfg.Addr = "127.0.0.1:0"
	if cfg.DataDir == "" {
		cfg.DataDir = t.TempDir()
	}
	cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	}
	s, err := server.Start(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s, newClient(t, s)
}

func shutdown(t *testing.T, s *server.Server) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// Item collections: their metrics on every writing operation, and the
// size limit (lowered here from 10 GB to 3500 bytes).
func TestItemCollections(t *testing.T) {
	s, c := startServerConfig(t, server.Config{ItemCollectionLimit: 3500})
	defer shutdown(t, s)
	ctx := context.Background()
	createLSITable(t, ctx, c, "ict")
	tbl := aws.String("ict")
	wantMetrics := func(icm *types.ItemCollectionMetrics, pk string) {
		t.Helper()
		if icm == nil || render(icm.ItemCollectionKey) != render(item{"pk": S(pk)}) || fmt.Sprint(icm.SizeEstimateRangeGB) != "[0 1]" {
			t.Fatalf("ItemCollectionMetrics %+v", icm)
		}
	}
	p, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": S("a"), "sk": S("0"), "l": S("x")},
		ReturnItemCollectionMetrics: types.ReturnItemCollectionMetricsSize})
	if err != nil {
		t.Fatal(err)
	}
	wantMetrics(p.ItemCollectionMetrics, "a")
	u, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: item{"pk": S("a"), "sk": S("0")},
		UpdateExpression: aws.String("SET v = :v"), ExpressionAttributeValues: qsVals(":v", S("v")), ReturnItemCollectionMetrics: types.ReturnItemCollectionMetricsSize})
	if err != nil {
		t.Fatal(err)
	}
	wantMetrics(u.ItemCollectionMetrics, "a")
	del, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tbl, Key: item{"pk": S("b"), "sk": S("0")},
		ReturnItemCollectionMetrics: types.ReturnItemCollectionMetricsSize})
	if err != nil {
		t.Fatal(err)
	}
	wantMetrics(del.ItemCollectionMetrics, "b")
	tw, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: tbl, Item: item{"pk": S("c"), "sk": S("0")}}}}, ReturnItemCollectionMetrics: types.ReturnItemCollectionMetricsSize})
	if err != nil {
		t.Fatal(err)
	}
	wantMetrics(&tw.ItemCollectionMetrics["ict"][0], "c")
	if p, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": S("a"), "sk": S("1")}}); err != nil || p.ItemCollectionMetrics != nil {
		t.Fatalf("metrics without asking: %+v %v", p, err)
	}

	// Fill collection "a" (126 bytes so far): an item of 912 bytes with an
	// entry in lidx (the same plus 100 bytes) takes it to 2050 bytes, a
	// second would take it to 3974.
	big := strings.Repeat("x", 900)
	var n int
	for n = 0; n < 10; n++ {
		_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": S("a"), "sk": S(fmt.Sprint("big", n)), "l": S("l"), "v": S(big)}})
		if err != nil {
			break
		}
	}
	if n != 1 {
		t.Fatalf("%d big items fit", n)
	}
	wantErr(t, err, "ItemCollectionSizeLimitExceededException", "Collection size exceeded")
	// Growing an item of the full collection fails too; other collections
	// and writes that shrink the collection are fine.
	_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: item{"pk": S("a"), "sk": S("0")},
		UpdateExpression: aws.String("SET w = :w"), ExpressionAttributeValues: qsVals(":w", S(big))})
	wantErr(t, err, "ItemCollectionSizeLimitExceededException", "Collection size exceeded")
	_, err = c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{
		"ict": {putReq(item{"pk": S("a"), "sk": S("b1"), "v": S(big)}), putReq(item{"pk": S("a"), "sk": S("b2"), "v": S(big)})}}})
	wantErr(t, err, "ItemCollectionSizeLimitExceededException", "Collection size exceeded")
	_, err = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{Put: &types.Put{TableName: tbl, Item: item{"pk": S("d"), "sk": S("0")}}},
		{Put: &types.Put{TableName: tbl, Item: item{"pk": S("a"), "sk": S("t"), "v": S(big), "l": S("l")}}},
	}})
	wantErrContains(t, err, "TransactionCanceledException", "[None, ItemCollectionSizeLimitExceeded]")
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": S("b"), "sk": S("big"), "l": S("l"), "v": S(big)}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: tbl, Key: item{"pk": S("a"), "sk": S("big0")}, UpdateExpression: aws.String("REMOVE l")}); err != nil {
		t.Fatal(err)
	}
	// Removing l dropped the lidx entry: room for a small item again.
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": S("a"), "sk": S("small"), "v": S(strings.Repeat("s", 400))}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: tbl, Key: item{"pk": S("a"), "sk": S("big0")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": S("a"), "sk": S("big9"), "l": S("l"), "v": S(big)}}); err != nil {
		t.Fatal(err)
	}
}

// UpdateTable's rules for creating and deleting global secondary indexes,
// and CreateTable's for index definitions, with DynamoDB's messages.
func TestIndexDefinitionErrors(t *testing.T) {
	c, ctx := setup(t)
	createIndexedTable(t, ctx, c)
	create := func(name string, keys []types.KeySchemaElement, p *types.Projection) types.GlobalSecondaryIndexUpdate {
		return types.GlobalSecondaryIndexUpdate{Create: &types.CreateGlobalSecondaryIndexAction{IndexName: aws.String(name), KeySchema: keys, Projection: p}}
	}
	del := func(name string) types.GlobalSecondaryIndexUpdate {
		return types.GlobalSecondaryIndexUpdate{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: aws.String(name)}}
	}
	all := ixProj(types.ProjectionTypeAll)
	for _, tc := range []struct {
		name    string
		defs    []types.AttributeDefinition
		updates []types.GlobalSecondaryIndexUpdate
		code    string
		msg     string
	}{
		{"two creates", ixAD("x", "S", "y", "S"), []types.GlobalSecondaryIndexUpdate{create("byX", ixKS("x", "HASH"), all), create("byY", ixKS("y", "HASH"), all)},
			"LimitExceededException", "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"},
		{"create and delete", ixAD("x", "S"), []types.GlobalSecondaryIndexUpdate{create("byX", ixKS("x", "HASH"), all), del("byG")},
			"LimitExceededException", "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"},
		{"existing global name", ixAD("x", "S"), []types.GlobalSecondaryIndexUpdate{create("byG", ixKS("x", "HASH"), all)},
			"ValidationException", "Attempting to create an index which already exists"},
		{"existing local name", ixAD("x", "S"), []types.GlobalSecondaryIndexUpdate{create("byL", ixKS("x", "HASH"), all)},
			"ValidationException", "Attempting to create an index which already exists"},
		{"no definitions", nil, []types.GlobalSecondaryIndexUpdate{create("byX", ixKS("x", "HASH"), all)},
			"ValidationException", "One or more parameter values were invalid: AttributeDefinitions is not specified for index: byX"},
		{"key not defined", ixAD("y", "S"), []types.GlobalSecondaryIndexUpdate{create("byX", ixKS("x", "HASH"), all)},
			"ValidationException", "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [x], AttributeDefinitions: [y]"},
		{"redefined", ixAD("g", "N"), []types.GlobalSecondaryIndexUpdate{create("byG2", ixKS("g", "HASH"), all)},
			"ValidationException", "One or more parameter values were invalid: Attributes cannot be redefined. Please check that your attribute has the same type as previously defined. Existing schema: Schema:[SchemaElement: key{g:S:HASH}] New schema: Schema:[SchemaElement: key{g:N:HASH}]"},
		{"include without attributes", ixAD("x", "S"), []types.GlobalSecondaryIndexUpdate{create("byX", ixKS("x", "HASH"), ixProj(types.ProjectionTypeInclude))},
			"ValidationException", "One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified"},
		{"throughput on demand", ixAD("x", "S"), []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{IndexName: aws.String("byX"),
			KeySchema: ixKS("x", "HASH"), Projection: all, ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}}}},
			"ValidationException", "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified for index: byX when BillingMode is PAY_PER_REQUEST"},
		{"delete missing", nil, []types.GlobalSecondaryIndexUpdate{del("nope")},
			"ResourceNotFoundException", "Requested resource not found: Index: nope not found"},
		{"delete local", nil, []types.GlobalSecondaryIndexUpdate{del("byL")},
			"ValidationException", "Cannot delete an index that is not a GlobalSecondaryIndex: byL"},
		{"update local", nil, []types.GlobalSecondaryIndexUpdate{{Update: &types.UpdateGlobalSecondaryIndexAction{IndexName: aws.String("byL"),
			ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}}}},
			"ValidationException", "Cannot update an index that is not a GlobalSecondaryIndex: byL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("ixt"), AttributeDefinitions: tc.defs, GlobalSecondaryIndexUpdates: tc.updates})
			wantErr(t, err, tc.code, tc.msg)
		})
	}

	// A provisioned table needs throughput for a new index.
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("prov"), AttributeDefinitions: ixAD("pk", "S"), KeySchema: ixKS("pk", "HASH"),
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(5)}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("prov"), AttributeDefinitions: ixAD("x", "S"),
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{create("byX", ixKS("x", "HASH"), all)}})
	wantErr(t, err, "ValidationException", "One or more parameter values were invalid: ProvisionedThroughput must be specified for index: byX")

	// 20 global indexes at most.
	var gsis []types.GlobalSecondaryIndex
	defs := ixAD("pk", "S")
	for i := 0; i < 20; i++ {
		a := fmt.Sprint("a", i)
		defs = append(defs, ixAD(a, "S")...)
		gsis = append(gsis, types.GlobalSecondaryIndex{IndexName: aws.String("ixt" + a), KeySchema: ixKS(a, "HASH"), Projection: ixProj(types.ProjectionTypeKeysOnly)})
	}
	_, err = c.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("g20"), AttributeDefinitions: defs, KeySchema: ixKS("pk", "HASH"),
		GlobalSecondaryIndexes: gsis, BillingMode: types.BillingModePayPerRequest})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("g20"), AttributeDefinitions: ixAD("x", "S"),
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{create("byX", ixKS("x", "HASH"), all)}})
	wantErr(t, err, "LimitExceededException", "Number of global secondary indexes exceeds per-table limit")
	_, err = c.CreateTable(ctx, &dynamodb.CreateTableInput{TableName: aws.String("g21"), AttributeDefinitions: append(defs, ixAD("x", "S")...), KeySchema: ixKS("pk", "HASH"),
		GlobalSecondaryIndexes: append(gsis, types.GlobalSecondaryIndex{IndexName: aws.String("byX"), KeySchema: ixKS("x", "HASH"), Projection: all}),
		BillingMode:            types.BillingModePayPerRequest})
	wantErr(t, err, "ValidationException", "One or more parameter values were invalid: GlobalSecondaryIndex count exceeds the per-table limit of 20")

	// CreateTable: index definitions.
	lsi := func(name string, keys []types.KeySchemaElement) types.LocalSecondaryIndex {
		return types.LocalSecondaryIndex{IndexName: aws.String(name), KeySchema: keys, Projection: all}
	}
	var six []types.LocalSecondaryIndex
	for i := 0; i < 6; i++ {
		six = append(six, lsi(fmt.Sprint("lsi", i), ixKS("pk", "HASH", "l", "RANGE")))
	}
	for _, tc := range []struct {
		name string
		in   dynamodb.CreateTableInput
		msg  string
	}{
		{"lsi other hash", dynamodb.CreateTableInput{AttributeDefinitions: ixAD("pk", "S", "sk", "S", "l", "S"),
			LocalSecondaryIndexes: []types.LocalSecondaryIndex{lsi("byL", ixKS("l", "HASH", "sk", "RANGE"))}},
			"One or more parameter values were invalid: Index KeySchema does not have the same leading hash key as table KeySchema for index: byL. index hash key: l, table hash key: pk"},
		{"lsi without range", dynamodb.CreateTableInput{AttributeDefinitions: ixAD("pk", "S", "sk", "S"),
			LocalSecondaryIndexes: []types.LocalSecondaryIndex{lsi("byL", ixKS("pk", "HASH"))}},
			"One or more parameter values were invalid: Index KeySchema does not have a range key for index: byL"},
		{"six lsis", dynamodb.CreateTableInput{AttributeDefinitions: ixAD("pk", "S", "sk", "S", "l", "S"), LocalSecondaryIndexes: six},
			"One or more parameter values were invalid: Number of LocalSecondaryIndexes exceeds per-table limit of 5"},
		{"undefined index key", dynamodb.CreateTableInput{AttributeDefinitions: ixAD("pk", "S", "sk", "S"),
			GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("byG"), KeySchema: ixKS("g", "HASH"), Projection: all}}},
			"One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [g], AttributeDefinitions: [pk, sk]"},
		{"duplicate across kinds", dynamodb.CreateTableInput{AttributeDefinitions: ixAD("pk", "S", "sk", "S", "l", "S"),
			LocalSecondaryIndexes:  []types.LocalSecondaryIndex{lsi("idx", ixKS("pk", "HASH", "l", "RANGE"))},
			GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("idx"), KeySchema: ixKS("l", "HASH"), Projection: all}}},
			"One or more parameter values were invalid: Duplicate index name: idx"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.TableName, in.KeySchema, in.BillingMode = aws.String("bad"), ixKS("pk", "HASH", "sk", "RANGE"), types.BillingModePayPerRequest
			_, err := c.CreateTable(ctx, &in)
			wantErr(t, err, "ValidationException", tc.msg)
		})
	}
}

// waitIndex polls DescribeTable until the index is ACTIVE; it returns the
// statuses seen on the way (deduplicated).
func waitIndex(t *testing.T, ctx context.Context, c *dynamodb.Client, table, index string) []string {
	t.Helper()
	var seen []string
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(table)})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range d.Table.GlobalSecondaryIndexes {
			if aws.ToString(g.IndexName) != index {
				continue
			}
			st := string(g.IndexStatus)
			if g.Backfilling != nil {
				st += fmt.Sprintf("/backfilling=%v", *g.Backfilling)
			}
			if len(seen) == 0 || seen[len(seen)-1] != st {
				seen = append(seen, st)
			}
			if g.IndexStatus == types.IndexStatusActive {
				return seen
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("index %s not ACTIVE; statuses %v", index, seen)
	return nil
}

// A global index added to a table with data: CREATING (backfilling), then
// ACTIVE, with every qualifying item in it; deleted, it is gone at once
// and can be created again.
func TestGSICreateAndDelete(t *testing.T) {
	c, ctx := setup(t)
	createRangeTable(t, ctx, c, "gct", types.ScalarAttributeTypeS)
	var items []item
	for i := 0; i < 300; i++ {
		it := item{"pk": S(fmt.Sprint("p", i%17)), "sk": S(fmt.Sprintf("%04d", i)), "v": N(strconv.Itoa(i))}
		switch {
		case i%5 == 0: // no status: not indexed
		case i%7 == 0:
			it["status"] = N("7") // the wrong type: skipped by the backfill
		default:
			it["status"] = S([]string{"NEW", "SHIPPED", "DONE"}[i%3])
		}
		items = append(items, it)
	}
	qsPut(t, ctx, c, "gct", items)
	out, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("gct"), AttributeDefinitions: ixAD("status", "S", "sk", "S"),
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
			IndexName: aws.String("byStatus"), KeySchema: ixKS("status", "HASH", "sk", "RANGE"), Projection: ixProj(types.ProjectionTypeInclude, "v")}}}})
	if err != nil {
		t.Fatal(err)
	}
	d := out.TableDescription
	if d.TableStatus != types.TableStatusUpdating || len(d.GlobalSecondaryIndexes) != 1 || d.GlobalSecondaryIndexes[0].IndexStatus != types.IndexStatusCreating ||
		aws.ToBool(d.GlobalSecondaryIndexes[0].Backfilling) || d.GlobalSecondaryIndexes[0].Backfilling == nil {
		t.Fatalf("UpdateTable answer: %s %+v", d.TableStatus, d.GlobalSecondaryIndexes)
	}
	if len(d.AttributeDefinitions) != 3 {
		t.Fatalf("attribute definitions %v", d.AttributeDefinitions)
	}
	seen := waitIndex(t, ctx, c, "gct", "byStatus")
	if seen[len(seen)-1] != "ACTIVE" || (len(seen) > 1 && seen[0] != "CREATING/backfilling=true") {
		t.Fatalf("statuses %v", seen)
	}
	want := map[string][]item{}
	for _, it := range items {
		if s, ok := it["status"].(*types.AttributeValueMemberS); ok {
			want[s.Value] = append(want[s.Value], pick(it, "pk", "sk", "status", "v"))
		}
	}
	for status, w := range want {
		got := qsQueryItems(t, ctx, c, &dynamodb.QueryInput{TableName: aws.String("gct"), IndexName: aws.String("byStatus"),
			KeyConditionExpression: aws.String("#s = :s"), ExpressionAttributeNames: map[string]string{"#s": "status"},
			ExpressionAttributeValues: qsVals(":s", S(status)), Limit: aws.Int32(7)})
		qsWantItems(t, got, w)
	}
	// Now the type is enforced.
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("gct"), Item: item{"pk": S("x"), "sk": S("x"), "status": N("1")}})
	wantErr(t, err, "ValidationException", "One or more parameter values were invalid: Type mismatch for Index Key status Expected: S Actual: N IndexName: byStatus")

	// Delete: the answer shows it DELETING, then it is gone.
	out, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("gct"),
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Delete: &types.DeleteGlobalSecondaryIndexAction{IndexName: aws.String("byStatus")}}}})
	if err != nil {
		t.Fatal(err)
	}
	if g := out.TableDescription.GlobalSecondaryIndexes; len(g) != 1 || g[0].IndexStatus != types.IndexStatusDeleting {
		t.Fatalf("delete answer %+v", g)
	}
	_, err = c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("gct"), IndexName: aws.String("byStatus"),
		KeyConditionExpression: aws.String("#s = :s"), ExpressionAttributeNames: map[string]string{"#s": "status"}, ExpressionAttributeValues: qsVals(":s", S("NEW"))})
	wantErr(t, err, "ValidationException", "The table does not have the specified index: byStatus")
	dt, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("gct")})
	if err != nil || len(dt.Table.GlobalSecondaryIndexes) != 0 || len(dt.Table.AttributeDefinitions) != 2 {
		t.Fatalf("after delete: %+v %v", dt.Table, err)
	}
	// Without the index, any type goes again.
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("gct"), Item: item{"pk": S("x"), "sk": S("x"), "status": N("1")}}); err != nil {
		t.Fatal(err)
	}
}

// indexState renders every entry of a global index as Scan returns it,
// sorted: the index as the server holds it.
func indexState(t *testing.T, ctx context.Context, c *dynamodb.Client, table, index string) []string {
	t.Helper()
	var out []string
	var mu sync.Mutex
	var wg sync.WaitGroup
	const segments = 8
	for s := 0; s < segments; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var start item
			for {
				o, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table), IndexName: aws.String(index),
					Segment: aws.Int32(int32(s)), TotalSegments: aws.Int32(segments), ExclusiveStartKey: start})
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, it := range o.Items {
					out = append(out, render(it))
				}
				mu.Unlock()
				if o.LastEvaluatedKey == nil {
					return
				}
				start = o.LastEvaluatedKey
			}
		}()
	}
	wg.Wait()
	sort.Strings(out)
	return out
}

// tableState scans the whole table and renders what each item's entry in
// an index keyed by f (S) projecting g would be, sorted.
func rebuiltIndex(t *testing.T, ctx context.Context, c *dynamodb.Client, table string) []string {
	t.Helper()
	var out []string
	var start item
	for {
		o, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String(table), ExclusiveStartKey: start, ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range o.Items {
			if f, ok := it["f"].(*types.AttributeValueMemberS); ok && f.Value != "" {
				out = append(out, render(pick(it, "pk", "f", "g")))
			}
		}
		if o.LastEvaluatedKey == nil {
			break
		}
		start = o.LastEvaluatedKey
	}
	sort.Strings(out)
	return out
}

// TestGSIOnlineBackfill creates a global index on a table of many items
// while writers keep updating items (the index key among them), and checks
// that the finished index equals one rebuilt from a final Scan of the
// table. DYNAGO_E2E_BACKFILL_ITEMS sets the table size (default 20,000;
// the 100,000 with DYNAGO_E2E_BACKFILL_ITEMS=100000).
func TestGSIOnlineBackfill(t *testing.T) {
	n := 20000
	if testing.Short() {
		n = 5000
	}
	if v := os.Getenv("DYNAGO_E2E_BACKFILL_ITEMS"); v != "" {
		n, _ = strconv.Atoi(v)
	}
	c, ctx := setup(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	createHashTable(t, ctx, c, "bft")
	start := time.Now()
	fillItems(t, ctx, c, "bft", n, func(i int) item {
		it := item{"pk": S(fmt.Sprintf("k%06d", i)), "g": N(strconv.Itoa(i)), "pad": S(strings.Repeat("p", 40))}
		if i%4 != 0 {
			it["f"] = S(fmt.Sprint("f", i%97))
		}
		return it
	})
	t.Logf("%d items written in %v", n, time.Since(start).Round(time.Millisecond))

	// Writers: set or remove f, change g, delete and recreate items.
	stop := make(chan struct{})
	var writes atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 7))
			for {
				select {
				case <-stop:
					return
				default:
				}
				key := item{"pk": S(fmt.Sprintf("k%06d", r.IntN(n+n/10)))}
				var err error
				switch r.IntN(6) {
				case 0:
					_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("bft"), Key: key, UpdateExpression: aws.String("REMOVE f")})
				case 1:
					_, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("bft"), Key: key})
				default:
					_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("bft"), Key: key,
						UpdateExpression:          aws.String("SET f = :f, g = :g"),
						ExpressionAttributeValues: qsVals(":f", S(fmt.Sprint("f", r.IntN(97))), ":g", N(strconv.Itoa(r.IntN(1000))))})
				}
				if err != nil {
					t.Error(err)
					return
				}
				writes.Add(1)
			}
		}()
	}
	time.Sleep(50 * time.Millisecond)
	before := writes.Load()
	start = time.Now()
	_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("bft"), AttributeDefinitions: ixAD("f", "S"),
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
			IndexName: aws.String("byF"), KeySchema: ixKS("f", "HASH"), Projection: ixProj(types.ProjectionTypeInclude, "g")}}}})
	if err != nil {
		t.Fatal(err)
	}
	// Until it is ACTIVE the index cannot be read.
	_, err = c.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("bft"), IndexName: aws.String("byF"), KeyConditionExpression: aws.String("f = :f"),
		ExpressionAttributeValues: qsVals(":f", S("f1"))})
	if err != nil {
		wantErr(t, err, "ValidationException", "Cannot read from backfilling global secondary index: byF")
	}
	seen := waitIndex(t, ctx, c, "bft", "byF")
	took := time.Since(start)
	during := writes.Load() - before
	time.Sleep(50 * time.Millisecond) // writes after ACTIVE must keep the index right too
	close(stop)
	wg.Wait()
	t.Logf("backfill of %d items: %v (%.0f items/s), statuses %v, %d writes during it", n, took.Round(time.Millisecond),
		float64(n)/took.Seconds(), seen, during)
	if during == 0 {
		t.Error("no write ran during the backfill")
	}
	got := indexState(t, ctx, c, "bft", "byF")
	want := rebuiltIndex(t, ctx, c, "bft")
	if len(got) != len(want) {
		t.Fatalf("index has %d entries, the table %d items with f", len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("entry %d: index %s, table %s", i, got[i], want[i])
		}
	}
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("bft")})
	if err != nil {
		t.Fatal(err)
	}
	// ItemCount is approximate (as DynamoDB's): writes racing the count
	// that follows the backfill may be counted twice.
	if ic := aws.ToInt64(d.Table.GlobalSecondaryIndexes[0].ItemCount); ic < int64(len(want))-20 || ic > int64(len(want))+20 {
		t.Errorf("ItemCount %d, want about %d", ic, len(want))
	}
}

// fillItems writes n items with BatchWriteItem from several goroutines.
func fillItems(t *testing.T, ctx context.Context, c *dynamodb.Client, table string, n int, mk func(i int) item) {
	t.Helper()
	var wg sync.WaitGroup
	var next atomic.Int64
	for w := 0; w < 8; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(25)) - 25
				if i >= n {
					return
				}
				var reqs []types.WriteRequest
				for j := i; j < min(i+25, n); j++ {
					reqs = append(reqs, putReq(mk(j)))
				}
				if _, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{table: reqs}}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
}

// A backfill interrupted by a shutdown resumes when the server starts
// again on the same data, and the index is exact.
func TestGSIBackfillResumesAfterRestart(t *testing.T) {
	if etcdStore != "" || os.Getenv("DYNAGO_E2E_MEMORY") == "1" {
		t.Skip("restarts a Pebble store")
	}
	dir := t.TempDir()
	s, c := startServerConfig(t, server.Config{DataDir: dir})
	ctx := context.Background()
	createHashTable(t, ctx, c, "rst")
	const n = 15000
	fillItems(t, ctx, c, "rst", n, func(i int) item {
		return item{"pk": S(fmt.Sprintf("k%06d", i)), "f": S(fmt.Sprint("f", i%13)), "g": N(strconv.Itoa(i))}
	})
	_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("rst"), AttributeDefinitions: ixAD("f", "S"),
		GlobalSecondaryIndexUpdates: []types.GlobalSecondaryIndexUpdate{{Create: &types.CreateGlobalSecondaryIndexAction{
			IndexName: aws.String("byF"), KeySchema: ixKS("f", "HASH"), Projection: ixProj(types.ProjectionTypeKeysOnly)}}}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("rst")})
	if err != nil {
		t.Fatal(err)
	}
	interrupted := d.Table.GlobalSecondaryIndexes[0].IndexStatus == types.IndexStatusCreating
	shutdown(t, s)

	s, c = startServerConfig(t, server.Config{DataDir: dir})
	defer shutdown(t, s)
	d, err = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("rst")})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("interrupted during the backfill: %v; after the restart: %s", interrupted, d.Table.GlobalSecondaryIndexes[0].IndexStatus)
	waitIndex(t, ctx, c, "rst", "byF")
	var got int
	for f := 0; f < 13; f++ {
		items := qsQueryItems(t, ctx, c, &dynamodb.QueryInput{TableName: aws.String("rst"), IndexName: aws.String("byF"),
			KeyConditionExpression: aws.String("f = :f"), ExpressionAttributeValues: qsVals(":f", S(fmt.Sprint("f", f)))})
		got += len(items)
		for _, it := range items {
			if len(it) != 2 {
				t.Fatalf("KEYS_ONLY entry %s", render(it))
			}
		}
	}
	if got != n {
		t.Fatalf("index has %d entries, want %d", got, n)
	}
}
