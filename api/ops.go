package api

import (
	"context"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/table"
	"github.com/dynago/dynago/wire"
)

type validator interface{ Validate() error }

// op adapts a typed operation to an Op: decode the body into In (wire's
// SerializationException on bad JSON types), Validate it (shape and
// request-level checks), run it, and encode the output.
func op[In any, Out any](f func(context.Context, *In) (*Out, error)) Op {
	return func(ctx context.Context, body []byte) (any, error) {
		in := new(In)
		if err := wire.Decode(body, in); err != nil {
			return nil, err
		}
		if v, ok := any(in).(validator); ok {
			if err := v.Validate(); err != nil {
				return nil, err
			}
		}
		out, err := f(ctx, in)
		if err != nil {
			return nil, err
		}
		return wire.Marshal(out)
	}
}

// Operations returns every operation served, keyed by full X-Amz-Target.
func Operations(db *table.DB) map[string]Op {
	d := func(name string) string { return DynamoDBPrefix + name }
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
		d("DescribeLimits"):            op(db.DescribeLimits),
		d("DescribeContinuousBackups"): op(db.DescribeContinuousBackups),
		d("DescribeEndpoints"):         op(describeEndpoints),
	}
}

func describeEndpoints(ctx context.Context, _ *wire.DescribeEndpointsInput) (*wire.DescribeEndpointsOutput, error) {
	return &wire.DescribeEndpointsOutput{Endpoints: []wire.Endpoint{{Address: "localhost", CachePeriodInMinutes: 1440}}}, nil
}

// EncodeItem renders an item as DynamoDB JSON (for items carried by errors).
func EncodeItem(it ddb.Item) ([]byte, error) { return wire.AppendItem(nil, it), nil }
