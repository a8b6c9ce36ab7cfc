package expr

import (
	"strings"
	"testing"

	"github.com/dynago/dynago/ddb"
)

// The fuzz tests check that the parsers never panic or hang, and that
// whatever they accept can be printed and evaluated (or applied) without
// panicking.

func fuzzParams() *Params {
	p, err := NewParams(
		map[string]string{"#a": "a", "#b": "b.c", "#d": "[3]"},
		map[string]ddb.AttributeValue{
			":s": ddb.S("x"), ":n": ddb.N("1"), ":l": ddb.L([]ddb.AttributeValue{ddb.N("1")}),
			":m": ddb.M(map[string]ddb.AttributeValue{"a": ddb.N("1")}), ":ss": ddb.SS([]string{"a"}),
			":ns": ddb.NS([]string{"1"}), ":b": ddb.B([]byte("a")), ":t": ddb.Bool(true), ":z": ddb.Null(),
		})
	if err != nil {
		panic(err)
	}
	return p
}

func fuzzItem() ddb.Item {
	return ddb.Item{
		"a": ddb.M(map[string]ddb.AttributeValue{"b": ddb.L([]ddb.AttributeValue{ddb.N("1"), ddb.S("x")}), "c": ddb.SS([]string{"a", "b"})}),
		"b": ddb.N("5"), "c": ddb.S("xyz"), "l": ddb.L([]ddb.AttributeValue{ddb.N("1"), ddb.N("2"), ddb.N("3")}),
		"s": ddb.NS([]string{"1", "2"}),
	}
}

func addSeeds(f *testing.F, files ...string) {
	for _, file := range files {
		for _, c := range readGolden(&testing.T{}, "testdata/"+file) {
			f.Add(c.input)
		}
	}
}

func FuzzParseCondition(f *testing.F) {
	addSeeds(f, "condition_syntax.txt", "condition_semantics.txt", "eval_condition.txt")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCondition(s, fuzzParams())
		if err != nil {
			if _, ok := err.(*ddb.Error); !ok {
				t.Fatalf("error is not a ddb.Error: %v", err)
			}
			return
		}
		_ = c.String()
		if _, err := c.Eval(fuzzItem()); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Eval(nil); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzParseUpdate(f *testing.F) {
	addSeeds(f, "update.txt", "eval_update.txt")
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseUpdate(s, fuzzParams())
		if err != nil {
			if _, ok := err.(*ddb.Error); !ok {
				t.Fatalf("error is not a ddb.Error: %v", err)
			}
			return
		}
		_ = u.String()
		_ = u.Paths()
		item := fuzzItem()
		before := renderItem(item)
		out, err := u.Apply(item)
		if renderItem(item) != before {
			t.Fatal("Apply modified its input")
		}
		if err != nil {
			if _, ok := err.(*ddb.Error); !ok {
				t.Fatalf("error is not a ddb.Error: %v", err)
			}
			return
		}
		_ = ProjectPaths(out, u.Paths())
		_ = ProjectPaths(item, u.Paths())
	})
}

func FuzzParseProjection(f *testing.F) {
	addSeeds(f, "projection.txt", "eval_projection.txt")
	f.Fuzz(func(t *testing.T, s string) {
		pr, err := ParseProjection(s, fuzzParams())
		if err != nil {
			if _, ok := err.(*ddb.Error); !ok {
				t.Fatalf("error is not a ddb.Error: %v", err)
			}
			return
		}
		_ = pr.String()
		_ = pr.Apply(fuzzItem())
	})
}

func FuzzParseKeyCondition(f *testing.F) {
	addSeeds(f, "keycondition.txt")
	key := ddb.KeySchema{Hash: ddb.KeyAttr{Name: "a", Type: ddb.TypeS}, Range: ddb.KeyAttr{Name: "b", Type: ddb.TypeN}}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParseKeyCondition(s, fuzzParams(), key)
		if err != nil {
			if _, ok := err.(*ddb.Error); !ok {
				t.Fatalf("error is not a ddb.Error: %v", err)
			}
			return
		}
		_ = k.String()
		_ = k.Matches(fuzzItem())
	})
}

// TestDeepNesting checks that pathological inputs stay fast (the parser is
// memoized, so nested parentheses cost linear time).
func TestDeepNesting(t *testing.T) {
	for _, s := range []string{
		strings.Repeat("(", 4000),
		strings.Repeat("(", 2000) + "a" + strings.Repeat(")", 2000),
		strings.Repeat("(", 1000) + "a = b" + strings.Repeat(")", 1000),
		strings.Repeat("NOT ", 1000) + "a = b",
		strings.Repeat("size(", 500) + "a" + strings.Repeat(")", 500) + " = b",
		strings.Repeat("a = b AND ", 400) + "c",
	} {
		_, err := ParseCondition(s, nil)
		if err == nil {
			t.Errorf("%.20q... parsed", s)
		}
	}
	if _, err := ParseUpdate("SET a = "+strings.Repeat("(", 2000)+"b"+strings.Repeat(")", 2000), nil); err == nil {
		t.Error("deep update parsed")
	}
}
