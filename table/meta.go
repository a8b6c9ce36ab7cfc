package table

import (
	"encoding/json"
	"time"

	"github.com/dynago/dynago/ddb"
)

// Table statuses.
const (
	StatusCreating = "CREATING"
	StatusActive   = "ACTIVE"
	StatusUpdating = "UPDATING"
	StatusDeleting = "DELETING"
)

// Billing modes.
const (
	BillingProvisioned   = "PROVISIONED"
	BillingPayPerRequest = "PAY_PER_REQUEST"
)

// Meta is a table's catalog entry: everything DescribeTable reports that is
// not computed on the fly. It is stored as JSON under the catalog key; the
// catalog is small and rarely written, so readability of the stored form
// wins over compactness here.
type Meta struct {
	Name string `json:"name"`
	// ID is the table's id in the key layout. Ids are never reused, so the
	// data of a deleted table can be removed lazily while a new table of the
	// same name starts empty.
	ID uint64 `json:"id"`
	// Rev counts the writes of this entry (0 when created). On a shared
	// engine a node caches its own commits at once and learns of all
	// commits, its own included, from the watch, later: Rev lets the cache
	// ignore a watched state older than the one it holds.
	Rev     uint64 `json:"rev,omitempty"`
	TableID string `json:"tableId"` // the UUID DescribeTable shows as TableId
	ARN     string `json:"arn"`

	Key      ddb.KeySchema `json:"key"`
	AttrDefs []AttrDef     `json:"attrDefs"` // in request order

	Status      string     `json:"status"`
	Created     time.Time  `json:"created"`
	BillingMode string     `json:"billingMode"`
	BillingSet  *time.Time `json:"billingSet,omitempty"` // LastUpdateToPayPerRequestDateTime
	// BillingExplicit records that a billing mode was ever given explicitly
	// (DynamoDB then shows BillingModeSummary even for PROVISIONED).
	BillingExplicit bool       `json:"billingExplicit,omitempty"`
	Throughput      Throughput `json:"throughput"`

	LSIs []IndexMeta `json:"lsis,omitempty"`
	GSIs []IndexMeta `json:"gsis,omitempty"`

	Stream             StreamSpec `json:"stream"`
	LatestStreamLabel  string     `json:"latestStreamLabel,omitempty"`
	SSE                *SSE       `json:"sse,omitempty"`
	TableClass         string     `json:"tableClass,omitempty"`
	TableClassSet      *time.Time `json:"tableClassSet,omitempty"`
	DeletionProtection bool       `json:"deletionProtection"`
	Tags               []Tag      `json:"tags,omitempty"`
	TTL                TTLSpec    `json:"ttl"`

	NextIndexID uint32 `json:"nextIndexId"`
}

// AttrDef is one AttributeDefinitions entry.
type AttrDef struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// Throughput is provisioned capacity and its change history.
type Throughput struct {
	Read           int64      `json:"read"`
	Write          int64      `json:"write"`
	LastIncrease   *time.Time `json:"lastIncrease,omitempty"`
	LastDecrease   *time.Time `json:"lastDecrease,omitempty"`
	DecreasesToday int64      `json:"decreasesToday"`
}

// IndexMeta is a secondary index's catalog entry.
type IndexMeta struct {
	ddb.IndexSchema
	Status      string     `json:"status"`
	Backfilling bool       `json:"backfilling,omitempty"`
	Throughput  Throughput `json:"throughput"`
	ARN         string     `json:"arn"`
}

// StreamSpec is the table's StreamSpecification and its current (or
// last) stream: see streams.go.
type StreamSpec struct {
	Enabled  bool   `json:"enabled"`
	ViewType string `json:"viewType,omitempty"`
	// No numbers the table's streams (1, 2, ...); it stays when the stream
	// is disabled, so the next one gets a new number and key range.
	No      uint32 `json:"no,omitempty"`
	Created int64  `json:"created,omitempty"` // unix ms: the label's time
	ShardMs int64  `json:"shardMs,omitempty"` // how long a shard stays open
}

// SSE is the table's server-side encryption setting (stored and described;
// data at rest is not encrypted by Dynago).
type SSE struct {
	Enabled   bool   `json:"enabled"`
	Type      string `json:"type,omitempty"` // KMS
	KMSKeyARN string `json:"kmsKeyArn,omitempty"`
}

// Tag is a resource tag.
type Tag struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// TTLSpec is the table's time-to-live setting (see ttl.go).
type TTLSpec struct {
	Status        string `json:"status,omitempty"` // ENABLED or DISABLED
	AttributeName string `json:"attributeName,omitempty"`
	// Changed is when UpdateTimeToLive last changed the setting (unix ms).
	Changed int64 `json:"changed,omitempty"`
	// Indexed says the expiry index holds every item of the table (the
	// background backfill after enabling has finished).
	Indexed bool `json:"indexed,omitempty"`
	// Stale says the expiry index may still hold entries from an earlier
	// setting, which the background work deletes.
	Stale bool `json:"stale,omitempty"`
}

func (m *Meta) marshal() ([]byte, error) { return json.Marshal(m) }

func unmarshalMeta(b []byte) (*Meta, error) {
	m := new(Meta)
	if err := json.Unmarshal(b, m); err != nil {
		return nil, err
	}
	return m, nil
}

// index returns the secondary index of that name.
func (m *Meta) index(name string) (*IndexMeta, bool) {
	for i := range m.LSIs {
		if m.LSIs[i].Name == name {
			return &m.LSIs[i], true
		}
	}
	for i := range m.GSIs {
		if m.GSIs[i].Name == name {
			return &m.GSIs[i], true
		}
	}
	return nil, false
}

// clone returns a deep enough copy of m to modify for an update.
func (m *Meta) clone() *Meta {
	c := *m
	c.AttrDefs = append([]AttrDef(nil), m.AttrDefs...)
	c.LSIs = append([]IndexMeta(nil), m.LSIs...)
	c.GSIs = append([]IndexMeta(nil), m.GSIs...)
	c.Tags = append([]Tag(nil), m.Tags...)
	if m.SSE != nil {
		s := *m.SSE
		c.SSE = &s
	}
	return &c
}
