package wire

import (
	"testing"

	"github.com/dynago/dynago/ddb"
)

const castMsg = msgCast

// SerializationException for JSON of the wrong type, by the member's Coral
// type and position (dynalite's assertType tables, recorded from DynamoDB).
func TestDecodeSerializationErrors(t *testing.T) {
	tests := []struct {
		name string
		v    any
		body string
		msg  string
	}{
		// String field
		{"string/true", &PutItemInput{}, `{"TableName":true}`, "TRUE_VALUE cannot be converted to String"},
		{"string/false", &PutItemInput{}, `{"TableName":false}`, "FALSE_VALUE cannot be converted to String"},
		{"string/int", &PutItemInput{}, `{"TableName":23}`, "NUMBER_VALUE cannot be converted to String"},
		{"string/bigint", &PutItemInput{}, `{"TableName":2147483648}`, "NUMBER_VALUE cannot be converted to String"},
		{"string/float", &PutItemInput{}, `{"TableName":34.56}`, "DECIMAL_VALUE cannot be converted to String"},
		{"string/list", &PutItemInput{}, `{"TableName":[]}`, "Unrecognized collection type class java.lang.String"},
		{"string/map", &PutItemInput{}, `{"TableName":{}}`, "Start of structure or map found where not expected"},
		// Boolean field
		{"bool/string", &GetItemInput{}, `{"ConsistentRead":"23"}`, "Unexpected token received from parser"},
		{"bool/int", &GetItemInput{}, `{"ConsistentRead":23}`, "NUMBER_VALUE cannot be converted to Boolean"},
		{"bool/float", &GetItemInput{}, `{"ConsistentRead":34.56}`, "DECIMAL_VALUE cannot be converted to Boolean"},
		{"bool/list", &GetItemInput{}, `{"ConsistentRead":[]}`, "Unrecognized collection type class java.lang.Boolean"},
		{"bool/map", &GetItemInput{}, `{"ConsistentRead":{}}`, "Start of structure or map found where not expected"},
		// Integer field
		{"int/string", &ListTablesInput{}, `{"Limit":"23"}`, "STRING_VALUE cannot be converted to Integer"},
		{"int/true", &ListTablesInput{}, `{"Limit":true}`, "TRUE_VALUE cannot be converted to Integer"},
		{"int/false", &ListTablesInput{}, `{"Limit":false}`, "FALSE_VALUE cannot be converted to Integer"},
		{"int/list", &ListTablesInput{}, `{"Limit":[]}`, "Unrecognized collection type class java.lang.Integer"},
		{"int/map", &ListTablesInput{}, `{"Limit":{}}`, "Start of structure or map found where not expected"},
		// Long field
		{"long/string", &CreateTableInput{}, `{"ProvisionedThroughput":{"ReadCapacityUnits":"23"}}`, "STRING_VALUE cannot be converted to Long"},
		{"long/true", &CreateTableInput{}, `{"ProvisionedThroughput":{"WriteCapacityUnits":true}}`, "TRUE_VALUE cannot be converted to Long"},
		{"long/list", &CreateTableInput{}, `{"ProvisionedThroughput":{"WriteCapacityUnits":[]}}`, "Unrecognized collection type class java.lang.Long"},
		// List field
		{"list/string", &CreateTableInput{}, `{"KeySchema":"23"}`, "Unexpected field type"},
		{"list/int", &CreateTableInput{}, `{"KeySchema":23}`, "Unexpected field type"},
		{"list/map", &CreateTableInput{}, `{"KeySchema":{}}`, "Start of structure or map found where not expected"},
		{"list/string member", &GetItemInput{}, `{"AttributesToGet":[23]}`, "NUMBER_VALUE cannot be converted to String"},
		// Structure field and list member
		{"struct/field", &CreateTableInput{}, `{"ProvisionedThroughput":"23"}`, "Unexpected field type"},
		{"struct/field list", &CreateTableInput{}, `{"ProvisionedThroughput":[]}`, "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.ProvisionedThroughput"},
		{"struct/member", &CreateTableInput{}, `{"KeySchema":["23"]}`, "Unexpected value type in payload"},
		{"struct/member bool", &CreateTableInput{}, `{"KeySchema":[true]}`, "Unexpected value type in payload"},
		{"struct/member list", &CreateTableInput{}, `{"KeySchema":[[]]}`, "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.KeySchemaElement"},
		{"struct/nested", &CreateTableInput{}, `{"LocalSecondaryIndexes":[{"Projection":{"NonKeyAttributes":[true]}}]}`, "TRUE_VALUE cannot be converted to String"},
		// Map field
		{"map/string", &PutItemInput{}, `{"Item":"23"}`, "Unexpected field type"},
		{"map/list", &PutItemInput{}, `{"Item":[]}`, "Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>"},
		{"map names/list", &PutItemInput{}, `{"ExpressionAttributeNames":[]}`, "Unrecognized collection type java.util.Map<java.lang.String, java.lang.String>"},
		{"map names/value", &PutItemInput{}, `{"ExpressionAttributeNames":{"#a":23}}`, "NUMBER_VALUE cannot be converted to String"},
		{"map expected/list", &PutItemInput{}, `{"Expected":[]}`, "Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.ExpectedAttributeValue>"},
		{"map expected/value", &PutItemInput{}, `{"Expected":{"a":23}}`, "Unexpected value type in payload"},
		{"map expected/value list", &PutItemInput{}, `{"Expected":{"a":[]}}`, "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.ExpectedAttributeValue"},
		{"expected exists", &PutItemInput{}, `{"Expected":{"a":{"Exists":"23"}}}`, "Unexpected token received from parser"},
		// Attribute values in their positions
		{"item attr/value", &PutItemInput{}, `{"Item":{"a":23}}`, "Unexpected value type in payload"},
		{"item attr/list", &PutItemInput{}, `{"Item":{"a":[]}}`, "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue"},
		{"expected value/field", &PutItemInput{}, `{"Expected":{"a":{"Value":23}}}`, "Unexpected field type"},
		{"expected value/list", &PutItemInput{}, `{"Expected":{"a":{"Value":[]}}}`, "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.AttributeValue"},
		{"avl member", &PutItemInput{}, `{"Expected":{"a":{"AttributeValueList":[23]}}}`, "Unexpected value type in payload"},
		// Parameterized positions: a list as a map value, a map as a list member
		{"batch write/list in map", &BatchWriteItemInput{}, `{"RequestItems":{"abc":"23"}}`, castMsg},
		{"batch write/list in map obj", &BatchWriteItemInput{}, `{"RequestItems":{"abc":{}}}`, "Start of structure or map found where not expected"},
		{"batch write/map", &BatchWriteItemInput{}, `{"RequestItems":[]}`, "Unrecognized collection type java.util.Map<java.lang.String, java.util.List<com.amazonaws.dynamodb.v20120810.WriteRequest>>"},
		{"batch write/member", &BatchWriteItemInput{}, `{"RequestItems":{"abc":[23]}}`, "Unexpected value type in payload"},
		{"batch write/member list", &BatchWriteItemInput{}, `{"RequestItems":{"abc":[[]]}}`, "Unrecognized collection type class com.amazonaws.dynamodb.v20120810.WriteRequest"},
		{"batch get/map in list", &BatchGetItemInput{}, `{"RequestItems":{"abc":{"Keys":["23"]}}}`, castMsg},
		{"batch get/map in list arr", &BatchGetItemInput{}, `{"RequestItems":{"abc":{"Keys":[[]]}}}`, "Unrecognized collection type java.util.Map<java.lang.String, com.amazonaws.dynamodb.v20120810.AttributeValue>"},
		// Syntax
		{"syntax/empty object", &PutItemInput{}, `{`, ""},
		{"syntax/garbage", &PutItemInput{}, `hi`, ""},
		{"syntax/array", &PutItemInput{}, `[]`, ""},
		{"syntax/trailing comma", &ListTablesInput{}, `{"Limit":1,}`, ""},
		{"syntax/bad number", &ListTablesInput{}, `{"Limit":01}`, ""},
		{"syntax/after error-free prefix", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"S":"x"}}`, ""},
		{"syntax/trailing data", &ListTablesInput{}, `{"Limit":1} x`, ""},
		{"syntax/control char", &ListTablesInput{}, "{\"ExclusiveStartTableName\":\"a\x01\"}", ""},
		{"type error before syntax error", &PutItemInput{}, `{"TableName":1, garbage`, "NUMBER_VALUE cannot be converted to String"},
	}
	for _, tt := range tests {
		err := Decode([]byte(tt.body), tt.v)
		de, ok := err.(*ddb.Error)
		if !ok || de.Type != ddb.ErrSerialization || de.Message != tt.msg {
			t.Errorf("%s: %s\n got  %v\n want SerializationException: %q", tt.name, tt.body, err, tt.msg)
		}
	}
}

func TestDecodeFields(t *testing.T) {
	var in QueryInput
	body := `{"TableName":"tbl","tablename":"ignored","IndexName":null,"Limit":10.7,"ScanIndexForward":false,
		"ExclusiveStartKey":{"a":{"S":"x"}},"KeyConditions":{"a":{"ComparisonOperator":"EQ","AttributeValueList":[{"N":"1.0"}]}},
		"Unknown":{"deep":[1,2,{"x":null}]},"ExpressionAttributeNames":{"#a":"b"}}`
	if err := Decode([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	if Deref(in.TableName) != "tbl" || in.IndexName != nil || Deref(in.Limit) != 10 || Deref(in.ScanIndexForward) != false || in.ScanIndexForward == nil {
		t.Fatalf("decoded %+v", in)
	}
	if in.KeyConditions["a"].AttributeValueList[0].S != "1" || in.ExclusiveStartKey["a"].S != "x" || in.ExpressionAttributeNames["#a"] != "b" {
		t.Fatalf("decoded %+v", in)
	}
	// Empty body and null body are empty requests; absent and empty collections differ.
	for _, body := range []string{"", " ", "null", "{}"} {
		var in ListTablesInput
		if err := Decode([]byte(body), &in); err != nil || in.Limit != nil {
			t.Errorf("%q: %v %+v", body, err, in)
		}
	}
	var g GetItemInput
	if err := Decode([]byte(`{"AttributesToGet":[],"ExpressionAttributeNames":{}}`), &g); err != nil || g.AttributesToGet == nil || g.ExpressionAttributeNames == nil {
		t.Fatalf("empty collections must be non-nil: %v %+v", err, g)
	}
	// Integers saturate.
	var l ListTablesInput
	if err := Decode([]byte(`{"Limit":99999999999999999999}`), &l); err != nil || *l.Limit != 2147483647 {
		t.Fatalf("saturation: %v %v", err, l.Limit)
	}
}

// Invalid attribute values are recorded with their location, not returned.
func TestDecodeRecordsValueErrors(t *testing.T) {
	var in PutItemInput
	body := `{"Item":{"ok":{"S":"x"},"bad":{},"nul":null},"Expected":{"e":{"Value":{"SS":[]}, "AttributeValueList":[{"N":"x"},{"S":"y"}]}},
		"ExpressionAttributeValues":{":v":{"S":"a","N":"1"}}}`
	if err := Decode([]byte(body), &in); err != nil {
		t.Fatal(err)
	}
	got := in.ValueErrors()
	want := []struct {
		path string
		msg  string
	}{
		{"Item.bad", MsgEmptyValue},
		{"Item.nul", MsgNullValue + ": nul is null"},
		{"Expected.e.Value", "One or more parameter values were invalid: An string set  may not be empty"},
		{"Expected.e.AttributeValueList.0", "The parameter cannot be converted to a numeric value: x"},
		{"ExpressionAttributeValues.:v", MsgMultipleTypes},
	}
	if len(got) != len(want) {
		t.Fatalf("got %d errors: %+v", len(got), got)
	}
	for i, w := range want {
		if p := joinPath(got[i].Path); p != w.path || got[i].Err.Message != w.msg {
			t.Errorf("%d: got %s %q, want %s %q", i, p, got[i].Err.Message, w.path, w.msg)
		}
	}
	if _, ok := in.Item["bad"]; ok || in.Item["ok"].S != "x" || in.Expected["e"].Value != nil || len(in.Expected["e"].AttributeValueList) != 2 {
		t.Fatalf("decoded %+v", in)
	}
}

func joinPath(p []string) string {
	s := ""
	for i, e := range p {
		if i > 0 {
			s += "."
		}
		s += e
	}
	return s
}
