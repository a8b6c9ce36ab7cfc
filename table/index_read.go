package table

import (
	"strings"
	"unicode/utf16"

	"github.com/dynago/dynago/ddb"
	"github.com/dynago/dynago/expr"
)

// Reading secondary indexes: what a request may ask of an index that does
// not project every attribute.

// checkIndexFilter refuses a Query filter on a secondary index that uses
// attributes the index does not hold (DynamoDB does not fetch them from
// the table for a filter, not even for a local index).
func checkIndexFilter(src *readSource, fi *filterInfo) error {
	if src.index == nil || fi == nil || src.index.Projection.Type == ddb.ProjectAll {
		return nil
	}
	var missing []string
	for name := range fi.heads {
		if !indexHolds(src, name) {
			missing = append(missing, name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return invalidParams("Secondary index %s does not project one or more filter attributes: [%s]",
		src.index.Name, strings.Join(javaHashSetOrder(missing), ", "))
}

// checkGSIProjection refuses a projection (ProjectionExpression or
// AttributesToGet) on a global secondary index that names attributes the
// index does not project: a global index cannot fetch from the table.
func checkGSIProjection(src *readSource, proj *expr.Projection) error {
	if !src.global() || proj == nil || src.index.Projection.Type == ddb.ProjectAll {
		return nil
	}
	var missing []string
	seen := map[string]bool{}
	for _, p := range proj.Paths() {
		name := p[0].Name
		if !seen[name] && !indexHolds(src, name) {
			missing = append(missing, name)
		}
		seen[name] = true
	}
	if len(missing) == 0 {
		return nil
	}
	return invalidParams("Global secondary index %s does not project [%s]",
		src.index.Name, strings.Join(javaHashSetOrder(missing), ", "))
}

// javaHashSetOrder returns names (distinct) in the order a java.util.HashSet
// of them iterates, which is how DynamoDB lists attribute names in some
// messages: by bucket of the spread String.hashCode in a table of 16
// buckets (doubled whenever the set grows past three quarters of it), then
// by insertion within a bucket.
func javaHashSetOrder(names []string) []string {
	capacity := 16
	for len(names) > capacity*3/4 {
		capacity *= 2
	}
	buckets := make([][]string, capacity)
	for _, n := range names {
		var h int32
		for _, c := range utf16.Encode([]rune(n)) {
			h = 31*h + int32(c)
		}
		spread := uint32(h) ^ (uint32(h) >> 16)
		b := int(spread & uint32(capacity-1))
		buckets[b] = append(buckets[b], n)
	}
	out := make([]string, 0, len(names))
	for _, b := range buckets {
		out = append(out, b...)
	}
	return out
}
