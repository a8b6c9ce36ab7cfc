package number

import (
	"errors"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"
	"github.com/dynago/dynago/ddb"
)

var (
	max38   = "9.9999999999999999999999999999999999999E+125"
	maxText = "99999999999999999999999999999999999999" + strings.Repeat("0", 88)
	minText = "0." + strings.Repeat("0", 129) + "1"
)

func TestCanonical(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		// Answers recorded from DynamoDB Local.
		{"149.00", "149"},
		{"1e3", "1000"},
		{"1E+40", "1" + strings.Repeat("0", 40)},
		{"1e-130", minText},
		{"-1e-130", "-" + minText},
		{"-1.5e-5", "-0.000015"},
		{"0.1000", "0.1"},
		{"-0", "0"},
		{"0", "0"},
		{"00", "0"},
		{"0.0", "0"},
		{"-0.0e5", "0"},
		{"0e999999", "0"},
		{"0e-500", "0"},
		{"0e99999999999999999999", "0"},
		{"+1", "1"},
		{"1.", "1"},
		{".5", "0.5"},
		{"+.5", "0.5"},
		{"-.5e1", "-5"},
		{"1.5E2", "150"},
		{"1e+5", "100000"},
		{"1E5", "100000"},
		{"1e-0", "1"},
		{"1e+0125", "1" + strings.Repeat("0", 125)},
		{"1e0000000000000000000000000000000000001", "10"},
		{max38, maxText},
		{"99999999999999999999999999999999999999e88", maxText},
		{"1234567890123456789012345678901234567800000", "1234567890123456789012345678901234567800000"},
		{"0.00000000000000000000000000000000000000000000001", "0.00000000000000000000000000000000000000000000001"},
		{"00000000000000000000000000000000000000000000000001", "1"},
		{"1.00000000000000000000000000000000000000000000000", "1"},
		{"12345678901234567890123456789012345678e-167", "0." + strings.Repeat("0", 129) + "12345678901234567890123456789012345678"},
		// Other forms.
		{"123", "123"},
		{"-123", "-123"},
		{"-123.45", "-123.45"},
		{"0.5", "0.5"},
		{"10.010", "10.01"},
		{"100.5e-2", "1.005"},
		{"0.001e3", "1"},
		{"12.34e1", "123.4"},
		{"12.34e-1", "1.234"},
		{"-00012.3400e+2", "-1234"},
		{"5.e-1", "0.5"},
		{"1234.5678e-10", "0.00000012345678"},
		{"12345678901234567890123456789012345678", "12345678901234567890123456789012345678"},
		{"-1.2345678901234567890123456789012345678", "-1.2345678901234567890123456789012345678"},
	}
	for _, tt := range tests {
		got, err := Canonical(tt.in)
		if err != nil {
			t.Errorf("Canonical(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("Canonical(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if !IsCanonical(got) {
			t.Errorf("IsCanonical(%q) = false", got)
		}
	}
}

func TestCanonicalErrors(t *testing.T) {
	nan := func(s string) string { return MsgNotANumber + ": " + s }
	tests := []struct {
		in, msg string
	}{
		// Messages recorded from real DynamoDB in dynalite's tests.
		{"", MsgNotANumber},
		{"b", nan("b")},
		{"123456789012345678901234567890123456789", MsgPrecision},
		{"-1.23456789012345678901234567890123456789", MsgPrecision},
		{"1e126", MsgOverflow},
		{"-1e126", MsgOverflow},
		{"1e-131", MsgUnderflow},
		{"-1e-131", MsgUnderflow},
		// Forms DynamoDB Local refuses.
		{" 1", nan(" 1")},
		{"1 ", nan("1 ")},
		{"abc", nan("abc")},
		{"1e", nan("1e")},
		{"1E", nan("1E")},
		{"e5", nan("e5")},
		{"0x10", nan("0x10")},
		{"Infinity", nan("Infinity")},
		{"NaN", nan("NaN")},
		{"-", nan("-")},
		{"+", nan("+")},
		{".", nan(".")},
		{"-.", nan("-.")},
		{"--1", nan("--1")},
		{"+-1", nan("+-1")},
		{"1_000", nan("1_000")},
		{"1e+-1", nan("1e+-1")},
		{"1.2.3", nan("1.2.3")},
		{"1,5", nan("1,5")},
		{"١", nan("١")}, // Java's BigDecimal takes non-ASCII digits; DynamoDB's grammar does not
		{"1e5.5", nan("1e5.5")},
		{"1e-", nan("1e-")},
		{".e1", nan(".e1")},
		// Range: the leading digit's exponent must lie in [-130, 125].
		{"1.0e126", MsgOverflow},
		{"0.1e127", MsgOverflow},
		{"99999999999999999999999999999999999999e89", MsgOverflow},
		{"12345678901234567890123456789012345678e-168", MsgUnderflow},
		{"5e-131", MsgUnderflow},
		{"1e2147483647", MsgOverflow},
		{"1e2147483648", MsgOverflow},
		{"10e2147483647", MsgOverflow},
		{"1e99999999999999999999999999", MsgOverflow},
		{"1e-2147483648", MsgUnderflow},
		{"1e-99999999999999999999999999", MsgUnderflow},
		// Overflow and underflow are reported before precision.
		{"1234567890123456789012345678901234567891e100", MsgOverflow},
		{"1234567890123456789012345678901234567891e-200", MsgUnderflow},
		{"1234567890123456789012345678901234567891e-50", MsgPrecision},
	}
	for _, tt := range tests {
		got, err := Canonical(tt.in)
		if err == nil {
			t.Errorf("Canonical(%q) = %q, want error %q", tt.in, got, tt.msg)
			continue
		}
		var de *ddb.Error
		if !errors.As(err, &de) || de.Type != ddb.ErrValidation || de.Message != tt.msg {
			t.Errorf("Canonical(%q) error = %v, want ValidationException %q", tt.in, err, tt.msg)
		}
	}
}

func TestCanonicalNoAllocForCanonical(t *testing.T) {
	for _, s := range []string{"0", "123", "-45.67", "0.001"} {
		if n := testing.AllocsPerRun(100, func() { _, _ = Canonical(s) }); n != 0 {
			t.Errorf("Canonical(%q) allocates %v times", s, n)
		}
	}
}

func TestIsCanonical(t *testing.T) {
	yes := []string{"0", "1", "-1", "10", "0.5", "-0.05", "123.456", maxText, minText, "-" + minText}
	no := []string{"", "-0", "00", "01", "1.0", "1.", ".5", "+1", "1e3", "0.50", "-", "1" + strings.Repeat("0", 126),
		"123456789012345678901234567890123456789", "0.0", "abc"}
	for _, s := range yes {
		if !IsCanonical(s) {
			t.Errorf("IsCanonical(%q) = false", s)
		}
	}
	for _, s := range no {
		if IsCanonical(s) {
			t.Errorf("IsCanonical(%q) = true", s)
		}
	}
}

func TestDigitsAndFromDigits(t *testing.T) {
	tests := []struct {
		in     string
		digits string
		neg    bool
		exp    int
	}{
		{"0", "", false, 0},
		{"-0.0", "", false, 0},
		{"1", "1", false, 0},
		{"-123.45", "12345", true, 2},
		{"0.00123", "123", false, -3},
		{"1000", "1", false, 3},
		{"1.5e10", "15", false, 10},
		{"10.01", "1001", false, 1},
	}
	for _, tt := range tests {
		d, neg, exp, err := Digits(nil, tt.in)
		if err != nil || string(d) != tt.digits || neg != tt.neg || exp != tt.exp {
			t.Errorf("Digits(%q) = %q, %v, %d, %v; want %q, %v, %d", tt.in, d, neg, exp, err, tt.digits, tt.neg, tt.exp)
		}
		want, _ := Canonical(tt.in)
		if got := string(FromDigits(nil, neg, d, exp)); got != want {
			t.Errorf("FromDigits(Digits(%q)) = %q, want %q", tt.in, got, want)
		}
	}
	if got := string(FromDigits(nil, true, []byte("00120"), 3)); got != "-12" {
		t.Errorf("FromDigits with zeros = %q, want -12", got)
	}
	if got := string(FromDigits(nil, true, []byte("000"), 3)); got != "0" {
		t.Errorf("FromDigits of zeros = %q, want 0", got)
	}
}

func TestAddSub(t *testing.T) {
	tests := []struct {
		a, b string
		sub  bool
		want string // or error message
	}{
		{"1", "2", false, "3"},
		{"1", "2", true, "-1"},
		{"-5", "5", false, "0"},
		{"0.1", "0.2", false, "0.3"},
		{"1.5", "1.5", true, "0"},
		{"99999999999999999", "1", false, "100000000000000000"},
		{"-99999999999999999", "99999999999999999", true, "-199999999999999998"},
		{"123456789012345678", "1", false, "123456789012345679"},
		// Answers recorded from DynamoDB Local (where it agrees with DynamoDB).
		{"99999999999999999999999999999999999999", "1", false, "100000000000000000000000000000000000000"},
		{"99999999999999999999999999999999999999", "-1", true, "100000000000000000000000000000000000000"},
		{"1e-130", "-1e-130", false, "0"},
		{"1e-130", "1e-130", false, "0." + strings.Repeat("0", 129) + "2"},
		{"2e-130", "-1e-130", false, minText},
		{"9e125", "9e125", false, MsgOverflow},
		{"-9e125", "-9e125", false, MsgOverflow},
		{"1.5e-130", "-1.4e-130", false, MsgUnderflow},
		{"1.5e-130", "1.4e-130", true, MsgUnderflow},
		{"12345678901234567890123456789012345678", "0.5", false, MsgPrecision},
		{"1e37", "1e-10", false, MsgPrecision},
		{"1", "1e-50", false, MsgPrecision},
		{"1e125", "-1e-130", false, MsgPrecision},
		// Real DynamoDB answers overflow here although the exact sum also has
		// 39 digits: range is checked before precision.
		{max38, "1E+125", false, MsgOverflow},
		{max38, max38, false, MsgOverflow},
		// Operands in any valid form.
		{"1e3", "+1", false, "1001"},
		{"007", ".5", true, "6.5"},
		// Invalid operands.
		{"x", "1", false, MsgNotANumber + ": x"},
		{"1", "1e126", false, MsgOverflow},
	}
	for _, tt := range tests {
		f, op := Add, "+"
		if tt.sub {
			f, op = Sub, "-"
		}
		got, err := f(tt.a, tt.b)
		if err != nil {
			got = err.(*ddb.Error).Message
		}
		if got != tt.want {
			t.Errorf("%s %s %s = %q, want %q", tt.a, op, tt.b, got, tt.want)
		}
	}
}

func TestCompare(t *testing.T) {
	ordered := []string{"-" + maxText, "-1000", "-999", "-10.5", "-10.05", "-10", "-1", "-0.5", "-0.0500001", "-0.05",
		"-" + minText, "0", minText, "0.05", "0.0500001", "0.5", "0.55", "0.6", "1", "1.1", "9", "10", "10.01", "99", "100", maxText}
	for i, a := range ordered {
		for j, b := range ordered {
			want := 0
			if i < j {
				want = -1
			} else if i > j {
				want = 1
			}
			if got := Compare(a, b); got != want {
				t.Errorf("Compare(%s, %s) = %d, want %d", a, b, got, want)
			}
		}
	}
}

func TestCompareAgreesWithApdRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	vals := make([]string, 0, 400)
	for range 400 {
		vals = append(vals, randomCanonical(r))
	}
	for _, a := range vals {
		for _, b := range vals[:50] {
			checkCompare(t, a, b)
		}
	}
}

func checkCompare(t *testing.T, a, b string) {
	t.Helper()
	x, _, err1 := apd.NewFromString(a)
	y, _, err2 := apd.NewFromString(b)
	if err1 != nil || err2 != nil {
		t.Fatalf("apd cannot parse %q or %q", a, b)
	}
	if got, want := Compare(a, b), x.Cmp(y); got != want {
		t.Errorf("Compare(%s, %s) = %d, apd says %d", a, b, got, want)
	}
}

// randomCanonical returns a random valid canonical number, favouring short
// digit strings and nearby exponents so that ties and near-ties occur.
func randomCanonical(r *rand.Rand) string {
	if r.IntN(20) == 0 {
		return "0"
	}
	n := 1 + r.IntN(5)
	if r.IntN(4) == 0 {
		n = 1 + r.IntN(MaxDigits)
	}
	d := make([]byte, n)
	for i := range d {
		d[i] = byte('0' + r.IntN(10))
	}
	d[0] = byte('1' + r.IntN(9))
	d[n-1] = byte('1' + r.IntN(9))
	exp := r.IntN(8) - 4
	if r.IntN(4) == 0 {
		exp = MinExponent + r.IntN(MaxExponent-MinExponent+1)
	}
	return string(FromDigits(nil, r.IntN(2) == 0, d, exp))
}

// TestAddAgreesWithApdRandom checks the digit-by-digit addition against
// apd's exact arithmetic (apd is the oracle only: Dynago does not link it).
func TestAddAgreesWithApdRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	near := func(r *rand.Rand) string { // values close in magnitude, to exercise carries and cancellation
		d := []byte(strings.Repeat("9", 1+r.IntN(MaxDigits)))
		if r.IntN(2) == 0 {
			d[r.IntN(len(d))] = byte('0' + r.IntN(10))
		}
		d[0] = byte('1' + r.IntN(9)) // a valid number: the leading digit is not 0
		exp := MaxExponent - r.IntN(3)
		if r.IntN(2) == 0 {
			exp = MinExponent + r.IntN(3)
		}
		return string(FromDigits(nil, r.IntN(2) == 0, d, exp))
	}
	for i := range 20000 {
		a, b := randomCanonical(r), randomCanonical(r)
		if i%4 == 0 {
			a, b = near(r), near(r)
		}
		for _, sub := range []bool{false, true} {
			x, _, _ := apd.NewFromString(a)
			y, _, _ := apd.NewFromString(b)
			var z apd.Decimal
			if sub {
				apd.BaseContext.Sub(&z, x, y)
			} else {
				apd.BaseContext.Add(&z, x, y)
			}
			f := Add
			if sub {
				f = Sub
			}
			got, err := f(a, b)
			want, werr := Canonical(z.Text('f'))
			if (err == nil) != (werr == nil) || got != want || (err != nil && err.(*ddb.Error).Message != werr.(*ddb.Error).Message) {
				t.Fatalf("op(%s, %s, sub=%v) = %q, %v; want %q, %v", a, b, sub, got, err, want, werr)
			}
		}
	}
}

func TestSmallIntFastPath(t *testing.T) {
	for _, v := range []int64{0, 1, -1, 42, -99999999999999999, 99999999999999999} {
		s := strconv.FormatInt(v, 10)
		if got := formatInt(v); got != s {
			t.Errorf("formatInt(%d) = %q", v, got)
		}
		if got, ok := smallInt(s); !ok || got != v {
			t.Errorf("smallInt(%q) = %d, %v", s, got, ok)
		}
	}
	for _, s := range []string{"", "-", "-0", "01", "1.5", "123456789012345678", "1e3"} {
		if _, ok := smallInt(s); ok {
			t.Errorf("smallInt(%q) accepted", s)
		}
	}
}

func FuzzCanonical(f *testing.F) {
	for _, s := range []string{"0", "149.00", "1e3", "-1.5e-5", ".5", "1.", "+1", "1e126", "1e-131", max38,
		"123456789012345678901234567890123456789", "abc", "", "-0", "0e99999999999", "1e-130", "00.00100e+2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Canonical(s)
		if err != nil {
			if _, ok := err.(*ddb.Error); !ok {
				t.Fatalf("Canonical(%q) error %T", s, err)
			}
			return
		}
		if !IsCanonical(c) {
			t.Fatalf("Canonical(%q) = %q, not canonical", s, c)
		}
		if c2, err := Canonical(c); err != nil || c2 != c {
			t.Fatalf("Canonical(%q) = %q, not a fixed point (%q, %v)", s, c, c2, err)
		}
		// The value is the same as apd reads it, when apd can read it
		// (apd does not take "1." or ".5" forms identically, so compare values).
		if ref, _, err := apd.NewFromString(s); err == nil {
			x, _, _ := apd.NewFromString(c)
			if x.Cmp(ref) != 0 {
				t.Fatalf("Canonical(%q) = %q, apd reads %s", s, c, ref)
			}
		}
		// Adding zero goes through the general (non-small-integer) path.
		d, neg, exp, err := Digits(nil, c)
		if err != nil {
			t.Fatal(err)
		}
		if back, err := addDigits(d, neg, exp, nil, false, 0); err != nil || back != c {
			t.Fatalf("addDigits(%q, 0) = %q, %v", c, back, err)
		}
	})
}

func FuzzCompare(f *testing.F) {
	f.Add("1", "2")
	f.Add("-0.5", "0.05")
	f.Add("10.01", "10.1")
	f.Add("1e125", "-1e-130")
	f.Fuzz(func(t *testing.T, a, b string) {
		ca, err1 := Canonical(a)
		cb, err2 := Canonical(b)
		if err1 != nil || err2 != nil {
			return
		}
		checkCompare(t, ca, cb)
		if Compare(ca, cb) != -Compare(cb, ca) {
			t.Fatalf("Compare not antisymmetric for %s, %s", ca, cb)
		}
		// Add and Sub never panic, give canonical text or a ddb.Error, and
		// agree with apd's exact arithmetic.
		for i, op := range []func(string, string) (string, error){Add, Sub} {
			s, err := op(ca, cb)
			if err == nil && !IsCanonical(s) {
				t.Fatalf("result %q not canonical", s)
			}
			x, _, _ := apd.NewFromString(ca)
			y, _, _ := apd.NewFromString(cb)
			var z apd.Decimal
			if i == 0 {
				apd.BaseContext.Add(&z, x, y)
			} else {
				apd.BaseContext.Sub(&z, x, y)
			}
			want, werr := Canonical(z.Text('f'))
			if (err == nil) != (werr == nil) || s != want || (err != nil && err.(*ddb.Error).Message != werr.(*ddb.Error).Message) {
				t.Fatalf("op %d (%s, %s) = %q, %v; apd: %q, %v", i, ca, cb, s, err, want, werr)
			}
		}
	})
}

func BenchmarkCanonical(b *testing.B) {
	for _, s := range []string{"12345", "149.00", "-1.5e-5", max38} {
		b.Run(s, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = Canonical(s)
			}
		})
	}
}

func BenchmarkCompare(b *testing.B) {
	pairs := [][2]string{{"12345", "12346"}, {"-3.25", "-3.5"}, {maxText, minText}}
	for _, p := range pairs {
		b.Run(p[0][:min(len(p[0]), 8)], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = Compare(p[0], p[1])
			}
		})
	}
}

func BenchmarkAdd(b *testing.B) {
	b.Run("small", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = Add("12345", "1")
		}
	})
	b.Run("decimal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = Add("12345.678", "0.001")
		}
	})
}

func TestSmallCanonicalInt(t *testing.T) {
	for _, s := range []string{"0", "1", "-1", "10", "12345678901234567", "-12345678901234567", "", "-", "-0", "00", "01",
		"123456789012345678", "1.5", "1e3", "+1", "1a", " 1", "0.0"} {
		sc, ok := read(s)
		want := ok && sc.canonical && sc.check() == nil && !strings.ContainsAny(s, ".") && len(strings.TrimPrefix(s, "-")) <= 17
		if got := smallCanonicalInt(s); got != want {
			t.Errorf("smallCanonicalInt(%q) = %v, want %v", s, got, want)
		}
	}
}
