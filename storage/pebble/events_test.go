package pebble

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLogThrottle(t *testing.T) {
	start := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		name string
		at   []time.Duration // offsets from start of successive calls
		want []string        // "ok/suppressed" or "held"
	}{
		{"first goes through", []time.Duration{0}, []string{"ok/0"}},
		{"burst", []time.Duration{0, 1, 2, 3}, []string{"ok/0", "held", "held", "held"}},
		{"after the interval, with the count", []time.Duration{0, time.Second, 2 * time.Second, 10 * time.Second}, []string{"ok/0", "held", "held", "ok/2"}},
		{"interval measured from the last logged", []time.Duration{0, 10 * time.Second, 15 * time.Second, 19 * time.Second, 20 * time.Second}, []string{"ok/0", "ok/0", "held", "held", "ok/2"}},
		{"spaced out", []time.Duration{0, 11 * time.Second, 30 * time.Second}, []string{"ok/0", "ok/0", "ok/0"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			th := newLogThrottle(10 * time.Second)
			var now time.Time
			th.now = func() time.Time { return now }
			for i, d := range c.at {
				now = start.Add(d)
				ok, n := th.allow()
				got := "held"
				if ok {
					got = fmt.Sprintf("ok/%d", n)
				}
				if got != c.want[i] {
					t.Fatalf("call %d at +%v: %s, want %s", i, d, got, c.want[i])
				}
			}
		})
	}
}

// stackError prints like Pebble's errors: its message with %v, and a
// stack trace per layer with %+v.
type stackError struct{}

func (stackError) Error() string { return "creating object 14445222: no such file or directory" }

func (e stackError) Format(f fmt.State, verb rune) {
	io.WriteString(f, e.Error())
	if f.Flag('+') {
		io.WriteString(f, "\n(1) attached stack trace\n  -- stack trace:\n  | github.com/cockroachdb/pebble/v2/...")
	}
}

type recordingHandler struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r)
	return nil
}
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler      { return h }

func attrs(r slog.Record) map[string]string {
	m := map[string]string{}
	r.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.String()
		return true
	})
	return m
}

// TestBackgroundErrorFlood: Pebble retries a failing flush at once, over
// and over; the log gets one line per interval, without stack traces.
func TestBackgroundErrorFlood(t *testing.T) {
	h := &recordingHandler{}
	th := newLogThrottle(errorLogInterval)
	now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	th.now = func() time.Time { return now }
	events := eventListener(slog.New(h), th)
	logger := pebbleLogger{slog.New(h), th}
	err := fmt.Errorf("pebble: flush: %w", stackError{})
	for i := 0; i < 10000; i++ {
		events.BackgroundError(err)
		logger.Errorf("%+v", err)
	}
	now = now.Add(errorLogInterval)
	events.BackgroundError(err)
	if len(h.records) != 2 {
		t.Fatalf("%d records, want 2", len(h.records))
	}
	for i, wantSuppressed := range []string{"", "19999"} {
		a := attrs(h.records[i])
		if a["err"] != err.Error() || strings.Contains(a["err"], "stack trace") {
			t.Errorf("record %d: err %q, want %q", i, a["err"], err.Error())
		}
		if a["suppressed"] != wantSuppressed {
			t.Errorf("record %d: suppressed %q, want %q", i, a["suppressed"], wantSuppressed)
		}
	}
}
