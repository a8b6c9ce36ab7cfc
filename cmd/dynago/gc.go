package main

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Garbage collection under load.
//
// The server's live Go heap is small (1-3 MB: Pebble keeps its memtables and
// block cache outside it), so with GOGC=100 the collector runs at Go's 4 MB
// minimum goal: under a Query load 140 collections a second, and 20-30% of
// the server's CPU per request went to them and to the preemptions they
// cause. A ballast, a slice that is allocated and never written, is part of
// the marked heap, so the goal becomes about twice its size and the heap
// grows by that much garbage between collections (12 collections a second
// instead of 140 under the same load). Its own pages are never touched, so
// it costs no resident memory; the garbage between collections does (VmRSS
// about 18 MB higher under load).
//
// An idle server should stay small, so the ballast is there only while the
// server allocates: gcTuner samples the allocation rate once a second,
// allocates the ballast when the rate would make the collector run more than
// a few times a second, and drops it, returning the freed memory to the OS,
// after a quiet spell. Start-up, which allocates a burst while Pebble
// replays its log, is over before the first sample. Setting GOGC turns this
// off.

const (
	gcBallastSize = 16 << 20
	// gcBusyRate is the allocation rate (bytes a second) from which the
	// ballast is kept: two collections a second at the 4 MB minimum goal.
	gcBusyRate = 8 << 20
	// gcQuietRate and gcQuietFor: below this rate for this many
	// consecutive samples, the ballast is dropped.
	gcQuietRate = 1 << 20
	gcQuietFor  = 30
)

// gcTuner holds the ballast and the state of its decisions. The sampling
// and the memory operations are fields so that tests can drive it.
type gcTuner struct {
	allocated func() uint64 // bytes allocated since the process started
	freeOS    func()        // collect and return free memory to the OS

	ballast []byte
	last    uint64 // allocated at the previous sample
	quiet   int    // consecutive quiet samples
}

func newGCTuner() *gcTuner {
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	return &gcTuner{
		allocated: func() uint64 {
			metrics.Read(sample)
			if sample[0].Value.Kind() != metrics.KindUint64 {
				return 0
			}
			return sample[0].Value.Uint64()
		},
		freeOS: debug.FreeOSMemory,
	}
}

// step takes one sample, one interval after the previous one.
func (t *gcTuner) step() {
	now := t.allocated()
	rate := now - t.last
	if now < t.last {
		rate = 0
	}
	t.last = now
	switch {
	case rate >= gcBusyRate:
		t.quiet = 0
		if t.ballast == nil {
			t.ballast = make([]byte, gcBallastSize)
		}
	case rate < gcQuietRate:
		t.quiet++
		if t.ballast != nil && t.quiet >= gcQuietFor {
			t.ballast = nil
			t.freeOS()
		}
	default:
		t.quiet = 0
	}
}

// run samples every interval until ctx ends.
func (t *gcTuner) run(ctx context.Context, interval time.Duration) {
	t.last = t.allocated()
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			t.step()
		}
	}
}

// tuneGC starts the tuner unless GOGC is set.
func tuneGC(ctx context.Context) {
	if os.Getenv("GOGC") != "" {
		return
	}
	go newGCTuner().run(ctx, time.Second)
}
