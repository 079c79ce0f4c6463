package secretstore

import (
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
	"github.com/secretstore-go/secretstore/internal/record"
	"github.com/secretstore-go/secretstore/policy"
)

// keyedSecret is the secret the condition-key tests act on: tagged, with a
// rotation function and a primary region (it is a replica's record as its
// primary describes it), so that every key of the secret has a value.
func keyedSecret() *secretRecord {
	return &secretRecord{Secret: record.Secret{
		Region: "us-east-1", Name: "prod/db", Suffix: "AbCdEf",
		Tags:     []record.Tag{{Key: "team", Value: "blue"}},
		Rotation: record.Rotation{LambdaARN: "arn:aws:lambda:us-east-1:123456789012:function:rot"},
		Replicas: []record.Replica{{Region: "eu-west-1"}},
	}}
}

const (
	testKeyArn = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
	testKeyID  = "1234abcd-12ab-34cd-56ef-1234567890ab"
)

// TestConditionKeysOfEveryAction: each condition key AWS's Service
// Authorization Reference lists for each Secrets Manager action has, in
// the request the store builds, the value AWS gives it (or is absent where
// the request gives it none): one row per key and action.
func TestConditionKeysOfEveryAction(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	view := s.As(&Principal{Arn: appArn})
	days := func(n int64) *int64 { return &n }
	str := func(s string) *string { return &s }
	no := false
	cases := []struct {
		op   awsmodel.Op
		in   any
		key  string
		want []string // nil: absent
	}{
		// DeleteSecret.
		{awsmodel.OpDeleteSecret, &DeleteSecretInput{SecretId: "prod/db", ForceDeleteWithoutRecovery: true}, policy.KeyForceDeleteWithoutRecovery, []string{"true"}},
		{awsmodel.OpDeleteSecret, &DeleteSecretInput{SecretId: "prod/db"}, policy.KeyForceDeleteWithoutRecovery, []string{"false"}},
		{awsmodel.OpDeleteSecret, &DeleteSecretInput{SecretId: "prod/db", RecoveryWindowInDays: days(14)}, policy.KeyRecoveryWindowInDays, []string{"14"}},
		{awsmodel.OpDeleteSecret, &DeleteSecretInput{SecretId: "prod/db"}, policy.KeyRecoveryWindowInDays, nil},
		{awsmodel.OpDeleteSecret, &DeleteSecretInput{SecretId: "prod/db", ForceDeleteWithoutRecovery: true}, policy.KeyRecoveryWindowInDays, nil},
		// CreateSecret.
		{awsmodel.OpCreateSecret, &CreateSecretInput{Name: "prod/db"}, policy.KeyName, []string{"prod/db"}},
		{awsmodel.OpCreateSecret, &CreateSecretInput{Name: "prod/db", Description: "d"}, policy.KeyDescription, []string{"d"}},
		{awsmodel.OpCreateSecret, &CreateSecretInput{Name: "prod/db", KmsKeyId: testKeyArn}, policy.KeyKmsKeyID, []string{testKeyArn}},
		{awsmodel.OpCreateSecret, &CreateSecretInput{Name: "prod/db", KmsKeyId: testKeyArn}, policy.KeyKmsKeyArn, []string{testKeyArn}},
		{awsmodel.OpCreateSecret, &CreateSecretInput{Name: "prod/db", KmsKeyId: testKeyID}, policy.KeyKmsKeyArn, []string{testKeyArn}},
		{awsmodel.OpCreateSecret, &CreateSecretInput{Name: "prod/db", KmsKeyId: "mrk-1234abcd12ab34cd56ef1234567890ab"}, policy.KeyKmsKeyArn, []string{"arn:aws:kms:us-east-1:123456789012:key/mrk-1234abcd12ab34cd56ef1234567890ab"}},
		{awsmodel.OpCreateSecret, &CreateSecretInput{Name: "prod/db", KmsKeyId: "alias/app"}, policy.KeyKmsKeyArn, nil},
		{awsmodel.OpCreateSecret, &CreateSecretInput{Name: "prod/db", KmsKeyId: "arn:aws:kms:us-east-1:123456789012:alias/app"}, policy.KeyKmsKeyArn, nil},
		{awsmodel.OpCreateSecret, &CreateSecretInput{Name: "prod/db"}, policy.KeyKmsKeyArn, nil},
		{awsmodel.OpCreateSecret, &CreateSecretInput{Name: "prod/db", Tags: []Tag{{Key: "env", Value: "prod"}}}, "aws:RequestTag/env", []string{"prod"}},
		{awsmodel.OpCreateSecret, &CreateSecretInput{Name: "prod/db", Tags: []Tag{{Key: "env", Value: "prod"}, {Key: "app", Value: "x"}}}, policy.KeyTagKeys, []string{"app", "env"}},
		{awsmodel.OpCreateSecret, &CreateSecretInput{Name: "prod/db", AddReplicaRegions: []ReplicaRegionType{{Region: "eu-west-1"}, {Region: "us-west-2"}}}, policy.KeyAddReplicaRegions, []string{"eu-west-1", "us-west-2"}},
		{awsmodel.OpCreateSecret, &CreateSecretInput{Name: "prod/db", AddReplicaRegions: []ReplicaRegionType{{Region: "eu-west-1"}}, ForceOverwriteReplicaSecret: true}, policy.KeyForceOverwriteReplicaSecret, []string{"true"}},
		{awsmodel.OpCreateSecret, &CreateSecretInput{Name: "prod/db"}, policy.KeyType, nil},
		{awsmodel.OpCreateSecret, &CreateSecretInput{Name: "prod/db"}, policy.KeyResourceType, nil},
		// GetSecretValue.
		{awsmodel.OpGetSecretValue, &GetSecretValueInput{SecretId: "prod/db", VersionStage: "AWSPREVIOUS"}, policy.KeyVersionStage, []string{"AWSPREVIOUS"}},
		{awsmodel.OpGetSecretValue, &GetSecretValueInput{SecretId: "prod/db"}, policy.KeyVersionStage, nil},
		{awsmodel.OpGetSecretValue, &GetSecretValueInput{SecretId: "prod/db", VersionId: "v1"}, policy.KeyVersionID, []string{"v1"}},
		// PutResourcePolicy.
		{awsmodel.OpPutResourcePolicy, &PutResourcePolicyInput{SecretId: "prod/db", BlockPublicPolicy: true}, policy.KeyBlockPublicPolicy, []string{"true"}},
		{awsmodel.OpPutResourcePolicy, &PutResourcePolicyInput{SecretId: "prod/db"}, policy.KeyBlockPublicPolicy, []string{"false"}},
		// PutSecretValue lists no key of its own: its VersionStages are not
		// secretsmanager:VersionStage.
		{awsmodel.OpPutSecretValue, &PutSecretValueInput{SecretId: "prod/db", VersionStages: []string{"AWSCURRENT"}}, policy.KeyVersionStage, nil},
		// ReplicateSecretToRegions.
		{awsmodel.OpReplicateSecretToRegions, &ReplicateSecretToRegionsInput{SecretId: "prod/db", AddReplicaRegions: []ReplicaRegionType{{Region: "us-west-2"}}}, policy.KeyAddReplicaRegions, []string{"us-west-2"}},
		{awsmodel.OpReplicateSecretToRegions, &ReplicateSecretToRegionsInput{SecretId: "prod/db", AddReplicaRegions: []ReplicaRegionType{{Region: "us-west-2"}}}, policy.KeyForceOverwriteReplicaSecret, []string{"false"}},
		// RotateSecret.
		{awsmodel.OpRotateSecret, &RotateSecretInput{SecretId: "prod/db", RotationLambdaARN: "arn:aws:lambda:us-east-1:123456789012:function:f"}, policy.KeyRotationLambdaARN, []string{"arn:aws:lambda:us-east-1:123456789012:function:f"}},
		{awsmodel.OpRotateSecret, &RotateSecretInput{SecretId: "prod/db"}, policy.KeyRotationLambdaARN, nil},
		{awsmodel.OpRotateSecret, &RotateSecretInput{SecretId: "prod/db", RotationRules: &RotationRulesType{AutomaticallyAfterDays: 7}}, policy.KeyModifyRotationRules, []string{"true"}},
		{awsmodel.OpRotateSecret, &RotateSecretInput{SecretId: "prod/db"}, policy.KeyModifyRotationRules, []string{"false"}},
		{awsmodel.OpRotateSecret, &RotateSecretInput{SecretId: "prod/db"}, policy.KeyRotateImmediately, []string{"true"}},
		{awsmodel.OpRotateSecret, &RotateSecretInput{SecretId: "prod/db", RotateImmediately: &no}, policy.KeyRotateImmediately, []string{"false"}},
		{awsmodel.OpRotateSecret, &RotateSecretInput{SecretId: "prod/db"}, policy.KeyExternalSecretRotationRole, nil},
		// TagResource, UntagResource.
		{awsmodel.OpTagResource, &TagResourceInput{SecretId: "prod/db", Tags: []Tag{{Key: "Env", Value: "prod"}}}, "aws:RequestTag/env", []string{"prod"}},
		{awsmodel.OpTagResource, &TagResourceInput{SecretId: "prod/db", Tags: []Tag{{Key: "Env", Value: "prod"}}}, policy.KeyTagKeys, []string{"Env"}},
		{awsmodel.OpUntagResource, &UntagResourceInput{SecretId: "prod/db", TagKeys: []string{"team"}}, policy.KeyTagKeys, []string{"team"}},
		{awsmodel.OpUntagResource, &UntagResourceInput{SecretId: "prod/db", TagKeys: []string{"team"}}, "aws:RequestTag/team", nil},
		// UpdateSecret.
		{awsmodel.OpUpdateSecret, &UpdateSecretInput{SecretId: "prod/db", Description: str("d")}, policy.KeyDescription, []string{"d"}},
		{awsmodel.OpUpdateSecret, &UpdateSecretInput{SecretId: "prod/db", KmsKeyId: str(testKeyID)}, policy.KeyKmsKeyID, []string{testKeyID}},
		{awsmodel.OpUpdateSecret, &UpdateSecretInput{SecretId: "prod/db", KmsKeyId: str(testKeyID)}, policy.KeyKmsKeyArn, []string{testKeyArn}},
		{awsmodel.OpUpdateSecret, &UpdateSecretInput{SecretId: "prod/db"}, policy.KeyKmsKeyArn, nil},
		{awsmodel.OpUpdateSecret, &UpdateSecretInput{SecretId: "prod/db"}, policy.KeyType, nil},
		// UpdateSecretVersionStage.
		{awsmodel.OpUpdateSecretVersionStage, &UpdateSecretVersionStageInput{SecretId: "prod/db", VersionStage: "blue"}, policy.KeyVersionStage, []string{"blue"}},
	}
	// The keys of the secret, on every action on one.
	for _, op := range awsmodel.Operations() {
		if op.Row().Resource != awsmodel.SecretResource {
			continue
		}
		in := newInput(op)
		for key, want := range map[string][]string{
			policy.KeySecretID:                {"prod/db"},
			"secretsmanager:ResourceTag/team": {"blue"},
			"aws:ResourceTag/team":            {"blue"},
			policy.KeyAllowRotationLambdaArn:  {"arn:aws:lambda:us-east-1:123456789012:function:rot"},
			policy.KeySecretPrimaryRegion:     {"us-east-1"},
			policy.KeyResourceType:            nil,
		} {
			cases = append(cases, struct {
				op   awsmodel.Op
				in   any
				key  string
				want []string
			}{op, in, key, want})
		}
	}
	for _, tc := range cases {
		t.Run(tc.op.String()+"/"+tc.key+"="+strings.Join(tc.want, ","), func(t *testing.T) {
			var r *secretRecord
			if tc.op.Row().Resource == awsmodel.SecretResource {
				r = keyedSecret()
			}
			req, _ := view.policyRequest(tc.op, tc.in, "prod/db", r)
			got, ok := req.Context[strings.ToLower(tc.key)]
			if !ok {
				got = nil
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("%s = %q (present %v), want %q", tc.key, got, ok, tc.want)
			}
			if tc.op.Row().Resource != awsmodel.SecretResource || tc.want == nil || strings.HasPrefix(strings.ToLower(tc.key), "aws:") ||
				tc.key == policy.KeyAllowRotationLambdaArn || tc.key == policy.KeySecretPrimaryRegion || strings.HasPrefix(tc.key, "secretsmanager:ResourceTag/") {
				return
			}
			if !slices.Contains(tc.op.Row().ConditionKeys, tc.key) {
				t.Errorf("the row of %s does not list %s", tc.op, tc.key)
			}
		})
	}
}

// TestDeleteSecretConditionKeys: the view enforces DeleteSecret's keys as
// AWS does (a Deny on a forced delete fires, an Allow that requires a long
// window lets only such a window through), and `policy simulate`'s request
// (Store.PolicyRequest, with the keys of the input set as --context sets
// them) decides the same.
func TestDeleteSecretConditionKeys(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	days := func(n int64) *int64 { return &n }
	denyForce := s.As(&Principal{Arn: appArn, Policies: []*policy.Policy{mustIdentityPolicy(t, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"secretsmanager:DeleteSecret","Resource":"*"},
		{"Effect":"Deny","Action":"secretsmanager:DeleteSecret","Resource":"*","Condition":{"Bool":{"secretsmanager:ForceDeleteWithoutRecovery":"true"}}}]}`)}})
	longWindow := s.As(&Principal{Arn: otherArn, Policies: []*policy.Policy{mustIdentityPolicy(t, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"secretsmanager:DeleteSecret","Resource":"*","Condition":{"NumericGreaterThanEquals":{"secretsmanager:RecoveryWindowInDays":"14"}}}]}`)}})
	onlyUnforced := s.As(&Principal{Arn: "arn:aws:iam::123456789012:user/third", Policies: []*policy.Policy{mustIdentityPolicy(t, `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"secretsmanager:DeleteSecret","Resource":"*","Condition":{"Bool":{"secretsmanager:ForceDeleteWithoutRecovery":"false"}}}]}`)}})
	cases := []struct {
		name    string
		view    *Store
		in      DeleteSecretInput
		allowed bool
	}{
		{"a Deny on forced deletion fires", denyForce, DeleteSecretInput{ForceDeleteWithoutRecovery: true}, false},
		{"the Deny lets a window through", denyForce, DeleteSecretInput{RecoveryWindowInDays: days(7)}, true},
		{"the Deny lets the default through", denyForce, DeleteSecretInput{}, true},
		{"an Allow for 14 days or more: 14", longWindow, DeleteSecretInput{RecoveryWindowInDays: days(14)}, true},
		{"an Allow for 14 days or more: 30", longWindow, DeleteSecretInput{RecoveryWindowInDays: days(30)}, true},
		{"an Allow for 14 days or more: 7", longWindow, DeleteSecretInput{RecoveryWindowInDays: days(7)}, false},
		{"an Allow for 14 days or more: no window given", longWindow, DeleteSecretInput{}, false},
		{"an Allow for 14 days or more: forced", longWindow, DeleteSecretInput{ForceDeleteWithoutRecovery: true}, false},
		{"an Allow of unforced deletes: unforced", onlyUnforced, DeleteSecretInput{}, true},
		{"an Allow of unforced deletes: forced", onlyUnforced, DeleteSecretInput{ForceDeleteWithoutRecovery: true}, false},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			name := "del/" + string(rune('a'+i))
			mustCreate(t, s, name, "v")
			in := tc.in
			in.SecretId = name
			// What policy simulate evaluates: the request of the empty
			// input, and the input's members as --context keys.
			pr, err := tc.view.PolicyRequest(ctx, "DeleteSecret", name)
			if err != nil {
				t.Fatal(err)
			}
			if tc.in.ForceDeleteWithoutRecovery {
				pr.Request.Set(policy.KeyForceDeleteWithoutRecovery, "true")
			}
			if w := tc.in.RecoveryWindowInDays; w != nil {
				pr.Request.Set(policy.KeyRecoveryWindowInDays, strconv.FormatInt(*w, 10))
			}
			if d := policy.Evaluate(&pr.Request, tc.view.principal.Policies, nil); d.Allowed != tc.allowed {
				t.Errorf("the simulated request is allowed %v, the view's %v", d.Allowed, tc.allowed)
			}
			_, err = tc.view.DeleteSecret(ctx, &in)
			if tc.allowed && err != nil || !tc.allowed && !isAccessDenied(err) {
				t.Fatalf("DeleteSecret(%+v) = %v; want allowed %v", tc.in, err, tc.allowed)
			}
		})
	}
	// The empty input's request is the server's for a request that gives
	// neither member.
	pr, err := onlyUnforced.PolicyRequest(ctx, "DeleteSecret", "del/none")
	if err != nil {
		t.Fatal(err)
	}
	if d := policy.Evaluate(&pr.Request, onlyUnforced.principal.Policies, nil); !d.Allowed {
		t.Errorf("PolicyRequest of DeleteSecret with no member set is denied (%v); the server allows it", d)
	}
}

func isAccessDenied(err error) bool { return errors.Is(err, ErrAccessDenied) }

// TestDependentActions: an operation that AWS's Service Authorization
// Reference maps to more than its own action needs each of them: a caller
// allowed only the operation's own action is denied, naming the action it
// lacks, and nothing changes; allowed all of them, it succeeds.
func TestDependentActions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	mustCreate(t, s, "app/a", "a")
	view := func(arn string, actions ...string) *Store {
		return s.As(&Principal{Arn: arn, Policies: []*policy.Policy{mustIdentityPolicy(t,
			`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["`+strings.Join(actions, `","`)+`"],"Resource":"*"}}`)}})
	}
	const user = "arn:aws:iam::123456789012:user/"
	validDoc := `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}}`
	cases := []struct {
		name  string
		own   string // the operation's own action
		needs string // the action it also needs
		call  func(v *Store) error
	}{
		{"CreateSecret with Tags needs TagResource", "secretsmanager:CreateSecret", "secretsmanager:TagResource", func(v *Store) error {
			_, err := v.CreateSecret(ctx, &CreateSecretInput{Name: "tagged" + v.principal.Arn[len(user):], SecretString: "v", Tags: []Tag{{Key: "team", Value: "blue"}}})
			return err
		}},
		{"CreateSecret with AddReplicaRegions needs ReplicateSecretToRegions", "secretsmanager:CreateSecret", "secretsmanager:ReplicateSecretToRegions", func(v *Store) error {
			_, err := v.CreateSecret(ctx, &CreateSecretInput{Name: "replicated" + v.principal.Arn[len(user):], SecretString: "v", AddReplicaRegions: []ReplicaRegionType{{Region: "eu-west-1"}}})
			return err
		}},
		{"BatchGetSecretValue with Filters needs ListSecrets", "secretsmanager:BatchGetSecretValue\",\"secretsmanager:GetSecretValue", "secretsmanager:ListSecrets", func(v *Store) error {
			_, err := v.BatchGetSecretValue(ctx, &BatchGetSecretValueInput{Filters: []Filter{{Key: "name", Values: []string{"app/"}}}})
			return err
		}},
		{"ValidateResourcePolicy needs PutResourcePolicy", "secretsmanager:ValidateResourcePolicy", "secretsmanager:PutResourcePolicy", func(v *Store) error {
			_, err := v.ValidateResourcePolicy(ctx, &ValidateResourcePolicyInput{SecretId: "app/a", ResourcePolicy: validDoc})
			return err
		}},
		{"ValidateResourcePolicy of no secret needs PutResourcePolicy", "secretsmanager:ValidateResourcePolicy", "secretsmanager:PutResourcePolicy", func(v *Store) error {
			_, err := v.ValidateResourcePolicy(ctx, &ValidateResourcePolicyInput{ResourcePolicy: validDoc})
			return err
		}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			lacking := view(user+"lacking"+strconv.Itoa(i), tc.own)
			wantNoChange(t, s, func() {
				err := tc.call(lacking)
				if !isAccessDenied(err) || !strings.Contains(err.Error(), "perform: "+tc.needs+" ") {
					t.Errorf("allowed only %s: %v; want AccessDenied for %s", tc.own, err, tc.needs)
				}
			})
			if err := tc.call(view(user+"both"+strconv.Itoa(i), tc.own, tc.needs)); err != nil {
				t.Errorf("allowed %s and %s: %v", tc.own, tc.needs, err)
			}
		})
	}
	// BatchGetSecretValue with a SecretIdList does not need ListSecrets.
	if _, err := view(user+"list", "secretsmanager:BatchGetSecretValue", "secretsmanager:GetSecretValue").BatchGetSecretValue(ctx,
		&BatchGetSecretValueInput{SecretIdList: []string{"app/a"}}); err != nil {
		t.Errorf("BatchGetSecretValue with a SecretIdList: %v", err)
	}
}

// TestIssueResourcePolicies: the resource policies of the report, end to
// end. An Allow with NotPrincipal does not let the user it names read
// (other users of the account still may, as the statement says); a
// "Principal": "*" statement pinned by aws:PrincipalArn to principals of
// the account is not public, so BlockPublicPolicy accepts it and
// ValidateResourcePolicy passes it.
func TestIssueResourcePolicies(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	mustCreate(t, s, "db", "v")
	const testUser = "arn:aws:iam::123456789012:user/test-user"
	if _, err := s.PutResourcePolicy(ctx, &PutResourcePolicyInput{SecretId: "db", ResourcePolicy: `{"Version":"2012-10-17","Statement":[
		{"Effect":"Allow","Action":"secretsmanager:GetSecretValue","Resource":"*","NotPrincipal":{"AWS":"` + testUser + `"}}]}`}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.As(&Principal{Arn: testUser}).GetSecretValue(ctx, &GetSecretValueInput{SecretId: "db"}); !isAccessDenied(err) {
		t.Errorf("the user NotPrincipal names reads the secret: %v", err)
	}
	if _, err := s.As(&Principal{Arn: "arn:aws:iam::123456789012:user/other-user"}).GetSecretValue(ctx, &GetSecretValueInput{SecretId: "db"}); err != nil {
		t.Errorf("a user NotPrincipal does not name: %v", err)
	}

	pinned := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"secretsmanager:GetSecretValue","Resource":"*",
		"Condition":{"ArnEquals":{"aws:PrincipalArn":["arn:aws:iam::123456789012:role/app","` + testUser + `"]}}}]}`
	if _, err := s.PutResourcePolicy(ctx, &PutResourcePolicyInput{SecretId: "db", ResourcePolicy: pinned, BlockPublicPolicy: true}); err != nil {
		t.Errorf("BlockPublicPolicy refuses a policy pinned by aws:PrincipalArn: %v", err)
	}
	v, err := s.ValidateResourcePolicy(ctx, &ValidateResourcePolicyInput{SecretId: "db", ResourcePolicy: pinned})
	if err != nil || !v.PolicyValidationPassed {
		t.Errorf("ValidateResourcePolicy of a policy pinned by aws:PrincipalArn: %+v, %v", v, err)
	}
	if _, err := s.As(&Principal{Arn: testUser}).GetSecretValue(ctx, &GetSecretValueInput{SecretId: "db"}); err != nil {
		t.Errorf("the principal the pinned policy names: %v", err)
	}
	if _, err := s.As(&Principal{Arn: "arn:aws:iam::123456789012:user/other-user"}).GetSecretValue(ctx, &GetSecretValueInput{SecretId: "db"}); !isAccessDenied(err) {
		t.Errorf("a principal the pinned policy does not name: %v", err)
	}
}
