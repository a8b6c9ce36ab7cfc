package wire

import (
	"reflect"
	"strings"
	"sync"
)

// kind is how a Go type maps to DynamoDB's JSON model.
type kind uint8

const (
	kString kind = iota
	kBool
	kInt32 // Coral Integer
	kInt64 // Coral Long
	kFloat64
	kBlob
	kStruct
	kList
	kMap
	kItem      // Item: map of attribute values
	kValue     // Value: one attribute value
	kTimestamp // Timestamp: epoch seconds
	kEncoded   // EncodedItem: an item in its stored encoding (output only)
	kSkip      // not part of the JSON (unexported or untagged)
)

// typeInfo describes a Go type for the decoder and the encoder.
type typeInfo struct {
	kind   kind
	java   string // Java class name DynamoDB uses in messages
	elem   *typeInfo
	ptr    bool // elements of a list/map are pointers (unused for now)
	fields []fieldInfo
	byName map[string]int
	typ    reflect.Type
}

type fieldInfo struct {
	name      string // JSON name
	index     int
	ptr       bool // the field is a pointer to info's type
	omitempty bool
	info      *typeInfo
}

var (
	typeCache sync.Map // reflect.Type -> *typeInfo
	typeMu    sync.Mutex

	itemType      = reflect.TypeFor[Item]()
	valueType     = reflect.TypeFor[Value]()
	timestampType = reflect.TypeFor[Timestamp]()
	encodedType   = reflect.TypeFor[EncodedItem]()
)

// Static descriptions of the members of an AttributeValue, for messages.
var (
	tiString   = &typeInfo{kind: kString, java: javaString}
	tiBool     = &typeInfo{kind: kBool, java: "java.lang.Boolean"}
	tiBlob     = &typeInfo{kind: kBlob, java: "java.nio.ByteBuffer"}
	tiValue    = &typeInfo{kind: kValue, java: javaAttributeValue}
	tiItem     = &typeInfo{kind: kItem, java: javaItemMap, elem: tiValue}
	tiStrList  = &typeInfo{kind: kList, java: "java.util.List<java.lang.String>", elem: tiString}
	tiBlobList = &typeInfo{kind: kList, java: "java.util.List<java.nio.ByteBuffer>", elem: tiBlob}
	tiValList  = &typeInfo{kind: kList, java: "java.util.List<" + javaAttributeValue + ">", elem: tiValue}
)

// infoOf returns the description of t, building and caching it on first use.
func infoOf(t reflect.Type) *typeInfo {
	if ti, ok := typeCache.Load(t); ok {
		return ti.(*typeInfo)
	}
	typeMu.Lock()
	defer typeMu.Unlock()
	building := map[reflect.Type]*typeInfo{}
	ti := build(t, building)
	for bt, bi := range building {
		typeCache.Store(bt, bi)
	}
	return ti
}

func build(t reflect.Type, building map[reflect.Type]*typeInfo) *typeInfo {
	if ti, ok := typeCache.Load(t); ok {
		return ti.(*typeInfo)
	}
	if ti, ok := building[t]; ok {
		return ti
	}
	ti := &typeInfo{typ: t}
	building[t] = ti
	switch {
	case t == itemType:
		ti.kind, ti.java, ti.elem = kItem, javaItemMap, tiValue
	case t == valueType:
		ti.kind, ti.java = kValue, javaAttributeValue
	case t == timestampType:
		ti.kind, ti.java = kTimestamp, "java.util.Date"
	case t == encodedType:
		ti.kind, ti.java = kEncoded, javaItemMap
	default:
		switch t.Kind() {
		case reflect.String:
			ti.kind, ti.java = kString, javaString
		case reflect.Bool:
			ti.kind, ti.java = kBool, "java.lang.Boolean"
		case reflect.Int32:
			ti.kind, ti.java = kInt32, "java.lang.Integer"
		case reflect.Int64, reflect.Int:
			ti.kind, ti.java = kInt64, "java.lang.Long"
		case reflect.Float64:
			ti.kind, ti.java = kFloat64, "java.lang.Double"
		case reflect.Slice:
			if t.Elem().Kind() == reflect.Uint8 {
				ti.kind, ti.java = kBlob, "java.nio.ByteBuffer"
				break
			}
			ti.kind = kList
			ti.elem = build(t.Elem(), building)
			ti.java = "java.util.List<" + ti.elem.javaRef() + ">"
		case reflect.Map:
			ti.kind = kMap
			ti.elem = build(t.Elem(), building)
			ti.java = "java.util.Map<java.lang.String, " + ti.elem.javaRef() + ">"
		case reflect.Struct:
			ti.kind, ti.java = kStruct, javaPrefix+t.Name()
			ti.byName = map[string]int{}
			for i := 0; i < t.NumField(); i++ {
				f := t.Field(i)
				tag, ok := f.Tag.Lookup("json")
				alias := false
				if wt, ok2 := f.Tag.Lookup("wire"); ok2 {
					// An encode-only field sent under another field's
					// name (json:"-" keeps encoding/json away from it).
					tag, ok, alias = wt, true, true
				}
				if !ok || !f.IsExported() || tag == "-" {
					continue
				}
				name, opts, _ := strings.Cut(tag, ",")
				ft := f.Type
				fi := fieldInfo{name: name, index: i, omitempty: strings.Contains(opts, "omitempty")}
				if ft.Kind() == reflect.Pointer {
					fi.ptr = true
					ft = ft.Elem()
				}
				fi.info = build(ft, building)
				if !alias {
					ti.byName[name] = len(ti.fields)
				}
				ti.fields = append(ti.fields, fi)
			}
		default:
			ti.kind = kSkip
		}
	}
	return ti
}

// javaRef is the name of the type inside a generic Java type.
func (ti *typeInfo) javaRef() string { return ti.java }
