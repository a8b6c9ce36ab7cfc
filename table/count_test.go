package table

import (
	"bytes"
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/storage/pebble"
	"github.com/dynago/dynago/wire"
)

// TestCountTableAfterReopen: the ItemCount and TableSizeBytes a table gets
// when it is first seen after start-up come from a scan in pages; across
// several pages they are exact when nothing writes meanwhile.
func TestCountTableAfterReopen(t *testing.T) {
	dir := t.TempDir()
	eng, err := pebble.Open(dir, pebble.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close()
	db, err := Open(eng, Config{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.CreateTable(context.Background(), &wire.CreateTableInput{
		TableName: qsStr("count"),
		AttributeDefinitions: []wire.AttributeDefinition{
			{AttributeName: qsStr("pk"), AttributeType: qsStr("S")},
			{AttributeName: qsStr("sk"), AttributeType: qsStr("N")},
		},
		KeySchema: []wire.KeySchemaElement{
			{AttributeName: qsStr("pk"), KeyType: qsStr("HASH")},
			{AttributeName: qsStr("sk"), KeyType: qsStr("RANGE")},
		},
		BillingMode: qsStr("PAY_PER_REQUEST"),
	})
	if err != nil {
		t.Fatal(err)
	}
	m := db.lookup("count").meta
	const n = 3*countPage + 17
	var wantBytes int64
	item := func(i int) ddb.Item {
		return benchItem("p"+strconv.Itoa(i/10), i%10, bytes.Repeat([]byte("v"), i%300))
	}
	for i := 0; i < n; i++ {
		wantBytes += int64(item(i).Size())
	}
	bulkLoad(t, eng, m, n, item) // straight into the store: the running DB's counts do not see them
	db.Close()

	db, err = Open(eng, Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := db.statsFor(m.ID)
	for deadline := time.Now().Add(30 * time.Second); st.items.Load() != n && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if got := st.items.Load(); got != n {
		t.Fatalf("ItemCount %d, want %d", got, n)
	}
	if got := st.bytes.Load(); got != wantBytes {
		t.Fatalf("TableSizeBytes %d, want %d", got, wantBytes)
	}
}
