package wire

import "github.com/dynago/dynago/ddb"

// DynamoDB's messages for attribute values it refuses (ValidationException).
const (
	MsgEmptyValue       = "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
	MsgMultipleTypes    = "Supplied AttributeValue has more than one datatypes set, must contain exactly one of the supported datatypes"
	MsgNullFalse        = "One or more parameter values were invalid: Null attribute value types must have the value of true"
	MsgEmptySS          = "One or more parameter values were invalid: An string set  may not be empty"
	MsgEmptyNS          = "One or more parameter values were invalid: An number set  may not be empty"
	MsgEmptyBS          = "One or more parameter values were invalid: Binary sets should not be empty"
	MsgNullInSS         = "One or more parameter values were invalid: An string set may not have a null string as a member"
	MsgNullInBS         = "One or more parameter values were invalid: Binary sets may not contain null or empty values"
	MsgDuplicateNS      = "Input collection contains duplicates"
	MsgNullValue        = "The supplied Item contains a null AttributeValue"
	MsgEmptyAttrName    = "Empty attribute name"
	MsgNestingTooDeep   = "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels beyond supported limit"
	msgInvalidParams    = "One or more parameter values were invalid: "
	javaPrefix          = "com.amazonaws.dynamodb.v20120810."
	javaAttributeValue  = javaPrefix + "AttributeValue"
	javaString          = "java.lang.String"
	javaItemMap         = "java.util.Map<java.lang.String, " + javaAttributeValue + ">"
	msgStartOfStructure = "Start of structure or map found where not expected"
	msgUnexpectedField  = "Unexpected field type"
	msgUnexpectedValue  = "Unexpected value type in payload"
	msgUnexpectedToken  = "Unexpected token received from parser"
	msgBlobType         = "only base-64-encoded strings are convertible to bytes"
	msgBase64Last       = "Invalid last non-pad Base64 character dectected"
	// msgCast is what DynamoDB answers when a scalar stands where a list or
	// map that is itself a list member or map value is expected.
	msgCast = "class sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl cannot be cast to class java.lang.Class (sun.reflect.generics.reflectiveObjects.ParameterizedTypeImpl and java.lang.Class are in module java.base of loader 'bootstrap')"
)

// MaxNesting is the deepest nesting of lists and maps DynamoDB stores: a
// top-level attribute value is at level 1 and a list or map at a level above
// MaxNesting is refused with MsgNestingTooDeep.
const MaxNesting = 31

// jsonKindName is the name DynamoDB's parser gives a JSON scalar in
// "X cannot be converted to T".
func jsonKindName(t token) string {
	switch t {
	case tokTrue:
		return "TRUE_VALUE"
	case tokFalse:
		return "FALSE_VALUE"
	case tokInt:
		return "NUMBER_VALUE"
	case tokFloat:
		return "DECIMAL_VALUE"
	case tokString:
		return "STRING_VALUE"
	}
	return ""
}

// mismatch is the SerializationException for a JSON value of kind t where a
// value of type ti is expected; member tells whether the position is a list
// member or map value (true) or a structure field (false).
func mismatch(ti *typeInfo, member bool, t token) error {
	if t == tokInvalid || t == tokNull {
		return errSyntax()
	}
	switch ti.kind {
	case kString, kBool, kInt32, kInt64, kFloat64:
		switch t {
		case tokArray:
			return serialization("Unrecognized collection type class " + ti.java)
		case tokObject:
			return serialization(msgStartOfStructure)
		}
		if ti.kind == kBool && t == tokString {
			return serialization(msgUnexpectedToken)
		}
		return serialization(jsonKindName(t) + " cannot be converted to " + ti.java[len("java.lang."):])
	case kBlob:
		switch t {
		case tokArray:
			return serialization("Unrecognized collection type class java.nio.ByteBuffer")
		case tokObject:
			return serialization(msgStartOfStructure)
		}
		return serialization(msgBlobType)
	case kList:
		if t == tokObject {
			return serialization(msgStartOfStructure)
		}
		if member {
			return serialization(msgCast)
		}
		return serialization(msgUnexpectedField)
	case kMap, kItem:
		if t == tokArray {
			return serialization("Unrecognized collection type " + ti.java)
		}
		if member {
			return serialization(msgCast)
		}
		return serialization(msgUnexpectedField)
	case kStruct, kValue:
		if t == tokArray {
			return serialization("Unrecognized collection type class " + ti.java)
		}
		if member {
			return serialization(msgUnexpectedValue)
		}
		return serialization(msgUnexpectedField)
	}
	return errSyntax()
}

func invalidValue(msg string) *ddb.Error { return ddb.Validation(msg) }
