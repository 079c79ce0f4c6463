package secretstore

import (
	"context"
	"errors"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
	"github.com/secretstore-go/secretstore/policy"
)

// inputs are the input types of the operations, by their row of the table.
var inputs = map[awsmodel.Op]any{
	awsmodel.OpBatchGetSecretValue:          &BatchGetSecretValueInput{},
	awsmodel.OpCancelRotateSecret:           &CancelRotateSecretInput{},
	awsmodel.OpCreateSecret:                 &CreateSecretInput{},
	awsmodel.OpDeleteResourcePolicy:         &DeleteResourcePolicyInput{},
	awsmodel.OpDeleteSecret:                 &DeleteSecretInput{},
	awsmodel.OpDescribeSecret:               &DescribeSecretInput{},
	awsmodel.OpGetRandomPassword:            &GetRandomPasswordInput{},
	awsmodel.OpGetResourcePolicy:            &GetResourcePolicyInput{},
	awsmodel.OpGetSecretValue:               &GetSecretValueInput{},
	awsmodel.OpListSecretVersionIds:         &ListSecretVersionIdsInput{},
	awsmodel.OpListSecrets:                  &ListSecretsInput{},
	awsmodel.OpPutResourcePolicy:            &PutResourcePolicyInput{},
	awsmodel.OpPutSecretValue:               &PutSecretValueInput{},
	awsmodel.OpRemoveRegionsFromReplication: &RemoveRegionsFromReplicationInput{},
	awsmodel.OpReplicateSecretToRegions:     &ReplicateSecretToRegionsInput{},
	awsmodel.OpRestoreSecret:                &RestoreSecretInput{},
	awsmodel.OpRotateSecret:                 &RotateSecretInput{},
	awsmodel.OpStopReplicationToReplica:     &StopReplicationToReplicaInput{},
	awsmodel.OpTagResource:                  &TagResourceInput{},
	awsmodel.OpUntagResource:                &UntagResourceInput{},
	awsmodel.OpUpdateSecret:                 &UpdateSecretInput{},
	awsmodel.OpUpdateSecretVersionStage:     &UpdateSecretVersionStageInput{},
	awsmodel.OpValidateResourcePolicy:       &ValidateResourcePolicyInput{},
}

// fill sets every field of the struct v points to, recursively, to a value
// that is not its zero value.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem())
	case reflect.Struct:
		for i := range v.NumField() {
			if f := v.Type().Field(i); f.IsExported() {
				fill(v.Field(i))
				if f.Name == "KmsKeyId" { // a key ARN, so the request has secretsmanager:KmsKeyArn too
					reflect.Indirect(v.Field(i)).SetString("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab")
				}
			}
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0))
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int32, reflect.Int64:
		v.SetInt(1)
	case reflect.Uint8:
		v.SetUint(1)
	}
}

// TestConditionKeysOfTheTable: for every operation, the condition keys its
// input adds, with every member set, are those its row of the table lists,
// and the request names its action and its resource as the row says.
func TestConditionKeysOfTheTable(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	view := s.As(&Principal{Arn: appArn})
	for _, op := range awsmodel.Operations() {
		t.Run(op.String(), func(t *testing.T) {
			in, ok := inputs[op]
			if !ok {
				t.Fatalf("no input type for %s in the test's inputs", op)
			}
			if got := reflect.TypeOf(newInput(op)); got != reflect.TypeOf(in) {
				t.Fatalf("newInput(%s) is a %v, want a %T", op, got, in)
			}
			fill(reflect.ValueOf(in).Elem())
			base, _ := view.policyRequest(op, nil, "x", nil)
			req, _ := view.policyRequest(op, in, "x", nil)
			var added []string
			for k := range req.Context {
				if _, ok := base.Context[k]; !ok {
					added = append(added, k)
				}
			}
			row := op.Row()
			var want []string
			for _, k := range row.ConditionKeys {
				switch {
				case k == policy.KeySecretID && row.Resource != awsmodel.NoResource,
					k == policy.KeyName && row.Resource == awsmodel.NewSecretResource:
					if _, ok := base.Context[strings.ToLower(k)]; !ok {
						t.Errorf("the request builder does not set %s", k)
					}
				case k == awsmodel.KeyRequestTag:
					want = append(want, "aws:requesttag/x")
				default:
					want = append(want, strings.ToLower(k))
				}
			}
			slices.Sort(added)
			slices.Sort(want)
			if !slices.Equal(added, want) {
				t.Errorf("the input adds the keys %v; its row lists %v", added, want)
			}
			if req.Action != "secretsmanager:"+op.String() {
				t.Errorf("Action %q", req.Action)
			}
			if noResource := row.Resource == awsmodel.NoResource; noResource != (req.Resource == "*") {
				t.Errorf("Resource %q for a row whose Resource is %d", req.Resource, row.Resource)
			}
		})
	}
}

// TestOperationTableMatchesTheStore: each row names a method of Store,
// whose input is the row's, and the operations on a secret act on one
// scheduled for deletion, and refuse a replica, as their rows say.
func TestOperationTableMatchesTheStore(t *testing.T) {
	t.Parallel()
	st := reflect.TypeFor[*Store]()
	for _, op := range awsmodel.Operations() {
		m, ok := st.MethodByName(op.String())
		if !ok {
			t.Errorf("%s: Store has no method of that name", op)
			continue
		}
		if got, want := m.Type.In(2), reflect.TypeOf(inputs[op]); got != want {
			t.Errorf("%s takes %v; the test's inputs say %v", op, got, want)
		}
	}
	ctx := context.Background()
	policyDoc := `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"` + appArn + `"},"Action":"secretsmanager:GetSecretValue","Resource":"*"}]}`
	// Each operation on a secret, with a valid input: the state checks
	// come after the input's own.
	calls := map[awsmodel.Op]func(s *Store, id string) error{
		awsmodel.OpCancelRotateSecret: func(s *Store, id string) error {
			_, err := s.CancelRotateSecret(ctx, &CancelRotateSecretInput{SecretId: id})
			return err
		},
		awsmodel.OpDeleteResourcePolicy: func(s *Store, id string) error {
			_, err := s.DeleteResourcePolicy(ctx, &DeleteResourcePolicyInput{SecretId: id})
			return err
		},
		awsmodel.OpDeleteSecret: func(s *Store, id string) error {
			_, err := s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: id})
			return err
		},
		awsmodel.OpDescribeSecret: func(s *Store, id string) error {
			_, err := s.DescribeSecret(ctx, &DescribeSecretInput{SecretId: id})
			return err
		},
		awsmodel.OpGetResourcePolicy: func(s *Store, id string) error {
			_, err := s.GetResourcePolicy(ctx, &GetResourcePolicyInput{SecretId: id})
			return err
		},
		awsmodel.OpGetSecretValue: func(s *Store, id string) error {
			_, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: id})
			return err
		},
		awsmodel.OpListSecretVersionIds: func(s *Store, id string) error {
			_, err := s.ListSecretVersionIds(ctx, &ListSecretVersionIdsInput{SecretId: id})
			return err
		},
		awsmodel.OpPutResourcePolicy: func(s *Store, id string) error {
			_, err := s.PutResourcePolicy(ctx, &PutResourcePolicyInput{SecretId: id, ResourcePolicy: policyDoc})
			return err
		},
		awsmodel.OpPutSecretValue: func(s *Store, id string) error {
			_, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: id, SecretString: "v2"})
			return err
		},
		awsmodel.OpRemoveRegionsFromReplication: func(s *Store, id string) error {
			_, err := s.RemoveRegionsFromReplication(ctx, &RemoveRegionsFromReplicationInput{SecretId: id, RemoveReplicaRegions: []string{"ap-south-1"}})
			return err
		},
		awsmodel.OpReplicateSecretToRegions: func(s *Store, id string) error {
			_, err := s.ReplicateSecretToRegions(ctx, &ReplicateSecretToRegionsInput{SecretId: id, AddReplicaRegions: []ReplicaRegionType{{Region: "ap-south-1"}}})
			return err
		},
		awsmodel.OpRestoreSecret: func(s *Store, id string) error {
			_, err := s.RestoreSecret(ctx, &RestoreSecretInput{SecretId: id})
			return err
		},
		awsmodel.OpRotateSecret: func(s *Store, id string) error {
			_, err := s.RotateSecret(ctx, &RotateSecretInput{SecretId: id})
			return err
		},
		awsmodel.OpStopReplicationToReplica: func(s *Store, id string) error {
			_, err := s.StopReplicationToReplica(ctx, &StopReplicationToReplicaInput{SecretId: id})
			return err
		},
		awsmodel.OpTagResource: func(s *Store, id string) error {
			_, err := s.TagResource(ctx, &TagResourceInput{SecretId: id, Tags: []Tag{{Key: "k", Value: "v"}}})
			return err
		},
		awsmodel.OpUntagResource: func(s *Store, id string) error {
			_, err := s.UntagResource(ctx, &UntagResourceInput{SecretId: id, TagKeys: []string{"k"}})
			return err
		},
		awsmodel.OpUpdateSecret: func(s *Store, id string) error {
			_, err := s.UpdateSecret(ctx, &UpdateSecretInput{SecretId: id})
			return err
		},
		awsmodel.OpUpdateSecretVersionStage: func(s *Store, id string) error {
			_, err := s.UpdateSecretVersionStage(ctx, &UpdateSecretVersionStageInput{SecretId: id, VersionStage: "X", MoveToVersionId: testToken("a")})
			return err
		},
	}
	for _, op := range awsmodel.Operations() {
		row := op.Row()
		if row.Resource != awsmodel.SecretResource {
			continue
		}
		call, ok := calls[op]
		if !ok {
			t.Errorf("%s acts on a secret, and the test does not call it", op)
			continue
		}
		s, _ := newTestStore(t)
		mustCreate(t, s, "scheduled", "v")
		if _, err := s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: "scheduled"}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "primary", SecretString: "v", AddReplicaRegions: []ReplicaRegionType{{Region: "eu-west-1"}}}); err != nil {
			t.Fatal(err)
		}
		err := call(s, "scheduled")
		if refused := errors.Is(err, ErrInvalidRequest) && strings.Contains(err.Error(), awsmodel.MarkedForDeletion); refused == row.Scheduled {
			t.Errorf("%s on a secret scheduled for deletion: %v; the row says Scheduled %v", op, err, row.Scheduled)
		}
		err = call(s.Region("eu-west-1"), "primary")
		if refused := errors.Is(err, ErrInvalidParameter) && strings.Contains(err.Error(), awsmodel.ReplicaNotPermitted); refused != row.RefusedOnReplica {
			t.Errorf("%s on a replica: %v; the row says RefusedOnReplica %v", op, err, row.RefusedOnReplica)
		}
	}
}

// TestREADMEListsTheOperations: the README's list of the operations is
// the operation table's. With SECRETSTORE_WRITE_README set it writes the
// list into README.md.
func TestREADMEListsTheOperations(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	const begin, end = "<!-- the operation table: TestREADMEListsTheOperations writes it -->\n", "<!-- end of the operation table -->\n"
	readme := string(b)
	i, j := strings.Index(readme, begin), strings.Index(readme, end)
	if i < 0 || j < i {
		t.Fatalf("README.md has no %q ... %q", begin, end)
	}
	if got, want := readme[i+len(begin):j], operationTable(); got != want {
		if os.Getenv("SECRETSTORE_WRITE_README") != "" {
			if err := os.WriteFile("README.md", []byte(readme[:i+len(begin)]+want+readme[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("README.md's list of the operations is not the table's (SECRETSTORE_WRITE_README=1 go test -run %s . writes it); it should read:\n%s", t.Name(), want)
	}
}

// operationTable returns the operation table in Markdown, as the README
// shows it.
func operationTable() string {
	var b strings.Builder
	b.WriteString("| Operation | Resource | Condition keys of the request | Writes | Scheduled for deletion | A replica |\n|---|---|---|---|---|---|\n")
	for _, op := range awsmodel.Operations() {
		row := op.Row()
		resource := map[awsmodel.Resource]string{
			awsmodel.NoResource:             "`*`",
			awsmodel.SecretResource:         "the secret",
			awsmodel.OptionalSecretResource: "the secret, if named; else `*`",
			awsmodel.NewSecretResource:      "the new secret",
		}[row.Resource]
		var keys []string
		for _, k := range row.ConditionKeys {
			keys = append(keys, "`"+k+"`")
		}
		yes := func(b bool, y, n string) string {
			if b {
				return y
			}
			return n
		}
		writes, scheduled, replica := yes(row.Writes, "yes", ""), "", ""
		if row.Resource == awsmodel.SecretResource || row.Resource == awsmodel.OptionalSecretResource {
			scheduled = yes(row.Scheduled, "acts on it", "refused")
			replica = yes(row.RefusedOnReplica, "refused", "acts on it")
		}
		b.WriteString("| `" + op.String() + "` | " + resource + " | " + strings.Join(keys, " ") + " | " + writes + " | " + scheduled + " | " + replica + " |\n")
	}
	return b.String()
}
