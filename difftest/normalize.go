package difftest

import (
	"bytes"
	"encoding/json"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// volatileFields are response fields whose values differ between any two
// servers (or two runs): their values are replaced by a marker that keeps only
// the JSON type, so a missing field or a field of the wrong type still shows.
var volatileFields = map[string]bool{
	"CreationDateTime":                  true,
	"LastUpdateDateTime":                true,
	"LastIncreaseDateTime":              true,
	"LastDecreaseDateTime":              true,
	"LastUpdateToPayPerRequestDateTime": true,
	"InaccessibleEncryptionDateTime":    true,
	"ArchivalDateTime":                  true,
	"RestoreDateTime":                   true,
	"TableCreationDateTime":             true,
	"TableId":                           true,
	"LatestStreamArn":                   true,
	"LatestStreamLabel":                 true,
	"StreamArn":                         true,
	"StreamLabel":                       true,
	"ApproximateCreationDateTime":       true,
	"SequenceNumber":                    true,
}

// arnRE matches the region and account of an AWS ARN; both are installation
// details (DynamoDB Local says "ddblocal" and "000000000000").
var arnRE = regexp.MustCompile(`arn:(aws[a-z-]*):([a-z0-9-]+):[a-z0-9-]*:[0-9]*:`)

func normalizeString(s string) string {
	return arnRE.ReplaceAllString(s, "arn:$1:$2:<region>:<account>:")
}

// decodeJSON parses a response body keeping numbers as written.
func decodeJSON(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// normalize rewrites a decoded response in place-free fashion: volatile
// fields masked, ARNs' region and account masked, set members (SS, NS, BS)
// sorted, and the arrays at the unordered paths sorted.
func normalize(v any, unordered []string, ignore []string) any {
	v = normalizeValue(v)
	for _, p := range ignore {
		v = applyAtPath(v, splitPath(p), func(any) any { return "<ignored>" })
	}
	for _, p := range unordered {
		v = applyAtPath(v, splitPath(p), sortArray)
	}
	return v
}

func normalizeValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			if volatileFields[k] {
				out[k] = volatileMarker(e)
				continue
			}
			out[k] = normalizeValue(e)
		}
		// An AttributeValue set: member order is not defined.
		if len(t) == 1 {
			for _, k := range []string{"SS", "NS", "BS"} {
				if arr, ok := out[k].([]any); ok {
					out[k] = sortArray(arr)
				}
			}
		}
		return out
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = normalizeValue(e)
		}
		return out
	case string:
		return normalizeString(t)
	default:
		return v
	}
}

func volatileMarker(v any) any {
	switch v.(type) {
	case json.Number:
		return "<volatile number>"
	case string:
		return "<volatile string>"
	case nil:
		return nil
	default:
		return "<volatile>"
	}
}

func splitPath(p string) []string {
	if p == "" {
		return nil
	}
	return strings.Split(p, ".")
}

// applyAtPath applies fn to the value(s) at path; "*" matches every key of a
// map or every element of an array.
func applyAtPath(v any, path []string, fn func(any) any) any {
	if len(path) == 0 {
		return fn(v)
	}
	switch t := v.(type) {
	case map[string]any:
		if path[0] == "*" {
			for k, e := range t {
				t[k] = applyAtPath(e, path[1:], fn)
			}
		} else if e, ok := t[path[0]]; ok {
			t[path[0]] = applyAtPath(e, path[1:], fn)
		}
	case []any:
		if path[0] == "*" {
			for i, e := range t {
				t[i] = applyAtPath(e, path[1:], fn)
			}
		}
	}
	return v
}

func getAtPath(v any, path []string) (any, bool) {
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil, false
		}
		if v, ok = m[p]; !ok {
			return nil, false
		}
	}
	return v, true
}

func sortArray(v any) any {
	arr, ok := v.([]any)
	if !ok {
		return v
	}
	keys := make([]string, len(arr))
	for i, e := range arr {
		keys[i] = canonical(e)
	}
	idx := make([]int, len(arr))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return keys[idx[a]] < keys[idx[b]] })
	out := make([]any, len(arr))
	for i, j := range idx {
		out[i] = arr[j]
	}
	return out
}

// canonical is a deterministic compact JSON text of v (map keys sorted).
func canonical(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b) // encoding/json sorts map keys
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return "<unencodable>"
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// defaultUnordered lists, per operation, the response arrays whose order
// DynamoDB does not define.
func defaultUnordered(op string) []string {
	switch op {
	case "Scan":
		return []string{"Items"}
	case "BatchGetItem":
		return []string{"Responses.*", "UnprocessedKeys.*.Keys", "ConsumedCapacity"}
	case "BatchWriteItem":
		return []string{"UnprocessedItems.*", "ConsumedCapacity", "ItemCollectionMetrics.*"}
	case "TransactWriteItems", "TransactGetItems":
		return []string{"ConsumedCapacity"}
	case "ExecuteStatement", "BatchExecuteStatement":
		return []string{"Items"}
	case "ListTagsOfResource":
		return []string{"Tags"}
	case "CreateTable", "DescribeTable", "UpdateTable", "DeleteTable":
		return []string{
			"TableDescription.AttributeDefinitions", "Table.AttributeDefinitions",
			"TableDescription.GlobalSecondaryIndexes", "Table.GlobalSecondaryIndexes",
			"TableDescription.LocalSecondaryIndexes", "Table.LocalSecondaryIndexes",
			"TableDescription.GlobalSecondaryIndexes.*.Projection.NonKeyAttributes",
			"Table.GlobalSecondaryIndexes.*.Projection.NonKeyAttributes",
			"TableDescription.LocalSecondaryIndexes.*.Projection.NonKeyAttributes",
			"Table.LocalSecondaryIndexes.*.Projection.NonKeyAttributes",
		}
	}
	return nil
}

// BodyDiff is one difference between two response bodies: the JSON at Path
// (dotted, with [i] for array elements) on each side, as canonical JSON text,
// or absent.
type BodyDiff struct {
	Path             string
	A, B             string
	AAbsent, BAbsent bool
}

// String renders d as a report line ("path: a vs b").
func (d BodyDiff) String() string {
	path := d.Path
	if path == "" {
		path = "(body)"
	}
	return path + ": " + clipValue(d.A, d.AAbsent) + " vs " + clipValue(d.B, d.BAbsent)
}

// Value is the side's value as deviations match it: canonical JSON, or
// "(absent)".
func (d BodyDiff) Value(sideA bool) string {
	if sideA {
		if d.AAbsent {
			return absentValue
		}
		return d.A
	}
	if d.BAbsent {
		return absentValue
	}
	return d.B
}

const absentValue = "(absent)"

func clipValue(s string, absent bool) string {
	if absent {
		return absentValue
	}
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// diffJSON lists the differences between a and b.
func diffJSON(path string, a, b any, out *[]BodyDiff) {
	switch ta := a.(type) {
	case map[string]any:
		tb, ok := b.(map[string]any)
		if !ok {
			*out = append(*out, BodyDiff{Path: path, A: canonical(a), B: canonical(b)})
			return
		}
		keys := make(map[string]bool)
		for k := range ta {
			keys[k] = true
		}
		for k := range tb {
			keys[k] = true
		}
		sorted := make([]string, 0, len(keys))
		for k := range keys {
			sorted = append(sorted, k)
		}
		sort.Strings(sorted)
		for _, k := range sorted {
			p := joinPath(path, k)
			va, oka := ta[k]
			vb, okb := tb[k]
			switch {
			case !oka:
				*out = append(*out, BodyDiff{Path: p, AAbsent: true, B: canonical(vb)})
			case !okb:
				*out = append(*out, BodyDiff{Path: p, A: canonical(va), BAbsent: true})
			default:
				diffJSON(p, va, vb, out)
			}
		}
	case []any:
		tb, ok := b.([]any)
		if !ok {
			*out = append(*out, BodyDiff{Path: path, A: canonical(a), B: canonical(b)})
			return
		}
		n := len(ta)
		if len(tb) > n {
			n = len(tb)
		}
		for i := 0; i < n; i++ {
			p := path + "[" + strconv.Itoa(i) + "]"
			switch {
			case i >= len(ta):
				*out = append(*out, BodyDiff{Path: p, AAbsent: true, B: canonical(tb[i])})
			case i >= len(tb):
				*out = append(*out, BodyDiff{Path: p, A: canonical(ta[i]), BAbsent: true})
			default:
				diffJSON(p, ta[i], tb[i], out)
			}
		}
	default:
		if ca, cb := canonical(a), canonical(b); ca != cb {
			*out = append(*out, BodyDiff{Path: path, A: ca, B: cb})
		}
	}
}

// pathSegments splits a BodyDiff path into its map keys, dropping array
// indices: "T.GSIs[0].IndexStatus" -> [T GSIs IndexStatus].
func pathSegments(p string) []string {
	p = arrayIndexRE.ReplaceAllString(p, "")
	if p == "" {
		return nil
	}
	return strings.Split(p, ".")
}

var arrayIndexRE = regexp.MustCompile(`\[\d+\]`)

// matchPath reports whether path (segments) matches pattern (segments), where
// "*" matches one segment and "**" any number of segments.
func matchPath(pattern, path []string) bool {
	if len(pattern) == 0 {
		return len(path) == 0
	}
	if pattern[0] == "**" {
		for i := 0; i <= len(path); i++ {
			if matchPath(pattern[1:], path[i:]) {
				return true
			}
		}
		return false
	}
	if len(path) == 0 || (pattern[0] != "*" && pattern[0] != path[0]) {
		return false
	}
	return matchPath(pattern[1:], path[1:])
}

func joinPath(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}
