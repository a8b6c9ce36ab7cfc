package wire

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/dynago/dynago/ddb"
)

// sdkServer answers every request with the encoding of out.
func sdkClient(t *testing.T, handle func(target string, body []byte) any) *dynamodb.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		out := handle(r.Header.Get("X-Amz-Target"), body)
		b, _ := Marshal(out)
		w.Header().Set("Content-Type", "application/x-amz-json-1.0")
		_, _ = w.Write(b)
	}))
	t.Cleanup(srv.Close)
	return dynamodb.New(dynamodb.Options{
		Region:           "us-east-1",
		BaseEndpoint:     aws.String(srv.URL),
		Credentials:      aws.AnonymousCredentials{},
		RetryMaxAttempts: 1,
	})
}

func TestSDKDeserializesTableDescription(t *testing.T) {
	created := time.UnixMilli(1700000000123)
	desc := &TableDescription{
		AttributeDefinitions: []AttributeDefinition{{AttributeName: Ptr("pk"), AttributeType: Ptr("S")}, {AttributeName: Ptr("sk"), AttributeType: Ptr("N")}},
		TableName:            "tbl",
		KeySchema:            []KeySchemaElement{{AttributeName: Ptr("pk"), KeyType: Ptr("HASH")}, {AttributeName: Ptr("sk"), KeyType: Ptr("RANGE")}},
		TableStatus:          "ACTIVE",
		CreationDateTime:     Timestamp(created),
		ProvisionedThroughput: &ProvisionedThroughputDescription{
			LastIncreaseDateTime: Timestamp(created), NumberOfDecreasesToday: 0, ReadCapacityUnits: 5, WriteCapacityUnits: 7,
		},
		TableSizeBytes:     123,
		ItemCount:          4,
		TableArn:           "arn:aws:dynamodb:us-east-1:000000000000:table/tbl",
		TableId:            "0e7e5b8c-0000-4000-8000-000000000000",
		BillingModeSummary: &BillingModeSummary{BillingMode: "PROVISIONED"},
		LocalSecondaryIndexes: []LocalSecondaryIndexDescription{{
			IndexName: "lsi", KeySchema: []KeySchemaElement{{AttributeName: Ptr("pk"), KeyType: Ptr("HASH")}},
			Projection: &Projection{ProjectionType: Ptr("INCLUDE"), NonKeyAttributes: []string{"x"}}, IndexSizeBytes: 1, ItemCount: 2, IndexArn: "arn:lsi",
		}},
		GlobalSecondaryIndexes: []GlobalSecondaryIndexDescription{{
			IndexName: "gsi", KeySchema: []KeySchemaElement{{AttributeName: Ptr("sk"), KeyType: Ptr("HASH")}},
			Projection: &Projection{ProjectionType: Ptr("ALL")}, IndexStatus: "ACTIVE", Backfilling: Ptr(false),
			ProvisionedThroughput: &ProvisionedThroughputDescription{ReadCapacityUnits: 1, WriteCapacityUnits: 1},
			IndexArn:              "arn:gsi", OnDemandThroughput: &OnDemandThroughput{MaxReadRequestUnits: Ptr(int64(-1))},
		}},
		StreamSpecification:       &StreamSpecification{StreamEnabled: Ptr(true), StreamViewType: Ptr("NEW_AND_OLD_IMAGES")},
		LatestStreamLabel:         "2023-11-14T22:13:20.123",
		LatestStreamArn:           "arn:aws:dynamodb:us-east-1:000000000000:table/tbl/stream/2023-11-14T22:13:20.123",
		SSEDescription:            &SSEDescription{Status: "ENABLED", SSEType: "KMS"},
		TableClassSummary:         &TableClassSummary{TableClass: "STANDARD"},
		DeletionProtectionEnabled: Ptr(true),
		WarmThroughput:            &TableWarmThroughputDescription{ReadUnitsPerSecond: 12000, WriteUnitsPerSecond: 4000, Status: "ACTIVE"},
	}
	client := sdkClient(t, func(target string, body []byte) any {
		var in DescribeTableInput
		if err := Decode(body, &in); err != nil || in.Validate() != nil || *in.TableName != "tbl" {
			t.Errorf("request %s %s: %v", target, body, err)
		}
		return &DescribeTableOutput{Table: desc}
	})
	out, err := client.DescribeTable(context.Background(), &dynamodb.DescribeTableInput{TableName: aws.String("tbl")})
	if err != nil {
		t.Fatal(err)
	}
	tb := out.Table
	if *tb.TableName != "tbl" || tb.TableStatus != types.TableStatusActive || !tb.CreationDateTime.Equal(created) ||
		*tb.ProvisionedThroughput.ReadCapacityUnits != 5 || *tb.ProvisionedThroughput.WriteCapacityUnits != 7 ||
		!tb.ProvisionedThroughput.LastIncreaseDateTime.Equal(created) || *tb.TableSizeBytes != 123 || *tb.ItemCount != 4 ||
		*tb.TableArn != desc.TableArn || *tb.TableId != desc.TableId || tb.BillingModeSummary.BillingMode != types.BillingModeProvisioned ||
		tb.KeySchema[1].KeyType != types.KeyTypeRange || tb.AttributeDefinitions[1].AttributeType != types.ScalarAttributeTypeN ||
		*tb.LocalSecondaryIndexes[0].IndexName != "lsi" || tb.LocalSecondaryIndexes[0].Projection.NonKeyAttributes[0] != "x" ||
		*tb.GlobalSecondaryIndexes[0].IndexName != "gsi" || tb.GlobalSecondaryIndexes[0].IndexStatus != types.IndexStatusActive ||
		*tb.GlobalSecondaryIndexes[0].OnDemandThroughput.MaxReadRequestUnits != -1 ||
		!*tb.StreamSpecification.StreamEnabled || tb.StreamSpecification.StreamViewType != types.StreamViewTypeNewAndOldImages ||
		*tb.LatestStreamArn != desc.LatestStreamArn || tb.SSEDescription.SSEType != types.SSETypeKms ||
		tb.TableClassSummary.TableClass != types.TableClassStandard || !*tb.DeletionProtectionEnabled ||
		*tb.WarmThroughput.ReadUnitsPerSecond != 12000 {
		t.Fatalf("SDK decoded %+v", tb)
	}
}

func TestSDKDeserializesItems(t *testing.T) {
	item := Item{
		"s":    ddb.S("text \"quoted\" é"),
		"n":    ddb.N("-12.5"),
		"b":    ddb.B([]byte{0, 1, 255}),
		"bool": ddb.Bool(true),
		"null": ddb.Null(),
		"ss":   ddb.SS([]string{"a", "b"}),
		"ns":   ddb.NS([]string{"1", "2"}),
		"bs":   ddb.BS([][]byte{{1}, {2}}),
		"l":    ddb.L([]ddb.AttributeValue{ddb.S("x"), ddb.N("1")}),
		"m":    ddb.M(map[string]ddb.AttributeValue{"k": ddb.Bool(false)}),
	}
	client := sdkClient(t, func(target string, body []byte) any {
		switch {
		case strings.HasSuffix(target, ".GetItem"):
			var in GetItemInput
			if err := Decode(body, &in); err != nil || in.Validate() != nil {
				t.Errorf("GetItem request %s: %v", body, err)
			}
			return &GetItemOutput{Item: item, ConsumedCapacity: &ConsumedCapacity{TableName: "tbl", CapacityUnits: 0.5}}
		case strings.HasSuffix(target, ".PutItem"):
			var in PutItemInput
			if err := Decode(body, &in); err != nil || in.Validate() != nil {
				t.Errorf("PutItem request %s: %v", body, err)
			}
			if !ddb.ItemsEqual(ddb.Item(in.Item), ddb.Item(item)) {
				t.Errorf("PutItem item %+v", in.Item)
			}
			return &PutItemOutput{}
		case strings.HasSuffix(target, ".Query"):
			return &QueryOutput{Items: []Item{item}, Count: 1, ScannedCount: 3, LastEvaluatedKey: Item{"s": ddb.S("k")}}
		case strings.HasSuffix(target, ".ListTables"):
			return &ListTablesOutput{TableNames: []string{}}
		}
		t.Errorf("unexpected %s", target)
		return struct{}{}
	})
	ctx := context.Background()
	got, err := client.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("tbl"), Key: map[string]types.AttributeValue{"s": &types.AttributeValueMemberS{Value: "k"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got.ConsumedCapacity == nil || *got.ConsumedCapacity.CapacityUnits != 0.5 {
		t.Fatalf("consumed capacity %+v", got.ConsumedCapacity)
	}
	check := func(av map[string]types.AttributeValue) {
		t.Helper()
		if v := av["s"].(*types.AttributeValueMemberS).Value; v != "text \"quoted\" é" {
			t.Errorf("S %q", v)
		}
		if v := av["n"].(*types.AttributeValueMemberN).Value; v != "-12.5" {
			t.Errorf("N %q", v)
		}
		if v := av["b"].(*types.AttributeValueMemberB).Value; string(v) != "\x00\x01\xff" {
			t.Errorf("B %v", v)
		}
		if !av["bool"].(*types.AttributeValueMemberBOOL).Value || !av["null"].(*types.AttributeValueMemberNULL).Value {
			t.Errorf("BOOL/NULL")
		}
		if v := av["ss"].(*types.AttributeValueMemberSS).Value; len(v) != 2 || v[1] != "b" {
			t.Errorf("SS %v", v)
		}
		if v := av["ns"].(*types.AttributeValueMemberNS).Value; len(v) != 2 || v[0] != "1" {
			t.Errorf("NS %v", v)
		}
		if v := av["bs"].(*types.AttributeValueMemberBS).Value; len(v) != 2 || v[1][0] != 2 {
			t.Errorf("BS %v", v)
		}
		if v := av["l"].(*types.AttributeValueMemberL).Value; len(v) != 2 || v[1].(*types.AttributeValueMemberN).Value != "1" {
			t.Errorf("L %v", v)
		}
		if v := av["m"].(*types.AttributeValueMemberM).Value; v["k"].(*types.AttributeValueMemberBOOL).Value {
			t.Errorf("M %v", v)
		}
	}
	check(got.Item)
	// The SDK's own request encoding decodes back to the same item.
	if _, err := client.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("tbl"), Item: got.Item}); err != nil {
		t.Fatal(err)
	}
	q, err := client.Query(ctx, &dynamodb.QueryInput{TableName: aws.String("tbl"), KeyConditionExpression: aws.String("s = :s"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":s": &types.AttributeValueMemberS{Value: "k"}}})
	if err != nil {
		t.Fatal(err)
	}
	if q.Count != 1 || q.ScannedCount != 3 || len(q.Items) != 1 || q.LastEvaluatedKey["s"].(*types.AttributeValueMemberS).Value != "k" {
		t.Fatalf("query %+v", q)
	}
	check(q.Items[0])
	lt, err := client.ListTables(ctx, &dynamodb.ListTablesInput{})
	if err != nil || lt.TableNames == nil || lt.LastEvaluatedTableName != nil {
		t.Fatalf("ListTables %+v %v", lt, err)
	}
}
