package api

import (
	"context"
	"encoding/json"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/table"
	"github.com/dynago/dynago/wire"
)

type validator interface{ Validate() error }

// typedOp adapts a typed operation to an Op: decode the body into In
// (wire's SerializationException on bad JSON types), Validate it (shape and
// request-level checks), run it, and encode the output into a pooled buffer.
type typedOp[In any, Out any] struct {
	f func(context.Context, *In) (*Out, error)
}

func op[In any, Out any](f func(context.Context, *In) (*Out, error)) Op { return typedOp[In, Out]{f} }

// checksSyntax: wire.Decode fails on every body that is not JSON, and a body
// it accepts is JSON (white space alone aside, which the handler refuses).
func (typedOp[In, Out]) checksSyntax() {}

func (o typedOp[In, Out]) Call(ctx context.Context, body []byte) (any, error) {
	in := new(In)
	if err := wire.Decode(body, in); err != nil {
		// Decode stops at the first problem; a syntax error anywhere in
		// the body comes first in DynamoDB's order.
		if !json.Valid(body) {
			return nil, &ddb.Error{Type: ddb.ErrSerialization}
		}
		return nil, err
	}
	if v, ok := any(in).(validator); ok {
		if err := v.Validate(); err != nil {
			return nil, err
		}
	}
	out, err := o.f(ctx, in)
	if err != nil {
		return nil, err
	}
	rb := newResponseBody()
	rb.b = wire.AppendJSON(rb.b[:0], out)
	return rb, nil
}

// Operations returns every operation served, keyed by full X-Amz-Target.
func Operations(db *table.DB) map[string]Op {
	d := func(name string) string { return DynamoDBPrefix + name }
	st := func(name string) string { return StreamsPrefix + name }
	return map[string]Op{
		d("CreateTable"):               op(db.CreateTable),
		d("DescribeTable"):             op(db.DescribeTable),
		d("ListTables"):                op(db.ListTables),
		d("DeleteTable"):               op(db.DeleteTable),
		d("UpdateTable"):               op(db.UpdateTable),
		d("PutItem"):                   op(db.PutItem),
		d("GetItem"):                   op(db.GetItem),
		d("UpdateItem"):                op(db.UpdateItem),
		d("DeleteItem"):                op(db.DeleteItem),
		d("Query"):                     op(db.Query),
		d("Scan"):                      op(db.Scan),
		d("BatchGetItem"):              op(db.BatchGetItem),
		d("BatchWriteItem"):            op(db.BatchWriteItem),
		d("TransactGetItems"):          op(db.TransactGetItems),
		d("TransactWriteItems"):        op(db.TransactWriteItems),
		d("TagResource"):               op(db.TagResource),
		d("UntagResource"):             op(db.UntagResource),
		d("ListTagsOfResource"):        op(db.ListTagsOfResource),
		d("DescribeTimeToLive"):        op(db.DescribeTimeToLive),
		d("UpdateTimeToLive"):          op(db.UpdateTimeToLive),
		d("DescribeLimits"):            op(db.DescribeLimits),
		d("DescribeContinuousBackups"): op(db.DescribeContinuousBackups),
		d("DescribeEndpoints"):         op(describeEndpoints),
		st("ListStreams"):              op(db.ListStreams),
		st("DescribeStream"):           op(db.DescribeStream),
		st("GetShardIterator"):         op(db.GetShardIterator),
		st("GetRecords"):               op(db.GetRecords),
	}
}

func describeEndpoints(ctx context.Context, _ *wire.DescribeEndpointsInput) (*wire.DescribeEndpointsOutput, error) {
	return &wire.DescribeEndpointsOutput{Endpoints: []wire.Endpoint{{Address: "localhost", CachePeriodInMinutes: 1440}}}, nil
}

// EncodeItem renders an item as DynamoDB JSON (for items carried by errors).
func EncodeItem(it ddb.Item) ([]byte, error) { return wire.AppendItem(nil, it), nil }
