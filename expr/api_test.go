package expr

import (
	"strings"
	"testing"

	"github.com/dynago/dynago/ddb"
)

func TestNewParams(t *testing.T) {
	tests := []struct {
		names  map[string]string
		values map[string]ddb.AttributeValue
		want   string
	}{
		{map[string]string{}, nil, "ExpressionAttributeNames must not be empty"},
		{nil, map[string]ddb.AttributeValue{}, "ExpressionAttributeValues must not be empty"},
		{map[string]string{"a": "a"}, nil, `ExpressionAttributeNames contains invalid key: Syntax error; key: "a"`},
		{map[string]string{"#": "a"}, nil, `ExpressionAttributeNames contains invalid key: Syntax error; key: "#"`},
		{map[string]string{"#a-b": "a"}, nil, `ExpressionAttributeNames contains invalid key: Syntax error; key: "#a-b"`},
		{nil, map[string]ddb.AttributeValue{"b": ddb.S("a")}, `ExpressionAttributeValues contains invalid key: Syntax error; key: "b"`},
		{map[string]string{"#" + strings.Repeat("a", 255): "x"}, nil, "ExpressionAttributeNames contains invalid key: The expression attribute map contains a key that is too long; size of key: 256"},
		{nil, map[string]ddb.AttributeValue{":" + strings.Repeat("a", 255): ddb.S("x")}, "ExpressionAttributeValues contains invalid key: The expression attribute map contains a key that is too long;"},
		{map[string]string{"#a": ""}, nil, "ExpressionAttributeNames contains invalid value: Empty attribute name for key #a"},
		{map[string]string{"#a": strings.Repeat("x", 65536)}, nil, "ExpressionAttributeNames contains invalid value: Attribute name is too large, must be less than 65536 bytes for key #a"},
		// Keys of both maps are checked before the names themselves.
		{map[string]string{"#a": ""}, map[string]ddb.AttributeValue{"z": ddb.S("x")}, `ExpressionAttributeValues contains invalid key: Syntax error; key: "z"`},
		{map[string]string{"#a": strings.Repeat("x", 65535)}, nil, ""},
	}
	for _, tc := range tests {
		_, err := NewParams(tc.names, tc.values)
		got := ""
		if err != nil {
			got = err.(*ddb.Error).Message
		}
		if got != tc.want {
			t.Errorf("NewParams(%.40v, %.40v) = %q, want %q", tc.names, tc.values, got, tc.want)
		}
	}
}

func TestCheckUnusedAcrossExpressions(t *testing.T) {
	p, err := NewParams(map[string]string{"#a": "a", "#b": "b"}, map[string]ddb.AttributeValue{":a": ddb.S("a"), ":b": ddb.S("b"), ":c": ddb.S("c")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseUpdate("REMOVE #a", p); err != nil {
		t.Fatal(err)
	}
	if _, err := ParseCondition("#b = :a", p); err != nil {
		t.Fatal(err)
	}
	err = p.CheckUnused()
	if err == nil || err.(*ddb.Error).Message != "Value provided in ExpressionAttributeValues unused in expressions: keys: {:b, :c}" {
		t.Fatalf("CheckUnused = %v", err)
	}
}

// dynalite's "should update nested attributes" test, recorded against
// DynamoDB: values are computed from the old item, list appends happen in
// index order, and UPDATED_NEW is the written paths projected from the new
// item.
func TestUpdateNestedAndReturnValues(t *testing.T) {
	p, err := NewParams(nil, map[string]ddb.AttributeValue{":a": ddb.N("2"), ":b": ddb.SS([]string{"a"})})
	if err != nil {
		t.Fatal(err)
	}
	u, err := ParseUpdate("set b.c=((c[1])+(b.a)),b.a = a,c[1] = a, c[4] = b.a - b.b, c[2] = b.c add c[8] :b, c[6] :a", p)
	if err != nil {
		t.Fatal(err)
	}
	old, _ := jsonItem(`{"a":{"S":"k"},"b":{"M":{"a":{"N":"1"},"b":{"N":"2"},"c":{"N":"3"}}},"c":{"L":[{"N":"1"},{"N":"3"}]}}`)
	oldText := renderItem(old)
	nu, err := u.Apply(old)
	if err != nil {
		t.Fatal(err)
	}
	if renderItem(old) != oldText {
		t.Fatal("Apply modified the old item")
	}
	want := `{"a":{"S":"k"},"b":{"M":{"a":{"S":"k"},"b":{"N":"2"},"c":{"N":"4"}}},"c":{"L":[{"N":"1"},{"S":"k"},{"N":"3"},{"N":"-1"},{"N":"2"},{"SS":["a"]}]}}`
	if got := renderItem(nu); got != want {
		t.Errorf("new item\ngot  %s\nwant %s", got, want)
	}
	if got, want := renderItem(ProjectPaths(nu, u.Paths())), `{"b":{"M":{"a":{"S":"k"},"c":{"N":"4"}}},"c":{"L":[{"S":"k"},{"N":"3"},{"N":"2"}]}}`; got != want {
		t.Errorf("UPDATED_NEW\ngot  %s\nwant %s", got, want)
	}
	if got, want := renderItem(ProjectPaths(old, u.Paths())), `{"b":{"M":{"a":{"N":"1"},"c":{"N":"3"}}},"c":{"L":[{"N":"3"}]}}`; got != want {
		t.Errorf("UPDATED_OLD\ngot  %s\nwant %s", got, want)
	}
	if got, want := len(u.Paths()), 7; got != want {
		t.Errorf("len(Paths()) = %d, want %d", got, want)
	}
}

func TestApplySharesUntouchedValues(t *testing.T) {
	p, _ := NewParams(nil, map[string]ddb.AttributeValue{":x": ddb.S("x")})
	u, err := ParseUpdate("SET m.x = :x", p)
	if err != nil {
		t.Fatal(err)
	}
	big := ddb.L([]ddb.AttributeValue{ddb.S("a")})
	old := ddb.Item{"m": ddb.M(map[string]ddb.AttributeValue{"y": ddb.N("1")}), "big": big}
	nu, err := u.Apply(old)
	if err != nil {
		t.Fatal(err)
	}
	if &nu["big"].L[0] != &old["big"].L[0] {
		t.Error("untouched list was copied")
	}
	if _, ok := old["m"].M["x"]; ok {
		t.Error("old map was modified")
	}
}

func TestConditionPaths(t *testing.T) {
	p, _ := NewParams(map[string]string{"#k": "k"}, map[string]ddb.AttributeValue{":v": ddb.S("v")})
	c, err := ParseCondition("a.b = :v AND (size(#k[1]) > c OR attribute_exists(d))", p)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, path := range c.Paths() {
		got = append(got, path.String())
	}
	if want := "a.b k[1] c d"; strings.Join(got, " ") != want {
		t.Errorf("Paths() = %v, want %s", got, want)
	}
}

func TestKeyConditionMatch(t *testing.T) {
	key := ddb.KeySchema{Hash: ddb.KeyAttr{Name: "h", Type: ddb.TypeS}, Range: ddb.KeyAttr{Name: "r", Type: ddb.TypeN}}
	p, _ := NewParams(nil, map[string]ddb.AttributeValue{":h": ddb.S("x"), ":lo": ddb.N("2"), ":hi": ddb.N("10")})
	k, err := ParseKeyCondition("h = :h AND r BETWEEN :lo AND :hi", p, key)
	if err != nil {
		t.Fatal(err)
	}
	for r, want := range map[string]bool{"1": false, "2": true, "9.5": true, "10": true, "11": false} {
		if got := k.Matches(ddb.Item{"h": ddb.S("x"), "r": ddb.N(r)}); got != want {
			t.Errorf("r=%s: got %v, want %v", r, got, want)
		}
	}
	if k.Matches(ddb.Item{"h": ddb.S("y"), "r": ddb.N("5")}) {
		t.Error("other partition matched")
	}
}

func TestFromKeyConditions(t *testing.T) {
	key := ddb.KeySchema{Hash: ddb.KeyAttr{Name: "a", Type: ddb.TypeS}, Range: ddb.KeyAttr{Name: "b", Type: ddb.TypeS}}
	hashOnly := ddb.KeySchema{Hash: ddb.KeyAttr{Name: "a", Type: ddb.TypeS}}
	s := ddb.S
	tests := []struct {
		name  string
		conds map[string]AttributeCondition
		key   ddb.KeySchema
		want  string
	}{
		{"none", map[string]AttributeCondition{}, key, "Conditions can be of length 1 or 2 only"},
		{"three", map[string]AttributeCondition{"a": {ComparisonOperator: "NULL"}, "b": {ComparisonOperator: "NULL"}, "c": {ComparisonOperator: "NULL"}}, key, "Conditions can be of length 1 or 2 only"},
		{"args", map[string]AttributeCondition{"a": {ComparisonOperator: "EQ"}}, key, "One or more parameter values were invalid: Invalid number of argument(s) for the EQ ComparisonOperator"},
		{"NULL hash", map[string]AttributeCondition{"a": {ComparisonOperator: "NULL"}}, hashOnly, "Attempted conditional constraint is not an indexable operation"},
		{"IN hash", map[string]AttributeCondition{"a": {ComparisonOperator: "IN", AttributeValueList: []ddb.AttributeValue{s("a")}}}, hashOnly, "Attempted conditional constraint is not an indexable operation"},
		{"LE hash", map[string]AttributeCondition{"a": {ComparisonOperator: "LE", AttributeValueList: []ddb.AttributeValue{s("a")}}}, hashOnly, "Query key condition not supported"},
		{"two on hash table", map[string]AttributeCondition{"a": {ComparisonOperator: "EQ", AttributeValueList: []ddb.AttributeValue{s("a")}}, "b": {ComparisonOperator: "EQ", AttributeValueList: []ddb.AttributeValue{s("a")}}}, hashOnly, "Query key condition not supported"},
		{"no hash", map[string]AttributeCondition{"c": {ComparisonOperator: "NULL"}}, key, "Query condition missed key schema element: a"},
		{"wrong range", map[string]AttributeCondition{"a": {ComparisonOperator: "EQ", AttributeValueList: []ddb.AttributeValue{s("a")}}, "c": {ComparisonOperator: "NULL"}}, key, "Query condition missed key schema element: b"},
		{"range NULL", map[string]AttributeCondition{"a": {ComparisonOperator: "EQ", AttributeValueList: []ddb.AttributeValue{s("a")}}, "b": {ComparisonOperator: "NULL"}}, key, "Attempted conditional constraint is not an indexable operation"},
		{"hash CONTAINS range NULL", map[string]AttributeCondition{"a": {ComparisonOperator: "CONTAINS", AttributeValueList: []ddb.AttributeValue{s("a")}}, "b": {ComparisonOperator: "NULL"}}, key, "Attempted conditional constraint is not an indexable operation"},
		{"type", map[string]AttributeCondition{"a": {ComparisonOperator: "EQ", AttributeValueList: []ddb.AttributeValue{ddb.N("1")}}}, key, "One or more parameter values were invalid: Condition parameter type does not match schema type"},
		{"ok", map[string]AttributeCondition{"a": {ComparisonOperator: "EQ", AttributeValueList: []ddb.AttributeValue{s("a")}}, "b": {ComparisonOperator: "BEGINS_WITH", AttributeValueList: []ddb.AttributeValue{s("x")}}}, key, `a = {S:"a"} AND b BEGINS_WITH {S:"x"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			k, err := FromKeyConditions(tc.conds)
			if err == nil {
				var kc *KeyCondition
				if kc, err = k.ForKey(tc.key); err == nil {
					got = kc.String()
				}
			}
			if err != nil {
				got = err.(*ddb.Error).Message
			}
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}
