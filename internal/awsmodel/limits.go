package awsmodel

import "time"

// Constraints of the API model's members.
const (
	MinNameLen        = 1
	MaxNameLen        = 512 // CreateSecret's NameType (the output type says 256: the model is inconsistent)
	MaxSecretIDLen    = 2048
	MinTokenLen       = 32 // ClientRequestToken, VersionId, RemoveFromVersionId, MoveToVersionId
	MaxTokenLen       = 64
	MaxValueLen       = 65536 // SecretString (characters) and SecretBinary (bytes)
	MaxDescriptionLen = 2048
	MaxKmsKeyIDLen    = 2048
	MaxStageLen       = 256
	MaxTagKeyLen      = 128
	MaxTagValueLen    = 256
	MaxResults        = 100 // ListSecrets, ListSecretVersionIds
	MaxBatch          = 20  // BatchGetSecretValue's SecretIdList and MaxResults
	MaxFilters        = 10
	MaxFilterValues   = 10
	MaxFilterValueLen = 512
	MaxPolicyLen      = 20480
	MaxRegionLen      = 128

	MaxPasswordLength     = 4096
	DefaultPasswordLength = 32
	MaxExcludeCharacters  = 4096

	// RegionPattern is the pattern of a Region member.
	RegionPattern = `^([a-z]+-)+\d+$`

	// FilterValuePattern is the pattern every filter value must match.
	FilterValuePattern = `^\!?[a-zA-Z0-9 :_@\/\+\=\.\-\!]*$`
)

// Enumerations of the API model, in the order AWS lists them in messages.
var (
	FilterKeys = []string{"all", "name", "tag-key", "description", "tag-value", "primary-region", "owning-service"}
	SortBys    = []string{"created-date", "last-accessed-date", "last-changed-date", "name"}
	SortOrders = []string{"asc", "desc"}
)

// Quotas of the service.
const (
	// MaxTags is the number of tags a secret may carry.
	MaxTags = 50
	// MaxVersions is the number of versions above which deprecated ones
	// are removed, and that a secret may not exceed with versions that
	// cannot be removed.
	MaxVersions = 100
	// VersionMinAge is the age under which a deprecated version is kept.
	VersionMinAge = 24 * time.Hour
	// MaxStages is the number of staging labels a secret may carry across
	// its versions, and that one request may list.
	MaxStages = 20

	// MaxRotationDays bounds AutomaticallyAfterDays and rate(N days).
	MaxRotationDays = 1000

	MinRecoveryWindowInDays     = 7
	MaxRecoveryWindowInDays     = 30
	DefaultRecoveryWindowInDays = 30
)
