package pebble

import (
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// pebbleLogger passes Pebble's log messages to slog. Error messages are
// throttled like background errors.
type pebbleLogger struct {
	l      *slog.Logger
	errors *logThrottle
}

func (p pebbleLogger) Infof(format string, args ...any) { p.l.Info(fmt.Sprintf(format, args...)) }

func (p pebbleLogger) Errorf(format string, args ...any) {
	if ok, suppressed := p.errors.allow(); ok {
		p.l.Error(fmt.Sprintf(format, args...), suppressedAttrs(suppressed)...)
	}
}

// Fatalf is called by Pebble on unrecoverable errors (corruption); it must
// not return.
func (p pebbleLogger) Fatalf(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	p.l.Error("fatal: " + msg)
	panic("storage/pebble: " + msg)
}

// errorLogInterval is the least time between two logged background errors
// (and between two of Pebble's error messages). Pebble retries a failed
// flush or compaction at once, without backing off: a server whose data
// directory was removed under it logged 28 million lines, 45 GB, in 47
// minutes before this limit.
const errorLogInterval = 10 * time.Second

// logThrottle lets one message through per interval and counts the ones it
// holds back.
type logThrottle struct {
	every time.Duration
	now   func() time.Time

	mu         sync.Mutex
	last       time.Time // when the last message went through; zero: never
	suppressed int
}

func newLogThrottle(every time.Duration) *logThrottle {
	return &logThrottle{every: every, now: time.Now}
}

// allow reports whether a message may be logged now and, if so, how many
// were held back since the last one that was.
func (t *logThrottle) allow() (ok bool, suppressed int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	if !t.last.IsZero() && now.Sub(t.last) < t.every {
		t.suppressed++
		return false, 0
	}
	t.last = now
	suppressed, t.suppressed = t.suppressed, 0
	return true, suppressed
}

func suppressedAttrs(n int) []any {
	if n == 0 {
		return nil
	}
	return []any{"suppressed", n}
}

// eventListener logs the Pebble events an operator should know about.
// Errors are logged by their message (Pebble's errors print a stack trace
// for every wrapping layer with %+v, which slog would use) and at most one
// per errorLogInterval, with the count of those held back.
func eventListener(log *slog.Logger, errLog *logThrottle) pebble.EventListener {
	return pebble.EventListener{
		BackgroundError: func(err error) {
			if ok, suppressed := errLog.allow(); ok {
				log.Error("background error", append([]any{"err", err.Error()}, suppressedAttrs(suppressed)...)...)
			}
		},
		DataCorruption: func(info pebble.DataCorruptionInfo) {
			log.Error("data corruption", "info", info.String())
		},
		DiskSlow: func(info pebble.DiskSlowInfo) { log.Warn("disk slow", "info", info.String()) },
		LowDiskSpace: func(info pebble.LowDiskSpaceInfo) {
			log.Warn("low disk space", "info", info.String())
		},
		WriteStallBegin: func(info pebble.WriteStallBeginInfo) {
			log.Warn("write stall", "info", info.String())
		},
		WriteStallEnd: func() { log.Info("write stall ended") },
		FlushEnd:      func(info pebble.FlushInfo) { log.Debug("flush", "info", info.String()) },
		CompactionEnd: func(info pebble.CompactionInfo) {
			log.Debug("compaction", "info", info.String())
		},
	}
}
