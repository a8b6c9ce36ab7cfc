package e2e

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func TestCreateTableDescribesEverything(t *testing.T) {
	c, ctx := setup(t)
	before := time.Now().Add(-time.Second)
	out, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String("Orders"),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("customer"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("when"), AttributeType: types.ScalarAttributeTypeN},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("customer"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("when"), KeyType: types.KeyTypeRange},
		},
		ProvisionedThroughput:     &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(5), WriteCapacityUnits: aws.Int64(7)},
		Tags:                      []types.Tag{{Key: aws.String("team"), Value: aws.String("orders")}},
		StreamSpecification:       &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages},
		SSESpecification:          &types.SSESpecification{Enabled: aws.Bool(true)},
		TableClass:                types.TableClassStandardInfrequentAccess,
		DeletionProtectionEnabled: aws.Bool(true),
	})
	if err != nil {
		t.Fatal(err)
	}
	d := out.TableDescription
	if d.TableStatus != types.TableStatusCreating {
		t.Errorf("CreateTable status = %s, want CREATING", d.TableStatus)
	}
	desc, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Orders")})
	if err != nil {
		t.Fatal(err)
	}
	d = desc.Table
	check := func(what string, got, want any) {
		t.Helper()
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	check("status", d.TableStatus, types.TableStatusActive)
	check("name", aws.ToString(d.TableName), "Orders")
	check("hash key", aws.ToString(d.KeySchema[0].AttributeName)+"/"+string(d.KeySchema[0].KeyType), "customer/HASH")
	check("range key", aws.ToString(d.KeySchema[1].AttributeName)+"/"+string(d.KeySchema[1].KeyType), "when/RANGE")
	check("attribute definitions", len(d.AttributeDefinitions), 2)
	check("read capacity", aws.ToInt64(d.ProvisionedThroughput.ReadCapacityUnits), 5)
	check("write capacity", aws.ToInt64(d.ProvisionedThroughput.WriteCapacityUnits), 7)
	check("item count", aws.ToInt64(d.ItemCount), 0)
	check("size", aws.ToInt64(d.TableSizeBytes), 0)
	check("arn", aws.ToString(d.TableArn), "arn:aws:dynamodb:us-east-1:000000000000:table/Orders")
	if len(aws.ToString(d.TableId)) != 36 {
		t.Errorf("TableId %q is not a UUID", aws.ToString(d.TableId))
	}
	if d.CreationDateTime == nil || d.CreationDateTime.Before(before) || d.CreationDateTime.After(time.Now().Add(time.Second)) {
		t.Errorf("CreationDateTime = %v", d.CreationDateTime)
	}
	check("stream", d.StreamSpecification != nil && aws.ToBool(d.StreamSpecification.StreamEnabled) &&
		d.StreamSpecification.StreamViewType == types.StreamViewTypeNewAndOldImages, true)
	if !strings.HasPrefix(aws.ToString(d.LatestStreamArn), aws.ToString(d.TableArn)+"/stream/") || aws.ToString(d.LatestStreamLabel) == "" {
		t.Errorf("stream arn %q label %q", aws.ToString(d.LatestStreamArn), aws.ToString(d.LatestStreamLabel))
	}
	check("sse", d.SSEDescription != nil && d.SSEDescription.Status == types.SSEStatusEnabled && d.SSEDescription.SSEType == types.SSETypeKms, true)
	check("table class", d.TableClassSummary != nil && d.TableClassSummary.TableClass == types.TableClassStandardInfrequentAccess, true)
	check("deletion protection", aws.ToBool(d.DeletionProtectionEnabled), true)

	tags, err := c.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: d.TableArn})
	if err != nil {
		t.Fatal(err)
	}
	check("tags", len(tags.Tags) == 1 && aws.ToString(tags.Tags[0].Key) == "team" && aws.ToString(tags.Tags[0].Value) == "orders", true)

	// Deletion protection holds until it is turned off.
	_, err = c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("Orders")})
	wantErr(t, err, "ValidationException", "Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
	if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("Orders"), DeletionProtectionEnabled: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}
	del, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("Orders")})
	if err != nil {
		t.Fatal(err)
	}
	check("delete status", del.TableDescription.TableStatus, types.TableStatusDeleting)
	_, err = c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("Orders")})
	wantErr(t, err, "ResourceNotFoundException", "Requested resource not found: Table: Orders not found")
}

func TestPayPerRequestTable(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "ppr")
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("ppr")})
	if err != nil {
		t.Fatal(err)
	}
	bm := d.Table.BillingModeSummary
	if bm == nil || bm.BillingMode != types.BillingModePayPerRequest || bm.LastUpdateToPayPerRequestDateTime == nil {
		t.Fatalf("BillingModeSummary = %+v", bm)
	}
	if pt := d.Table.ProvisionedThroughput; pt == nil || aws.ToInt64(pt.ReadCapacityUnits) != 0 || aws.ToInt64(pt.WriteCapacityUnits) != 0 {
		t.Fatalf("ProvisionedThroughput = %+v", pt)
	}
}

func TestTableWaiters(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "waited")
	w := dynamodb.NewTableExistsWaiter(c, func(o *dynamodb.TableExistsWaiterOptions) { o.MinDelay = 10 * time.Millisecond })
	if err := w.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("waited")}, 10*time.Second); err != nil {
		t.Fatalf("table_exists waiter: %v", err)
	}
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("waited")}); err != nil {
		t.Fatal(err)
	}
	nw := dynamodb.NewTableNotExistsWaiter(c, func(o *dynamodb.TableNotExistsWaiterOptions) { o.MinDelay = 10 * time.Millisecond })
	if err := nw.Wait(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("waited")}, 10*time.Second); err != nil {
		t.Fatalf("table_not_exists waiter: %v", err)
	}
}

func TestCreateTableErrors(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "exists")
	ad := func(pairs ...string) []types.AttributeDefinition {
		var out []types.AttributeDefinition
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, types.AttributeDefinition{AttributeName: aws.String(pairs[i]), AttributeType: types.ScalarAttributeType(pairs[i+1])})
		}
		return out
	}
	ks := func(pairs ...string) []types.KeySchemaElement {
		var out []types.KeySchemaElement
		for i := 0; i < len(pairs); i += 2 {
			out = append(out, types.KeySchemaElement{AttributeName: aws.String(pairs[i]), KeyType: types.KeyType(pairs[i+1])})
		}
		return out
	}
	gsi := func(name string, keys []types.KeySchemaElement, p types.ProjectionType) types.GlobalSecondaryIndex {
		return types.GlobalSecondaryIndex{IndexName: aws.String(name), KeySchema: keys, Projection: &types.Projection{ProjectionType: p}}
	}
	for _, tc := range []struct {
		name string
		in   dynamodb.CreateTableInput
		code string
		msg  string
	}{
		{"exists", dynamodb.CreateTableInput{TableName: aws.String("exists"), AttributeDefinitions: ad("pk", "S"), KeySchema: ks("pk", "HASH"), BillingMode: types.BillingModePayPerRequest},
			"ResourceInUseException", "Table already exists: exists"},
		{"undefined key", dynamodb.CreateTableInput{TableName: aws.String("t1x"), AttributeDefinitions: ad("a", "S"), KeySchema: ks("pk", "HASH"), BillingMode: types.BillingModePayPerRequest},
			"ValidationException", "One or more parameter values were invalid: Some index key attributes are not defined in AttributeDefinitions. Keys: [pk], AttributeDefinitions: [a]"},
		{"unused definition", dynamodb.CreateTableInput{TableName: aws.String("t1x"), AttributeDefinitions: ad("pk", "S", "x", "N"), KeySchema: ks("pk", "HASH"), BillingMode: types.BillingModePayPerRequest},
			"ValidationException", "One or more parameter values were invalid: Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"},
		{"unused definition with index", dynamodb.CreateTableInput{TableName: aws.String("t1x"), AttributeDefinitions: ad("pk", "S", "g", "S", "x", "N"), KeySchema: ks("pk", "HASH"),
			GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{gsi("gsi", ks("g", "HASH"), types.ProjectionTypeAll)}, BillingMode: types.BillingModePayPerRequest},
			"ValidationException", "One or more parameter values were invalid: Some AttributeDefinitions are not used. AttributeDefinitions: [g, pk, x], keys used: [g, pk]"},
		{"range first", dynamodb.CreateTableInput{TableName: aws.String("t1x"), AttributeDefinitions: ad("pk", "S", "sk", "S"), KeySchema: ks("pk", "RANGE", "sk", "HASH"), BillingMode: types.BillingModePayPerRequest},
			"ValidationException", "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"},
		{"same names", dynamodb.CreateTableInput{TableName: aws.String("t1x"), AttributeDefinitions: ad("pk", "S"), KeySchema: ks("pk", "HASH", "pk", "RANGE"), BillingMode: types.BillingModePayPerRequest},
			"ValidationException", "Both the Hash Key and the Range Key element in the KeySchema have the same name"},
		{"ppr with throughput", dynamodb.CreateTableInput{TableName: aws.String("t1x"), AttributeDefinitions: ad("pk", "S"), KeySchema: ks("pk", "HASH"), BillingMode: types.BillingModePayPerRequest,
			ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)}},
			"ValidationException", "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"},
		{"lsi without range", dynamodb.CreateTableInput{TableName: aws.String("t1x"), AttributeDefinitions: ad("pk", "S", "l", "S"), KeySchema: ks("pk", "HASH"), BillingMode: types.BillingModePayPerRequest,
			LocalSecondaryIndexes: []types.LocalSecondaryIndex{{IndexName: aws.String("lsi"), KeySchema: ks("pk", "HASH", "l", "RANGE"), Projection: &types.Projection{ProjectionType: types.ProjectionTypeAll}}}},
			"ValidationException", "One or more parameter values were invalid: Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex"},
		{"duplicate index", dynamodb.CreateTableInput{TableName: aws.String("t1x"), AttributeDefinitions: ad("pk", "S", "g", "S"), KeySchema: ks("pk", "HASH"), BillingMode: types.BillingModePayPerRequest,
			GlobalSecondaryIndexes: []types.GlobalSecondaryIndex{gsi("gsi", ks("g", "HASH"), types.ProjectionTypeAll), gsi("gsi", ks("g", "HASH"), types.ProjectionTypeKeysOnly)}},
			"ValidationException", "One or more parameter values were invalid: Duplicate index name: gsi"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := tc.in
			_, err := c.CreateTable(ctx, &in)
			wantErr(t, err, tc.code, tc.msg)
		})
	}
	// Nothing was created by the failed requests.
	lt, err := c.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(lt.TableNames) != 1 {
		t.Fatalf("tables after failed creates: %v", lt.TableNames)
	}
}

func TestListTablesPaging(t *testing.T) {
	c, ctx := setup(t)
	var want []string
	for i := 0; i < 7; i++ {
		name := fmt.Sprintf("tbl-%02d", 6-i)
		createHashTable(t, ctx, c, name)
		want = append(want, name)
	}
	sort.Strings(want)
	var got []string
	var start *string
	pages := 0
	for {
		out, err := c.ListTables(ctx, &dynamodb.ListTablesInput{Limit: aws.Int32(3), ExclusiveStartTableName: start})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		got = append(got, out.TableNames...)
		if out.LastEvaluatedTableName == nil {
			break
		}
		start = out.LastEvaluatedTableName
	}
	if fmt.Sprint(got) != fmt.Sprint(want) || pages != 3 {
		t.Fatalf("paged ListTables = %v in %d pages, want %v in 3", got, pages, want)
	}
	// The SDK's paginator agrees.
	p := dynamodb.NewListTablesPaginator(c, &dynamodb.ListTablesInput{Limit: aws.Int32(2)})
	n := 0
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(out.TableNames)
	}
	if n != 7 {
		t.Fatalf("paginator saw %d tables", n)
	}
}

func TestDeleteAndRecreateStartsEmpty(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "again")
	for i := 0; i < 50; i++ {
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("again"), Item: item{"pk": S(fmt.Sprint(i))}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("again")}); err != nil {
		t.Fatal(err)
	}
	_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("again"), Item: item{"pk": S("x")}})
	wantErr(t, err, "ResourceNotFoundException", "Requested resource not found")
	_, err = c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("again")})
	wantErr(t, err, "ResourceNotFoundException", "Requested resource not found: Table: again not found")
	createHashTable(t, ctx, c, "again")
	out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("again"), Key: item{"pk": S("7")}})
	if err != nil {
		t.Fatal(err)
	}
	if out.Item != nil {
		t.Fatalf("recreated table still has item: %v", out.Item)
	}
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("again")})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToInt64(d.Table.ItemCount) != 0 {
		t.Fatalf("recreated table ItemCount = %d", aws.ToInt64(d.Table.ItemCount))
	}
}

func TestUpdateTable(t *testing.T) {
	c, ctx := setup(t)
	_, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:             aws.String("prov"),
		AttributeDefinitions:  []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:             []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(1), WriteCapacityUnits: aws.Int64(1)},
	})
	if err != nil {
		t.Fatal(err)
	}
	up, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("prov"),
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(10), WriteCapacityUnits: aws.Int64(5)}})
	if err != nil {
		t.Fatal(err)
	}
	if up.TableDescription.TableStatus != types.TableStatusUpdating {
		t.Errorf("UpdateTable answered %s, want UPDATING", up.TableDescription.TableStatus)
	}
	pt := up.TableDescription.ProvisionedThroughput
	if aws.ToInt64(pt.ReadCapacityUnits) != 10 || aws.ToInt64(pt.WriteCapacityUnits) != 5 || pt.LastIncreaseDateTime == nil {
		t.Fatalf("throughput after increase: %+v", pt)
	}
	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("prov"),
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(10), WriteCapacityUnits: aws.Int64(5)}})
	wantErrContains(t, err, "ValidationException", "The provisioned throughput for the table will not change.")

	up, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("prov"), BillingMode: types.BillingModePayPerRequest})
	if err != nil {
		t.Fatal(err)
	}
	if bm := up.TableDescription.BillingModeSummary; bm == nil || bm.BillingMode != types.BillingModePayPerRequest {
		t.Fatalf("billing mode after switch: %+v", bm)
	}
	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("prov"),
		ProvisionedThroughput: &types.ProvisionedThroughput{ReadCapacityUnits: aws.Int64(3), WriteCapacityUnits: aws.Int64(3)}})
	wantErr(t, err, "ValidationException", "One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")

	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("nope")})
	if err == nil {
		t.Fatal("empty UpdateTable accepted")
	}
	_, err = c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("nope"), DeletionProtectionEnabled: aws.Bool(true)})
	wantErr(t, err, "ResourceNotFoundException", "Requested resource not found: Table: nope not found")
}

func TestTagging(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "tagged")
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("tagged")})
	if err != nil {
		t.Fatal(err)
	}
	arn := d.Table.TableArn
	if _, err := c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: arn, Tags: []types.Tag{
		{Key: aws.String("a"), Value: aws.String("1")}, {Key: aws.String("b"), Value: aws.String("2")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.TagResource(ctx, &dynamodb.TagResourceInput{ResourceArn: arn, Tags: []types.Tag{{Key: aws.String("a"), Value: aws.String("3")}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.UntagResource(ctx, &dynamodb.UntagResourceInput{ResourceArn: arn, TagKeys: []string{"b"}}); err != nil {
		t.Fatal(err)
	}
	out, err := c.ListTagsOfResource(ctx, &dynamodb.ListTagsOfResourceInput{ResourceArn: arn})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Tags) != 1 || aws.ToString(out.Tags[0].Key) != "a" || aws.ToString(out.Tags[0].Value) != "3" {
		t.Fatalf("tags = %+v", out.Tags)
	}
}
