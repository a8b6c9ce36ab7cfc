package table

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/storage"
	"github.com/dynago/dynago/wire"
)

func tableNotFound(name string) *ddb.Error {
	return ddb.Errorf(ddb.ErrResourceNotFound, "Requested resource not found: Table: %s not found", name)
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// CreateTable creates a table. The table is usable at once; the answer
// says CREATING, as DynamoDB's does, and DescribeTable says ACTIVE.
func (db *DB) CreateTable(ctx context.Context, in *wire.CreateTableInput) (*wire.CreateTableOutput, error) {
	m, err := buildMeta(in, db.cfg.Now())
	if err != nil {
		return nil, err
	}
	m.TableID = newUUID()
	m.ARN = db.tableARN(m.Name)
	for i := range m.LSIs {
		m.LSIs[i].ARN = m.ARN + "/index/" + m.LSIs[i].Name
	}
	for i := range m.GSIs {
		m.GSIs[i].ARN = m.ARN + "/index/" + m.GSIs[i].Name
	}
	var raw []byte
	err = db.eng.Update(ctx, func(tx storage.Tx) error {
		ck := catalogKey(m.Name)
		if _, err := tx.Get(ck); err == nil {
			return ddb.Errorf(ddb.ErrResourceInUse, "Table already exists: %s", m.Name)
		} else if !errors.Is(err, storage.ErrNotFound) {
			return err
		}
		id, err := nextTableID(tx)
		if err != nil {
			return err
		}
		m.ID = id
		if m.Stream.Enabled {
			if err := db.createStream(tx, m, 0, 0, m.Created); err != nil {
				return err
			}
		}
		raw, err = m.marshal()
		if err != nil {
			return err
		}
		return db.setCatalog(tx, m.Name, raw)
	})
	if err != nil {
		return nil, mapStorageError(err)
	}
	db.setCached(m.Name, m, raw)
	db.log.Info("table created", "table", m.Name, "id", m.ID)
	return &wire.CreateTableOutput{TableDescription: db.describe(m, StatusCreating)}, nil
}

// nextTableID allocates a table id (never reused).
func nextTableID(tx storage.Tx) (uint64, error) {
	var id uint64 = 1
	v, err := tx.Get(keyNextTableID)
	switch {
	case err == nil:
		if len(v) != 8 {
			return 0, errors.New("corrupt table id counter")
		}
		id = binary.BigEndian.Uint64(v)
	case !errors.Is(err, storage.ErrNotFound):
		return 0, err
	}
	if err := tx.Set(keyNextTableID, binary.BigEndian.AppendUint64(nil, id+1)); err != nil {
		return 0, err
	}
	return id, nil
}

// DescribeTable describes a table.
func (db *DB) DescribeTable(ctx context.Context, in *wire.DescribeTableInput) (*wire.DescribeTableOutput, error) {
	name := wire.Deref(in.TableName)
	ts := db.lookup(name)
	if ts == nil {
		return nil, tableNotFound(name)
	}
	return &wire.DescribeTableOutput{Table: db.describe(ts.meta, "")}, nil
}

// ListTables lists table names in order, in pages.
func (db *DB) ListTables(ctx context.Context, in *wire.ListTablesInput) (*wire.ListTablesOutput, error) {
	limit := 100
	if in.Limit != nil {
		limit = int(*in.Limit)
	}
	names := db.tableNames()
	start := 0
	if in.ExclusiveStartTableName != nil {
		start = sort.SearchStrings(names, *in.ExclusiveStartTableName)
		if start < len(names) && names[start] == *in.ExclusiveStartTableName {
			start++
		}
	}
	out := &wire.ListTablesOutput{TableNames: []string{}}
	end := min(start+limit, len(names))
	out.TableNames = append(out.TableNames, names[start:end]...)
	if end < len(names) && len(out.TableNames) > 0 {
		out.LastEvaluatedTableName = out.TableNames[len(out.TableNames)-1]
	}
	return out, nil
}

// DeleteTable deletes a table: the catalog entry goes at once, the data
// in the background.
func (db *DB) DeleteTable(ctx context.Context, in *wire.DeleteTableInput) (*wire.DeleteTableOutput, error) {
	name := wire.Deref(in.TableName)
	var m *Meta
	err := db.eng.Update(ctx, func(tx storage.Tx) error {
		ck := catalogKey(name)
		raw, err := tx.Get(ck)
		if errors.Is(err, storage.ErrNotFound) {
			return tableNotFound(name)
		}
		if err != nil {
			return err
		}
		m, err = unmarshalMeta(raw)
		if err != nil {
			return err
		}
		if m.DeletionProtection {
			return ddb.Validation("Resource cannot be deleted as it is currently protected against deletion. Disable deletion protection first.")
		}
		if err := checkNoIndexCreating(m); err != nil {
			return err
		}
		if err := db.retireStream(tx, m, db.cfg.Now()); err != nil {
			return err
		}
		if err := db.deleteCatalog(tx, name); err != nil {
			return err
		}
		return tx.Set(droppedKey(m.ID), nil)
	})
	if err != nil {
		return nil, mapStorageError(err)
	}
	desc := db.describe(m, StatusDeleting)
	// DynamoDB's answer to DeleteTable leaves the global secondary indexes
	// out (they are being deleted with the table).
	desc.GlobalSecondaryIndexes = nil
	db.setCached(name, nil, nil)
	db.forgetAllIndexStats(m)
	db.wakeDropLoop()
	db.log.Info("table deleted", "table", name, "id", m.ID)
	return &wire.DeleteTableOutput{TableDescription: desc}, nil
}

// updateMeta runs a catalog change of one table: change gets a copy of the
// current entry to modify. The change is committed and cached.
func (db *DB) updateMeta(ctx context.Context, name string, change func(m *Meta) error) (*Meta, error) {
	return db.updateMetaTx(ctx, name, func(_ storage.Tx, m *Meta) error { return change(m) })
}

// updateMetaTx is updateMeta for changes that write more than the catalog
// entry in the same transaction (a stream's metadata, say).
func (db *DB) updateMetaTx(ctx context.Context, name string, change func(tx storage.Tx, m *Meta) error) (*Meta, error) {
	var m *Meta
	var raw []byte
	err := db.eng.Update(ctx, func(tx storage.Tx) error {
		ck := catalogKey(name)
		cur, err := tx.Get(ck)
		if errors.Is(err, storage.ErrNotFound) {
			return tableNotFound(name)
		}
		if err != nil {
			return err
		}
		m, err = unmarshalMeta(cur)
		if err != nil {
			return err
		}
		if err := change(tx, m); err != nil {
			return err
		}
		raw, err = m.marshal()
		if err != nil {
			return err
		}
		if bytes.Equal(raw, cur) {
			return nil
		}
		m.Rev++
		if raw, err = m.marshal(); err != nil {
			return err
		}
		return db.setCatalog(tx, name, raw)
	})
	if err != nil {
		return nil, mapStorageError(err)
	}
	db.setCached(name, m, raw)
	return m, nil
}

// UpdateTable changes a table's billing mode, throughput, deletion
// protection, stream, SSE and table class, and its GSIs' throughput.
func (db *DB) UpdateTable(ctx context.Context, in *wire.UpdateTableInput) (*wire.UpdateTableOutput, error) {
	name := wire.Deref(in.TableName)
	if in.BillingMode == nil && in.ProvisionedThroughput == nil && len(in.GlobalSecondaryIndexUpdates) == 0 &&
		in.StreamSpecification == nil && in.SSESpecification == nil && in.DeletionProtectionEnabled == nil &&
		in.TableClass == nil && in.OnDemandThroughput == nil && in.WarmThroughput == nil {
		return nil, ddb.Validation("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is required")
	}
	if s := in.StreamSpecification; s != nil {
		if err := checkStreamSpec(s); err != nil {
			return nil, err
		}
	}
	now := db.cfg.Now()
	var before *Meta
	indexesChanged := false
	m, err := db.updateMetaTx(ctx, name, func(tx storage.Tx, m *Meta) error {
		prev := *m.clone()
		if err := applyTableUpdate(m, in, now); err != nil {
			return err
		}
		if err := db.applyStreamChange(tx, &prev, m, now); err != nil {
			return err
		}
		before = &prev
		var err error
		indexesChanged, err = db.applyIndexChange(tx, &prev, m)
		return err
	})
	if err != nil {
		return nil, err
	}
	if indexesChanged {
		db.afterIndexChange(before, m)
	}
	// Like CreateTable, the change is complete at once, but the answer says
	// UPDATING as DynamoDB's does for changes it applies asynchronously.
	status := ""
	if in.BillingMode != nil || in.ProvisionedThroughput != nil || len(in.GlobalSecondaryIndexUpdates) > 0 ||
		in.StreamSpecification != nil || in.SSESpecification != nil || in.TableClass != nil {
		status = StatusUpdating
	}
	desc := db.describe(m, status)
	if indexesChanged {
		describeIndexChanges(desc, before, m)
	}
	return &wire.UpdateTableOutput{TableDescription: desc}, nil
}

func applyTableUpdate(m *Meta, in *wire.UpdateTableInput, now time.Time) error {
	mode := m.BillingMode
	if in.BillingMode != nil {
		mode = *in.BillingMode
	}
	if pt := in.ProvisionedThroughput; pt != nil {
		if mode == BillingPayPerRequest {
			return invalidParams("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST")
		}
	} else if mode == BillingProvisioned && m.BillingMode == BillingPayPerRequest {
		return ddb.Validation("One or more parameter values were invalid: ProvisionedThroughput must be specified when BillingMode is PROVISIONED")
	}
	if in.BillingMode != nil {
		m.BillingExplicit = true
		if mode == BillingPayPerRequest && m.BillingMode != BillingPayPerRequest {
			t := now
			m.BillingSet = &t
			m.Throughput.Read, m.Throughput.Write = 0, 0
			for i := range m.GSIs {
				m.GSIs[i].Throughput.Read, m.GSIs[i].Throughput.Write = 0, 0
			}
		}
		m.BillingMode = mode
	}
	if pt := in.ProvisionedThroughput; pt != nil {
		r, w := wire.Deref(pt.ReadCapacityUnits), wire.Deref(pt.WriteCapacityUnits)
		if err := setThroughput(&m.Throughput, r, w, now, in.BillingMode == nil); err != nil {
			return err
		}
	}
	if err := checkIndexOperations(m, in.GlobalSecondaryIndexUpdates); err != nil {
		return err
	}
	for _, u := range in.GlobalSecondaryIndexUpdates {
		switch {
		case u.Update != nil:
			idx, ok := m.index(wire.Deref(u.Update.IndexName))
			if ok && !idx.Global {
				return ddb.Validation("Cannot update an index that is not a GlobalSecondaryIndex: " + idx.Name)
			}
			if !ok {
				return ddb.Errorf(ddb.ErrResourceNotFound, "Requested resource not found: Index: %s not found", wire.Deref(u.Update.IndexName))
			}
			if pt := u.Update.ProvisionedThroughput; pt != nil {
				if mode == BillingPayPerRequest {
					return invalidParams("ProvisionedThroughput should not be specified for index: %s when BillingMode is PAY_PER_REQUEST", idx.Name)
				}
				if err := setThroughput(&idx.Throughput, wire.Deref(pt.ReadCapacityUnits), wire.Deref(pt.WriteCapacityUnits), now, true); err != nil {
					return err
				}
			}
		case u.Delete != nil:
			if err := deleteGSI(m, wire.Deref(u.Delete.IndexName)); err != nil {
				return err
			}
		case u.Create != nil:
			if err := createGSI(m, u.Create, in.AttributeDefinitions, mode); err != nil {
				return err
			}
		}
	}
	if in.DeletionProtectionEnabled != nil {
		m.DeletionProtection = *in.DeletionProtectionEnabled
	}
	if s := in.StreamSpecification; s != nil {
		if err := updateStream(m, s, now); err != nil {
			return err
		}
	}
	if s := in.SSESpecification; s != nil {
		if wire.Deref(s.Enabled) {
			m.SSE = &SSE{Enabled: true, Type: "KMS", KMSKeyARN: wire.Deref(s.KMSMasterKeyId)}
		} else {
			m.SSE = nil
		}
	}
	if in.TableClass != nil && *in.TableClass != m.TableClass {
		m.TableClass = *in.TableClass
		t := now
		m.TableClassSet = &t
	}
	return nil
}

// setThroughput applies a provisioned throughput change with DynamoDB's
// bookkeeping. sameIsError: a request that changes nothing is an error
// (unless it came with a billing mode switch).
func setThroughput(t *Throughput, r, w int64, now time.Time, sameIsError bool) error {
	if r == t.Read && w == t.Write {
		if !sameIsError {
			return nil
		}
		return ddb.Validationf("The provisioned throughput for the table will not change. The requested value equals the current value. "+
			"Current ReadCapacityUnits provisioned for the table: %d. Requested ReadCapacityUnits: %d. "+
			"Current WriteCapacityUnits provisioned for the table: %d. Requested WriteCapacityUnits: %d. "+
			"Refer to the Amazon DynamoDB Developer Guide for current limits and how to request higher limits.", t.Read, r, t.Write, w)
	}
	tt := now
	if r > t.Read || w > t.Write {
		t.LastIncrease = &tt
	}
	if r < t.Read || w < t.Write {
		t.LastDecrease = &tt
		t.DecreasesToday++
	}
	t.Read, t.Write = r, w
	return nil
}

// updateStream enables or disables the table's stream.
func updateStream(m *Meta, s *wire.StreamSpecification, now time.Time) error {
	enable := wire.Deref(s.StreamEnabled)
	if enable {
		if m.Stream.Enabled {
			return ddb.Validationf("Table already has an enabled stream: TableName: %s", m.Name)
		}
		// The stream's number, label and metadata are set by createStream
		// (applyStreamChange), in the same transaction.
		m.Stream.Enabled, m.Stream.ViewType = true, wire.Deref(s.StreamViewType)
		return nil
	}
	if !m.Stream.Enabled {
		return ddb.Validationf("Table has no stream to disable: TableName: %s", m.Name)
	}
	// The number and creation time stay: the next stream follows them.
	m.Stream.Enabled, m.Stream.ViewType, m.Stream.ShardMs = false, "", 0
	return nil
}

// tableForARN finds the table a resource ARN names.
func (db *DB) tableForARN(arn string) (*tableState, error) {
	prefix := "arn:aws:dynamodb:"
	if !strings.HasPrefix(arn, prefix) {
		return nil, ddb.Validation("Invalid TableArn")
	}
	i := strings.Index(arn, ":table/")
	if i < 0 {
		return nil, ddb.Validation("Invalid TableArn")
	}
	name := arn[i+len(":table/"):]
	if j := strings.IndexByte(name, '/'); j >= 0 {
		name = name[:j]
	}
	ts := db.lookup(name)
	if ts == nil || ts.meta.ARN != arn {
		return nil, ddb.Errorf(ddb.ErrResourceNotFound, "Requested resource not found: ResourcArn: %s not found", arn)
	}
	return ts, nil
}

// maxTags is DynamoDB's limit of tags per resource.
const maxTags = 50

// TagResource adds or replaces tags of a table.
func (db *DB) TagResource(ctx context.Context, in *wire.TagResourceInput) (*wire.TagResourceOutput, error) {
	ts, err := db.tableForARN(wire.Deref(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	_, err = db.updateMeta(ctx, ts.meta.Name, func(m *Meta) error {
		m.Tags = mergeTags(m.Tags, in.Tags)
		if len(m.Tags) > maxTags {
			return ddb.Errorf(ddb.ErrLimitExceeded, "The number of tags for the resource exceeds the limit of %d", maxTags)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &wire.TagResourceOutput{}, nil
}

// UntagResource removes tags from a table.
func (db *DB) UntagResource(ctx context.Context, in *wire.UntagResourceInput) (*wire.UntagResourceOutput, error) {
	ts, err := db.tableForARN(wire.Deref(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	drop := map[string]bool{}
	for _, k := range in.TagKeys {
		drop[k] = true
	}
	_, err = db.updateMeta(ctx, ts.meta.Name, func(m *Meta) error {
		kept := m.Tags[:0]
		for _, t := range m.Tags {
			if !drop[t.Key] {
				kept = append(kept, t)
			}
		}
		m.Tags = kept
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &wire.UntagResourceOutput{}, nil
}

// ListTagsOfResource lists a table's tags.
func (db *DB) ListTagsOfResource(ctx context.Context, in *wire.ListTagsOfResourceInput) (*wire.ListTagsOfResourceOutput, error) {
	ts, err := db.tableForARN(wire.Deref(in.ResourceArn))
	if err != nil {
		return nil, err
	}
	out := &wire.ListTagsOfResourceOutput{Tags: []wire.Tag{}}
	for _, t := range ts.meta.Tags {
		out.Tags = append(out.Tags, wire.Tag{Key: wire.Ptr(t.Key), Value: wire.Ptr(t.Value)})
	}
	return out, nil
}

// DescribeLimits answers with DynamoDB's default account limits.
func (db *DB) DescribeLimits(ctx context.Context, in *wire.DescribeLimitsInput) (*wire.DescribeLimitsOutput, error) {
	return &wire.DescribeLimitsOutput{
		AccountMaxReadCapacityUnits:  80000,
		AccountMaxWriteCapacityUnits: 80000,
		TableMaxReadCapacityUnits:    40000,
		TableMaxWriteCapacityUnits:   40000,
	}, nil
}

// DescribeContinuousBackups reports that point-in-time recovery is off.
func (db *DB) DescribeContinuousBackups(ctx context.Context, in *wire.DescribeContinuousBackupsInput) (*wire.DescribeContinuousBackupsOutput, error) {
	name := wire.Deref(in.TableName)
	if db.lookup(name) == nil {
		return nil, ddb.Errorf("TableNotFoundException", "Table not found: %s", name)
	}
	return &wire.DescribeContinuousBackupsOutput{ContinuousBackupsDescription: &wire.ContinuousBackupsDescription{
		ContinuousBackupsStatus:        "ENABLED",
		PointInTimeRecoveryDescription: &wire.PointInTimeRecoveryDescription{PointInTimeRecoveryStatus: "DISABLED"},
	}}, nil
}
