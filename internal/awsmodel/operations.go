package awsmodel

import "github.com/secretstore-go/secretstore/policy"

// The operation table: every operation of the Secrets Manager API the store
// serves, once. The library runs each through one path (Store.run, in
// operation.go at the root), which reads its row to authorize it, to
// resolve its secret and to refuse it on a replica; the wire server
// (awsapi) finds an X-Amz-Target here; `secretstore policy simulate` checks
// an action here and builds its request as the store does; a test holds
// the README's list to it.
//
// Adding an operation: a constant and a row here; in the root package, its
// input and output types and its method, in the file named for its group
// (with a conditionKeys method beside the input type when the row lists
// condition keys); in awsapi, its wire request and response and a row of
// wireOperations. The tests name what is missing.

// Op is an operation of the Secrets Manager API: an index into the table.
type Op uint8

// The operations, in alphabetical order.
const (
	OpBatchGetSecretValue Op = iota
	OpCancelRotateSecret
	OpCreateSecret
	OpDeleteResourcePolicy
	OpDeleteSecret
	OpDescribeSecret
	OpGetRandomPassword
	OpGetResourcePolicy
	OpGetSecretValue
	OpListSecretVersionIds
	OpListSecrets
	OpPutResourcePolicy
	OpPutSecretValue
	OpRemoveRegionsFromReplication
	OpReplicateSecretToRegions
	OpRestoreSecret
	OpRotateSecret
	OpStopReplicationToReplica
	OpTagResource
	OpUntagResource
	OpUpdateSecret
	OpUpdateSecretVersionStage
	OpValidateResourcePolicy

	// NumOps is the number of operations.
	NumOps = iota
)

// Resource is what an operation's request is authorized on.
type Resource uint8

const (
	// NoResource: the operation acts on no secret; its resource is "*"
	// (ListSecrets, GetRandomPassword, and BatchGetSecretValue's call
	// itself, which needs GetSecretValue on each secret it reads).
	NoResource Resource = iota
	// SecretResource: the secret the input's SecretId names (a name, a full
	// or a partial ARN), which may not exist.
	SecretResource
	// OptionalSecretResource: the secret the input's SecretId names when it
	// names one, "*" when it is empty.
	OptionalSecretResource
	// NewSecretResource: the secret the input's Name creates, whose ARN has
	// ?????? for its suffix (policy.CreateSecretResource).
	NewSecretResource
)

// Operation is a row of the operation table.
type Operation struct {
	// Name is the operation's name, as AWS names it: the method of Store,
	// the X-Amz-Target (secretsmanager.<Name>), the Event's Operation.
	Name string
	// Resource is what the request is authorized on.
	Resource Resource
	// ConditionKeys are the condition keys the operation's input adds to
	// its request, besides those of every request (aws:CurrentTime,
	// aws:SourceIp, the principal's) and those of the secret
	// (secretsmanager:ResourceTag/<key>, secretsmanager:SecretPrimaryRegion,
	// secretsmanager:resource/AllowRotationLambdaArn). Tags a request adds
	// are aws:RequestTag/${TagKey}.
	ConditionKeys []string
	// Writes reports whether the operation changes the store.
	Writes bool
	// Scheduled reports whether the operation acts on a secret scheduled
	// for deletion; on such a secret the others fail with
	// InvalidRequestException.
	Scheduled bool
	// RefusedOnReplica reports whether the operation fails on a replica
	// with InvalidParameterException: a replica is changed only through its
	// primary.
	RefusedOnReplica bool
}

// KeyRequestTag is how the table writes the aws:RequestTag/<key> keys.
const KeyRequestTag = "aws:RequestTag/${TagKey}"

// operations is the table.
var operations = [NumOps]Operation{
	OpBatchGetSecretValue: {Name: "BatchGetSecretValue", Resource: NoResource},
	OpCancelRotateSecret: {Name: "CancelRotateSecret", Resource: SecretResource, Writes: true, RefusedOnReplica: true,
		ConditionKeys: []string{policy.KeySecretID}},
	OpCreateSecret: {Name: "CreateSecret", Resource: NewSecretResource, Writes: true,
		ConditionKeys: []string{policy.KeyName, policy.KeyDescription, policy.KeyKmsKeyID, policy.KeyKmsKeyArn, KeyRequestTag, policy.KeyTagKeys,
			policy.KeyAddReplicaRegions, policy.KeyForceOverwriteReplicaSecret}},
	OpDeleteResourcePolicy: {Name: "DeleteResourcePolicy", Resource: SecretResource, Writes: true, RefusedOnReplica: true,
		ConditionKeys: []string{policy.KeySecretID}},
	OpDeleteSecret: {Name: "DeleteSecret", Resource: SecretResource, Writes: true, Scheduled: true, RefusedOnReplica: true,
		ConditionKeys: []string{policy.KeySecretID, policy.KeyForceDeleteWithoutRecovery, policy.KeyRecoveryWindowInDays}},
	OpDescribeSecret: {Name: "DescribeSecret", Resource: SecretResource, Scheduled: true,
		ConditionKeys: []string{policy.KeySecretID}},
	OpGetRandomPassword: {Name: "GetRandomPassword", Resource: NoResource},
	OpGetResourcePolicy: {Name: "GetResourcePolicy", Resource: SecretResource, Scheduled: true,
		ConditionKeys: []string{policy.KeySecretID}},
	OpGetSecretValue: {Name: "GetSecretValue", Resource: SecretResource,
		ConditionKeys: []string{policy.KeySecretID, policy.KeyVersionStage, policy.KeyVersionID}},
	OpListSecretVersionIds: {Name: "ListSecretVersionIds", Resource: SecretResource, Scheduled: true,
		ConditionKeys: []string{policy.KeySecretID}},
	OpListSecrets: {Name: "ListSecrets", Resource: NoResource},
	OpPutResourcePolicy: {Name: "PutResourcePolicy", Resource: SecretResource, Writes: true, RefusedOnReplica: true,
		ConditionKeys: []string{policy.KeySecretID, policy.KeyBlockPublicPolicy}},
	OpPutSecretValue: {Name: "PutSecretValue", Resource: SecretResource, Writes: true, RefusedOnReplica: true,
		ConditionKeys: []string{policy.KeySecretID}},
	OpRemoveRegionsFromReplication: {Name: "RemoveRegionsFromReplication", Resource: SecretResource, Writes: true, RefusedOnReplica: true,
		ConditionKeys: []string{policy.KeySecretID}},
	OpReplicateSecretToRegions: {Name: "ReplicateSecretToRegions", Resource: SecretResource, Writes: true, RefusedOnReplica: true,
		ConditionKeys: []string{policy.KeySecretID, policy.KeyAddReplicaRegions, policy.KeyForceOverwriteReplicaSecret}},
	OpRestoreSecret: {Name: "RestoreSecret", Resource: SecretResource, Writes: true, Scheduled: true, RefusedOnReplica: true,
		ConditionKeys: []string{policy.KeySecretID}},
	OpRotateSecret: {Name: "RotateSecret", Resource: SecretResource, Writes: true, RefusedOnReplica: true,
		ConditionKeys: []string{policy.KeySecretID, policy.KeyRotationLambdaARN, policy.KeyModifyRotationRules, policy.KeyRotateImmediately}},
	// StopReplicationToReplica acts on a replica only.
	OpStopReplicationToReplica: {Name: "StopReplicationToReplica", Resource: SecretResource, Writes: true, Scheduled: true,
		ConditionKeys: []string{policy.KeySecretID}},
	OpTagResource: {Name: "TagResource", Resource: SecretResource, Writes: true, RefusedOnReplica: true,
		ConditionKeys: []string{policy.KeySecretID, KeyRequestTag, policy.KeyTagKeys}},
	OpUntagResource: {Name: "UntagResource", Resource: SecretResource, Writes: true, RefusedOnReplica: true,
		ConditionKeys: []string{policy.KeySecretID, policy.KeyTagKeys}},
	OpUpdateSecret: {Name: "UpdateSecret", Resource: SecretResource, Writes: true, RefusedOnReplica: true,
		ConditionKeys: []string{policy.KeySecretID, policy.KeyDescription, policy.KeyKmsKeyID, policy.KeyKmsKeyArn}},
	OpUpdateSecretVersionStage: {Name: "UpdateSecretVersionStage", Resource: SecretResource, Writes: true, RefusedOnReplica: true,
		ConditionKeys: []string{policy.KeySecretID, policy.KeyVersionStage}},
	OpValidateResourcePolicy: {Name: "ValidateResourcePolicy", Resource: OptionalSecretResource, Scheduled: true,
		ConditionKeys: []string{policy.KeySecretID}},
}

// Row returns o's row of the table.
func (o Op) Row() Operation { return operations[o] }

// String returns o's name.
func (o Op) String() string { return operations[o].Name }

// Action returns the IAM action a policy names o by: secretsmanager:<Name>.
func (o Op) Action() string { return "secretsmanager:" + operations[o].Name }

// Operations returns every operation, in alphabetical order.
func Operations() []Op {
	ops := make([]Op, NumOps)
	for i := range ops {
		ops[i] = Op(i)
	}
	return ops
}

// LookupOperation returns the operation called name (as AWS spells it),
// and whether there is one.
func LookupOperation(name string) (Op, bool) {
	for i := range operations {
		if operations[i].Name == name {
			return Op(i), true
		}
	}
	return 0, false
}
