package secretstore

import (
	"strconv"
	"strings"
	"sync"

	"github.com/secretstore-go/secretstore/internal/arn"
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
	allowed bool
	reason  string // the deciding statement, for the event
	message string // the AccessDeniedException message
	policy  policy.Decision
}

// authorize evaluates operation op with input in for s's principal. It
// returns nil when there is no principal or the request is allowed (or
// only audited), and the AccessDeniedException otherwise; reason says
// which statement decided a denial.
func (s *Store) authorize(c *core, op string, in any, secretID string) (reason string, err error) {
	p := s.principal
	if p == nil {
		return "", nil
	}
	req := s.policyRequest(op)
	var res *policy.Policy
	switch {
	case op == "ListSecrets" || op == "GetRandomPassword" || op == "BatchGetSecretValue",
		op == "ValidateResourcePolicy" && secretID == "": // a policy checked on its own
		req.Resource = "*"
	case op == "CreateSecret":
		req.Resource = policy.CreateSecretResource(arn.Partition(s.region), s.region, c.account, secretID)
		requestContext(&req, in)
		d := s.decide(&req, res)
		if !d.allowed {
			d.message = d.policy.MessageOn(secretID)
		}
		return d.reason, d.err(s)
	default:
		var r *secretRecord
		err := c.read(func(t *tx) error {
			var err error
			r, err = s.resolveExisting(t, secretID)
			if err != nil && !isNotFound(err) {
				return err
			}
			return nil
		})
		if err != nil {
			return "", err // the operation's own error (a malformed id, damage), before any decision
		}
		d := s.authorizeSecret(c, op, in, secretID, r)
		return d.reason, d.err(s)
	}
	requestContext(&req, in)
	d := s.decide(&req, res)
	return d.reason, d.err(s)
}

// authorizeSecret evaluates op, with input in, on the secret SecretId
// secretID names: r, or nil when there is none, in which case the resource
// is the ARN the caller gave, or the ARN a secret of that name would have.
func (s *Store) authorizeSecret(c *core, op string, in any, secretID string, r *secretRecord) decision {
	req := s.policyRequest(op)
	var res *policy.Policy
	switch {
	case r != nil:
		req.Resource = c.arn(r)
		res = s.describeResource(c, &req, r)
	case arn.IsARN(secretID):
		req.Resource = secretID
	default:
		req.Resource = policy.CreateSecretResource(arn.Partition(s.region), s.region, c.account, secretID)
	}
	req.Set(policy.KeySecretID, secretID)
	requestContext(&req, in)
	d := s.decide(&req, res)
	if !d.allowed {
		// Named as the caller named it: the ARN of an existing secret, with
		// its suffix, would tell a caller without access that it exists.
		d.message = d.policy.MessageOn(secretID)
	}
	return d
}

// denied returns the AccessDeniedException for op on the secret id names,
// within a larger request (one secret of BatchGetSecretValue), or nil.
func (s *Store) denied(t *tx, op, id string) error {
	if s.principal == nil {
		return nil
	}
	r, err := s.resolveExisting(t, id)
	if err != nil && !isNotFound(err) {
		return nil // the read reports it
	}
	return s.authorizeSecret(t.c, op, nil, id, r).err(s)
}

// policyRequest starts the policy request of op for s's principal.
func (s *Store) policyRequest(op string) policy.Request {
	p := s.principal
	req := policy.Request{Action: "secretsmanager:" + op, Principal: policy.Principal{Arn: p.Arn, Tags: p.Tags}}
	if i := strings.LastIndexByte(p.Arn, '/'); i >= 0 && strings.Contains(p.Arn, ":user/") {
		req.Principal.Username = p.Arn[i+1:]
	}
	req.SetTime(now(s.c.clock))
	req.Set(policy.KeySecureTransport, strconv.FormatBool(p.SecureTransport))
	if p.SourceIP != "" {
		req.Set(policy.KeySourceIP, p.SourceIP)
	}
	return req
}

// describeResource adds what the request knows of secret r, and returns
// its resource policy.
func (s *Store) describeResource(c *core, req *policy.Request, r *secretRecord) *policy.Policy {
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
	return c.policies.parse(r.ResourcePolicy)
}

// decide evaluates req against s's principal's policies and res.
func (s *Store) decide(req *policy.Request, res *policy.Policy) decision {
	d := policy.Evaluate(req, s.principal.Policies, res)
	if d.Allowed {
		return decision{allowed: true}
	}
	return decision{reason: d.String(), message: d.Message(), policy: d}
}

// err returns the error of a denial (nil when allowed, or when s's
// principal only audits, in which case the denial is logged).
func (d decision) err(s *Store) error {
	if d.allowed {
		return nil
	}
	if s.principal.AuditOnly {
		s.c.log.Warn("would deny", "principal", s.principal.Arn, "reason", d.reason, "message", d.message)
		return nil
	}
	return newError(ErrAccessDenied, d.message)
}

// requestContext adds the condition keys of an operation's input.
func requestContext(req *policy.Request, in any) {
	set := func(k, v string) {
		if v != "" {
			req.Set(k, v)
		}
	}
	tags := func(ts []Tag) {
		m := make(map[string]string, len(ts))
		for _, t := range ts {
			m[t.Key] = t.Value
		}
		req.SetRequestTags(m)
	}
	switch in := in.(type) {
	case *CreateSecretInput:
		set(policy.KeyName, in.Name)
		set(policy.KeyDescription, in.Description)
		set(policy.KeyKmsKeyID, in.KmsKeyId)
		if len(in.Tags) > 0 {
			tags(in.Tags)
		}
		replicaRegions(req, in.AddReplicaRegions, in.ForceOverwriteReplicaSecret)
	case *UpdateSecretInput:
		if in.Description != nil {
			set(policy.KeyDescription, *in.Description)
		}
		if in.KmsKeyId != nil {
			set(policy.KeyKmsKeyID, *in.KmsKeyId)
		}
	case *GetSecretValueInput:
		set(policy.KeyVersionStage, in.VersionStage)
		set(policy.KeyVersionID, in.VersionId)
	case *PutSecretValueInput:
		if len(in.VersionStages) > 0 {
			req.Set(policy.KeyVersionStage, in.VersionStages...)
		}
	case *UpdateSecretVersionStageInput:
		set(policy.KeyVersionStage, in.VersionStage)
	case *TagResourceInput:
		tags(in.Tags)
	case *UntagResourceInput:
		req.Set(policy.KeyTagKeys, in.TagKeys...)
	case *ReplicateSecretToRegionsInput:
		replicaRegions(req, in.AddReplicaRegions, in.ForceOverwriteReplicaSecret)
	case *RotateSecretInput:
		set(policy.KeyRotationLambdaARN, in.RotationLambdaARN)
		req.Set(policy.KeyModifyRotationRules, strconv.FormatBool(in.RotationRules != nil))
		req.Set(policy.KeyRotateImmediately, strconv.FormatBool(in.RotateImmediately == nil || *in.RotateImmediately))
	case *PutResourcePolicyInput:
		req.Set(policy.KeyBlockPublicPolicy, strconv.FormatBool(in.BlockPublicPolicy))
	}
}

func replicaRegions(req *policy.Request, regions []ReplicaRegionType, force bool) {
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
func (s *Store) visible(c *core, r *secretRecord) bool {
	if s.principal == nil {
		return true
	}
	d := s.authorizeSecret(c, "DescribeSecret", nil, r.Name, r)
	return d.allowed || s.principal.AuditOnly
}
