package awsapi

import (
	"testing"

	"github.com/secretstore-go/secretstore"
)

// TestEdgeValuesOnTheWire: the answers AWS gives to edge values, as an SDK
// sees them: AutomaticallyAfterDays 0 and 1001 are both outside the
// model's range (ValidationException, each naming its bound); both a
// frequency and a schedule, MaxResults without Filters, and a singular
// unit with a rate above 1 are refused with AWS's InvalidParameterException.
func TestEdgeValuesOnTheWire(t *testing.T) {
	t.Parallel()
	store, _ := newTestStore(t, secretstore.Options{})
	h := New(store, Options{})
	if r := post(t, h, "secretsmanager.CreateSecret", `{"Name":"db","SecretString":"v","ClientRequestToken":"00000000-0000-4000-8000-000000000001"}`); r.status != 200 {
		t.Fatalf("CreateSecret: %d %s", r.status, r.body)
	}
	const lambda = `"RotationLambdaARN":"arn:aws:lambda:us-east-1:123456789012:function:f"`
	cases := []struct {
		name, target, body, typ, msg string
	}{
		{"AutomaticallyAfterDays 0", "RotateSecret", `{"SecretId":"db","ClientRequestToken":"00000000-0000-4000-8000-000000000002",` + lambda + `,"RotationRules":{"AutomaticallyAfterDays":0}}`,
			"ValidationException", "1 validation error detected: Value '0' at 'rotationRules.automaticallyAfterDays' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{"AutomaticallyAfterDays 1001", "RotateSecret", `{"SecretId":"db","ClientRequestToken":"00000000-0000-4000-8000-000000000002",` + lambda + `,"RotationRules":{"AutomaticallyAfterDays":1001}}`,
			"ValidationException", "1 validation error detected: Value '1001' at 'rotationRules.automaticallyAfterDays' failed to satisfy constraint: Member must have value less than or equal to 1000"},
		{"a frequency and a schedule", "RotateSecret", `{"SecretId":"db","ClientRequestToken":"00000000-0000-4000-8000-000000000002",` + lambda + `,"RotationRules":{"AutomaticallyAfterDays":7,"ScheduleExpression":"rate(7 days)"}}`,
			"InvalidParameterException", "You cannot specify both rotation frequency and schedule expression together."},
		{"rate(10 day)", "RotateSecret", `{"SecretId":"db","ClientRequestToken":"00000000-0000-4000-8000-000000000002",` + lambda + `,"RotationRules":{"ScheduleExpression":"rate(10 day)"}}`,
			"InvalidParameterException", ""},
		{"MaxResults without Filters", "BatchGetSecretValue", `{"SecretIdList":["db"],"MaxResults":5}`,
			"InvalidParameterException", "'Filters' not specified. 'Filters' must also be specified when 'MaxResults' is provided."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := post(t, h, "secretsmanager."+tc.target, tc.body)
			m := r.decode(t)
			if r.status != 400 || m["__type"] != tc.typ || tc.msg != "" && m["Message"] != tc.msg {
				t.Errorf("%s = %d %v; want %s %q", tc.target, r.status, m, tc.typ, tc.msg)
			}
		})
	}
}
