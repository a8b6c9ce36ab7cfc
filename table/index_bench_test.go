package table

// Benchmarks of secondary indexes, on the default engine (Pebble, on disk,
// without fsync so that the numbers show Dynago's work, not the disk's):
//
//	go test ./table -run '^$' -bench Backfill -benchtime 3x
//	go test ./table -run '^$' -bench PutWithGSIs -benchtime 2s
//
// BenchmarkBackfill builds a global index on a table of 100,000 items and
// reports items/s. BenchmarkPutWithGSIs measures PutItem (through DB, no
// HTTP) on tables with 0, 1, 2, 5 and 20 global indexes (ALL and KEYS_ONLY
// projections); the difference between sub-benchmarks is the cost of each
// extra index.

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"testing"
	"time"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/storage/pebble"
	"github.com/dynago/dynago/wire"
)

func BenchmarkBackfill(b *testing.B) {
	const n = 100_000
	for _, proj := range []string{"KEYS_ONLY", "ALL"} {
		b.Run(proj, func(b *testing.B) {
			var total time.Duration
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				db, eng, m := benchTable(b, b.TempDir(), "bf")
				bulkLoad(b, eng, m, n, func(i int) ddb.Item {
					return ddb.Item{"pk": ddb.S(fmt.Sprintf("user-%07d", i)), "sk": ddb.N(strconv.Itoa(i % 10)),
						"f": ddb.S(fmt.Sprint("status-", i%5)), "payload": ddb.S("0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghij")}
				})
				b.StartTimer()
				start := time.Now()
				_, err := db.UpdateTable(context.Background(), &wire.UpdateTableInput{
					TableName:            qsStr("bf"),
					AttributeDefinitions: []wire.AttributeDefinition{{AttributeName: qsStr("f"), AttributeType: qsStr("S")}},
					GlobalSecondaryIndexUpdates: []wire.GlobalSecondaryIndexUpdate{{Create: &wire.CreateGlobalSecondaryIndexAction{
						IndexName:  qsStr("byF"),
						KeySchema:  []wire.KeySchemaElement{{AttributeName: qsStr("f"), KeyType: qsStr("HASH")}},
						Projection: &wire.Projection{ProjectionType: qsStr(proj)},
					}}},
				})
				if err != nil {
					b.Fatal(err)
				}
				for {
					if idx, _ := db.lookup("bf").meta.index("byF"); idx.Status == StatusActive {
						break
					}
					time.Sleep(time.Millisecond)
				}
				total += time.Since(start)
				b.StopTimer()
				db.Close()
				eng.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(n*b.N)/total.Seconds(), "items/s")
		})
	}
}

func BenchmarkPutWithGSIs(b *testing.B) {
	for _, n := range []int{0, 1, 2, 5, 20} {
		for _, proj := range []string{"KEYS_ONLY", "ALL"} {
			if n == 0 && proj == "ALL" {
				continue
			}
			b.Run(fmt.Sprintf("gsis=%d/%s", n, proj), func(b *testing.B) {
				eng, err := pebble.Open(b.TempDir(), pebble.Options{NoSync: true, Logger: slog.New(slog.DiscardHandler)})
				if err != nil {
					b.Fatal(err)
				}
				db, err := Open(eng, Config{})
				if err != nil {
					b.Fatal(err)
				}
				defer func() {
					db.Close()
					eng.Close()
				}()
				in := &wire.CreateTableInput{
					TableName:            qsStr("pw"),
					AttributeDefinitions: []wire.AttributeDefinition{{AttributeName: qsStr("pk"), AttributeType: qsStr("S")}},
					KeySchema:            []wire.KeySchemaElement{{AttributeName: qsStr("pk"), KeyType: qsStr("HASH")}},
					BillingMode:          qsStr("PAY_PER_REQUEST"),
				}
				for g := 0; g < n; g++ {
					a := fmt.Sprint("g", g)
					in.AttributeDefinitions = append(in.AttributeDefinitions, wire.AttributeDefinition{AttributeName: qsStr(a), AttributeType: qsStr("S")})
					in.GlobalSecondaryIndexes = append(in.GlobalSecondaryIndexes, wire.GlobalSecondaryIndex{
						IndexName:  qsStr("idx" + a),
						KeySchema:  []wire.KeySchemaElement{{AttributeName: qsStr(a), KeyType: qsStr("HASH")}},
						Projection: &wire.Projection{ProjectionType: qsStr(proj)},
					})
				}
				if _, err := db.CreateTable(context.Background(), in); err != nil {
					b.Fatal(err)
				}
				item := ddb.Item{"payload": ddb.S("0123456789abcdefghijklmnopqrstuvwxyz0123456789abcdefghij0123456789abcdefghij")}
				for g := 0; g < 20; g++ {
					item[fmt.Sprint("g", g)] = ddb.S(fmt.Sprint("value-", g))
				}
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					it := item.Clone()
					it["pk"] = ddb.S(fmt.Sprintf("user-%09d", i))
					if _, err := db.PutItem(context.Background(), &wire.PutItemInput{TableName: qsStr("pw"), Item: wire.Item(it)}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
