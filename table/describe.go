package table

import (
	"time"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/wire"
)

func (db *DB) tableARN(name string) string {
	return "arn:aws:dynamodb:" + db.cfg.Region + ":" + db.cfg.AccountID + ":table/" + name
}

func ts(t *time.Time) wire.Timestamp {
	if t == nil {
		return wire.Timestamp{}
	}
	return wire.Timestamp(*t)
}

func keySchemaElems(ks ddb.KeySchema) []wire.KeySchemaElement {
	out := []wire.KeySchemaElement{{AttributeName: wire.Ptr(ks.Hash.Name), KeyType: wire.Ptr("HASH")}}
	if ks.HasRange() {
		out = append(out, wire.KeySchemaElement{AttributeName: wire.Ptr(ks.Range.Name), KeyType: wire.Ptr("RANGE")})
	}
	return out
}

func projectionOut(p ddb.Projection) *wire.Projection {
	out := &wire.Projection{ProjectionType: wire.Ptr(string(p.Type))}
	if len(p.NonKeyAttributes) > 0 {
		out.NonKeyAttributes = append([]string(nil), p.NonKeyAttributes...)
	}
	return out
}

func throughputOut(t Throughput) *wire.ProvisionedThroughputDescription {
	return &wire.ProvisionedThroughputDescription{
		LastIncreaseDateTime:   ts(t.LastIncrease),
		LastDecreaseDateTime:   ts(t.LastDecrease),
		NumberOfDecreasesToday: t.DecreasesToday,
		ReadCapacityUnits:      t.Read,
		WriteCapacityUnits:     t.Write,
	}
}

// describe renders a catalog entry as DynamoDB's TableDescription. status,
// when not empty, overrides the stored status (CreateTable answers
// CREATING, DeleteTable DELETING).
func (db *DB) describe(m *Meta, status string) *wire.TableDescription {
	if status == "" {
		status = m.Status
	}
	d := &wire.TableDescription{
		TableName:                 m.Name,
		KeySchema:                 keySchemaElems(m.Key),
		TableStatus:               status,
		CreationDateTime:          wire.Timestamp(m.Created),
		ProvisionedThroughput:     throughputOut(m.Throughput),
		TableArn:                  m.ARN,
		TableId:                   m.TableID,
		DeletionProtectionEnabled: wire.Ptr(m.DeletionProtection),
	}
	for _, a := range m.AttrDefs {
		d.AttributeDefinitions = append(d.AttributeDefinitions, wire.AttributeDefinition{
			AttributeName: wire.Ptr(a.Name), AttributeType: wire.Ptr(a.Type)})
	}
	if st := db.statsFor(m.ID); st != nil {
		d.ItemCount = max(st.items.Load(), 0)
		d.TableSizeBytes = max(st.bytes.Load(), 0)
	}
	if m.BillingMode == BillingPayPerRequest || m.BillingExplicit {
		d.BillingModeSummary = &wire.BillingModeSummary{
			BillingMode:                       m.BillingMode,
			LastUpdateToPayPerRequestDateTime: ts(m.BillingSet),
		}
	}
	for i := range m.LSIs {
		l := &m.LSIs[i]
		ld := wire.LocalSecondaryIndexDescription{
			IndexName:  l.Name,
			KeySchema:  keySchemaElems(l.Key),
			Projection: projectionOut(l.Projection),
			IndexArn:   m.ARN + "/index/" + l.Name,
		}
		ld.ItemCount, ld.IndexSizeBytes = db.indexCounts(m.ID, l)
		d.LocalSecondaryIndexes = append(d.LocalSecondaryIndexes, ld)
	}
	for i := range m.GSIs {
		g := &m.GSIs[i]
		gd := wire.GlobalSecondaryIndexDescription{
			IndexName:             g.Name,
			KeySchema:             keySchemaElems(g.Key),
			Projection:            projectionOut(g.Projection),
			IndexStatus:           g.Status,
			ProvisionedThroughput: throughputOut(g.Throughput),
			IndexArn:              m.ARN + "/index/" + g.Name,
		}
		if status == StatusCreating {
			gd.IndexStatus = StatusCreating
		}
		if g.Backfilling {
			gd.Backfilling = wire.Ptr(true)
		}
		gd.ItemCount, gd.IndexSizeBytes = db.indexCounts(m.ID, g)
		d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes, gd)
	}
	if m.Stream.Enabled {
		d.StreamSpecification = &wire.StreamSpecification{StreamEnabled: wire.Ptr(true), StreamViewType: wire.Ptr(m.Stream.ViewType)}
	}
	if m.LatestStreamLabel != "" {
		d.LatestStreamLabel = m.LatestStreamLabel
		d.LatestStreamArn = m.ARN + "/stream/" + m.LatestStreamLabel
	}
	if m.SSE != nil && m.SSE.Enabled {
		key := m.SSE.KMSKeyARN
		if key == "" {
			key = "arn:aws:kms:" + db.cfg.Region + ":" + db.cfg.AccountID + ":key/dynago-managed-key"
		}
		d.SSEDescription = &wire.SSEDescription{Status: "ENABLED", SSEType: "KMS", KMSMasterKeyArn: key}
	}
	if m.TableClass != "" {
		d.TableClassSummary = &wire.TableClassSummary{TableClass: m.TableClass, LastUpdateDateTime: ts(m.TableClassSet)}
	}
	return d
}
