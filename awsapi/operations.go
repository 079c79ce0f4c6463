package awsapi

import (
	"context"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

// operation runs one Secrets Manager operation: it decodes body, checks
// what the library cannot (absent required members, present-but-empty
// values), calls the store and returns the response to encode. secretID is
// the SecretId (or Name) of the request, for the log.
type operation func(ctx context.Context, s *secretstore.Store, body []byte) (resp any, secretID string, err error)

// request is the decoded body of a request.
type request interface {
	// check returns the error AWS gives for what the library cannot see in
	// its input structs: a required member that is absent, a member present
	// with a value the library reads as absent (an empty string or list, a
	// zero number), a value given without a ClientRequestToken. nil means
	// the request can go to the library, which checks everything else.
	check() error
	// secretID is the secret the request names, "" if none.
	secretID() string
}

// op makes an operation of call, which takes the decoded request and calls
// the library, and respond, which turns the library's output into the
// response AWS sends.
func op[Req any, P interface {
	*Req
	request
}, Out any](call func(context.Context, *secretstore.Store, P) (*Out, error), respond func(*Out) any) operation {
	return func(ctx context.Context, s *secretstore.Store, body []byte) (any, string, error) {
		in := P(new(Req))
		if err := decodeRequest(body, in); err != nil {
			return nil, "", err
		}
		id := in.secretID()
		if err := in.check(); err != nil {
			return nil, id, err
		}
		out, err := call(ctx, s, in)
		if err != nil {
			return nil, id, err
		}
		return respond(out), id, nil
	}
}

// wireOperations are the operations on the wire, by their row of the
// operation table (internal/awsmodel/operations.go): each decodes its
// request and encodes its response, in the file named for its group.
// Adding an operation is a row here, once it has its row in the table and
// its method in the library; TestEveryOperationIsServed checks that none
// is missing.
var wireOperations = [awsmodel.NumOps]operation{
	awsmodel.OpBatchGetSecretValue:          op(batchGetSecretValue, batchGetSecretValueOut),
	awsmodel.OpCancelRotateSecret:           op(cancelRotateSecret, cancelRotateSecretOut),
	awsmodel.OpCreateSecret:                 op(createSecret, createSecretOut),
	awsmodel.OpDeleteResourcePolicy:         op(deleteResourcePolicy, deleteResourcePolicyOut),
	awsmodel.OpDeleteSecret:                 op(deleteSecret, deleteSecretOut),
	awsmodel.OpDescribeSecret:               op(describeSecret, describeSecretOut),
	awsmodel.OpGetRandomPassword:            op(getRandomPassword, getRandomPasswordOut),
	awsmodel.OpGetResourcePolicy:            op(getResourcePolicy, getResourcePolicyOut),
	awsmodel.OpGetSecretValue:               op(getSecretValue, getSecretValueOut),
	awsmodel.OpListSecretVersionIds:         op(listSecretVersionIds, listSecretVersionIdsOut),
	awsmodel.OpListSecrets:                  op(listSecrets, listSecretsOut),
	awsmodel.OpPutResourcePolicy:            op(putResourcePolicy, putResourcePolicyOut),
	awsmodel.OpPutSecretValue:               op(putSecretValue, putSecretValueOut),
	awsmodel.OpRemoveRegionsFromReplication: op(removeRegionsFromReplication, removeRegionsFromReplicationOut),
	awsmodel.OpReplicateSecretToRegions:     op(replicateSecretToRegions, replicateSecretToRegionsOut),
	awsmodel.OpRestoreSecret:                op(restoreSecret, restoreSecretOut),
	awsmodel.OpRotateSecret:                 op(rotateSecret, rotateSecretOut),
	awsmodel.OpStopReplicationToReplica:     op(stopReplicationToReplica, stopReplicationToReplicaOut),
	awsmodel.OpTagResource:                  op(tagResource, tagResourceOut),
	awsmodel.OpUntagResource:                op(untagResource, untagResourceOut),
	awsmodel.OpUpdateSecret:                 op(updateSecret, updateSecretOut),
	awsmodel.OpUpdateSecretVersionStage:     op(updateSecretVersionStage, updateSecretVersionStageOut),
	awsmodel.OpValidateResourcePolicy:       op(validateResourcePolicy, validateResourcePolicyOut),
}

// lookupOperation returns the operation named name (the part of
// X-Amz-Target after "secretsmanager."), or nil if Secrets Manager has no
// such operation: the operation table decides.
func lookupOperation(name string) operation {
	if o, ok := awsmodel.LookupOperation(name); ok {
		return wireOperations[o]
	}
	return nil
}

// deref returns *p, or "" for nil.
func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// hasValue reports whether a request carries a secret value.
func hasValue(str *string, bin []byte) bool { return str != nil || bin != nil }

// requireToken returns AWS's InvalidRequestException for a write that gives
// a value without a ClientRequestToken: the SDKs and the CLI always send
// one, raw HTTP callers must.
func requireToken(token, str *string, bin []byte) error {
	if token == nil && hasValue(str, bin) {
		return newAPIError(awsmodel.InvalidRequest, awsmodel.MissingToken)
	}
	return nil
}

// tag is a Tag on the wire, in requests and responses.
type tag struct {
	Key   string `json:"Key"`
	Value string `json:"Value"`
}

func tagsIn(ts []tag) []secretstore.Tag {
	if ts == nil {
		return nil
	}
	out := make([]secretstore.Tag, len(ts))
	for i, t := range ts {
		out[i] = secretstore.Tag(t)
	}
	return out
}

// tagsOut converts the library's tags, keeping nil (never tagged: no Tags
// member) apart from empty (every tag removed: "Tags":[]).
func tagsOut(ts []secretstore.Tag) []tag {
	if ts == nil {
		return nil
	}
	out := make([]tag, len(ts))
	for i, t := range ts {
		out[i] = tag(t)
	}
	return out
}

// filter is a Filter of ListSecrets and BatchGetSecretValue.
type filter struct {
	Key    string
	Values []string
}

func filtersIn(fs []filter) []secretstore.Filter {
	if fs == nil {
		return nil
	}
	out := make([]secretstore.Filter, len(fs))
	for i, f := range fs {
		out[i] = secretstore.Filter{Key: secretstore.FilterNameStringType(f.Key), Values: f.Values}
	}
	return out
}
