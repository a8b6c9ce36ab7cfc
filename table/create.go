package table

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/wire"
)

// Limits on indexes per table.
const (
	maxLSIs = 5
	maxGSIs = 20
	// maxProjectedAttrs is the limit on NonKeyAttributes summed over all
	// indexes of a table.
	maxProjectedAttrs = 100
)

func invalidParams(format string, args ...any) *ddb.Error {
	return ddb.Validation("One or more parameter values were invalid: " + fmt.Sprintf(format, args...))
}

// buildMeta checks a CreateTable request against DynamoDB's semantic rules
// (those that need no catalog) and returns the new table's catalog entry,
// without ID, ARN and TableID.
func buildMeta(in *wire.CreateTableInput, now time.Time) (*Meta, error) {
	m := &Meta{
		Name:        wire.Deref(in.TableName),
		Status:      StatusActive,
		Created:     now,
		BillingMode: BillingProvisioned,
	}
	defs := make(map[string]ddb.Type, len(in.AttributeDefinitions))
	for _, d := range in.AttributeDefinitions {
		name, typ := wire.Deref(d.AttributeName), wire.Deref(d.AttributeType)
		if _, dup := defs[name]; dup {
			return nil, ddb.Validationf("Attribute Name is duplicated: %s", name)
		}
		t, _ := ddb.ParseType(typ)
		defs[name] = t
		m.AttrDefs = append(m.AttrDefs, AttrDef{Name: name, Type: typ})
	}
	hasIndexes := len(in.LocalSecondaryIndexes) > 0 || len(in.GlobalSecondaryIndexes) > 0 ||
		in.LocalSecondaryIndexes != nil || in.GlobalSecondaryIndexes != nil

	// The table's key schema.
	ks, err := keySchema(in.KeySchema, defs, hasIndexes)
	if err != nil {
		return nil, err
	}
	m.Key = ks

	// All key attributes used (table and indexes) against the definitions.
	used := map[string]bool{}
	for _, k := range in.KeySchema {
		used[wire.Deref(k.AttributeName)] = true
	}
	for _, l := range in.LocalSecondaryIndexes {
		for _, k := range l.KeySchema {
			used[wire.Deref(k.AttributeName)] = true
		}
	}
	for _, g := range in.GlobalSecondaryIndexes {
		for _, k := range g.KeySchema {
			used[wire.Deref(k.AttributeName)] = true
		}
	}
	if err := checkDefinitionsUsed(defs, used, hasIndexes); err != nil {
		return nil, err
	}

	// Billing.
	if wire.Deref(in.BillingMode) == BillingPayPerRequest {
		m.BillingMode = BillingPayPerRequest
		t := now
		m.BillingSet = &t
	} else if in.ProvisionedThroughput != nil {
		m.Throughput.Read = wire.Deref(in.ProvisionedThroughput.ReadCapacityUnits)
		m.Throughput.Write = wire.Deref(in.ProvisionedThroughput.WriteCapacityUnits)
		if in.BillingMode != nil {
			m.BillingSet = nil
		}
	}
	m.BillingExplicit = in.BillingMode != nil

	// Indexes.
	if in.LocalSecondaryIndexes != nil {
		if len(in.LocalSecondaryIndexes) == 0 {
			return nil, invalidParams("List of LocalSecondaryIndexes is empty")
		}
		if !ks.HasRange() {
			return nil, invalidParams("Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex")
		}
	}
	if in.GlobalSecondaryIndexes != nil && len(in.GlobalSecondaryIndexes) == 0 {
		return nil, invalidParams("List of GlobalSecondaryIndexes is empty")
	}
	names := map[string]bool{}
	projected := 0
	for _, l := range in.LocalSecondaryIndexes {
		name := wire.Deref(l.IndexName)
		iks, err := keySchema(l.KeySchema, defs, true)
		if err != nil {
			return nil, err
		}
		if !iks.HasRange() {
			return nil, invalidParams("Index KeySchema does not have a range key for index: %s", name)
		}
		if iks.Hash.Name != ks.Hash.Name {
			return nil, invalidParams("Index KeySchema does not have the same leading hash key as table KeySchema for index: %s. index hash key: %s, table hash key: %s",
				name, iks.Hash.Name, ks.Hash.Name)
		}
		proj, err := projection(l.Projection, ks, iks)
		if err != nil {
			return nil, err
		}
		projected += len(proj.NonKeyAttributes)
		if names[name] {
			return nil, invalidParams("Duplicate index name: %s", name)
		}
		names[name] = true
		m.NextIndexID++
		m.LSIs = append(m.LSIs, IndexMeta{
			IndexSchema: ddb.IndexSchema{Name: name, ID: m.NextIndexID, Key: iks, Projection: proj},
			Status:      StatusActive,
		})
	}
	if len(in.LocalSecondaryIndexes) > maxLSIs {
		return nil, invalidParams("Number of LocalSecondaryIndexes exceeds per-table limit of %d", maxLSIs)
	}
	for _, g := range in.GlobalSecondaryIndexes {
		name := wire.Deref(g.IndexName)
		iks, err := keySchema(g.KeySchema, defs, true)
		if err != nil {
			return nil, err
		}
		proj, err := projection(g.Projection, ks, iks)
		if err != nil {
			return nil, err
		}
		projected += len(proj.NonKeyAttributes)
		im := IndexMeta{
			IndexSchema: ddb.IndexSchema{Name: name, Global: true, Key: iks, Projection: proj},
			Status:      StatusActive,
		}
		if m.BillingMode == BillingPayPerRequest {
			if g.ProvisionedThroughput != nil {
				return nil, invalidParams("ProvisionedThroughput should not be specified for index: %s when BillingMode is PAY_PER_REQUEST", name)
			}
		} else {
			if g.ProvisionedThroughput == nil {
				return nil, invalidParams("ProvisionedThroughput is not specified for index: %s", name)
			}
			im.Throughput.Read = wire.Deref(g.ProvisionedThroughput.ReadCapacityUnits)
			im.Throughput.Write = wire.Deref(g.ProvisionedThroughput.WriteCapacityUnits)
		}
		if names[name] {
			return nil, invalidParams("Duplicate index name: %s", name)
		}
		names[name] = true
		m.NextIndexID++
		im.ID = m.NextIndexID
		m.GSIs = append(m.GSIs, im)
	}
	if len(in.GlobalSecondaryIndexes) > maxGSIs {
		return nil, invalidParams("GlobalSecondaryIndex count exceeds the per-table limit of %d", maxGSIs)
	}
	if projected > maxProjectedAttrs {
		return nil, invalidParams("The number of attributes in key schema and projections of the table and its indexes exceeds the limit of %d", maxProjectedAttrs)
	}

	// Streams, SSE, class, protection, tags.
	if s := in.StreamSpecification; s != nil {
		if err := checkStreamSpec(s); err != nil {
			return nil, err
		}
		if wire.Deref(s.StreamEnabled) {
			m.Stream = StreamSpec{Enabled: true, ViewType: wire.Deref(s.StreamViewType)}
			m.LatestStreamLabel = streamLabel(now)
		}
	}
	if s := in.SSESpecification; s != nil && wire.Deref(s.Enabled) {
		m.SSE = &SSE{Enabled: true, Type: "KMS", KMSKeyARN: wire.Deref(s.KMSMasterKeyId)}
	}
	if in.TableClass != nil {
		m.TableClass = *in.TableClass
	}
	m.DeletionProtection = wire.Deref(in.DeletionProtectionEnabled)
	tags, err := tagList(in.Tags)
	if err != nil {
		return nil, err
	}
	m.Tags = tags
	return m, nil
}

// keySchema checks one KeySchema list (table or index) and resolves its types.
func keySchema(elems []wire.KeySchemaElement, defs map[string]ddb.Type, hasIndexes bool) (ddb.KeySchema, error) {
	var ks ddb.KeySchema
	var names []string
	for _, e := range elems {
		names = append(names, wire.Deref(e.AttributeName))
	}
	for _, n := range names {
		if _, ok := defs[n]; !ok {
			if !hasIndexes && len(names) > len(defs) {
				return ks, ddb.Validation("Invalid KeySchema: Some index key attribute have no definition")
			}
			return ks, invalidParams("Some index key attributes are not defined in AttributeDefinitions. Keys: [%s], AttributeDefinitions: [%s]",
				strings.Join(names, ", "), strings.Join(sortedKeys(defs), ", "))
		}
	}
	if len(names) == 2 && names[0] == names[1] {
		return ks, ddb.Validation("Both the Hash Key and the Range Key element in the KeySchema have the same name")
	}
	if kt := wire.Deref(elems[0].KeyType); kt != "HASH" {
		return ks, ddb.Validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
	}
	if len(elems) == 2 && wire.Deref(elems[1].KeyType) != "RANGE" {
		return ks, ddb.Validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")
	}
	ks.Hash = ddb.KeyAttr{Name: names[0], Type: defs[names[0]]}
	if len(names) == 2 {
		ks.Range = ddb.KeyAttr{Name: names[1], Type: defs[names[1]]}
	}
	return ks, nil
}

// checkDefinitionsUsed enforces that AttributeDefinitions define exactly the
// key attributes of the table and its indexes, with DynamoDB's wordings.
func checkDefinitionsUsed(defs map[string]ddb.Type, used map[string]bool, hasIndexes bool) error {
	defNames := sortedKeys(defs)
	usedNames := make([]string, 0, len(used))
	for n := range used {
		usedNames = append(usedNames, n)
	}
	sort.Strings(usedNames)
	if len(defNames) > len(usedNames) {
		if hasIndexes {
			return invalidParams("Some AttributeDefinitions are not used. AttributeDefinitions: [%s], keys used: [%s]",
				strings.Join(defNames, ", "), strings.Join(usedNames, ", "))
		}
		return invalidParams("Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions")
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// projection checks an index's Projection.
func projection(p *wire.Projection, table, index ddb.KeySchema) (ddb.Projection, error) {
	if p == nil || p.ProjectionType == nil {
		return ddb.Projection{}, invalidParams("Unknown ProjectionType: null")
	}
	pt := ddb.ProjectionType(*p.ProjectionType)
	if p.NonKeyAttributes != nil && pt != ddb.ProjectInclude {
		return ddb.Projection{}, invalidParams("ProjectionType is %s, but NonKeyAttributes is specified", pt)
	}
	if pt == ddb.ProjectInclude && len(p.NonKeyAttributes) == 0 {
		return ddb.Projection{}, invalidParams("ProjectionType is INCLUDE, but NonKeyAttributes is not specified")
	}
	seen := map[string]bool{}
	for _, a := range p.NonKeyAttributes {
		if seen[a] {
			return ddb.Projection{}, invalidParams("Duplicate element in NonKeyAttributes: %s", a)
		}
		seen[a] = true
	}
	return ddb.Projection{Type: pt, NonKeyAttributes: append([]string(nil), p.NonKeyAttributes...)}, nil
}

func checkStreamSpec(s *wire.StreamSpecification) error {
	if wire.Deref(s.StreamEnabled) && wire.Deref(s.StreamViewType) == "" {
		return ddb.Validation("Invalid StreamViewType: Stream ViewType must not be null or empty when enabling streams.")
	}
	if !wire.Deref(s.StreamEnabled) && s.StreamViewType != nil {
		return ddb.Validation("Invalid StreamViewType: Stream StreamEnabled was false but a StreamViewType was present.")
	}
	return nil
}

// streamLabel is a stream's label: its creation time in ISO 8601 with milliseconds.
func streamLabel(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000") }

// mergeTags sets the given tags on top of have (a later value for the same
// key wins), keeping first-insertion order.
func mergeTags(have []Tag, in []wire.Tag) []Tag {
	for _, t := range in {
		k, v := wire.Deref(t.Key), wire.Deref(t.Value)
		found := false
		for i := range have {
			if have[i].Key == k {
				have[i].Value, found = v, true
				break
			}
		}
		if !found {
			have = append(have, Tag{Key: k, Value: v})
		}
	}
	return have
}

func tagList(in []wire.Tag) ([]Tag, error) {
	var out []Tag
	return mergeTags(out, in), nil
}
