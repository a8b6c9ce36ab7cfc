package wire

import (
	"strings"

	"github.com/dynago/dynago/ddb"
)

// Request-level checks DynamoDB makes after shape validation and before it
// looks at the table. They are called by the operations' Validate methods.

// param is a request parameter for the expression/non-expression checks.
type param struct {
	name    string
	present bool
}

// checkExpressionParams reports mixing expression and non-expression
// parameters, and ExpressionAttributeNames/Values without an expression.
// valueExprs are the expressions that may use ExpressionAttributeValues.
func checkExpressionParams(exprs, nonExprs []param, hasNames, hasValues bool, valueExprs []param) error {
	var used []string
	for _, p := range exprs {
		if p.present {
			used = append(used, p.name)
		}
	}
	if len(used) > 0 {
		var legacy []string
		for _, p := range nonExprs {
			if p.present {
				legacy = append(legacy, p.name)
			}
		}
		if len(legacy) > 0 {
			return ddb.Validation("Can not use both expression and non-expression parameters in the same request: " +
				"Non-expression parameters: {" + strings.Join(legacy, ", ") + "} " +
				"Expression parameters: {" + strings.Join(used, ", ") + "}")
		}
	}
	if hasNames && len(used) == 0 {
		return ddb.Validation("ExpressionAttributeNames can only be specified when using expressions")
	}
	if hasValues && len(valueExprs) > 0 {
		any := false
		names := make([]string, len(valueExprs))
		for i, p := range valueExprs {
			names[i] = p.name
			any = any || p.present
		}
		if !any {
			verb := "is"
			if len(names) > 1 {
				verb = "are"
			}
			return ddb.Validation("ExpressionAttributeValues can only be specified when using expressions: " +
				strings.Join(names, " and ") + " " + verb + " null")
		}
	}
	return nil
}

func isNameKey(k string) bool  { return len(k) > 1 && k[0] == '#' && isWordChars(k[1:]) }
func isValueKey(k string) bool { return len(k) > 1 && k[0] == ':' && isWordChars(k[1:]) }

func isWordChars(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// checkExpressionMaps checks ExpressionAttributeNames and
// ExpressionAttributeValues themselves (emptiness, key syntax, values);
// prefix locates the map holder in the request (nil at the top level).
func (v *valueErrors) checkExpressionMaps(names map[string]string, values Item, prefix ...string) error {
	if names != nil {
		if len(names) == 0 {
			return ddb.Validation("ExpressionAttributeNames must not be empty")
		}
		keys := sortedKeys(names)
		for _, k := range keys {
			if !isNameKey(k) {
				return ddb.Validation("ExpressionAttributeNames contains invalid key: Syntax error; key: \"" + k + "\"")
			}
		}
		for _, k := range keys {
			if names[k] == "" {
				return ddb.Validation("ExpressionAttributeNames contains invalid value: " + MsgEmptyAttrName + " for key " + k)
			}
		}
	}
	if values != nil {
		path := append(append([]string{}, prefix...), "ExpressionAttributeValues")
		keys := sortedKeys(values)
		var bad []*ValueError
		for i := range v.list {
			e := &v.list[i]
			if len(e.Path) == len(path)+1 && hasPrefix(e.Path, path) {
				keys = append(keys, e.Path[len(path)])
				if !e.Nesting {
					bad = append(bad, e)
				}
			}
		}
		if len(keys) == 0 {
			return ddb.Validation("ExpressionAttributeValues must not be empty")
		}
		sortStrings(keys)
		for _, k := range keys {
			if !isValueKey(k) {
				return ddb.Validation("ExpressionAttributeValues contains invalid key: Syntax error; key: \"" + k + "\"")
			}
		}
		if len(bad) > 0 {
			e := bad[0]
			msg := e.Err.Message
			if e.Null {
				msg = MsgNullValue
			}
			return ddb.Validation("ExpressionAttributeValues contains invalid value: " + msg + " for key " + e.Path[len(path)])
		}
	}
	return nil
}

// hasValueAt reports whether an invalid value was recorded exactly at path.
func (v *valueErrors) hasValueAt(path ...string) bool {
	for i := range v.list {
		if len(v.list[i].Path) == len(path) && hasPrefix(v.list[i].Path, path) {
			return true
		}
	}
	return false
}

// valueErr returns the first invalid value under prefix as an error.
func (v *valueErrors) valueErr(items bool, prefix ...string) error {
	if e := v.first(items, prefix...); e != nil {
		return e.Err
	}
	return nil
}

func invalidParams(msg string) error { return ddb.Validation(msgInvalidParams + msg) }

// argCount is how many values each legacy ComparisonOperator takes; -1
// means one or more.
var argCount = map[string]int{
	"EQ": 1, "NE": 1, "LE": 1, "LT": 1, "GE": 1, "GT": 1, "CONTAINS": 1, "NOT_CONTAINS": 1, "BEGINS_WITH": 1,
	"NULL": 0, "NOT_NULL": 0, "IN": -1, "BETWEEN": 2,
}

// argTypes lists the value types each legacy ComparisonOperator accepts.
var argTypes = map[string]string{
	"EQ": "S N B SS NS BS BOOL NULL L M", "NE": "S N B SS NS BS BOOL NULL L M",
	"LE": "S N B", "LT": "S N B", "GE": "S N B", "GT": "S N B",
	"CONTAINS": "S N B BOOL NULL", "NOT_CONTAINS": "S N B BOOL NULL", "BEGINS_WITH": "S B", "IN": "S N B", "BETWEEN": "S N B",
}

func sameTypes(vals []Value) bool {
	for _, x := range vals[1:] {
		if x.Type != vals[0].Type {
			return false
		}
	}
	return true
}

// checkExpected applies DynamoDB's rules for the legacy Expected parameter.
// The BETWEEN bounds check needs value comparison and is left to the table
// layer.
func (v *valueErrors) checkExpected(expected map[string]ExpectedAttributeValue, prefix ...string) error {
	for _, k := range sortedKeys(expected) {
		cond := expected[k]
		at := append(append([]string{}, prefix...), "Expected", k)
		valuePath := append(append([]string{}, at...), "Value")
		hasValue := cond.Value != nil || v.hasValueAt(valuePath...)
		hasList := cond.AttributeValueList != nil
		if hasList && hasValue {
			return invalidParams("Value and AttributeValueList cannot be used together for Attribute: " + k)
		}
		if cond.ComparisonOperator != nil {
			op := *cond.ComparisonOperator
			if cond.Exists != nil {
				return invalidParams("Exists and ComparisonOperator cannot be used together for Attribute: " + k)
			}
			if err := v.valueErr(false, at...); err != nil {
				return err
			}
			if op != "NULL" && op != "NOT_NULL" && !hasList && !hasValue {
				return invalidParams("Value or AttributeValueList must be used with ComparisonOperator: " + op + " for Attribute: " + k)
			}
			vals := cond.AttributeValueList
			if !hasList && cond.Value != nil {
				vals = []Value{*cond.Value}
			}
			if !argCountOK(op, len(vals)) {
				return invalidParams("Invalid number of argument(s) for the " + op + " ComparisonOperator")
			}
			if len(vals) > 0 && !sameTypes(vals) {
				return invalidParams("AttributeValues inside AttributeValueList must be of same type")
			}
		} else if hasList {
			return invalidParams("AttributeValueList can only be used with a ComparisonOperator for Attribute: " + k)
		} else {
			exists := cond.Exists == nil || *cond.Exists
			if exists && !hasValue {
				state := "null"
				if cond.Exists != nil {
					state = "true"
				}
				return invalidParams("Value must be provided when Exists is " + state + " for Attribute: " + k)
			}
			if !exists && hasValue {
				return invalidParams("Value cannot be used when Exists is false for Attribute: " + k)
			}
			if err := v.valueErr(false, valuePath...); err != nil {
				return err
			}
		}
	}
	return nil
}

func argCountOK(op string, n int) bool {
	want, ok := argCount[op]
	switch {
	case !ok:
		return false
	case want < 0:
		return n > 0
	}
	return n == want
}

// checkConditions applies DynamoDB's rules for KeyConditions, QueryFilter
// and ScanFilter (field is the parameter's name). The BETWEEN bounds check
// is left to the table layer.
func (v *valueErrors) checkConditions(field string, conds map[string]Condition) error {
	for _, k := range sortedKeys(conds) {
		cond := conds[k]
		if err := v.valueErr(false, field, k); err != nil {
			return err
		}
		op := ""
		if cond.ComparisonOperator != nil {
			op = *cond.ComparisonOperator
		}
		vals := cond.AttributeValueList
		if !argCountOK(op, len(vals)) {
			return invalidParams("Invalid number of argument(s) for the " + op + " ComparisonOperator")
		}
		if len(vals) > 0 && !sameTypes(vals) {
			return invalidParams("AttributeValues inside AttributeValueList must be of same type")
		}
		if allowed, ok := argTypes[op]; ok {
			for _, x := range vals {
				if !containsWord(allowed, x.Type.String()) {
					return invalidParams("ComparisonOperator " + op + " is not valid for " + x.Type.String() + " AttributeValue type")
				}
			}
		}
	}
	return nil
}

func containsWord(list, w string) bool {
	for _, f := range strings.Fields(list) {
		if f == w {
			return true
		}
	}
	return false
}

func duplicateName(names []string) (string, bool) {
	seen := make(map[string]struct{}, len(names))
	for _, n := range names {
		if _, ok := seen[n]; ok {
			return n, true
		}
		seen[n] = struct{}{}
	}
	return "", false
}

func checkAttributesToGet(names []string) error {
	if dup, ok := duplicateName(names); ok {
		return invalidParams("Duplicate value in attribute name: " + dup)
	}
	return nil
}

// ParseTableARN splits a table ARN (arn:PARTITION:dynamodb:REGION:ACCOUNT:table/NAME)
// into its region, account and table name; ok is false when arn is not a
// valid table ARN.
func ParseTableARN(arn string) (region, account, table string, ok bool) {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" || parts[1] == "" || parts[2] != "dynamodb" || parts[3] == "" || parts[4] == "" {
		return "", "", "", false
	}
	name, found := strings.CutPrefix(parts[5], "table/")
	if !found || !isNameChars(name) || len(name) < 3 || len(name) > 255 {
		return "", "", "", false
	}
	return parts[3], parts[4], name, true
}

func invalidTableARN(arn string) error {
	return ddb.Validation("Invalid TableArn: Invalid ResourceArn provided as input " + arn)
}

func sortStrings(s []string) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}
