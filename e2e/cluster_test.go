package e2e

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
	clientv3 "go.etcd.io/etcd/client/v3"

	"github.com/dynago/dynago/server"
	"github.com/dynago/dynago/storage/etcd/etcdtest"
)

// Several Dynago nodes on one etcd cluster. These tests start their own
// etcd clusters (bin/etcd, `make etcd`) and skip without one; they run in
// the default pass, not again under DYNAGO_E2E_ETCD.

func skipClusterTest(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts etcd clusters")
	}
	if etcdStore != "" {
		t.Skip("runs in the default pass")
	}
}

// startEtcdNode starts an in-process Dynago node on an etcd cluster.
func startEtcdNode(t *testing.T, endpoints []string, prefix string) *server.Server {
	t.Helper()
	cfg := server.Config{
		Addr:  "127.0.0.1:0",
		Store: "etcd://" + strings.Join(endpoints, ","),
		Etcd:  server.EtcdConfig{Prefix: prefix},
		Log:   slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if testing.Verbose() {
		cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	s, err := server.Start(cfg)
	if err != nil {
		t.Fatalf("start node: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	})
	return s
}

// eventually retries check until it returns nil or 5 seconds pass.
func eventually(t *testing.T, what string, check func() error) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := check()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestClusterCatalog: tables created, changed and deleted through one node
// are seen by the other; items written through either are read through
// both; dropped data is cleaned up once.
func TestClusterCatalog(t *testing.T) {
	skipClusterTest(t)
	ec := etcdtest.Start(t, 3)
	a := startEtcdNode(t, ec.Endpoints, "catalog/")
	b := startEtcdNode(t, ec.Endpoints, "catalog/")
	ca, cb := newClient(t, a), newClient(t, b)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	createHashTable(t, ctx, ca, "shared")
	// Through b at once: a lookup that misses b's cache reads the store.
	if _, err := cb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("shared")}); err != nil {
		t.Fatalf("DescribeTable through the other node right after CreateTable: %v", err)
	}
	if _, err := cb.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("shared"), Item: item{"pk": S("k"), "v": S("from b")}}); err != nil {
		t.Fatal(err)
	}
	if got := getItemC(t, ctx, ca, "shared", item{"pk": S("k")}); render(got["v"]) != "S:from b" {
		t.Fatalf("item written through b, read through a: %s", render(got))
	}
	eventually(t, "ListTables through b", func() error {
		out, err := cb.ListTables(ctx, &dynamodb.ListTablesInput{})
		if err != nil {
			return err
		}
		if len(out.TableNames) != 1 || out.TableNames[0] != "shared" {
			return fmt.Errorf("tables %v", out.TableNames)
		}
		return nil
	})

	// A change through a reaches b's cache (the catalog watch).
	if _, err := ca.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("shared"), DeletionProtectionEnabled: aws.Bool(true)}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "DeletionProtectionEnabled through b", func() error {
		d, err := cb.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String("shared")})
		if err != nil {
			return err
		}
		if !aws.ToBool(d.Table.DeletionProtectionEnabled) {
			return errors.New("not yet")
		}
		return nil
	})
	_, err := cb.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("shared")})
	wantErr(t, err, "ValidationException", "")
	if _, err := cb.UpdateTable(ctx, &dynamodb.UpdateTableInput{TableName: aws.String("shared"), DeletionProtectionEnabled: aws.Bool(false)}); err != nil {
		t.Fatal(err)
	}

	// Deleted through b, recreated through a under the same name: each node
	// serves the new, empty table.
	for i := range 50 {
		if _, err := ca.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("shared"), Item: item{"pk": S(fmt.Sprint(i))}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cb.DeleteTable(ctx, &dynamodb.DeleteTableInput{TableName: aws.String("shared")}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "GetItem through a after DeleteTable through b", func() error {
		_, err := ca.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("shared"), Key: item{"pk": S("k")}})
		if err == nil {
			return errors.New("table still served")
		}
		return nil
	})
	createHashTable(t, ctx, ca, "shared")
	for _, c := range []*dynamodb.Client{ca, cb} {
		eventually(t, "the recreated table is empty", func() error {
			out, err := c.Scan(ctx, &dynamodb.ScanInput{TableName: aws.String("shared"), ConsistentRead: aws.Bool(true)})
			if err != nil {
				return err
			}
			if len(out.Items) != 0 {
				return fmt.Errorf("%d items", len(out.Items))
			}
			return nil
		})
	}
	// The dropped table's data is deleted by the leader, whichever node it
	// is, and the marker with it.
	cli, err := ec.Client()
	if err != nil {
		t.Fatal(err)
	}
	defer cli.Close()
	eventually(t, "dropped table cleaned up", func() error {
		resp, err := cli.Get(ctx, "catalog/k/\x00dropped/", clientv3.WithPrefix(), clientv3.WithCountOnly())
		if err != nil {
			return err
		}
		if resp.Count != 0 {
			return fmt.Errorf("%d dropped-table markers left", resp.Count)
		}
		return nil
	})
}

// faultLoad is the conditional-write load of TestClusterFaults: each client
// repeatedly reads a counter and writes counter+1 conditionally on the
// value it read, and puts items of its own under unique keys.
type faultLoad struct {
	counters int
	mu       sync.Mutex
	acked    map[string]bool // unique keys acknowledged
	incs     []int64         // acknowledged increments per counter
	unknown  []int64         // increments whose outcome the client did not learn
	okAt     []time.Time     // when writes were acknowledged
	errs     atomic.Int64
}

func (l *faultLoad) run(ctx context.Context, id int, pick func() *dynamodb.Client, stop <-chan struct{}) {
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		c := pick()
		ctr := (id + i) % l.counters
		key := item{"pk": S(fmt.Sprint("counter-", ctr))}
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		out, err := c.GetItem(rctx, &dynamodb.GetItemInput{TableName: aws.String("faults"), Key: key, ConsistentRead: aws.Bool(true)})
		cancel()
		if err != nil {
			l.errs.Add(1)
			time.Sleep(20 * time.Millisecond)
			continue
		}
		old := out.Item["n"].(*types.AttributeValueMemberN).Value
		var n int64
		fmt.Sscan(old, &n)
		rctx, cancel = context.WithTimeout(ctx, 5*time.Second)
		_, err = c.PutItem(rctx, &dynamodb.PutItemInput{
			TableName:                 aws.String("faults"),
			Item:                      item{"pk": key["pk"], "n": N(fmt.Sprint(n + 1))},
			ConditionExpression:       aws.String("n = :old"),
			ExpressionAttributeValues: item{":old": N(old)},
		})
		cancel()
		var ccf *types.ConditionalCheckFailedException
		switch {
		case err == nil:
			l.mu.Lock()
			l.incs[ctr]++
			l.okAt = append(l.okAt, time.Now())
			l.mu.Unlock()
		case errors.As(err, &ccf):
			// Someone else incremented first: not applied.
		default:
			l.errs.Add(1)
			l.mu.Lock()
			l.unknown[ctr]++
			l.mu.Unlock()
		}
		k := fmt.Sprintf("w%d-%d", id, i)
		rctx, cancel = context.WithTimeout(ctx, 5*time.Second)
		_, err = c.PutItem(rctx, &dynamodb.PutItemInput{
			TableName:           aws.String("faults"),
			Item:                item{"pk": S(k)},
			ConditionExpression: aws.String("attribute_not_exists(pk)"),
		})
		cancel()
		if err == nil {
			l.mu.Lock()
			l.acked[k] = true
			l.okAt = append(l.okAt, time.Now())
			l.mu.Unlock()
		} else if !errors.As(err, &ccf) {
			l.errs.Add(1)
		}
	}
}

func (l *faultLoad) ackedBetween(from, to time.Time) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, at := range l.okAt {
		if !at.Before(from) && at.Before(to) {
			n++
		}
	}
	return n
}

// startEtcdProcess runs `dynago serve --store etcd://...` and waits until
// it answers.
func startEtcdProcess(t *testing.T, addr string, endpoints []string, prefix string) *exec.Cmd {
	t.Helper()
	return startDynago(t, addr, "--store", "etcd://"+strings.Join(endpoints, ","), "--etcd-prefix", prefix, "--log-level", "error")
}

// TestClusterFaults: two Dynago processes on a three-member etcd cluster
// under a conditional-write load from several clients. The etcd leader is
// killed and later restarted, then one Dynago node is killed. Every
// acknowledged write must be there afterwards, no update lost (each counter
// equals its acknowledged increments, plus at most the increments whose
// outcome was unknown to the client), and the cluster must keep serving
// with two of three etcd members.
func TestClusterFaults(t *testing.T) {
	skipClusterTest(t)
	ec := etcdtest.Start(t, 3)
	addrs := []string{freeAddr(t), freeAddr(t)}
	nodes := []*exec.Cmd{
		startEtcdProcess(t, addrs[0], ec.Endpoints, "faults/"),
		startEtcdProcess(t, addrs[1], ec.Endpoints, "faults/"),
	}
	defer func() {
		for _, n := range nodes {
			if n != nil {
				n.Process.Signal(syscall.SIGTERM)
				n.Wait()
			}
		}
	}()
	clients := []*dynamodb.Client{clientFor(addrs[0]), clientFor(addrs[1])}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	createHashTable(t, ctx, clients[0], "faults")
	const counters = 4
	for i := range counters {
		if _, err := clients[1].PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String("faults"),
			Item: item{"pk": S(fmt.Sprint("counter-", i)), "n": N("0")}}); err != nil {
			t.Fatal(err)
		}
	}

	load := &faultLoad{counters: counters, acked: map[string]bool{}, incs: make([]int64, counters), unknown: make([]int64, counters)}
	var nodeADead atomic.Bool
	stop := make(chan struct{})
	var wg sync.WaitGroup
	const workers = 8
	for w := range workers {
		wg.Go(func() {
			load.run(ctx, w, func() *dynamodb.Client {
				// Half the clients use node A until it dies, as behind a
				// load balancer; then everyone uses node B.
				if w%2 == 0 && !nodeADead.Load() {
					return clients[0]
				}
				return clients[1]
			}, stop)
		})
	}
	phase := func(what string, d time.Duration) (from, to time.Time) {
		from = time.Now()
		time.Sleep(d)
		to = time.Now()
		t.Logf("%s: %d writes acknowledged in %v", what, load.ackedBetween(from, to), d)
		return from, to
	}
	phase("all up", 3*time.Second)

	leader, err := ec.Leader(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ec.Kill(leader)
	t.Logf("killed etcd leader m%d", leader+1)
	// A new leader is elected within an election timeout or two.
	time.Sleep(3 * time.Second)
	from, to := phase("two of three etcd members", 4*time.Second)
	if load.ackedBetween(from, to) == 0 {
		t.Fatalf("no write acknowledged with two of three etcd members up; etcd logs:\n%s", ec.Log((leader+1)%3))
	}
	if err := ec.Restart(leader); err != nil {
		t.Fatal(err)
	}
	t.Logf("restarted m%d", leader+1)
	phase("all up again", 3*time.Second)

	nodes[0].Process.Kill()
	nodes[0].Wait()
	nodes[0] = nil
	nodeADead.Store(true)
	t.Log("killed Dynago node A")
	from, to = phase("one Dynago node", 3*time.Second)
	if load.ackedBetween(from, to) == 0 {
		t.Fatal("no write acknowledged after a Dynago node died")
	}
	close(stop)
	wg.Wait()

	// Verify through the surviving node.
	c := clients[1]
	missing := 0
	for k := range load.acked {
		out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("faults"), Key: item{"pk": S(k)}, ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		if out.Item == nil {
			if missing++; missing <= 5 {
				t.Errorf("acknowledged write %s lost", k)
			}
		}
	}
	var totalIncs int64
	for i := range counters {
		out, err := c.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String("faults"), Key: item{"pk": S(fmt.Sprint("counter-", i))}, ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		fmt.Sscan(out.Item["n"].(*types.AttributeValueMemberN).Value, &n)
		totalIncs += load.incs[i]
		if n < load.incs[i] || n > load.incs[i]+load.unknown[i] {
			t.Errorf("counter %d = %d after %d acknowledged increments (%d of unknown outcome): lost or phantom update", i, n, load.incs[i], load.unknown[i])
		}
	}
	t.Logf("%d unique puts and %d increments acknowledged, %d requests failed or timed out", len(load.acked), totalIncs, load.errs.Load())
	if missing > 0 {
		t.Fatalf("%d of %d acknowledged writes lost", missing, len(load.acked))
	}
}
