package wire

// DynamoDB Streams (target prefix DynamoDBStreams_20120810).

type ListStreamsInput struct {
	TableName               *string `json:"TableName,omitempty"`
	Limit                   *int32  `json:"Limit,omitempty"`
	ExclusiveStartStreamArn *string `json:"ExclusiveStartStreamArn,omitempty"`
}

type Stream struct {
	StreamArn   string `json:"StreamArn,omitempty"`
	TableName   string `json:"TableName,omitempty"`
	StreamLabel string `json:"StreamLabel,omitempty"`
}

type ListStreamsOutput struct {
	Streams                []Stream `json:"Streams"`
	LastEvaluatedStreamArn string   `json:"LastEvaluatedStreamArn,omitempty"`
}

type ShardFilter struct {
	Type    *string `json:"Type,omitempty"`
	ShardId *string `json:"ShardId,omitempty"`
}

type DescribeStreamInput struct {
	StreamArn             *string      `json:"StreamArn,omitempty"`
	Limit                 *int32       `json:"Limit,omitempty"`
	ExclusiveStartShardId *string      `json:"ExclusiveStartShardId,omitempty"`
	ShardFilter           *ShardFilter `json:"ShardFilter,omitempty"`
}

type SequenceNumberRange struct {
	StartingSequenceNumber string `json:"StartingSequenceNumber,omitempty"`
	EndingSequenceNumber   string `json:"EndingSequenceNumber,omitempty"`
}

type Shard struct {
	ShardId             string               `json:"ShardId,omitempty"`
	SequenceNumberRange *SequenceNumberRange `json:"SequenceNumberRange,omitempty"`
	ParentShardId       string               `json:"ParentShardId,omitempty"`
}

type StreamDescription struct {
	StreamArn               string             `json:"StreamArn,omitempty"`
	StreamLabel             string             `json:"StreamLabel,omitempty"`
	StreamStatus            string             `json:"StreamStatus,omitempty"`
	StreamViewType          string             `json:"StreamViewType,omitempty"`
	CreationRequestDateTime Timestamp          `json:"CreationRequestDateTime,omitempty"`
	TableName               string             `json:"TableName,omitempty"`
	KeySchema               []KeySchemaElement `json:"KeySchema,omitempty"`
	Shards                  []Shard            `json:"Shards"`
	LastEvaluatedShardId    string             `json:"LastEvaluatedShardId,omitempty"`
}

type DescribeStreamOutput struct {
	StreamDescription *StreamDescription `json:"StreamDescription,omitempty"`
}

type GetShardIteratorInput struct {
	StreamArn         *string `json:"StreamArn,omitempty"`
	ShardId           *string `json:"ShardId,omitempty"`
	ShardIteratorType *string `json:"ShardIteratorType,omitempty"`
	SequenceNumber    *string `json:"SequenceNumber,omitempty"`
}

type GetShardIteratorOutput struct {
	ShardIterator string `json:"ShardIterator,omitempty"`
}

type GetRecordsInput struct {
	ShardIterator *string `json:"ShardIterator,omitempty"`
	Limit         *int32  `json:"Limit,omitempty"`
}

// StreamRecord is the "dynamodb" member of a stream Record.
type StreamRecord struct {
	ApproximateCreationDateTime Timestamp `json:"ApproximateCreationDateTime,omitempty"`
	Keys                        Item      `json:"Keys,omitempty"`
	NewImage                    Item      `json:"NewImage,omitempty"`
	OldImage                    Item      `json:"OldImage,omitempty"`
	SequenceNumber              string    `json:"SequenceNumber,omitempty"`
	SizeBytes                   int64     `json:"SizeBytes,omitempty"`
	StreamViewType              string    `json:"StreamViewType,omitempty"`
}

type Identity struct {
	PrincipalId string `json:"PrincipalId,omitempty"`
	Type        string `json:"Type,omitempty"`
}

// Record is one stream record; its members are named in lower camel case,
// as DynamoDB Streams sends them.
type Record struct {
	EventID      string        `json:"eventID,omitempty"`
	EventName    string        `json:"eventName,omitempty"`
	EventVersion string        `json:"eventVersion,omitempty"`
	EventSource  string        `json:"eventSource,omitempty"`
	AwsRegion    string        `json:"awsRegion,omitempty"`
	Dynamodb     *StreamRecord `json:"dynamodb,omitempty"`
	UserIdentity *Identity     `json:"userIdentity,omitempty"`
}

type GetRecordsOutput struct {
	Records           []Record `json:"Records"`
	NextShardIterator string   `json:"NextShardIterator,omitempty"`
}
