package table

import (
	"context"
	"encoding/binary"
	"math"
	"strconv"
	"time"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/keycodec"
	"github.com/dynago/dynago/storage"
	"github.com/dynago/dynago/wire"
)

// Time to Live.
//
// UpdateTimeToLive names a Number attribute holding an expiry time in
// seconds since the epoch; the background expirer (expirer.go) deletes the
// items whose expiry has passed, through the normal write path, so that
// their index entries go with them and their stream records are REMOVE
// records by the service.
//
// The expirer finds expired items through an expiry index kept in the
// store, never by scanning the table:
//
//	[0x02] table-id ttlIndexID be64(expiry seconds) hash(pk) enc(pk) [enc(sk)] -> empty
//
// The tail is the item's own key without its table prefix. writeExpiryEntry
// keeps the index in step with every item change while TTL is enabled, in
// the item's transaction; when TTL is enabled on a table that has items, a
// background backfill indexes them. An entry may be stale (its item gone or
// changed): the expirer checks the item itself before deleting it and drops
// stale entries. Living in the table's key range, the index is deleted
// with the table's data when the table is dropped.
//
// As in DynamoDB, an item whose attribute is not a Number, or holds a time
// more than five years in the past, is never deleted.

// ttlIndexID is the index id of the expiry index in the key layout (the
// largest, so no secondary index can get it).
const ttlIndexID = math.MaxUint32

// ttlMaxAge is how far in the past an expiry may be and still be honoured.
const ttlMaxAge = 5 * 365 * 24 * time.Hour

// TTL statuses.
const (
	ttlEnabled  = "ENABLED"
	ttlDisabled = "DISABLED"
)

const (
	msgTTLAlreadyEnabled  = "TimeToLive is already enabled"
	msgTTLAlreadyDisabled = "TimeToLive is already disabled"
	msgTTLOtherAttribute  = "TimeToLive is active on a different AttributeName"
	msgTTLCooldown        = "Time to live has been modified multiple times within a fixed interval"
)

// DescribeTimeToLive reports a table's time-to-live setting (DISABLED
// until UpdateTimeToLive enables it). DynamoDB settles a change within
// seconds and does not show ENABLING or DISABLING; neither does Dynago.
func (db *DB) DescribeTimeToLive(ctx context.Context, in *wire.DescribeTimeToLiveInput) (*wire.DescribeTimeToLiveOutput, error) {
	name := wire.Deref(in.TableName)
	ts := db.lookup(name)
	if ts == nil {
		return nil, tableNotFound(name)
	}
	d := &wire.TimeToLiveDescription{TimeToLiveStatus: ttlDisabled}
	if ts.meta.TTL.Status == ttlEnabled {
		d.TimeToLiveStatus = ttlEnabled
		d.AttributeName = ts.meta.TTL.AttributeName
	}
	return &wire.DescribeTimeToLiveOutput{TimeToLiveDescription: d}, nil
}

// UpdateTimeToLive enables or disables a table's time to live. The answer
// echoes the request's specification, as DynamoDB's does.
func (db *DB) UpdateTimeToLive(ctx context.Context, in *wire.UpdateTimeToLiveInput) (*wire.UpdateTimeToLiveOutput, error) {
	name := wire.Deref(in.TableName)
	enable := wire.Deref(in.TimeToLiveSpecification.Enabled)
	attr := wire.Deref(in.TimeToLiveSpecification.AttributeName)
	now := db.cfg.Now()
	_, err := db.updateMeta(ctx, name, func(m *Meta) error {
		t := &m.TTL
		enabled := t.Status == ttlEnabled
		// What the request asks is checked before the cooldown, as
		// DynamoDB does.
		switch {
		case enable && enabled && t.AttributeName == attr:
			return ddb.Validation(msgTTLAlreadyEnabled)
		case enabled && t.AttributeName != attr:
			return ddb.Validation(msgTTLOtherAttribute)
		case !enable && !enabled:
			return ddb.Validation(msgTTLAlreadyDisabled)
		}
		if cd := db.ttlCooldown(); cd > 0 && t.Changed != 0 && now.Sub(time.UnixMilli(t.Changed)) < cd {
			return ddb.Validation(msgTTLCooldown)
		}
		if enable {
			*t = TTLSpec{Status: ttlEnabled, AttributeName: attr}
		} else {
			*t = TTLSpec{Status: ttlDisabled, Stale: true}
		}
		t.Changed = now.UnixMilli()
		return nil
	})
	if err != nil {
		return nil, err
	}
	db.wakeTTL()
	return &wire.UpdateTimeToLiveOutput{TimeToLiveSpecification: &wire.TimeToLiveSpecification{
		AttributeName: wire.Ptr(attr), Enabled: wire.Ptr(enable),
	}}, nil
}

func (db *DB) ttlCooldown() time.Duration {
	switch {
	case db.cfg.TTLCooldown < 0:
		return 0
	case db.cfg.TTLCooldown == 0:
		return time.Hour
	}
	return db.cfg.TTLCooldown
}

// ttlValue reads the expiry of item under table m's TTL attribute: the
// value in seconds (f) and its whole seconds (sec). ok is false when the
// item has no usable expiry (no attribute, not a Number, negative or
// beyond any date).
func ttlValue(m *Meta, item ddb.Item) (sec int64, f float64, ok bool) {
	if item == nil || m.TTL.AttributeName == "" {
		return 0, 0, false
	}
	v, present := item[m.TTL.AttributeName]
	if !present || v.Type != ddb.TypeN {
		return 0, 0, false
	}
	f, err := strconv.ParseFloat(v.S, 64)
	if err != nil || f < 0 || f >= 1<<53 {
		return 0, 0, false
	}
	return int64(math.Floor(f)), f, true
}

func expiryPrefix(tableID uint64) []byte {
	return keycodec.AppendTablePrefix(nil, tableID, ttlIndexID)
}

// expiryKey is the expiry-index entry of the item at itemKey expiring at sec.
func expiryKey(tableID uint64, sec int64, itemKey []byte) []byte {
	k := binary.BigEndian.AppendUint64(expiryPrefix(tableID), uint64(sec))
	return append(k, itemKey[len(keycodec.AppendTablePrefix(nil, tableID, 0)):]...)
}

// storageKeyOf is the storage key of item in table m.
func storageKeyOf(m *Meta, item ddb.Item) []byte {
	pk := item[m.Key.Hash.Name]
	var sk ddb.AttributeValue
	if m.Key.HasRange() {
		sk = item[m.Key.Range.Name]
	}
	return keycodec.AppendItemKey(nil, m.ID, 0, pk, sk)
}

// writeExpiryEntry keeps the expiry index in step with one item change
// (see afterWrite): the old item's entry goes, the new item's comes. An
// expiry more than five years past when written is not indexed (such items
// are never deleted).
func (db *DB) writeExpiryEntry(tx storage.Tx, m *Meta, old, next ddb.Item) error {
	if m.TTL.Status != ttlEnabled {
		return nil
	}
	oldSec, _, oldOK := ttlValue(m, old)
	newSec, newF, newOK := ttlValue(m, next)
	if newOK && newF < float64(db.cfg.Now().Add(-ttlMaxAge).Unix()) {
		newOK = false
	}
	if oldOK && newOK && oldSec == newSec {
		return nil
	}
	if oldOK {
		if err := tx.Delete(expiryKey(m.ID, oldSec, storageKeyOf(m, old))); err != nil {
			return err
		}
	}
	if newOK {
		return tx.Set(expiryKey(m.ID, newSec, storageKeyOf(m, next)), nil)
	}
	return nil
}
