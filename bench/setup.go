package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// describeOutput is the part of DescribeTable's answer setup looks at.
type describeOutput struct {
	Table *struct {
		TableStatus string
		KeySchema   []struct {
			AttributeName string
			KeyType       string
		}
		AttributeDefinitions []struct {
			AttributeName string
			AttributeType string
		}
	}
}

// errTableMissing reports that the table does not exist.
var errTableMissing = errors.New("table does not exist")

// describe returns the table's status; ok is false when the endpoint answered
// 200 without a Table (a stub such as TrivialServer). It checks the key schema
// is the one the workloads need.
func describe(ctx context.Context, c *client, table string) (status string, ok bool, err error) {
	body, _ := json.Marshal(map[string]string{"TableName": table})
	code, resp, err := c.call(ctx, "DescribeTable", body)
	if err != nil {
		return "", false, err
	}
	if code != 200 {
		if string(errorType(resp)) == "ResourceNotFoundException" {
			return "", false, errTableMissing
		}
		return "", false, fmt.Errorf("DescribeTable: HTTP %d: %s", code, resp)
	}
	var out describeOutput
	if err := json.Unmarshal(resp, &out); err != nil || out.Table == nil || out.Table.TableStatus == "" {
		return "", false, nil
	}
	keys := map[string]string{}
	for _, k := range out.Table.KeySchema {
		keys[k.KeyType] = k.AttributeName
	}
	types := map[string]string{}
	for _, a := range out.Table.AttributeDefinitions {
		types[a.AttributeName] = a.AttributeType
	}
	if keys["HASH"] != "pk" || keys["RANGE"] != "sk" || types["pk"] != "S" || types["sk"] != "N" {
		return "", false, fmt.Errorf("table %s exists with another key schema; the benchmark needs hash key pk (S) and range key sk (N): use another --table", table)
	}
	return out.Table.TableStatus, true, nil
}

// setup creates the table when it does not exist, waits until it is ACTIVE
// and preloads every item with BatchWriteItem, conc requests at a time.
func setup(ctx context.Context, c *client, cfg *config, wl *workload, log io.Writer) error {
	create := fmt.Sprintf(`{"TableName":%s,`+
		`"AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},{"AttributeName":"sk","AttributeType":"N"}],`+
		`"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},{"AttributeName":"sk","KeyType":"RANGE"}],`+
		`"BillingMode":"PAY_PER_REQUEST"}`, strconv.Quote(cfg.Table))
	code, resp, err := c.call(ctx, "CreateTable", []byte(create))
	if err != nil {
		return fmt.Errorf("CreateTable: %w", err)
	}
	switch {
	case code == 200:
		fmt.Fprintf(log, "setup: created table %s\n", cfg.Table)
	case string(errorType(resp)) == "ResourceInUseException":
		fmt.Fprintf(log, "setup: table %s exists\n", cfg.Table)
	default:
		return fmt.Errorf("CreateTable: HTTP %d: %s", code, resp)
	}

	deadline := time.Now().Add(2 * time.Minute)
	for {
		status, ok, err := describe(ctx, c, cfg.Table)
		if err != nil && !errors.Is(err, errTableMissing) {
			return err
		}
		if !ok && err == nil {
			fmt.Fprintf(log, "setup: DescribeTable has no table status (a stub endpoint?); going on\n")
			break
		}
		if status == "ACTIVE" {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("table %s not ACTIVE after 2 minutes (status %q)", cfg.Table, status)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}

	start := time.Now()
	batches := (cfg.Items + batchSize - 1) / batchSize
	var next atomic.Int64
	var wg sync.WaitGroup
	errc := make(chan error, cfg.C)
	for range min(cfg.C, batches) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := newRand(uint64(time.Now().UnixNano()))
			var buf []byte
			for {
				b := int(next.Add(1) - 1)
				if b >= batches || ctx.Err() != nil {
					return
				}
				first := b * batchSize
				n := min(batchSize, cfg.Items-first)
				buf = wl.appendBatch(buf[:0], first, n, rng)
				if err := writeBatch(ctx, c, buf); err != nil {
					errc <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errc)
	if err := <-errc; err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	el := time.Since(start)
	fmt.Fprintf(log, "setup: preloaded %d items of ~%d bytes in %.2fs (%.0f items/s)\n",
		cfg.Items, cfg.ItemSize, el.Seconds(), float64(cfg.Items)/el.Seconds())
	return nil
}

// writeBatch sends one BatchWriteItem, resending unprocessed items and
// retrying throttling and server errors with backoff.
func writeBatch(ctx context.Context, c *client, body []byte) error {
	backoff := 20 * time.Millisecond
	for attempt := 0; ; attempt++ {
		code, resp, err := c.call(ctx, "BatchWriteItem", body)
		retry := false
		switch {
		case err != nil:
			retry = true
		case code == 200:
			u := rawField(resp, "UnprocessedItems")
			if u == nil || isEmptyObject(u) {
				return nil
			}
			body = append(append([]byte(`{"RequestItems":`), u...), '}')
			retry = true
		default:
			t := string(errorType(resp))
			retry = code >= 500 || t == "ThrottlingException" || t == "ProvisionedThroughputExceededException" ||
				t == "RequestLimitExceeded"
			err = fmt.Errorf("BatchWriteItem: HTTP %d: %s", code, resp)
		}
		if !retry || attempt >= 10 {
			if err == nil {
				err = errors.New("BatchWriteItem: items still unprocessed after 10 retries")
			}
			return err
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, time.Second)
	}
}
