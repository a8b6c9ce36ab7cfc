package wire

import (
	"strings"
	"testing"

	"github.com/dynago/dynago/ddb"
)

type validator interface{ Validate() error }

func v1(parts ...string) string {
	if len(parts) == 1 {
		return "1 validation error detected: " + parts[0]
	}
	return itoa(len(parts)) + " validation errors detected: " + strings.Join(parts, "; ")
}

func notNull(path string) string {
	return "Value null at '" + path + "' failed to satisfy constraint: Member must not be null"
}

func bad(val, path, c string) string {
	return "Value " + val + " at '" + path + "' failed to satisfy constraint: " + c
}

const (
	namePattern = "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+"
	minLen3     = "Member must have length greater than or equal to 3"
)

// Messages recorded from DynamoDB by dynalite's tests.
func TestValidate(t *testing.T) {
	long := strings.Repeat("a", 256)
	tests := []struct {
		name string
		v    validator
		body string
		msg  string
	}{
		// CreateTable
		{"create/no name", &CreateTableInput{}, `{}`, "The parameter 'TableName' is required but was not present in the request"},
		{"create/empty name", &CreateTableInput{}, `{"TableName":""}`, "TableName must be at least 3 characters long and at most 255 characters long"},
		{"create/short name", &CreateTableInput{}, `{"TableName":"a;"}`, "TableName must be at least 3 characters long and at most 255 characters long"},
		{"create/long name", &CreateTableInput{}, `{"TableName":"` + long + `"}`, "TableName must be at least 3 characters long and at most 255 characters long"},
		{"create/nulls", &CreateTableInput{}, `{"TableName":"abc;"}`, v1(notNull("attributeDefinitions"), bad("'abc;'", "tableName", namePattern), notNull("keySchema"))},
		{"create/empty pt", &CreateTableInput{}, `{"TableName":"abc","AttributeDefinitions":[],"ProvisionedThroughput":{}}`,
			v1(notNull("provisionedThroughput.writeCapacityUnits"), notNull("provisionedThroughput.readCapacityUnits"), notNull("keySchema"))},
		{"create/low pt", &CreateTableInput{}, `{"TableName":"abc","AttributeDefinitions":[],"KeySchema":[],"ProvisionedThroughput":{"ReadCapacityUnits":-1,"WriteCapacityUnits":-1}}`,
			v1(bad("'-1'", "provisionedThroughput.writeCapacityUnits", "Member must have value greater than or equal to 1"),
				bad("'-1'", "provisionedThroughput.readCapacityUnits", "Member must have value greater than or equal to 1"),
				bad("'[]'", "keySchema", "Member must have length greater than or equal to 1"))},
		{"create/key elements", &CreateTableInput{}, `{"TableName":"abc","AttributeDefinitions":[],"KeySchema":[{"KeyType":"HASH"},{"AttributeName":"a"},{"KeyType":"Woop","AttributeName":"a"}],"ProvisionedThroughput":{"ReadCapacityUnits":1000000000001,"WriteCapacityUnits":1000000000001}}`,
			v1(bad("'[KeySchemaElement(AttributeName=null, KeyType=HASH), KeySchemaElement(AttributeName=a, KeyType=null), KeySchemaElement(AttributeName=a, KeyType=Woop)]'", "keySchema", "Member must have length less than or equal to 2"),
				notNull("keySchema.1.member.attributeName"), notNull("keySchema.2.member.keyType"),
				bad("'Woop'", "keySchema.3.member.keyType", "Member must satisfy enum value set: [HASH, RANGE]"))},
		{"create/missing pt", &CreateTableInput{}, `{"TableName":"abc","AttributeDefinitions":[],"KeySchema":[{"KeyType":"HASH","AttributeName":"a"}]}`,
			`One or more parameter values were invalid: Missing required parameter in input: "ProvisionedThroughput"`},
		{"create/high rcu", &CreateTableInput{}, `{"TableName":"abc","AttributeDefinitions":[],"KeySchema":[{"KeyType":"HASH","AttributeName":"a"}],"ProvisionedThroughput":{"ReadCapacityUnits":1000000000001,"WriteCapacityUnits":1000000000001}}`,
			"Given value 1000000000001 for ReadCapacityUnits is out of bounds"},
		{"create/high wcu", &CreateTableInput{}, `{"TableName":"abc","AttributeDefinitions":[],"KeySchema":[{"KeyType":"HASH","AttributeName":"a"}],"ProvisionedThroughput":{"ReadCapacityUnits":1000000000000,"WriteCapacityUnits":1000000000001}}`,
			"Given value 1000000000001 for WriteCapacityUnits is out of bounds"},
		{"create/attr def nulls", &CreateTableInput{}, `{"TableName":"abc","AttributeDefinitions":[{}],"KeySchema":[{"KeyType":"HASH","AttributeName":"a"}],"ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}`,
			v1(notNull("attributeDefinitions.1.member.attributeName"), notNull("attributeDefinitions.1.member.attributeType"))},
		{"create/SS attr type", &CreateTableInput{}, `{"TableName":"abc","AttributeDefinitions":[{"AttributeName":"b","AttributeType":"SS"}],"KeySchema":[{"KeyType":"HASH","AttributeName":"a"}],"ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}`,
			v1(bad("'SS'", "attributeDefinitions.1.member.attributeType", "Member must satisfy enum value set: [B, N, S]"))},
		{"create/empty lsis capped at 10", &CreateTableInput{}, `{"TableName":"abc","AttributeDefinitions":[],"KeySchema":[{"KeyType":"HASH","AttributeName":"a"}],"LocalSecondaryIndexes":[{},{},{},{},{},{},{},{},{}],"ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}`,
			v1(notNull("localSecondaryIndexes.1.member.indexName"), notNull("localSecondaryIndexes.1.member.keySchema"), notNull("localSecondaryIndexes.1.member.projection"),
				notNull("localSecondaryIndexes.2.member.indexName"), notNull("localSecondaryIndexes.2.member.keySchema"), notNull("localSecondaryIndexes.2.member.projection"),
				notNull("localSecondaryIndexes.3.member.indexName"), notNull("localSecondaryIndexes.3.member.keySchema"), notNull("localSecondaryIndexes.3.member.projection"),
				notNull("localSecondaryIndexes.4.member.indexName"))},
		{"create/lsi projection", &CreateTableInput{}, `{"TableName":"abc","AttributeDefinitions":[],"KeySchema":[{"KeyType":"HASH","AttributeName":"a"}],"LocalSecondaryIndexes":[{"IndexName":"abc","KeySchema":[{"AttributeName":"a","KeyType":"HASH"}],"Projection":{"NonKeyAttributes":[],"ProjectionType":"abc"}}],"ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}`,
			v1(bad("'abc'", "localSecondaryIndexes.1.member.projection.projectionType", "Member must satisfy enum value set: [ALL, INCLUDE, KEYS_ONLY]"),
				bad("'[]'", "localSecondaryIndexes.1.member.projection.nonKeyAttributes", "Member must have length greater than or equal to 1"))},
		{"create/gsi names", &CreateTableInput{}, `{"TableName":"abc","AttributeDefinitions":[],"KeySchema":[{"KeyType":"HASH","AttributeName":"a"}],"GlobalSecondaryIndexes":[{"IndexName":"h;","KeySchema":[],"Projection":{},"ProvisionedThroughput":{"ReadCapacityUnits":0,"WriteCapacityUnits":0}},{"IndexName":"` + long + `","KeySchema":[{"AttributeName":"a","KeyType":"HASH"}],"Projection":{},"ProvisionedThroughput":{}}],"ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}`,
			v1(bad("'h;'", "globalSecondaryIndexes.1.member.indexName", namePattern), bad("'h;'", "globalSecondaryIndexes.1.member.indexName", minLen3),
				bad("'[]'", "globalSecondaryIndexes.1.member.keySchema", "Member must have length greater than or equal to 1"),
				bad("'0'", "globalSecondaryIndexes.1.member.provisionedThroughput.writeCapacityUnits", "Member must have value greater than or equal to 1"),
				bad("'0'", "globalSecondaryIndexes.1.member.provisionedThroughput.readCapacityUnits", "Member must have value greater than or equal to 1"),
				bad("'"+long+"'", "globalSecondaryIndexes.2.member.indexName", "Member must have length less than or equal to 255"),
				notNull("globalSecondaryIndexes.2.member.provisionedThroughput.writeCapacityUnits"), notNull("globalSecondaryIndexes.2.member.provisionedThroughput.readCapacityUnits"))},
		{"create/pay per request with pt", &CreateTableInput{}, `{"TableName":"abc","AttributeDefinitions":[],"KeySchema":[{"KeyType":"HASH","AttributeName":"a"}],"BillingMode":"PAY_PER_REQUEST","ProvisionedThroughput":{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}`,
			"One or more parameter values were invalid: Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"},
		{"create/ok", &CreateTableInput{}, `{"TableName":"abc","AttributeDefinitions":[{"AttributeName":"a","AttributeType":"S"}],"KeySchema":[{"KeyType":"HASH","AttributeName":"a"}],"BillingMode":"PAY_PER_REQUEST"}`, ""},
		// DescribeTable / DeleteTable / ListTables
		{"describe/none", &DescribeTableInput{}, `{}`, "The parameter 'TableName' is required but was not present in the request"},
		{"describe/pattern", &DescribeTableInput{}, `{"TableName":"abc;"}`, v1(bad("'abc;'", "tableName", namePattern))},
		{"delete/short", &DeleteTableInput{}, `{"TableName":"ab"}`, "TableName must be at least 3 characters long and at most 255 characters long"},
		{"list/limit 0", &ListTablesInput{}, `{"Limit":0}`, v1(bad("'0'", "limit", "Member must have value greater than or equal to 1"))},
		{"list/limit 101", &ListTablesInput{}, `{"Limit":101}`, v1(bad("'101'", "limit", "Member must have value less than or equal to 100"))},
		{"list/start", &ListTablesInput{}, `{"ExclusiveStartTableName":"a;"}`, v1(bad("'a;'", "exclusiveStartTableName", namePattern), bad("'a;'", "exclusiveStartTableName", minLen3))},
		{"list/ok", &ListTablesInput{}, `{"Limit":100}`, ""},
		// UpdateTable
		{"update table/gsi null", &UpdateTableInput{}, `{"TableName":"abc","GlobalSecondaryIndexUpdates":[{}]}`,
			"One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null"},
		{"update table/gsi dup", &UpdateTableInput{}, `{"TableName":"abc","GlobalSecondaryIndexUpdates":[{"Delete":{"IndexName":"abc"}},{"Delete":{"IndexName":"abc"}}]}`,
			"One or more parameter values were invalid: Only one global secondary index update per index is allowed simultaneously. Index: abc"},
		// TTL, tags
		{"ttl/null spec", &UpdateTimeToLiveInput{}, `{"TableName":"abc"}`, v1(notNull("timeToLiveSpecification"))},
		{"ttl/nulls", &UpdateTimeToLiveInput{}, `{"TableName":"abc","TimeToLiveSpecification":{}}`, v1(notNull("timeToLiveSpecification.attributeName"), notNull("timeToLiveSpecification.enabled"))},
		{"ttl/empty name", &UpdateTimeToLiveInput{}, `{"TableName":"abc","TimeToLiveSpecification":{"AttributeName":"","Enabled":true}}`, "TimeToLiveSpecification.AttributeName must be non empty"},
		{"tag/no arn", &TagResourceInput{}, `{}`, "Invalid TableArn"},
		{"tag/null tags", &TagResourceInput{}, `{"ResourceArn":"a:b:c:d:e:f/g"}`, v1(notNull("tags"))},
		{"tag/bad arn", &TagResourceInput{}, `{"ResourceArn":"a:b:c:d:e:f/g","Tags":[]}`, "Invalid TableArn: Invalid ResourceArn provided as input a:b:c:d:e:f/g"},
		{"tag/short name arn", &TagResourceInput{}, `{"ResourceArn":"arn:aws:dynamodb:us-east-1:000000000000:table/ab","Tags":[]}`, "Invalid TableArn: Invalid ResourceArn provided as input arn:aws:dynamodb:us-east-1:000000000000:table/ab"},
		{"tag/empty tags", &TagResourceInput{}, `{"ResourceArn":"arn:aws:dynamodb:us-east-1:000000000000:table/abc","Tags":[]}`, "Atleast one Tag needs to be provided as Input."},
		{"untag/null keys", &UntagResourceInput{}, `{"ResourceArn":"a:b:c:d:e:f/g"}`, v1(notNull("tagKeys"))},
		{"untag/empty keys", &UntagResourceInput{}, `{"ResourceArn":"arn:aws:dynamodb:us-east-1:000000000000:table/abc","TagKeys":[]}`, "Atleast one Tag Key needs to be provided as Input."},
		{"listtags/no arn", &ListTagsOfResourceInput{}, `{}`, "Invalid TableArn"},
		{"listtags/bad arn", &ListTagsOfResourceInput{}, `{"ResourceArn":"a:b:c:d:e:f/g"}`, "Invalid TableArn: Invalid ResourceArn provided as input a:b:c:d:e:f/g"},
		// PutItem
		{"put/no name", &PutItemInput{}, `{}`, v1(notNull("tableName"), notNull("item"))},
		{"put/empty name", &PutItemInput{}, `{"TableName":""}`, v1(bad("''", "tableName", namePattern), bad("''", "tableName", minLen3), notNull("item"))},
		{"put/long name", &PutItemInput{}, `{"TableName":"` + long + `"}`, v1(bad("'"+long+"'", "tableName", "Member must have length less than or equal to 255"), notNull("item"))},
		{"put/incorrect attributes", &PutItemInput{}, `{"TableName":"abc;","ReturnConsumedCapacity":"hi","ReturnItemCollectionMetrics":"hi","ReturnValues":"hi"}`,
			v1(bad("'hi'", "returnConsumedCapacity", "Member must satisfy enum value set: [INDEXES, TOTAL, NONE]"), bad("'abc;'", "tableName", namePattern), notNull("item"),
				bad("'hi'", "returnValues", "Member must satisfy enum value set: [ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]"),
				bad("'hi'", "returnItemCollectionMetrics", "Member must satisfy enum value set: [SIZE, NONE]"))},
		{"put/mixing", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{}},"Expected":{"a":{}},"ExpressionAttributeNames":{},"ExpressionAttributeValues":{},"ConditionExpression":""}`,
			"Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {Expected} Expression parameters: {ConditionExpression}"},
		{"put/names without expr", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{}},"Expected":{"a":{}},"ExpressionAttributeNames":{},"ExpressionAttributeValues":{}}`,
			"ExpressionAttributeNames can only be specified when using expressions"},
		{"put/values without expr", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{}},"Expected":{"a":{}},"ExpressionAttributeValues":{}}`,
			"ExpressionAttributeValues can only be specified when using expressions: ConditionExpression is null"},
		{"put/empty value", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{}},"Expected":{"a":{}}}`, MsgEmptyValue},
		{"put/nested empty", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"L":[{"a":{}}]}},"Expected":{"a":{}}}`, MsgEmptyValue},
		{"put/null false", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"NULL":"no"}}}`, "Unexpected token received from parser"},
		{"put/bs dup", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"BS":["Yg==","Yg=="]}},"ExpressionAttributeNames":{},"ExpressionAttributeValues":{},"ConditionExpression":""}`,
			"One or more parameter values were invalid: Input collection [Yg==, Yg==]of type BS contains duplicates."},
		{"put/number before multiple", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"S":"a","N":"b"}}}`, "The parameter cannot be converted to a numeric value: b"},
		{"put/multiple", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"S":"a","N":"1"}}}`, MsgMultipleTypes},
		{"put/nesting", &PutItemInput{}, `{"TableName":"abc","Item":{"a":` + nest(32, `{"S":"x"}`) + `}}`, MsgNestingTooDeep},
		{"put/return values", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"S":"x"}},"ReturnValues":"ALL_NEW"}`, "Return values set to invalid value"},
		{"put/expected value and list", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"S":"x"}},"Expected":{"a":{"Value":{"S":"b"},"AttributeValueList":[]}}}`,
			"One or more parameter values were invalid: Value and AttributeValueList cannot be used together for Attribute: a"},
		{"put/expected exists and op", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"S":"x"}},"Expected":{"a":{"Exists":true,"ComparisonOperator":"EQ"}}}`,
			"One or more parameter values were invalid: Exists and ComparisonOperator cannot be used together for Attribute: a"},
		{"put/expected no value", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"S":"x"}},"Expected":{"a":{}}}`,
			"One or more parameter values were invalid: Value must be provided when Exists is null for Attribute: a"},
		{"put/expected exists true", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"S":"x"}},"Expected":{"a":{"Exists":true}}}`,
			"One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: a"},
		{"put/expected exists false", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"S":"x"}},"Expected":{"a":{"Exists":false,"Value":{"S":"b"}}}}`,
			"One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: a"},
		{"put/expected invalid value", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"S":"x"}},"Expected":{"b":{"Value":{"SS":[]}}}}`,
			"One or more parameter values were invalid: An string set  may not be empty"},
		{"put/expected list no op", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"S":"x"}},"Expected":{"a":{"AttributeValueList":[{"S":"b"}]}}}`,
			"One or more parameter values were invalid: AttributeValueList can only be used with a ComparisonOperator for Attribute: a"},
		{"put/expected arg count", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"S":"x"}},"Expected":{"a":{"ComparisonOperator":"BETWEEN","AttributeValueList":[{"S":"b"}]}}}`,
			"One or more parameter values were invalid: Invalid number of argument(s) for the BETWEEN ComparisonOperator"},
		{"put/expected no values for op", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"S":"x"}},"Expected":{"a":{"ComparisonOperator":"EQ"}}}`,
			"One or more parameter values were invalid: Value or AttributeValueList must be used with ComparisonOperator: EQ for Attribute: a"},
		{"put/expected same type", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"S":"x"}},"Expected":{"a":{"ComparisonOperator":"IN","AttributeValueList":[{"S":"b"},{"N":"1"}]}}}`,
			"One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type"},
		{"put/expected null in list", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"S":"x"}},"Expected":{"b":{"ComparisonOperator":"EQ","AttributeValueList":[null]}}}`, MsgNullValue},
		{"put/eav empty", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"S":"x"}},"ConditionExpression":"b = :v","ExpressionAttributeValues":{}}`, "ExpressionAttributeValues must not be empty"},
		{"put/ean empty", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"S":"x"}},"ConditionExpression":"b = :v","ExpressionAttributeNames":{}}`, "ExpressionAttributeNames must not be empty"},
		{"put/ean key", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"S":"x"}},"ConditionExpression":"b = :v","ExpressionAttributeNames":{"a":"b"}}`, `ExpressionAttributeNames contains invalid key: Syntax error; key: "a"`},
		{"put/ean value", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"S":"x"}},"ConditionExpression":"b = :v","ExpressionAttributeNames":{"#a":""}}`, "ExpressionAttributeNames contains invalid value: Empty attribute name for key #a"},
		{"put/eav key", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"S":"x"}},"ConditionExpression":"b = :v","ExpressionAttributeValues":{"v":{}}}`, `ExpressionAttributeValues contains invalid key: Syntax error; key: "v"`},
		{"put/eav value", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"S":"x"}},"ConditionExpression":"b = :v","ExpressionAttributeValues":{":v":{"SS":["a","a"]}}}`,
			"ExpressionAttributeValues contains invalid value: One or more parameter values were invalid: Input collection [a, a] contains duplicates. for key :v"},
		{"put/eav null", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"S":"x"}},"ConditionExpression":"b = :v","ExpressionAttributeValues":{":v":null}}`,
			"ExpressionAttributeValues contains invalid value: The supplied Item contains a null AttributeValue for key :v"},
		{"put/eav nested null", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"S":"x"}},"ConditionExpression":"b = :v","ExpressionAttributeValues":{":v":{"M":{"x":null}}}}`,
			"ExpressionAttributeValues contains invalid value: The supplied Item contains a null AttributeValue: x is null for key :v"},
		{"put/eav deep is fine", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"S":"x"}},"ConditionExpression":"b = :v","ExpressionAttributeValues":{":v":` + nest(40, `{"S":"x"}`) + `}}`, ""},
		{"put/ok", &PutItemInput{}, `{"TableName":"abc","Item":{"a":{"S":"x"}},"ConditionExpression":"#b = :v","ExpressionAttributeNames":{"#b":"b"},"ExpressionAttributeValues":{":v":{"N":"1"}},"ReturnValues":"ALL_OLD"}`, ""},
		// GetItem
		{"get/no name", &GetItemInput{}, `{}`, v1(notNull("tableName"), notNull("key"))},
		{"get/attrs", &GetItemInput{}, `{"TableName":"abc","Key":{"a":{"S":"x"}},"AttributesToGet":[]}`, v1(bad("'[]'", "attributesToGet", "Member must have length greater than or equal to 1"))},
		{"get/mixing", &GetItemInput{}, `{"TableName":"abc","Key":{"a":{}},"AttributesToGet":["a"],"ProjectionExpression":"a"}`,
			"Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {AttributesToGet} Expression parameters: {ProjectionExpression}"},
		{"get/key value", &GetItemInput{}, `{"TableName":"abc","Key":{"a":{}}}`, MsgEmptyValue},
		{"get/key null", &GetItemInput{}, `{"TableName":"abc","Key":{"a":null}}`, MsgNullValue + ": a is null"},
		{"get/dup attrs", &GetItemInput{}, `{"TableName":"abc","Key":{"a":{"S":"x"}},"AttributesToGet":["a","a"]}`, "One or more parameter values were invalid: Duplicate value in attribute name: a"},
		// UpdateItem
		{"update/values without expr", &UpdateItemInput{}, `{"TableName":"abc","Key":{"a":{"S":"x"}},"ExpressionAttributeValues":{":a":{"S":"b"}}}`,
			"ExpressionAttributeValues can only be specified when using expressions: UpdateExpression and ConditionExpression are null"},
		{"update/no value", &UpdateItemInput{}, `{"TableName":"abc","Key":{"a":{"S":"x"}},"AttributeUpdates":{"b":{}}}`,
			"One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified"},
		{"update/delete type", &UpdateItemInput{}, `{"TableName":"abc","Key":{"a":{"S":"x"}},"AttributeUpdates":{"b":{"Action":"DELETE","Value":{"S":"x"}}}}`,
			"One or more parameter values were invalid: DELETE action with value is not supported for the type S"},
		{"update/add type", &UpdateItemInput{}, `{"TableName":"abc","Key":{"a":{"S":"x"}},"AttributeUpdates":{"b":{"Action":"ADD","Value":{"S":"x"}}}}`,
			"One or more parameter values were invalid: ADD action is not supported for the type S"},
		{"update/action enum", &UpdateItemInput{}, `{"TableName":"abc","Key":{"a":{"S":"x"}},"AttributeUpdates":{"b":{"Action":"X"}}}`,
			v1(bad("'X'", "attributeUpdates.b.member.action", "Member must satisfy enum value set: [ADD, PUT, DELETE]"))},
		// DeleteItem
		{"delete/return values", &DeleteItemInput{}, `{"TableName":"abc","Key":{"a":{"S":"x"}},"ReturnValues":"UPDATED_NEW"}`, "Return values set to invalid value"},
		// Query
		{"query/limit", &QueryInput{}, `{"TableName":"abc","Limit":0}`, v1(bad("'0'", "limit", "Member must have value greater than or equal to 1"))},
		{"query/op null", &QueryInput{}, `{"TableName":"abc","KeyConditions":{"a":{}}}`, v1(notNull("keyConditions.a.member.comparisonOperator"))},
		{"query/no key condition", &QueryInput{}, `{"TableName":"abc"}`, "Either the KeyConditions or KeyConditionExpression parameter must be specified in the request."},
		{"query/start key", &QueryInput{}, `{"TableName":"abc","ExclusiveStartKey":{"a":{}},"KeyConditionExpression":"a = :a"}`, "The provided starting key is invalid: " + MsgEmptyValue},
		{"query/key conditions and filter expr ok", &QueryInput{}, `{"TableName":"abc","KeyConditions":{"a":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"x"}]}},"FilterExpression":"b = :b","ExpressionAttributeValues":{":b":{"S":"y"}}}`, ""},
		{"query/mixing", &QueryInput{}, `{"TableName":"abc","KeyConditions":{"a":{"ComparisonOperator":"EQ","AttributeValueList":[{"S":"x"}]}},"KeyConditionExpression":"a = :a","QueryFilter":{}}`,
			"Can not use both expression and non-expression parameters in the same request: Non-expression parameters: {QueryFilter, KeyConditions} Expression parameters: {KeyConditionExpression}"},
		{"query/values without expr", &QueryInput{}, `{"TableName":"abc","KeyConditions":{},"ExpressionAttributeValues":{}}`,
			"ExpressionAttributeValues can only be specified when using expressions: FilterExpression and KeyConditionExpression are null"},
		{"query/op type", &QueryInput{}, `{"TableName":"abc","KeyConditions":{"a":{"ComparisonOperator":"BEGINS_WITH","AttributeValueList":[{"N":"1"}]}}}`,
			"One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type"},
		{"query/conditions count", &QueryInput{}, `{"TableName":"abc","KeyConditions":{}}`, "Conditions can be of length 1 or 2 only"},
		// Scan
		{"scan/segments", &ScanInput{}, `{"TableName":"abc","Segment":1}`, "The TotalSegments parameter is required but was not present in the request when Segment parameter is present"},
		{"scan/segment0", &ScanInput{}, `{"TableName":"abc","Segment":0}`, "The TotalSegments parameter is required but was not present in the request when Segment parameter is present"},
		{"scan/segment missing", &ScanInput{}, `{"TableName":"abc","TotalSegments":1}`, "The Segment parameter is required but was not present in the request when parameter TotalSegments is present"},
		{"scan/segment too big", &ScanInput{}, `{"TableName":"abc","TotalSegments":1,"Segment":1}`, "The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: 1 is not less than TotalSegments: 1"},
		{"scan/segment bounds", &ScanInput{}, `{"TableName":"abc","TotalSegments":1000001,"Segment":-1}`,
			v1(bad("'-1'", "segment", "Member must have value greater than or equal to 0"), bad("'1000001'", "totalSegments", "Member must have value less than or equal to 1000000"))},
		// Batch
		{"batch get/null", &BatchGetItemInput{}, `{}`, v1(notNull("requestItems"))},
		{"batch get/empty", &BatchGetItemInput{}, `{"RequestItems":{}}`, v1(bad("'{}'", "requestItems", "Member must have length greater than or equal to 1"))},
		{"batch get/keys null", &BatchGetItemInput{}, `{"RequestItems":{"abc":{}}}`, v1(notNull("requestItems.abc.member.keys"))},
		{"batch get/dup keys", &BatchGetItemInput{}, `{"RequestItems":{"abc":{"Keys":[{"a":{"S":"x"}},{"a":{"S":"x"}}]}}}`, "Provided list of item keys contains duplicates"},
		{"batch get/key value", &BatchGetItemInput{}, `{"RequestItems":{"abc":{"Keys":[{"a":{}}]}}}`, MsgEmptyValue},
		{"batch write/empty request", &BatchWriteItemInput{}, `{"RequestItems":{"abc":[{}]}}`, MsgMultipleTypes},
		{"batch write/item null", &BatchWriteItemInput{}, `{"RequestItems":{"abc":[{"PutRequest":{}}]}}`, v1(notNull("requestItems.abc.member.1.member.putRequest.item"))},
		{"batch write/item value", &BatchWriteItemInput{}, `{"RequestItems":{"abc":[{"PutRequest":{"Item":{"a":{"SS":[]}}}}]}}`, MsgEmptySS},
		// Transactions
		{"transact write/null", &TransactWriteItemsInput{}, `{}`, v1(notNull("transactItems"))},
		{"transact write/empty action", &TransactWriteItemsInput{}, `{"TransactItems":[{}]}`, "The action or operation requested is invalid. Verify that the action is typed correctly."},
		{"transact write/item value", &TransactWriteItemsInput{}, `{"TransactItems":[{"Put":{"TableName":"abc","Item":{"a":{}}}}]}`, MsgEmptyValue},
		{"transact write/eav value", &TransactWriteItemsInput{}, `{"TransactItems":[{"Put":{"TableName":"abc","Item":{"a":{"S":"x"}},"ConditionExpression":"a = :v","ExpressionAttributeValues":{":v":{}}}}]}`,
			"ExpressionAttributeValues contains invalid value: " + MsgEmptyValue + " for key :v"},
		{"transact get/null get", &TransactGetItemsInput{}, `{"TransactItems":[{}]}`, v1(notNull("transactItems.1.member.get"))},
		// Streams
		{"get records/null", &GetRecordsInput{}, `{}`, v1(notNull("shardIterator"))},
		{"shard iterator/type", &GetShardIteratorInput{}, `{"StreamArn":"arn:aws:dynamodb:us-east-1:000000000000:table/abc/stream/2020","ShardId":"shardId-00000000000000000000-00000000","ShardIteratorType":"X"}`,
			v1(bad("'X'", "shardIteratorType", "Member must satisfy enum value set: [TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER]"))},
	}
	for _, tt := range tests {
		if err := Decode([]byte(tt.body), tt.v); err != nil {
			if de := err.(*ddb.Error); de.Type == ddb.ErrSerialization && de.Message == tt.msg {
				continue
			}
			t.Errorf("%s: decode: %v", tt.name, err)
			continue
		}
		err := tt.v.Validate()
		if tt.msg == "" {
			if err != nil {
				t.Errorf("%s: unexpected %v", tt.name, err)
			}
			continue
		}
		de, ok := err.(*ddb.Error)
		if !ok || de.Type != ddb.ErrValidation || de.Message != tt.msg {
			t.Errorf("%s:\n got  %v\n want %s", tt.name, err, tt.msg)
		}
	}
}
