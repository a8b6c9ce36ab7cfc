package wire

import (
	"strconv"

	"github.com/dynago/dynago/ddb"
)

// Validation of the item operations. Each Validate returns the first
// problem in DynamoDB's order: constraint violations, then request-level
// checks. Expression parsing and everything that needs the table's schema
// (key attributes, item size, index names, ...) are left to the table layer.

func (c *checker) expected(path string, expected map[string]ExpectedAttributeValue) {
	for _, k := range sortedKeys(expected) {
		e := expected[k]
		c.enum(path+"."+k+".member.comparisonOperator", e.ComparisonOperator, enumComparisonOperator)
	}
}

func (c *checker) conditions(path string, conds map[string]Condition) {
	for _, k := range sortedKeys(conds) {
		e := conds[k]
		c.str(path+"."+k+".member.comparisonOperator", e.ComparisonOperator, strRule{notNull: true, enum: enumComparisonOperator})
	}
}

func (c *checker) attributesToGet(path string, names []string) {
	if names != nil {
		c.length(path, len(names), 1, 255, showStrings(names))
	}
}

func present(p *string) bool { return p != nil }

// itemValueErr is the first invalid value of an item or key (items: the
// item is stored, so nesting counts).
func (v *valueErrors) itemValueErr(items bool, path ...string) error {
	return v.valueErr(items, path...)
}

func returnValuesOldOnly(rv *string) error {
	if rv != nil && *rv != "NONE" && *rv != "ALL_OLD" {
		return ddb.Validation("Return values set to invalid value")
	}
	return nil
}

// Validate checks a PutItem request.
func (in *PutItemInput) Validate() error {
	var c checker
	c.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, enumReturnConsumedCapacity)
	c.str("tableName", in.TableName, ruleTableName)
	c.notNull("item", in.Item == nil)
	c.enum("conditionalOperator", in.ConditionalOperator, enumConditionalOperator)
	c.expected("expected", in.Expected)
	c.enum("returnValues", in.ReturnValues, enumReturnValues)
	c.enum("returnItemCollectionMetrics", in.ReturnItemCollectionMetrics, enumReturnItemCollectionMetrics)
	c.enum("returnValuesOnConditionCheckFailure", in.ReturnValuesOnConditionCheckFailure, enumReturnValuesOnCCF)
	if err := c.err(); err != nil {
		return err
	}
	cond := param{"ConditionExpression", present(in.ConditionExpression)}
	if err := checkExpressionParams([]param{cond},
		[]param{{"Expected", in.Expected != nil}, {"ConditionalOperator", in.ConditionalOperator != nil}},
		in.ExpressionAttributeNames != nil, in.ExpressionAttributeValues != nil, []param{cond}); err != nil {
		return err
	}
	if err := in.itemValueErr(true, "Item"); err != nil {
		return err
	}
	if err := returnValuesOldOnly(in.ReturnValues); err != nil {
		return err
	}
	if err := in.checkExpected(in.Expected); err != nil {
		return err
	}
	return in.checkExpressionMaps(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
}

// Validate checks a GetItem request.
func (in *GetItemInput) Validate() error {
	var c checker
	c.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, enumReturnConsumedCapacity)
	c.attributesToGet("attributesToGet", in.AttributesToGet)
	c.str("tableName", in.TableName, ruleTableName)
	c.notNull("key", in.Key == nil)
	if err := c.err(); err != nil {
		return err
	}
	if err := checkExpressionParams([]param{{"ProjectionExpression", present(in.ProjectionExpression)}},
		[]param{{"AttributesToGet", in.AttributesToGet != nil}}, in.ExpressionAttributeNames != nil, false, nil); err != nil {
		return err
	}
	if err := in.itemValueErr(false, "Key"); err != nil {
		return err
	}
	if err := checkAttributesToGet(in.AttributesToGet); err != nil {
		return err
	}
	return in.checkExpressionMaps(in.ExpressionAttributeNames, nil)
}

// Validate checks an UpdateItem request.
func (in *UpdateItemInput) Validate() error {
	var c checker
	c.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, enumReturnConsumedCapacity)
	c.str("tableName", in.TableName, ruleTableName)
	c.enum("returnItemCollectionMetrics", in.ReturnItemCollectionMetrics, enumReturnItemCollectionMetrics)
	c.enum("returnValues", in.ReturnValues, enumReturnValues)
	c.notNull("key", in.Key == nil)
	c.enum("conditionalOperator", in.ConditionalOperator, enumConditionalOperator)
	c.expected("expected", in.Expected)
	for _, k := range sortedKeys(in.AttributeUpdates) {
		c.enum("attributeUpdates."+k+".member.action", in.AttributeUpdates[k].Action, enumAttributeAction)
	}
	c.enum("returnValuesOnConditionCheckFailure", in.ReturnValuesOnConditionCheckFailure, enumReturnValuesOnCCF)
	if err := c.err(); err != nil {
		return err
	}
	upd := param{"UpdateExpression", present(in.UpdateExpression)}
	cond := param{"ConditionExpression", present(in.ConditionExpression)}
	if err := checkExpressionParams([]param{upd, cond},
		[]param{{"AttributeUpdates", in.AttributeUpdates != nil}, {"Expected", in.Expected != nil},
			{"ConditionalOperator", in.ConditionalOperator != nil}},
		in.ExpressionAttributeNames != nil, in.ExpressionAttributeValues != nil, []param{upd, cond}); err != nil {
		return err
	}
	if err := in.itemValueErr(false, "Key"); err != nil {
		return err
	}
	for _, k := range sortedKeys(in.AttributeUpdates) {
		u := in.AttributeUpdates[k]
		if err := in.valueErr(false, "AttributeUpdates", k); err != nil {
			return err
		}
		action := "PUT"
		if u.Action != nil {
			action = *u.Action
		}
		if u.Value == nil {
			if action != "DELETE" {
				return invalidParams("Only DELETE action is allowed when no attribute value is specified")
			}
			continue
		}
		typ := u.Value.Type
		if action == "DELETE" && !typ.IsSet() {
			return invalidParams("DELETE action with value is not supported for the type " + typ.String())
		}
		if action == "ADD" && !typ.IsSet() && typ != ddb.TypeL && typ != ddb.TypeN {
			return invalidParams("ADD action is not supported for the type " + typ.String())
		}
	}
	if err := in.checkExpected(in.Expected); err != nil {
		return err
	}
	return in.checkExpressionMaps(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
}

// Validate checks a DeleteItem request.
func (in *DeleteItemInput) Validate() error {
	var c checker
	c.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, enumReturnConsumedCapacity)
	c.str("tableName", in.TableName, ruleTableName)
	c.enum("returnValues", in.ReturnValues, enumReturnValues)
	c.enum("returnItemCollectionMetrics", in.ReturnItemCollectionMetrics, enumReturnItemCollectionMetrics)
	c.notNull("key", in.Key == nil)
	c.enum("conditionalOperator", in.ConditionalOperator, enumConditionalOperator)
	c.expected("expected", in.Expected)
	c.enum("returnValuesOnConditionCheckFailure", in.ReturnValuesOnConditionCheckFailure, enumReturnValuesOnCCF)
	if err := c.err(); err != nil {
		return err
	}
	cond := param{"ConditionExpression", present(in.ConditionExpression)}
	if err := checkExpressionParams([]param{cond},
		[]param{{"Expected", in.Expected != nil}, {"ConditionalOperator", in.ConditionalOperator != nil}},
		in.ExpressionAttributeNames != nil, in.ExpressionAttributeValues != nil, []param{cond}); err != nil {
		return err
	}
	if err := in.itemValueErr(false, "Key"); err != nil {
		return err
	}
	if err := returnValuesOldOnly(in.ReturnValues); err != nil {
		return err
	}
	if err := in.checkExpected(in.Expected); err != nil {
		return err
	}
	return in.checkExpressionMaps(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
}

// startKeyErr reports an invalid ExclusiveStartKey value.
func (v *valueErrors) startKeyErr() error {
	if e := v.first(false, "ExclusiveStartKey"); e != nil {
		return ddb.Validation("The provided starting key is invalid: " + e.Err.Message)
	}
	return nil
}

// Validate checks a Query request. When KeyConditions are used they are
// checked here too (count, operators, value types); KeyConditionExpression
// is parsed by the table layer.
func (in *QueryInput) Validate() error {
	var c checker
	c.num32("limit", in.Limit, bound(1), nil)
	c.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, enumReturnConsumedCapacity)
	c.attributesToGet("attributesToGet", in.AttributesToGet)
	c.conditions("queryFilter", in.QueryFilter)
	c.enum("select", in.Select, enumSelect)
	c.enum("conditionalOperator", in.ConditionalOperator, enumConditionalOperator)
	c.conditions("keyConditions", in.KeyConditions)
	c.str("tableName", in.TableName, ruleTableName)
	c.str("indexName", in.IndexName, ruleIndexName)
	if err := c.err(); err != nil {
		return err
	}
	proj := param{"ProjectionExpression", present(in.ProjectionExpression)}
	filter := param{"FilterExpression", present(in.FilterExpression)}
	keyCond := param{"KeyConditionExpression", present(in.KeyConditionExpression)}
	legacy := []param{
		{"AttributesToGet", in.AttributesToGet != nil},
		{"QueryFilter", in.QueryFilter != nil},
		{"ConditionalOperator", in.ConditionalOperator != nil},
		// KeyConditions may go with other expressions, not with KeyConditionExpression.
		{"KeyConditions", in.KeyConditions != nil && keyCond.present},
	}
	if err := checkExpressionParams([]param{proj, filter, keyCond}, legacy,
		in.ExpressionAttributeNames != nil, in.ExpressionAttributeValues != nil, []param{filter, keyCond}); err != nil {
		return err
	}
	if err := in.checkConditions("QueryFilter", in.QueryFilter); err != nil {
		return err
	}
	if err := checkAttributesToGet(in.AttributesToGet); err != nil {
		return err
	}
	if err := in.startKeyErr(); err != nil {
		return err
	}
	if in.KeyConditions == nil && in.KeyConditionExpression == nil {
		return ddb.Validation("Either the KeyConditions or KeyConditionExpression parameter must be specified in the request.")
	}
	if err := in.checkExpressionMaps(in.ExpressionAttributeNames, in.ExpressionAttributeValues); err != nil {
		return err
	}
	if in.KeyConditions != nil {
		if err := in.checkConditions("KeyConditions", in.KeyConditions); err != nil {
			return err
		}
		if n := len(in.KeyConditions); n != 1 && n != 2 {
			return ddb.Validation("Conditions can be of length 1 or 2 only")
		}
	}
	return nil
}

// Validate checks a Scan request.
func (in *ScanInput) Validate() error {
	var c checker
	c.num32("limit", in.Limit, bound(1), nil)
	c.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, enumReturnConsumedCapacity)
	c.attributesToGet("attributesToGet", in.AttributesToGet)
	c.num32("segment", in.Segment, bound(0), bound(999999))
	c.enum("select", in.Select, enumSelect)
	c.conditions("scanFilter", in.ScanFilter)
	c.enum("conditionalOperator", in.ConditionalOperator, enumConditionalOperator)
	c.num32("totalSegments", in.TotalSegments, bound(1), bound(1000000))
	c.str("tableName", in.TableName, ruleTableName)
	c.str("indexName", in.IndexName, ruleIndexName)
	if err := c.err(); err != nil {
		return err
	}
	proj := param{"ProjectionExpression", present(in.ProjectionExpression)}
	filter := param{"FilterExpression", present(in.FilterExpression)}
	legacy := []param{
		{"AttributesToGet", in.AttributesToGet != nil},
		{"ScanFilter", in.ScanFilter != nil},
		{"ConditionalOperator", in.ConditionalOperator != nil},
	}
	if err := checkExpressionParams([]param{proj, filter}, legacy,
		in.ExpressionAttributeNames != nil, in.ExpressionAttributeValues != nil, []param{filter}); err != nil {
		return err
	}
	if err := checkAttributesToGet(in.AttributesToGet); err != nil {
		return err
	}
	if err := in.checkConditions("ScanFilter", in.ScanFilter); err != nil {
		return err
	}
	if err := in.startKeyErr(); err != nil {
		return err
	}
	if in.Segment != nil && in.TotalSegments == nil { // Segment 0 too
		return ddb.Validation("The TotalSegments parameter is required but was not present in the request when Segment parameter is present")
	}
	if in.TotalSegments != nil {
		if in.Segment == nil {
			return ddb.Validation("The Segment parameter is required but was not present in the request when parameter TotalSegments is present")
		}
		if *in.Segment >= *in.TotalSegments {
			return ddb.Validation("The Segment parameter is zero-based and must be less than parameter TotalSegments: Segment: " +
				strconv.Itoa(int(*in.Segment)) + " is not less than TotalSegments: " + strconv.Itoa(int(*in.TotalSegments)))
		}
	}
	return in.checkExpressionMaps(in.ExpressionAttributeNames, in.ExpressionAttributeValues)
}

// mapKeysConstraint checks the table names used as keys of RequestItems.
func (c *checker) tableNameKeys(path string, keys []string, show func() string) {
	for _, k := range keys {
		if n := strLen(k); n < 3 || n > 255 || !isNameChars(k) {
			c.fail(quote(show()), path, "Map keys must satisfy constraint: [Member must have length less than or equal to 255, "+
				"Member must have length greater than or equal to 3, Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+]")
			return
		}
	}
}

// Validate checks a BatchGetItem request. Duplicate keys within a table are
// detected here; whether keys match the table's schema is the table layer's.
func (in *BatchGetItemInput) Validate() error {
	var c checker
	c.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, enumReturnConsumedCapacity)
	tables := sortedKeys(in.RequestItems)
	if in.RequestItems == nil {
		c.notNull("requestItems", true)
	} else {
		show := showMap(tables)
		c.length("requestItems", len(in.RequestItems), 1, 100, show)
		c.tableNameKeys("requestItems", tables, show)
		for _, t := range tables {
			ka := in.RequestItems[t]
			p := "requestItems." + t + ".member"
			if ka.Keys == nil {
				c.notNull(p+".keys", true)
			} else {
				c.length(p+".keys", len(ka.Keys), 1, 100, showCount("{...}", len(ka.Keys)))
			}
			c.attributesToGet(p+".attributesToGet", ka.AttributesToGet)
		}
	}
	if err := c.err(); err != nil {
		return err
	}
	total := 0
	for _, t := range tables {
		ka := in.RequestItems[t]
		if err := checkExpressionParams([]param{{"ProjectionExpression", present(ka.ProjectionExpression)}},
			[]param{{"AttributesToGet", ka.AttributesToGet != nil}}, ka.ExpressionAttributeNames != nil, false, nil); err != nil {
			return err
		}
		if err := in.valueErr(false, "RequestItems", t); err != nil {
			return err
		}
		for i, k := range ka.Keys {
			for _, prev := range ka.Keys[:i] {
				if ddb.ItemsEqual(ddb.Item(k), ddb.Item(prev)) {
					return ddb.Validation("Provided list of item keys contains duplicates")
				}
			}
			total++
			if total > 100 {
				return ddb.Validation("Too many items requested for the BatchGetItem call")
			}
		}
		if err := checkAttributesToGet(ka.AttributesToGet); err != nil {
			return err
		}
		if err := in.checkExpressionMaps(ka.ExpressionAttributeNames, nil); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks a BatchWriteItem request. Item size and duplicate keys
// (which need the key schema) are the table layer's.
func (in *BatchWriteItemInput) Validate() error {
	var c checker
	c.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, enumReturnConsumedCapacity)
	c.enum("returnItemCollectionMetrics", in.ReturnItemCollectionMetrics, enumReturnItemCollectionMetrics)
	tables := sortedKeys(in.RequestItems)
	if in.RequestItems == nil {
		c.notNull("requestItems", true)
	} else {
		show := showMap(tables)
		c.length("requestItems", len(in.RequestItems), 1, 25, show)
		c.tableNameKeys("requestItems", tables, show)
		for _, t := range tables {
			if n := len(in.RequestItems[t]); n < 1 || n > 25 {
				c.fail(quote(show()), "requestItems", "Map value must satisfy constraint: [Member must have length less than or equal to 25, Member must have length greater than or equal to 1]")
				break
			}
		}
		for _, t := range tables {
			for i, w := range in.RequestItems[t] {
				p := "requestItems." + t + ".member." + strconv.Itoa(i+1) + ".member"
				if w.DeleteRequest != nil {
					c.notNull(p+".deleteRequest.key", w.DeleteRequest.Key == nil && !in.hasValueAt("RequestItems", t, strconv.Itoa(i), "DeleteRequest", "Key"))
				}
				if w.PutRequest != nil {
					c.notNull(p+".putRequest.item", w.PutRequest.Item == nil)
				}
			}
		}
	}
	if err := c.err(); err != nil {
		return err
	}
	total := 0
	for _, t := range tables {
		for _, w := range in.RequestItems[t] {
			if (w.PutRequest == nil) == (w.DeleteRequest == nil) {
				return ddb.Validation(MsgMultipleTypes)
			}
		}
		for i, w := range in.RequestItems[t] {
			idx := strconv.Itoa(i)
			if w.PutRequest != nil {
				if err := in.valueErr(true, "RequestItems", t, idx, "PutRequest", "Item"); err != nil {
					return err
				}
			} else if err := in.valueErr(false, "RequestItems", t, idx, "DeleteRequest", "Key"); err != nil {
				return err
			}
			total++
		}
	}
	if total > 25 {
		return ddb.Validation("Too many items requested for the BatchWriteItem call")
	}
	return nil
}

// Validate checks a TransactGetItems request.
func (in *TransactGetItemsInput) Validate() error {
	var c checker
	c.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, enumReturnConsumedCapacity)
	if in.TransactItems == nil {
		c.notNull("transactItems", true)
	} else {
		c.length("transactItems", len(in.TransactItems), 1, 100, showCount("TransactGetItem", len(in.TransactItems)))
		for i, ti := range in.TransactItems {
			p := member("transactItems", i)
			if ti.Get == nil {
				c.notNull(p+".get", true)
				continue
			}
			c.notNull(p+".get.key", ti.Get.Key == nil)
			c.str(p+".get.tableName", ti.Get.TableName, strRule{notNull: true, min: 1, max: 1024})
		}
	}
	if err := c.err(); err != nil {
		return err
	}
	for i, ti := range in.TransactItems {
		idx := strconv.Itoa(i)
		if err := in.valueErr(false, "TransactItems", idx, "Get", "Key"); err != nil {
			return err
		}
		if ti.Get.ExpressionAttributeNames != nil && ti.Get.ProjectionExpression == nil {
			return ddb.Validation("ExpressionAttributeNames can only be specified when using expressions")
		}
		if err := in.checkExpressionMaps(ti.Get.ExpressionAttributeNames, nil, "TransactItems", idx, "Get"); err != nil {
			return err
		}
	}
	return nil
}

// Validate checks a TransactWriteItems request. Duplicate items, expression
// parsing and the table-dependent checks are the table layer's.
func (in *TransactWriteItemsInput) Validate() error {
	var c checker
	c.enum("returnConsumedCapacity", in.ReturnConsumedCapacity, enumReturnConsumedCapacity)
	c.enum("returnItemCollectionMetrics", in.ReturnItemCollectionMetrics, enumReturnItemCollectionMetrics)
	c.str("clientRequestToken", in.ClientRequestToken, strRule{min: 1, max: 36})
	tableRule := strRule{notNull: true, min: 1, max: 1024}
	if in.TransactItems == nil {
		c.notNull("transactItems", true)
	} else {
		c.length("transactItems", len(in.TransactItems), 1, 100, showCount("TransactWriteItem", len(in.TransactItems)))
		for i, ti := range in.TransactItems {
			p := member("transactItems", i)
			if a := ti.Put; a != nil {
				c.notNull(p+".put.item", a.Item == nil)
				c.str(p+".put.tableName", a.TableName, tableRule)
				c.enum(p+".put.returnValuesOnConditionCheckFailure", a.ReturnValuesOnConditionCheckFailure, enumReturnValuesOnCCF)
			}
			if a := ti.Update; a != nil {
				c.notNull(p+".update.key", a.Key == nil)
				c.str(p+".update.updateExpression", a.UpdateExpression, ruleRequired)
				c.str(p+".update.tableName", a.TableName, tableRule)
				c.enum(p+".update.returnValuesOnConditionCheckFailure", a.ReturnValuesOnConditionCheckFailure, enumReturnValuesOnCCF)
			}
			if a := ti.Delete; a != nil {
				c.notNull(p+".delete.key", a.Key == nil)
				c.str(p+".delete.tableName", a.TableName, tableRule)
				c.enum(p+".delete.returnValuesOnConditionCheckFailure", a.ReturnValuesOnConditionCheckFailure, enumReturnValuesOnCCF)
			}
			if a := ti.ConditionCheck; a != nil {
				c.notNull(p+".conditionCheck.key", a.Key == nil)
				c.str(p+".conditionCheck.tableName", a.TableName, tableRule)
				c.str(p+".conditionCheck.conditionExpression", a.ConditionExpression, ruleRequired)
				c.enum(p+".conditionCheck.returnValuesOnConditionCheckFailure", a.ReturnValuesOnConditionCheckFailure, enumReturnValuesOnCCF)
			}
		}
	}
	if err := c.err(); err != nil {
		return err
	}
	for i, ti := range in.TransactItems {
		idx := strconv.Itoa(i)
		n := 0
		for _, set := range []bool{ti.ConditionCheck != nil, ti.Put != nil, ti.Delete != nil, ti.Update != nil} {
			if set {
				n++
			}
		}
		if n == 0 {
			return ddb.Validation("The action or operation requested is invalid. Verify that the action is typed correctly.")
		}
		if n > 1 {
			return ddb.Validation("TransactItems can only contain one of Check, Put, Update or Delete")
		}
		var (
			names  map[string]string
			values Item
			action string
			exprs  []param
		)
		switch {
		case ti.Put != nil:
			action, names, values = "Put", ti.Put.ExpressionAttributeNames, ti.Put.ExpressionAttributeValues
			exprs = []param{{"ConditionExpression", present(ti.Put.ConditionExpression)}}
			if err := in.valueErr(true, "TransactItems", idx, "Put", "Item"); err != nil {
				return err
			}
		case ti.Delete != nil:
			action, names, values = "Delete", ti.Delete.ExpressionAttributeNames, ti.Delete.ExpressionAttributeValues
			exprs = []param{{"ConditionExpression", present(ti.Delete.ConditionExpression)}}
			if err := in.valueErr(false, "TransactItems", idx, "Delete", "Key"); err != nil {
				return err
			}
		case ti.Update != nil:
			action, names, values = "Update", ti.Update.ExpressionAttributeNames, ti.Update.ExpressionAttributeValues
			exprs = []param{{"UpdateExpression", present(ti.Update.UpdateExpression)}, {"ConditionExpression", present(ti.Update.ConditionExpression)}}
			if err := in.valueErr(false, "TransactItems", idx, "Update", "Key"); err != nil {
				return err
			}
		default:
			action, names, values = "ConditionCheck", ti.ConditionCheck.ExpressionAttributeNames, ti.ConditionCheck.ExpressionAttributeValues
			exprs = []param{{"ConditionExpression", present(ti.ConditionCheck.ConditionExpression)}}
			if err := in.valueErr(false, "TransactItems", idx, "ConditionCheck", "Key"); err != nil {
				return err
			}
		}
		if err := checkExpressionParams(exprs, nil, names != nil, values != nil, exprs); err != nil {
			return err
		}
		if err := in.checkExpressionMaps(names, values, "TransactItems", idx, action); err != nil {
			return err
		}
	}
	return nil
}
