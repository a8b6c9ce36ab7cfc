package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"
)

// TestAgainstRealEndpoint runs setup and every workload for a moment against
// a real DynamoDB-compatible endpoint and then checks the table's contents.
// It runs only when DYNAGO_BENCH_ENDPOINT is set, e.g.
//
//	DYNAGO_BENCH_ENDPOINT=http://127.0.0.1:8001 go test ./bench -run RealEndpoint -v
//
// It creates and finally deletes a table named bench_it_<time>.
func TestAgainstRealEndpoint(t *testing.T) {
	endpoint := os.Getenv("DYNAGO_BENCH_ENDPOINT")
	if endpoint == "" {
		t.Skip("DYNAGO_BENCH_ENDPOINT not set")
	}
	table := "bench_it_" + strconv.FormatInt(time.Now().UnixNano(), 36)
	const items, queryItems = 500, 10
	common := []string{"--endpoint", endpoint, "--table", table, "--items", strconv.Itoa(items),
		"--query-items", strconv.Itoa(queryItems), "-c", "4", "--warmup", "0.2", "-d", "1"}

	cfg, err := parseArgs(common, os.Stderr)
	if err != nil {
		t.Fatal(err)
	}
	c := &client{tr: newTransport(4), url: cfg.endpoint, signer: NewSigner(cfg.AccessKey, cfg.SecretKey, cfg.Region, "dynamodb")}
	ctx := context.Background()
	defer func() {
		code, resp, err := c.call(ctx, "DeleteTable", []byte(`{"TableName":"`+table+`"}`))
		if err != nil || code != 200 {
			t.Errorf("DeleteTable: %d %s %v", code, resp, err)
		}
	}()

	for i, op := range []string{"get", "put", "query", "update", "batchwrite", "scan", "mixed"} {
		args := append([]string{"--op", op}, common...)
		if i == 0 {
			args = append(args, "--setup")
		}
		code, res, stdout, stderr := runMain(t, args...)
		t.Logf("%s: %.0f ops/s p50 %.0fµs p99 %.0fµs errors %v", op, res.OpsPerS, res.P50us, res.P99us, res.Errors)
		if code != 0 || res.Ops == 0 || len(res.Errors) != 0 {
			t.Errorf("%s: exit %d %+v\n%s\n%s", op, code, res, stdout, stderr)
		}
	}

	// Every item is still in the key range, the update workload incremented
	// counters, and a GetItem sees an item of the expected shape.
	var start json.RawMessage
	count, total := 0, 0
	for {
		body := `{"TableName":"` + table + `"`
		if start != nil {
			body += `,"ExclusiveStartKey":` + string(start)
		}
		code, resp, err := c.call(ctx, "Scan", []byte(body+"}"))
		if err != nil || code != 200 {
			t.Fatalf("Scan: %d %s %v", code, resp, err)
		}
		var out struct {
			Items []struct {
				PK   struct{ S string } `json:"pk"`
				SK   struct{ N string } `json:"sk"`
				N    struct{ N string } `json:"n"`
				Data struct{ S string } `json:"data"`
			}
			LastEvaluatedKey json.RawMessage
		}
		if err := json.Unmarshal(resp, &out); err != nil {
			t.Fatal(err)
		}
		for _, it := range out.Items {
			count++
			n, _ := strconv.Atoi(it.N.N)
			total += n
			p, _ := strconv.Atoi(it.PK.S[1:])
			s, _ := strconv.Atoi(it.SK.N)
			if i := p*queryItems + s; i < 0 || i >= items || it.Data.S == "" {
				t.Errorf("unexpected item %+v", it)
			}
		}
		if out.LastEvaluatedKey == nil {
			break
		}
		start = out.LastEvaluatedKey
	}
	if count != items {
		t.Errorf("table holds %d items, want %d", count, items)
	}
	if total == 0 {
		t.Errorf("no counter was incremented by the update workload")
	}
	wl := newWorkload(table, items, 200, queryItems, 1)
	code, resp, err := c.call(ctx, "GetItem", wl.appendGet(nil, 123))
	if err != nil || code != 200 || len(resp) < 200 {
		t.Errorf("GetItem: %d %s %v", code, resp, err)
	}

	// The scan workload walks the whole table page by page, then starts over.
	w := newWorker(wl, "scan", nil, cfg.endpoint, c.signer, 1)
	defer w.close()
	pages := 0
	for {
		w.build(opScan)
		if e := w.do(opScan, time.Now()); e != "" {
			t.Fatalf("scan page %d: %s %v", pages, e, w.stats.examples)
		}
		pages++
		if len(w.scanKey) == 0 {
			break
		}
		if pages > items {
			t.Fatal("scan never ends")
		}
	}
	if want := items / scanPageSize; pages < want || pages > want+1 {
		t.Errorf("scan took %d pages, want %d or %d", pages, want, want+1)
	}
	fmt.Fprintf(os.Stderr, "%d items, sum of counters %d\n", count, total)
}
