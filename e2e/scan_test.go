package e2e

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/keycodec"
)

// qsScanPages runs a Scan to the end, returning every page.
func qsScanPages(t *testing.T, ctx context.Context, c *dynamodb.Client, in *dynamodb.ScanInput) []*dynamodb.ScanOutput {
	t.Helper()
	var pages []*dynamodb.ScanOutput
	s := *in
	for {
		out, err := c.Scan(ctx, &s)
		if err != nil {
			t.Fatalf("scan page %d: %v", len(pages)+1, err)
		}
		pages = append(pages, out)
		if out.LastEvaluatedKey == nil {
			return pages
		}
		if len(pages) > 100000 {
			t.Fatal("scan does not end")
		}
		s.ExclusiveStartKey = out.LastEvaluatedKey
	}
}

func qsScanItems(t *testing.T, ctx context.Context, c *dynamodb.Client, in *dynamodb.ScanInput) []item {
	t.Helper()
	var items []item
	for _, p := range qsScanPages(t, ctx, c, in) {
		items = append(items, p.Items...)
	}
	return items
}

// qsHash is the partition-key hash Dynago orders a Scan by.
func qsHash(v types.AttributeValue) uint32 {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return keycodec.HashPK(ddb.S(x.Value))
	case *types.AttributeValueMemberN:
		return keycodec.HashPK(ddb.N(x.Value))
	case *types.AttributeValueMemberB:
		return keycodec.HashPK(ddb.B(x.Value))
	}
	panic("not a key value")
}

func sOf(v types.AttributeValue) string { return v.(*types.AttributeValueMemberS).Value }

// A Scan runs in partition-key hash order (as DynamoDB's does), each
// partition in sort-key order; parallel Scan segments split the hash space
// into disjoint ranges that together hold every item exactly once.
func TestScanOrderAndSegments(t *testing.T) {
	c, ctx := qsSetup(t)
	createRangeTable(t, ctx, c, "seg", types.ScalarAttributeTypeN)
	var items []item
	for p := 0; p < 500; p++ {
		for s := 0; s < 1+p%4; s++ {
			items = append(items, item{"pk": S("p" + strconv.Itoa(p)), "sk": N(strconv.Itoa(s * 7 % 5))})
		}
	}
	qsPut(t, ctx, c, "seg", items)

	full := qsScanItems(t, ctx, c, &dynamodb.ScanInput{TableName: aws.String("seg"), Limit: aws.Int32(100)})
	if len(full) != len(items) {
		t.Fatalf("full scan: %d items, want %d", len(full), len(items))
	}
	checkOrder := func(t *testing.T, got []item) {
		t.Helper()
		for i := 1; i < len(got); i++ {
			a, b := got[i-1], got[i]
			ha, hb := qsHash(a["pk"]), qsHash(b["pk"])
			switch {
			case ha < hb:
			case ha > hb:
				t.Fatalf("scan out of hash order at %d: %s (%08x) then %s (%08x)", i, render(a), ha, render(b), hb)
			case sOf(a["pk"]) != sOf(b["pk"]):
				if sOf(a["pk"]) > sOf(b["pk"]) {
					t.Fatalf("equal hashes out of key order at %d", i)
				}
			default:
				na, _ := strconv.Atoi(a["sk"].(*types.AttributeValueMemberN).Value)
				nb, _ := strconv.Atoi(b["sk"].(*types.AttributeValueMemberN).Value)
				if na >= nb {
					t.Fatalf("partition out of sort-key order at %d: %s then %s", i, render(a), render(b))
				}
			}
		}
	}
	checkOrder(t, full)
	wantSet := qsRenderList(items)
	sort.Strings(wantSet)

	for _, total := range []int32{1, 7, 64} {
		t.Run(fmt.Sprintf("segments=%d", total), func(t *testing.T) {
			var union []item
			for seg := int32(0); seg < total; seg++ {
				got := qsScanItems(t, ctx, c, &dynamodb.ScanInput{TableName: aws.String("seg"), Segment: aws.Int32(seg), TotalSegments: aws.Int32(total), Limit: aws.Int32(37)})
				checkOrder(t, got)
				lo, hi := keycodec.SegmentHashRange(int(seg), int(total))
				for _, it := range got {
					if h := uint64(qsHash(it["pk"])); h < lo || h >= hi {
						t.Fatalf("segment %d/%d holds %s with hash %08x outside [%x, %x)", seg, total, render(it), h, lo, hi)
					}
				}
				if total > 1 && len(got) == len(items) {
					t.Fatalf("segment %d/%d holds everything", seg, total)
				}
				union = append(union, got...)
			}
			gotSet := qsRenderList(union)
			sort.Strings(gotSet)
			if strings.Join(gotSet, "\n") != strings.Join(wantSet, "\n") {
				t.Fatalf("union of %d segments: %d items, want %d", total, len(gotSet), len(wantSet))
			}
			if total == 1 {
				qsWantItems(t, union, full)
			}
		})
	}

	// A start key from another segment is refused.
	first, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("seg"), Segment: aws.Int32(1), TotalSegments: aws.Int32(2), Limit: aws.Int32(1)})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("seg"), Segment: aws.Int32(0), TotalSegments: aws.Int32(2), ExclusiveStartKey: first.LastEvaluatedKey})
	wantErr(t, err, "ValidationException", "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use ExclusiveStartKey with correct Segment. TotalSegments: 2 Segment: 0")
	// Segment 0 of 1 is the whole table, and accepts any start key.
	out, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("seg"), Segment: aws.Int32(0), TotalSegments: aws.Int32(1), ExclusiveStartKey: first.LastEvaluatedKey, Select: types.SelectCount})
	if err != nil || out.Count == 0 {
		t.Fatalf("segment 0 of 1: %v %v", out, err)
	}
	// Up to 1,000,000 segments.
	out, err = c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("seg"), Segment: aws.Int32(999999), TotalSegments: aws.Int32(1000000)})
	if err != nil {
		t.Fatal(err)
	}
	if out.ScannedCount > 2 {
		t.Fatalf("last of a million segments read %d items", out.ScannedCount)
	}
}

// Paging through 10,000 items with small Limits, with and without filter.
func TestScanPaging10000(t *testing.T) {
	c, ctx := qsSetup(t)
	createHashTable(t, ctx, c, "scan_big")
	n := 10000
	if testing.Short() {
		n = 1000
	}
	items := make([]item, n)
	for i := range items {
		items[i] = item{"pk": S(fmt.Sprintf("k%05d", i)), "i": N(strconv.Itoa(i))}
	}
	qsPut(t, ctx, c, "scan_big", items)
	for _, tc := range []struct {
		limit  int32
		filter bool
	}{{9, false}, {250, true}, {1000, false}} {
		t.Run(fmt.Sprintf("limit=%d filter=%v", tc.limit, tc.filter), func(t *testing.T) {
			in := &dynamodb.ScanInput{TableName: aws.String("scan_big"), Limit: aws.Int32(tc.limit)}
			if tc.filter {
				in.FilterExpression = aws.String("i < :h")
				in.ExpressionAttributeValues = qsVals(":h", N(strconv.Itoa(n/2)))
			}
			pages := qsScanPages(t, ctx, c, in)
			seen := map[string]bool{}
			scanned := 0
			for i, p := range pages {
				scanned += int(p.ScannedCount)
				if i < len(pages)-1 && (p.ScannedCount != tc.limit || p.LastEvaluatedKey == nil) {
					t.Fatalf("page %d: scanned %d", i, p.ScannedCount)
				}
				if int(p.Count) != len(p.Items) {
					t.Fatalf("page %d: Count %d with %d items", i, p.Count, len(p.Items))
				}
				for _, it := range p.Items {
					k := sOf(it["pk"])
					if seen[k] {
						t.Fatalf("%s returned twice", k)
					}
					seen[k] = true
				}
			}
			want := n
			if tc.filter {
				want = n / 2
			}
			if scanned != n || len(seen) != want {
				t.Fatalf("scanned %d, returned %d; want %d, %d", scanned, len(seen), n, want)
			}
		})
	}
}

// Scan pages stop at 1 MB of items read, filter or not.
func TestScan1MBPages(t *testing.T) {
	c, ctx := qsSetup(t)
	createHashTable(t, ctx, c, "scan_large")
	var items []item
	for i := 0; i < 30; i++ {
		pk := fmt.Sprintf("k%02d", i)
		// 300 KB each: 4 items reach 1 MB (1,228,800 bytes: 300 units of 4 KB).
		items = append(items, item{"pk": S(pk), "fill": S(strings.Repeat("p", 300*1024-len("pk")-len(pk)-len("fill")))})
	}
	qsPut(t, ctx, c, "scan_large", items)
	for _, consistent := range []bool{false, true} {
		pages := qsScanPages(t, ctx, c, &dynamodb.ScanInput{TableName: aws.String("scan_large"), ConsistentRead: aws.Bool(consistent),
			FilterExpression: aws.String("fill = :x"), ExpressionAttributeValues: qsVals(":x", S("x")), ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
		var counts []int32
		var units []float64
		for _, p := range pages {
			counts = append(counts, p.ScannedCount)
			units = append(units, aws.ToFloat64(p.ConsumedCapacity.CapacityUnits))
			if p.Count != 0 || len(p.Items) != 0 {
				t.Fatal("filter matched")
			}
		}
		half := 1.0
		if !consistent {
			half = 0.5
		}
		wantUnits := fmt.Sprint([]float64{300 * half, 300 * half, 300 * half, 300 * half, 300 * half, 300 * half, 300 * half, 150 * half})
		if fmt.Sprint(counts) != "[4 4 4 4 4 4 4 2]" || fmt.Sprint(units) != wantUnits {
			t.Fatalf("consistent=%v: pages %v capacity %v", consistent, counts, units)
		}
	}
	// Exactly at the boundary: items of 256 KB reach 1 MB with the fourth;
	// one byte less each, and it takes a fifth.
	for _, tc := range []struct {
		size  int
		pages string
	}{{256 * 1024, "[4 4 0]"}, {256*1024 - 1, "[5 3]"}} {
		name := fmt.Sprintf("scan_exact%d", tc.size)
		createHashTable(t, ctx, c, name)
		var items []item
		for i := 0; i < 8; i++ {
			pk := fmt.Sprintf("k%d", i)
			items = append(items, item{"pk": S(pk), "fill": S(strings.Repeat("e", tc.size-len("pk")-len(pk)-len("fill")))})
		}
		qsPut(t, ctx, c, name, items)
		var counts []int32
		for _, p := range qsScanPages(t, ctx, c, &dynamodb.ScanInput{TableName: aws.String(name), Select: types.SelectCount}) {
			counts = append(counts, p.ScannedCount)
		}
		if fmt.Sprint(counts) != tc.pages {
			t.Fatalf("items of %d bytes: pages %v, want %s", tc.size, counts, tc.pages)
		}
	}
	// Limit smaller than what fits in 1 MB wins.
	out, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("scan_large"), Limit: aws.Int32(2), ProjectionExpression: aws.String("pk")})
	if err != nil || out.ScannedCount != 2 || len(out.Items) != 2 || len(out.Items[0]) != 1 || out.LastEvaluatedKey == nil {
		t.Fatalf("limit 2: %+v %v", out, err)
	}
}

// Scan's validation, with DynamoDB's messages.
func TestScanErrors(t *testing.T) {
	c, ctx := qsSetup(t)
	createHashTable(t, ctx, c, "scan_h")
	createRangeTable(t, ctx, c, "scan_r", types.ScalarAttributeTypeS)
	qsPut(t, ctx, c, "scan_h", []item{{"pk": S("a")}})
	scan := func(in dynamodb.ScanInput) error {
		_, err := c.Scan(ctx, &in)
		return err
	}
	badKey := "The provided starting key is invalid: The provided key element does not match the schema"
	for _, esk := range []item{{}, {"x": S("a")}, {"pk": S("a"), "x": S("a")}, {"pk": N("1")}, {"pk": B([]byte("a"))}, {"pk": BOOL(true)}, {"pk": NULL()}, {"pk": SS("a")}, {"pk": M(item{})}, {"pk": L()}} {
		wantErr(t, scan(dynamodb.ScanInput{TableName: aws.String("scan_h"), ExclusiveStartKey: esk}), "ValidationException", badKey)
	}
	for _, esk := range []item{{}, {"z": N("1")}, {"x": S("a"), "c": S("b")}, {"pk": S("a")}, {"pk": N("1"), "sk": S("a")}, {"pk": S("a"), "sk": N("1")}, {"pk": S("a"), "c": S("1")}, {"pk": S("a"), "sk": S("1"), "c": S("1")}} {
		wantErr(t, scan(dynamodb.ScanInput{TableName: aws.String("scan_r"), ExclusiveStartKey: esk}), "ValidationException", badKey)
	}
	wantErr(t, scan(dynamodb.ScanInput{TableName: aws.String("scan_r"), ExclusiveStartKey: item{"pk": S("a"), "sk": S("")}}), "ValidationException",
		"The provided starting key is invalid: One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: sk")
	wantErr(t, scan(dynamodb.ScanInput{TableName: aws.String("missing"), ExclusiveStartKey: item{"x": S("a")}}), "ResourceNotFoundException", "Requested resource not found")
	wantErr(t, scan(dynamodb.ScanInput{TableName: aws.String("scan_h"), IndexName: aws.String("whatever"), FilterExpression: aws.String("attribute_exists(a.b.c)")}),
		"ValidationException", "The table does not have the specified index: whatever")
	wantErr(t, scan(dynamodb.ScanInput{TableName: aws.String("scan_h"), IndexName: aws.String("whatever"), ExclusiveStartKey: item{}}),
		"ValidationException", "The table does not have the specified index: whatever")
	// Segments (checked before the table).
	wantErr(t, scan(dynamodb.ScanInput{TableName: aws.String("missing"), Segment: aws.Int32(1)}), "ValidationException",
		"The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
	wantErr(t, scan(dynamodb.ScanInput{TableName: aws.String("scan_h"), Segment: aws.Int32(0)}), "ValidationException",
		"The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
	wantErr(t, scan(dynamodb.ScanInput{TableName: aws.String("missing"), TotalSegments: aws.Int32(1)}), "ValidationException",
		"The Segment parameter is required but was not present in the request when parameter TotalSegments is present")
	wantErr(t, scan(dynamodb.ScanInput{TableName: aws.String("missing"), Segment: aws.Int32(1), TotalSegments: aws.Int32(1)}), "ValidationException",
		"The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 1 is not less than TotalSegments: 1")
	wantErrContains(t, scan(dynamodb.ScanInput{TableName: aws.String("missing"), Segment: aws.Int32(0), TotalSegments: aws.Int32(1000001)}), "ValidationException",
		"Value '1000001' at 'totalSegments' failed to satisfy constraint: Member must have value less than or equal to 1000000")
	// Key attributes are scalars.
	for _, tc := range []struct {
		in  dynamodb.ScanInput
		key string
	}{
		{dynamodb.ScanInput{FilterExpression: aws.String("attribute_exists(pk.b.c) and #a = b"), ExpressionAttributeNames: map[string]string{"#a": "x"}}, "pk"},
		{dynamodb.ScanInput{FilterExpression: aws.String("attribute_exists(#a.b.c)"), ExpressionAttributeNames: map[string]string{"#a": "pk"}}, "pk"},
		{dynamodb.ScanInput{FilterExpression: aws.String("attribute_exists(#a[0])"), ExpressionAttributeNames: map[string]string{"#a": "pk"}}, "pk"},
		{dynamodb.ScanInput{ProjectionExpression: aws.String("x, pk.y")}, "pk"},
	} {
		in := tc.in
		in.TableName = aws.String("scan_h")
		wantErr(t, scan(in), "ValidationException", "Key attributes must be scalars; list random access '[]' and map lookup '.' are not allowed: Key: "+tc.key)
	}
	// A filter on a key attribute is fine in a Scan.
	out, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("scan_h"), FilterExpression: aws.String("pk = :a"), ExpressionAttributeValues: qsVals(":a", S("a"))})
	if err != nil || out.Count != 1 {
		t.Fatalf("filter on the key: %+v %v", out, err)
	}
	// Select.
	for _, tc := range []struct {
		in  dynamodb.ScanInput
		msg string
	}{
		{dynamodb.ScanInput{Select: types.SelectSpecificAttributes}, "Must specify the AttributesToGet or ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES"},
		{dynamodb.ScanInput{Select: types.SelectAllAttributes, ProjectionExpression: aws.String("a")}, "Cannot specify the ProjectionExpression when choosing to get ALL_ATTRIBUTES"},
		{dynamodb.ScanInput{Select: types.SelectAllAttributes, AttributesToGet: []string{"a"}}, "Cannot specify the AttributesToGet when choosing to get ALL_ATTRIBUTES"},
		{dynamodb.ScanInput{Select: types.SelectCount, ProjectionExpression: aws.String("a")}, "Cannot specify the ProjectionExpression when choosing to get only the Count"},
		{dynamodb.ScanInput{Select: types.SelectCount, AttributesToGet: []string{"a"}}, "Cannot specify the AttributesToGet when choosing to get only the Count"},
		{dynamodb.ScanInput{Select: types.SelectAllProjectedAttributes}, "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName"},
		{dynamodb.ScanInput{Select: types.SelectAllProjectedAttributes, ProjectionExpression: aws.String("a")}, "Cannot specify the ProjectionExpression when choosing to get ALL_PROJECTED_ATTRIBUTES"},
		{dynamodb.ScanInput{ScanFilter: map[string]types.Condition{"a": {ComparisonOperator: types.ComparisonOperatorNull}}, FilterExpression: aws.String("a = b")},
			"Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {ScanFilter} Expression parameters: {FilterExpression}"},
		{dynamodb.ScanInput{ConditionalOperator: types.ConditionalOperatorAnd}, "ConditionalOperator cannot be used without Filter or Expected"},
		{dynamodb.ScanInput{FilterExpression: aws.String("a = :b"), ExpressionAttributeValues: qsVals(":b", S("b"), ":c", S("c"))}, "Value provided in ExpressionAttributeValues unused in expressions: keys: {:c}"},
		{dynamodb.ScanInput{FilterExpression: aws.String("")}, "Invalid FilterExpression: The expression can not be empty;"},
	} {
		in := tc.in
		in.TableName = aws.String("scan_h")
		wantErr(t, scan(in), "ValidationException", tc.msg)
	}
	for _, sel := range []types.Select{types.SelectSpecificAttributes, types.SelectAllAttributes, types.SelectCount} {
		in := dynamodb.ScanInput{TableName: aws.String("scan_h"), Select: sel}
		if sel == types.SelectSpecificAttributes {
			in.AttributesToGet = []string{"pk"}
		}
		out, err := c.Scan(ctx, &in)
		if err != nil || out.Count != 1 || (sel == types.SelectCount) != (out.Items == nil) {
			t.Fatalf("select %s: %+v %v", sel, out, err)
		}
	}
}

// ScanFilter with every comparison operator on every type it accepts, and
// ConditionalOperator.
func TestScanLegacyFilter(t *testing.T) {
	c, ctx := qsSetup(t)
	createHashTable(t, ctx, c, "scan_lg")
	items := []item{
		{"pk": S("1"), "s": S("apple"), "n": N("1"), "b": B([]byte{1, 2, 3}), "ss": SS("x", "y"), "ns": NS("1", "2"), "bs": &types.AttributeValueMemberBS{Value: [][]byte{{1}, {2}}}, "t": BOOL(true), "z": NULL(), "l": L(S("x"), N("1")), "m": M(item{"k": S("v")})},
		{"pk": S("2"), "s": S("banana"), "n": N("2.5"), "b": B([]byte{2}), "ss": SS("y"), "ns": NS("3"), "t": BOOL(false), "l": L(S("y"))},
		{"pk": S("3"), "s": S("cherry"), "n": N("-3"), "b": B([]byte{1}), "ss": SS("z", "apple"), "m": M(item{"k": S("w")})},
		{"pk": S("4"), "n": S("not a number")},
	}
	qsPut(t, ctx, c, "scan_lg", items)
	cond := func(op types.ComparisonOperator, v ...types.AttributeValue) types.Condition {
		return types.Condition{ComparisonOperator: op, AttributeValueList: v}
	}
	cases := []struct {
		attr string
		c    types.Condition
		want string
	}{
		{"s", cond(types.ComparisonOperatorEq, S("apple")), "1"},
		{"n", cond(types.ComparisonOperatorEq, N("2.50")), "2"},
		{"b", cond(types.ComparisonOperatorEq, B([]byte{2})), "2"},
		{"ss", cond(types.ComparisonOperatorEq, SS("y", "x")), "1"},
		{"ns", cond(types.ComparisonOperatorEq, NS("3")), "2"},
		{"bs", cond(types.ComparisonOperatorEq, &types.AttributeValueMemberBS{Value: [][]byte{{2}, {1}}}), "1"},
		{"t", cond(types.ComparisonOperatorEq, BOOL(false)), "2"},
		{"z", cond(types.ComparisonOperatorEq, NULL()), "1"},
		{"l", cond(types.ComparisonOperatorEq, L(S("y"))), "2"},
		{"m", cond(types.ComparisonOperatorEq, M(item{"k": S("w")})), "3"},
		{"s", cond(types.ComparisonOperatorNe, S("apple")), "2,3,4"},
		{"n", cond(types.ComparisonOperatorNe, N("1")), "2,3,4"},
		{"n", cond(types.ComparisonOperatorLt, N("2.5")), "1,3"},
		{"n", cond(types.ComparisonOperatorLe, N("2.5")), "1,2,3"},
		{"n", cond(types.ComparisonOperatorGt, N("-3")), "1,2"},
		{"n", cond(types.ComparisonOperatorGe, N("-3")), "1,2,3"},
		{"s", cond(types.ComparisonOperatorGt, S("b")), "2,3"},
		{"b", cond(types.ComparisonOperatorLt, B([]byte{1, 2})), "3"},
		{"n", cond(types.ComparisonOperatorLt, S("z")), "4"},
		{"z", cond(types.ComparisonOperatorNotNull), "1"},
		{"z", cond(types.ComparisonOperatorNull), "2,3,4"},
		{"m", cond(types.ComparisonOperatorNull), "2,4"},
		{"s", cond(types.ComparisonOperatorContains, S("an")), "2"},
		{"ss", cond(types.ComparisonOperatorContains, S("y")), "1,2"},
		{"ns", cond(types.ComparisonOperatorContains, N("2")), "1"},
		{"bs", cond(types.ComparisonOperatorContains, B([]byte{2})), "1"},
		{"b", cond(types.ComparisonOperatorContains, B([]byte{2, 3})), "1"},
		{"l", cond(types.ComparisonOperatorContains, S("x")), "1"},
		{"s", cond(types.ComparisonOperatorNotContains, S("an")), "1,3"},
		{"ss", cond(types.ComparisonOperatorNotContains, S("y")), "3"},
		{"s", cond(types.ComparisonOperatorBeginsWith, S("ch")), "3"},
		{"b", cond(types.ComparisonOperatorBeginsWith, B([]byte{1})), "1,3"},
		{"s", cond(types.ComparisonOperatorIn, S("apple"), S("cherry"), S("kiwi")), "1,3"},
		{"n", cond(types.ComparisonOperatorIn, N("-3"), N("2.5")), "2,3"},
		{"b", cond(types.ComparisonOperatorIn, B([]byte{1})), "3"},
		{"n", cond(types.ComparisonOperatorBetween, N("-3"), N("1")), "1,3"},
		{"s", cond(types.ComparisonOperatorBetween, S("b"), S("c")), "2"},
		{"b", cond(types.ComparisonOperatorBetween, B([]byte{1, 0}), B([]byte{2})), "1,2"},
	}
	pks := func(items []item) string {
		var s []string
		for _, it := range items {
			s = append(s, sOf(it["pk"]))
		}
		sort.Strings(s)
		return strings.Join(s, ",")
	}
	for _, tc := range cases {
		got := qsScanItems(t, ctx, c, &dynamodb.ScanInput{TableName: aws.String("scan_lg"), ScanFilter: map[string]types.Condition{tc.attr: tc.c}})
		if pks(got) != tc.want {
			t.Errorf("ScanFilter %s %s %s: got %s, want %s", tc.attr, tc.c.ComparisonOperator, render(tc.c.AttributeValueList[0]), pks(got), tc.want)
		}
	}
	two := map[string]types.Condition{"s": cond(types.ComparisonOperatorBeginsWith, S("a")), "n": cond(types.ComparisonOperatorLt, N("0"))}
	for op, want := range map[types.ConditionalOperator]string{types.ConditionalOperatorOr: "1,3", types.ConditionalOperatorAnd: ""} {
		got := qsScanItems(t, ctx, c, &dynamodb.ScanInput{TableName: aws.String("scan_lg"), ScanFilter: two, ConditionalOperator: op, AttributesToGet: []string{"pk"}})
		if pks(got) != want {
			t.Errorf("ConditionalOperator %s: got %s, want %s", op, pks(got), want)
		}
	}
	// An empty ScanFilter keeps everything.
	if got := qsScanItems(t, ctx, c, &dynamodb.ScanInput{TableName: aws.String("scan_lg"), ScanFilter: map[string]types.Condition{}}); pks(got) != "1,2,3,4" {
		t.Errorf("empty ScanFilter: %s", pks(got))
	}
	// Argument checks happen before the table is looked up.
	_, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("missing"), ScanFilter: map[string]types.Condition{"a": cond(types.ComparisonOperatorBetween, N("2"), N("1"))}})
	wantErr(t, err, "ValidationException", "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound")
	_, err = c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("missing"), ScanFilter: map[string]types.Condition{"a": cond(types.ComparisonOperatorLt, BOOL(true))}})
	wantErr(t, err, "ValidationException", "One or more parameter values were invalid: ComparisonOperator LT is not valid for BOOL AttributeValue type")
}

// ConsistentRead and ReturnConsumedCapacity, Count and ScannedCount.
func TestScanCapacityAndCounts(t *testing.T) {
	c, ctx := qsSetup(t)
	createHashTable(t, ctx, c, "scan_cc")
	var items []item
	for i := 0; i < 40; i++ {
		// 1 KB items: 40 KB read is 10 units of 4 KB.
		pk := fmt.Sprintf("k%02d", i)
		items = append(items, item{"pk": S(pk), "i": N(strconv.Itoa(i)), "v": S(strings.Repeat("v", 1024-2-len(pk)-1-2-1))})
	}
	for i := range items {
		if sz := itemSize(items[i]); sz != 1024 && i >= 10 {
			t.Fatalf("item size %d", sz)
		}
	}
	qsPut(t, ctx, c, "scan_cc", items)
	for _, tc := range []struct {
		consistent bool
		mode       types.ReturnConsumedCapacity
		want       float64
	}{{false, types.ReturnConsumedCapacityTotal, 5}, {true, types.ReturnConsumedCapacityIndexes, 10}, {true, types.ReturnConsumedCapacityNone, 0}} {
		out, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("scan_cc"), ConsistentRead: aws.Bool(tc.consistent), ReturnConsumedCapacity: tc.mode,
			FilterExpression: aws.String("i >= :t"), ExpressionAttributeValues: qsVals(":t", N("30")), ProjectionExpression: aws.String("i")})
		if err != nil {
			t.Fatal(err)
		}
		if out.Count != 10 || out.ScannedCount != 40 || len(out.Items) != 10 {
			t.Fatalf("count %d scanned %d items %d", out.Count, out.ScannedCount, len(out.Items))
		}
		if tc.mode == types.ReturnConsumedCapacityNone {
			if out.ConsumedCapacity != nil {
				t.Fatal("capacity with NONE")
			}
			continue
		}
		if cc := out.ConsumedCapacity; cc == nil || aws.ToFloat64(cc.CapacityUnits) != tc.want {
			t.Fatalf("%+v: %+v", tc, cc)
		}
		if tc.mode == types.ReturnConsumedCapacityIndexes && aws.ToFloat64(out.ConsumedCapacity.Table.CapacityUnits) != tc.want {
			t.Fatalf("table capacity %+v", out.ConsumedCapacity.Table)
		}
	}
	// An empty table costs the minimum.
	createHashTable(t, ctx, c, "scan_empty")
	out, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("scan_empty"), ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil || out.Count != 0 || out.Items == nil || len(out.Items) != 0 || aws.ToFloat64(out.ConsumedCapacity.CapacityUnits) != 0.5 || out.LastEvaluatedKey != nil {
		t.Fatalf("empty scan: %+v %v", out, err)
	}
}

// itemSize is DynamoDB's item size for the items of these tests (strings
// and small non-negative integers only).
func itemSize(it item) int {
	n := 0
	for k, v := range it {
		n += len(k)
		switch x := v.(type) {
		case *types.AttributeValueMemberS:
			n += len(x.Value)
		case *types.AttributeValueMemberN:
			n += ddb.NumberSize(x.Value)
		}
	}
	return n
}
