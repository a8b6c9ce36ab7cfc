package ddb

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestNumberSize(t *testing.T) {
	tests := []struct {
		n    string
		size int
	}{
		{"0", 1},
		{"1", 2},
		{"9", 2},
		{"10", 2},
		{"27", 2},
		{"-27", 3},
		{"99", 2},
		{"100", 2},
		{"101", 3},
		{"461", 3},
		{"1000", 2},
		{"1001", 3},
		{"12345", 4},
		{"1.2", 3},
		{"12.3", 3},
		{"123.45", 4},
		{"10.01", 3},
		{"1.001", 4},
		{"0.5", 2},
		{"0.05", 2},
		{"0.001", 2},
		{"0.0012", 2},
		{"0.00012", 3},
		{"-0.5", 3},
		{"1786461547", 6},
		{"12345678901234567890123456789012345678", 20},
		{"1.2345678901234567890123456789012345678", 21},
		{"-1.2345678901234567890123456789012345678", 21}, // capped, as DynamoDB Local charges
		{"-12345678901234567890123456789012345678", 21},
		{"-1.234567890123456789012345678901234567", 21},
		{"1" + strings.Repeat("0", 125), 2},
		{"0." + strings.Repeat("0", 129) + "1", 2},
	}
	for _, tt := range tests {
		if got := NumberSize(tt.n); got != tt.size {
			t.Errorf("NumberSize(%s) = %d, want %d", tt.n, got, tt.size)
		}
	}
}

// dynaliteNumberSize is the formula dynalite uses (db/index.js valSize),
// which records DynamoDB's behaviour, plus a 21-byte cap: n significant
// digits, leading digit exponent e. 300 random numbers checked against
// DynamoDB Local's consumed capacity (1024/1025-byte items) agree with it.
func dynaliteNumberSize(neg bool, n, e int) int {
	if n == 0 {
		return 1
	}
	size := 1 + (n+1)/2
	if n%2 == 0 && e%2 == 0 {
		size++
	}
	if neg {
		size++
	}
	return min(size, 21) // the cap DynamoDB Local shows; dynalite lacks it
}

func TestNumberSizeAgreesWithDynalite(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for range 5000 {
		n := 1 + r.IntN(38)
		e := -130 + r.IntN(256)
		d := make([]byte, n)
		for i := range d {
			d[i] = byte('0' + r.IntN(10))
		}
		d[0] = byte('1' + r.IntN(9))
		d[n-1] = byte('1' + r.IntN(9))
		neg := r.IntN(2) == 0
		s := plain(neg, string(d), e)
		if got, want := NumberSize(s), dynaliteNumberSize(neg, n, e); got != want {
			t.Fatalf("NumberSize(%s) = %d, dynalite says %d", s, got, want)
		}
	}
}

// plain renders ±d1.d2… × 10^e in plain notation (digits without leading
// or trailing zeros).
func plain(neg bool, digits string, e int) string {
	var b strings.Builder
	if neg {
		b.WriteByte('-')
	}
	switch {
	case e < 0:
		b.WriteString("0.")
		b.WriteString(strings.Repeat("0", -e-1))
		b.WriteString(digits)
	case len(digits) <= e+1:
		b.WriteString(digits)
		b.WriteString(strings.Repeat("0", e+1-len(digits)))
	default:
		b.WriteString(digits[:e+1])
		b.WriteByte('.')
		b.WriteString(digits[e+1:])
	}
	return b.String()
}

func TestValueSize(t *testing.T) {
	tests := []struct {
		name string
		v    AttributeValue
		size int
	}{
		{"none", AttributeValue{}, 0},
		{"S", S("hello"), 5},
		{"S utf8", S("héllo☃"), 9}, // é is 2 bytes, ☃ is 3
		{"S empty", S(""), 0},
		{"N", N("123"), 3},
		{"B", B([]byte{1, 2, 3}), 3},
		{"BOOL", Bool(false), 1},
		{"NULL", Null(), 1},
		{"SS", SS([]string{"a", "bc", "def"}), 6},
		{"NS", NS([]string{"1", "-27", "0.5"}), 2 + 3 + 2},
		{"BS", BS([][]byte{{1}, {2, 3}}), 3},
		{"L empty", L(nil), 3},
		{"M empty", M(nil), 3},
		{"L", L([]AttributeValue{S("ab"), N("1"), Null()}), 3 + (1 + 2) + (1 + 2) + (1 + 1)},
		{"M", M(map[string]AttributeValue{"a": S("xyz"), "bb": Bool(true)}), 3 + (1 + 1 + 3) + (1 + 2 + 1)},
		{"nested", L([]AttributeValue{M(map[string]AttributeValue{"k": L(nil)})}), 3 + 1 + (3 + 1 + 1 + 3)},
	}
	for _, tt := range tests {
		if got := tt.v.Size(); got != tt.size {
			t.Errorf("%s: Size() = %d, want %d", tt.name, got, tt.size)
		}
	}
}

func TestItemSize(t *testing.T) {
	// Worked example: a string, a number, a binary, a bool, a list and a map.
	it := Item{
		"id":     S("user#1"),                                     // 2 + 6
		"age":    N("27"),                                         // 3 + 2
		"pic":    B(make([]byte, 10)),                             // 3 + 10
		"active": Bool(true),                                      // 6 + 1
		"tags":   L([]AttributeValue{S("a"), S("b")}),             // 4 + 3 + 2*(1+1)
		"addr":   M(map[string]AttributeValue{"zip": N("12345")}), // 4 + 3 + (1+3+4)
		"név":    Null(),                                          // 4 (é is 2 bytes) + 1
	}
	want := (2 + 6) + (3 + 2) + (3 + 10) + (6 + 1) + (4 + 3 + 4) + (4 + 3 + 8) + (4 + 1)
	if got := it.Size(); got != want {
		t.Errorf("Item.Size() = %d, want %d", got, want)
	}
	if got := (Item{}).Size(); got != 0 {
		t.Errorf("empty item size = %d", got)
	}
}

func BenchmarkItemSize(b *testing.B) {
	it := Item{
		"pk":    S("customer#000123"),
		"sk":    S("order#2024-01-01T00:00:00Z"),
		"total": N("1234.56"),
		"items": L([]AttributeValue{
			M(map[string]AttributeValue{"sku": S("ABC-1"), "qty": N("2")}),
			M(map[string]AttributeValue{"sku": S("XYZ-9"), "qty": N("1")}),
		}),
		"flags": SS([]string{"gift", "express"}),
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = it.Size()
	}
}
