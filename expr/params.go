package expr

import (
	"errors"
	"strconv"
	"strings"

	"github.com/dynago/dynago/ddb"
)

// Params holds one request's ExpressionAttributeNames and
// ExpressionAttributeValues and records which of them the request's
// expressions used. A Params belongs to one request: it is not safe for
// concurrent use.
type Params struct {
	names      map[string]string
	values     map[string]ddb.AttributeValue
	usedNames  map[string]struct{}
	usedValues map[string]struct{}
}

// Limits on expression attribute names and values.
const (
	maxPlaceholderLen = 255   // bytes in a "#name" or ":value" key
	maxNameLen        = 65535 // bytes in an attribute name
)

// NewParams validates the shapes of ExpressionAttributeNames and
// ExpressionAttributeValues as DynamoDB does (a nil map means the parameter
// was absent; a non-nil empty map is an error). It does not validate the
// attribute values themselves: that is the wire decoder's job.
func NewParams(names map[string]string, values map[string]ddb.AttributeValue) (*Params, error) {
	if names != nil && len(names) == 0 {
		return nil, ddb.Validation("ExpressionAttributeNames must not be empty")
	}
	if values != nil && len(values) == 0 {
		return nil, ddb.Validation("ExpressionAttributeValues must not be empty")
	}
	if paramsValid(names, values) {
		return &Params{names: names, values: values}, nil
	}
	return nil, paramsError(names, values)
}

// paramsValid reports whether paramsError would find nothing wrong, without
// the sorting paramsError needs to report the problem DynamoDB reports first.
func paramsValid(names map[string]string, values map[string]ddb.AttributeValue) bool {
	for k, v := range names {
		if !validPlaceholder(k, '#') || len(k) > maxPlaceholderLen || v == "" || len(v) > maxNameLen {
			return false
		}
	}
	for k := range values {
		if !validPlaceholder(k, ':') || len(k) > maxPlaceholderLen {
			return false
		}
	}
	return true
}

// paramsError returns the first problem with the keys and names, in the
// order DynamoDB reports them (Java's HashMap order).
func paramsError(names map[string]string, values map[string]ddb.AttributeValue) error {
	if err := checkKeys("ExpressionAttributeNames", '#', sortedKeys(names), true); err != nil {
		return err
	}
	vkeys := make([]string, 0, len(values))
	for k := range values {
		vkeys = append(vkeys, k)
	}
	sortJavaOrder(vkeys)
	if err := checkKeys("ExpressionAttributeValues", ':', vkeys, false); err != nil {
		return err
	}
	for _, k := range sortedKeys(names) {
		v := names[k]
		if v == "" {
			return ddb.Validation("ExpressionAttributeNames contains invalid value: Empty attribute name for key " + k)
		}
		if len(v) > maxNameLen {
			return ddb.Validation("ExpressionAttributeNames contains invalid value: Attribute name is too large, must be less than 65536 bytes for key " + k)
		}
	}
	return errors.New("expr: paramsError called on valid parameters")
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortJavaOrder(keys)
	return keys
}

func checkKeys(param string, lead byte, keys []string, withSize bool) error {
	for _, k := range keys {
		if !validPlaceholder(k, lead) {
			return ddb.Validation(param + " contains invalid key: Syntax error; key: \"" + k + "\"")
		}
		if len(k) > maxPlaceholderLen {
			msg := param + " contains invalid key: The expression attribute map contains a key that is too long;"
			if withSize {
				msg += " size of key: " + strconv.Itoa(len(k))
			}
			return ddb.Validation(msg)
		}
	}
	return nil
}

// validPlaceholder reports whether k is lead followed by one or more
// letters, digits or '_'.
func validPlaceholder(k string, lead byte) bool {
	if len(k) < 2 || k[0] != lead {
		return false
	}
	for i := 1; i < len(k); i++ {
		if !isWordChar(k[i]) {
			return false
		}
	}
	return true
}

// name resolves #ref, recording its use.
func (p *Params) name(ref string) (string, bool) {
	if p == nil {
		return "", false
	}
	v, ok := p.names[ref]
	if ok {
		if p.usedNames == nil {
			p.usedNames = make(map[string]struct{}, len(p.names))
		}
		p.usedNames[ref] = struct{}{}
	}
	return v, ok
}

// value resolves :ref, recording its use.
func (p *Params) value(ref string) (ddb.AttributeValue, bool) {
	if p == nil {
		return ddb.AttributeValue{}, false
	}
	v, ok := p.values[ref]
	if ok {
		if p.usedValues == nil {
			p.usedValues = make(map[string]struct{}, len(p.values))
		}
		p.usedValues[ref] = struct{}{}
	}
	return v, ok
}

// CheckUnused returns DynamoDB's error for expression attribute names or
// values that no expression of the request used. Call it after all of the
// request's expressions were parsed with p.
func (p *Params) CheckUnused() error {
	if p == nil {
		return nil
	}
	var unused []string
	for k := range p.names {
		if _, ok := p.usedNames[k]; !ok {
			unused = append(unused, k)
		}
	}
	if len(unused) > 0 {
		sortJavaOrder(unused)
		return ddb.Validation("Value provided in ExpressionAttributeNames unused in expressions: keys: {" + strings.Join(unused, ", ") + "}")
	}
	for k := range p.values {
		if _, ok := p.usedValues[k]; !ok {
			unused = append(unused, k)
		}
	}
	if len(unused) > 0 {
		sortJavaOrder(unused)
		return ddb.Validation("Value provided in ExpressionAttributeValues unused in expressions: keys: {" + strings.Join(unused, ", ") + "}")
	}
	return nil
}
