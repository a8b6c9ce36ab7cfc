package wire

// Shapes of the item operations.

import "github.com/dynago/dynago/itemcodec"

// ExpectedAttributeValue is one entry of the legacy Expected parameter.
type ExpectedAttributeValue struct {
	Value              *Value  `json:"Value,omitempty"`
	Exists             *bool   `json:"Exists,omitempty"`
	ComparisonOperator *string `json:"ComparisonOperator,omitempty"`
	AttributeValueList []Value `json:"AttributeValueList,omitempty"`
}

// Condition is one entry of the legacy KeyConditions, QueryFilter and ScanFilter.
type Condition struct {
	AttributeValueList []Value `json:"AttributeValueList,omitempty"`
	ComparisonOperator *string `json:"ComparisonOperator,omitempty"`
}

// AttributeValueUpdate is one entry of UpdateItem's legacy AttributeUpdates.
type AttributeValueUpdate struct {
	Value  *Value  `json:"Value,omitempty"`
	Action *string `json:"Action,omitempty"`
}

// Capacity is the capacity consumed on a table or an index.
type Capacity struct {
	ReadCapacityUnits  float64 `json:"ReadCapacityUnits,omitempty"`
	WriteCapacityUnits float64 `json:"WriteCapacityUnits,omitempty"`
	CapacityUnits      float64 `json:"CapacityUnits"` // also when 0 (the table's share of an index read)
}

// ConsumedCapacity is returned when ReturnConsumedCapacity is TOTAL or INDEXES.
type ConsumedCapacity struct {
	TableName              string              `json:"TableName,omitempty"`
	CapacityUnits          float64             `json:"CapacityUnits"`
	ReadCapacityUnits      float64             `json:"ReadCapacityUnits,omitempty"`
	WriteCapacityUnits     float64             `json:"WriteCapacityUnits,omitempty"`
	Table                  *Capacity           `json:"Table,omitempty"`
	LocalSecondaryIndexes  map[string]Capacity `json:"LocalSecondaryIndexes,omitempty"`
	GlobalSecondaryIndexes map[string]Capacity `json:"GlobalSecondaryIndexes,omitempty"`
}

// ItemCollectionMetrics is returned when ReturnItemCollectionMetrics is SIZE
// and the table has local secondary indexes.
type ItemCollectionMetrics struct {
	ItemCollectionKey   Item      `json:"ItemCollectionKey,omitempty"`
	SizeEstimateRangeGB []float64 `json:"SizeEstimateRangeGB,omitempty"`
}

// PutItem

type PutItemInput struct {
	TableName                           *string                           `json:"TableName,omitempty"`
	Item                                Item                              `json:"Item,omitempty"`
	Expected                            map[string]ExpectedAttributeValue `json:"Expected,omitempty"`
	ReturnValues                        *string                           `json:"ReturnValues,omitempty"`
	ReturnConsumedCapacity              *string                           `json:"ReturnConsumedCapacity,omitempty"`
	ReturnItemCollectionMetrics         *string                           `json:"ReturnItemCollectionMetrics,omitempty"`
	ConditionalOperator                 *string                           `json:"ConditionalOperator,omitempty"`
	ConditionExpression                 *string                           `json:"ConditionExpression,omitempty"`
	ExpressionAttributeNames            map[string]string                 `json:"ExpressionAttributeNames,omitempty"`
	ExpressionAttributeValues           Item                              `json:"ExpressionAttributeValues,omitempty"`
	ReturnValuesOnConditionCheckFailure *string                           `json:"ReturnValuesOnConditionCheckFailure,omitempty"`
	valueErrors
}

type PutItemOutput struct {
	Attributes            Item                   `json:"Attributes,omitempty"`
	ConsumedCapacity      *ConsumedCapacity      `json:"ConsumedCapacity,omitempty"`
	ItemCollectionMetrics *ItemCollectionMetrics `json:"ItemCollectionMetrics,omitempty"`
}

// GetItem

type GetItemInput struct {
	TableName                *string           `json:"TableName,omitempty"`
	Key                      Item              `json:"Key,omitempty"`
	AttributesToGet          []string          `json:"AttributesToGet,omitempty"`
	ConsistentRead           *bool             `json:"ConsistentRead,omitempty"`
	ReturnConsumedCapacity   *string           `json:"ReturnConsumedCapacity,omitempty"`
	ProjectionExpression     *string           `json:"ProjectionExpression,omitempty"`
	ExpressionAttributeNames map[string]string `json:"ExpressionAttributeNames,omitempty"`
	valueErrors
}

type GetItemOutput struct {
	Item Item `json:"Item,omitempty"`
	// EncodedItem, set instead of Item, is the item in its stored
	// encoding, sent as "Item" too (see EncodedItem); GotItem reads either.
	EncodedItem      EncodedItem       `json:"-" wire:"Item,omitempty"`
	ConsumedCapacity *ConsumedCapacity `json:"ConsumedCapacity,omitempty"`
}

// UpdateItem

type UpdateItemInput struct {
	TableName                           *string                           `json:"TableName,omitempty"`
	Key                                 Item                              `json:"Key,omitempty"`
	AttributeUpdates                    map[string]AttributeValueUpdate   `json:"AttributeUpdates,omitempty"`
	Expected                            map[string]ExpectedAttributeValue `json:"Expected,omitempty"`
	ConditionalOperator                 *string                           `json:"ConditionalOperator,omitempty"`
	ReturnValues                        *string                           `json:"ReturnValues,omitempty"`
	ReturnConsumedCapacity              *string                           `json:"ReturnConsumedCapacity,omitempty"`
	ReturnItemCollectionMetrics         *string                           `json:"ReturnItemCollectionMetrics,omitempty"`
	UpdateExpression                    *string                           `json:"UpdateExpression,omitempty"`
	ConditionExpression                 *string                           `json:"ConditionExpression,omitempty"`
	ExpressionAttributeNames            map[string]string                 `json:"ExpressionAttributeNames,omitempty"`
	ExpressionAttributeValues           Item                              `json:"ExpressionAttributeValues,omitempty"`
	ReturnValuesOnConditionCheckFailure *string                           `json:"ReturnValuesOnConditionCheckFailure,omitempty"`
	valueErrors
}

type UpdateItemOutput struct {
	Attributes            Item                   `json:"Attributes,omitempty"`
	ConsumedCapacity      *ConsumedCapacity      `json:"ConsumedCapacity,omitempty"`
	ItemCollectionMetrics *ItemCollectionMetrics `json:"ItemCollectionMetrics,omitempty"`
}

// DeleteItem

type DeleteItemInput struct {
	TableName                           *string                           `json:"TableName,omitempty"`
	Key                                 Item                              `json:"Key,omitempty"`
	Expected                            map[string]ExpectedAttributeValue `json:"Expected,omitempty"`
	ConditionalOperator                 *string                           `json:"ConditionalOperator,omitempty"`
	ReturnValues                        *string                           `json:"ReturnValues,omitempty"`
	ReturnConsumedCapacity              *string                           `json:"ReturnConsumedCapacity,omitempty"`
	ReturnItemCollectionMetrics         *string                           `json:"ReturnItemCollectionMetrics,omitempty"`
	ConditionExpression                 *string                           `json:"ConditionExpression,omitempty"`
	ExpressionAttributeNames            map[string]string                 `json:"ExpressionAttributeNames,omitempty"`
	ExpressionAttributeValues           Item                              `json:"ExpressionAttributeValues,omitempty"`
	ReturnValuesOnConditionCheckFailure *string                           `json:"ReturnValuesOnConditionCheckFailure,omitempty"`
	valueErrors
}

type DeleteItemOutput struct {
	Attributes            Item                   `json:"Attributes,omitempty"`
	ConsumedCapacity      *ConsumedCapacity      `json:"ConsumedCapacity,omitempty"`
	ItemCollectionMetrics *ItemCollectionMetrics `json:"ItemCollectionMetrics,omitempty"`
}

// Query

type QueryInput struct {
	TableName                 *string              `json:"TableName,omitempty"`
	IndexName                 *string              `json:"IndexName,omitempty"`
	Select                    *string              `json:"Select,omitempty"`
	AttributesToGet           []string             `json:"AttributesToGet,omitempty"`
	Limit                     *int32               `json:"Limit,omitempty"`
	ConsistentRead            *bool                `json:"ConsistentRead,omitempty"`
	KeyConditions             map[string]Condition `json:"KeyConditions,omitempty"`
	QueryFilter               map[string]Condition `json:"QueryFilter,omitempty"`
	ConditionalOperator       *string              `json:"ConditionalOperator,omitempty"`
	ScanIndexForward          *bool                `json:"ScanIndexForward,omitempty"`
	ExclusiveStartKey         Item                 `json:"ExclusiveStartKey,omitempty"`
	ReturnConsumedCapacity    *string              `json:"ReturnConsumedCapacity,omitempty"`
	ProjectionExpression      *string              `json:"ProjectionExpression,omitempty"`
	FilterExpression          *string              `json:"FilterExpression,omitempty"`
	KeyConditionExpression    *string              `json:"KeyConditionExpression,omitempty"`
	ExpressionAttributeNames  map[string]string    `json:"ExpressionAttributeNames,omitempty"`
	ExpressionAttributeValues Item                 `json:"ExpressionAttributeValues,omitempty"`
	valueErrors
}

type QueryOutput struct {
	Items []Item `json:"Items,omitempty"`
	// EncodedItems, set instead of Items, are the items in their stored
	// encoding, sent as "Items" too (see EncodedItem). At most one of the
	// two is set; AllItems reads either.
	EncodedItems     []EncodedItem     `json:"-" wire:"Items,omitempty"`
	Count            int32             `json:"Count"`
	ScannedCount     int32             `json:"ScannedCount"`
	LastEvaluatedKey Item              `json:"LastEvaluatedKey,omitempty"`
	ConsumedCapacity *ConsumedCapacity `json:"ConsumedCapacity,omitempty"`
}

// Scan

type ScanInput struct {
	TableName                 *string              `json:"TableName,omitempty"`
	IndexName                 *string              `json:"IndexName,omitempty"`
	AttributesToGet           []string             `json:"AttributesToGet,omitempty"`
	Limit                     *int32               `json:"Limit,omitempty"`
	Select                    *string              `json:"Select,omitempty"`
	ScanFilter                map[string]Condition `json:"ScanFilter,omitempty"`
	ConditionalOperator       *string              `json:"ConditionalOperator,omitempty"`
	ExclusiveStartKey         Item                 `json:"ExclusiveStartKey,omitempty"`
	ReturnConsumedCapacity    *string              `json:"ReturnConsumedCapacity,omitempty"`
	TotalSegments             *int32               `json:"TotalSegments,omitempty"`
	Segment                   *int32               `json:"Segment,omitempty"`
	ProjectionExpression      *string              `json:"ProjectionExpression,omitempty"`
	FilterExpression          *string              `json:"FilterExpression,omitempty"`
	ExpressionAttributeNames  map[string]string    `json:"ExpressionAttributeNames,omitempty"`
	ExpressionAttributeValues Item                 `json:"ExpressionAttributeValues,omitempty"`
	ConsistentRead            *bool                `json:"ConsistentRead,omitempty"`
	valueErrors
}

type ScanOutput struct {
	Items []Item `json:"Items,omitempty"`
	// EncodedItems, set instead of Items, are the items in their stored
	// encoding, sent as "Items" too (see EncodedItem). At most one of the
	// two is set; AllItems reads either.
	EncodedItems     []EncodedItem     `json:"-" wire:"Items,omitempty"`
	Count            int32             `json:"Count"`
	ScannedCount     int32             `json:"ScannedCount"`
	LastEvaluatedKey Item              `json:"LastEvaluatedKey,omitempty"`
	ConsumedCapacity *ConsumedCapacity `json:"ConsumedCapacity,omitempty"`
}

// BatchGetItem

type KeysAndAttributes struct {
	Keys                     []Item            `json:"Keys,omitempty"`
	AttributesToGet          []string          `json:"AttributesToGet,omitempty"`
	ConsistentRead           *bool             `json:"ConsistentRead,omitempty"`
	ProjectionExpression     *string           `json:"ProjectionExpression,omitempty"`
	ExpressionAttributeNames map[string]string `json:"ExpressionAttributeNames,omitempty"`
}

type BatchGetItemInput struct {
	RequestItems           map[string]KeysAndAttributes `json:"RequestItems,omitempty"`
	ReturnConsumedCapacity *string                      `json:"ReturnConsumedCapacity,omitempty"`
	valueErrors
}

type BatchGetItemOutput struct {
	Responses        map[string][]Item            `json:"Responses"`
	UnprocessedKeys  map[string]KeysAndAttributes `json:"UnprocessedKeys"`
	ConsumedCapacity []ConsumedCapacity           `json:"ConsumedCapacity,omitempty"`
}

// BatchWriteItem

type PutRequest struct {
	Item Item `json:"Item,omitempty"`
}

type DeleteRequest struct {
	Key Item `json:"Key,omitempty"`
}

type WriteRequest struct {
	PutRequest    *PutRequest    `json:"PutRequest,omitempty"`
	DeleteRequest *DeleteRequest `json:"DeleteRequest,omitempty"`
}

type BatchWriteItemInput struct {
	RequestItems                map[string][]WriteRequest `json:"RequestItems,omitempty"`
	ReturnConsumedCapacity      *string                   `json:"ReturnConsumedCapacity,omitempty"`
	ReturnItemCollectionMetrics *string                   `json:"ReturnItemCollectionMetrics,omitempty"`
	valueErrors
}

type BatchWriteItemOutput struct {
	UnprocessedItems      map[string][]WriteRequest          `json:"UnprocessedItems"`
	ItemCollectionMetrics map[string][]ItemCollectionMetrics `json:"ItemCollectionMetrics,omitempty"`
	ConsumedCapacity      []ConsumedCapacity                 `json:"ConsumedCapacity,omitempty"`
}

// TransactGetItems

type Get struct {
	Key                      Item              `json:"Key,omitempty"`
	TableName                *string           `json:"TableName,omitempty"`
	ProjectionExpression     *string           `json:"ProjectionExpression,omitempty"`
	ExpressionAttributeNames map[string]string `json:"ExpressionAttributeNames,omitempty"`
}

type TransactGetItem struct {
	Get *Get `json:"Get,omitempty"`
}

type TransactGetItemsInput struct {
	TransactItems          []TransactGetItem `json:"TransactItems,omitempty"`
	ReturnConsumedCapacity *string           `json:"ReturnConsumedCapacity,omitempty"`
	valueErrors
}

type ItemResponse struct {
	Item Item `json:"Item,omitempty"`
}

type TransactGetItemsOutput struct {
	ConsumedCapacity []ConsumedCapacity `json:"ConsumedCapacity,omitempty"`
	Responses        []ItemResponse     `json:"Responses,omitempty"`
}

// TransactWriteItems

type ConditionCheck struct {
	Key                                 Item              `json:"Key,omitempty"`
	TableName                           *string           `json:"TableName,omitempty"`
	ConditionExpression                 *string           `json:"ConditionExpression,omitempty"`
	ExpressionAttributeNames            map[string]string `json:"ExpressionAttributeNames,omitempty"`
	ExpressionAttributeValues           Item              `json:"ExpressionAttributeValues,omitempty"`
	ReturnValuesOnConditionCheckFailure *string           `json:"ReturnValuesOnConditionCheckFailure,omitempty"`
}

type Put struct {
	Item                                Item              `json:"Item,omitempty"`
	TableName                           *string           `json:"TableName,omitempty"`
	ConditionExpression                 *string           `json:"ConditionExpression,omitempty"`
	ExpressionAttributeNames            map[string]string `json:"ExpressionAttributeNames,omitempty"`
	ExpressionAttributeValues           Item              `json:"ExpressionAttributeValues,omitempty"`
	ReturnValuesOnConditionCheckFailure *string           `json:"ReturnValuesOnConditionCheckFailure,omitempty"`
}

type Delete struct {
	Key                                 Item              `json:"Key,omitempty"`
	TableName                           *string           `json:"TableName,omitempty"`
	ConditionExpression                 *string           `json:"ConditionExpression,omitempty"`
	ExpressionAttributeNames            map[string]string `json:"ExpressionAttributeNames,omitempty"`
	ExpressionAttributeValues           Item              `json:"ExpressionAttributeValues,omitempty"`
	ReturnValuesOnConditionCheckFailure *string           `json:"ReturnValuesOnConditionCheckFailure,omitempty"`
}

type Update struct {
	Key                                 Item              `json:"Key,omitempty"`
	UpdateExpression                    *string           `json:"UpdateExpression,omitempty"`
	TableName                           *string           `json:"TableName,omitempty"`
	ConditionExpression                 *string           `json:"ConditionExpression,omitempty"`
	ExpressionAttributeNames            map[string]string `json:"ExpressionAttributeNames,omitempty"`
	ExpressionAttributeValues           Item              `json:"ExpressionAttributeValues,omitempty"`
	ReturnValuesOnConditionCheckFailure *string           `json:"ReturnValuesOnConditionCheckFailure,omitempty"`
}

type TransactWriteItem struct {
	ConditionCheck *ConditionCheck `json:"ConditionCheck,omitempty"`
	Put            *Put            `json:"Put,omitempty"`
	Delete         *Delete         `json:"Delete,omitempty"`
	Update         *Update         `json:"Update,omitempty"`
}

type TransactWriteItemsInput struct {
	TransactItems               []TransactWriteItem `json:"TransactItems,omitempty"`
	ReturnConsumedCapacity      *string             `json:"ReturnConsumedCapacity,omitempty"`
	ReturnItemCollectionMetrics *string             `json:"ReturnItemCollectionMetrics,omitempty"`
	ClientRequestToken          *string             `json:"ClientRequestToken,omitempty"`
	valueErrors
}

type TransactWriteItemsOutput struct {
	ConsumedCapacity      []ConsumedCapacity                 `json:"ConsumedCapacity,omitempty"`
	ItemCollectionMetrics map[string][]ItemCollectionMetrics `json:"ItemCollectionMetrics,omitempty"`
}

// CancellationReason is one entry of the CancellationReasons list that
// accompanies TransactionCanceledException (see ddb.Error).
type CancellationReason struct {
	Code    string `json:"Code,omitempty"`
	Message string `json:"Message,omitempty"`
	Item    Item   `json:"Item,omitempty"`
}

// AllItems returns the items of the page, decoding EncodedItems if they are
// the ones set.
func (o *QueryOutput) AllItems() ([]Item, error) { return allItems(o.Items, o.EncodedItems) }

// AllItems returns the items of the page, decoding EncodedItems if they are
// the ones set.
func (o *ScanOutput) AllItems() ([]Item, error) { return allItems(o.Items, o.EncodedItems) }

func allItems(items []Item, enc []EncodedItem) ([]Item, error) {
	if enc == nil {
		return items, nil
	}
	out := make([]Item, len(enc))
	for i, e := range enc {
		it, err := itemcodec.Decode(e)
		if err != nil {
			return nil, err
		}
		out[i] = Item(it)
	}
	return out, nil
}

// GotItem returns the item read, decoding EncodedItem if it is the one set.
func (o *GetItemOutput) GotItem() (Item, error) {
	if o.EncodedItem == nil {
		return o.Item, nil
	}
	it, err := itemcodec.Decode(o.EncodedItem)
	return Item(it), err
}
