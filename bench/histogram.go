package bench

import (
	"math"
	"math/bits"
)

// histogram is a log-linear latency histogram in the style of HdrHistogram:
// values below 2*subBuckets are counted exactly; above that, every power-of-two
// range is split into subBuckets equal buckets, so a reported quantile is
// within 1/subBuckets (0.8%) of the true value. Memory is fixed
// (histBuckets counters) whatever the number of samples. Values are
// nanoseconds; anything at or above 2^histMaxBits (about 18 minutes) lands in
// the last bucket. The exact minimum, maximum and sum are kept alongside.
type histogram struct {
	counts [histBuckets]uint64
	n      uint64
	sum    float64
	min    int64
	max    int64
}

const (
	histSubBits    = 7
	histSubBuckets = 1 << histSubBits // buckets per power of two
	histMaxBits    = 40
	histBuckets    = 2*histSubBuckets + (histMaxBits-histSubBits-1)*histSubBuckets
)

// histBucket returns the bucket index of v (v < 0 counts as 0).
func histBucket(v int64) int {
	if v < 2*histSubBuckets {
		if v < 0 {
			return 0
		}
		return int(v)
	}
	shift := bits.Len64(uint64(v)) - (histSubBits + 1) // v>>shift is in [subBuckets, 2*subBuckets)
	idx := 2*histSubBuckets + (shift-1)*histSubBuckets + int(v>>shift) - histSubBuckets
	if idx >= histBuckets {
		return histBuckets - 1
	}
	return idx
}

// histBucketHigh returns the largest value that maps to bucket idx.
func histBucketHigh(idx int) int64 {
	if idx < 2*histSubBuckets {
		return int64(idx)
	}
	rel := idx - 2*histSubBuckets
	shift := rel/histSubBuckets + 1
	mant := int64(rel%histSubBuckets + histSubBuckets)
	if idx == histBuckets-1 {
		return math.MaxInt64
	}
	return (mant+1)<<shift - 1
}

func (h *histogram) record(v int64) {
	if v < 0 {
		v = 0
	}
	if h.n == 0 || v < h.min {
		h.min = v
	}
	if v > h.max {
		h.max = v
	}
	h.n++
	h.sum += float64(v)
	h.counts[histBucket(v)]++
}

func (h *histogram) merge(o *histogram) {
	if o.n == 0 {
		return
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.n += o.n
	h.sum += o.sum
	for i, c := range o.counts {
		h.counts[i] += c
	}
}

// quantile returns the value at quantile q in [0, 1]: the highest value of the
// bucket holding the sample of rank ceil(q*n), clamped to the exact min and max.
// It returns 0 for an empty histogram.
func (h *histogram) quantile(q float64) int64 {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(h.n)))
	if rank < 1 {
		rank = 1
	}
	if rank > h.n {
		rank = h.n
	}
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			v := histBucketHigh(i)
			if v > h.max {
				v = h.max
			}
			if v < h.min {
				v = h.min
			}
			return v
		}
	}
	return h.max
}

func (h *histogram) mean() float64 {
	if h.n == 0 {
		return 0
	}
	return h.sum / float64(h.n)
}
