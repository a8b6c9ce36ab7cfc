package expr

import (
	"testing"

	"github.com/dynago/dynago/ddb"
)

const (
	benchCondition = "attribute_exists(#s) AND #s = :active AND (size(tags) > :zero OR price BETWEEN :lo AND :hi) AND NOT begins_with(sku, :prefix)"
	benchUpdate    = "SET #c = if_not_exists(#c, :zero) + :one, updatedAt = :now, history = list_append(history, :entry) REMOVE draft ADD tags :tags"
)

func benchParams(b *testing.B) *Params {
	p, err := NewParams(map[string]string{"#s": "status", "#c": "count"}, map[string]ddb.AttributeValue{
		":active": ddb.S("active"), ":zero": ddb.N("0"), ":lo": ddb.N("10"), ":hi": ddb.N("100"),
		":prefix": ddb.S("tmp-"), ":one": ddb.N("1"), ":now": ddb.S("2024-01-01T00:00:00Z"),
		":entry": ddb.L([]ddb.AttributeValue{ddb.S("created")}), ":tags": ddb.SS([]string{"new"}),
	})
	if err != nil {
		b.Fatal(err)
	}
	return p
}

func benchItem() ddb.Item {
	return ddb.Item{
		"pk": ddb.S("item-1"), "status": ddb.S("active"), "price": ddb.N("42.5"), "sku": ddb.S("abc-123"),
		"tags": ddb.SS([]string{"a", "b"}), "count": ddb.N("7"), "history": ddb.L([]ddb.AttributeValue{ddb.S("x")}),
		"draft": ddb.Bool(true), "updatedAt": ddb.S("2023-12-31T00:00:00Z"),
	}
}

// BenchmarkParseConditionUncached measures the whole parse of a typical
// condition, syntax phase included.
func BenchmarkParseConditionUncached(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		t, err := parseSyntax(kindCondition, benchCondition)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := bindCondition(t, benchParams(b)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkParseCondition measures ParseCondition as the table layer calls
// it: the syntax tree comes from the cache, names and values are bound.
func BenchmarkParseCondition(b *testing.B) {
	b.ReportAllocs()
	p := benchParams(b)
	for b.Loop() {
		p.usedNames, p.usedValues = nil, nil
		if _, err := ParseCondition(benchCondition, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseUpdateUncached(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		t, err := parseSyntax(kindUpdate, benchUpdate)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := bindUpdate(t, benchParams(b)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseUpdate(b *testing.B) {
	b.ReportAllocs()
	p := benchParams(b)
	for b.Loop() {
		p.usedNames, p.usedValues = nil, nil
		if _, err := ParseUpdate(benchUpdate, p); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEvalCondition(b *testing.B) {
	c, err := ParseCondition(benchCondition, benchParams(b))
	if err != nil {
		b.Fatal(err)
	}
	item := benchItem()
	b.ReportAllocs()
	for b.Loop() {
		ok, _ := c.Eval(item)
		if !ok {
			b.Fatal("condition should hold")
		}
	}
}

func BenchmarkApplyUpdate(b *testing.B) {
	u, err := ParseUpdate(benchUpdate, benchParams(b))
	if err != nil {
		b.Fatal(err)
	}
	item := benchItem()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := u.Apply(item); err != nil {
			b.Fatal(err)
		}
	}
}
