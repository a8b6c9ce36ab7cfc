package keycodec

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/number"
)

type orderLine struct {
	line  int
	equal bool // encodes as the previous line
	v     ddb.AttributeValue
}

func readOrderFile(t *testing.T) []orderLine {
	t.Helper()
	f, err := os.Open("testdata/order.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []orderLine
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || text[0] == '#' {
			continue
		}
		ol := orderLine{line: n}
		if rest, ok := strings.CutPrefix(text, "="); ok {
			ol.equal = true
			text = strings.TrimSpace(rest)
		}
		typ, val, _ := strings.Cut(text, " ")
		switch typ {
		case "N":
			c, err := number.Canonical(val)
			if err != nil {
				t.Fatalf("line %d: %v", n, err)
			}
			if c != val {
				// Encode the original text: AppendN must canonicalise.
				ol.v = ddb.AttributeValue{Type: ddb.TypeN, S: val}
			} else {
				ol.v = ddb.N(c)
			}
		case "S":
			s, err := strconv.Unquote(val)
			if err != nil {
				t.Fatalf("line %d: %v", n, err)
			}
			ol.v = ddb.S(s)
		case "B":
			b := []byte{}
			if val != "-" {
				if b, err = hex.DecodeString(val); err != nil {
					t.Fatalf("line %d: %v", n, err)
				}
			}
			ol.v = ddb.B(b)
		default:
			t.Fatalf("line %d: bad type %q", n, typ)
		}
		out = append(out, ol)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestOrderFile(t *testing.T) {
	lines := readOrderFile(t)
	if len(lines) < 50 {
		t.Fatalf("only %d lines", len(lines))
	}
	encs := make([][]byte, len(lines))
	for i, l := range lines {
		encs[i] = AppendValue(nil, l.v)
	}
	for i, l := range lines {
		// Round trip: decoding gives the canonical value.
		got, rest, err := DecodeValue(append(slices.Clone(encs[i]), 0xAB), l.v.Type)
		if err != nil || !bytes.Equal(rest, []byte{0xAB}) {
			t.Errorf("line %d: DecodeValue(%x) = %v, rest %x, %v", l.line, encs[i], got, rest, err)
			continue
		}
		want := l.v
		if want.Type == ddb.TypeN {
			want.S, _ = number.Canonical(want.S)
		}
		if !ddb.Equal(got, want) {
			t.Errorf("line %d: decoded %+v, want %+v", l.line, got, want)
		}
		// Order against every other line of the same type.
		for j := range i {
			if lines[j].v.Type != l.v.Type {
				continue
			}
			c := bytes.Compare(encs[j], encs[i])
			wantC := -1
			if l.equal && j == i-1 {
				wantC = 0
			} else if l.equal {
				// Equal to the previous line: same relation to earlier lines.
				wantC = bytes.Compare(encs[j], encs[i-1])
			}
			if c != wantC {
				t.Errorf("line %d vs line %d: compare = %d, want %d (%x vs %x)", lines[j].line, l.line, c, wantC, encs[j], encs[i])
			}
		}
	}
}

func TestEncodingsByExample(t *testing.T) {
	tests := []struct {
		v    ddb.AttributeValue
		want string // hex
	}{
		{ddb.S("ab"), "61620001"},
		{ddb.S("a\x00b"), "6100ff620001"},
		{ddb.S(""), "0001"},
		{ddb.B([]byte{0, 0xff}), "00ffff0001"},
		{ddb.N("0"), "02"},
		{ddb.N("1"), "034102"},          // 0.01 × 100^1: c1=1 -> 2
		{ddb.N("10"), "034114"},         // 0.10 × 100^1: c1=10 -> 20
		{ddb.N("100"), "034202"},        // 0.01 × 100^2
		{ddb.N("123.45"), "0342032f5a"}, // 0.01 23 45 × 100^2: 3, 47, 90
		{ddb.N("0.5"), "034064"},        // 0.50 × 100^0: 100
		{ddb.N("-1"), "01befd"},         // complement of 03 41 02 after the tag
		{ddb.N("1e-130"), "030002"},     // 0.01 × 100^-64
		{ddb.N("9.9999999999999999999999999999999999999e125"), "037f" + strings.Repeat("c7", 18) + "c6"},
	}
	for _, tt := range tests {
		if got := hex.EncodeToString(AppendValue(nil, tt.v)); got != tt.want {
			t.Errorf("AppendValue(%s %q %x) = %s, want %s", tt.v.Type, tt.v.S, tt.v.B, got, tt.want)
		}
	}
}

func TestAppendValuePanics(t *testing.T) {
	for _, v := range []ddb.AttributeValue{ddb.Bool(true), {}, ddb.N("abc"), ddb.N("1e126")} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("AppendValue(%+v) did not panic", v)
				}
			}()
			AppendValue(nil, v)
		}()
	}
}

func TestDecodeValueErrors(t *testing.T) {
	tests := []struct {
		t   ddb.Type
		hex string
	}{
		{ddb.TypeS, ""},
		{ddb.TypeS, "61"},
		{ddb.TypeS, "6100"},
		{ddb.TypeS, "610002"},
		{ddb.TypeB, "00ff"},
		{ddb.TypeN, ""},
		{ddb.TypeN, "04"},
		{ddb.TypeN, "03"},
		{ddb.TypeN, "0341"},
		{ddb.TypeN, "034103"},   // unterminated
		{ddb.TypeN, "034100"},   // ends in a zero digit
		{ddb.TypeN, "034101ca"}, // digit > 99
		{ddb.TypeN, "03410102"}, // starts with a zero digit
		{ddb.TypeN, "0380c6"},   // exponent byte out of range
		{ddb.TypeN, "0341" + strings.Repeat("c7", 20) + "c6"}, // too many digits
		{ddb.TypeN, "0341" + strings.Repeat("13", 19) + "12"}, // 40 digits: too many significant digits
		{ddb.TypeBOOL, "01"},
	}
	for _, tt := range tests {
		b, _ := hex.DecodeString(tt.hex)
		if v, _, err := DecodeValue(b, tt.t); err == nil {
			t.Errorf("DecodeValue(%s, %s) = %+v, want error", tt.hex, tt.t, v)
		}
	}
}

func TestUvarint(t *testing.T) {
	vals := []uint64{0, 1, 100, 247, 248, 255, 256, 1000, 65535, 65536, 1<<24 - 1, 1 << 24, 1<<32 - 1, 1 << 32, 1<<56 - 1, 1 << 56, 1<<64 - 1}
	var prev []byte
	for i, v := range vals {
		enc := AppendUvarint(nil, v)
		got, rest, err := DecodeUvarint(append(slices.Clone(enc), 7))
		if err != nil || got != v || !bytes.Equal(rest, []byte{7}) {
			t.Errorf("DecodeUvarint(%x) = %d, %x, %v; want %d", enc, got, rest, err, v)
		}
		if i > 0 && bytes.Compare(prev, enc) >= 0 {
			t.Errorf("AppendUvarint(%d) = %x not after %x", v, enc, prev)
		}
		prev = enc
	}
	for _, bad := range []string{"", "f8", "f8f7", "f90001", "f900", "ff00000000000000ff"} {
		b, _ := hex.DecodeString(bad)
		if _, _, err := DecodeUvarint(b); err == nil {
			t.Errorf("DecodeUvarint(%s) succeeded", bad)
		}
	}
	r := rand.New(rand.NewPCG(1, 1))
	for range 2000 {
		a, b := r.Uint64()>>r.IntN(64), r.Uint64()>>r.IntN(64)
		if c := bytes.Compare(AppendUvarint(nil, a), AppendUvarint(nil, b)); c != cmpU(a, b) {
			t.Fatalf("order of %d, %d: %d", a, b, c)
		}
	}
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// TestHashPKGolden pins the hash function: it is part of the on-disk format
// and must never change.
func TestHashPKGolden(t *testing.T) {
	tests := []struct {
		v    ddb.AttributeValue
		want uint32
	}{
		{ddb.S(""), 0x3d763bd6},
		{ddb.S("a"), 0xbc08481f},
		{ddb.S("user#1"), 0xc4f38a3f},
		{ddb.S("user#2"), 0xb4c3bd45},
		{ddb.N("0"), 0x5aec8525},
		{ddb.N("1"), 0xeb5fcde0},
		{ddb.N("-1"), 0xe5815376},
		{ddb.N("123.45"), 0x5ff297a3},
		{ddb.B([]byte{0, 1, 2}), 0x04906a07},
	}
	for _, tt := range tests {
		if got := HashPK(tt.v); got != tt.want {
			t.Errorf("HashPK(%s %q %x) = %#08x, want %#08x", tt.v.Type, tt.v.S, tt.v.B, got, tt.want)
		}
	}
	// Equal numbers hash alike whatever their text.
	if HashPK(ddb.AttributeValue{Type: ddb.TypeN, S: "1e3"}) != HashPK(ddb.N("1000")) {
		t.Error("1e3 and 1000 hash differently")
	}
}

// TestHashBalance checks that sequential keys spread evenly over scan
// segments. The hash is deterministic, so this test is too.
func TestHashBalance(t *testing.T) {
	const keys = 100000
	gens := map[string]func(i int) ddb.AttributeValue{
		"S user#i": func(i int) ddb.AttributeValue { return ddb.S("user#" + strconv.Itoa(i)) },
		"S %08d":   func(i int) ddb.AttributeValue { return ddb.S(fmt.Sprintf("%08d", i)) },
		"N i":      func(i int) ddb.AttributeValue { return ddb.N(strconv.Itoa(i)) },
		"N i*1000": func(i int) ddb.AttributeValue { return ddb.N(strconv.Itoa(i * 1000)) },
		"B uint32": func(i int) ddb.AttributeValue {
			return ddb.B([]byte{byte(i >> 24), byte(i >> 16), byte(i >> 8), byte(i)})
		},
	}
	for name, gen := range gens {
		for _, segments := range []int{2, 16, 1000} {
			counts := make([]int, segments)
			for i := range keys {
				h := uint64(HashPK(gen(i)))
				// The segment whose hash range holds h.
				s := int(h * uint64(segments) / HashSpace)
				lo, hi := SegmentHashRange(s, segments)
				if h < lo || h >= hi {
					s++ // rounding at a boundary
				}
				counts[s]++
			}
			mean := float64(keys) / float64(segments)
			// Allow 6 standard deviations of a binomial count.
			tol := 6 * sqrt(mean)
			for s, c := range counts {
				if d := float64(c) - mean; d > tol || d < -tol {
					t.Errorf("%s, %d segments: segment %d has %d keys, mean %.0f", name, segments, s, c, mean)
					break
				}
			}
		}
	}
}

func sqrt(x float64) float64 {
	z := x
	for range 50 {
		z = (z + x/z) / 2
	}
	return z
}

func TestSegmentHashRange(t *testing.T) {
	for _, total := range []int{1, 2, 3, 7, 1000, 1000000} {
		var prev uint64
		for _, s := range []int{0, 1, total / 2, total - 1} {
			if s >= total {
				continue
			}
			lo, hi := SegmentHashRange(s, total)
			if lo > hi || hi > HashSpace {
				t.Fatalf("segment %d/%d = [%d, %d)", s, total, lo, hi)
			}
			if s == 0 && lo != 0 {
				t.Errorf("segment 0/%d starts at %d", total, lo)
			}
			if s == total-1 && hi != HashSpace {
				t.Errorf("last segment of %d ends at %d", total, hi)
			}
			_ = prev
		}
		// Consecutive segments meet.
		for s := 0; s+1 < min(total, 50); s++ {
			_, hi := SegmentHashRange(s, total)
			lo, _ := SegmentHashRange(s+1, total)
			if hi != lo {
				t.Fatalf("segments %d and %d of %d do not meet", s, s+1, total)
			}
		}
	}
}

func TestItemKeyRoundTrip(t *testing.T) {
	tests := []struct {
		pk, sk ddb.AttributeValue
	}{
		{ddb.S("a"), ddb.AttributeValue{}},
		{ddb.S("a\x00b"), ddb.N("-12.5")},
		{ddb.N("1e3"), ddb.B([]byte{0, 0xff})},
		{ddb.B([]byte{}), ddb.S("")},
	}
	for _, tt := range tests {
		for _, ids := range [][2]uint64{{0, 0}, {1, 0}, {300, 7}, {1 << 40, 1<<32 - 1}} {
			key := AppendItemKey([]byte("junk"), ids[0], uint32(ids[1]), tt.pk, tt.sk)[4:]
			pk, sk, err := DecodeItemKey(key, tt.pk.Type, tt.sk.Type)
			wantPK := canon(tt.pk)
			if err != nil || !ddb.Equal(pk, wantPK) || !ddb.Equal(sk, canon(tt.sk)) {
				t.Errorf("DecodeItemKey(%x) = %+v, %+v, %v", key, pk, sk, err)
			}
			tid, iid, _, err := DecodeTablePrefix(key)
			if err != nil || tid != ids[0] || iid != uint32(ids[1]) {
				t.Errorf("DecodeTablePrefix = %d, %d, %v", tid, iid, err)
			}
			// Corruption is detected: flipping any byte of the key breaks
			// the decode or changes the result.
			for i := range key {
				bad := slices.Clone(key)
				bad[i] ^= 0x10
				pk2, sk2, err := DecodeItemKey(bad, tt.pk.Type, tt.sk.Type)
				if err == nil && ddb.Equal(pk2, wantPK) && ddb.Equal(sk2, canon(tt.sk)) {
					tid2, iid2, _, _ := DecodeTablePrefix(bad)
					if tid2 == ids[0] && iid2 == uint32(ids[1]) {
						t.Errorf("flipping byte %d of %x went unnoticed", i, key)
					}
				}
			}
			if _, _, err := DecodeItemKey(append(slices.Clone(key), 0), tt.pk.Type, tt.sk.Type); err == nil {
				t.Errorf("trailing byte accepted")
			}
		}
	}
}

func canon(v ddb.AttributeValue) ddb.AttributeValue {
	if v.Type == ddb.TypeN {
		c, err := number.Canonical(v.S)
		if err != nil {
			panic(err)
		}
		return ddb.N(c)
	}
	return v
}

func TestIndexKeyRoundTrip(t *testing.T) {
	none := ddb.AttributeValue{}
	tests := [][4]ddb.AttributeValue{
		{ddb.S("g"), ddb.N("5"), ddb.S("p"), ddb.S("s")}, // GSI with sort key, table with sort key
		{ddb.S("g"), none, ddb.S("p"), none},             // GSI without sort key, table without
		{ddb.N("1"), none, ddb.S("p"), ddb.B([]byte{1})}, // GSI without sort key, table with
		{ddb.S("p"), ddb.N("2"), none, ddb.S("s")},       // LSI: table pk left out
	}
	for _, tt := range tests {
		key := AppendIndexKey(nil, 9, 3, tt[0], tt[1], tt[2], tt[3])
		a, b, c, d, err := DecodeIndexKey(key, tt[0].Type, tt[1].Type, tt[2].Type, tt[3].Type)
		if err != nil || !ddb.Equal(a, tt[0]) || !ddb.Equal(b, tt[1]) || !ddb.Equal(c, tt[2]) || !ddb.Equal(d, tt[3]) {
			t.Errorf("DecodeIndexKey(%x) = %v %v %v %v %v", key, a, b, c, d, err)
		}
		// The index key part is a prefix: it lies in its partition's bounds.
		lo, hi := PartitionBounds(9, 3, tt[0])
		if bytes.Compare(key, lo) < 0 || bytes.Compare(key, hi) >= 0 {
			t.Errorf("index key %x outside partition [%x, %x)", key, lo, hi)
		}
	}
	// Entries with equal index keys are ordered by table key.
	k1 := AppendIndexKey(nil, 9, 3, ddb.S("g"), ddb.N("5"), ddb.S("p1"), none)
	k2 := AppendIndexKey(nil, 9, 3, ddb.S("g"), ddb.N("5"), ddb.S("p2"), none)
	k3 := AppendIndexKey(nil, 9, 3, ddb.S("g"), ddb.N("6"), ddb.S("p0"), none)
	if bytes.Compare(k1, k2) >= 0 || bytes.Compare(k2, k3) >= 0 {
		t.Error("index entries out of order")
	}
}

func TestBounds(t *testing.T) {
	const tid, iid = 5, 2
	inRange := func(k, lo, hi []byte) bool {
		return bytes.Compare(k, lo) >= 0 && (hi == nil || bytes.Compare(k, hi) < 0)
	}
	key := AppendItemKey(nil, tid, iid, ddb.S("p"), ddb.N("10"))
	other := [][]byte{
		AppendItemKey(nil, tid, iid+1, ddb.S("p"), ddb.N("10")),
		AppendItemKey(nil, tid+1, 0, ddb.S("p"), ddb.N("10")),
		AppendItemKey(nil, tid-1, iid, ddb.S("p"), ddb.N("10")),
		AppendCatalogKey(nil, "table"),
		AppendMetaKey(nil, "next-table-id"),
	}
	lo, hi := IndexBounds(tid, iid)
	if !inRange(key, lo, hi) {
		t.Error("key not in IndexBounds")
	}
	tlo, thi := TableBounds(tid)
	if !inRange(key, tlo, thi) || !inRange(AppendItemKey(nil, tid, 0, ddb.S("x"), ddb.AttributeValue{}), tlo, thi) {
		t.Error("key not in TableBounds")
	}
	for _, o := range other {
		if inRange(o, lo, hi) {
			t.Errorf("%x in IndexBounds of another index", o)
		}
	}
	for _, o := range other[1:] {
		if inRange(o, tlo, thi) {
			t.Errorf("%x in TableBounds of another table", o)
		}
	}
	clo, chi := CatalogBounds()
	if !inRange(AppendCatalogKey(nil, "zzz"), clo, chi) || inRange(key, clo, chi) {
		t.Error("CatalogBounds wrong")
	}
	if name, err := DecodeCatalogKey(AppendCatalogKey(nil, "my-table")); err != nil || name != "my-table" {
		t.Errorf("DecodeCatalogKey = %q, %v", name, err)
	}
	if _, err := DecodeCatalogKey(key); err == nil {
		t.Error("DecodeCatalogKey accepted an item key")
	}
	// Hash ranges: the whole space is the index; a key is in the segment
	// of its hash only.
	if l, h := HashRangeBounds(tid, iid, 0, HashSpace); bytes.Compare(l, lo) < 0 || !bytes.Equal(l, append(slices.Clone(lo), 0, 0, 0, 0)) || !bytes.Equal(h, hi) {
		t.Errorf("HashRangeBounds(0, 2^32) = [%x, %x), IndexBounds [%x, %x)", l, h, lo, hi)
	}
	hash := uint64(HashPK(ddb.S("p")))
	for _, total := range []int{1, 3, 1000, 1000000} {
		found := 0
		for _, s := range []int{0, int(hash * uint64(total) / HashSpace), total - 1} {
			l, h := SegmentHashRange(s, total)
			kl, kh := HashRangeBounds(tid, iid, l, h)
			if inRange(key, kl, kh) != (hash >= l && hash < h) {
				t.Errorf("segment %d/%d [%d, %d): key with hash %d misplaced", s, total, l, h, hash)
			}
			if hash >= l && hash < h {
				found++
			}
		}
		if found == 0 {
			t.Errorf("no segment of %d holds hash %d", total, hash)
		}
	}
	if l, h := HashRangeBounds(tid, iid, 10, 5); !bytes.Equal(l, h) {
		t.Error("inverted hash range not empty")
	}
	if got := PrefixEnd([]byte{1, 0xff, 0xff}); !bytes.Equal(got, []byte{2}) {
		t.Errorf("PrefixEnd = %x", got)
	}
	if PrefixEnd([]byte{0xff}) != nil || PrefixEnd(nil) != nil {
		t.Error("PrefixEnd of all-0xFF not nil")
	}
	if s := Successor([]byte{1, 2}); !bytes.Equal(s, []byte{1, 2, 0}) {
		t.Errorf("Successor = %x", s)
	}
}

// TestSortKeyBounds checks every condition against every sort key of a
// partition: a key lies in the bounds exactly when its sort key satisfies
// the condition, for base-table keys and index keys alike.
func TestSortKeyBounds(t *testing.T) {
	pk := ddb.S("p")
	sNums := []string{"-100", "-1.5", "-1", "0", "0.5", "1", "1.5", "2", "10", "100"}
	strs := []string{"", "\x00", "a", "a\x00", "a\x00b", "ab", "abc", "ab\xff", "b", "\xff"}
	type set struct {
		t    ddb.Type
		vals []ddb.AttributeValue
		cmp  func(a, b ddb.AttributeValue) int
	}
	var nvals, svals, bvals []ddb.AttributeValue
	for _, n := range sNums {
		nvals = append(nvals, ddb.N(n))
	}
	for _, s := range strs {
		svals = append(svals, ddb.S(s))
		bvals = append(bvals, ddb.B([]byte(s)))
	}
	sets := []set{
		{ddb.TypeN, nvals, func(a, b ddb.AttributeValue) int { return number.Compare(a.S, b.S) }},
		{ddb.TypeS, svals, func(a, b ddb.AttributeValue) int { return strings.Compare(a.S, b.S) }},
		{ddb.TypeB, bvals, func(a, b ddb.AttributeValue) int { return bytes.Compare(a.B, b.B) }},
	}
	holds := func(cmp func(a, b ddb.AttributeValue) int, op SortOp, sk, a, b ddb.AttributeValue) bool {
		switch op {
		case SortEQ:
			return cmp(sk, a) == 0
		case SortLT:
			return cmp(sk, a) < 0
		case SortLE:
			return cmp(sk, a) <= 0
		case SortGT:
			return cmp(sk, a) > 0
		case SortGE:
			return cmp(sk, a) >= 0
		case SortBetween:
			return cmp(sk, a) >= 0 && cmp(sk, b) <= 0
		case SortBeginsWith:
			if sk.Type == ddb.TypeS {
				return strings.HasPrefix(sk.S, a.S)
			}
			return bytes.HasPrefix(sk.B, a.B)
		}
		return true
	}
	for _, st := range sets {
		for op := SortEQ; op <= SortAny; op++ {
			if op == SortBeginsWith && st.t == ddb.TypeN {
				continue
			}
			for _, a := range st.vals {
				for _, b := range st.vals {
					if op != SortBetween && b.Type != a.Type {
						continue
					}
					lo, hi := SortKeyBounds(1, 0, pk, op, a, b)
					for _, sk := range st.vals {
						want := holds(st.cmp, op, sk, a, b)
						for _, key := range [][]byte{
							AppendItemKey(nil, 1, 0, pk, sk),
							AppendIndexKey(nil, 1, 0, pk, sk, ddb.S("t"), ddb.N("7")),
						} {
							in := bytes.Compare(key, lo) >= 0 && bytes.Compare(key, hi) < 0
							if in != want {
								t.Fatalf("%s op %d a=%q b=%q sk=%q: in bounds %v, condition %v", st.t, op, a.S+string(a.B), b.S+string(b.B), sk.S+string(sk.B), in, want)
							}
						}
					}
					// Keys of neighbouring partitions stay out.
					for _, opk := range []ddb.AttributeValue{ddb.S("o"), ddb.S("p\x00"), ddb.S("q")} {
						key := AppendItemKey(nil, 1, 0, opk, a)
						if bytes.Compare(key, lo) >= 0 && bytes.Compare(key, hi) < 0 {
							t.Fatalf("key of partition %q in bounds of %q", opk.S, pk.S)
						}
					}
				}
			}
		}
	}
}

// TestRandomOrder is a property test: random values of each type sort by
// encoding as they sort by value, and decode to themselves.
func TestRandomOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	for _, typ := range []ddb.Type{ddb.TypeN, ddb.TypeS, ddb.TypeB} {
		vals := make([]ddb.AttributeValue, 3000)
		for i := range vals {
			vals[i] = randomValue(r, typ)
		}
		byValue := slices.Clone(vals)
		slices.SortStableFunc(byValue, compareValues)
		byKey := slices.Clone(vals)
		slices.SortStableFunc(byKey, func(a, b ddb.AttributeValue) int {
			return bytes.Compare(AppendValue(nil, a), AppendValue(nil, b))
		})
		for i := range byValue {
			if compareValues(byValue[i], byKey[i]) != 0 {
				t.Fatalf("%s: position %d: by value %+v, by key %+v", typ, i, byValue[i], byKey[i])
			}
		}
		for _, v := range vals {
			enc := AppendValue(nil, v)
			got, rest, err := DecodeValue(enc, typ)
			if err != nil || len(rest) != 0 || !ddb.Equal(got, v) {
				t.Fatalf("round trip of %+v: %+v, %x, %v", v, got, rest, err)
			}
		}
	}
}

func compareValues(a, b ddb.AttributeValue) int {
	switch a.Type {
	case ddb.TypeN:
		return number.Compare(a.S, b.S)
	case ddb.TypeS:
		return strings.Compare(a.S, b.S)
	}
	return bytes.Compare(a.B, b.B)
}

// randomValue returns a random key value, favouring small alphabets and
// lengths so that prefixes and ties are common.
func randomValue(r *rand.Rand, t ddb.Type) ddb.AttributeValue {
	switch t {
	case ddb.TypeN:
		if r.IntN(30) == 0 {
			return ddb.N("0")
		}
		n := 1 + r.IntN(4)
		if r.IntN(4) == 0 {
			n = 1 + r.IntN(number.MaxDigits)
		}
		d := make([]byte, n)
		for i := range d {
			d[i] = byte('0' + r.IntN(10))
		}
		d[0] = byte('1' + r.IntN(9))
		d[n-1] = byte('1' + r.IntN(9))
		exp := r.IntN(7) - 3
		if r.IntN(4) == 0 {
			exp = number.MinExponent + r.IntN(number.MaxExponent-number.MinExponent+1)
		}
		return ddb.N(string(number.FromDigits(nil, r.IntN(2) == 0, d, exp)))
	}
	alphabet := []byte{0x00, 0x01, 'a', 'b', 0xfe, 0xff}
	b := make([]byte, r.IntN(6))
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	if t == ddb.TypeS {
		return ddb.S(string(b))
	}
	return ddb.B(b)
}

func TestDecodeDoesNotAlias(t *testing.T) {
	enc := AppendB(nil, []byte("abc"))
	v, _, err := DecodeValue(enc, ddb.TypeB)
	if err != nil {
		t.Fatal(err)
	}
	enc[0] = 'x'
	if string(v.B) != "abc" {
		t.Error("decoded B aliases its source")
	}
}

func TestErrCorrupt(t *testing.T) {
	_, _, err := DecodeValue([]byte{0x09}, ddb.TypeN)
	if !errors.Is(err, ErrCorrupt) {
		t.Errorf("error %v is not ErrCorrupt", err)
	}
}

func FuzzDecodeValue(f *testing.F) {
	f.Add([]byte{0x03, 0x41, 0x02}, uint8(ddb.TypeN))
	f.Add([]byte("ab\x00\x01"), uint8(ddb.TypeS))
	f.Add([]byte("a\x00\xffb\x00\x01"), uint8(ddb.TypeB))
	f.Add([]byte{0x01, 0xbe, 0xfd}, uint8(ddb.TypeN))
	f.Fuzz(func(t *testing.T, src []byte, typ uint8) {
		ty := []ddb.Type{ddb.TypeS, ddb.TypeN, ddb.TypeB}[int(typ)%3]
		v, rest, err := DecodeValue(src, ty)
		if err != nil {
			return
		}
		if ty == ddb.TypeN && !number.IsCanonical(v.S) {
			t.Fatalf("decoded non-canonical number %q", v.S)
		}
		// Encodings are canonical: re-encoding gives the bytes consumed.
		if enc := AppendValue(nil, v); !bytes.Equal(enc, src[:len(src)-len(rest)]) {
			t.Fatalf("re-encoding %+v gives %x, consumed %x", v, enc, src[:len(src)-len(rest)])
		}
	})
}

func FuzzDecodeKey(f *testing.F) {
	f.Add(AppendItemKey(nil, 1, 0, ddb.S("a"), ddb.N("1")), uint8(0))
	f.Add(AppendIndexKey(nil, 300, 2, ddb.N("-5"), ddb.AttributeValue{}, ddb.B([]byte{0}), ddb.S("x")), uint8(5))
	f.Fuzz(func(t *testing.T, key []byte, types uint8) {
		ts := []ddb.Type{ddb.TypeNone, ddb.TypeS, ddb.TypeN, ddb.TypeB}
		pkT := ts[1+int(types)%3]
		skT := ts[int(types>>2)%4]
		if pk, sk, err := DecodeItemKey(key, pkT, skT); err == nil {
			tid, iid, _, _ := DecodeTablePrefix(key)
			if again := AppendItemKey(nil, tid, iid, pk, sk); !bytes.Equal(again, key) {
				t.Fatalf("re-encoding %x gives %x", key, again)
			}
		}
		_, _, _, _, _ = DecodeIndexKey(key, pkT, skT, ts[int(types>>4)%4], ts[int(types>>6)%4])
	})
}

func FuzzOrderN(f *testing.F) {
	f.Add("1", "2")
	f.Add("-0.5", "-0.05")
	f.Add("1e125", "1e-130")
	f.Add("10", "1e1")
	f.Fuzz(func(t *testing.T, a, b string) {
		ca, err1 := number.Canonical(a)
		cb, err2 := number.Canonical(b)
		if err1 != nil || err2 != nil {
			return
		}
		ea, eb := AppendN(nil, a), AppendN(nil, b)
		if got, want := bytes.Compare(ea, eb), number.Compare(ca, cb); got != want {
			t.Fatalf("order of %s, %s: keys %d, values %d", ca, cb, got, want)
		}
		v, rest, err := DecodeValue(ea, ddb.TypeN)
		if err != nil || len(rest) != 0 || v.S != ca {
			t.Fatalf("round trip of %s: %q, %x, %v", ca, v.S, rest, err)
		}
	})
}

func FuzzOrderBytes(f *testing.F) {
	f.Add([]byte("a"), []byte("a\x00"))
	f.Add([]byte{0xff}, []byte{0, 0xff})
	f.Fuzz(func(t *testing.T, a, b []byte) {
		ea, eb := AppendB(nil, a), AppendB(nil, b)
		if got, want := bytes.Compare(ea, eb), bytes.Compare(a, b); got != want {
			t.Fatalf("order of %x, %x: keys %d, values %d", a, b, got, want)
		}
		if es := AppendS(nil, string(a)); !bytes.Equal(es, ea) {
			t.Fatalf("AppendS and AppendB differ for %x", a)
		}
		// Self-delimiting: the concatenation decodes back to a, b.
		both := append(slices.Clone(ea), eb...)
		va, rest, err := DecodeValue(both, ddb.TypeB)
		if err != nil || !bytes.Equal(va.B, a) {
			t.Fatalf("decode first of %x: %x, %v", both, va.B, err)
		}
		vb, rest, err := DecodeValue(rest, ddb.TypeS)
		if err != nil || vb.S != string(b) || len(rest) != 0 {
			t.Fatalf("decode second of %x: %q, %v", both, vb.S, err)
		}
	})
}

func BenchmarkAppendN(b *testing.B) {
	for _, n := range []string{"12345", "-123.456", "1.2345678901234567890123456789012345678"} {
		b.Run(n, func(b *testing.B) {
			buf := make([]byte, 0, 64)
			b.ReportAllocs()
			for b.Loop() {
				buf = AppendN(buf[:0], n)
			}
		})
	}
}

func BenchmarkAppendItemKey(b *testing.B) {
	pk, sk := ddb.S("customer#000123"), ddb.S("order#2024-01-01T00:00:00Z")
	npk, nsk := ddb.N("123456789"), ddb.N("1700000000.5")
	buf := make([]byte, 0, 128)
	b.Run("S,S", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf = AppendItemKey(buf[:0], 42, 0, pk, sk)
		}
	})
	b.Run("N,N", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			buf = AppendItemKey(buf[:0], 42, 0, npk, nsk)
		}
	})
}

func BenchmarkDecodeItemKey(b *testing.B) {
	key := AppendItemKey(nil, 42, 0, ddb.S("customer#000123"), ddb.N("1700000000.5"))
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = DecodeItemKey(key, ddb.TypeS, ddb.TypeN)
	}
}

func TestNoAllocations(t *testing.T) {
	pk, sk := ddb.S("customer#000123"), ddb.N("1700000000.5")
	buf := make([]byte, 0, 128)
	if n := testing.AllocsPerRun(100, func() { buf = AppendItemKey(buf[:0], 42, 1, pk, sk) }); n != 0 {
		t.Errorf("AppendItemKey allocates %v times", n)
	}
	if n := testing.AllocsPerRun(100, func() { _ = HashPK(pk) }); n != 0 {
		t.Errorf("HashPK allocates %v times", n)
	}
}
