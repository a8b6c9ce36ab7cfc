package table

import (
	"context"

	"github.com/dynago/dynago/wire"
)

// DescribeTimeToLive reports a table's time-to-live setting (DISABLED
// until UpdateTimeToLive enables it).
func (db *DB) DescribeTimeToLive(ctx context.Context, in *wire.DescribeTimeToLiveInput) (*wire.DescribeTimeToLiveOutput, error) {
	name := wire.Deref(in.TableName)
	ts := db.lookup(name)
	if ts == nil {
		return nil, tableNotFound(name)
	}
	d := &wire.TimeToLiveDescription{TimeToLiveStatus: "DISABLED"}
	if ts.meta.TTL.Status != "" {
		d.TimeToLiveStatus = ts.meta.TTL.Status
		d.AttributeName = ts.meta.TTL.AttributeName
	}
	return &wire.DescribeTimeToLiveOutput{TimeToLiveDescription: d}, nil
}
