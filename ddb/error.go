package ddb

import "fmt"

// Error is a DynamoDB error: its type (the part of __type after '#') and its
// exact message text. Every error that reaches a client is one of these; any
// other error is a bug and becomes InternalServerError in package api.
type Error struct {
	Type    string
	Message string

	// Item is the item returned with ConditionalCheckFailedException when the
	// request asked for ReturnValuesOnConditionCheckFailure=ALL_OLD.
	Item Item
	// CancellationReasons accompanies TransactionCanceledException, in request order.
	CancellationReasons []CancellationReason
}

// CancellationReason explains why one action of a transaction failed (or "None").
type CancellationReason struct {
	Code    string
	Message string
	Item    Item
}

func (e *Error) Error() string { return e.Type + ": " + e.Message }

// Error types, as DynamoDB names them.
const (
	ErrValidation                    = "ValidationException"
	ErrSerialization                 = "SerializationException"
	ErrUnknownOperation              = "UnknownOperationException"
	ErrMissingAuthenticationToken    = "MissingAuthenticationTokenException"
	ErrIncompleteSignature           = "IncompleteSignatureException"
	ErrInvalidSignature              = "InvalidSignatureException"
	ErrUnrecognizedClient            = "UnrecognizedClientException"
	ErrAccessDenied                  = "AccessDeniedException"
	ErrResourceNotFound              = "ResourceNotFoundException"
	ErrResourceInUse                 = "ResourceInUseException"
	ErrConditionalCheckFailed        = "ConditionalCheckFailedException"
	ErrTransactionCanceled           = "TransactionCanceledException"
	ErrTransactionConflict           = "TransactionConflictException"
	ErrTransactionInProgress         = "TransactionInProgressException"
	ErrIdempotentParameterMismatch   = "IdempotentParameterMismatchException"
	ErrItemCollectionSizeLimit       = "ItemCollectionSizeLimitExceededException"
	ErrLimitExceeded                 = "LimitExceededException"
	ErrProvisionedThroughputExceeded = "ProvisionedThroughputExceededException"
	ErrRequestLimitExceeded          = "RequestLimitExceeded"
	ErrThrottling                    = "ThrottlingException"
	ErrInternalServer                = "InternalServerError"
	ErrServiceUnavailable            = "ServiceUnavailable"
	ErrExpiredIterator               = "ExpiredIteratorException"
	ErrTrimmedDataAccess             = "TrimmedDataAccessException"
	ErrRequestEntityTooLarge         = "RequestEntityTooLarge"
)

// Errorf builds an Error of the given type with a formatted message.
func Errorf(typ, format string, args ...any) *Error {
	if len(args) == 0 {
		return &Error{Type: typ, Message: format}
	}
	return &Error{Type: typ, Message: fmt.Sprintf(format, args...)}
}

// Validation builds a ValidationException with the message as given.
func Validation(msg string) *Error { return &Error{Type: ErrValidation, Message: msg} }

// Validationf builds a ValidationException with a formatted message.
func Validationf(format string, args ...any) *Error {
	return &Error{Type: ErrValidation, Message: fmt.Sprintf(format, args...)}
}

// Common errors with DynamoDB's fixed wording.

// ResourceNotFound is DynamoDB's answer for a missing table in item operations.
func ResourceNotFound() *Error {
	return &Error{Type: ErrResourceNotFound, Message: "Requested resource not found"}
}

// ConditionalCheckFailed is the answer to a failed ConditionExpression/Expected.
func ConditionalCheckFailed(item Item) *Error {
	return &Error{Type: ErrConditionalCheckFailed, Message: "The conditional request failed", Item: item}
}

// InternalServerError is the answer when something unexpected happened on our side.
func InternalServerError() *Error {
	return &Error{Type: ErrInternalServer, Message: "Internal server error"}
}

// HTTPStatus is the status DynamoDB answers this error with.
func (e *Error) HTTPStatus() int {
	switch e.Type {
	case ErrInternalServer:
		return 500
	case ErrServiceUnavailable:
		return 503
	case ErrRequestEntityTooLarge:
		return 413
	}
	return 400
}

// Namespace is the prefix DynamoDB puts before '#' in __type. Validation
// errors come from the Coral validation layer, protocol errors from the
// Coral service layer, everything else from DynamoDB's own model.
func (e *Error) Namespace() string {
	switch e.Type {
	case ErrValidation:
		return "com.amazon.coral.validate"
	case ErrSerialization, ErrUnknownOperation, ErrMissingAuthenticationToken,
		ErrIncompleteSignature, ErrInvalidSignature, ErrUnrecognizedClient,
		ErrAccessDenied, ErrRequestEntityTooLarge:
		return "com.amazon.coral.service"
	}
	return "com.amazonaws.dynamodb.v20120810"
}
