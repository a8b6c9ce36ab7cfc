package itemcodec

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/dynago/dynago/ddb"
)

func allTypes() ddb.Item {
	return ddb.Item{
		"s":     ddb.S("hello"),
		"empty": ddb.S(""),
		"n":     ddb.N("-123.45"),
		"b":     ddb.B([]byte{0, 1, 0xff}),
		"t":     ddb.Bool(true),
		"f":     ddb.Bool(false),
		"null":  ddb.Null(),
		"ss":    ddb.SS([]string{"b", "a", "c"}),
		"ns":    ddb.NS([]string{"10", "-1", "2.5"}),
		"bs":    ddb.BS([][]byte{{2}, {1}, {}}),
		"l":     ddb.L([]ddb.AttributeValue{ddb.S("x"), ddb.N("1"), ddb.L(nil), ddb.M(nil)}),
		"m": ddb.M(map[string]ddb.AttributeValue{
			"inner": ddb.M(map[string]ddb.AttributeValue{"deep": ddb.L([]ddb.AttributeValue{ddb.Bool(true)})}),
			"":      ddb.S("empty name"),
		}),
		"ünï": ddb.S("ⓤⓝⓘⓒⓞⓓⓔ"),
	}
}

func TestRoundTrip(t *testing.T) {
	items := []ddb.Item{
		{},
		{"a": ddb.S("b")},
		allTypes(),
		nested(20),
		wide(1000),
	}
	for i, it := range items {
		enc := Encode(it)
		got, err := Decode(enc)
		if err != nil {
			t.Fatalf("item %d: Decode: %v", i, err)
		}
		if !ddb.ItemsEqual(got, it) {
			t.Errorf("item %d: round trip changed the item:\n got %#v\nwant %#v", i, got, it)
		}
		// Append appends.
		if app := Append([]byte("xyz"), it); !bytes.Equal(app[3:], enc) || string(app[:3]) != "xyz" {
			t.Errorf("item %d: Append does not append", i)
		}
	}
}

func nested(depth int) ddb.Item {
	v := ddb.S("bottom")
	for i := range depth {
		if i%2 == 0 {
			v = ddb.L([]ddb.AttributeValue{v, ddb.N(strconv.Itoa(i))})
		} else {
			v = ddb.M(map[string]ddb.AttributeValue{"k" + strconv.Itoa(i): v})
		}
	}
	return ddb.Item{"root": v}
}

func wide(n int) ddb.Item {
	it := ddb.Item{}
	for i := range n {
		it["attr"+strconv.Itoa(i)] = ddb.N(strconv.Itoa(i * 7))
	}
	return it
}

func TestDeterministic(t *testing.T) {
	it := allTypes()
	want := Encode(it)
	for range 20 { // map iteration order varies between runs
		if got := Encode(it); !bytes.Equal(got, want) {
			t.Fatal("encoding is not deterministic")
		}
	}
	// Sets encode alike whatever their order, and duplicates are dropped.
	a := ddb.Item{"s": ddb.SS([]string{"x", "y"}), "b": ddb.BS([][]byte{{1}, {2}}), "n": ddb.NS([]string{"1", "2"})}
	b := ddb.Item{"s": ddb.SS([]string{"y", "x", "y"}), "b": ddb.BS([][]byte{{2}, {1}, {2}}), "n": ddb.NS([]string{"2", "1"})}
	if !bytes.Equal(Encode(a), Encode(b)) {
		t.Error("equal sets encode differently")
	}
	// Encoding does not reorder the caller's (shared) set.
	ss := []string{"z", "a"}
	Encode(ddb.Item{"s": ddb.SS(ss)})
	if ss[0] != "z" {
		t.Error("Encode sorted the caller's set in place")
	}
}

// TestGolden pins the format: it is what is on disk.
func TestGolden(t *testing.T) {
	it := ddb.Item{
		"a": ddb.S("hi"),
		"b": ddb.N("-1.5"),
		"c": ddb.L([]ddb.AttributeValue{ddb.Bool(true), ddb.Null()}),
		"d": ddb.M(map[string]ddb.AttributeValue{"x": ddb.B([]byte{0xab})}),
		"e": ddb.NS([]string{"2", "10"}),
	}
	want := "01" + "05" + // version, 5 attributes
		"0161" + "01" + "02" + "6869" + // a: S "hi"
		"0162" + "02" + "04" + "2d312e35" + // b: N "-1.5"
		"0163" + "08" + "02" + "05" + "06" + // c: L [true, NULL]
		"0164" + "07" + "01" + "0178" + "03" + "01" + "ab" + // d: M {x: B ab}
		"0165" + "0a" + "02" + "023130" + "0132" // e: NS ["10", "2"] (bytewise)
	if got := hex.EncodeToString(Encode(it)); got != want {
		t.Errorf("Encode = %s\n   want %s", got, want)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name string
		hex  string
	}{
		{"empty", ""},
		{"version only", "01"},
		{"version 2", "0200"},
		{"version 0", "0000"},
		{"trailing", "010000"},
		{"truncated name", "010105"},
		{"missing value", "01010161"},
		{"unknown tag", "010101610c"},
		{"zero tag", "0101016100"},
		{"huge count", "01ffffffffffffffffff01"},
		{"count over input", "01050161050162"},
		{"length over input", "0101016101ff"},
		{"varint not shortest", "018000"},
		{"names out of order", "01020162060161 06"},
		{"duplicate names", "0102016106016106"},
		{"bad number", "010101610203303132"},
		{"non-canonical number", "0101016102023031"},
		{"set out of order", "0101016109020162016" + "1"},
		{"set duplicate", "010101610902016101 61"},
		{"ns bad member", "010101610a01017a"},
		{"bs out of order", "010101610b0201020101"},
		{"list count over input", "0101016108ff01"},
	}
	for _, tt := range tests {
		b, err := hex.DecodeString(strings.ReplaceAll(tt.hex, " ", ""))
		if err != nil {
			t.Fatalf("%s: bad hex: %v", tt.name, err)
		}
		it, err := Decode(b)
		if err == nil {
			t.Errorf("%s: Decode(%s) = %v, want error", tt.name, tt.hex, it)
		} else if !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: error %v is not ErrCorrupt", tt.name, err)
		}
	}
}

func TestDecodeTruncatedAndFlipped(t *testing.T) {
	enc := Encode(allTypes())
	for i := range enc {
		if _, err := Decode(enc[:i]); err == nil {
			t.Errorf("truncation to %d bytes accepted", i)
		}
	}
	// Flipping bytes must never panic (it may still decode).
	for i := range enc {
		for _, x := range []byte{0x01, 0x80, 0xff} {
			bad := bytes.Clone(enc)
			bad[i] ^= x
			_, _ = Decode(bad)
		}
	}
}

func TestDepthLimit(t *testing.T) {
	if _, err := Decode(Encode(nested(MaxDepth - 1))); err != nil {
		t.Errorf("depth %d refused: %v", MaxDepth, err)
	}
	if _, err := Decode(Encode(nested(MaxDepth))); err == nil {
		t.Errorf("depth %d accepted", MaxDepth+1)
	}
	// A long run of nested empty-list openers fails cleanly.
	b := []byte{Version, 1, 1, 'a'}
	for range 100000 {
		b = append(b, tagL, 1)
	}
	if _, err := Decode(b); err == nil {
		t.Error("deep corrupt nesting accepted")
	}
}

func TestDecodeSharesNothing(t *testing.T) {
	enc := Encode(ddb.Item{"s": ddb.S("abc"), "b": ddb.B([]byte("xyz")), "bs": ddb.BS([][]byte{[]byte("q")})})
	it, err := Decode(enc)
	if err != nil {
		t.Fatal(err)
	}
	for i := range enc {
		enc[i] = 0
	}
	if it["s"].S != "abc" || string(it["b"].B) != "xyz" || string(it["bs"].BS[0]) != "q" {
		t.Error("decoded item aliases its source")
	}
	// Appending to a decoded binary does not overwrite its neighbours.
	_ = append(it["b"].B, "!!!!!!"...)
	if string(it["bs"].BS[0]) != "q" {
		t.Error("binary values overlap")
	}
}

func TestDecodeAllocations(t *testing.T) {
	// Strings cost one allocation per item, not one per string.
	it := ddb.Item{}
	for i := range 50 {
		it["attribute"+strconv.Itoa(i)] = ddb.S(strings.Repeat("v", i))
	}
	enc := Encode(it)
	allocs := testing.AllocsPerRun(50, func() { _, _ = Decode(enc) })
	if allocs > 6 { // the string copy and the map (with its buckets)
		t.Errorf("Decode of 50 strings: %v allocations", allocs)
	}
}

// randomItem builds a random item of bounded depth and size.
func randomItem(r *rand.Rand, depth int) ddb.Item {
	it := ddb.Item{}
	for range r.IntN(6) {
		it[randomString(r)] = randomValue(r, depth)
	}
	return it
}

func randomString(r *rand.Rand) string {
	b := make([]byte, r.IntN(8))
	for i := range b {
		b[i] = "ab\x00\xffé"[r.IntN(5)]
	}
	return string(b)
}

func randomValue(r *rand.Rand, depth int) ddb.AttributeValue {
	n := 9
	if depth > 0 {
		n = 11
	}
	switch r.IntN(n) {
	case 0:
		return ddb.S(randomString(r))
	case 1:
		return ddb.N([]string{"0", "1", "-1", "3.25", "1" + strings.Repeat("0", 40), "-0.000001"}[r.IntN(6)])
	case 2:
		return ddb.B([]byte(randomString(r)))
	case 3:
		return ddb.Bool(r.IntN(2) == 0)
	case 4:
		return ddb.Null()
	case 5:
		ss := make([]string, 1+r.IntN(4))
		for i := range ss {
			ss[i] = randomString(r)
		}
		return ddb.SS(ss)
	case 6:
		ns := make([]string, 1+r.IntN(4))
		for i := range ns {
			ns[i] = strconv.Itoa(r.IntN(100) - 50)
		}
		return ddb.NS(ns)
	case 7:
		bs := make([][]byte, 1+r.IntN(4))
		for i := range bs {
			bs[i] = []byte(randomString(r))
		}
		return ddb.BS(bs)
	case 8:
		return ddb.L(nil)
	case 9:
		l := make([]ddb.AttributeValue, r.IntN(4))
		for i := range l {
			l[i] = randomValue(r, depth-1)
		}
		return ddb.L(l)
	}
	return ddb.M(randomItem(r, depth-1))
}

func TestRandomRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for range 3000 {
		it := randomItem(r, 4)
		enc := Encode(it)
		got, err := Decode(enc)
		if err != nil {
			t.Fatalf("Decode(Encode(%#v)): %v", it, err)
		}
		if !ddb.ItemsEqual(got, dedupe(it)) {
			t.Fatalf("round trip of %#v gave %#v", it, got)
		}
		if again := Encode(got); !bytes.Equal(again, enc) {
			t.Fatalf("re-encoding differs for %#v", it)
		}
	}
}

// dedupe drops duplicate set members, as the encoding does.
func dedupe(it ddb.Item) ddb.Item {
	out := ddb.Item{}
	for k, v := range it {
		out[k] = dedupeValue(v)
	}
	return out
}

func dedupeValue(v ddb.AttributeValue) ddb.AttributeValue {
	switch v.Type {
	case ddb.TypeSS, ddb.TypeNS:
		seen := map[string]bool{}
		var ss []string
		for _, s := range v.SS {
			if !seen[s] {
				seen[s] = true
				ss = append(ss, s)
			}
		}
		v.SS = ss
	case ddb.TypeBS:
		seen := map[string]bool{}
		var bs [][]byte
		for _, b := range v.BS {
			if !seen[string(b)] {
				seen[string(b)] = true
				bs = append(bs, b)
			}
		}
		v.BS = bs
	case ddb.TypeL:
		l := make([]ddb.AttributeValue, len(v.L))
		for i, e := range v.L {
			l[i] = dedupeValue(e)
		}
		v.L = l
	case ddb.TypeM:
		v.M = dedupe(v.M)
	}
	return v
}

func FuzzDecode(f *testing.F) {
	f.Add(Encode(allTypes()))
	f.Add(Encode(ddb.Item{}))
	f.Add(Encode(nested(6)))
	f.Add([]byte{Version, 1, 1, 'a', tagL, 2, tagNULL, tagM, 0})
	f.Fuzz(func(t *testing.T, src []byte) {
		size, serr := Size(src) // never panics
		it, err := Decode(src)
		if err != nil {
			return
		}
		// What decodes is canonical: it encodes back to the same bytes.
		if enc := Encode(it); !bytes.Equal(enc, src) {
			t.Fatalf("Decode(%x) re-encodes as %x", src, enc)
		}
		if serr != nil || size != it.Size() {
			t.Fatalf("Size(%x) = %d, %v; want %d", src, size, serr, it.Size())
		}
	})
}

func FuzzRoundTrip(f *testing.F) {
	f.Add(uint64(1), uint64(2))
	f.Add(uint64(42), uint64(7))
	f.Fuzz(func(t *testing.T, s1, s2 uint64) {
		it := randomItem(rand.New(rand.NewPCG(s1, s2)), 5)
		got, err := Decode(Encode(it))
		if err != nil || !ddb.ItemsEqual(got, dedupe(it)) {
			t.Fatalf("round trip of %#v: %#v, %v", it, got, err)
		}
		if n, err := Size(Encode(it)); err != nil || n != dedupe(it).Size() {
			t.Fatalf("Size of %#v = %d, %v; want %d", it, n, err, dedupe(it).Size())
		}
	})
}

func TestSize(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	items := []ddb.Item{{}, smallItem(), largeItem()}
	for range 2000 {
		items = append(items, randomItem(r, 5))
	}
	for _, it := range items {
		enc := Encode(it)
		if n, err := Size(enc); err != nil || n != dedupe(it).Size() {
			t.Fatalf("Size of %#v = %d, %v; want %d", it, n, err, dedupe(it).Size())
		}
		for i := 0; i < len(enc); i++ { // truncated: an error, never a panic
			if _, err := Size(enc[:i]); err == nil {
				t.Fatalf("Size of %x truncated at %d: no error", enc, i)
			}
		}
	}
}

// smallItem is about 200 bytes by DynamoDB's size rules.
func smallItem() ddb.Item {
	return ddb.Item{
		"pk":       ddb.S("customer#0001234567"),
		"sk":       ddb.S("order#2024-03-01T12:34:56Z#000042"),
		"status":   ddb.S("SHIPPED"),
		"total":    ddb.N("1234.56"),
		"currency": ddb.S("EUR"),
		"items":    ddb.N("3"),
		"express":  ddb.Bool(true),
		"tags":     ddb.SS([]string{"gift", "priority"}),
		"address":  ddb.S("221B Baker Street, London NW1 6XE, United Kingdom"),
		"created":  ddb.N("1709296496"),
	}
}

// largeItem is about 10 KB, nested.
func largeItem() ddb.Item {
	lines := make([]ddb.AttributeValue, 80)
	for i := range lines {
		lines[i] = ddb.M(map[string]ddb.AttributeValue{
			"sku":   ddb.S(fmt.Sprintf("SKU-%06d", i)),
			"name":  ddb.S("A product with a moderately long descriptive name " + strconv.Itoa(i)),
			"qty":   ddb.N(strconv.Itoa(i%5 + 1)),
			"price": ddb.N(strconv.Itoa(100+i) + ".99"),
			"attrs": ddb.M(map[string]ddb.AttributeValue{"color": ddb.S("blue"), "size": ddb.S("L"), "ok": ddb.Bool(i%2 == 0)}),
		})
	}
	it := smallItem()
	it["lines"] = ddb.L(lines)
	it["blob"] = ddb.B(bytes.Repeat([]byte{0xAB}, 512))
	return it
}

func TestBenchmarkItemSizes(t *testing.T) {
	if s := smallItem().Size(); s < 180 || s > 240 {
		t.Errorf("small item is %d bytes", s)
	}
	if s := largeItem().Size(); s < 9000 || s > 12000 {
		t.Errorf("large item is %d bytes", s)
	}
}

func BenchmarkEncode(b *testing.B) {
	for name, it := range map[string]ddb.Item{"200B": smallItem(), "10KB": largeItem()} {
		b.Run(name, func(b *testing.B) {
			buf := Encode(it)
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			for b.Loop() {
				buf = Append(buf[:0], it)
			}
		})
	}
}

func BenchmarkDecode(b *testing.B) {
	for name, it := range map[string]ddb.Item{"200B": smallItem(), "10KB": largeItem()} {
		b.Run(name, func(b *testing.B) {
			enc := Encode(it)
			b.SetBytes(int64(len(enc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Decode(enc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
