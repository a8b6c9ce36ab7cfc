package expr

import (
	"testing"

	"github.com/dynago/dynago/ddb"
)

func ptrV(v ddb.AttributeValue) *ddb.AttributeValue { return &v }
func ptrB(b bool) *bool                             { return &b }

// Messages and results recorded from DynamoDB Local and dynalite's tests.
func TestFromExpected(t *testing.T) {
	s := ddb.S
	n := ddb.N
	item := ddb.Item{"a": s("ab")}
	tests := []struct {
		name     string
		item     ddb.Item
		expected map[string]ExpectedAttributeValue
		op       string
		want     string // "true", "false" or the error message
	}{
		{"no value no exists", item, map[string]ExpectedAttributeValue{"a": {}}, "", "One or more parameter values were invalid: Value must be provided when Exists is null for Attribute: a"},
		{"exists true no value", item, map[string]ExpectedAttributeValue{"a": {Exists: ptrB(true)}}, "", "One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: a"},
		{"exists false with value", item, map[string]ExpectedAttributeValue{"a": {Exists: ptrB(false), Value: ptrV(s("x"))}}, "", "One or more parameter values were invalid: Value cannot be used when Exists is false for Attribute: a"},
		{"op alone", item, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "LT"}}, "", "One or more parameter values were invalid: Value or AttributeValueList must be used with ComparisonOperator: LT for Attribute: a"},
		{"exists and op", item, map[string]ExpectedAttributeValue{"a": {Exists: ptrB(true), ComparisonOperator: "LT"}}, "", "One or more parameter values were invalid: Exists and ComparisonOperator cannot be used together for Attribute: a"},
		{"exists false and NULL", item, map[string]ExpectedAttributeValue{"a": {Exists: ptrB(false), ComparisonOperator: "NULL"}}, "", "One or more parameter values were invalid: Exists and ComparisonOperator cannot be used together for Attribute: a"},
		{"value and list", item, map[string]ExpectedAttributeValue{"a": {Value: ptrV(s("x")), AttributeValueList: []ddb.AttributeValue{s("x")}, ComparisonOperator: "LT"}}, "", "One or more parameter values were invalid: Value and AttributeValueList cannot be used together for Attribute: a"},
		{"value and empty list", item, map[string]ExpectedAttributeValue{"a": {Value: ptrV(s("x")), AttributeValueList: []ddb.AttributeValue{}}}, "", "One or more parameter values were invalid: Value and AttributeValueList cannot be used together for Attribute: a"},
		{"list without op", item, map[string]ExpectedAttributeValue{"a": {AttributeValueList: []ddb.AttributeValue{s("x")}}}, "", "One or more parameter values were invalid: AttributeValueList can only be used with a ComparisonOperator for Attribute: a"},
		{"list with exists", item, map[string]ExpectedAttributeValue{"a": {Exists: ptrB(true), AttributeValueList: []ddb.AttributeValue{s("x")}}}, "", "One or more parameter values were invalid: AttributeValueList can only be used with a ComparisonOperator for Attribute: a"},
		{"EQ no args", item, map[string]ExpectedAttributeValue{"a": {AttributeValueList: []ddb.AttributeValue{}, ComparisonOperator: "EQ"}}, "", "One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator"},
		{"NULL with value", item, map[string]ExpectedAttributeValue{"a": {Value: ptrV(s("a")), ComparisonOperator: "NULL"}}, "", "One or more parameter values were invalid: Invalid number of argument(s) for the NULL ComparisonOperator"},
		{"NOT_NULL with value", item, map[string]ExpectedAttributeValue{"a": {Value: ptrV(s("a")), ComparisonOperator: "NOT_NULL"}}, "", "One or more parameter values were invalid: Invalid number of argument(s) for the NOT_NULL ComparisonOperator"},
		{"BETWEEN with value", item, map[string]ExpectedAttributeValue{"a": {Value: ptrV(s("a")), ComparisonOperator: "BETWEEN"}}, "", "One or more parameter values were invalid: Invalid number of argument(s) for the BETWEEN ComparisonOperator"},
		{"IN with value", item, map[string]ExpectedAttributeValue{"a": {Value: ptrV(s("a")), ComparisonOperator: "IN"}}, "", "false"},
		{"LT BOOL", item, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "LT", AttributeValueList: []ddb.AttributeValue{ddb.Bool(true)}}}, "", "One or more parameter values were invalid: ComparisonOperator LT is not valid for BOOL AttributeValue type"},
		{"LT two args", item, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "LT", AttributeValueList: []ddb.AttributeValue{ddb.Bool(true), n("1")}}}, "", "One or more parameter values were invalid: Invalid number of argument(s) for the LT ComparisonOperator"},
		{"IN mixed", item, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "IN", AttributeValueList: []ddb.AttributeValue{s("a"), n("1")}}}, "", "One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type"},
		{"IN mixed then bad", item, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "IN", AttributeValueList: []ddb.AttributeValue{s("a"), n("1"), ddb.Bool(true)}}}, "", "One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type"},
		{"IN list", item, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "IN", AttributeValueList: []ddb.AttributeValue{n("1"), ddb.L(nil)}}}, "", "One or more parameter values were invalid: ComparisonOperator IN is not valid for L AttributeValue type"},
		{"IN set", item, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "IN", AttributeValueList: []ddb.AttributeValue{ddb.SS([]string{"a"})}}}, "", "One or more parameter values were invalid: ComparisonOperator IN is not valid for SS AttributeValue type"},
		{"BETWEEN order", item, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "BETWEEN", AttributeValueList: []ddb.AttributeValue{s("b"), s("a")}}}, "", "The BETWEEN condition was provided a range where the lower bound is greater than the upper bound"},
		{"BETWEEN mixed", item, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "BETWEEN", AttributeValueList: []ddb.AttributeValue{s("a"), n("1")}}}, "", "One or more parameter values were invalid: AttributeValues inside AttributeValueList must be of same type"},
		{"BETWEEN bool second", item, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "BETWEEN", AttributeValueList: []ddb.AttributeValue{n("1"), ddb.Bool(true)}}}, "", "One or more parameter values were invalid: ComparisonOperator BETWEEN is not valid for BOOL AttributeValue type"},
		{"CONTAINS set", item, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "CONTAINS", AttributeValueList: []ddb.AttributeValue{ddb.SS([]string{"a"})}}}, "", "One or more parameter values were invalid: ComparisonOperator CONTAINS is not valid for SS AttributeValue type"},
		{"BEGINS_WITH N", item, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "BEGINS_WITH", AttributeValueList: []ddb.AttributeValue{n("1")}}}, "", "One or more parameter values were invalid: ComparisonOperator BEGINS_WITH is not valid for N AttributeValue type"},
		{"unknown op", item, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "XX", AttributeValueList: []ddb.AttributeValue{s("a")}}}, "", "Comparison type does not exist in DynamoDB"},
		{"cond op one", item, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "NULL"}}, "OR", "ConditionalOperator can only be used when Filter or Expected has two or more elements"},
		{"cond op none", item, map[string]ExpectedAttributeValue{}, "OR", "ConditionalOperator cannot be used without Filter or Expected"},
		{"EQ list", item, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "EQ", AttributeValueList: []ddb.AttributeValue{ddb.L(nil)}}}, "", "false"},
		{"NE map", item, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "NE", AttributeValueList: []ddb.AttributeValue{ddb.M(nil)}}}, "", "true"},
		{"NE missing", ddb.Item{}, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "NE", AttributeValueList: []ddb.AttributeValue{s("x")}}}, "", "true"},
		{"NOT_CONTAINS missing", ddb.Item{}, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "NOT_CONTAINS", AttributeValueList: []ddb.AttributeValue{s("x")}}}, "", "false"},
		{"NOT_CONTAINS other type", ddb.Item{"a": n("1")}, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "NOT_CONTAINS", AttributeValueList: []ddb.AttributeValue{s("x")}}}, "", "true"},
		{"CONTAINS list", ddb.Item{"a": ddb.L([]ddb.AttributeValue{s("x")})}, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "CONTAINS", AttributeValueList: []ddb.AttributeValue{s("x")}}}, "", "true"},
		{"value EQ op", item, map[string]ExpectedAttributeValue{"a": {Value: ptrV(s("ab")), ComparisonOperator: "EQ"}}, "", "true"},
		{"value exists", item, map[string]ExpectedAttributeValue{"a": {Value: ptrV(s("ab")), Exists: ptrB(true)}}, "", "true"},
		{"value", item, map[string]ExpectedAttributeValue{"a": {Value: ptrV(s("ac"))}}, "", "false"},
		{"exists false", item, map[string]ExpectedAttributeValue{"a": {Exists: ptrB(false)}}, "", "false"},
		{"exists false missing", nil, map[string]ExpectedAttributeValue{"a": {Exists: ptrB(false)}}, "", "true"},
		{"OR", item, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "NOT_NULL"}, "b": {ComparisonOperator: "NOT_NULL"}}, "OR", "true"},
		{"AND", item, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "NOT_NULL"}, "b": {ComparisonOperator: "NOT_NULL"}}, "AND", "false"},
		{"set EQ", ddb.Item{"a": ddb.SS([]string{"a", "b"})}, map[string]ExpectedAttributeValue{"a": {Value: ptrV(ddb.SS([]string{"b", "a"}))}}, "", "true"},
		{"IN numbers", ddb.Item{"a": n("1")}, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "IN", AttributeValueList: []ddb.AttributeValue{n("2"), n("1")}}}, "", "true"},
		{"BETWEEN", ddb.Item{"a": n("5")}, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "BETWEEN", AttributeValueList: []ddb.AttributeValue{n("1"), n("5")}}}, "", "true"},
		{"BEGINS_WITH B", ddb.Item{"a": ddb.B([]byte("ab"))}, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "BEGINS_WITH", AttributeValueList: []ddb.AttributeValue{ddb.B([]byte("a"))}}}, "", "true"},
		{"GT other type", item, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "GT", AttributeValueList: []ddb.AttributeValue{n("1")}}}, "", "false"},
		{"CONTAINS B in S", item, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "CONTAINS", AttributeValueList: []ddb.AttributeValue{ddb.B([]byte("a"))}}}, "", "false"},
		{"NULL empty list", item, map[string]ExpectedAttributeValue{"a": {ComparisonOperator: "NULL", AttributeValueList: []ddb.AttributeValue{}}}, "", "false"},
		{"first error in name order", item, map[string]ExpectedAttributeValue{"b": {}, "a": {Exists: ptrB(true)}}, "", "One or more parameter values were invalid: Value must be provided when Exists is true for Attribute: a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := FromExpected(tc.expected, tc.op)
			var got string
			if err != nil {
				got = err.(*ddb.Error).Message
			} else {
				ok, err := c.Eval(tc.item)
				if err != nil {
					t.Fatal(err)
				}
				got = map[bool]string{true: "true", false: "false"}[ok]
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestFromConditions(t *testing.T) {
	c, err := FromConditions(map[string]AttributeCondition{"a": {ComparisonOperator: "EQ"}}, "")
	if err == nil || err.(*ddb.Error).Message != "One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator" {
		t.Fatalf("got %v, %v", c, err)
	}
	c, err = FromConditions(map[string]AttributeCondition{
		"a": {ComparisonOperator: "BEGINS_WITH", AttributeValueList: []ddb.AttributeValue{ddb.S("x")}},
		"b": {ComparisonOperator: "NOT_NULL"},
	}, "OR")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.String(), `(or (BEGINS_WITH a {S:"x"}) (NOT_NULL b))`; got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
	for item, want := range map[string]bool{`{"a":{"S":"xy"}}`: true, `{"b":{"N":"1"}}`: true, `{"a":{"S":"y"}}`: false} {
		it, _ := jsonItem(item)
		if got, _ := c.Eval(it); got != want {
			t.Errorf("Eval(%s) = %v, want %v", item, got, want)
		}
	}
	c, err = FromConditions(nil, "")
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Eval(nil); !ok {
		t.Error("empty filter should match")
	}
}

func TestFromAttributeUpdates(t *testing.T) {
	s, n := ddb.S, ddb.N
	tests := []struct {
		name    string
		item    string
		updates map[string]AttributeValueUpdate
		want    string // new item or error message
	}{
		{"no value", `{}`, map[string]AttributeValueUpdate{"a": {Action: "PUT"}}, "One or more parameter values were invalid: Only DELETE action is allowed when no attribute value is specified"},
		{"delete S", `{}`, map[string]AttributeValueUpdate{"a": {Action: "DELETE", Value: ptrV(s("1"))}}, "One or more parameter values were invalid: DELETE action with value is not supported for the type S"},
		{"delete L", `{}`, map[string]AttributeValueUpdate{"a": {Action: "DELETE", Value: ptrV(ddb.L(nil))}}, "One or more parameter values were invalid: DELETE action with value is not supported for the type L"},
		{"add S", `{}`, map[string]AttributeValueUpdate{"a": {Action: "ADD", Value: ptrV(s("1"))}}, "One or more parameter values were invalid: ADD action is not supported for the type S"},
		{"add M", `{}`, map[string]AttributeValueUpdate{"a": {Action: "ADD", Value: ptrV(ddb.M(nil))}}, "One or more parameter values were invalid: ADD action is not supported for the type M"},
		{"add list", `{"l":{"L":[{"N":"1"}]}}`, map[string]AttributeValueUpdate{"l": {Action: "ADD", Value: ptrV(ddb.L([]ddb.AttributeValue{s("x")}))}}, `{"l":{"L":[{"N":"1"},{"S":"x"}]}}`},
		{"add list new", `{}`, map[string]AttributeValueUpdate{"l": {Action: "ADD", Value: ptrV(ddb.L([]ddb.AttributeValue{s("x")}))}}, `{"l":{"L":[{"S":"x"}]}}`},
		{"add mismatch", `{"l":{"S":"x"}}`, map[string]AttributeValueUpdate{"l": {Action: "ADD", Value: ptrV(n("1"))}}, "Type mismatch for attribute to update"},
		{"add N to NS", `{"l":{"NS":["1"]}}`, map[string]AttributeValueUpdate{"l": {Action: "ADD", Value: ptrV(n("1"))}}, "Type mismatch for attribute to update"},
		{"add N", `{"l":{"N":"1"}}`, map[string]AttributeValueUpdate{"l": {Action: "ADD", Value: ptrV(n("3"))}}, `{"l":{"N":"4"}}`},
		{"add set", `{"l":{"SS":["a","b"]}}`, map[string]AttributeValueUpdate{"l": {Action: "ADD", Value: ptrV(ddb.SS([]string{"b", "c"}))}}, `{"l":{"SS":["a","b","c"]}}`},
		{"delete all", `{"l":{"NS":["1","2"]}}`, map[string]AttributeValueUpdate{"l": {Action: "DELETE", Value: ptrV(ddb.NS([]string{"1", "2"}))}}, `{}`},
		{"delete some", `{"l":{"NS":["1","2","3"]}}`, map[string]AttributeValueUpdate{"l": {Action: "DELETE", Value: ptrV(ddb.NS([]string{"1", "4"}))}}, `{"l":{"NS":["2","3"]}}`},
		{"delete mismatch", `{"l":{"NS":["1","2"]}}`, map[string]AttributeValueUpdate{"l": {Action: "DELETE", Value: ptrV(ddb.SS([]string{"1"}))}}, "Type mismatch for attribute to update"},
		{"delete attr", `{"l":{"NS":["1","2"]}}`, map[string]AttributeValueUpdate{"l": {Action: "DELETE"}}, `{}`},
		{"delete missing", `{}`, map[string]AttributeValueUpdate{"l": {Action: "DELETE", Value: ptrV(ddb.NS([]string{"1"}))}}, `{}`},
		{"put default", `{"l":{"N":"1"}}`, map[string]AttributeValueUpdate{"l": {Value: ptrV(s("x"))}}, `{"l":{"S":"x"}}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			item, err := jsonItem(tc.item)
			if err != nil {
				t.Fatal(err)
			}
			var got string
			u, err := FromAttributeUpdates(tc.updates)
			if err == nil {
				var out ddb.Item
				out, err = u.Apply(item)
				if err == nil {
					got = renderItem(out)
				}
			}
			if err != nil {
				got = err.(*ddb.Error).Message
			}
			if got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func TestFromAttributesToGet(t *testing.T) {
	if _, err := FromAttributesToGet([]string{"a", "a"}); err == nil || err.(*ddb.Error).Message != "One or more parameter values were invalid: Duplicate value in attribute name: a" {
		t.Fatalf("got %v", err)
	}
	pr, err := FromAttributesToGet([]string{"a.b", "c"})
	if err != nil {
		t.Fatal(err)
	}
	item, _ := jsonItem(`{"a.b":{"S":"x"},"a":{"M":{"b":{"S":"y"}}},"c":{"N":"1"},"d":{"N":"2"}}`)
	if got, want := renderItem(pr.Apply(item)), `{"a.b":{"S":"x"},"c":{"N":"1"}}`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
