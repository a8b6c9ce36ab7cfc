package ddb

// KeyAttr is one key attribute: its name and scalar type (S, N or B).
type KeyAttr struct {
	Name string
	Type Type
}

// KeySchema is the primary key of a table or the key of an index. Range.Name
// is empty when there is no sort key.
type KeySchema struct {
	Hash  KeyAttr
	Range KeyAttr
}

// HasRange reports whether the schema has a sort key.
func (k KeySchema) HasRange() bool { return k.Range.Name != "" }

// IsKeyAttr reports whether name is the partition or sort key attribute.
func (k KeySchema) IsKeyAttr(name string) bool {
	return name == k.Hash.Name || (k.Range.Name != "" && name == k.Range.Name)
}

// Attr returns the key attribute of that name, if it is one.
func (k KeySchema) Attr(name string) (KeyAttr, bool) {
	switch {
	case name == k.Hash.Name:
		return k.Hash, true
	case k.Range.Name != "" && name == k.Range.Name:
		return k.Range, true
	}
	return KeyAttr{}, false
}

// Project returns the key attributes of item (those present), as a new item.
func (k KeySchema) Project(item Item) Item {
	out := make(Item, 2)
	if v, ok := item[k.Hash.Name]; ok {
		out[k.Hash.Name] = v
	}
	if k.Range.Name != "" {
		if v, ok := item[k.Range.Name]; ok {
			out[k.Range.Name] = v
		}
	}
	return out
}

// ProjectionType says which attributes an index holds.
type ProjectionType string

const (
	ProjectAll      ProjectionType = "ALL"
	ProjectKeysOnly ProjectionType = "KEYS_ONLY"
	ProjectInclude  ProjectionType = "INCLUDE"
)

// Projection is an index's projection.
type Projection struct {
	Type             ProjectionType
	NonKeyAttributes []string
}

// IndexSchema describes a secondary index.
type IndexSchema struct {
	Name       string
	ID         uint32 // index-id in the key layout; 0 is the base table
	Global     bool   // GSI (true) or LSI (false)
	Key        KeySchema
	Projection Projection
}
