// Package wire is DynamoDB's JSON protocol: the request and response
// structs of every operation with AWS's field names, the AttributeValue JSON
// codec, decoding with DynamoDB's SerializationException messages, and the
// shape validation DynamoDB's request framework (Coral) performs before the
// service looks at any table.
//
// # Decoding a request
//
//	var in wire.PutItemInput
//	if err := wire.Decode(body, &in); err != nil { ... } // SerializationException
//	if err := in.Validate(); err != nil { ... }          // ValidationException: shape and request-level checks
//
// Decode is a small hand-written JSON decoder: field names are matched
// case-sensitively (as DynamoDB does), unknown fields and JSON nulls are
// ignored, and a JSON value of the wrong type is reported with DynamoDB's
// wording ("NUMBER_VALUE cannot be converted to String", "Start of structure
// or map found where not expected", "Unexpected field type", ...).
//
// Attribute values are validated while they are decoded (numbers are
// canonicalised with number.Canonical), but DynamoDB reports an invalid value
// (an empty {}, two types, an empty set, duplicates in a set, a bad number,
// NULL:false, nesting too deep...) only after the request passed shape
// validation and some request-level checks. Decode therefore records such
// problems in the input struct (see ValueError) instead of failing, and the
// operation's Validate method reports them at the point where DynamoDB does.
// Values with such a problem are left out of the decoded maps and lists.
//
// # Validation
//
// Every input has Validate() error. It returns, in DynamoDB's order:
// the immediate checks DynamoDB does before listing constraint violations
// (e.g. "The parameter 'TableName' is required but was not present in the
// request"), then the Coral constraint violations ("N validation error(s)
// detected: ..."; at most 10 are listed), then the request-level semantic
// checks DynamoDB performs before it looks up the table: mixing expression
// and non-expression parameters, invalid attribute values (with the
// "ExpressionAttributeValues contains invalid value: ... for key :v" wording
// where it applies), legacy Expected/AttributeUpdates/KeyConditions shape
// rules, empty or malformed ExpressionAttributeNames/Values keys. Parsing the
// expressions themselves, and everything that needs the table's schema, is
// left to the table layer, which should run it after Validate succeeded.
//
// # Encoding a response
//
// Output structs are encoded with Marshal (or AppendJSON), an append-style
// encoder that writes Items directly; they also work with encoding/json.
package wire
