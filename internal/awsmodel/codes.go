package awsmodel

// Exception names, as AWS sends them in the __type member of an error body.
const (
	ResourceNotFound        = "ResourceNotFoundException"
	InvalidParameter        = "InvalidParameterException"
	InvalidRequest          = "InvalidRequestException"
	ResourceExists          = "ResourceExistsException"
	LimitExceeded           = "LimitExceededException"
	DecryptionFailure       = "DecryptionFailure"
	EncryptionFailure       = "EncryptionFailure"
	MalformedPolicyDocument = "MalformedPolicyDocumentException"
	PublicPolicy            = "PublicPolicyException"
	InternalServiceError    = "InternalServiceError"
	Validation              = "ValidationException"
	InvalidNextToken        = "InvalidNextTokenException"
	AccessDenied            = "AccessDeniedException"

	// Sent by the wire protocol rather than by an operation.
	Serialization         = "SerializationException"
	UnknownOperation      = "UnknownOperationException"
	RequestEntityTooLarge = "RequestEntityTooLargeException"
)
