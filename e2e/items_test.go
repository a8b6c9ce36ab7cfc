package e2e

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// render gives a canonical text of an item for comparisons (sets sorted).
func render(v any) string {
	switch x := v.(type) {
	case map[string]types.AttributeValue:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		b.WriteString("{")
		for i, k := range keys {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(k + ": " + render(x[k]))
		}
		b.WriteString("}")
		return b.String()
	case *types.AttributeValueMemberS:
		return "S:" + x.Value
	case *types.AttributeValueMemberN:
		return "N:" + x.Value
	case *types.AttributeValueMemberB:
		return fmt.Sprintf("B:%x", x.Value)
	case *types.AttributeValueMemberBOOL:
		return fmt.Sprintf("BOOL:%v", x.Value)
	case *types.AttributeValueMemberNULL:
		return "NULL"
	case *types.AttributeValueMemberSS:
		s := append([]string(nil), x.Value...)
		sort.Strings(s)
		return "SS:" + fmt.Sprint(s)
	case *types.AttributeValueMemberNS:
		s := append([]string(nil), x.Value...)
		sort.Strings(s)
		return "NS:" + fmt.Sprint(s)
	case *types.AttributeValueMemberBS:
		var s []string
		for _, b := range x.Value {
			s = append(s, fmt.Sprintf("%x", b))
		}
		sort.Strings(s)
		return "BS:" + fmt.Sprint(s)
	case *types.AttributeValueMemberL:
		var parts []string
		for _, e := range x.Value {
			parts = append(parts, render(e))
		}
		return "L:[" + strings.Join(parts, ", ") + "]"
	case *types.AttributeValueMemberM:
		return "M:" + render(x.Value)
	case nil:
		return "<nil>"
	}
	return fmt.Sprintf("?%T", v)
}

func wantItem(t *testing.T, got, want item) {
	t.Helper()
	if render(got) != render(want) {
		t.Fatalf("item\n  got  %s\n  want %s", render(got), render(want))
	}
}

func TestPutGetEveryType(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "types")
	in := item{
		"pk":    S("k1"),
		"s":     S("héllo ✓"),
		"empty": S(""),
		"n":     N("149.00"),
		"big":   N("1E+40"),
		"small": N("-1.5e-5"),
		"b":     B([]byte{0, 1, 2, 0xff}),
		"t":     BOOL(true),
		"f":     BOOL(false),
		"null":  NULL(),
		"ss":    SS("b", "a"),
		"ns":    NS("3", "1.50", "2"),
		"bs":    &types.AttributeValueMemberBS{Value: [][]byte{{1}, {2, 3}}},
		"l":     L(S("x"), N("1"), L(), M(map[string]types.AttributeValue{})),
		"m":     M(map[string]types.AttributeValue{"nested": M(map[string]types.AttributeValue{"deep": N("0.10")})}),
	}
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("types"), Item: in}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("types"), Key: item{"pk": S("k1")}, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	want := item{}
	for k, v := range in {
		want[k] = v
	}
	want["n"] = N("149")
	want["big"] = N("10000000000000000000000000000000000000000")
	want["small"] = N("-0.000015")
	want["ns"] = NS("3", "1.5", "2")
	want["m"] = M(map[string]types.AttributeValue{"nested": M(map[string]types.AttributeValue{"deep": N("0.1")})})
	wantItem(t, out.Item, want)

	// A missing item is an empty answer, not an error.
	out, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("types"), Key: item{"pk": S("nope")}})
	if err != nil || out.Item != nil {
		t.Fatalf("missing item: %v %v", out.Item, err)
	}
}

func TestNumberKeysAreCanonical(t *testing.T) {
	c, ctx := setup(t)
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("nums"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("id"), AttributeType: types.ScalarAttributeTypeN}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("id"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("nums"), Item: item{"id": N("1000"), "v": S("a")}}); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"1e3", "1000.0", "1000", "10E2"} {
		out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("nums"), Key: item{"id": N(k)}})
		if err != nil {
			t.Fatal(err)
		}
		wantItem(t, out.Item, item{"id": N("1000"), "v": S("a")})
	}
}

func TestConditionalWrites(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "cond")
	put := func(it item, cond string, vals item) error {
		in := &dynamodb.PutItemInput{TableName: aws.String("cond"), Item: it}
		if cond != "" {
			in.ConditionExpression = aws.String(cond)
		}
		if vals != nil {
			in.ExpressionAttributeValues = vals
		}
		_, err := c.PutItem(ctx, in)
		return err
	}
	if err := put(item{"pk": S("a"), "n": N("1")}, "attribute_not_exists(pk)", nil); err != nil {
		t.Fatal(err)
	}
	err := put(item{"pk": S("a"), "n": N("2")}, "attribute_not_exists(pk)", nil)
	wantErr(t, err, "ConditionalCheckFailedException", "The conditional request failed")

	// ReturnValuesOnConditionCheckFailure hands back the current item.
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("cond"), Item: item{"pk": S("a")},
		ConditionExpression: aws.String("n = :two"), ExpressionAttributeValues: item{":two": N("2")},
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld})
	var ccf *types.ConditionalCheckFailedException
	if !errors.As(err, &ccf) {
		t.Fatalf("want ConditionalCheckFailedException, got %v", err)
	}
	wantItem(t, ccf.Item, item{"pk": S("a"), "n": N("1")})

	// Every comparison and function.
	if err := put(item{"pk": S("b"), "n": N("10"), "s": S("hello"), "l": L(S("x"), S("y")), "ss": SS("p", "q"), "m": M(map[string]types.AttributeValue{"x": N("1")})}, "", nil); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cond string
		vals item
		ok   bool
	}{
		{"n = :v", item{":v": N("10.0")}, true},
		{"n <> :v", item{":v": N("10")}, false},
		{"n < :v", item{":v": N("9")}, false},
		{"n <= :v", item{":v": N("10")}, true},
		{"n > :v", item{":v": N("9.99")}, true},
		{"n >= :v", item{":v": N("11")}, false},
		{"n BETWEEN :a AND :b", item{":a": N("1"), ":b": N("10")}, true},
		{"n IN (:a, :b)", item{":a": N("1"), ":b": N("10")}, true},
		{"s = :v", item{":v": N("10")}, false},
		{"begins_with(s, :p)", item{":p": S("he")}, true},
		{"contains(s, :p)", item{":p": S("ell")}, true},
		{"contains(l, :p)", item{":p": S("y")}, true},
		{"contains(ss, :p)", item{":p": S("z")}, false},
		{"size(l) = :two", item{":two": N("2")}, true},
		{"size(s) > :n", item{":n": N("4")}, true},
		{"attribute_exists(m.x)", nil, true},
		{"attribute_not_exists(m.y)", nil, true},
		{"attribute_type(ss, :t)", item{":t": S("SS")}, true},
		{"attribute_type(n, :t)", item{":t": S("S")}, false},
		{"NOT (n = :v) OR s = :s", item{":v": N("10"), ":s": S("hello")}, true},
		{"(n = :v AND s = :s) AND l[1] = :y", item{":v": N("10"), ":s": S("hello"), ":y": S("y")}, true},
		{"m.x = :one", item{":one": N("1")}, true},
	} {
		err := put(item{"pk": S("b"), "n": N("10"), "s": S("hello"), "l": L(S("x"), S("y")), "ss": SS("p", "q"), "m": M(map[string]types.AttributeValue{"x": N("1")})}, tc.cond, tc.vals)
		if tc.ok && err != nil {
			t.Errorf("%s: %v", tc.cond, err)
		}
		if !tc.ok {
			var ccf *types.ConditionalCheckFailedException
			if !errors.As(err, &ccf) {
				t.Errorf("%s: want ConditionalCheckFailedException, got %v", tc.cond, err)
			}
		}
	}
}

func TestUpdateExpressions(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "upd")
	key := item{"pk": S("u")}
	update := func(expr string, names map[string]string, vals item, rv types.ReturnValue) (item, error) {
		in := &dynamodb.UpdateItemInput{TableName: aws.String("upd"), Key: key, UpdateExpression: aws.String(expr), ReturnValues: rv}
		if names != nil {
			in.ExpressionAttributeNames = names
		}
		if vals != nil {
			in.ExpressionAttributeValues = vals
		}
		out, err := c.UpdateItem(ctx, in)
		if err != nil {
			return nil, err
		}
		return out.Attributes, nil
	}
	// UpdateItem creates the item.
	got, err := update("SET a = :one, l = :l, m = :m, #s = :s", map[string]string{"#s": "status"},
		item{":one": N("1"), ":l": L(N("1"), N("2")), ":m": M(map[string]types.AttributeValue{"x": S("y")}), ":s": S("NEW")}, types.ReturnValueAllNew)
	if err != nil {
		t.Fatal(err)
	}
	wantItem(t, got, item{"pk": S("u"), "a": N("1"), "l": L(N("1"), N("2")), "m": M(map[string]types.AttributeValue{"x": S("y")}), "status": S("NEW")})

	got, err = update("SET a = a + :two, b = if_not_exists(b, :ten) - :one, l = list_append(l, :more)", nil,
		item{":two": N("2"), ":ten": N("10"), ":one": N("1"), ":more": L(N("3"))}, types.ReturnValueUpdatedNew)
	if err != nil {
		t.Fatal(err)
	}
	wantItem(t, got, item{"a": N("3"), "b": N("9"), "l": L(N("1"), N("2"), N("3"))})

	got, err = update("REMOVE l[0], m.x ADD c :five, tags :t", nil, item{":five": N("5"), ":t": SS("x", "y")}, types.ReturnValueUpdatedOld)
	if err != nil {
		t.Fatal(err)
	}
	wantItem(t, got, item{"l": L(N("1")), "m": M(map[string]types.AttributeValue{"x": S("y")})})

	got, err = update("DELETE tags :x SET m.z = :z", nil, item{":x": SS("x"), ":z": BOOL(true)}, types.ReturnValueAllOld)
	if err != nil {
		t.Fatal(err)
	}
	wantItem(t, got, item{"pk": S("u"), "a": N("3"), "b": N("9"), "c": N("5"), "l": L(N("2"), N("3")), "m": M(map[string]types.AttributeValue{}), "status": S("NEW"), "tags": SS("x", "y")})

	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("upd"), Key: key})
	if err != nil {
		t.Fatal(err)
	}
	wantItem(t, out.Item, item{"pk": S("u"), "a": N("3"), "b": N("9"), "c": N("5"), "l": L(N("2"), N("3")), "m": M(map[string]types.AttributeValue{"z": BOOL(true)}), "status": S("NEW"), "tags": SS("y")})

	// Errors.
	_, err = update("SET pk = :v", nil, item{":v": S("x")}, "")
	wantErr(t, err, "ValidationException", "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key")
	_, err = update("SET status = :v", nil, item{":v": S("x")}, "")
	wantErr(t, err, "ValidationException", "Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status")
	_, err = update("SET a = :v", nil, item{":v": S("x"), ":unused": S("y")}, "")
	wantErr(t, err, "ValidationException", "Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}")
	_, err = update("SET a = :nope", nil, item{":v": S("x")}, "")
	wantErr(t, err, "ValidationException", "Invalid UpdateExpression: An expression attribute value used in expression is not defined; attribute value: :nope")
	_, err = update("SET a = status + :v", nil, item{":v": N("1")}, "")
	wantErrContains(t, err, "ValidationException", "reserved keyword")
	_, err = update("SET zz = nothere + :v", nil, item{":v": N("1")}, "")
	wantErr(t, err, "ValidationException", "The provided expression refers to an attribute that does not exist in the item")
	_, err = update("SET a = :s + :v", nil, item{":s": S("x"), ":v": N("1")}, "")
	wantErrContains(t, err, "ValidationException", "Incorrect operand type for operator or function")
	_, err = update("SET a = :v, a = :w", nil, item{":v": N("1"), ":w": N("2")}, "")
	wantErrContains(t, err, "ValidationException", "Two document paths overlap with each other")
}

func TestReturnValuesAndDelete(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "rvtable")
	key := item{"pk": S("r")}
	out, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("rvtable"), Item: item{"pk": S("r"), "v": N("1")}, ReturnValues: types.ReturnValueAllOld})
	if err != nil || out.Attributes != nil {
		t.Fatalf("first put ALL_OLD: %v %v", out.Attributes, err)
	}
	out, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("rvtable"), Item: item{"pk": S("r"), "v": N("2")}, ReturnValues: types.ReturnValueAllOld})
	if err != nil {
		t.Fatal(err)
	}
	wantItem(t, out.Attributes, item{"pk": S("r"), "v": N("1")})
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("rvtable"), Item: key, ReturnValues: types.ReturnValueAllNew})
	wantErr(t, err, "ValidationException", "Return values set to invalid value")

	_, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("rvtable"), Key: key, ConditionExpression: aws.String("v = :one"), ExpressionAttributeValues: item{":one": N("1")}})
	wantErr(t, err, "ConditionalCheckFailedException", "The conditional request failed")
	del, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("rvtable"), Key: key, ReturnValues: types.ReturnValueAllOld})
	if err != nil {
		t.Fatal(err)
	}
	wantItem(t, del.Attributes, item{"pk": S("r"), "v": N("2")})
	del, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("rvtable"), Key: key, ReturnValues: types.ReturnValueAllOld})
	if err != nil || del.Attributes != nil {
		t.Fatalf("second delete: %v %v", del.Attributes, err)
	}
}

func TestProjection(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "proj")
	it := item{"pk": S("p"), "a": N("1"), "b": M(map[string]types.AttributeValue{"c": L(S("x"), S("y"), S("z")), "d": S("e")}), "status": S("ok")}
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("proj"), Item: it}); err != nil {
		t.Fatal(err)
	}
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("proj"), Key: item{"pk": S("p")},
		ProjectionExpression: aws.String("a, b.c[1], #s, nope"), ExpressionAttributeNames: map[string]string{"#s": "status"}})
	if err != nil {
		t.Fatal(err)
	}
	wantItem(t, out.Item, item{"a": N("1"), "b": M(map[string]types.AttributeValue{"c": L(S("y"))}), "status": S("ok")})
	out, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("proj"), Key: item{"pk": S("p")}, AttributesToGet: []string{"pk", "a"}})
	if err != nil {
		t.Fatal(err)
	}
	wantItem(t, out.Item, item{"pk": S("p"), "a": N("1")})
}

func TestLegacyParameters(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "legacy")
	key := item{"pk": S("l")}
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("legacy"), Item: item{"pk": S("l"), "n": N("1")},
		Expected: map[string]types.ExpectedAttributeValue{"pk": {Exists: aws.Bool(false)}}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("legacy"), Item: item{"pk": S("l")},
		Expected: map[string]types.ExpectedAttributeValue{"pk": {Exists: aws.Bool(false)}}})
	wantErr(t, err, "ConditionalCheckFailedException", "The conditional request failed")
	up, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("legacy"), Key: key,
		AttributeUpdates: map[string]types.AttributeValueUpdate{
			"n": {Action: types.AttributeActionAdd, Value: N("5")},
			"s": {Action: types.AttributeActionPut, Value: S("x")},
		},
		Expected: map[string]types.ExpectedAttributeValue{
			"n": {ComparisonOperator: types.ComparisonOperatorLt, AttributeValueList: []types.AttributeValue{N("2")}},
			"s": {ComparisonOperator: types.ComparisonOperatorNull},
		},
		ReturnValues: types.ReturnValueAllNew})
	if err != nil {
		t.Fatal(err)
	}
	wantItem(t, up.Attributes, item{"pk": S("l"), "n": N("6"), "s": S("x")})
	_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("legacy"), Key: key,
		AttributeUpdates: map[string]types.AttributeValueUpdate{"s": {Action: types.AttributeActionDelete}},
		Expected:         map[string]types.ExpectedAttributeValue{"n": {Value: N("6")}},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Mixing legacy and expression parameters is refused.
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("legacy"), Item: key,
		Expected:            map[string]types.ExpectedAttributeValue{"pk": {Exists: aws.Bool(false)}},
		ConditionExpression: aws.String("attribute_not_exists(pk)")})
	wantErr(t, err, "ValidationException", "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}")
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("legacy"), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	wantItem(t, out.Item, item{"pk": S("l"), "n": N("6")})
}

func TestItemValidation(t *testing.T) {
	c, ctx := setup(t)
	createRangeTable(t, ctx, c, "val", types.ScalarAttributeTypeN)
	tbl := aws.String("val")
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": S("a")}})
	wantErr(t, err, "ValidationException", "One or more parameter values were invalid: Missing the key sk in the item")
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": S("a"), "sk": S("x")}})
	wantErr(t, err, "ValidationException", "One or more parameter values were invalid: Type mismatch for key sk expected: N actual: S")
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": S(""), "sk": N("1")}})
	wantErr(t, err, "ValidationException", "One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk")
	_, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: item{"pk": S("a")}})
	wantErr(t, err, "ValidationException", "The provided key element does not match the schema")
	_, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: item{"pk": S("a"), "sk": N("1"), "x": N("2")}})
	wantErr(t, err, "ValidationException", "The provided key element does not match the schema")
	_, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("missing"), Key: item{"pk": S("a")}})
	wantErr(t, err, "ResourceNotFoundException", "Requested resource not found")
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": S("a"), "sk": N("1"), "big": S(strings.Repeat("x", 400*1024))}})
	wantErr(t, err, "ValidationException", "Item size has exceeded the maximum allowed size")
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": S(strings.Repeat("k", 2049)), "sk": N("1")}})
	wantErr(t, err, "ValidationException", "One or more parameter values were invalid: Size of hashkey has exceeded the maximum size limit of2048 bytes")
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": S("a"), "sk": N("1"), "ss": SS("a", "a")}})
	wantErrContains(t, err, "ValidationException", "contains duplicates")
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": S("a"), "sk": N("1"), "ss": SS()}})
	wantErrContains(t, err, "ValidationException", "may not be empty")
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": S("a"), "sk": N("1e126")}})
	wantErr(t, err, "ValidationException", "Number overflow. Attempting to store a number with magnitude larger than supported range")
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": S("a"), "sk": N("1.23456789012345678901234567890123456789")}})
	wantErr(t, err, "ValidationException", "Attempting to store more than 38 significant digits in a Number")

	// A 400 KB item is fine just below the limit; sizes count names too.
	just := 400*1024 - len("pk") - 1 - len("sk") - 2 - len("big")
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": S("a"), "sk": N("1"), "big": S(strings.Repeat("x", just))}}); err != nil {
		t.Fatalf("item of exactly 400 KB refused: %v", err)
	}
	// Nothing else was written.
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: item{"pk": S("a"), "sk": N("1")}, ProjectionExpression: aws.String("pk, sk")})
	if err != nil {
		t.Fatal(err)
	}
	wantItem(t, out.Item, item{"pk": S("a"), "sk": N("1")})
}

func TestConsumedCapacity(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "cap")
	tbl := aws.String("cap")
	big := strings.Repeat("x", 5000) // about 5 KB
	p, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: tbl, Item: item{"pk": S("a"), "v": S(big)}, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil {
		t.Fatal(err)
	}
	if cc := p.ConsumedCapacity; cc == nil || aws.ToFloat64(cc.CapacityUnits) != 5 || aws.ToString(cc.TableName) != "cap" {
		t.Fatalf("put capacity %+v", cc)
	}
	g, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: item{"pk": S("a")}, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil {
		t.Fatal(err)
	}
	if cc := g.ConsumedCapacity; cc == nil || aws.ToFloat64(cc.CapacityUnits) != 1 {
		t.Fatalf("eventually consistent get of 5 KB: %+v", cc)
	}
	g, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: item{"pk": S("a")}, ConsistentRead: aws.Bool(true), ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
	if err != nil {
		t.Fatal(err)
	}
	if cc := g.ConsumedCapacity; cc == nil || aws.ToFloat64(cc.CapacityUnits) != 2 || cc.Table == nil || aws.ToFloat64(cc.Table.CapacityUnits) != 2 {
		t.Fatalf("consistent get of 5 KB: %+v", cc)
	}
	g, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: item{"pk": S("zz")}, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil {
		t.Fatal(err)
	}
	if cc := g.ConsumedCapacity; cc == nil || aws.ToFloat64(cc.CapacityUnits) != 0.5 {
		t.Fatalf("get of a missing item: %+v", cc)
	}
	g, err = c.GetItem(ctx, &dynamodb.GetItemInput{TableName: tbl, Key: item{"pk": S("a")}})
	if err != nil || g.ConsumedCapacity != nil {
		t.Fatalf("capacity without asking: %+v %v", g.ConsumedCapacity, err)
	}
}

// 32 clients x 100 increments of one item, each a read followed by a write
// conditioned on the version read, retried on conflict: exactly 3,200.
func TestNoLostUpdates(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "counter")
	key := item{"pk": S("c")}
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("counter"), Item: item{"pk": S("c"), "n": N("0"), "version": N("0")}}); err != nil {
		t.Fatal(err)
	}
	clients, increments := 32, 100
	if etcdStore != "" {
		// On etcd every attempt is a few network round trips, and 32
		// clients fighting over one key spend minutes on retries.
		clients = 8
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	conflicts := 0
	for i := 0; i < clients; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < increments; j++ {
				for attempt := 0; ; attempt++ {
					if attempt == 1000 {
						mu.Lock()
						firstErr = fmt.Errorf("increment not applied after %d attempts", attempt)
						mu.Unlock()
						return
					}
					got, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("counter"), Key: key, ConsistentRead: aws.Bool(true)})
					if err != nil {
						mu.Lock()
						firstErr = err
						mu.Unlock()
						return
					}
					cur := struct{ N, Version int }{num(got.Item["n"]), num(got.Item["version"])}
					_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{
						TableName: aws.String("counter"), Key: key,
						UpdateExpression:    aws.String("SET n = :n, version = :next"),
						ConditionExpression: aws.String("version = :seen"),
						ExpressionAttributeValues: item{
							":n": N(fmt.Sprint(cur.N + 1)), ":next": N(fmt.Sprint(cur.Version + 1)), ":seen": N(fmt.Sprint(cur.Version)),
						},
					})
					var ccf *types.ConditionalCheckFailedException
					if errors.As(err, &ccf) {
						mu.Lock()
						conflicts++
						mu.Unlock()
						continue
					}
					if err != nil {
						mu.Lock()
						firstErr = err
						mu.Unlock()
						return
					}
					break
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	got, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("counter"), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	total := fmt.Sprint(clients * increments)
	wantItem(t, got.Item, item{"pk": S("c"), "n": N(total), "version": N(total)})
	t.Logf("%s increments with %d condition failures retried", total, conflicts)
}

func TestItemCountAndSize(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "stats")
	for i := 0; i < 10; i++ {
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("stats"), Item: item{"pk": S(fmt.Sprint(i)), "v": S("abc")}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("stats"), Key: item{"pk": S("3")}}); err != nil {
		t.Fatal(err)
	}
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("stats")})
	if err != nil {
		t.Fatal(err)
	}
	// Each item: "pk" (2) + "1" (1) + "v" (1) + "abc" (3) = 7 bytes.
	if aws.ToInt64(d.Table.ItemCount) != 9 || aws.ToInt64(d.Table.TableSizeBytes) != 63 {
		t.Fatalf("ItemCount %d TableSizeBytes %d, want 9 and 63", aws.ToInt64(d.Table.ItemCount), aws.ToInt64(d.Table.TableSizeBytes))
	}
}

// num returns the integer value of an N attribute (or -1).
func num(v types.AttributeValue) int {
	n, ok := v.(*types.AttributeValueMemberN)
	if !ok {
		return -1
	}
	i, err := strconv.Atoi(n.Value)
	if err != nil {
		return -1
	}
	return i
}
