package e2e

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

// Behaviours pinned after the differential test against DynamoDB Local; the
// expected answers are DynamoDB's (see difftest/known_deviations.md).

func TestCreateTableIndexAndDefinitionMessages(t *testing.T) {
	c, ctx := setup(t)
	attrs := []types.AttributeDefinition{
		{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
		{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS},
	}
	hash := func(name string) []types.KeySchemaElement {
		return []types.KeySchemaElement{{AttributeName: aws.String(name), KeyType: types.KeyTypeHash}}
	}
	gsi := func(p *types.Projection, pt *types.ProvisionedThroughput) []types.GlobalSecondaryIndex {
		return []types.GlobalSecondaryIndex{{IndexName: aws.String("byG"), KeySchema: hash("g"), Projection: p, ProvisionedThroughput: pt}}
	}
	prov := &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}
	for _, tc := range []struct {
		name string
		in   dynamodb.CreateTableInput
		msg  string
	}{
		{"attribute defined twice", dynamodb.CreateTableInput{
			AttributeDefinitions: []types.AttributeDefinition{
				{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
				{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeN},
			},
			KeySchema: hash("pk"), BillingMode: types.BillingModePayPerRequest},
			"Attribute Name is duplicated: pk"},
		{"INCLUDE without NonKeyAttributes", dynamodb.CreateTableInput{AttributeDefinitions: attrs, KeySchema: hash("pk"), BillingMode: types.BillingModePayPerRequest,
			GlobalSecondaryIndexes: gsi(&types.Projection{ProjectionType: types.ProjectionTypeInclude}, nil)},
			"One or more parameter values were invalid: ProjectionType is INCLUDE, but NonKeyAttributes is not specified"},
		{"NonKeyAttributes with a duplicate", dynamodb.CreateTableInput{AttributeDefinitions: attrs, KeySchema: hash("pk"), BillingMode: types.BillingModePayPerRequest,
			GlobalSecondaryIndexes: gsi(&types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"x", "y", "x"}}, nil)},
			"One or more parameter values were invalid: Duplicate element in NonKeyAttributes: x"},
		{"GSI without throughput on a provisioned table", dynamodb.CreateTableInput{AttributeDefinitions: attrs, KeySchema: hash("pk"), ProvisionedThroughput: prov,
			GlobalSecondaryIndexes: gsi(&types.Projection{ProjectionType: types.ProjectionTypeAll}, nil)},
			"One or more parameter values were invalid: ProvisionedThroughput is not specified for index: byG"},
		{"unknown table class", dynamodb.CreateTableInput{AttributeDefinitions: attrs[:1], KeySchema: hash("pk"), BillingMode: types.BillingModePayPerRequest,
			TableClass: types.TableClass("GLACIER")},
			"Invalid table-class parameter provided. Please try again with a valid table-class value: [STANDARD, STANDARD_INFREQUENT_ACCESS]."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			in.TableName = aws.String("bad")
			_, err := c.CreateTable(ctx, &in)
			wantErr(t, err, "ValidationException", tc.msg)
		})
	}
}

func TestUpdateTableStreamAndClassMessages(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "stt")
	_, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("stt"),
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(false)}})
	wantErr(t, err, "ValidationException", "Table has no stream to disable: TableName: stt")
	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("stt"),
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewImage}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("stt"),
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeOldImage}})
	wantErr(t, err, "ValidationException", "Table already has an enabled stream: TableName: stt")
	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("stt"), TableClass: types.TableClass("COLD")})
	wantErr(t, err, "ValidationException", "Invalid table-class parameter provided. Please try again with a valid table-class value: [STANDARD, STANDARD_INFREQUENT_ACCESS].")
}

func TestDeleteTableLeavesGSIsOut(t *testing.T) {
	c, ctx := setup(t)
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("withgsi"),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema:   []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode: types.BillingModePayPerRequest,
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("byG"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	out, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("withgsi")})
	if err != nil {
		t.Fatal(err)
	}
	if d := out.TableDescription; d.TableStatus != types.TableStatusDeleting || d.GlobalSecondaryIndexes != nil {
		t.Fatalf("DeleteTable answer: status %s, GSIs %+v", d.TableStatus, d.GlobalSecondaryIndexes)
	}
}

func TestLegacyConditionalOperator(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "cop")
	key := item{"pk": S("k")}
	if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("cop"), Item: key}); err != nil {
		t.Fatal(err)
	}
	_, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("cop"), Key: key,
		AttributeUpdates:    map[string]types.AttributeValueUpdate{"n": {Action: types.AttributeActionPut, Value: N("1")}},
		ConditionalOperator: types.ConditionalOperatorOr})
	wantErr(t, err, "ValidationException", "ConditionalOperator cannot be used without Filter or Expected")
	_, err = c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("cop"), Key: key,
		ConditionExpression: aws.String("attribute_exists(pk)"), ConditionalOperator: types.ConditionalOperatorAnd})
	wantErr(t, err, "ValidationException", "Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {ConditionalOperator} Expression parameters: {ConditionExpression}")
	// Neither request changed the item.
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("cop"), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	wantItem(t, out.Item, key)
}

func TestIndexWriteCapacity(t *testing.T) {
	c, ctx := setup(t)
	s := func(n string) types.AttributeDefinition {
		return types.AttributeDefinition{AttributeName: aws.String(n), AttributeType: types.ScalarAttributeTypeS}
	}
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("ixt"),
		AttributeDefinitions: []types.AttributeDefinition{s("pk"), s("sk"), s("g"), s("l")},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		BillingMode: types.BillingModePayPerRequest,
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("byG"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeInclude, NonKeyAttributes: []string{"proj"}}}},
		LocalSecondaryIndexes: []types.LocalSecondaryIndex{{IndexName: aws.String("byL"),
			KeySchema: []types.KeySchemaElement{
				{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
				{AttributeName: aws.String("l"), KeyType: types.KeyTypeRange},
			},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	type want struct{ total, table, gsi, lsi float64 }
	check := func(t *testing.T, cc *types.ConsumedCapacity, w want) {
		t.Helper()
		if cc == nil || aws.ToFloat64(cc.CapacityUnits) != w.total || cc.Table == nil || aws.ToFloat64(cc.Table.CapacityUnits) != w.table {
			t.Fatalf("capacity %+v, want %+v", cc, w)
		}
		for name, units := range map[string]float64{"byG": w.gsi, "byL": w.lsi} {
			m := cc.GlobalSecondaryIndexes
			if name == "byL" {
				m = cc.LocalSecondaryIndexes
			}
			got, ok := m[name]
			if units == 0 && ok || units != 0 && aws.ToFloat64(got.CapacityUnits) != units {
				t.Fatalf("%s capacity %+v, want %v", name, m, units)
			}
		}
	}
	put := func(t *testing.T, it item) *types.ConsumedCapacity {
		t.Helper()
		out, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("ixt"), Item: it, ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
		if err != nil {
			t.Fatal(err)
		}
		return out.ConsumedCapacity
	}
	full := item{"pk": S("a"), "sk": S("1"), "g": S("G"), "l": S("L"), "proj": S("p"), "misc": S("o")}
	check(t, put(t, full), want{3, 1, 1, 1})
	check(t, put(t, full), want{1, 1, 0, 0}) // an identical overwrite touches no index
	check(t, put(t, item{"pk": S("a"), "sk": S("2"), "misc": S("o")}), want{1, 1, 0, 0})

	update := func(t *testing.T, expr string, vals item) *types.ConsumedCapacity {
		t.Helper()
		out, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("ixt"), Key: item{"pk": S("a"), "sk": S("1")},
			UpdateExpression: aws.String(expr), ExpressionAttributeValues: vals, ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
		if err != nil {
			t.Fatal(err)
		}
		return out.ConsumedCapacity
	}
	check(t, update(t, "SET misc = :v", item{":v": S("o2")}), want{2, 1, 0, 1}) // not projected into byG
	check(t, update(t, "SET proj = :v", item{":v": S("p2")}), want{3, 1, 1, 1})
	check(t, update(t, "SET g = :v", item{":v": S("G2")}), want{4, 1, 2, 1}) // key change: delete + put
	check(t, update(t, "REMOVE g", nil), want{3, 1, 1, 1})

	out, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("ixt"), Item: full, ReturnConsumedCapacity: types.ReturnConsumedCapacityTotal})
	if err != nil {
		t.Fatal(err)
	}
	// The GSI entry comes back and the LSI's view changes (proj, misc): all
	// folded into the total, without the breakdown.
	if cc := out.ConsumedCapacity; cc == nil || aws.ToFloat64(cc.CapacityUnits) != 3 || cc.Table != nil || len(cc.GlobalSecondaryIndexes) != 0 {
		t.Fatalf("TOTAL capacity %+v", cc)
	}
	del, err := c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String("ixt"), Key: item{"pk": S("a"), "sk": S("1")},
		ReturnConsumedCapacity: types.ReturnConsumedCapacityIndexes})
	if err != nil {
		t.Fatal(err)
	}
	check(t, del.ConsumedCapacity, want{3, 1, 1, 1})
}

func TestEmptySecondaryIndexKey(t *testing.T) {
	c, ctx := setup(t)
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("ekt"),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("g"), AttributeType: types.ScalarAttributeTypeS},
		},
		KeySchema:   []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode: types.BillingModePayPerRequest,
		GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{{IndexName: aws.String("byG"),
			KeySchema:  []types.KeySchemaElement{{AttributeName: aws.String("g"), KeyType: types.KeyTypeHash}},
			Projection: &types.Projection{ProjectionType: types.ProjectionTypeKeysOnly}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("ekt"), Item: item{"pk": S("a"), "g": S("")}})
	wantErr(t, err, "ValidationException", "One or more parameter values are not valid. A value specified for a secondary index key is not supported. The AttributeValue for a key attribute cannot contain an empty string value. IndexName: byG, IndexKey: g")
	_, err = c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("ekt"), Key: item{"pk": S("a")},
		UpdateExpression: aws.String("SET g = :e"), ExpressionAttributeValues: item{":e": S("")}})
	wantErr(t, err, "ValidationException", "One or more parameter values are not valid. The update expression attempted to update a secondary index key to a value that is not supported. The AttributeValue for a key attribute cannot contain an empty string value.")
}
