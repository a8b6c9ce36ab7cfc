package table

import (
	"strings"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/wire"
)

// UpdateTable's GlobalSecondaryIndexUpdates Create and Delete: the
// catalog side. The data side (backfill, deleting entries) is in
// backfill.go.

const (
	msgOneIndexOperation = "Subscriber limit exceeded: Only 1 online index can be created or deleted simultaneously per table"
	msgIndexExists       = "Attempting to create an index which already exists"
	msgTooManyGSIs       = "Number of global secondary indexes exceeds per-table limit"
)

// checkIndexOperations enforces DynamoDB's one index creation or deletion
// at a time: in one request, and while another index is being created.
// Deleting the index that is being created (in its backfilling phase) is
// allowed.
func checkIndexOperations(m *Meta, updates []wire.GlobalSecondaryIndexUpdate) error {
	n := 0
	deleting := map[string]bool{}
	for _, u := range updates {
		switch {
		case u.Create != nil:
			n++
		case u.Delete != nil:
			n++
			deleting[wire.Deref(u.Delete.IndexName)] = true
		}
	}
	if n == 0 {
		return nil
	}
	for i := range m.GSIs {
		if m.GSIs[i].Status == StatusCreating && !deleting[m.GSIs[i].Name] {
			n++
		}
	}
	if n > 1 {
		return ddb.Errorf(ddb.ErrLimitExceeded, msgOneIndexOperation)
	}
	return nil
}

// createGSI adds a global secondary index to m, in the CREATING state.
// defs are the request's AttributeDefinitions; mode the table's billing
// mode after the request.
func createGSI(m *Meta, c *wire.CreateGlobalSecondaryIndexAction, defsIn []wire.AttributeDefinition, mode string) error {
	name := wire.Deref(c.IndexName)
	if _, exists := m.index(name); exists {
		return ddb.Validation(msgIndexExists)
	}
	if len(defsIn) == 0 {
		return invalidParams("AttributeDefinitions is not specified for index: %s", name)
	}
	defs := make(map[string]ddb.Type, len(defsIn))
	for _, d := range defsIn {
		t, _ := ddb.ParseType(wire.Deref(d.AttributeType))
		defs[wire.Deref(d.AttributeName)] = t
	}
	iks, err := keySchema(c.KeySchema, defs, true)
	if err != nil {
		return err
	}
	if err := checkRedefinition(m, iks); err != nil {
		return err
	}
	proj, err := projection(c.Projection, m.Key, iks)
	if err != nil {
		return err
	}
	im := IndexMeta{
		IndexSchema: ddb.IndexSchema{Name: name, Global: true, Key: iks, Projection: proj},
		Status:      StatusCreating,
		Backfilling: true,
		ARN:         m.ARN + "/index/" + name,
	}
	if mode == BillingPayPerRequest {
		if c.ProvisionedThroughput != nil {
			return invalidParams("Neither ReadCapacityUnits nor WriteCapacityUnits can be specified for index: %s when BillingMode is PAY_PER_REQUEST", name)
		}
	} else {
		if c.ProvisionedThroughput == nil {
			return invalidParams("ProvisionedThroughput must be specified for index: %s", name)
		}
		im.Throughput.Read = wire.Deref(c.ProvisionedThroughput.ReadCapacityUnits)
		im.Throughput.Write = wire.Deref(c.ProvisionedThroughput.WriteCapacityUnits)
	}
	if len(m.GSIs) >= maxGSIs {
		return ddb.Errorf(ddb.ErrLimitExceeded, msgTooManyGSIs)
	}
	projected := len(proj.NonKeyAttributes)
	_ = forEachIndex(m, func(idx *IndexMeta) error {
		projected += len(idx.Projection.NonKeyAttributes)
		return nil
	})
	if projected > maxProjectedAttrs {
		return invalidParams("The number of attributes in key schema and projections of the table and its indexes exceeds the limit of %d", maxProjectedAttrs)
	}
	m.NextIndexID++
	im.ID = m.NextIndexID
	m.GSIs = append(m.GSIs[:len(m.GSIs):len(m.GSIs)], im)
	for _, ka := range []ddb.KeyAttr{iks.Hash, iks.Range} {
		if ka.Name != "" && !m.hasAttrDef(ka.Name) {
			m.AttrDefs = append(m.AttrDefs, AttrDef{Name: ka.Name, Type: ka.Type.String()})
		}
	}
	return nil
}

// checkRedefinition refuses a new index key attribute whose type differs
// from the one the table already defines for it.
func checkRedefinition(m *Meta, iks ddb.KeySchema) error {
	for _, ka := range []ddb.KeyAttr{iks.Hash, iks.Range} {
		if ka.Name == "" {
			continue
		}
		for _, d := range m.AttrDefs {
			if d.Name == ka.Name && d.Type != ka.Type.String() {
				return invalidParams("Attributes cannot be redefined. Please check that your attribute has the same type as previously defined. Existing schema: %s New schema: %s",
					schemaText(existingSchemaOf(m, ka.Name)), schemaText(iks))
			}
		}
	}
	return nil
}

// existingSchemaOf returns the key schema (table or index) that already
// uses attribute name.
func existingSchemaOf(m *Meta, name string) ddb.KeySchema {
	if m.Key.IsKeyAttr(name) {
		return m.Key
	}
	var out ddb.KeySchema
	_ = forEachIndex(m, func(idx *IndexMeta) error {
		if out.Hash.Name == "" && idx.Key.IsKeyAttr(name) {
			out = idx.Key
		}
		return nil
	})
	return out
}

// schemaText renders a key schema as DynamoDB does in its redefinition
// message: Schema:[SchemaElement: key{name:type:HASH}, ...].
func schemaText(ks ddb.KeySchema) string {
	var parts []string
	for _, e := range []struct {
		ka  ddb.KeyAttr
		typ string
	}{{ks.Hash, "HASH"}, {ks.Range, "RANGE"}} {
		if e.ka.Name != "" {
			parts = append(parts, "SchemaElement: key{"+e.ka.Name+":"+e.ka.Type.String()+":"+e.typ+"}")
		}
	}
	return "Schema:[" + strings.Join(parts, ", ") + "]"
}

func (m *Meta) hasAttrDef(name string) bool {
	for _, d := range m.AttrDefs {
		if d.Name == name {
			return true
		}
	}
	return false
}

// deleteGSI removes a global secondary index from m, and the attribute
// definitions no key uses any more.
func deleteGSI(m *Meta, name string) error {
	at := -1
	for i := range m.GSIs {
		if m.GSIs[i].Name == name {
			at = i
			break
		}
	}
	if at < 0 {
		for i := range m.LSIs {
			if m.LSIs[i].Name == name {
				return ddb.Validation("Cannot delete an index that is not a GlobalSecondaryIndex: " + name)
			}
		}
		return ddb.Errorf(ddb.ErrResourceNotFound, "Requested resource not found: Index: %s not found", name)
	}
	gsis := make([]IndexMeta, 0, len(m.GSIs)-1)
	gsis = append(gsis, m.GSIs[:at]...)
	m.GSIs = append(gsis, m.GSIs[at+1:]...)
	used := map[string]bool{}
	for _, ka := range []ddb.KeyAttr{m.Key.Hash, m.Key.Range} {
		used[ka.Name] = true
	}
	_ = forEachIndex(m, func(idx *IndexMeta) error {
		used[idx.Key.Hash.Name] = true
		used[idx.Key.Range.Name] = true
		return nil
	})
	defs := make([]AttrDef, 0, len(m.AttrDefs))
	for _, d := range m.AttrDefs {
		if used[d.Name] {
			defs = append(defs, d)
		}
	}
	m.AttrDefs = defs
	return nil
}

// checkNoIndexCreating refuses to delete a table while one of its indexes
// is being created, as DynamoDB does.
func checkNoIndexCreating(m *Meta) error {
	for i := range m.GSIs {
		if m.GSIs[i].Status == StatusCreating {
			return ddb.Errorf(ddb.ErrResourceInUse, "Attempt to change a resource which is still in use: Table is being updated: %s", m.Name)
		}
	}
	return nil
}

// describeIndexChanges adjusts UpdateTable's answer for the index changes
// from prev to m: a new index is in its first phase (CREATING, not yet
// backfilling), a deleted one is shown DELETING.
func describeIndexChanges(d *wire.TableDescription, prev, m *Meta) {
	for i := range d.GlobalSecondaryIndexes {
		g := &d.GlobalSecondaryIndexes[i]
		if idx, ok := m.index(g.IndexName); ok && prev.indexByID(idx.ID) == nil {
			g.IndexStatus = StatusCreating
			g.Backfilling = wire.Ptr(false)
		}
	}
	for i := range prev.GSIs {
		g := &prev.GSIs[i]
		if m.indexByID(g.ID) != nil {
			continue
		}
		d.GlobalSecondaryIndexes = append(d.GlobalSecondaryIndexes, wire.GlobalSecondaryIndexDescription{
			IndexName:             g.Name,
			KeySchema:             keySchemaElems(g.Key),
			Projection:            projectionOut(g.Projection),
			IndexStatus:           StatusDeleting,
			ProvisionedThroughput: throughputOut(g.Throughput),
			IndexArn:              m.ARN + "/index/" + g.Name,
		})
	}
}
