package secretstore

import (
	"context"
	"strconv"
	"strings"
	"sync"

	"github.com/secretstore-go/secretstore/internal/arn"
	"github.com/secretstore-go/secretstore/internal/awsmodel"
	"github.com/secretstore-go/secretstore/policy"
)

// Authorization. A Store is unrestricted; Store.As returns a view bound to
// a principal, whose every Secrets Manager operation (the 23 of AWS's, and
// Get, Put, PutOrCreate, Delete, Restore and the iterators built on them)
// is evaluated first, as AWS evaluates
// a request against the caller's identity-based policies and the secret's
// resource policy (package policy): an explicit Deny wins, then an Allow,
// else the request is denied with AccessDeniedException and AWS's message.
// A denial says nothing about the secret beyond what the caller named: a
// caller that may not read a name gets AccessDenied whether or not a secret
// has it.

// Principal is a caller: the identity whose requests a view authorizes.
type Principal struct {
	// Arn is the caller's ARN, arn:aws:iam::<account>:user/<name> (or
	// role/<name>, assumed-role/<role>/<session>). Required.
	Arn string
	// Tags are the caller's tags (aws:PrincipalTag/<key>).
	Tags map[string]string
	// Policies are the caller's identity-based policies.
	Policies []*policy.Policy
	// SourceIP is the address the request came from (aws:SourceIp), if
	// known.
	SourceIP string
	// SecureTransport reports whether the request came over TLS
	// (aws:SecureTransport).
	SecureTransport bool
	// AuditOnly evaluates every request and reports each would-be denial
	// (in the log and the Event), but allows the request: a way to adopt
	// policies gradually.
	AuditOnly bool
}

// As returns a view of s whose operations are those of p, and are allowed
// only if p's policies and the secret's resource policy allow them. Its
// Region views keep p. The Store itself stays unrestricted. The store's own
// maintenance methods, which are not Secrets Manager operations (Backup,
// RotateMasterKey, Reap, Verify, Close), are not evaluated: a view is for
// code that is trusted with those, or that is handed only the operations.
func (s *Store) As(p *Principal) *Store {
	return &Store{c: s.c, region: s.region, principal: p}
}

// decision is the outcome of authorizing one request.
type decision struct {
	denied    bool
	auditOnly bool   // the principal only audits: a denial is logged, not enforced
	reason    string // the deciding statement, for the event
	message   string // the AccessDeniedException message
	principal string // the caller's ARN, for the log
}

// authorize evaluates operation op with input in for s's principal, on the
// secret SecretId secretID names: r, read in the operation's own
// transaction, or nil when there is none (the resource is then the ARN
// the caller gave, or the one a secret of that name would have). s must
// have a principal.
func (s *Store) authorize(op awsmodel.Op, in any, secretID string, r *secretRecord) decision {
	req, res := s.policyRequest(op, in, secretID, r)
	p := s.principal
	d := decision{auditOnly: p.AuditOnly, principal: p.Arn}
	pd := policy.Evaluate(&req, p.Policies, res)
	if pd.Allowed {
		return d
	}
	d.denied, d.reason, d.message = true, pd.String(), pd.Message()
	if req.Resource != "*" {
		// Named as the caller named it: the ARN of an existing secret, with
		// its suffix, would tell a caller without access that it exists.
		d.message = pd.MessageOn(secretID)
	}
	return d
}

// policyRequest builds the request of operation op, with input in, on the
// secret secretID names (r, or nil when there is none), for s's principal,
// and returns it with the secret's resource policy: the one request
// builder, which views bound to a principal evaluate and PolicyRequest
// returns.
func (s *Store) policyRequest(op awsmodel.Op, in any, secretID string, r *secretRecord) (policy.Request, *policy.Policy) {
	c, p := s.c, s.principal
	req := policy.Request{Action: op.Action(), Principal: policy.Principal{Arn: p.Arn, Tags: p.Tags}}
	if i := strings.LastIndexByte(p.Arn, '/'); i >= 0 && strings.Contains(p.Arn, ":user/") {
		req.Principal.Username = p.Arn[i+1:]
	}
	req.SetTime(now(c.clock))
	req.Set(policy.KeySecureTransport, strconv.FormatBool(p.SecureTransport))
	if p.SourceIP != "" {
		req.Set(policy.KeySourceIP, p.SourceIP)
	}
	var res *policy.Policy
	switch row := op.Row(); {
	case row.Resource == awsmodel.NoResource, row.Resource != awsmodel.NewSecretResource && secretID == "":
		// An operation on no secret, or one that names none (PutResourcePolicy
		// as ValidateResourcePolicy without a SecretId needs it).
		req.Resource = "*"
	case row.Resource == awsmodel.NewSecretResource:
		req.Resource = policy.CreateSecretResource(arn.Partition(s.region), s.region, c.account, secretID)
		req.Set(policy.KeyName, secretID)
	default:
		switch {
		case r != nil:
			req.Resource = c.arn(r)
			res = s.describeResource(&req, r)
		case arn.IsARN(secretID):
			req.Resource = secretID
		default:
			req.Resource = policy.CreateSecretResource(arn.Partition(s.region), s.region, c.account, secretID)
		}
		req.Set(policy.KeySecretID, secretID)
	}
	if in, ok := in.(conditionKeyer); ok {
		in.conditionKeys(&req)
	}
	return req, res
}

// newInput returns an empty input of operation op: what PolicyRequest
// builds the request of, so that the keys an input always adds (a Bool
// key of a member left unset: ForceDeleteWithoutRecovery,
// BlockPublicPolicy, ModifyRotationRules, RotateImmediately) are in the
// request `policy simulate` evaluates as they are in the server's.
func newInput(op awsmodel.Op) any {
	switch op {
	case awsmodel.OpBatchGetSecretValue:
		return &BatchGetSecretValueInput{}
	case awsmodel.OpCancelRotateSecret:
		return &CancelRotateSecretInput{}
	case awsmodel.OpCreateSecret:
		return &CreateSecretInput{}
	case awsmodel.OpDeleteResourcePolicy:
		return &DeleteResourcePolicyInput{}
	case awsmodel.OpDeleteSecret:
		return &DeleteSecretInput{}
	case awsmodel.OpDescribeSecret:
		return &DescribeSecretInput{}
	case awsmodel.OpGetRandomPassword:
		return &GetRandomPasswordInput{}
	case awsmodel.OpGetResourcePolicy:
		return &GetResourcePolicyInput{}
	case awsmodel.OpGetSecretValue:
		return &GetSecretValueInput{}
	case awsmodel.OpListSecretVersionIds:
		return &ListSecretVersionIdsInput{}
	case awsmodel.OpListSecrets:
		return &ListSecretsInput{}
	case awsmodel.OpPutResourcePolicy:
		return &PutResourcePolicyInput{}
	case awsmodel.OpPutSecretValue:
		return &PutSecretValueInput{}
	case awsmodel.OpRemoveRegionsFromReplication:
		return &RemoveRegionsFromReplicationInput{}
	case awsmodel.OpReplicateSecretToRegions:
		return &ReplicateSecretToRegionsInput{}
	case awsmodel.OpRestoreSecret:
		return &RestoreSecretInput{}
	case awsmodel.OpRotateSecret:
		return &RotateSecretInput{}
	case awsmodel.OpStopReplicationToReplica:
		return &StopReplicationToReplicaInput{}
	case awsmodel.OpTagResource:
		return &TagResourceInput{}
	case awsmodel.OpUntagResource:
		return &UntagResourceInput{}
	case awsmodel.OpUpdateSecret:
		return &UpdateSecretInput{}
	case awsmodel.OpUpdateSecretVersionStage:
		return &UpdateSecretVersionStageInput{}
	case awsmodel.OpValidateResourcePolicy:
		return &ValidateResourcePolicyInput{}
	}
	return nil
}

// setKmsKey sets secretsmanager:KmsKeyId to the KmsKeyId a request gives
// (unless it is empty) and secretsmanager:KmsKeyArn to the ARN of the key
// it names: itself for a key ARN, the key's ARN in the request's region and
// account for a key ID. An alias (alias/<name> or its ARN) names a key
// only through KMS, which the store does not have: KmsKeyArn is then
// absent, so an Allow that requires a key ARN does not match and a Deny
// with a negated operator does.
func setKmsKey(req *policy.Request, kmsKeyID string) {
	if kmsKeyID == "" {
		return
	}
	req.Set(policy.KeyKmsKeyID, kmsKeyID)
	if a := kmsKeyArn(kmsKeyID, req.Resource); a != "" {
		req.Set(policy.KeyKmsKeyArn, a)
	}
}

// kmsKeyArn returns the key ARN a KmsKeyId names, or "" for an alias or
// anything else; resource is the request's resource, a secret's ARN,
// whose partition, region and account a key ID's ARN takes.
func kmsKeyArn(id, resource string) string {
	if arn.IsARN(id) {
		parts := strings.SplitN(id, ":", 6)
		if len(parts) == 6 && parts[2] == "kms" && strings.HasPrefix(parts[5], "key/") && kmsKeyIDShape(parts[5][len("key/"):]) {
			return id
		}
		return ""
	}
	if !kmsKeyIDShape(id) {
		return ""
	}
	parts := strings.SplitN(resource, ":", 6)
	if len(parts) != 6 {
		return ""
	}
	return "arn:" + parts[1] + ":kms:" + parts[3] + ":" + parts[4] + ":key/" + id
}

// kmsKeyIDShape reports whether s is shaped like a KMS key ID: a UUID
// (1234abcd-12ab-34cd-56ef-1234567890ab), or mrk- and 32 hex digits for a
// multi-Region key.
func kmsKeyIDShape(s string) bool {
	hex := func(s string) bool {
		for i := 0; i < len(s); i++ {
			c := s[i]
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
		return s != ""
	}
	if rest, ok := strings.CutPrefix(s, "mrk-"); ok {
		return len(rest) == 32 && hex(rest)
	}
	f := strings.Split(s, "-")
	if len(f) != 5 {
		return false
	}
	for i, n := range []int{8, 4, 4, 4, 12} {
		if len(f[i]) != n || !hex(f[i]) {
			return false
		}
	}
	return true
}

// A conditionKeyer is an operation's input that adds condition keys to
// its request: the keys its row of the operation table lists (besides
// secretsmanager:SecretId and secretsmanager:Name, which the request
// builder sets from the SecretId). Each input type that has some says so
// in a method beside its type.
type conditionKeyer interface {
	conditionKeys(req *policy.Request)
}

// setKey sets condition key k to v, unless v is empty.
func setKey(req *policy.Request, k, v string) {
	if v != "" {
		req.Set(k, v)
	}
}

// setRequestTags sets the tags a request adds as aws:RequestTag/<key>,
// and their keys as aws:TagKeys.
func setRequestTags(req *policy.Request, ts []Tag) {
	m := make(map[string]string, len(ts))
	for _, t := range ts {
		m[t.Key] = t.Value
	}
	req.SetRequestTags(m)
}

// setReplicaRegions sets the keys of a request that replicates a secret.
func setReplicaRegions(req *policy.Request, regions []ReplicaRegionType, force bool) {
	if len(regions) == 0 {
		return
	}
	names := make([]string, len(regions))
	for i, r := range regions {
		names[i] = r.Region
	}
	req.Set(policy.KeyAddReplicaRegions, names...)
	req.Set(policy.KeyForceOverwriteReplicaSecret, strconv.FormatBool(force))
}

// describeResource adds what the request knows of secret r, and returns
// its resource policy.
func (s *Store) describeResource(req *policy.Request, r *secretRecord) *policy.Policy {
	tags := make(map[string]string, len(r.Tags))
	for _, t := range r.Tags {
		tags[t.Key] = t.Value
	}
	req.SetResourceTags(tags)
	if pr := r.primaryRegion(); pr != "" {
		req.Set(policy.KeySecretPrimaryRegion, pr)
	}
	if r.Rotation.LambdaARN != "" {
		req.Set(policy.KeyAllowRotationLambdaArn, r.Rotation.LambdaARN)
	}
	return s.c.policies.parse(r.ResourcePolicy)
}

// err returns the AccessDeniedException of a denial: nil when the request
// is allowed, or only audited.
func (d decision) err() error {
	if !d.denied || d.auditOnly {
		return nil
	}
	return newError(ErrAccessDenied, d.message)
}

// audit logs a denial that was only audited (Principal.AuditOnly).
func (d decision) audit(s *Store) {
	if d.denied && d.auditOnly {
		s.c.log.Warn("would deny", "principal", d.principal, "reason", d.reason, "message", d.message)
	}
}

// authorizeIn returns the decision of op on the secret id names, within a
// larger request (one secret of BatchGetSecretValue), when s has a
// principal; the zero decision, which denies nothing, otherwise, and when
// id cannot be resolved (the read then reports why).
func (s *Store) authorizeIn(t *tx, op awsmodel.Op, id string) decision {
	if s.principal == nil {
		return decision{}
	}
	r, err := s.resolveExisting(t, id)
	if err != nil && !isNotFound(err) {
		return decision{}
	}
	return s.authorize(op, nil, id, r)
}

// PolicyRequest is the request a view bound to a principal (Store.As)
// evaluates for one operation, with policy.Evaluate, and what it knows of
// the secret.
type PolicyRequest struct {
	// Request is the request: the principal, the action
	// (secretsmanager:<Operation>), the resource (the secret's ARN, the
	// ARN the caller gave or the one a secret of that name would have, or
	// "*") and the condition keys.
	Request policy.Request
	// ResourcePolicy is the secret's resource policy, as it was put; ""
	// when it has none or does not exist.
	ResourcePolicy string
	// SecretFound reports whether the secret exists: its ARN, tags,
	// primary region and rotation function are then in Request.
	SecretFound bool
}

// PolicyRequest returns the request that a view of s bound to a principal
// (Store.As) evaluates before it runs the Secrets Manager operation named
// operation (as AWS spells it, e.g. "GetSecretValue") on the secret
// secretID names ("" for an operation on no secret; the Name for
// CreateSecret), as its input's other members were unset (a Bool key of
// an unset member, such as secretsmanager:ForceDeleteWithoutRecovery, is
// "false" as in the server's request): the request
// `secretstore policy simulate` evaluates, built by the code the view
// runs, so the two cannot disagree. It reads the secret, when there is
// one, and changes nothing. On a Store with no principal it fails with
// ErrInvalidRequest.
func (s *Store) PolicyRequest(ctx context.Context, operation, secretID string) (*PolicyRequest, error) {
	op, ok := awsmodel.LookupOperation(operation)
	if !ok {
		return nil, newErrorf(ErrInvalidParameter, "%q is not a Secrets Manager operation", operation)
	}
	if s.principal == nil {
		return nil, newError(ErrInvalidRequest, "PolicyRequest needs a view bound to a principal (Store.As)")
	}
	c, err := s.begin()
	if err != nil {
		return nil, err
	}
	defer c.end()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := &PolicyRequest{}
	err = c.read(func(t *tx) error {
		var r *secretRecord
		if res := op.Row().Resource; res == awsmodel.SecretResource || res == awsmodel.OptionalSecretResource && secretID != "" {
			var err error
			if r, err = s.resolveExisting(t, secretID); err != nil && !isNotFound(err) {
				return err
			}
		}
		out.Request, _ = s.policyRequest(op, newInput(op), secretID, r)
		if r != nil {
			out.SecretFound, out.ResourcePolicy = true, r.ResourcePolicy
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// policyCache keeps resource policies parsed, by their text.
type policyCache struct {
	mu     sync.Mutex
	parsed map[string]*policy.Policy
}

// parse returns the resource policy doc, parsed; nil for none (or one that
// does not parse, which PutResourcePolicy never stores).
func (pc *policyCache) parse(doc string) *policy.Policy {
	if doc == "" {
		return nil
	}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if p, ok := pc.parsed[doc]; ok {
		return p
	}
	p, err := policy.ParseResource([]byte(doc))
	if err != nil {
		p = nil
	}
	if pc.parsed == nil || len(pc.parsed) >= 4096 {
		pc.parsed = make(map[string]*policy.Policy)
	}
	pc.parsed[doc] = p
	return p
}

// visible reports whether s's principal may see r in a listing: whether it
// may describe it.
func (s *Store) visible(r *secretRecord) bool {
	if s.principal == nil {
		return true
	}
	d := s.authorize(awsmodel.OpDescribeSecret, nil, r.Name, r)
	return !d.denied || d.auditOnly
}
