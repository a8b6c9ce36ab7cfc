package wire

// Ptr returns a pointer to v: wire.Ptr("HASH"), wire.Ptr(int64(5)).
func Ptr[T any](v T) *T { return &v }

// Deref returns *p, or the zero value when p is nil.
func Deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

// Shapes shared by the control-plane operations. Request members are
// pointers so that Validate can tell an absent member from a zero one.

type AttributeDefinition struct {
	AttributeName *string `json:"AttributeName,omitempty"`
	AttributeType *string `json:"AttributeType,omitempty"`
}

type KeySchemaElement struct {
	AttributeName *string `json:"AttributeName,omitempty"`
	KeyType       *string `json:"KeyType,omitempty"`
}

type ProvisionedThroughput struct {
	ReadCapacityUnits  *int64 `json:"ReadCapacityUnits,omitempty"`
	WriteCapacityUnits *int64 `json:"WriteCapacityUnits,omitempty"`
}

type OnDemandThroughput struct {
	MaxReadRequestUnits  *int64 `json:"MaxReadRequestUnits,omitempty"`
	MaxWriteRequestUnits *int64 `json:"MaxWriteRequestUnits,omitempty"`
}

type WarmThroughput struct {
	ReadUnitsPerSecond  *int64 `json:"ReadUnitsPerSecond,omitempty"`
	WriteUnitsPerSecond *int64 `json:"WriteUnitsPerSecond,omitempty"`
}

type Projection struct {
	ProjectionType   *string  `json:"ProjectionType,omitempty"`
	NonKeyAttributes []string `json:"NonKeyAttributes,omitempty"`
}

type LocalSecondaryIndex struct {
	IndexName  *string            `json:"IndexName,omitempty"`
	KeySchema  []KeySchemaElement `json:"KeySchema,omitempty"`
	Projection *Projection        `json:"Projection,omitempty"`
}

type GlobalSecondaryIndex struct {
	IndexName             *string                `json:"IndexName,omitempty"`
	KeySchema             []KeySchemaElement     `json:"KeySchema,omitempty"`
	Projection            *Projection            `json:"Projection,omitempty"`
	ProvisionedThroughput *ProvisionedThroughput `json:"ProvisionedThroughput,omitempty"`
	OnDemandThroughput    *OnDemandThroughput    `json:"OnDemandThroughput,omitempty"`
	WarmThroughput        *WarmThroughput        `json:"WarmThroughput,omitempty"`
}

type StreamSpecification struct {
	StreamEnabled  *bool   `json:"StreamEnabled,omitempty"`
	StreamViewType *string `json:"StreamViewType,omitempty"`
}

type SSESpecification struct {
	Enabled        *bool   `json:"Enabled,omitempty"`
	SSEType        *string `json:"SSEType,omitempty"`
	KMSMasterKeyId *string `json:"KMSMasterKeyId,omitempty"`
}

type Tag struct {
	Key   *string `json:"Key,omitempty"`
	Value *string `json:"Value,omitempty"`
}

// CreateTable

type CreateTableInput struct {
	AttributeDefinitions      []AttributeDefinition  `json:"AttributeDefinitions,omitempty"`
	TableName                 *string                `json:"TableName,omitempty"`
	KeySchema                 []KeySchemaElement     `json:"KeySchema,omitempty"`
	LocalSecondaryIndexes     []LocalSecondaryIndex  `json:"LocalSecondaryIndexes,omitempty"`
	GlobalSecondaryIndexes    []GlobalSecondaryIndex `json:"GlobalSecondaryIndexes,omitempty"`
	BillingMode               *string                `json:"BillingMode,omitempty"`
	ProvisionedThroughput     *ProvisionedThroughput `json:"ProvisionedThroughput,omitempty"`
	StreamSpecification       *StreamSpecification   `json:"StreamSpecification,omitempty"`
	SSESpecification          *SSESpecification      `json:"SSESpecification,omitempty"`
	Tags                      []Tag                  `json:"Tags,omitempty"`
	TableClass                *string                `json:"TableClass,omitempty"`
	DeletionProtectionEnabled *bool                  `json:"DeletionProtectionEnabled,omitempty"`
	ResourcePolicy            *string                `json:"ResourcePolicy,omitempty"`
	OnDemandThroughput        *OnDemandThroughput    `json:"OnDemandThroughput,omitempty"`
	WarmThroughput            *WarmThroughput        `json:"WarmThroughput,omitempty"`
}

type CreateTableOutput struct {
	TableDescription *TableDescription `json:"TableDescription,omitempty"`
}

// DeleteTable, DescribeTable

type DeleteTableInput struct {
	TableName *string `json:"TableName,omitempty"`
}

type DeleteTableOutput struct {
	TableDescription *TableDescription `json:"TableDescription,omitempty"`
}

type DescribeTableInput struct {
	TableName *string `json:"TableName,omitempty"`
}

type DescribeTableOutput struct {
	Table *TableDescription `json:"Table,omitempty"`
}

// ListTables

type ListTablesInput struct {
	ExclusiveStartTableName *string `json:"ExclusiveStartTableName,omitempty"`
	Limit                   *int32  `json:"Limit,omitempty"`
}

type ListTablesOutput struct {
	TableNames             []string `json:"TableNames"`
	LastEvaluatedTableName string   `json:"LastEvaluatedTableName,omitempty"`
}

// UpdateTable

type UpdateTableInput struct {
	AttributeDefinitions        []AttributeDefinition        `json:"AttributeDefinitions,omitempty"`
	TableName                   *string                      `json:"TableName,omitempty"`
	BillingMode                 *string                      `json:"BillingMode,omitempty"`
	ProvisionedThroughput       *ProvisionedThroughput       `json:"ProvisionedThroughput,omitempty"`
	GlobalSecondaryIndexUpdates []GlobalSecondaryIndexUpdate `json:"GlobalSecondaryIndexUpdates,omitempty"`
	StreamSpecification         *StreamSpecification         `json:"StreamSpecification,omitempty"`
	SSESpecification            *SSESpecification            `json:"SSESpecification,omitempty"`
	TableClass                  *string                      `json:"TableClass,omitempty"`
	DeletionProtectionEnabled   *bool                        `json:"DeletionProtectionEnabled,omitempty"`
	OnDemandThroughput          *OnDemandThroughput          `json:"OnDemandThroughput,omitempty"`
	WarmThroughput              *WarmThroughput              `json:"WarmThroughput,omitempty"`
}

type GlobalSecondaryIndexUpdate struct {
	Update *UpdateGlobalSecondaryIndexAction `json:"Update,omitempty"`
	Create *CreateGlobalSecondaryIndexAction `json:"Create,omitempty"`
	Delete *DeleteGlobalSecondaryIndexAction `json:"Delete,omitempty"`
}

type UpdateGlobalSecondaryIndexAction struct {
	IndexName             *string                `json:"IndexName,omitempty"`
	ProvisionedThroughput *ProvisionedThroughput `json:"ProvisionedThroughput,omitempty"`
	OnDemandThroughput    *OnDemandThroughput    `json:"OnDemandThroughput,omitempty"`
	WarmThroughput        *WarmThroughput        `json:"WarmThroughput,omitempty"`
}

type CreateGlobalSecondaryIndexAction struct {
	IndexName             *string                `json:"IndexName,omitempty"`
	KeySchema             []KeySchemaElement     `json:"KeySchema,omitempty"`
	Projection            *Projection            `json:"Projection,omitempty"`
	ProvisionedThroughput *ProvisionedThroughput `json:"ProvisionedThroughput,omitempty"`
	OnDemandThroughput    *OnDemandThroughput    `json:"OnDemandThroughput,omitempty"`
	WarmThroughput        *WarmThroughput        `json:"WarmThroughput,omitempty"`
}

type DeleteGlobalSecondaryIndexAction struct {
	IndexName *string `json:"IndexName,omitempty"`
}

type UpdateTableOutput struct {
	TableDescription *TableDescription `json:"TableDescription,omitempty"`
}

// TableDescription is DescribeTable's Table and the TableDescription of
// CreateTable, UpdateTable and DeleteTable.
type TableDescription struct {
	AttributeDefinitions      []AttributeDefinition             `json:"AttributeDefinitions,omitempty"`
	TableName                 string                            `json:"TableName,omitempty"`
	KeySchema                 []KeySchemaElement                `json:"KeySchema,omitempty"`
	TableStatus               string                            `json:"TableStatus,omitempty"`
	CreationDateTime          Timestamp                         `json:"CreationDateTime,omitempty"`
	ProvisionedThroughput     *ProvisionedThroughputDescription `json:"ProvisionedThroughput,omitempty"`
	TableSizeBytes            int64                             `json:"TableSizeBytes"`
	ItemCount                 int64                             `json:"ItemCount"`
	TableArn                  string                            `json:"TableArn,omitempty"`
	TableId                   string                            `json:"TableId,omitempty"`
	BillingModeSummary        *BillingModeSummary               `json:"BillingModeSummary,omitempty"`
	LocalSecondaryIndexes     []LocalSecondaryIndexDescription  `json:"LocalSecondaryIndexes,omitempty"`
	GlobalSecondaryIndexes    []GlobalSecondaryIndexDescription `json:"GlobalSecondaryIndexes,omitempty"`
	StreamSpecification       *StreamSpecification              `json:"StreamSpecification,omitempty"`
	LatestStreamLabel         string                            `json:"LatestStreamLabel,omitempty"`
	LatestStreamArn           string                            `json:"LatestStreamArn,omitempty"`
	GlobalTableVersion        string                            `json:"GlobalTableVersion,omitempty"`
	RestoreSummary            *RestoreSummary                   `json:"RestoreSummary,omitempty"`
	SSEDescription            *SSEDescription                   `json:"SSEDescription,omitempty"`
	ArchivalSummary           *ArchivalSummary                  `json:"ArchivalSummary,omitempty"`
	TableClassSummary         *TableClassSummary                `json:"TableClassSummary,omitempty"`
	DeletionProtectionEnabled *bool                             `json:"DeletionProtectionEnabled,omitempty"`
	OnDemandThroughput        *OnDemandThroughput               `json:"OnDemandThroughput,omitempty"`
	WarmThroughput            *TableWarmThroughputDescription   `json:"WarmThroughput,omitempty"`
	MultiRegionConsistency    string                            `json:"MultiRegionConsistency,omitempty"`
	Replicas                  []ReplicaDescription              `json:"Replicas,omitempty"`
	GlobalTableWitnesses      []GlobalTableWitnessDescription   `json:"GlobalTableWitnesses,omitempty"`
}

type ProvisionedThroughputDescription struct {
	LastIncreaseDateTime   Timestamp `json:"LastIncreaseDateTime,omitempty"`
	LastDecreaseDateTime   Timestamp `json:"LastDecreaseDateTime,omitempty"`
	NumberOfDecreasesToday int64     `json:"NumberOfDecreasesToday"`
	ReadCapacityUnits      int64     `json:"ReadCapacityUnits"`
	WriteCapacityUnits     int64     `json:"WriteCapacityUnits"`
}

type BillingModeSummary struct {
	BillingMode                       string    `json:"BillingMode,omitempty"`
	LastUpdateToPayPerRequestDateTime Timestamp `json:"LastUpdateToPayPerRequestDateTime,omitempty"`
}

type LocalSecondaryIndexDescription struct {
	IndexName      string             `json:"IndexName,omitempty"`
	KeySchema      []KeySchemaElement `json:"KeySchema,omitempty"`
	Projection     *Projection        `json:"Projection,omitempty"`
	IndexSizeBytes int64              `json:"IndexSizeBytes"`
	ItemCount      int64              `json:"ItemCount"`
	IndexArn       string             `json:"IndexArn,omitempty"`
}

type GlobalSecondaryIndexDescription struct {
	IndexName             string                                         `json:"IndexName,omitempty"`
	KeySchema             []KeySchemaElement                             `json:"KeySchema,omitempty"`
	Projection            *Projection                                    `json:"Projection,omitempty"`
	IndexStatus           string                                         `json:"IndexStatus,omitempty"`
	Backfilling           *bool                                          `json:"Backfilling,omitempty"`
	ProvisionedThroughput *ProvisionedThroughputDescription              `json:"ProvisionedThroughput,omitempty"`
	IndexSizeBytes        int64                                          `json:"IndexSizeBytes"`
	ItemCount             int64                                          `json:"ItemCount"`
	IndexArn              string                                         `json:"IndexArn,omitempty"`
	OnDemandThroughput    *OnDemandThroughput                            `json:"OnDemandThroughput,omitempty"`
	WarmThroughput        *GlobalSecondaryIndexWarmThroughputDescription `json:"WarmThroughput,omitempty"`
}

type GlobalSecondaryIndexWarmThroughputDescription struct {
	ReadUnitsPerSecond  int64  `json:"ReadUnitsPerSecond,omitempty"`
	WriteUnitsPerSecond int64  `json:"WriteUnitsPerSecond,omitempty"`
	Status              string `json:"Status,omitempty"`
}

type TableWarmThroughputDescription struct {
	ReadUnitsPerSecond  int64  `json:"ReadUnitsPerSecond,omitempty"`
	WriteUnitsPerSecond int64  `json:"WriteUnitsPerSecond,omitempty"`
	Status              string `json:"Status,omitempty"`
}

type RestoreSummary struct {
	SourceBackupArn   string    `json:"SourceBackupArn,omitempty"`
	SourceTableArn    string    `json:"SourceTableArn,omitempty"`
	RestoreDateTime   Timestamp `json:"RestoreDateTime,omitempty"`
	RestoreInProgress bool      `json:"RestoreInProgress"`
}

type SSEDescription struct {
	Status                         string    `json:"Status,omitempty"`
	SSEType                        string    `json:"SSEType,omitempty"`
	KMSMasterKeyArn                string    `json:"KMSMasterKeyArn,omitempty"`
	InaccessibleEncryptionDateTime Timestamp `json:"InaccessibleEncryptionDateTime,omitempty"`
}

type ArchivalSummary struct {
	ArchivalDateTime  Timestamp `json:"ArchivalDateTime,omitempty"`
	ArchivalReason    string    `json:"ArchivalReason,omitempty"`
	ArchivalBackupArn string    `json:"ArchivalBackupArn,omitempty"`
}

type TableClassSummary struct {
	TableClass         string    `json:"TableClass,omitempty"`
	LastUpdateDateTime Timestamp `json:"LastUpdateDateTime,omitempty"`
}

type ReplicaDescription struct {
	RegionName    string `json:"RegionName,omitempty"`
	ReplicaStatus string `json:"ReplicaStatus,omitempty"`
}

type GlobalTableWitnessDescription struct {
	RegionName    string `json:"RegionName,omitempty"`
	WitnessStatus string `json:"WitnessStatus,omitempty"`
}

// UpdateTimeToLive, DescribeTimeToLive

type TimeToLiveSpecification struct {
	Enabled       *bool   `json:"Enabled,omitempty"`
	AttributeName *string `json:"AttributeName,omitempty"`
}

type UpdateTimeToLiveInput struct {
	TableName               *string                  `json:"TableName,omitempty"`
	TimeToLiveSpecification *TimeToLiveSpecification `json:"TimeToLiveSpecification,omitempty"`
}

type UpdateTimeToLiveOutput struct {
	TimeToLiveSpecification *TimeToLiveSpecification `json:"TimeToLiveSpecification,omitempty"`
}

type DescribeTimeToLiveInput struct {
	TableName *string `json:"TableName,omitempty"`
}

type TimeToLiveDescription struct {
	TimeToLiveStatus string `json:"TimeToLiveStatus,omitempty"`
	AttributeName    string `json:"AttributeName,omitempty"`
}

type DescribeTimeToLiveOutput struct {
	TimeToLiveDescription *TimeToLiveDescription `json:"TimeToLiveDescription,omitempty"`
}

// TagResource, UntagResource, ListTagsOfResource

type TagResourceInput struct {
	ResourceArn *string `json:"ResourceArn,omitempty"`
	Tags        []Tag   `json:"Tags,omitempty"`
}

type TagResourceOutput struct{}

type UntagResourceInput struct {
	ResourceArn *string  `json:"ResourceArn,omitempty"`
	TagKeys     []string `json:"TagKeys,omitempty"`
}

type UntagResourceOutput struct{}

type ListTagsOfResourceInput struct {
	ResourceArn *string `json:"ResourceArn,omitempty"`
	NextToken   *string `json:"NextToken,omitempty"`
}

type ListTagsOfResourceOutput struct {
	Tags      []Tag  `json:"Tags"`
	NextToken string `json:"NextToken,omitempty"`
}

// DescribeLimits, DescribeEndpoints, DescribeContinuousBackups

type DescribeLimitsInput struct{}

type DescribeLimitsOutput struct {
	AccountMaxReadCapacityUnits  int64 `json:"AccountMaxReadCapacityUnits"`
	AccountMaxWriteCapacityUnits int64 `json:"AccountMaxWriteCapacityUnits"`
	TableMaxReadCapacityUnits    int64 `json:"TableMaxReadCapacityUnits"`
	TableMaxWriteCapacityUnits   int64 `json:"TableMaxWriteCapacityUnits"`
}

type DescribeEndpointsInput struct{}

type Endpoint struct {
	Address              string `json:"Address"`
	CachePeriodInMinutes int64  `json:"CachePeriodInMinutes"`
}

type DescribeEndpointsOutput struct {
	Endpoints []Endpoint `json:"Endpoints"`
}

type DescribeContinuousBackupsInput struct {
	TableName *string `json:"TableName,omitempty"`
}

type PointInTimeRecoveryDescription struct {
	PointInTimeRecoveryStatus  string    `json:"PointInTimeRecoveryStatus,omitempty"`
	RecoveryPeriodInDays       int32     `json:"RecoveryPeriodInDays,omitempty"`
	EarliestRestorableDateTime Timestamp `json:"EarliestRestorableDateTime,omitempty"`
	LatestRestorableDateTime   Timestamp `json:"LatestRestorableDateTime,omitempty"`
}

type ContinuousBackupsDescription struct {
	ContinuousBackupsStatus        string                          `json:"ContinuousBackupsStatus,omitempty"`
	PointInTimeRecoveryDescription *PointInTimeRecoveryDescription `json:"PointInTimeRecoveryDescription,omitempty"`
}

type DescribeContinuousBackupsOutput struct {
	ContinuousBackupsDescription *ContinuousBackupsDescription `json:"ContinuousBackupsDescription,omitempty"`
}
