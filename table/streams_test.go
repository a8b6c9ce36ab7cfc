package table

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/storage/memory"
	"github.com/dynago/dynago/wire"
)

// fakeClock is a settable Config.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func openStreamTestDB(t testing.TB, cfg Config) *DB {
	t.Helper()
	eng := memory.New()
	db, err := Open(eng, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		db.Close()
		eng.Close()
	})
	return db
}

func createStreamedTable(t testing.TB, db *DB, name, view string) string {
	t.Helper()
	in := &wire.CreateTableInput{
		TableName:            sp(name),
		AttributeDefinitions: []wire.AttributeDefinition{{AttributeName: sp("pk"), AttributeType: sp("S")}},
		KeySchema:            []wire.KeySchemaElement{{AttributeName: sp("pk"), KeyType: sp("HASH")}},
		BillingMode:          sp(BillingPayPerRequest),
	}
	if view != "" {
		in.StreamSpecification = &wire.StreamSpecification{StreamEnabled: wire.Ptr(true), StreamViewType: sp(view)}
	}
	out, err := db.CreateTable(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return out.TableDescription.LatestStreamArn
}

func putTestItem(t testing.TB, db *DB, table string, it ddb.Item) {
	t.Helper()
	if _, err := db.PutItem(context.Background(), &wire.PutItemInput{TableName: sp(table), Item: wire.Item(it)}); err != nil {
		t.Fatal(err)
	}
}

func TestSequenceNumbers(t *testing.T) {
	for _, p := range []streamPos{{0, 0}, {1, 2}, {msClock(1_800_000_000_000) + 17, 999_999}, {1<<64 - 1, 5}} {
		q, ok := parseSequenceNumber(p.text())
		if !ok || q != p || len(p.text()) != 26 {
			t.Errorf("%v: text %q parses to %v %v", p, p.text(), q, ok)
		}
	}
	if p, ok := parseSequenceNumber("000000000000000000001"); !ok || p != (streamPos{0, 1}) {
		t.Errorf("short number: %v %v", p, ok)
	}
	if _, ok := parseSequenceNumber("1" + fmt.Sprint(streamPos{}.text())); ok {
		t.Error("a 27-digit number parsed")
	}
	if _, ok := parseSequenceNumber("99999999999999999999000000"); ok {
		t.Error("a sequence value beyond 64 bits parsed")
	}
	a, b := streamPos{5, maxWriterID - 1}, streamPos{5, 3}
	if a.next() != (streamPos{6, 0}) || b.next() != (streamPos{5, 4}) || !b.less(a) || a.less(b) {
		t.Error("streamPos order")
	}
}

func TestStreamClockHorizon(t *testing.T) {
	fc := &fakeClock{t: time.UnixMilli(1_000_000)}
	c := &streamClock{now: fc.now}
	h0 := c.horizon()
	if h0 != msClock(1_000_000) {
		t.Fatalf("idle horizon %d, want the clock", h0)
	}
	r1, r2 := &streamRun{}, &streamRun{}
	s1 := c.next(r1)
	s2 := c.next(r2)
	c.next(r1)
	if !(h0 <= s1 && s1 < s2) {
		t.Fatalf("sequence values %d %d after horizon %d", s1, s2, h0)
	}
	if h := c.horizon(); h != s1 {
		t.Fatalf("horizon %d with r1 in flight, want %d", h, s1)
	}
	c.release(r2)
	if h := c.horizon(); h != s1 {
		t.Fatalf("horizon %d after r2 finished, want r1's %d", h, s1)
	}
	c.release(r1)
	h := c.horizon()
	if h <= s2 {
		t.Fatalf("idle horizon %d, want past %d", h, s2)
	}
	// A clock set back never hands out values below a horizon reported.
	fc.add(-time.Hour)
	if s := c.next(&streamRun{}); s < h {
		t.Fatalf("value %d below the horizon %d after the clock went back", s, h)
	}
}

func TestShardIteratorEncoding(t *testing.T) {
	it := &shardIterator{arn: "arn:aws:dynamodb:us-east-1:000000000000:table/t/stream/2026-01-01T00:00:00.000",
		tableID: 7, no: 2, shard: 3, pos: streamPos{12345, 6}, issued: 1_700_000_000_000}
	s := it.encode()
	got, ok := decodeShardIterator(s)
	if !ok || *got != *it {
		t.Fatalf("round trip: %+v %v", got, ok)
	}
	for i := len(it.arn) + 3; i < len(s); i++ {
		b := []byte(s)
		b[i] ^= 1
		if g, ok := decodeShardIterator(string(b)); ok && *g != *it {
			t.Fatalf("a changed iterator decoded to %+v", g)
		}
	}
}

// TestStreamShardsOverTime follows a stream's shards as time passes: one
// open shard, rolled over every ShardDuration, each the parent of the
// next; a closed shard's GetRecords ends without NextShardIterator; an
// iterator expires after 15 minutes; records are trimmed after the
// retention period.
func TestStreamShardsOverTime(t *testing.T) {
	ctx := context.Background()
	fc := &fakeClock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	db := openStreamTestDB(t, Config{Now: fc.now, StreamShardDuration: time.Hour, TTLInterval: time.Hour})
	arn := createStreamedTable(t, db, "over", "KEYS_ONLY")
	put := func(pk string) { putTestItem(t, db, "over", ddb.Item{"pk": ddb.S(pk)}) }
	shards := func() []wire.Shard {
		t.Helper()
		out, err := db.DescribeStream(ctx, &wire.DescribeStreamInput{StreamArn: &arn})
		if err != nil {
			t.Fatal(err)
		}
		return out.StreamDescription.Shards
	}
	put("a")
	fc.add(90 * time.Minute)
	put("b")
	fc.add(time.Hour)
	put("c")
	sh := shards()
	if len(sh) != 3 {
		t.Fatalf("%d shards after 2.5 shard durations, want 3", len(sh))
	}
	for i, s := range sh {
		closed := s.SequenceNumberRange.EndingSequenceNumber != ""
		if closed != (i < 2) {
			t.Errorf("shard %d closed=%v", i, closed)
		}
		if i > 0 && s.ParentShardId != sh[i-1].ShardId || i == 0 && s.ParentShardId != "" {
			t.Errorf("shard %d parent %q", i, s.ParentShardId)
		}
		if i > 0 && !(sh[i-1].ShardId < s.ShardId) {
			t.Errorf("shard ids out of order: %s, %s", sh[i-1].ShardId, s.ShardId)
		}
	}
	read := func(shard string, typ string) (n int, next string) {
		t.Helper()
		gi, err := db.GetShardIterator(ctx, &wire.GetShardIteratorInput{StreamArn: &arn, ShardId: &shard, ShardIteratorType: &typ})
		if err != nil {
			t.Fatal(err)
		}
		out, err := db.GetRecords(ctx, &wire.GetRecordsInput{ShardIterator: &gi.ShardIterator})
		if err != nil {
			t.Fatal(err)
		}
		return len(out.Records), out.NextShardIterator
	}
	for i, want := range []int{1, 1, 1} {
		n, next := read(sh[i].ShardId, iterTrimHorizon)
		if n != want || (next == "") != (i < 2) {
			t.Errorf("shard %d: %d records, next %q", i, n, next)
		}
	}
	if n, next := read(sh[0].ShardId, iterLatest); n != 0 || next != "" {
		t.Errorf("LATEST of a closed shard: %d records, next %q", n, next)
	}
	// Iterators expire after 15 minutes.
	gi, err := db.GetShardIterator(ctx, &wire.GetShardIteratorInput{StreamArn: &arn, ShardId: &sh[2].ShardId, ShardIteratorType: sp(iterTrimHorizon)})
	if err != nil {
		t.Fatal(err)
	}
	fc.add(16 * time.Minute)
	_, err = db.GetRecords(ctx, &wire.GetRecordsInput{ShardIterator: &gi.ShardIterator})
	var de *ddb.Error
	if !errors.As(err, &de) || de.Type != ddb.ErrExpiredIterator || de.Message != msgIteratorExpired {
		t.Errorf("expired iterator: %v", err)
	}
	// After 24 hours the first shards are gone.
	fc.add(24 * time.Hour)
	if err := db.trimStreams(ctx); err != nil {
		t.Fatal(err)
	}
	sh2 := shards()
	if sh2[0].ShardId == sh[0].ShardId || sh2[0].ParentShardId == "" {
		t.Errorf("after a day the first shard is still listed: %+v", sh2[0])
	}
	if _, err := db.GetShardIterator(ctx, &wire.GetShardIteratorInput{StreamArn: &arn, ShardId: &sh[0].ShardId, ShardIteratorType: sp(iterTrimHorizon)}); err == nil {
		t.Error("an iterator for a trimmed shard")
	}
}

// TestStreamsConcurrentWritersExactlyOnce has many goroutines write
// distinct items while a reader follows the stream: on the optimistic
// memory engine transactions commit out of sequence order, and the reader
// must still see every record exactly once.
func TestStreamsConcurrentWritersExactlyOnce(t *testing.T) {
	ctx := context.Background()
	db := openStreamTestDB(t, Config{TTLInterval: time.Hour})
	arn := createStreamedTable(t, db, "conc", "NEW_IMAGE")
	out, err := db.DescribeStream(ctx, &wire.DescribeStreamInput{StreamArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	gi, err := db.GetShardIterator(ctx, &wire.GetShardIteratorInput{StreamArn: &arn, ShardId: &out.StreamDescription.Shards[0].ShardId, ShardIteratorType: sp(iterTrimHorizon)})
	if err != nil {
		t.Fatal(err)
	}
	const writers, each = 16, 200
	var wg sync.WaitGroup
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				putTestItem(t, db, "conc", ddb.Item{"pk": ddb.S(fmt.Sprintf("%d-%d", w, i)), "v": ddb.N(strconv.Itoa(i))})
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	seen := map[string]int{}
	it := gi.ShardIterator
	for finished := false; ; {
		select {
		case <-done:
			finished = true
		default:
		}
		out, err := db.GetRecords(ctx, &wire.GetRecordsInput{ShardIterator: &it})
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range out.Records {
			seen[r.Dynamodb.Keys["pk"].S]++
		}
		it = out.NextShardIterator
		if finished && len(out.Records) == 0 {
			break
		}
	}
	if len(seen) != writers*each {
		t.Errorf("saw %d items, want %d", len(seen), writers*each)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("%s seen %d times", k, n)
		}
	}
}

// BenchmarkGetRecordsIdle measures GetRecords on an idle open shard (what
// a polling consumer does most of the time).
func BenchmarkGetRecordsIdle(b *testing.B) {
	ctx := context.Background()
	db := openStreamTestDB(b, Config{TTLInterval: time.Hour})
	arn := createStreamedTable(b, db, "idle", "NEW_IMAGE")
	for i := range 1000 {
		putTestItem(b, db, "idle", ddb.Item{"pk": ddb.S(strconv.Itoa(i))})
	}
	out, err := db.DescribeStream(ctx, &wire.DescribeStreamInput{StreamArn: &arn})
	if err != nil {
		b.Fatal(err)
	}
	gi, err := db.GetShardIterator(ctx, &wire.GetShardIteratorInput{StreamArn: &arn, ShardId: &out.StreamDescription.Shards[0].ShardId, ShardIteratorType: sp(iterLatest)})
	if err != nil {
		b.Fatal(err)
	}
	it := gi.ShardIterator
	b.ReportAllocs()
	for b.Loop() {
		out, err := db.GetRecords(ctx, &wire.GetRecordsInput{ShardIterator: &it})
		if err != nil || len(out.Records) != 0 {
			b.Fatal(err, len(out.Records))
		}
		it = out.NextShardIterator
	}
}

// BenchmarkPutItemStream compares PutItem on a table without and with a
// stream (memory engine), concurrently.
func BenchmarkPutItemStream(b *testing.B) {
	for _, view := range []string{"", "NEW_AND_OLD_IMAGES"} {
		name := "none"
		if view != "" {
			name = view
		}
		b.Run(name, func(b *testing.B) {
			db := openStreamTestDB(b, Config{TTLInterval: time.Hour})
			createStreamedTable(b, db, "w", view)
			var n atomicCounter
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := n.next()
					putTestItem(b, db, "w", ddb.Item{"pk": ddb.S(strconv.FormatInt(i, 10)), "v": ddb.N("1")})
				}
			})
		})
	}
}

type atomicCounter struct {
	mu sync.Mutex
	n  int64
}

func (c *atomicCounter) next() int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return c.n
}
