package bench

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"unsafe"
)

func TestHistogramBuckets(t *testing.T) {
	// Every bucket's range starts right after the previous one's and holds
	// exactly the values that map to it.
	prevHigh := int64(-1)
	for idx := 0; idx < histBuckets-1; idx++ {
		high := histBucketHigh(idx)
		low := prevHigh + 1
		if high < low {
			t.Fatalf("bucket %d: high %d < low %d", idx, high, low)
		}
		for _, v := range []int64{low, (low + high) / 2, high} {
			if got := histBucket(v); got != idx {
				t.Fatalf("histBucket(%d) = %d, want %d", v, got, idx)
			}
		}
		// Relative width stays under 1/128 above the exact range.
		if low >= 2*histSubBuckets && float64(high-low+1)/float64(low) > 1.0/histSubBuckets+1e-12 {
			t.Fatalf("bucket %d [%d,%d] too wide", idx, low, high)
		}
		prevHigh = high
	}
	if got := histBucket(math.MaxInt64); got != histBuckets-1 {
		t.Errorf("huge value in bucket %d, want the last", got)
	}
	if got := histBucket(-5); got != 0 {
		t.Errorf("negative value in bucket %d, want 0", got)
	}
	if size := unsafe.Sizeof(histogram{}); size > 64<<10 {
		t.Errorf("histogram is %d bytes; memory must stay small and fixed", size)
	}
}

func TestHistogramQuantilesMatchExact(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h histogram
	var all []int64
	for i := 0; i < 200000; i++ {
		// Log-normal-ish latencies from ~20µs to seconds, with a tail.
		v := int64(math.Exp(r.NormFloat64()*1.2+math.Log(300e3))) + 20e3
		if i%1000 == 0 {
			v *= 50
		}
		h.record(v)
		all = append(all, v)
	}
	slices.Sort(all)
	for _, q := range []float64{0, 0.001, 0.25, 0.5, 0.9, 0.99, 0.999, 0.9999, 1} {
		rank := int(math.Ceil(q * float64(len(all))))
		rank = max(rank, 1)
		exact := all[rank-1]
		got := h.quantile(q)
		if got < exact || float64(got-exact) > float64(exact)/histSubBuckets+1 {
			t.Errorf("q%.4f = %d, exact %d (must be >= exact, within 1/128)", q, got, exact)
		}
	}
	if h.quantile(1) != all[len(all)-1] || h.min != all[0] || h.max != all[len(all)-1] {
		t.Errorf("min/max: got %d..%d (q1 %d), want %d..%d", h.min, h.max, h.quantile(1), all[0], all[len(all)-1])
	}
	var sum float64
	for _, v := range all {
		sum += float64(v)
	}
	if math.Abs(h.mean()-sum/float64(len(all))) > 1 {
		t.Errorf("mean %f, want %f", h.mean(), sum/float64(len(all)))
	}
}

func TestHistogramSmallExactAndMerge(t *testing.T) {
	var a, b histogram
	if a.quantile(0.5) != 0 {
		t.Error("empty histogram quantile must be 0")
	}
	for v := int64(1); v <= 100; v++ {
		if v%2 == 0 {
			a.record(v)
		} else {
			b.record(v)
		}
	}
	a.merge(&b)
	a.merge(&histogram{})
	if a.n != 100 || a.min != 1 || a.max != 100 {
		t.Fatalf("merged n=%d min=%d max=%d", a.n, a.min, a.max)
	}
	// Values below 256 are exact.
	for q, want := range map[float64]int64{0.01: 1, 0.5: 50, 0.99: 99, 0.999: 100, 1: 100} {
		if got := a.quantile(q); got != want {
			t.Errorf("q%v = %d, want %d", q, got, want)
		}
	}
}

func BenchmarkHistogramRecord(b *testing.B) {
	var h histogram
	v := int64(123456)
	for b.Loop() {
		h.record(v)
		v = (v*1103515245 + 12345) & (1<<30 - 1)
	}
}
