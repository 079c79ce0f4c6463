package awsmodel

import (
	"strconv"
	"strings"
)

// Messages of the operations, with the exception each goes with in a
// comment. Constants are fixed texts; functions fill in names, ids and
// numbers (never a secret value).

// Secrets and SecretIds.
const (
	// ResourceNotFound
	SecretNotFound = "Secrets Manager can't find the specified secret."
	// Validation
	InvalidName = "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!"
	// InvalidRequest
	MarkedForDeletion = "You can't perform this operation on the secret because it was marked for deletion."
	// InvalidRequest
	CreateScheduledForDeletion = "You can't create this secret because a secret with this name is already scheduled for deletion."
	// InvalidParameter
	ReplicaNotPermitted = "Operation not permitted on a replica secret. Call must be made in primary secret's region."
)

// SecretExists (ResourceExists) is CreateSecret's answer for a name in use.
func SecretExists(name string) string {
	return "The operation failed because the secret " + name + " already exists."
}

// InvalidRegion (InvalidParameter): a region view or request region that is
// not a region name.
func InvalidRegion(region string) string {
	return "Invalid region: " + strconv.Quote(region) + " is not a region name like us-east-1."
}

// Values and versions.
const (
	// InvalidParameter
	BothValues = "You can't specify both a binary secret value and a string secret value in the same secret."
	// InvalidRequest
	NoValue = "You must provide either SecretString or SecretBinary."
	// InvalidRequest (from the wire: a value without a ClientRequestToken)
	MissingToken = "You must provide a ClientRequestToken value. We recommend a UUID-type value."
	// InvalidRequest
	StageNotOnVersion = "You provided a VersionStage that is not associated to the provided VersionId."
	// InvalidParameter
	MoveStageNeither = "You must specify RemoveFromVersionId, MoveToVersionId or both."
	// InvalidNextToken
	BadNextToken = "The NextToken value is invalid. Pass the NextToken from the previous response of the same operation."
)

// TokenLength (InvalidParameter): a ClientRequestToken of the wrong length.
func TokenLength() string {
	return "ClientRequestToken must be " + strconv.Itoa(MinTokenLen) + "-" + strconv.Itoa(MaxTokenLen) + " characters long."
}

// TokenInUse (ResourceExists): a ClientRequestToken reused with another value.
func TokenInUse(token, arn string) string {
	return "You can't use ClientRequestToken " + token + " because that value is already in use for a version of secret " + arn + "."
}

// NoValueForStage (ResourceNotFound): no version carries the label, or it
// has no value.
func NoValueForStage(stage string) string {
	return "Secrets Manager can't find the specified secret value for staging label: " + stage
}

// NoValueForVersion (ResourceNotFound): no version has the id.
func NoValueForVersion(versionID string) string {
	return "Secrets Manager can't find the specified secret value for VersionId: " + versionID
}

// TooManyVersions (LimitExceeded): a write would leave more than
// MaxVersions versions that cannot be removed.
func TooManyVersions(name string, kept int) string {
	return "Secret " + name + " has " + strconv.Itoa(kept) + " versions that can't be removed yet: a secret can have at most " +
		strconv.Itoa(MaxVersions) + " versions, and versions that are labelled or younger than 24 hours are kept."
}

// TooManyStages (LimitExceeded): a write would leave more than MaxStages
// labels on the secret.
func TooManyStages(name string, n int) string {
	return "Secret " + name + " would carry " + strconv.Itoa(n) + " staging labels; a secret can carry at most " + strconv.Itoa(MaxStages) + "."
}

// VersionNotFound (InvalidParameter): UpdateSecretVersionStage names a
// version the secret does not have.
func VersionNotFound(versionID, name string) string {
	return "Secrets Manager can't find version " + versionID + " of secret " + name + "."
}

// StageNotOnVersion (InvalidParameter): a label removed from a version that
// does not carry it.
func StageNotOnRemoveFrom(versionID, name, label string) string {
	return "Version " + versionID + " of secret " + name + " doesn't have the staging label " + label + ", so it can't be removed from it."
}

// CurrentCannotBeRemoved (InvalidParameter): AWSCURRENT removed without
// being moved.
func CurrentCannotBeRemoved(versionID string) string {
	return "You can't remove the staging label AWSCURRENT from version " + versionID + " without moving it: specify MoveToVersionId, the version that becomes current."
}

// RemoveFromEmpty (InvalidParameter): a label that sits on another version
// moved without RemoveFromVersionId.
func RemoveFromEmpty(label, holder string) string {
	return "The parameter RemoveFromVersionId can't be empty. Staging label " + label + " is currently attached to version " + holder +
		", so you must explicitly reference that version in RemoveFromVersionId."
}

// RemoveFromWrong (InvalidParameter): RemoveFromVersionId is not the
// version that carries the label.
func RemoveFromWrong(label string) string {
	return "When you move staging label " + label + ", if you specify RemoveFromVersionId, it must be set to the version that currently has the staging label " + label + "."
}

// BatchGetSecretValue (InvalidParameter).
const (
	BatchBoth            = "Either 'SecretIdList' or 'Filters' must be provided, but not both."
	BatchNeither         = "Either 'SecretIdList' or 'Filters' must be provided."
	BatchMaxResultsAlone = "'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided."
)

// Filters (InvalidParameter).
const InvalidFilterKey = "Invalid filter key"

// InvalidFilterValues (InvalidParameter): a filter without values.
func InvalidFilterValues(key string) string { return "Invalid filter values for key: " + key }

// Tags (InvalidParameter).
const (
	NoTags         = "You must specify at least one tag."
	NoTagKeys      = "You must specify at least one tag key."
	ReservedTagKey = "Tag keys starting with \"aws:\" are reserved for AWS use."
)

// DuplicateTagKey (InvalidParameter): one key twice in a request.
func DuplicateTagKey(key string) string {
	return "The tag key " + strconv.Quote(key) + " appears more than once in the request."
}

// TooManyTags (InvalidParameter): a request that would leave more than
// MaxTags tags.
func TooManyTags(n int) string {
	return "A secret can have at most " + strconv.Itoa(MaxTags) + " tags; this request would leave it with " + strconv.Itoa(n) + "."
}

// Deletion.
const (
	// InvalidParameter
	ForceWithWindow = "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays."
	// InvalidRequest
	AlreadyMarkedDeleted = "You tried to perform the operation on a secret that's currently marked deleted."
)

// RecoveryWindowRange (InvalidParameter).
func RecoveryWindowRange() string {
	return "The RecoveryWindowInDays value must be between " + strconv.Itoa(MinRecoveryWindowInDays) + " and " + strconv.Itoa(MaxRecoveryWindowInDays) + " days (inclusive)."
}

// DeleteWithReplicas (InvalidParameter): a primary that still has replicas.
// regions are listed in the order given.
func DeleteWithReplicas(arn string, regions []string) string {
	return "You can't delete secret " + arn + " that still has replica regions [" + strings.Join(regions, ", ") + "]."
}

// GetRandomPassword (InvalidParameter).
const (
	PasswordNoCharacters = "No characters are left to build a password from: every character class is excluded."
	PasswordTooShort     = "Password length is too short based on the required types."
)

// Decryption (DecryptionFailure): a stored value failed authentication.
func DecryptionFailed(versionID string) string {
	return "Secrets Manager can't decrypt the protected secret text using the provided KMS key: the stored value of version " + versionID +
		" failed authentication (the data was changed, moved, or written with another master key)."
}

// Replication.
const (
	// InvalidParameter: a replica in the primary's own region.
	InvalidReplicaRegion = "Invalid replica region."
)

// AlreadyReplicated (InvalidParameter): a region the secret already has a
// replica in.
func AlreadyReplicated(region, name string) string {
	return "Secret " + name + " is already replicated to " + region + ". Remove the region from replication first to replicate it again."
}

// DuplicateReplicaRegion (InvalidParameter): one region twice in a request.
func DuplicateReplicaRegion(region string) string {
	return "The region " + region + " appears more than once in AddReplicaRegions."
}

// NotAReplica (InvalidRequest): StopReplicationToReplica on a secret that
// is not a replica.
func NotAReplica(arn string) string {
	return "Secret " + arn + " is not a replica secret, so there is no replication to stop. Call StopReplicationToReplica in a replica's region."
}

// Rotation.
const (
	// InvalidRequest
	RotationFrequencyAndSchedule = "You cannot specify both rotation frequency and schedule expression together."
	NoRotationLambda             = "No Lambda rotation function ARN is associated with this secret."
	// AccessDenied
	CannotInvokeLambda = "Secrets Manager cannot invoke the specified Lambda function. Ensure that the function policy grants access to the principal secretsmanager.amazonaws.com."
	// InvalidRequest
	RotationInProgress = "A previous rotation isn't complete. That rotation will be reattempted."
	// InvalidRequest: CancelRotateSecret on a secret whose rotation was never configured.
	RotationNotConfigured = "Rotation is not configured for this secret, so there is no rotation to cancel."
)

// Resource policies.
const (
	// PublicPolicy
	PublicAccessStatement = "BlockPublicPolicy is set, and the resource policy contains a statement that grants public access to the secret (a Principal of \"*\" without a condition that limits it to an account, organization, source or VPC)."
)

// MalformedPolicy (MalformedPolicyDocument): why a resource policy is not
// a valid policy document.
func MalformedPolicy(why string) string {
	return "The resource policy is not a valid policy document: " + why
}
