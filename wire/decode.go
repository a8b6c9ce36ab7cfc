package wire

import (
	"math"
	"reflect"
	"strconv"

	"github.com/dynago/dynago/ddb"
)

// Decode decodes a request body into v, a pointer to one of the input
// structs of this package (or any struct built from its types).
//
// Malformed JSON is a SerializationException without a message, a JSON
// value of the wrong type is a SerializationException with DynamoDB's
// wording. Field names are case-sensitive; unknown fields and null values
// are ignored; an empty body is an empty request. Invalid attribute values
// do not fail Decode: they are recorded in v (see ValueError) and reported
// by v's Validate method.
func Decode(body []byte, v any) error {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() || rv.Elem().Kind() != reflect.Struct {
		return &ddb.Error{Type: ddb.ErrInternalServer, Message: "wire.Decode needs a pointer to a struct"}
	}
	d := decoder{scanner: scanner{data: body}}
	ti := infoOf(rv.Elem().Type())
	d.skipSpace()
	if d.pos < len(d.data) {
		switch t := d.next(); t {
		case tokObject:
			if err := d.decodeStruct(rv.Elem(), ti); err != nil {
				return err
			}
		case tokNull:
			if err := d.literal("null"); err != nil {
				return err
			}
		default:
			return errSyntax()
		}
		if err := d.end(); err != nil {
			return err
		}
	}
	if len(d.errs) > 0 {
		if sink, ok := v.(valueErrorSink); ok {
			for _, e := range d.errs {
				sink.addValueError(e)
			}
		}
	}
	return nil
}

// decodeStruct decodes an object into the struct v (the '{' is next).
func (d *decoder) decodeStruct(v reflect.Value, ti *typeInfo) error {
	d.pos++
	return d.members(func(key []byte) error {
		i, ok := ti.byName[string(key)]
		if !ok {
			return d.skip(0)
		}
		f := &ti.fields[i]
		if d.next() == tokNull {
			return d.literal("null")
		}
		d.path = append(d.path, pathElem{name: f.name, idx: -1})
		fv := v.Field(f.index)
		if f.ptr {
			p := reflect.New(f.info.typ)
			if err := d.decodeValue(p.Elem(), f.info, false); err != nil {
				return err
			}
			// A Value that turned out invalid stays absent.
			if f.info.kind != kValue || ddb.Type(p.Elem().Field(0).Uint()) != ddb.TypeNone {
				fv.Set(p)
			}
		} else if err := d.decodeValue(fv, f.info, false); err != nil {
			return err
		}
		d.path = d.path[:len(d.path)-1]
		return nil
	})
}

// decodeValue decodes the next (non-null) JSON value into v.
func (d *decoder) decodeValue(v reflect.Value, ti *typeInfo, member bool) error {
	t := d.next()
	switch ti.kind {
	case kString:
		if t != tokString {
			return mismatch(ti, member, t)
		}
		s, err := d.str()
		if err != nil {
			return err
		}
		v.SetString(s)
	case kBool:
		b, err := d.boolean(t)
		if err != nil {
			return mismatch(ti, member, t)
		}
		v.SetBool(b)
	case kInt32, kInt64:
		if t != tokInt && t != tokFloat {
			return mismatch(ti, member, t)
		}
		lit, float, err := d.number()
		if err != nil {
			return err
		}
		if ti.kind == kInt32 {
			v.SetInt(parseInt(lit, float, math.MinInt32, math.MaxInt32))
		} else {
			v.SetInt(parseInt(lit, float, math.MinInt64, math.MaxInt64))
		}
	case kFloat64:
		if t != tokInt && t != tokFloat {
			return mismatch(ti, member, t)
		}
		lit, _, err := d.number()
		if err != nil {
			return err
		}
		f, _ := strconv.ParseFloat(string(lit), 64)
		v.SetFloat(f)
	case kTimestamp:
		if t != tokInt && t != tokFloat {
			return mismatch(ti, member, t)
		}
		lit, _, err := d.number()
		if err != nil {
			return err
		}
		f, _ := strconv.ParseFloat(string(lit), 64)
		v.Set(reflect.ValueOf(TimestampFromSeconds(f)))
	case kBlob:
		b, err := d.blob(member, t)
		if err != nil {
			return err
		}
		v.SetBytes(b)
	case kStruct:
		if t != tokObject {
			return mismatch(ti, member, t)
		}
		return d.decodeStruct(v, ti)
	case kItem:
		it, err := d.item(member)
		if err != nil {
			return err
		}
		v.Set(reflect.ValueOf(it))
	case kValue:
		av, ok, err := d.single(member)
		if err != nil {
			return err
		}
		if !ok {
			av = ddb.AttributeValue{}
		}
		v.Set(reflect.ValueOf(Value(av)))
	case kList:
		if t != tokArray {
			return mismatch(ti, member, t)
		}
		d.pos++
		s := reflect.MakeSlice(v.Type(), 0, 4)
		err := d.elements(func(i int) error {
			d.path = append(d.path, pathElem{idx: i})
			defer func() { d.path = d.path[:len(d.path)-1] }()
			if ti.elem.kind == kValue {
				// An invalid value stays in the list as an absent Value,
				// so that the list keeps its length.
				av, ok, err := d.single(true)
				if err != nil {
					return err
				}
				if !ok {
					av = ddb.AttributeValue{}
				}
				s = reflect.Append(s, reflect.ValueOf(Value(av)))
				return nil
			}
			s = reflect.Append(s, reflect.Zero(ti.elem.typ))
			if d.next() == tokNull {
				return d.literal("null")
			}
			return d.decodeValue(s.Index(s.Len()-1), ti.elem, true)
		})
		if err != nil {
			return err
		}
		v.Set(s)
	case kMap:
		if t != tokObject {
			return mismatch(ti, member, t)
		}
		d.pos++
		m := reflect.MakeMap(v.Type())
		err := d.members(func(key []byte) error {
			name := string(key)
			if d.next() == tokNull {
				if ti.elem.kind == kValue {
					d.nullValue(name, true)
				}
				return d.literal("null")
			}
			d.path = append(d.path, pathElem{name: name, idx: -1})
			defer func() { d.path = d.path[:len(d.path)-1] }()
			if ti.elem.kind == kValue {
				d.resetProblems()
				av, err := d.value(true, 1)
				if err != nil {
					return err
				}
				if !d.flushProblems("", false) {
					m.SetMapIndex(reflect.ValueOf(name), reflect.ValueOf(Value(av)))
				}
				return nil
			}
			e := reflect.New(ti.elem.typ).Elem()
			if err := d.decodeValue(e, ti.elem, true); err != nil {
				return err
			}
			m.SetMapIndex(reflect.ValueOf(name), e)
			return nil
		})
		if err != nil {
			return err
		}
		v.Set(m)
	default:
		return d.skip(0)
	}
	return nil
}
