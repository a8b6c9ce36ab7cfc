package main

import (
	"strings"
	"testing"
)

// TestGCTuner drives the tuner with allocation rates, one per sample, and
// checks after each whether the ballast is held and whether memory was
// returned to the OS.
func TestGCTuner(t *testing.T) {
	const MB = 1 << 20
	busy, mid, quiet := uint64(gcBusyRate), uint64(4*MB), uint64(MB/2)
	repeat := func(rate uint64, n int) []uint64 {
		r := make([]uint64, n)
		for i := range r {
			r[i] = rate
		}
		return r
	}
	cat := func(parts ...[]uint64) []uint64 {
		var r []uint64
		for _, p := range parts {
			r = append(r, p...)
		}
		return r
	}
	for _, c := range []struct {
		name  string
		rates []uint64
		// want: per sample, "B" ballast held, "-" none, "F" dropped and
		// memory returned to the OS at this sample.
		want string
	}{
		{"idle server", repeat(quiet, 40), strings.Repeat("-", 40)},
		{"light load", repeat(mid, 5), "-----"},
		{"load", repeat(busy, 3), "BBB"},
		{"load then quiet", cat(repeat(busy, 2), repeat(quiet, gcQuietFor+2)), "BB" + strings.Repeat("B", gcQuietFor-1) + "F--"},
		{"a quiet spell interrupted", cat(repeat(busy, 1), repeat(quiet, gcQuietFor-1), repeat(mid, 1), repeat(quiet, gcQuietFor)),
			"B" + strings.Repeat("B", gcQuietFor-1) + "B" + strings.Repeat("B", gcQuietFor-1) + "F"},
		{"load again after the drop", cat(repeat(busy, 1), repeat(quiet, gcQuietFor), repeat(busy, 1)), "B" + strings.Repeat("B", gcQuietFor-1) + "FB"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var total uint64
			freed := 0
			tu := &gcTuner{allocated: func() uint64 { return total }, freeOS: func() { freed++ }}
			var got strings.Builder
			for _, r := range c.rates {
				total += r
				before := freed
				tu.step()
				switch {
				case freed > before:
					got.WriteByte('F')
				case tu.ballast != nil:
					got.WriteByte('B')
				default:
					got.WriteByte('-')
				}
			}
			if got.String() != c.want {
				t.Fatalf("got  %s\nwant %s", got.String(), c.want)
			}
			if tu.ballast != nil && len(tu.ballast) != gcBallastSize {
				t.Fatalf("ballast of %d bytes", len(tu.ballast))
			}
		})
	}
}

// TestGCTunerReadsAllocations: the runtime metric the tuner samples exists
// and grows as the process allocates.
func TestGCTunerReadsAllocations(t *testing.T) {
	tu := newGCTuner()
	a := tu.allocated()
	sink := make([][]byte, 0, 64)
	for i := 0; i < 64; i++ {
		sink = append(sink, make([]byte, 64<<10))
	}
	if b := tu.allocated(); b < a+4<<20 || len(sink) != 64 {
		t.Fatalf("allocated %d -> %d after 4 MiB of allocations", a, b)
	}
}
