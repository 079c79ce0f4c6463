package policy

import (
	"sort"
	"strconv"
	"strings"
	"time"
)

// A Request is what a policy is evaluated against: who asks (Principal), to
// do what (Action), to which secret (Resource), and the request context of
// condition keys (Context).
//
// Resource is the secret's full ARN. Operations that act on no secret
// (ListSecrets, GetRandomPassword, and BatchGetSecretValue's call itself)
// use "*"; BatchGetSecretValue then needs GetSecretValue on each secret,
// one Request per secret. CreateSecret's secret has no ARN yet: use
// CreateSecretResource, whose six '?' stand for the random suffix, so a
// policy Resource of "...:secret:Name*", "...:secret:Name-*" or
// "...:secret:Name-??????" allows it and a bare "...:secret:Name" does not.
//
// Condition keys are case-insensitive, as in IAM. Set, SetResourceTags,
// SetRequestTags and SetTime store them lower-cased; a key written into
// Context directly is found whatever its case, a little more slowly. A key
// with no values is absent. The principal's keys (aws:PrincipalArn,
// aws:PrincipalAccount, aws:username, aws:userid, aws:PrincipalTag/<key>)
// come from Principal unless Context sets them.
type Request struct {
	Action    string              // "secretsmanager:GetSecretValue"
	Resource  string              // the secret's ARN, or "*"
	Principal Principal           // the caller
	Context   map[string][]string // condition key → values; several values for a multivalued key such as aws:TagKeys
}

// A Principal is the IAM identity that makes a request.
//
// Arn is the user's or role session's ARN
// ("arn:aws:iam::123456789012:user/alice",
// "arn:aws:sts::123456789012:assumed-role/app/session"); the account root
// is "arn:aws:iam::123456789012:root". Account defaults to the account in
// Arn. A role session matches a resource policy that names its role's ARN
// (by account and role name, so whatever the role's path).
type Principal struct {
	Arn      string            // aws:PrincipalArn (for a role session, the role's ARN is derived), and the ARN in AccessDenied messages
	Account  string            // aws:PrincipalAccount; "" means the account in Arn
	Username string            // aws:username: an IAM user's friendly name
	UserID   string            // aws:userid: the unique ID (AIDA..., or AROA...:session for a role session)
	Tags     map[string]string // aws:PrincipalTag/<key>; tag keys are matched case-insensitively
}

// Condition keys that Secrets Manager and IAM put in a request's context.
// Tag keys are set with SetResourceTags and SetRequestTags; the principal's
// keys come from Request.Principal.
const (
	KeySecretID                    = "secretsmanager:SecretId"                        // the SecretId of the request, as given
	KeyName                        = "secretsmanager:Name"                            // CreateSecret's Name
	KeyDescription                 = "secretsmanager:Description"                     // the Description in the request
	KeyKmsKeyID                    = "secretsmanager:KmsKeyId"                        // the KmsKeyId in the request
	KeyVersionStage                = "secretsmanager:VersionStage"                    // the VersionStage in the request; absent when it names none
	KeyVersionID                   = "secretsmanager:VersionId"                       // the VersionId in the request
	KeyAllowRotationLambdaArn      = "secretsmanager:resource/AllowRotationLambdaArn" // the secret's rotation Lambda ARN
	KeySecretPrimaryRegion         = "secretsmanager:SecretPrimaryRegion"             // the secret's primary Region
	KeyAddReplicaRegions           = "secretsmanager:AddReplicaRegions"               // the Regions a request replicates to (multivalued)
	KeyForceOverwriteReplicaSecret = "secretsmanager:ForceOverwriteReplicaSecret"     // "true" or "false"
	KeyBlockPublicPolicy           = "secretsmanager:BlockPublicPolicy"               // "true" or "false"
	KeyRotationLambdaARN           = "secretsmanager:RotationLambdaARN"               // the rotation Lambda ARN in the request
	KeyModifyRotationRules         = "secretsmanager:ModifyRotationRules"             // "true" or "false"
	KeyRotateImmediately           = "secretsmanager:RotateImmediately"               // "true" or "false"
	KeyForceDeleteWithoutRecovery  = "secretsmanager:ForceDeleteWithoutRecovery"      // DeleteSecret's: "true" or "false"
	KeyRecoveryWindowInDays        = "secretsmanager:RecoveryWindowInDays"            // DeleteSecret's RecoveryWindowInDays, when the request gives one
	KeyKmsKeyArn                   = "secretsmanager:KmsKeyArn"                       // the ARN of the KMS key the request's KmsKeyId names, when it names a key by ARN or key ID
	KeyType                        = "secretsmanager:Type"                            // a managed external secret's type in the request (the store has none: never set)
	KeyResourceType                = "secretsmanager:resource/Type"                   // the managed external secret type of the secret (never set)
	KeyExternalSecretRotationRole  = "secretsmanager:ExternalSecretRotationRoleArn"   // RotateSecret's external rotation role (never set)
	KeyTagKeys                     = "aws:TagKeys"                                    // the tag keys in the request (multivalued); see SetRequestTags
	KeySourceIP                    = "aws:SourceIp"                                   // the caller's IP address
	KeyCurrentTime                 = "aws:CurrentTime"                                // see SetTime
	KeyEpochTime                   = "aws:EpochTime"                                  // see SetTime
	KeySecureTransport             = "aws:SecureTransport"                            // "true" for HTTPS
	KeyPrincipalArn                = "aws:PrincipalArn"                               // from Principal.Arn
	KeyPrincipalAccount            = "aws:PrincipalAccount"                           // from Principal.Account
	KeyUsername                    = "aws:username"                                   // from Principal.Username
	KeyUserID                      = "aws:userid"                                     // from Principal.UserID
)

// Set sets a condition key to the given values (none removes it).
func (r *Request) Set(key string, values ...string) {
	key = strings.ToLower(key)
	if len(values) == 0 {
		delete(r.Context, key)
		return
	}
	if r.Context == nil {
		r.Context = make(map[string][]string)
	}
	r.Context[key] = values
}

// SetResourceTags sets the secret's tags as secretsmanager:ResourceTag/<key>
// and aws:ResourceTag/<key>, replacing those keys' values. Tag keys are
// case-insensitive in condition keys; if two tags differ only in case, the
// key has both values.
func (r *Request) SetResourceTags(tags map[string]string) {
	r.setTags(tags, "secretsmanager:resourcetag/", "aws:resourcetag/")
}

// SetRequestTags sets the tags a request adds (CreateSecret, TagResource) as
// aws:RequestTag/<key>, and their keys, as written and sorted, as
// aws:TagKeys. For UntagResource, set KeyTagKeys to the keys removed
// instead.
func (r *Request) SetRequestTags(tags map[string]string) {
	r.setTags(tags, "aws:requesttag/")
	if len(tags) == 0 {
		return
	}
	keys := make([]string, 0, len(tags))
	for k := range tags {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	r.Set(KeyTagKeys, keys...)
}

func (r *Request) setTags(tags map[string]string, prefixes ...string) {
	if len(tags) == 0 {
		return
	}
	if r.Context == nil {
		r.Context = make(map[string][]string)
	}
	byKey := make(map[string][]string, len(tags))
	for k, v := range tags {
		lk := strings.ToLower(k)
		byKey[lk] = append(byKey[lk], v)
	}
	for lk, vs := range byKey {
		sort.Strings(vs)
		for _, p := range prefixes {
			r.Context[p+lk] = vs
		}
	}
}

// SetTime sets aws:CurrentTime (ISO 8601, UTC) and aws:EpochTime (seconds)
// to t. Evaluate reads no clock: without SetTime the request has neither
// key, and Date conditions on them see an absent key.
func (r *Request) SetTime(t time.Time) {
	t = t.UTC()
	r.Set(KeyCurrentTime, t.Format(time.RFC3339))
	r.Set(KeyEpochTime, strconv.FormatInt(t.Unix(), 10))
}

// CreateSecretResource returns the resource of a CreateSecret request for a
// secret called name: "arn:<partition>:secretsmanager:<region>:<account>:secret:<name>-??????".
// The '?' stand for the random suffix the ARN will get, and match only a
// wildcard in the policy, so "...:secret:<name>-*" and "...:secret:<name>*"
// allow the request, and a bare "...:secret:<name>" does not.
func CreateSecretResource(partition, region, account, name string) string {
	return "arn:" + partition + ":secretsmanager:" + region + ":" + account + ":secret:" + name + "-??????"
}

// A keyRef is a condition key as a policy names it, prepared for lookup.
type keyRef struct {
	name   string    // lower-cased
	tag    string    // for aws:PrincipalTag/<key>: the tag key as written
	source keySource // where a principal's key comes from
}

type keySource uint8

const (
	fromContext keySource = iota
	fromPrincipalArn
	fromPrincipalAccount
	fromUsername
	fromUserID
	fromPrincipalTag
)

const principalTagPrefix = "aws:principaltag/"

func newKeyRef(key string) keyRef {
	k := keyRef{name: strings.ToLower(key)}
	switch k.name {
	case "aws:principalarn":
		k.source = fromPrincipalArn
	case "aws:principalaccount":
		k.source = fromPrincipalAccount
	case "aws:username":
		k.source = fromUsername
	case "aws:userid":
		k.source = fromUserID
	default:
		if strings.HasPrefix(k.name, principalTagPrefix) {
			k.source = fromPrincipalTag
			k.tag = key[len(principalTagPrefix):]
		}
	}
	return k
}

// values is the value of a key in the request: a list, or a single string
// that needs no slice.
type values struct {
	list []string
	one  string
}

func (v values) len() int {
	if v.list != nil {
		return len(v.list)
	}
	return 1
}

func (v values) at(i int) string {
	if v.list != nil {
		return v.list[i]
	}
	return v.one
}

// lookup finds a key's values; found is false when the key is absent.
func (r *Request) lookup(k *keyRef, c *caller) (v values, found bool) {
	if vs, ok := r.Context[k.name]; ok {
		return values{list: vs}, len(vs) > 0
	}
	for ck, vs := range r.Context {
		if len(ck) == len(k.name) && strings.EqualFold(ck, k.name) {
			return values{list: vs}, len(vs) > 0
		}
	}
	var s string
	switch k.source {
	case fromPrincipalArn:
		s = c.principalArn()
	case fromPrincipalAccount:
		s = c.account
	case fromUsername:
		s = r.Principal.Username
	case fromUserID:
		s = r.Principal.UserID
	case fromPrincipalTag:
		var ok bool
		if s, ok = r.Principal.Tags[k.tag]; ok {
			return values{one: s}, true
		}
		for tk, tv := range r.Principal.Tags {
			if strings.EqualFold(tk, k.tag) {
				return values{one: tv}, true
			}
		}
		return values{}, false
	}
	return values{one: s}, s != ""
}

// A caller is the request's principal taken apart once per evaluation: the
// identities a Principal element can name (its ARN, its role, its account).
type caller struct {
	arn       string
	partition string
	account   string
	root      bool   // the account root user
	roleName  string // for a role session (arn:...:sts::<acct>:assumed-role/<role>/<session>), the role's name
	roleArn   bool   // arn is a role's own ARN (arn:...:iam::<acct>:role/...)
}

func newCaller(p *Principal) caller {
	c := caller{arn: p.Arn, account: p.Account}
	// arn:partition:service:region:account:resource
	parts, ok := splitARN(p.Arn)
	if !ok {
		return c
	}
	c.partition = parts[1]
	if c.account == "" {
		c.account = parts[4]
	}
	res := parts[5]
	switch {
	case parts[2] == "iam" && res == "root":
		c.root = parts[4] == c.account
	case parts[2] == "iam" && strings.HasPrefix(res, "role/"):
		c.roleArn = true
	case parts[2] == "sts" && strings.HasPrefix(res, "assumed-role/"):
		rest := res[len("assumed-role/"):]
		if i := strings.IndexByte(rest, '/'); i > 0 {
			c.roleName = rest[:i]
		}
	}
	return c
}

// principalArn is aws:PrincipalArn: the principal's ARN, except that a role
// session's is its role's ARN (written without a path, which a session's ARN
// does not show; set KeyPrincipalArn in Context for a role with a path).
func (c *caller) principalArn() string {
	if c.roleName != "" {
		return "arn:" + c.partition + ":iam::" + c.account + ":role/" + c.roleName
	}
	return c.arn
}

// splitARN cuts an ARN into its six parts without allocating.
func splitARN(s string) (parts [6]string, ok bool) {
	if !strings.HasPrefix(s, "arn:") {
		return parts, false
	}
	for i := 0; i < 5; i++ {
		j := strings.IndexByte(s, ':')
		if j < 0 {
			return parts, false
		}
		parts[i], s = s[:j], s[j+1:]
	}
	parts[5] = s
	return parts, true
}
