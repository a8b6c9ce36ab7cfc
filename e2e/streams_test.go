package e2e

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynago/dynago/server"
)

// newStreamsClient returns a DynamoDB Streams client for the server (same
// port as DynamoDB), retrying nothing the server answered.
func newStreamsClient(s *server.Server) *dynamodbstreams.Client {
	return dynamodbstreams.New(dynamodbstreams.Options{
		BaseEndpoint: aws.String(s.URL()),
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		HTTPClient:   &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
		Retryer: retry.NewStandard(func(o *retry.StandardOptions) {
			o.MaxAttempts = 1
			o.RateLimiter = ratelimit.None
		}),
	})
}

// streamConsumer follows a stream as a DynamoDB Streams application does:
// it lists the shards, reads each from TRIM_HORIZON to its end (a closed
// shard's last GetRecords has no NextShardIterator), and starts a child
// only after its parent is done.
type streamConsumer struct {
	c   *dynamodbstreams.Client
	arn string

	iters   map[string]string // open iterator per shard being read
	done    map[string]bool   // shards read to their end
	parents map[string]string // lineage as DescribeStream reported it
	order   []string          // shards in the order they were started
	records []stypes.Record   // in the order read
}

func newStreamConsumer(c *dynamodbstreams.Client, arn string) *streamConsumer {
	return &streamConsumer{c: c, arn: arn, iters: map[string]string{}, done: map[string]bool{}, parents: map[string]string{}}
}

// shards lists every shard of the stream, page by page.
func (sc *streamConsumer) shards(ctx context.Context) ([]stypes.Shard, error) {
	var out []stypes.Shard
	var start *string
	for {
		d, err := sc.c.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &sc.arn, ExclusiveStartShardId: start, Limit: aws.Int32(3)})
		if err != nil {
			return nil, err
		}
		out = append(out, d.StreamDescription.Shards...)
		if d.StreamDescription.LastEvaluatedShardId == nil {
			return out, nil
		}
		start = d.StreamDescription.LastEvaluatedShardId
	}
}

// poll reads whatever is readable now.
func (sc *streamConsumer) poll(ctx context.Context) error {
	shards, err := sc.shards(ctx)
	if err != nil {
		return err
	}
	for _, sh := range shards {
		id := aws.ToString(sh.ShardId)
		if p := aws.ToString(sh.ParentShardId); p != "" {
			sc.parents[id] = p
		}
	}
	for _, sh := range shards {
		id := aws.ToString(sh.ShardId)
		if sc.done[id] {
			continue
		}
		if p := sc.parents[id]; p != "" && !sc.done[p] && sc.known(shards, p) {
			continue // a parent is read before its child
		}
		it, ok := sc.iters[id]
		if !ok {
			gi, err := sc.c.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
				StreamArn: &sc.arn, ShardId: &id, ShardIteratorType: stypes.ShardIteratorTypeTrimHorizon})
			if err != nil {
				return err
			}
			it = aws.ToString(gi.ShardIterator)
			sc.order = append(sc.order, id)
		}
		for {
			gr, err := sc.c.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: &it, Limit: aws.Int32(50)})
			if err != nil {
				return err
			}
			sc.records = append(sc.records, gr.Records...)
			if gr.NextShardIterator == nil {
				sc.done[id] = true
				delete(sc.iters, id)
				break
			}
			it = aws.ToString(gr.NextShardIterator)
			sc.iters[id] = it
			if len(gr.Records) == 0 {
				break
			}
		}
		if !sc.done[id] {
			break // the open shard: its children come later
		}
	}
	return nil
}

func (sc *streamConsumer) known(shards []stypes.Shard, id string) bool {
	for _, sh := range shards {
		if aws.ToString(sh.ShardId) == id {
			return true
		}
	}
	return false
}

// canon renders attribute values of either SDK package as one comparable
// string (sets sorted).
func canonStream(v stypes.AttributeValue) string {
	switch x := v.(type) {
	case *stypes.AttributeValueMemberS:
		return "S:" + strconv.Quote(x.Value)
	case *stypes.AttributeValueMemberN:
		return "N:" + x.Value
	case *stypes.AttributeValueMemberB:
		return "B:" + fmt.Sprintf("%x", x.Value)
	case *stypes.AttributeValueMemberBOOL:
		return "BOOL:" + strconv.FormatBool(x.Value)
	case *stypes.AttributeValueMemberNULL:
		return "NULL"
	case *stypes.AttributeValueMemberSS:
		s := append([]string(nil), x.Value...)
		sort.Strings(s)
		return "SS:" + strings.Join(s, ",")
	case *stypes.AttributeValueMemberNS:
		s := append([]string(nil), x.Value...)
		sort.Strings(s)
		return "NS:" + strings.Join(s, ",")
	case *stypes.AttributeValueMemberL:
		parts := make([]string, len(x.Value))
		for i, e := range x.Value {
			parts[i] = canonStream(e)
		}
		return "L:[" + strings.Join(parts, ",") + "]"
	case *stypes.AttributeValueMemberM:
		return "M:" + canonStreamItem(x.Value)
	}
	return fmt.Sprintf("?%T", v)
}

func canonStreamItem(it map[string]stypes.AttributeValue) string {
	if it == nil {
		return "-"
	}
	keys := make([]string, 0, len(it))
	for k := range it {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s;", k, canonStream(it[k]))
	}
	b.WriteByte('}')
	return b.String()
}

func canonDB(v types.AttributeValue) string {
	switch x := v.(type) {
	case *types.AttributeValueMemberS:
		return "S:" + strconv.Quote(x.Value)
	case *types.AttributeValueMemberN:
		return "N:" + x.Value
	case *types.AttributeValueMemberSS:
		s := append([]string(nil), x.Value...)
		sort.Strings(s)
		return "SS:" + strings.Join(s, ",")
	case *types.AttributeValueMemberM:
		return "M:" + canonDBItem(x.Value)
	case *types.AttributeValueMemberBOOL:
		return "BOOL:" + strconv.FormatBool(x.Value)
	}
	return fmt.Sprintf("?%T", v)
}

func canonDBItem(it map[string]types.AttributeValue) string {
	if it == nil {
		return "-"
	}
	keys := make([]string, 0, len(it))
	for k := range it {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteByte('{')
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s;", k, canonDB(it[k]))
	}
	b.WriteByte('}')
	return b.String()
}

// change is one expected stream record: the item before and after.
type change struct {
	event    string
	old, new map[string]types.AttributeValue
}

// loadWriter owns some keys of a table and changes them at random, keeping
// a model of their items and of the stream records each change implies.
type loadWriter struct {
	c     *dynamodb.Client
	table string
	rng   *rand.Rand
	keys  []string
	items map[string]map[string]types.AttributeValue // current item per key (nil: absent)
	want  map[string][]change
}

func itemKeyOf(pk string) map[string]types.AttributeValue {
	i := strings.LastIndexByte(pk, '#')
	return map[string]types.AttributeValue{
		"pk": &types.AttributeValueMemberS{Value: pk[:i]},
		"sk": &types.AttributeValueMemberN{Value: pk[i+1:]},
	}
}

func cloneItem(it map[string]types.AttributeValue) map[string]types.AttributeValue {
	if it == nil {
		return nil
	}
	out := make(map[string]types.AttributeValue, len(it))
	for k, v := range it {
		out[k] = v
	}
	return out
}

// randomItem builds an item for key k from a small space of values, so that
// puts often repeat the current item (no record) and updates often change
// nothing.
func (w *loadWriter) randomItem(k string) map[string]types.AttributeValue {
	it := itemKeyOf(k)
	if w.rng.IntN(2) == 0 {
		it["a"] = &types.AttributeValueMemberN{Value: strconv.Itoa(w.rng.IntN(3))}
	}
	if w.rng.IntN(2) == 0 {
		it["b"] = &types.AttributeValueMemberS{Value: strings.Repeat("x", w.rng.IntN(3)+1)}
	}
	if w.rng.IntN(4) == 0 {
		it["m"] = &types.AttributeValueMemberM{Value: map[string]types.AttributeValue{
			"n": &types.AttributeValueMemberN{Value: "1"}, "s": &types.AttributeValueMemberSS{Value: []string{"p", "q"}}}}
	}
	return it
}

// record notes the change of key k from the model's item to next.
func (w *loadWriter) record(k string, next map[string]types.AttributeValue) {
	old := w.items[k]
	switch {
	case old == nil && next == nil:
		return
	case old != nil && next != nil && canonDBItem(old) == canonDBItem(next):
		return // no change, no record
	case old == nil:
		w.want[k] = append(w.want[k], change{"INSERT", nil, next})
	case next == nil:
		w.want[k] = append(w.want[k], change{"REMOVE", old, nil})
	default:
		w.want[k] = append(w.want[k], change{"MODIFY", old, next})
	}
	w.items[k] = next
}

// step performs one random operation and records its expected changes.
func (w *loadWriter) step(ctx context.Context) error {
	k := w.keys[w.rng.IntN(len(w.keys))]
	switch op := w.rng.IntN(10); {
	case op < 3: // PutItem
		it := w.randomItem(k)
		if _, err := w.c.PutItem(ctx, &dynamodb.PutItemInput{TableName: &w.table, Item: it}); err != nil {
			return err
		}
		w.record(k, it)
	case op < 5: // UpdateItem: SET a = a + 1 or REMOVE b or SET b
		var expr string
		var vals map[string]types.AttributeValue
		next := cloneItem(w.items[k])
		if next == nil {
			next = itemKeyOf(k)
		}
		switch w.rng.IntN(3) {
		case 0:
			expr, vals = "SET a = :v", map[string]types.AttributeValue{":v": &types.AttributeValueMemberN{Value: strconv.Itoa(w.rng.IntN(3))}}
			next["a"] = vals[":v"]
		case 1:
			expr = "REMOVE b"
			delete(next, "b")
		default:
			expr, vals = "SET b = :v", map[string]types.AttributeValue{":v": &types.AttributeValueMemberS{Value: "y"}}
			next["b"] = vals[":v"]
		}
		_, err := w.c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: &w.table, Key: itemKeyOf(k),
			UpdateExpression: &expr, ExpressionAttributeValues: vals})
		if err != nil {
			return err
		}
		w.record(k, next)
	case op < 6: // DeleteItem
		if _, err := w.c.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: &w.table, Key: itemKeyOf(k)}); err != nil {
			return err
		}
		w.record(k, nil)
	case op < 7: // a PutItem whose condition fails: no record
		it := w.randomItem(k)
		cond := "attribute_exists(nope)"
		_, err := w.c.PutItem(ctx, &dynamodb.PutItemInput{TableName: &w.table, Item: it, ConditionExpression: &cond})
		var ccf *types.ConditionalCheckFailedException
		if !errors.As(err, &ccf) {
			return fmt.Errorf("want ConditionalCheckFailedException, got %v", err)
		}
	case op < 9: // BatchWriteItem or TransactWriteItems over distinct keys
		perm := w.rng.Perm(len(w.keys))[:2+w.rng.IntN(2)]
		type planned struct {
			k    string
			next map[string]types.AttributeValue
		}
		var plan []planned
		for _, i := range perm {
			kk := w.keys[i]
			if w.rng.IntN(3) == 0 {
				plan = append(plan, planned{kk, nil})
			} else {
				plan = append(plan, planned{kk, w.randomItem(kk)})
			}
		}
		if op == 7 {
			var reqs []types.WriteRequest
			for _, p := range plan {
				if p.next == nil {
					reqs = append(reqs, types.WriteRequest{DeleteRequest: &types.DeleteRequest{Key: itemKeyOf(p.k)}})
				} else {
					reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: p.next}})
				}
			}
			out, err := w.c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{w.table: reqs}})
			if err != nil {
				return err
			}
			if len(out.UnprocessedItems) > 0 {
				return errors.New("unprocessed items")
			}
		} else {
			var acts []types.TransactWriteItem
			for _, p := range plan {
				if p.next == nil {
					acts = append(acts, types.TransactWriteItem{Delete: &types.Delete{TableName: &w.table, Key: itemKeyOf(p.k)}})
				} else {
					acts = append(acts, types.TransactWriteItem{Put: &types.Put{TableName: &w.table, Item: p.next}})
				}
			}
			if _, err := w.c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: acts}); err != nil {
				return err
			}
		}
		for _, p := range plan {
			w.record(p.k, p.next)
		}
	default: // a transaction that is cancelled: no record
		cond := "attribute_exists(nope)"
		_, err := w.c.TransactWriteItems(ctx, &dynamodb.TransactWriteItemsInput{TransactItems: []types.TransactWriteItem{
			{Put: &types.Put{TableName: &w.table, Item: w.randomItem(k)}},
			{ConditionCheck: &types.ConditionCheck{TableName: &w.table, Key: itemKeyOf(w.keys[(indexOf(w.keys, k)+1)%len(w.keys)]), ConditionExpression: &cond}},
		}})
		var tce *types.TransactionCanceledException
		if !errors.As(err, &tce) {
			return fmt.Errorf("want TransactionCanceledException, got %v", err)
		}
	}
	return nil
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

func createStreamTable(t *testing.T, ctx context.Context, c *dynamodb.Client, name string, view types.StreamViewType) string {
	t.Helper()
	out, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName: aws.String(name),
		AttributeDefinitions: []types.AttributeDefinition{
			{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS},
			{AttributeName: aws.String("sk"), AttributeType: types.ScalarAttributeTypeN},
		},
		KeySchema: []types.KeySchemaElement{
			{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash},
			{AttributeName: aws.String("sk"), KeyType: types.KeyTypeRange},
		},
		BillingMode:         types.BillingModePayPerRequest,
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: view},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.TableDescription.LatestStreamArn)
	if arn == "" || !strings.HasSuffix(arn, "/stream/"+aws.ToString(out.TableDescription.LatestStreamLabel)) {
		t.Fatalf("LatestStreamArn %q, label %q", arn, aws.ToString(out.TableDescription.LatestStreamLabel))
	}
	return arn
}

// TestStreamsRandomLoad runs a randomized write load (PutItem, UpdateItem,
// DeleteItem, BatchWriteItem, TransactWriteItems, failing conditions and
// no-op writes) from concurrent clients against one table per view type,
// while a consumer follows each stream from TRIM_HORIZON through shard
// rollovers (shards last 200 ms here). Every change must arrive exactly
// once, in per-item order, with the images of the view type, and nothing
// else.
func TestStreamsRandomLoad(t *testing.T) {
	s := startServerWith(t, func(c *server.Config) { c.StreamShardDuration = 200 * time.Millisecond })
	c := newClient(t, s)
	sc := newStreamsClient(s)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	views := []types.StreamViewType{types.StreamViewTypeKeysOnly, types.StreamViewTypeNewImage, types.StreamViewTypeOldImage, types.StreamViewTypeNewAndOldImages}
	for vi, view := range views {
		t.Run(string(view), func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			table := "load_" + strings.ToLower(string(view))
			arn := createStreamTable(t, ctx, c, table, view)

			const writers, keysPer = 6, 6
			loadTime := 1500 * time.Millisecond
			ws := make([]*loadWriter, writers)
			var wg sync.WaitGroup
			errs := make(chan error, writers)
			stop := time.Now().Add(loadTime)
			for i := range ws {
				w := &loadWriter{c: c, table: table, rng: rand.New(rand.NewPCG(seed, uint64(vi*100+i))),
					items: map[string]map[string]types.AttributeValue{}, want: map[string][]change{}}
				for j := range keysPer {
					w.keys = append(w.keys, fmt.Sprintf("w%d#%d", i, j))
				}
				ws[i] = w
				wg.Add(1)
				go func() {
					defer wg.Done()
					for time.Now().Before(stop) {
						if err := w.step(ctx); err != nil {
							errs <- err
							return
						}
					}
				}()
			}
			// The consumer reads while the load runs.
			cons := newStreamConsumer(sc, arn)
			loadDone := make(chan struct{})
			go func() { wg.Wait(); close(loadDone) }()
		consume:
			for {
				if err := cons.poll(ctx); err != nil {
					t.Fatalf("consumer: %v", err)
				}
				select {
				case <-loadDone:
					break consume
				case <-time.After(20 * time.Millisecond):
				}
			}
			close(errs)
			for err := range errs {
				t.Fatalf("writer: %v", err)
			}
			want := map[string][]change{}
			total := 0
			for _, w := range ws {
				for k, ch := range w.want {
					want[k] = ch
					total += len(ch)
				}
			}
			deadline := time.Now().Add(10 * time.Second)
			for len(cons.records) < total && time.Now().Before(deadline) {
				if err := cons.poll(ctx); err != nil {
					t.Fatalf("consumer: %v", err)
				}
				time.Sleep(20 * time.Millisecond)
			}
			// Once more after a shard rollover: nothing further may come.
			time.Sleep(250 * time.Millisecond)
			if err := cons.poll(ctx); err != nil {
				t.Fatalf("consumer: %v", err)
			}
			checkStreamRecords(t, view, cons, want, total)
		})
	}
}

func checkStreamRecords(t *testing.T, view types.StreamViewType, cons *streamConsumer, want map[string][]change, total int) {
	t.Helper()
	t.Logf("%d records over %d shards", len(cons.records), len(cons.order))
	if len(cons.records) != total {
		t.Errorf("got %d records, want %d", len(cons.records), total)
	}
	if len(cons.order) < 4 {
		t.Errorf("the consumer went through %d shards; want the load to span several", len(cons.order))
	}
	for i := 1; i < len(cons.order); i++ {
		if p := cons.parents[cons.order[i]]; p != cons.order[i-1] {
			t.Errorf("shard %s: parent %q, want %q", cons.order[i], p, cons.order[i-1])
		}
	}
	got := map[string][]stypes.Record{}
	ids := map[string]bool{}
	var lastSeq string
	for _, r := range cons.records {
		d := r.Dynamodb
		pk := canonStream(d.Keys["pk"])
		sk := d.Keys["sk"].(*stypes.AttributeValueMemberN).Value
		k := strings.Trim(strings.TrimPrefix(pk, "S:"), `"`) + "#" + sk
		got[k] = append(got[k], r)
		id := aws.ToString(r.EventID)
		if ids[id] || len(id) != 32 {
			t.Errorf("eventID %q repeated or malformed", id)
		}
		ids[id] = true
		seq := aws.ToString(d.SequenceNumber)
		if len(seq) < 21 || len(seq) > 40 || (lastSeq != "" && !(len(seq) == len(lastSeq) && seq > lastSeq)) {
			t.Errorf("SequenceNumber %q after %q: want digits, increasing", seq, lastSeq)
		}
		lastSeq = seq
		if aws.ToString(r.EventSource) != "aws:dynamodb" || aws.ToString(r.EventVersion) != "1.1" || aws.ToString(r.AwsRegion) != "us-east-1" ||
			d.StreamViewType != stypes.StreamViewType(view) || aws.ToInt64(d.SizeBytes) <= 0 || d.ApproximateCreationDateTime == nil || r.UserIdentity != nil {
			t.Errorf("record fields: %+v %+v", r, d)
		}
	}
	for k, wl := range want {
		gl := got[k]
		if len(gl) != len(wl) {
			t.Errorf("key %s: %d records, want %d", k, len(gl), len(wl))
			continue
		}
		for i, w := range wl {
			r := gl[i]
			if string(r.EventName) != w.event {
				t.Errorf("key %s record %d: %s, want %s", k, i, r.EventName, w.event)
				continue
			}
			var wantNew, wantOld map[string]types.AttributeValue
			switch view {
			case types.StreamViewTypeNewImage:
				wantNew = w.new
			case types.StreamViewTypeOldImage:
				wantOld = w.old
			case types.StreamViewTypeNewAndOldImages:
				wantNew, wantOld = w.new, w.old
			}
			if g, e := canonStreamItem(r.Dynamodb.NewImage), canonDBItem(wantNew); g != e {
				t.Errorf("key %s record %d (%s) NewImage %s, want %s", k, i, w.event, g, e)
			}
			if g, e := canonStreamItem(r.Dynamodb.OldImage), canonDBItem(wantOld); g != e {
				t.Errorf("key %s record %d (%s) OldImage %s, want %s", k, i, w.event, g, e)
			}
			if len(r.Dynamodb.Keys) != 2 {
				t.Errorf("key %s: Keys %v", k, canonStreamItem(r.Dynamodb.Keys))
			}
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("records for key %s, which had no change", k)
		}
	}
}

// TestStreamsLifecycle: the stream's ARN in DescribeTable and ListStreams,
// a disabled stream that stays readable (closed shards, DISABLED), a
// re-enabled stream with a new ARN, LATEST and AT/AFTER_SEQUENCE_NUMBER
// iterators, and the stream of a deleted table.
func TestStreamsLifecycle(t *testing.T) {
	s := startServer(t)
	c := newClient(t, s)
	sc := newStreamsClient(s)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	arn1 := createStreamTable(t, ctx, c, "life", types.StreamViewTypeNewImage)
	put := func(pk string, sk int) {
		t.Helper()
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("life"), Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: pk}, "sk": &types.AttributeValueMemberN{Value: strconv.Itoa(sk)}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	put("a", 1)
	put("b", 2)

	d, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &arn1})
	if err != nil {
		t.Fatal(err)
	}
	sd := d.StreamDescription
	if sd.StreamStatus != stypes.StreamStatusEnabled || sd.StreamViewType != stypes.StreamViewTypeNewImage || aws.ToString(sd.TableName) != "life" ||
		len(sd.KeySchema) != 2 || len(sd.Shards) != 1 || sd.Shards[0].SequenceNumberRange.EndingSequenceNumber != nil || sd.Shards[0].ParentShardId != nil {
		t.Fatalf("DescribeStream: %+v", sd)
	}
	shard := aws.ToString(sd.Shards[0].ShardId)
	if !strings.HasPrefix(shard, "shardId-") || len(shard) < 28 {
		t.Fatalf("shard id %q", shard)
	}
	iter := func(arn, typ, seq string) string {
		t.Helper()
		in := &dynamodbstreams.GetShardIteratorInput{StreamArn: &arn, ShardId: &shard, ShardIteratorType: stypes.ShardIteratorType(typ)}
		if seq != "" {
			in.SequenceNumber = &seq
		}
		out, err := sc.GetShardIterator(ctx, in)
		if err != nil {
			t.Fatalf("GetShardIterator %s: %v", typ, err)
		}
		return aws.ToString(out.ShardIterator)
	}
	read := func(it string) ([]stypes.Record, *string) {
		t.Helper()
		out, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: &it})
		if err != nil {
			t.Fatal(err)
		}
		return out.Records, out.NextShardIterator
	}
	recs, next := read(iter(arn1, "TRIM_HORIZON", ""))
	if len(recs) != 2 || next == nil {
		t.Fatalf("TRIM_HORIZON: %d records, next %v", len(recs), next)
	}
	seq1 := aws.ToString(recs[0].Dynamodb.SequenceNumber)
	if r, _ := read(iter(arn1, "AT_SEQUENCE_NUMBER", seq1)); len(r) != 2 {
		t.Errorf("AT_SEQUENCE_NUMBER: %d records", len(r))
	}
	if r, _ := read(iter(arn1, "AFTER_SEQUENCE_NUMBER", seq1)); len(r) != 1 || aws.ToString(r[0].Dynamodb.SequenceNumber) != aws.ToString(recs[1].Dynamodb.SequenceNumber) {
		t.Errorf("AFTER_SEQUENCE_NUMBER: %d records", len(r))
	}
	latest := iter(arn1, "LATEST", "")
	if r, n := read(latest); len(r) != 0 || n == nil {
		t.Errorf("LATEST before a write: %d records", len(r))
	}
	put("c", 3)
	if r, _ := read(latest); len(r) != 1 || canonStreamItem(r[0].Dynamodb.Keys) != `{pk=S:"c";sk=N:3;}` {
		t.Errorf("LATEST after a write: %v", r)
	}
	if r, _ := read(aws.ToString(next)); len(r) != 1 {
		t.Errorf("NextShardIterator: %d records, want the one written since", len(r))
	}

	// Disable: the stream stays, DISABLED, its shard closed and readable.
	if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("life"),
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(false)}}); err != nil {
		t.Fatal(err)
	}
	put("d", 4) // no stream: no record anywhere
	dt, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("life")})
	if err != nil {
		t.Fatal(err)
	}
	if dt.Table.StreamSpecification != nil || aws.ToString(dt.Table.LatestStreamArn) != arn1 {
		t.Errorf("after disabling: StreamSpecification %v, LatestStreamArn %q", dt.Table.StreamSpecification, aws.ToString(dt.Table.LatestStreamArn))
	}
	d, err = sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &arn1})
	if err != nil {
		t.Fatal(err)
	}
	if d.StreamDescription.StreamStatus != stypes.StreamStatusDisabled || d.StreamDescription.Shards[0].SequenceNumberRange.EndingSequenceNumber == nil {
		t.Errorf("disabled stream: %+v", d.StreamDescription)
	}
	recs, next = read(iter(arn1, "TRIM_HORIZON", ""))
	if len(recs) != 3 || next != nil {
		t.Errorf("disabled stream from TRIM_HORIZON: %d records, NextShardIterator %v (want 3, none: closed)", len(recs), next)
	}

	// Re-enable: a new ARN, the old one still listed and readable.
	ut, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("life"),
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeKeysOnly}})
	if err != nil {
		t.Fatal(err)
	}
	arn2 := aws.ToString(ut.TableDescription.LatestStreamArn)
	if arn2 == arn1 || arn2 == "" {
		t.Fatalf("re-enabled stream ARN %q (old %q)", arn2, arn1)
	}
	put("e", 5)
	ls, err := sc.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{TableName: aws.String("life")})
	if err != nil {
		t.Fatal(err)
	}
	if len(ls.Streams) != 2 || aws.ToString(ls.Streams[0].StreamArn) != arn1 || aws.ToString(ls.Streams[1].StreamArn) != arn2 {
		t.Fatalf("ListStreams: %+v", ls.Streams)
	}
	page, err := sc.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{Limit: aws.Int32(1)})
	if err != nil || len(page.Streams) != 1 || aws.ToString(page.LastEvaluatedStreamArn) != arn1 {
		t.Fatalf("ListStreams Limit 1: %+v %v", page, err)
	}
	page, err = sc.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{ExclusiveStartStreamArn: page.LastEvaluatedStreamArn})
	if err != nil || len(page.Streams) != 1 || aws.ToString(page.Streams[0].StreamArn) != arn2 || page.LastEvaluatedStreamArn != nil {
		t.Fatalf("ListStreams second page: %+v %v", page, err)
	}
	d2, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &arn2})
	if err != nil {
		t.Fatal(err)
	}
	shard = aws.ToString(d2.StreamDescription.Shards[0].ShardId)
	recs, _ = read(iter(arn2, "TRIM_HORIZON", ""))
	if len(recs) != 1 || recs[0].Dynamodb.NewImage != nil || recs[0].Dynamodb.StreamViewType != stypes.StreamViewTypeKeysOnly {
		t.Errorf("new stream: %+v", recs)
	}

	// Delete the table: its stream stays readable, DISABLED.
	if _, err := c.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("life")}); err != nil {
		t.Fatal(err)
	}
	d2, err = sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &arn2})
	if err != nil || d2.StreamDescription.StreamStatus != stypes.StreamStatusDisabled {
		t.Fatalf("stream of a deleted table: %+v %v", d2, err)
	}
	if recs, next := read(iter(arn2, "TRIM_HORIZON", "")); len(recs) != 1 || next != nil {
		t.Errorf("stream of a deleted table: %d records, next %v", len(recs), next)
	}
}

// TestStreamsErrors checks the Streams API's errors and their messages.
func TestStreamsErrors(t *testing.T) {
	s := startServer(t)
	c := newClient(t, s)
	sc := newStreamsClient(s)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	arn := createStreamTable(t, ctx, c, "errs", types.StreamViewTypeKeysOnly)
	d, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	shard := aws.ToString(d.StreamDescription.Shards[0].ShardId)
	start := aws.ToString(d.StreamDescription.Shards[0].SequenceNumberRange.StartingSequenceNumber)
	missing := strings.Replace(arn, "table/errs/", "table/nope/", 1)

	_, err = sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &missing})
	wantErr(t, err, "ResourceNotFoundException", "Requested resource not found: Stream: "+missing+" not found")
	_, err = sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String("sdfadfsdfnlfkajakfgjalksfgklasjklasdjfklasdfasdfgasf")})
	wantErr(t, err, "ValidationException", "Invalid StreamArn")
	// An unknown ExclusiveStartShardId lists no shards (as DynamoDB).
	d, err = sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &arn, ExclusiveStartShardId: aws.String("shardId-00000000000000000000-00000000")})
	if err != nil || len(d.StreamDescription.Shards) != 0 {
		t.Errorf("unknown ExclusiveStartShardId: %v %v", d, err)
	}
	gsi := func(arn, shard string, typ stypes.ShardIteratorType, seq *string) error {
		_, err := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: &arn, ShardId: &shard, ShardIteratorType: typ, SequenceNumber: seq})
		return err
	}
	wantErr(t, gsi(missing, shard, "LATEST", nil), "ResourceNotFoundException", "Requested resource not found: Stream: "+missing+" not found")
	wantErr(t, gsi(arn, "shardId-00000000000000000001-00000000", "LATEST", nil), "ResourceNotFoundException", "Requested resource not found: Shard does not exist")
	wantErr(t, gsi(arn, shard, "AT_SEQUENCE_NUMBER", nil), "ValidationException", "One or more parameter values were invalid: Invalid SequenceNumber")
	wantErr(t, gsi(arn, shard, "TRIM_HORIZON", &start), "ValidationException", "One or more parameter values were invalid: SequenceNumber should not be passed for this iterator type")
	wantErr(t, gsi(arn, shard, "AFTER_SEQUENCE_NUMBER", aws.String("000000000000000000001")), "ValidationException", "Invalid SequenceNumber for the shard")
	wantErrContains(t, gsi(arn, shard, "LATEST_X", nil), "ValidationException", "1 validation error detected: Value 'LATEST_X' at 'shardIteratorType' failed to satisfy constraint: Member must satisfy enum value set: [")

	_, err = sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: aws.String("sdfsdfsgagaddafgagasgasgasdfasdfasdfasdfasdgasdasdgasdg")})
	wantErr(t, err, "ValidationException", "Invalid ShardIterator")
	out, err := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: &arn, ShardId: &shard, ShardIteratorType: "TRIM_HORIZON"})
	if err != nil {
		t.Fatal(err)
	}
	tampered := aws.ToString(out.ShardIterator)
	tampered = tampered[:len(tampered)-6] + "AAAAA="
	_, err = sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: &tampered})
	wantErr(t, err, "ValidationException", "Invalid ShardIterator")
	_, err = sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: out.ShardIterator, Limit: aws.Int32(0)})
	wantErrContains(t, err, "ValidationException", "at 'limit' failed to satisfy constraint: Member must have value greater than or equal to 1")
}

// TestStreamsTrimming: with a short retention, old records are trimmed
// (an iterator at them is TrimmedDataAccessException; TRIM_HORIZON starts
// after them) and a disabled stream disappears once its records are gone.
func TestStreamsTrimming(t *testing.T) {
	s := startServerWith(t, func(c *server.Config) {
		c.StreamRetention = 600 * time.Millisecond
		c.StreamShardDuration = 10 * time.Second
	})
	c := newClient(t, s)
	sc := newStreamsClient(s)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	arn := createStreamTable(t, ctx, c, "trim", types.StreamViewTypeKeysOnly)
	put := func(sk int) {
		t.Helper()
		_, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("trim"), Item: map[string]types.AttributeValue{
			"pk": &types.AttributeValueMemberS{Value: "p"}, "sk": &types.AttributeValueMemberN{Value: strconv.Itoa(sk)}}})
		if err != nil {
			t.Fatal(err)
		}
	}
	put(1)
	d, err := sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &arn})
	if err != nil {
		t.Fatal(err)
	}
	shard := d.StreamDescription.Shards[0].ShardId
	old, err := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: &arn, ShardId: shard, ShardIteratorType: "TRIM_HORIZON"})
	if err != nil {
		t.Fatal(err)
	}
	gr, err := sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: old.ShardIterator})
	if err != nil || len(gr.Records) != 1 {
		t.Fatalf("before trimming: %v %v", gr, err)
	}
	seq := gr.Records[0].Dynamodb.SequenceNumber
	time.Sleep(time.Second)
	put(2)
	time.Sleep(100 * time.Millisecond)
	_, err = sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: old.ShardIterator})
	wantErr(t, err, "TrimmedDataAccessException", "The data you are trying to access has been trimmed")
	_, err = sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: &arn, ShardId: shard, ShardIteratorType: "AT_SEQUENCE_NUMBER", SequenceNumber: seq})
	wantErr(t, err, "TrimmedDataAccessException", "The data you are trying to access has been trimmed")
	th, err := sc.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{StreamArn: &arn, ShardId: shard, ShardIteratorType: "TRIM_HORIZON"})
	if err != nil {
		t.Fatal(err)
	}
	gr, err = sc.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: th.ShardIterator})
	if err != nil || len(gr.Records) != 1 || canonStreamItem(gr.Records[0].Dynamodb.Keys) != `{pk=S:"p";sk=N:2;}` {
		t.Fatalf("TRIM_HORIZON after trimming: %+v %v", gr, err)
	}

	if _, err := c.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("trim"),
		StreamSpecification: &types.StreamSpecification{StreamEnabled: aws.Bool(false)}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second)
	_, err = sc.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: &arn})
	wantErr(t, err, "ResourceNotFoundException", "Requested resource not found: Stream: "+arn+" not found")
	ls, err := sc.ListStreams(ctx, &dynamodbstreams.ListStreamsInput{})
	if err != nil || len(ls.Streams) != 0 {
		t.Errorf("ListStreams after the stream's retention: %+v %v", ls, err)
	}
}
