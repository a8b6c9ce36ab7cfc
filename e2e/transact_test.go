package e2e

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func txPut(table string, it item) types.TransactWriteItem {
	return types.TransactWriteItem{Put: &types.Put{TableName: aws.String(table), Item: it}}
}

func txDelete(table string, key item) types.TransactWriteItem {
	return types.TransactWriteItem{Delete: &types.Delete{TableName: aws.String(table), Key: key}}
}

func txUpdate(table string, key item, update string, values item) types.TransactWriteItem {
	return types.TransactWriteItem{Update: &types.Update{TableName: aws.String(table), Key: key, UpdateExpression: aws.String(update), ExpressionAttributeValues: values}}
}

func txCheck(table string, key item, cond string, values item) types.TransactWriteItem {
	return types.TransactWriteItem{ConditionCheck: &types.ConditionCheck{TableName: aws.String(table), Key: key, ConditionExpression: aws.String(cond), ExpressionAttributeValues: values}}
}

func txGet(table string, key item) types.TransactGetItem {
	return types.TransactGetItem{Get: &types.Get{TableName: aws.String(table), Key: key}}
}

// wantCanceled asserts a TransactionCanceledException with these reason
// codes, in request order, and returns its reasons.
func wantCanceled(t *testing.T, err error, codes ...string) []types.CancellationReason {
	t.Helper()
	var tce *types.TransactionCanceledException
	if !errors.As(err, &tce) {
		t.Fatalf("want TransactionCanceledException %v, got %v", codes, err)
	}
	var got []string
	for _, r := range tce.CancellationReasons {
		got = append(got, aws.ToString(r.Code))
	}
	if strings.Join(got, ",") != strings.Join(codes, ",") {
		t.Fatalf("cancellation reasons %v, want %v", got, codes)
	}
	want := "Transaction cancelled, please refer cancellation reasons for specific reasons [" + strings.Join(codes, ", ") + "]"
	if tce.ErrorMessage() != want {
		t.Fatalf("message %q, want %q", tce.ErrorMessage(), want)
	}
	return tce.CancellationReasons
}

// closeIdleOnCleanup closes the client's idle connections before the
// server shuts down. Concurrent requests make the client's transport open
// connections it may never use, and http.Server.Shutdown waits up to 5
// seconds for a connection on which no request has arrived yet.
func closeIdleOnCleanup(t testing.TB, c *dynamodb.Client) {
	t.Cleanup(func() {
		if hc, ok := c.Options().HTTPClient.(*http.Client); ok {
			hc.CloseIdleConnections()
		}
	})
}

func getItemC(t *testing.T, ctx context.Context, c *dynamodb.Client, table string, key item) item {
	t.Helper()
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item
}

func TestTransactWriteAndGet(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "tx_a")
	createRangeTable(t, ctx, c, "tx_b", types.ScalarAttributeTypeN)
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tx_a"), Item: item{"pk": S("old"), "v": N("1")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tx_a"), Item: item{"pk": S("chk"), "st": S("open"), "state": S("open")}}); err != nil {
		t.Fatal(err)
	}
	_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		txPut("tx_a", item{"pk": S("new"), "v": N("1")}),
		txUpdate("tx_a", item{"pk": S("old")}, "SET v = v + :one, w = :w", item{":one": N("1"), ":w": S("x")}),
		txUpdate("tx_b", item{"pk": S("p"), "sk": N("1")}, "SET v = :v", item{":v": S("created")}),
		txCheck("tx_a", item{"pk": S("chk")}, "st = :open", item{":open": S("open")}),
		txDelete("tx_a", item{"pk": S("gone")}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	// Names are resolved in a ConditionCheck too (STATE is a reserved word).
	_, err = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		{ConditionCheck: &types.ConditionCheck{TableName: aws.String("tx_a"), Key: item{"pk": S("chk")}, ConditionExpression: aws.String("#s = :open"),
			ExpressionAttributeNames: map[string]string{"#s": "state"}, ExpressionAttributeValues: item{":open": S("open")}}},
		txDelete("tx_a", item{"pk": S("new")}),
	}})
	if err != nil {
		t.Fatal(err)
	}

	out, err := c.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		txGet("tx_a", item{"pk": S("old")}),
		txGet("tx_a", item{"pk": S("new")}),
		{Get: &types.Get{TableName: aws.String("tx_b"), Key: item{"pk": S("p"), "sk": N("1")}, ProjectionExpression: aws.String("#v"), ExpressionAttributeNames: map[string]string{"#v": "v"}}},
		txGet("tx_a", item{"pk": S("chk")}),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Responses) != 4 {
		t.Fatalf("%d responses", len(out.Responses))
	}
	wantItem(t, out.Responses[0].Item, item{"pk": S("old"), "v": N("2"), "w": S("x")})
	if out.Responses[1].Item != nil {
		t.Fatalf("deleted item returned: %v", out.Responses[1].Item)
	}
	wantItem(t, out.Responses[2].Item, item{"v": S("created")})
	wantItem(t, out.Responses[3].Item, item{"pk": S("chk"), "st": S("open"), "state": S("open")})
}

// TestTransactCancellationReasons: a failing transaction applies nothing
// and explains every action, in request order.
func TestTransactCancellationReasons(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "tx_r")
	createHashTable(t, ctx, c, "tx_r2")
	for _, it := range []item{{"pk": S("a"), "v": N("1")}, {"pk": S("b"), "v": N("2")}} {
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tx_r"), Item: it}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		txPut("tx_r2", item{"pk": S("fresh")}),
		{Update: &types.Update{TableName: aws.String("tx_r"), Key: item{"pk": S("a")}, UpdateExpression: aws.String("SET v = :nine"),
			ConditionExpression: aws.String("v = :nine"), ExpressionAttributeValues: item{":nine": N("9")},
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
		txUpdate("tx_r", item{"pk": S("c")}, "SET v = nosuch + :one", item{":one": N("1")}),
		txCheck("tx_r", item{"pk": S("b")}, "v = :one", item{":one": N("1")}),
		{Delete: &types.Delete{TableName: aws.String("tx_r"), Key: item{"pk": S("zz")}, ConditionExpression: aws.String("attribute_exists(pk)"),
			ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld}},
		txPut("tx_r", item{"pk": S("d")}),
	}})
	reasons := wantCanceled(t, err, "None", "ConditionalCheckFailed", "ValidationError", "ConditionalCheckFailed", "ConditionalCheckFailed", "None")
	if aws.ToString(reasons[0].Message) != "" || reasons[0].Item != nil {
		t.Fatalf("reason of a fine action: %+v", reasons[0])
	}
	if aws.ToString(reasons[1].Message) != "The conditional request failed" {
		t.Fatalf("message %q", aws.ToString(reasons[1].Message))
	}
	wantItem(t, reasons[1].Item, item{"pk": S("a"), "v": N("1")}) // ALL_OLD
	if aws.ToString(reasons[2].Message) != "The provided expression refers to an attribute that does not exist in the item" {
		t.Fatalf("validation reason %q", aws.ToString(reasons[2].Message))
	}
	if reasons[3].Item != nil || reasons[4].Item != nil { // not asked for; no item to return
		t.Fatalf("items without ALL_OLD: %v %v", reasons[3].Item, reasons[4].Item)
	}
	if getItemC(t, ctx, c, "tx_r2", item{"pk": S("fresh")}) != nil || getItemC(t, ctx, c, "tx_r", item{"pk": S("d")}) != nil {
		t.Fatal("a cancelled transaction wrote")
	}
	wantItem(t, getItemC(t, ctx, c, "tx_r", item{"pk": S("a")}), item{"pk": S("a"), "v": N("1")})

	// Validation errors that depend on the item cancel, too: an update
	// that makes the item too large.
	big := strings.Repeat("x", 300*1024)
	_, err = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		txPut("tx_r", item{"pk": S("e")}),
		txUpdate("tx_r", item{"pk": S("a")}, "SET b1 = :b, b2 = :b", item{":b": S(big)}),
	}})
	reasons = wantCanceled(t, err, "None", "ValidationError")
	if m := aws.ToString(reasons[1].Message); m != "Item size to update has exceeded the maximum allowed size" {
		t.Fatalf("size reason %q", m)
	}

	// Actions that cannot run on their table cancel the transaction before
	// anything is read: an update of a key attribute, keys that do not fit
	// the schema.
	_, err = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		txCheck("tx_r", item{"pk": S("zz")}, "attribute_exists(pk)", nil),
		txUpdate("tx_r", item{"pk": S("b")}, "SET pk = :k", item{":k": S("x")}),
	}})
	reasons = wantCanceled(t, err, "None", "ValidationError")
	if m := aws.ToString(reasons[1].Message); m != "One or more parameter values were invalid: Cannot update attribute pk. This attribute is part of the key" {
		t.Fatalf("key reason %q", m)
	}

	_, err = c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
		txPut("tx_r", item{"pk": N("5")}),
		txPut("tx_r", item{"pk": S("ok")}),
		txDelete("tx_r", item{"pk": N("5")}),
		txCheck("tx_r", item{"pk": S("b"), "v": N("2")}, "attribute_exists(pk)", nil),
		txPut("tx_r", item{"v": S("no key")}),
	}})
	reasons = wantCanceled(t, err, "ValidationError", "None", "ValidationError", "ValidationError", "ValidationError")
	for i, want := range []string{
		"One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N",
		"",
		"The provided key element does not match the schema",
		"The provided key element does not match the schema",
		"One or more parameter values were invalid: Missing the key pk in the item",
	} {
		if m := aws.ToString(reasons[i].Message); m != want {
			t.Fatalf("reason %d: %q, want %q", i, m, want)
		}
	}
	g, err := c.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{
		txGet("tx_r", item{"pk": S("a")}), txGet("tx_r", item{}),
	}})
	reasons = wantCanceled(t, err, "None", "ValidationError")
	if m := aws.ToString(reasons[1].Message); m != "The provided key element does not match the schema" || g != nil {
		t.Fatalf("get reason %q", m)
	}
}

func TestTransactValidation(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "tx_v")
	createHashTable(t, ctx, c, "tx_v2")
	tw := func(items ...types.TransactWriteItem) error {
		_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items})
		return err
	}
	tg := func(items ...types.TransactGetItem) error {
		_, err := c.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: items})
		return err
	}
	const multiple = "Transaction request cannot include multiple operations on one item"

	// At most one action per item (the same key in two tables is fine).
	wantErr(t, tw(txPut("tx_v", item{"pk": S("a")}), txDelete("tx_v", item{"pk": S("a")})), "ValidationException", multiple)
	wantErr(t, tw(txCheck("tx_v", item{"pk": S("a")}, "attribute_not_exists(pk)", nil), txUpdate("tx_v", item{"pk": S("a")}, "SET v = :v", item{":v": N("1")})), "ValidationException", multiple)
	wantErr(t, tg(txGet("tx_v", item{"pk": S("a")}), txGet("tx_v", item{"pk": S("a")})), "ValidationException", multiple)
	if err := tw(txPut("tx_v", item{"pk": S("a")}), txPut("tx_v2", item{"pk": S("a")})); err != nil {
		t.Fatal(err)
	}

	// Missing tables come before duplicates.
	wantErr(t, tw(txPut("tx_none", item{"pk": S("a")}), txDelete("tx_none", item{"pk": S("a")})), "ResourceNotFoundException", "Requested resource not found")
	wantErr(t, tw(txPut("tx_v", item{"pk": S("b")}), txPut("tx_none", item{"pk": S("a")})), "ResourceNotFoundException", "Requested resource not found")
	wantErr(t, tg(txGet("tx_none", item{"pk": S("a")})), "ResourceNotFoundException", "Requested resource not found")
	if getItemC(t, ctx, c, "tx_v", item{"pk": S("b")}) != nil {
		t.Fatal("a refused transaction wrote")
	}

	// Expressions are checked before tables are looked up.
	wantErr(t, tw(txPut("tx_none", item{"pk": S("a")}), txCheck("tx_v", item{"pk": S("a")}, "attribute_not_exists(", nil)),
		"ValidationException", `Invalid ConditionExpression: Syntax error; token: "<EOF>", near: "("`)
	wantErr(t, tw(txPut("tx_none", item{"pk": S("a")}), txCheck("tx_v", item{"pk": S("a")}, "attribute_not_exists(pk)", item{":v": S("x")})),
		"ValidationException", "Value provided in ExpressionAttributeValues unused in expressions: keys: {:v}")
	wantErr(t, tg(types.TransactGetItem{Get: &types.Get{TableName: aws.String("tx_v"), Key: item{"pk": S("a")}, ProjectionExpression: aws.String("!!!")}}),
		"ValidationException", `Invalid ProjectionExpression: Syntax error; token: "!", near: "!!"`)

	// Empty key values are refused outright.
	wantErr(t, tw(txPut("tx_v", item{"pk": S("")})), "ValidationException",
		"One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk")
	wantErr(t, tw(txDelete("tx_v", item{"pk": S("")})), "ValidationException",
		"One or more parameter values are not valid. The AttributeValue for a key attribute cannot contain an empty string value. Key: pk")

	// Sizes: one item over 400 KB; more than 4 MB in all.
	big := strings.Repeat("x", 400*1024)
	wantErr(t, tw(txPut("tx_none", item{"pk": S("a"), "b": S(big)})), "ValidationException", "Item size has exceeded the maximum allowed size")
	var many []types.TransactWriteItem
	for i := 0; i < 11; i++ {
		many = append(many, txPut("tx_v", item{"pk": S(fmt.Sprint("big", i)), "b": S(big[:390*1024])}))
	}
	wantErr(t, tw(many...), "ValidationException", "Transaction failed: The total size of all items in the transaction request cannot exceed 4 MB")
	if err := tw(many[:10]...); err != nil {
		t.Fatalf("10 items of 390 KB: %v", err)
	}

	// 100 actions is the limit.
	var hundred []types.TransactWriteItem
	var gets []types.TransactGetItem
	for i := 0; i < 101; i++ {
		hundred = append(hundred, txPut("tx_v", item{"pk": S(fmt.Sprint("h", i))}))
		gets = append(gets, txGet("tx_v", item{"pk": S(fmt.Sprint("h", i))}))
	}
	wantErrContains(t, tw(hundred...), "ValidationException", "Member must have length less than or equal to 100")
	wantErrContains(t, tg(gets...), "ValidationException", "Member must have length less than or equal to 100")
	if err := tw(hundred[:100]...); err != nil {
		t.Fatal(err)
	}
	if err := tg(gets[:100]...); err != nil {
		t.Fatal(err)
	}
}

// TestTransactIdempotency: a retried request with the same token is
// answered without being applied again, for 10 minutes; the same token with
// another request is refused; a token in flight is refused.
func TestTransactIdempotency(t *testing.T) {
	c, ctx := setup(t)
	closeIdleOnCleanup(t, c)
	createHashTable(t, ctx, c, "tx_i")
	in := &dynamodb.TransactWriteItemsInput{
		ClientRequestToken: aws.String("transfer-0001"),
		TransactItems: []types.TransactWriteItem{
			txUpdate("tx_i", item{"pk": S("counter")}, "ADD n :one", item{":one": N("1")}),
			txPut("tx_i", item{"pk": S("log-1"), "pad": S(strings.Repeat("p", 1500))}),
		},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	}
	first, err := c.TransactWriteItems(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	// First call: write units, twice the item's: 2x1 + 2x2.
	if cc := first.ConsumedCapacity; len(cc) != 1 || aws.ToFloat64(cc[0].CapacityUnits) != 6 || aws.ToFloat64(cc[0].WriteCapacityUnits) != 6 || cc[0].ReadCapacityUnits != nil {
		t.Fatalf("first call capacity %+v", cc)
	}
	for i := 0; i < 3; i++ {
		again, err := c.TransactWriteItems(ctx, in)
		if err != nil {
			t.Fatalf("retry %d: %v", i, err)
		}
		// A repeat is a transactional read of the items: 2 x 4 KB units each.
		if cc := again.ConsumedCapacity; len(cc) != 1 || aws.ToFloat64(cc[0].CapacityUnits) != 4 || aws.ToFloat64(cc[0].ReadCapacityUnits) != 4 || cc[0].WriteCapacityUnits != nil {
			t.Fatalf("replay capacity %+v", cc)
		}
	}
	// The answer's options may change; the request may not.
	in.ReturnConsumedCapacity = types.ReturnConsumedCapacityNone
	if out, err := c.TransactWriteItems(ctx, in); err != nil || out.ConsumedCapacity != nil {
		t.Fatalf("replay without capacity: %v %v", out, err)
	}
	wantItem(t, getItemC(t, ctx, c, "tx_i", item{"pk": S("counter")}), item{"pk": S("counter"), "n": N("1")})

	other := *in
	other.TransactItems = []types.TransactWriteItem{txUpdate("tx_i", item{"pk": S("counter")}, "ADD n :two", item{":two": N("2")})}
	_, err = c.TransactWriteItems(ctx, &other)
	wantErr(t, err, "IdempotentParameterMismatchException", "")
	wantItem(t, getItemC(t, ctx, c, "tx_i", item{"pk": S("counter")}), item{"pk": S("counter"), "n": N("1")})

	// A cancelled request leaves no token: its retry runs.
	fail := &dynamodb.TransactWriteItemsInput{ClientRequestToken: aws.String("transfer-0002"), TransactItems: []types.TransactWriteItem{
		txUpdate("tx_i", item{"pk": S("counter")}, "ADD n :one", item{":one": N("1")}),
		txCheck("tx_i", item{"pk": S("gate")}, "attribute_exists(pk)", nil),
	}}
	_, err = c.TransactWriteItems(ctx, fail)
	wantCanceled(t, err, "None", "ConditionalCheckFailed")
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tx_i"), Item: item{"pk": S("gate")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TransactWriteItems(ctx, fail); err != nil {
		t.Fatal(err)
	}
	wantItem(t, getItemC(t, ctx, c, "tx_i", item{"pk": S("counter")}), item{"pk": S("counter"), "n": N("2")})

	// Concurrent copies of one request: each succeeds or finds it in
	// progress; it is applied once.
	same := &dynamodb.TransactWriteItemsInput{ClientRequestToken: aws.String("transfer-0003"), TransactItems: []types.TransactWriteItem{
		txUpdate("tx_i", item{"pk": S("counter")}, "ADD n :one", item{":one": N("1")}),
	}}
	var wg sync.WaitGroup
	var ok, inProgress atomic.Int32
	errs := make(chan error, 32)
	for i := 0; i < 32; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := c.TransactWriteItems(ctx, same)
			var tip *types.TransactionInProgressException
			switch {
			case err == nil:
				ok.Add(1)
			case errors.As(err, &tip):
				if tip.ErrorMessage() != "Transaction from previous request is still in progress" {
					errs <- fmt.Errorf("message %q", tip.ErrorMessage())
				}
				inProgress.Add(1)
			default:
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	wantItem(t, getItemC(t, ctx, c, "tx_i", item{"pk": S("counter")}), item{"pk": S("counter"), "n": N("3")})
	t.Logf("32 concurrent copies: %d succeeded, %d found the request in progress", ok.Load(), inProgress.Load())
}

func TestTransactConsumedCapacity(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "tx_cap")
	createHashTable(t, ctx, c, "tx_cap2")
	kb := strings.Repeat("x", 1500)
	w, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			txPut("tx_cap", item{"pk": S("a"), "v": S(kb)}),                            // 2 KB: 2 x 2
			txPut("tx_cap", item{"pk": S("b")}),                                        // 2 x 1
			txCheck("tx_cap2", item{"pk": S("none")}, "attribute_not_exists(pk)", nil), // 2 x 1
		},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes,
	})
	if err != nil {
		t.Fatal(err)
	}
	wantTxCapacity(t, w.ConsumedCapacity, map[string]float64{"tx_cap": 6, "tx_cap2": 2}, true, true)

	g, err := c.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{
		TransactItems: []types.TransactGetItem{
			txGet("tx_cap", item{"pk": S("a")}), txGet("tx_cap", item{"pk": S("none")}), txGet("tx_cap2", item{"pk": S("none")}),
		},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal,
	})
	if err != nil {
		t.Fatal(err)
	}
	wantTxCapacity(t, g.ConsumedCapacity, map[string]float64{"tx_cap": 4, "tx_cap2": 2}, false, false)
}

func wantTxCapacity(t *testing.T, got []types.ConsumedCapacity, want map[string]float64, write, indexes bool) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("capacity %d entries, want %d: %+v", len(got), len(want), got)
	}
	for _, cc := range got {
		u := want[aws.ToString(cc.TableName)]
		split, other := cc.ReadCapacityUnits, cc.WriteCapacityUnits
		if write {
			split, other = other, split
		}
		if aws.ToFloat64(cc.CapacityUnits) != u || aws.ToFloat64(split) != u || other != nil {
			t.Fatalf("capacity of %s: total %v read %v write %v, want %v", aws.ToString(cc.TableName),
				aws.ToFloat64(cc.CapacityUnits), cc.ReadCapacityUnits, cc.WriteCapacityUnits, u)
		}
		if indexes != (cc.Table != nil) || (indexes && aws.ToFloat64(cc.Table.CapacityUnits) != u) {
			t.Fatalf("table breakdown %+v", cc.Table)
		}
	}
}

func TestTransactItemCollectionMetrics(t *testing.T) {
	c, ctx := setup(t)
	createLSITable(t, ctx, c, "tx_lsi")
	createHashTable(t, ctx, c, "tx_plain")
	out, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{
		TransactItems: []types.TransactWriteItem{
			txPut("tx_lsi", item{"pk": S("a"), "sk": S("1")}),
			txPut("tx_plain", item{"pk": S("a")}),
			txCheck("tx_lsi", item{"pk": S("q"), "sk": S("1")}, "attribute_not_exists(pk)", nil),
		},
		ReturnItemCollectionMetrics: types.ReturnItemCollectionMetricsSize,
	})
	if err != nil {
		t.Fatal(err)
	}
	m := out.ItemCollectionMetrics
	if len(m) != 1 || len(m["tx_lsi"]) != 1 || render(m["tx_lsi"][0].ItemCollectionKey) != "{pk: S:a}" {
		t.Fatalf("metrics %+v", m)
	}
}

// TestBankTransfers: clients move money between 100 accounts with
// conditional transactions while readers read all accounts in one
// TransactGetItems. The total never changes, no reader sees a transfer
// half done, and every balance is what the successful transfers add up to.
func TestBankTransfers(t *testing.T) {
	c, ctx := setup(t)
	closeIdleOnCleanup(t, c)
	createHashTable(t, ctx, c, "tx_bank")
	const accounts, initial = 100, 100
	acct := func(i int) item { return item{"pk": S(fmt.Sprintf("acct-%03d", i))} }
	for i := 0; i < accounts; i += 25 {
		var reqs []types.WriteRequest
		for j := i; j < i+25; j++ {
			reqs = append(reqs, putReq(item{"pk": acct(j)["pk"], "balance": N(fmt.Sprint(initial))}))
		}
		if _, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"tx_bank": reqs}}); err != nil {
			t.Fatal(err)
		}
	}
	const writers, transfers, readers = 16, 60, 4
	var (
		mu        sync.Mutex
		expected  [accounts]int
		committed atomic.Int32
		refused   atomic.Int32
		reads     atomic.Int32
		firstErr  error
	)
	for i := range expected {
		expected[i] = initial
	}
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
	}
	var wg, rwg sync.WaitGroup
	stop := make(chan struct{})
	for r := 0; r < readers; r++ {
		rwg.Add(1)
		go func() {
			defer rwg.Done()
			gets := make([]types.TransactGetItem, accounts)
			for i := range gets {
				gets[i] = txGet("tx_bank", acct(i))
			}
			for {
				select {
				case <-stop:
					return
				default:
				}
				out, err := c.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: gets})
				if err != nil {
					fail(err)
					return
				}
				sum := 0
				for _, r := range out.Responses {
					sum += num(r.Item["balance"])
				}
				if sum != accounts*initial {
					fail(fmt.Errorf("a reader saw a total of %d", sum))
					return
				}
				reads.Add(1)
			}
		}()
	}
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			rnd := rand.New(rand.NewPCG(seed, 7))
			for k := 0; k < transfers; k++ {
				from, to := rnd.IntN(accounts), rnd.IntN(accounts-1)
				if to >= from {
					to++
				}
				amount := 1 + rnd.IntN(150) // sometimes more than the balance
				_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					{Update: &types.Update{TableName: aws.String("tx_bank"), Key: acct(from),
						UpdateExpression: aws.String("SET balance = balance - :x"), ConditionExpression: aws.String("balance >= :x"),
						ExpressionAttributeValues: item{":x": N(fmt.Sprint(amount))}}},
					{Update: &types.Update{TableName: aws.String("tx_bank"), Key: acct(to),
						UpdateExpression: aws.String("SET balance = balance + :x"), ConditionExpression: aws.String("attribute_exists(balance)"),
						ExpressionAttributeValues: item{":x": N(fmt.Sprint(amount))}}},
				}})
				var tce *types.TransactionCanceledException
				switch {
				case err == nil:
					mu.Lock()
					expected[from] -= amount
					expected[to] += amount
					mu.Unlock()
					committed.Add(1)
				case errors.As(err, &tce):
					if aws.ToString(tce.CancellationReasons[0].Code) != "ConditionalCheckFailed" || aws.ToString(tce.CancellationReasons[1].Code) != "None" {
						fail(fmt.Errorf("unexpected cancellation: %v", err))
						return
					}
					refused.Add(1)
				default:
					fail(err)
					return
				}
			}
		}(uint64(w))
	}
	wg.Wait()
	close(stop)
	rwg.Wait()
	if firstErr != nil {
		t.Fatal(firstErr)
	}
	out, err := c.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: func() []types.TransactGetItem {
		g := make([]types.TransactGetItem, accounts)
		for i := range g {
			g[i] = txGet("tx_bank", acct(i))
		}
		return g
	}()})
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range out.Responses {
		if b := num(r.Item["balance"]); b != expected[i] || b < 0 {
			t.Fatalf("account %d: balance %d, want %d", i, b, expected[i])
		}
	}
	if committed.Load() == 0 || refused.Load() == 0 || reads.Load() == 0 {
		t.Fatalf("committed %d, refused %d, reads %d: the test did not exercise both paths", committed.Load(), refused.Load(), reads.Load())
	}
	t.Logf("%d transfers committed, %d refused for insufficient funds, %d consistent full reads", committed.Load(), refused.Load(), reads.Load())
}

// TestWriteSkew: two transactions each check one item and write the other
// ("at least one doctor stays on call"). Run concurrently, they can never
// both commit.
func TestWriteSkew(t *testing.T) {
	c, ctx := setup(t)
	closeIdleOnCleanup(t, c)
	createHashTable(t, ctx, c, "tx_skew")
	const pairs, rounds = 8, 25
	var bothCommitted, oneCommitted atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, pairs)
	for p := 0; p < pairs; p++ {
		wg.Add(1)
		go func(p int) {
			defer wg.Done()
			x, y := item{"pk": S(fmt.Sprint("x", p))}, item{"pk": S(fmt.Sprint("y", p))}
			leave := func(self, other item) error {
				_, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
					txCheck("tx_skew", other, "on_call = :t", item{":t": BOOL(true)}),
					txUpdate("tx_skew", self, "SET on_call = :f", item{":f": BOOL(false)}),
				}})
				return err
			}
			for r := 0; r < rounds; r++ {
				for _, k := range []item{x, y} {
					if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tx_skew"), Item: item{"pk": k["pk"], "on_call": BOOL(true)}}); err != nil {
						errs <- err
						return
					}
				}
				start := make(chan struct{})
				res := make(chan error, 2)
				go func() { <-start; res <- leave(x, y) }()
				go func() { <-start; res <- leave(y, x) }()
				close(start)
				n := 0
				for i := 0; i < 2; i++ {
					err := <-res
					var tce *types.TransactionCanceledException
					switch {
					case err == nil:
						n++
					case errors.As(err, &tce):
					default:
						errs <- err
						return
					}
				}
				if n == 2 {
					bothCommitted.Add(1)
				} else if n == 1 {
					oneCommitted.Add(1)
				}
				g, err := c.TransactGetItems(ctx, &dynamodb.TransactGetItemsInput{TransactItems: []types.TransactGetItem{txGet("tx_skew", x), txGet("tx_skew", y)}})
				if err != nil {
					errs <- err
					return
				}
				if render(g.Responses[0].Item["on_call"]) == "BOOL:false" && render(g.Responses[1].Item["on_call"]) == "BOOL:false" {
					errs <- fmt.Errorf("pair %d round %d: nobody on call", p, r)
					return
				}
			}
		}(p)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if bothCommitted.Load() != 0 {
		t.Fatalf("write skew: both transactions committed %d times", bothCommitted.Load())
	}
	if oneCommitted.Load() != pairs*rounds {
		t.Fatalf("%d of %d rounds committed exactly one transaction", oneCommitted.Load(), pairs*rounds)
	}
}

// BenchmarkTransactWriteItems measures the throughput of transactions of
// 10 and 100 items (Updates of distinct items, spread over many keys) from
// concurrent clients, on the default durable store (Pebble, fsync on every
// commit):
//
//	go test ./e2e -run '^$' -bench BenchmarkTransactWriteItems -benchtime 3s
//
// DYNAGO_E2E_MEMORY=1 runs it on the memory engine.
func BenchmarkTransactWriteItems(b *testing.B) {
	for _, size := range []int{10, 100} {
		b.Run(fmt.Sprintf("items=%d", size), func(b *testing.B) {
			s := startServer(b)
			c := newClient(b, s)
			closeIdleOnCleanup(b, c)
			ctx := context.Background()
			if _, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
				TableName:            aws.String("tx_bench"),
				AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
				KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
				BillingMode:          types.BillingModePayPerRequest,
			}); err != nil {
				b.Fatal(err)
			}
			var seq atomic.Int64
			b.SetParallelism(4) // 4 x GOMAXPROCS clients
			start := time.Now()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				items := make([]types.TransactWriteItem, size)
				for pb.Next() {
					base := seq.Add(int64(size))
					for i := range items {
						items[i] = txUpdate("tx_bench", item{"pk": S(fmt.Sprint("k", (base+int64(i))%100_000))},
							"SET v = :v ADD n :one", item{":v": S("payload-0123456789"), ":one": N("1")})
					}
					if _, err := c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: items}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			elapsed := time.Since(start).Seconds()
			b.ReportMetric(float64(b.N)/elapsed, "tx/s")
			b.ReportMetric(float64(b.N*size)/elapsed, "items/s")
		})
	}
}
