package wire

import (
	"encoding/base64"

	"github.com/dynago/dynago/itemcodec"
)

// EncodedItem is an item in its stored encoding (package itemcodec). It is
// sent as DynamoDB JSON straight from that encoding, without being decoded
// into a map first: a read that returns stored items as they are (no
// projection, no filter) can skip building maps it would only encode. An
// output field of type EncodedItem (or []EncodedItem) is encoded by
// AppendJSON; a nil EncodedItem is left out like a nil Item.
type EncodedItem []byte

// MarshalJSON encodes the item as DynamoDB JSON (for encoding/json).
func (e EncodedItem) MarshalJSON() ([]byte, error) { return AppendEncodedItem(nil, e) }

// AppendEncodedItem appends the DynamoDB JSON of an item in itemcodec's
// encoding to dst. Attributes come in the encoding's order (by name). It
// fails on input that is not an encoded item, and never panics.
func AppendEncodedItem(dst []byte, item []byte) ([]byte, error) {
	r, err := itemcodec.NewReader(item)
	if err != nil {
		return dst, err
	}
	if dst, err = appendEncodedAttrs(dst, &r, 1); err != nil {
		return dst, err
	}
	if !r.Done() {
		return dst, errEncodedTrailing
	}
	return dst, nil
}

var (
	errEncodedTrailing = encodedError("trailing bytes after the item")
	errEncodedDepth    = encodedError("nesting too deep")
)

type encodedError string

func (e encodedError) Error() string { return "wire: corrupt encoded item: " + string(e) }

func appendEncodedAttrs(dst []byte, r *itemcodec.Reader, depth int) ([]byte, error) {
	if depth > itemcodec.MaxDepth {
		return dst, errEncodedDepth
	}
	n, err := r.Count()
	if err != nil {
		return dst, err
	}
	dst = append(dst, '{')
	for i := range n {
		if i > 0 {
			dst = append(dst, ',')
		}
		name, err := r.Bytes()
		if err != nil {
			return dst, err
		}
		dst = appendString(dst, name)
		dst = append(dst, ':')
		if dst, err = appendEncodedValue(dst, r, depth); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

// appendEncodedValue appends one value at nesting depth depth, as AppendValue does.
func appendEncodedValue(dst []byte, r *itemcodec.Reader, depth int) ([]byte, error) {
	k, err := r.Kind()
	if err != nil {
		return dst, err
	}
	switch k {
	case itemcodec.KindS, itemcodec.KindN, itemcodec.KindB:
		b, err := r.Bytes()
		if err != nil {
			return dst, err
		}
		switch k {
		case itemcodec.KindS:
			dst = appendString(append(dst, `{"S":`...), b)
		case itemcodec.KindN:
			dst = appendString(append(dst, `{"N":`...), b)
		default:
			dst = append(dst, `{"B":"`...)
			dst = base64.StdEncoding.AppendEncode(dst, b)
			dst = append(dst, '"')
		}
	case itemcodec.KindFalse:
		dst = append(dst, `{"BOOL":false`...)
	case itemcodec.KindTrue:
		dst = append(dst, `{"BOOL":true`...)
	case itemcodec.KindNULL:
		dst = append(dst, `{"NULL":true`...)
	case itemcodec.KindM:
		dst = append(dst, `{"M":`...)
		if dst, err = appendEncodedAttrs(dst, r, depth+1); err != nil {
			return dst, err
		}
	case itemcodec.KindL:
		if depth+1 > itemcodec.MaxDepth {
			return dst, errEncodedDepth
		}
		n, err := r.Count()
		if err != nil {
			return dst, err
		}
		dst = append(dst, `{"L":[`...)
		for i := range n {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendEncodedValue(dst, r, depth+1); err != nil {
				return dst, err
			}
		}
		dst = append(dst, ']')
	case itemcodec.KindSS, itemcodec.KindNS, itemcodec.KindBS:
		n, err := r.Count()
		if err != nil {
			return dst, err
		}
		switch k {
		case itemcodec.KindSS:
			dst = append(dst, `{"SS":[`...)
		case itemcodec.KindNS:
			dst = append(dst, `{"NS":[`...)
		default:
			dst = append(dst, `{"BS":[`...)
		}
		for i := range n {
			if i > 0 {
				dst = append(dst, ',')
			}
			b, err := r.Bytes()
			if err != nil {
				return dst, err
			}
			if k == itemcodec.KindBS {
				dst = append(dst, '"')
				dst = base64.StdEncoding.AppendEncode(dst, b)
				dst = append(dst, '"')
			} else {
				dst = appendString(dst, b)
			}
		}
		dst = append(dst, ']')
	}
	return append(dst, '}'), nil
}
