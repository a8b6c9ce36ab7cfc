package wire

import (
	"slices"
	"strconv"
	"strings"

	"github.com/dynago/dynago/ddb"
)

// Validation of the control-plane operations.

const maxCapacityUnits = 1000000000000

var (
	ruleRequired = strRule{notNull: true}
	ruleAttrName = strRule{notNull: true, min: 1, max: 255}
)

func (c *checker) attributeDefinitions(path string, defs []AttributeDefinition) {
	for i, ad := range defs {
		p := member(path, i)
		c.str(p+".attributeName", ad.AttributeName, ruleAttrName)
		c.str(p+".attributeType", ad.AttributeType, strRule{notNull: true, enum: enumAttributeType})
	}
}

func (c *checker) keySchema(path string, ks []KeySchemaElement, notNull bool) {
	if ks == nil {
		if notNull {
			c.notNull(path, true)
		}
		return
	}
	c.length(path, len(ks), 1, 2, showKeySchema(ks))
	for i, k := range ks {
		p := member(path, i)
		c.str(p+".attributeName", k.AttributeName, ruleAttrName)
		c.str(p+".keyType", k.KeyType, strRule{notNull: true, enum: enumKeyType})
	}
}

func (c *checker) throughput(path string, pt *ProvisionedThroughput, notNull bool) {
	if pt == nil {
		if notNull {
			c.notNull(path, true)
		}
		return
	}
	c.num(path+".writeCapacityUnits", pt.WriteCapacityUnits, true, bound(1), nil)
	c.num(path+".readCapacityUnits", pt.ReadCapacityUnits, true, bound(1), nil)
}

func (c *checker) projection(path string, p *Projection) {
	if p == nil {
		c.notNull(path, true)
		return
	}
	c.enum(path+".projectionType", p.ProjectionType, enumProjectionType)
	if p.NonKeyAttributes != nil {
		c.length(path+".nonKeyAttributes", len(p.NonKeyAttributes), 1, 20, showStrings(p.NonKeyAttributes))
		for i := range p.NonKeyAttributes {
			c.str(member(path+".nonKeyAttributes", i), &p.NonKeyAttributes[i], strRule{min: 1, max: 255})
		}
	}
}

func (c *checker) onDemand(path string, od *OnDemandThroughput) {
	if od != nil {
		c.num(path+".maxReadRequestUnits", od.MaxReadRequestUnits, false, bound(-1), nil)
		c.num(path+".maxWriteRequestUnits", od.MaxWriteRequestUnits, false, bound(-1), nil)
	}
}

func (c *checker) streamSpecification(path string, s *StreamSpecification) {
	if s != nil {
		c.notNull(path+".streamEnabled", s.StreamEnabled == nil)
		c.enum(path+".streamViewType", s.StreamViewType, enumStreamViewType)
	}
}

func (c *checker) sseSpecification(path string, s *SSESpecification) {
	if s != nil {
		c.enum(path+".sSEType", s.SSEType, enumSSEType)
	}
}

func (c *checker) tags(path string, tags []Tag) {
	for i, t := range tags {
		p := member(path, i)
		c.str(p+".key", t.Key, strRule{notNull: true, min: 1, max: 128})
		c.str(p+".value", t.Value, strRule{notNull: true, max: 256})
	}
}

// checkBounds reports capacity units above DynamoDB's maximum.
func checkBounds(pt *ProvisionedThroughput, suffix string) error {
	if pt == nil {
		return nil
	}
	if pt.ReadCapacityUnits != nil && *pt.ReadCapacityUnits > maxCapacityUnits {
		return ddb.Validation("Given value " + strconv.FormatInt(*pt.ReadCapacityUnits, 10) + " for ReadCapacityUnits is out of bounds" + suffix)
	}
	if pt.WriteCapacityUnits != nil && *pt.WriteCapacityUnits > maxCapacityUnits {
		return ddb.Validation("Given value " + strconv.FormatInt(*pt.WriteCapacityUnits, 10) + " for WriteCapacityUnits is out of bounds" + suffix)
	}
	return nil
}

// Validate checks a CreateTable request. The checks of the key schema
// against the attribute definitions and of the indexes' semantics are the
// table layer's.
func (in *CreateTableInput) Validate() error {
	if err := tableNameFirst(in.TableName); err != nil {
		return err
	}
	var c checker
	c.notNull("attributeDefinitions", in.AttributeDefinitions == nil)
	c.attributeDefinitions("attributeDefinitions", in.AttributeDefinitions)
	c.tableNamePattern(in.TableName)
	c.enum("billingMode", in.BillingMode, enumBillingMode)
	c.throughput("provisionedThroughput", in.ProvisionedThroughput, false)
	c.keySchema("keySchema", in.KeySchema, true)
	for i, lsi := range in.LocalSecondaryIndexes {
		p := member("localSecondaryIndexes", i)
		c.str(p+".indexName", lsi.IndexName, strRule{notNull: true, pattern: isNameChars, regex: ruleIndexName.regex, min: 3, max: 255})
		c.keySchema(p+".keySchema", lsi.KeySchema, true)
		c.projection(p+".projection", lsi.Projection)
	}
	for i, gsi := range in.GlobalSecondaryIndexes {
		p := member("globalSecondaryIndexes", i)
		c.str(p+".indexName", gsi.IndexName, strRule{notNull: true, pattern: isNameChars, regex: ruleIndexName.regex, min: 3, max: 255})
		c.keySchema(p+".keySchema", gsi.KeySchema, true)
		c.projection(p+".projection", gsi.Projection)
		c.throughput(p+".provisionedThroughput", gsi.ProvisionedThroughput, false)
		c.onDemand(p+".onDemandThroughput", gsi.OnDemandThroughput)
	}
	c.streamSpecification("streamSpecification", in.StreamSpecification)
	c.sseSpecification("sSESpecification", in.SSESpecification)
	c.tags("tags", in.Tags)
	c.onDemand("onDemandThroughput", in.OnDemandThroughput)
	if err := c.err(); err != nil {
		return err
	}
	if err := checkTableClass(in.TableClass); err != nil {
		return err
	}
	if Deref(in.BillingMode) == "PAY_PER_REQUEST" {
		if in.ProvisionedThroughput != nil {
			return invalidParams("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
		}
	} else {
		if in.ProvisionedThroughput == nil {
			if in.BillingMode != nil {
				return invalidParams("ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED")
			}
			return invalidParams("Missing required parameter in input: \"ProvisionedThroughput\"")
		}
		if err := checkBounds(in.ProvisionedThroughput, ""); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks a DeleteTable request.
func (in *DeleteTableInput) Validate() error { return validateTableNameOnly(in.TableName) }

// Validate checks a DescribeTable request.
func (in *DescribeTableInput) Validate() error { return validateTableNameOnly(in.TableName) }

// Validate checks a DescribeTimeToLive request.
func (in *DescribeTimeToLiveInput) Validate() error { return validateTableNameOnly(in.TableName) }

// Validate checks a DescribeContinuousBackups request.
func (in *DescribeContinuousBackupsInput) Validate() error {
	return validateTableNameOnly(in.TableName)
}

func validateTableNameOnly(name *string) error {
	if err := tableNameFirst(name); err != nil {
		return err
	}
	var c checker
	c.tableNamePattern(name)
	return c.err()
}

// Validate checks a ListTables request.
func (in *ListTablesInput) Validate() error {
	var c checker
	c.num32("limit", in.Limit, bound(1), bound(100))
	c.str("exclusiveStartTableName", in.ExclusiveStartTableName, ruleIndexName)
	return c.err()
}

// Validate checks an UpdateTable request.
func (in *UpdateTableInput) Validate() error {
	if err := tableNameFirst(in.TableName); err != nil {
		return err
	}
	var c checker
	c.attributeDefinitions("attributeDefinitions", in.AttributeDefinitions)
	c.tableNamePattern(in.TableName)
	c.enum("billingMode", in.BillingMode, enumBillingMode)
	c.throughput("provisionedThroughput", in.ProvisionedThroughput, false)
	indexName := strRule{notNull: true, pattern: isNameChars, regex: ruleIndexName.regex, min: 3, max: 255}
	for i, u := range in.GlobalSecondaryIndexUpdates {
		p := member("globalSecondaryIndexUpdates", i)
		if u.Update != nil {
			c.str(p+".update.indexName", u.Update.IndexName, indexName)
			c.throughput(p+".update.provisionedThroughput", u.Update.ProvisionedThroughput, false)
			c.onDemand(p+".update.onDemandThroughput", u.Update.OnDemandThroughput)
		}
		if u.Create != nil {
			c.str(p+".create.indexName", u.Create.IndexName, indexName)
			c.keySchema(p+".create.keySchema", u.Create.KeySchema, true)
			c.projection(p+".create.projection", u.Create.Projection)
			c.throughput(p+".create.provisionedThroughput", u.Create.ProvisionedThroughput, false)
			c.onDemand(p+".create.onDemandThroughput", u.Create.OnDemandThroughput)
		}
		if u.Delete != nil {
			c.str(p+".delete.indexName", u.Delete.IndexName, indexName)
		}
	}
	c.streamSpecification("streamSpecification", in.StreamSpecification)
	c.sseSpecification("sSESpecification", in.SSESpecification)
	c.onDemand("onDemandThroughput", in.OnDemandThroughput)
	if err := c.err(); err != nil {
		return err
	}
	if err := checkTableClass(in.TableClass); err != nil {
		return err
	}
	if err := checkBounds(in.ProvisionedThroughput, ""); err != nil {
		return err
	}
	seen := map[string]bool{}
	for _, u := range in.GlobalSecondaryIndexUpdates {
		var name string
		switch {
		case u.Update != nil:
			name = Deref(u.Update.IndexName)
		case u.Create != nil:
			name = Deref(u.Create.IndexName)
		case u.Delete != nil:
			name = Deref(u.Delete.IndexName)
		default:
			return invalidParams("One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not be null")
		}
		if seen[name] {
			return invalidParams("Only one global secondary index update per index is allowed simultaneously. Index: " + name)
		}
		seen[name] = true
		if u.Update != nil {
			if err := checkBounds(u.Update.ProvisionedThroughput, " for index "+name); err != nil {
				return err
			}
		}
	}
	return nil
}

// Validate checks an UpdateTimeToLive request.
func (in *UpdateTimeToLiveInput) Validate() error {
	if err := tableNameFirst(in.TableName); err != nil {
		return err
	}
	var c checker
	c.tableNamePattern(in.TableName)
	if in.TimeToLiveSpecification == nil {
		c.notNull("timeToLiveSpecification", true)
	} else {
		c.str("timeToLiveSpecification.attributeName", in.TimeToLiveSpecification.AttributeName, strRule{notNull: true, max: 255})
		c.notNull("timeToLiveSpecification.enabled", in.TimeToLiveSpecification.Enabled == nil)
	}
	if err := c.err(); err != nil {
		return err
	}
	if *in.TimeToLiveSpecification.AttributeName == "" {
		return ddb.Validation("TimeToLiveSpecification.AttributeName must be non empty")
	}
	return nil
}

// Validate checks a TagResource request.
func (in *TagResourceInput) Validate() error {
	if in.ResourceArn == nil {
		return ddb.Validation("Invalid TableArn")
	}
	var c checker
	c.str("resourceArn", in.ResourceArn, strRule{min: 1, max: 1283})
	c.notNull("tags", in.Tags == nil)
	c.tags("tags", in.Tags)
	if err := c.err(); err != nil {
		return err
	}
	if _, _, _, ok := ParseTableARN(*in.ResourceArn); !ok {
		return invalidTableARN(*in.ResourceArn)
	}
	if len(in.Tags) == 0 {
		return ddb.Validation("Atleast one Tag needs to be provided as Input.")
	}
	return nil
}

// Validate checks an UntagResource request.
func (in *UntagResourceInput) Validate() error {
	if in.ResourceArn == nil {
		return ddb.Validation("Invalid TableArn")
	}
	var c checker
	c.str("resourceArn", in.ResourceArn, strRule{min: 1, max: 1283})
	c.notNull("tagKeys", in.TagKeys == nil)
	for i := range in.TagKeys {
		c.str(member("tagKeys", i), &in.TagKeys[i], strRule{min: 1, max: 128})
	}
	if err := c.err(); err != nil {
		return err
	}
	if _, _, _, ok := ParseTableARN(*in.ResourceArn); !ok {
		return invalidTableARN(*in.ResourceArn)
	}
	if len(in.TagKeys) == 0 {
		return ddb.Validation("Atleast one Tag Key needs to be provided as Input.")
	}
	return nil
}

// Validate checks a ListTagsOfResource request.
func (in *ListTagsOfResourceInput) Validate() error {
	if in.ResourceArn == nil {
		return ddb.Validation("Invalid TableArn")
	}
	var c checker
	c.str("resourceArn", in.ResourceArn, strRule{min: 1, max: 1283})
	if err := c.err(); err != nil {
		return err
	}
	if _, _, _, ok := ParseTableARN(*in.ResourceArn); !ok {
		return invalidTableARN(*in.ResourceArn)
	}
	return nil
}

// Validate checks a DescribeLimits request (it has no parameters).
func (in *DescribeLimitsInput) Validate() error { return nil }

// Validate checks a DescribeEndpoints request (it has no parameters).
func (in *DescribeEndpointsInput) Validate() error { return nil }

// Streams

var (
	ruleStreamArn = strRule{pattern: isStreamArnChars, regex: `[a-zA-Z0-9\-\.:/_]+`, min: 37, max: 1024}
	ruleShardId   = strRule{pattern: isShardIdChars, regex: `[a-zA-Z0-9\-]+`, min: 28, max: 65}
)

func isStreamArnChars(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == ':' || c == '/' || c == '_') {
			return false
		}
	}
	return true
}

func isShardIdChars(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Validate checks a ListStreams request.
func (in *ListStreamsInput) Validate() error {
	var c checker
	c.num32("limit", in.Limit, bound(1), bound(100))
	c.str("exclusiveStartStreamArn", in.ExclusiveStartStreamArn, ruleStreamArn)
	c.str("tableName", in.TableName, ruleIndexName)
	return c.err()
}

// Validate checks a DescribeStream request.
func (in *DescribeStreamInput) Validate() error {
	var c checker
	r := ruleStreamArn
	r.notNull = true
	c.str("streamArn", in.StreamArn, r)
	c.num32("limit", in.Limit, bound(1), bound(100))
	c.str("exclusiveStartShardId", in.ExclusiveStartShardId, ruleShardId)
	if in.ShardFilter != nil {
		c.enum("shardFilter.type", in.ShardFilter.Type, enumShardFilterType)
		c.str("shardFilter.shardId", in.ShardFilter.ShardId, ruleShardId)
	}
	return c.err()
}

// Validate checks a GetShardIterator request.
func (in *GetShardIteratorInput) Validate() error {
	var c checker
	r := ruleShardId
	r.notNull = true
	c.str("shardId", in.ShardId, r)
	c.str("shardIteratorType", in.ShardIteratorType, strRule{notNull: true, enum: enumShardIteratorType})
	r = ruleStreamArn
	r.notNull = true
	c.str("streamArn", in.StreamArn, r)
	c.str("sequenceNumber", in.SequenceNumber, strRule{pattern: isDigits, regex: `\d+`, min: 21, max: 40})
	return c.err()
}

// Validate checks a GetRecords request.
func (in *GetRecordsInput) Validate() error {
	var c checker
	c.str("shardIterator", in.ShardIterator, strRule{notNull: true, min: 1, max: 2048})
	c.num32("limit", in.Limit, bound(1), bound(1000))
	return c.err()
}

// checkTableClass refuses an unknown TableClass. The value is not checked
// with the request's shape ("Member must satisfy enum value set"): DynamoDB
// answers it with a text of its own.
func checkTableClass(class *string) error {
	if class == nil || slices.Contains(enumTableClass, *class) {
		return nil
	}
	return ddb.Validation("Invalid table-class parameter provided. Please try again with a valid table-class value: [" +
		strings.Join(enumTableClass, ", ") + "].")
}
