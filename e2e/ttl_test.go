package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	stypes "github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/dynago/dynago/server"
)

func enableTTL(t *testing.T, ctx context.Context, c *dynamodb.Client, table, attr string) {
	t.Helper()
	out, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(table),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(attr), Enabled: aws.Bool(true)}})
	if err != nil {
		t.Fatal(err)
	}
	if s := out.TimeToLiveSpecification; aws.ToString(s.AttributeName) != attr || !aws.ToBool(s.Enabled) {
		t.Fatalf("UpdateTimeToLive answered %+v", s)
	}
}

func scanKeys(t *testing.T, ctx context.Context, c *dynamodb.Client, table string) []string {
	t.Helper()
	var keys []string
	p := dynamodb.NewScanPaginator(c, &dynamodb.ScanInput{TableName: aws.String(table)})
	for p.HasMorePages() {
		out, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, it := range out.Items {
			keys = append(keys, it["pk"].(*types.AttributeValueMemberS).Value)
		}
	}
	sort.Strings(keys)
	return keys
}

// TestTTLExpiry: expired items are deleted by the expirer (also items
// written before TTL was enabled), items with a non-number, far-past (more
// than five years) or future expiry stay, and each deletion is a REMOVE
// stream record by the service.
func TestTTLExpiry(t *testing.T) {
	s := startServerWith(t, func(c *server.Config) { c.TTLInterval = 100 * time.Millisecond })
	c := newClient(t, s)
	sc := newStreamsClient(s)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	out, err := c.CreateTable(ctx, &dynamodb.CreateTableInput{
		TableName:            aws.String("ttl"),
		AttributeDefinitions: []types.AttributeDefinition{{AttributeName: aws.String("pk"), AttributeType: types.ScalarAttributeTypeS}},
		KeySchema:            []types.KeySchemaElement{{AttributeName: aws.String("pk"), KeyType: types.KeyTypeHash}},
		BillingMode:          types.BillingModePayPerRequest,
		StreamSpecification:  &types.StreamSpecification{StreamEnabled: aws.Bool(true), StreamViewType: types.StreamViewTypeNewAndOldImages},
	})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(out.TableDescription.LatestStreamArn)
	now := time.Now().Unix()
	put := func(pk string, exp types.AttributeValue) {
		t.Helper()
		it := map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: pk}}
		if exp != nil {
			it["exp"] = exp
		}
		if _, err := c.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("ttl"), Item: it}); err != nil {
			t.Fatal(err)
		}
	}
	n := func(v int64) types.AttributeValue {
		return &types.AttributeValueMemberN{Value: strconv.FormatInt(v, 10)}
	}
	put("before-enable", n(now-60)) // indexed by the backfill
	enableTTL(t, ctx, c, "ttl", "exp")
	put("expired", n(now-10))
	put("expired-fraction", &types.AttributeValueMemberN{Value: strconv.FormatInt(now-5, 10) + ".5"})
	put("four-years-ago", n(now-4*365*24*3600))
	put("six-years-ago", n(now-6*365*24*3600))
	put("future", n(now+3600))
	put("string", &types.AttributeValueMemberS{Value: strconv.FormatInt(now-10, 10)})
	put("no-attribute", nil)
	put("moved", n(now+1))
	if _, err := c.UpdateItem(ctx, &dynamodb.UpdateItemInput{TableName: aws.String("ttl"),
		Key: map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: "moved"}}, UpdateExpression: aws.String("SET exp = :e"),
		ExpressionAttributeValues: map[string]types.AttributeValue{":e": n(now + 3600)}}); err != nil {
		t.Fatal(err)
	}
	want := []string{"future", "moved", "no-attribute", "six-years-ago", "string"}
	deadline := time.Now().Add(5 * time.Second)
	var keys []string
	for {
		keys = scanKeys(t, ctx, c, "ttl")
		if fmt.Sprint(keys) == fmt.Sprint(want) || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if fmt.Sprint(keys) != fmt.Sprint(want) {
		t.Fatalf("items left: %v, want %v", keys, want)
	}
	time.Sleep(1200 * time.Millisecond) // "moved" would have expired by now
	if keys = scanKeys(t, ctx, c, "ttl"); fmt.Sprint(keys) != fmt.Sprint(want) {
		t.Fatalf("items left: %v, want %v", keys, want)
	}

	cons := newStreamConsumer(sc, arn)
	if err := cons.poll(ctx); err != nil {
		t.Fatal(err)
	}
	removed := map[string]bool{}
	for _, r := range cons.records {
		pk := r.Dynamodb.Keys["pk"].(*stypes.AttributeValueMemberS).Value
		if r.EventName != stypes.OperationTypeRemove {
			if r.UserIdentity != nil {
				t.Errorf("%s record of %s has userIdentity %+v", r.EventName, pk, r.UserIdentity)
			}
			continue
		}
		removed[pk] = true
		if id := r.UserIdentity; id == nil || aws.ToString(id.Type) != "Service" || aws.ToString(id.PrincipalId) != "dynamodb.amazonaws.com" {
			t.Errorf("REMOVE of %s: userIdentity %+v, want Service dynamodb.amazonaws.com", pk, id)
		}
		if r.Dynamodb.OldImage == nil || r.Dynamodb.NewImage != nil {
			t.Errorf("REMOVE of %s: images %v %v", pk, r.Dynamodb.OldImage, r.Dynamodb.NewImage)
		}
	}
	if fmt.Sprint(removed) != fmt.Sprint(map[string]bool{"before-enable": true, "expired": true, "expired-fraction": true, "four-years-ago": true}) {
		t.Errorf("REMOVE records for %v", removed)
	}
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("ttl")})
	if err != nil || aws.ToInt64(d.Table.ItemCount) != int64(len(want)) {
		t.Errorf("ItemCount %d, want %d (%v)", aws.ToInt64(d.Table.ItemCount), len(want), err)
	}
}

// TestUpdateTimeToLive checks UpdateTimeToLive's answers and validations
// (DynamoDB's cooldown after a change included) and DescribeTimeToLive.
func TestUpdateTimeToLive(t *testing.T) {
	c, ctx := setup(t)
	createHashTable(t, ctx, c, "ttlv")
	describe := func() string {
		t.Helper()
		out, err := c.DescribeTimeToLive(ctx, &dynamodb.DescribeTimeToLiveInput{TableName: aws.String("ttlv")})
		if err != nil {
			t.Fatal(err)
		}
		return string(out.TimeToLiveDescription.TimeToLiveStatus) + " " + aws.ToString(out.TimeToLiveDescription.AttributeName)
	}
	update := func(table, attr string, on bool) error {
		_, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String(table),
			TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String(attr), Enabled: aws.Bool(on)}})
		return err
	}
	if d := describe(); d != "DISABLED " {
		t.Errorf("new table: %q", d)
	}
	wantErr(t, update("ttlv", "exp", false), "ValidationException", "TimeToLive is already disabled")
	wantErr(t, update("nope", "exp", true), "ResourceNotFoundException", "Requested resource not found: Table: nope not found")
	enableTTL(t, ctx, c, "ttlv", "exp")
	if d := describe(); d != "ENABLED exp" {
		t.Errorf("after enabling: %q", d)
	}
	wantErr(t, update("ttlv", "exp", true), "ValidationException", "TimeToLive is already enabled")
	wantErr(t, update("ttlv", "other", true), "ValidationException", "TimeToLive is active on a different AttributeName")
	wantErr(t, update("ttlv", "other", false), "ValidationException", "TimeToLive is active on a different AttributeName")
	wantErr(t, update("ttlv", "exp", false), "ValidationException", "Time to live has been modified multiple times within a fixed interval")

	// Without the cooldown: disable, then enable another attribute.
	s := startServerWith(t, func(c *server.Config) { c.TTLCooldown = -1 })
	c = newClient(t, s)
	createHashTable(t, ctx, c, "ttlv")
	enableTTL(t, ctx, c, "ttlv", "exp")
	out, err := c.UpdateTimeToLive(ctx, &dynamodb.UpdateTimeToLiveInput{TableName: aws.String("ttlv"),
		TimeToLiveSpecification: &types.TimeToLiveSpecification{AttributeName: aws.String("exp"), Enabled: aws.Bool(false)}})
	if err != nil || aws.ToBool(out.TimeToLiveSpecification.Enabled) || aws.ToString(out.TimeToLiveSpecification.AttributeName) != "exp" {
		t.Fatalf("disable: %+v %v", out, err)
	}
	if d := describe(); d != "DISABLED " {
		t.Errorf("after disabling: %q", d)
	}
	enableTTL(t, ctx, c, "ttlv", "other")
	if d := describe(); d != "ENABLED other" {
		t.Errorf("after enabling another attribute: %q", d)
	}
}

// captureLog collects the expirer's "expired items deleted" debug lines.
type captureLog struct {
	mu     sync.Mutex
	rounds []string
}

func (h *captureLog) Enabled(context.Context, slog.Level) bool { return true }
func (h *captureLog) Handle(_ context.Context, r slog.Record) error {
	if r.Message != "expired items deleted" {
		return nil
	}
	var line string
	r.Attrs(func(a slog.Attr) bool {
		line += a.Key + "=" + a.Value.String() + " "
		return true
	})
	h.mu.Lock()
	h.rounds = append(h.rounds, line)
	h.mu.Unlock()
	return nil
}
func (h *captureLog) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *captureLog) WithGroup(string) slog.Handler      { return h }

// TestTTLManyItems: a table of 100,000 items of which 1,000 expire; they
// are gone within two expirer rounds (1 s each here), and the rounds'
// costs are logged. Loading 100,000 items takes 5 to 20 s, so the test
// runs only with DYNAGO_TTL_BIG=1; TestExpireRoundCost in package table
// (run by default) measures one round against the size of the table.
func TestTTLManyItems(t *testing.T) {
	if os.Getenv("DYNAGO_TTL_BIG") != "1" {
		t.Skip("set DYNAGO_TTL_BIG=1 to run the 100,000-item TTL test")
	}
	logs := &captureLog{}
	s := startServerWith(t, func(c *server.Config) {
		c.TTLInterval = time.Second
		c.Log = slog.New(logs)
	})
	c := newClient(t, s)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	createHashTable(t, ctx, c, "big")
	enableTTL(t, ctx, c, "big", "exp")
	const total, expiring = 100_000, 1_000
	// First the items that do not expire, then the 1,000 that do, so the
	// time the loading takes does not matter.
	var expireAt int64
	load := func(expiringOnes bool) {
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		next := make(chan int)
		stride := 1 // every item but the expiring ones
		if expiringOnes {
			stride = total / expiring
		}
		for range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for b := range next {
					var reqs []types.WriteRequest
					for i := b; i < b+25*stride && i < total; i += stride {
						if !expiringOnes && i%(total/expiring) == 0 {
							continue
						}
						exp := time.Now().Unix() + 365*24*3600
						if expiringOnes {
							exp = expireAt
						}
						reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: map[string]types.AttributeValue{
							"pk":  &types.AttributeValueMemberS{Value: fmt.Sprintf("item-%06d", i)},
							"exp": &types.AttributeValueMemberN{Value: strconv.FormatInt(exp, 10)},
							"pad": &types.AttributeValueMemberS{Value: "some payload to make the item look like an item"},
						}}})
					}
					out, err := c.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{"big": reqs}})
					if err == nil && len(out.UnprocessedItems) > 0 {
						err = fmt.Errorf("unprocessed items")
					}
					if err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		for b := 0; b < total; b += 25 * stride {
			next <- b
		}
		close(next)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}
	start := time.Now()
	load(false)
	t.Logf("loaded %d items in %v", total-expiring, time.Since(start).Round(time.Millisecond))
	expireAt = time.Now().Add(2 * time.Second).Unix()
	load(true)
	// The items expire at expireAt (they are expired once it is past);
	// the expirer's next round deletes them: they are gone within two
	// rounds of it.
	expired := time.Unix(expireAt, 0)
	// left counts the expiring items still there (BatchGetItem by key).
	left := func() int {
		n := 0
		for b := 0; b < total; b += 100 * (total / expiring) {
			var keys []map[string]types.AttributeValue
			for i := b; i < b+100*(total/expiring) && i < total; i += total / expiring {
				keys = append(keys, map[string]types.AttributeValue{"pk": &types.AttributeValueMemberS{Value: fmt.Sprintf("item-%06d", i)}})
			}
			out, err := c.BatchGetItem(ctx, &dynamodb.BatchGetItemInput{RequestItems: map[string]types.KeysAndAttributes{"big": {Keys: keys}}})
			if err != nil || len(out.UnprocessedKeys) > 0 {
				t.Fatalf("BatchGetItem: %v (unprocessed %d)", err, len(out.UnprocessedKeys))
			}
			n += len(out.Responses["big"])
		}
		return n
	}
	if n := left(); n != expiring {
		t.Fatalf("%d expiring items before their expiry, want %d", n, expiring)
	}
	time.Sleep(time.Until(expired))
	var took time.Duration
	for {
		took = time.Since(expired)
		if left() == 0 {
			break
		}
		if took > 2*time.Second+500*time.Millisecond {
			t.Fatalf("%d of the %d expired items are left %v after they expired (rounds: %v)", left(), expiring, took, logs.rounds)
		}
		time.Sleep(20 * time.Millisecond)
	}
	logs.mu.Lock()
	t.Logf("expired items gone %v after their expiry time (two rounds: 2 s); deleting rounds: %v", took.Round(time.Millisecond), logs.rounds)
	logs.mu.Unlock()
	d, err := c.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("big")})
	if err != nil || aws.ToInt64(d.Table.ItemCount) != total-expiring {
		t.Errorf("ItemCount %d, want %d (%v)", aws.ToInt64(d.Table.ItemCount), total-expiring, err)
	}
}
