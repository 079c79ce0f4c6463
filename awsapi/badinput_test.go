package awsapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

const tok = "11111111-2222-4333-8444-555555555555"

// storeSnapshot returns everything a client can read from store: the
// listing (deleted secrets included), and every secret's versions and
// current value, as JSON through the handler.
func storeSnapshot(t *testing.T, h http.Handler) string {
	t.Helper()
	var b strings.Builder
	list := post(t, h, "secretsmanager.ListSecrets", `{"IncludePlannedDeletion":true}`)
	b.Write(list.body)
	var l struct{ SecretList []struct{ Name string } }
	if err := json.Unmarshal(list.body, &l); err != nil {
		t.Fatal(err)
	}
	for _, s := range l.SecretList {
		id, _ := json.Marshal(s.Name)
		b.Write(post(t, h, "secretsmanager.ListSecretVersionIds", `{"IncludeDeprecated":true,"SecretId":`+string(id)+`}`).body)
		b.Write(post(t, h, "secretsmanager.GetSecretValue", `{"SecretId":`+string(id)+`}`).body)
	}
	return b.String()
}

// TestBadInput sends malformed and invalid requests and checks each gets
// the AWS error it should, in AWS's format, and that none changes the
// store.
func TestBadInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _ := newTestStore(t, secretstore.Options{})
	h := New(store, Options{MaxBodyBytes: 4096})
	for _, in := range []*secretstore.CreateSecretInput{
		{Name: "s1", SecretString: "TOPSECRET-one", Tags: []secretstore.Tag{{Key: "k", Value: "v"}}},
		{Name: "s2", SecretBinary: []byte("TOPSECRET-two")},
		{Name: "empty"},
	} {
		if _, err := store.CreateSecret(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.PutSecretValue(ctx, &secretstore.PutSecretValueInput{SecretId: "s1", SecretString: "TOPSECRET-three", ClientRequestToken: tok}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Delete(ctx, "s2", 7); err != nil {
		t.Fatal(err)
	}
	storeSnapshot(t, h) // the reads record LastAccessedDate once
	before := storeSnapshot(t, h)

	const (
		ser = "SerializationException"
		val = "ValidationException"
		unk = "UnknownOperationException"
	)
	tests := []struct {
		name        string
		method      string // default POST
		target      string // "secretsmanager." + target unless it has a dot or is "-"
		contentType string // default application/x-amz-json-1.1
		body        string
		status      int // default 400
		code        string
		msg         string // the exact message, or a part of it ending in "…"
	}{
		// Malformed JSON and member types.
		{name: "truncated JSON", target: "GetSecretValue", body: `{"SecretId":"s1"`, code: ser, msg: "The request body is not valid JSON (at byte offset 16)."},
		{name: "garbage after the object", target: "GetSecretValue", body: `{"SecretId":"s1"} x`, code: ser, msg: "The request body is not valid JSON…"},
		{name: "not JSON at all", target: "DeleteSecret", body: `SecretId=s1`, code: ser, msg: "The request body is not valid JSON…"},
		{name: "string member given a number", target: "DeleteSecret", body: `{"SecretId":5}`, code: ser, msg: "NUMBER_VALUE can not be converted to a String"},
		{name: "integer member given a string", target: "ListSecrets", body: `{"MaxResults":"5"}`, code: ser, msg: "STRING_VALUE can not be converted to an Integer"},
		{name: "integer member given a fraction", target: "ListSecrets", body: `{"MaxResults":1.5}`, code: ser, msg: "NUMBER_VALUE can not be converted to an Integer"},
		{name: "integer member overflowing", target: "ListSecrets", body: `{"MaxResults":4294967296}`, code: ser, msg: "NUMBER_VALUE can not be converted to an Integer"},
		{name: "long member given a string", target: "DeleteSecret", body: `{"SecretId":"s1","RecoveryWindowInDays":"7"}`, code: ser, msg: "STRING_VALUE can not be converted to a Long"},
		{name: "boolean member given a string", target: "DeleteSecret", body: `{"SecretId":"s1","ForceDeleteWithoutRecovery":"true"}`, code: ser, msg: "STRING_VALUE can not be converted to a Boolean"},
		{name: "string member given an object", target: "DeleteSecret", body: `{"SecretId":{"a":1}}`, code: ser, msg: "Start of structure or map found where not expected."},
		{name: "string member given a list", target: "DeleteSecret", body: `{"SecretId":["s1"]}`, code: ser, msg: "Start of list found where not expected."},
		{name: "list member given a string", target: "TagResource", body: `{"SecretId":"s1","Tags":"k=v"}`, code: ser, msg: "STRING_VALUE can not be converted to a List"},
		{name: "list of strings given numbers", target: "PutSecretValue", body: `{"SecretId":"s1","SecretString":"TOPSECRET","ClientRequestToken":"` + tok + `","VersionStages":[1]}`, code: ser, msg: "NUMBER_VALUE can not be converted to a String"},
		{name: "structure given a string", target: "ListSecrets", body: `{"Filters":["name"]}`, code: ser, msg: "STRING_VALUE can not be converted to a Structure"},
		{name: "body is a list", target: "ListSecrets", body: `[]`, code: ser, msg: "Start of list found where not expected."},
		{name: "body is a string", target: "ListSecrets", body: `"TOPSECRET"`, code: ser, msg: "STRING_VALUE can not be converted to a Structure"},
		{name: "bad base64", target: "PutSecretValue", body: `{"SecretId":"s1","ClientRequestToken":"` + tok + `","SecretBinary":"TOPSECRET!!"}`, code: ser, msg: "Invalid Base64…"},
		{name: "base64 without padding", target: "PutSecretValue", body: `{"SecretId":"s1","ClientRequestToken":"` + tok + `","SecretBinary":"YWI"}`, code: ser, msg: "Invalid Base64…"},
		{name: "unsupported content type", target: "GetSecretValue", contentType: "text/plain", body: `{"SecretId":"s1"}`, code: ser, msg: `Unsupported Content-Type "text/plain"…`},

		// Operation and method.
		{name: "unknown operation", target: "GetSecretValues", body: `{}`, code: unk, msg: `Unknown operation "secretsmanager.GetSecretValues"…`},
		{name: "operation of another service", target: "kms.Decrypt", body: `{}`, code: unk, msg: `Unknown operation "kms.Decrypt"…`},
		{name: "no X-Amz-Target", target: "-", body: `{}`, code: unk, msg: "The X-Amz-Target header is missing…"},
		{name: "rotation without a function", target: "RotateSecret", body: `{"SecretId":"s1"}`, code: "InvalidRequestException", msg: "No Lambda rotation function ARN is associated with this secret."},
		{name: "an empty policy", target: "PutResourcePolicy", body: `{"SecretId":"s1","ResourcePolicy":"{}"}`, code: "MalformedPolicyDocumentException", msg: "The resource policy is not a valid policy document: …"},
		{name: "rotation rules of the wrong type", target: "RotateSecret", body: `{"SecretId":"s1","RotationRules":{"AutomaticallyAfterDays":"7"}}`, code: "SerializationException", msg: "STRING_VALUE can not be converted to a Long"},
		{name: "GET", method: http.MethodGet, target: "ListSecrets", status: http.StatusNotFound, code: unk, msg: "secretstore serves the Secrets Manager API with POST requests only, not GET."},
		{name: "PUT", method: http.MethodPut, target: "DeleteSecret", body: `{"SecretId":"s1","ForceDeleteWithoutRecovery":true}`, status: http.StatusNotFound, code: unk, msg: "…not PUT."},
		{name: "body over the limit", target: "PutSecretValue", body: `{"SecretId":"s1","ClientRequestToken":"` + tok + `","SecretString":"` + strings.Repeat("x", 4096) + `"}`,
			status: http.StatusRequestEntityTooLarge, code: "RequestEntityTooLargeException", msg: "The request body is larger than the limit of 4096 bytes."},

		// Required members absent, or null, or in the wrong case.
		{name: "SecretId absent", target: "GetSecretValue", body: `{}`, code: val, msg: "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null"},
		{name: "empty body", target: "DeleteSecret", body: ``, code: val, msg: "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null"},
		{name: "null body", target: "RestoreSecret", body: `null`, code: val, msg: "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null"},
		{name: "SecretId null", target: "DescribeSecret", body: `{"SecretId":null}`, code: val, msg: "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null"},
		{name: "member name in the wrong case", target: "DeleteSecret", body: `{"secretid":"s1","ForceDeleteWithoutRecovery":true}`, code: val, msg: "1 validation error detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null"},
		{name: "Name absent", target: "CreateSecret", body: `{"SecretString":"TOPSECRET","ClientRequestToken":"` + tok + `"}`, code: val, msg: "1 validation error detected: Value null at 'name' failed to satisfy constraint: Member must not be null"},
		{name: "two members absent", target: "UpdateSecretVersionStage", body: `{"MoveToVersionId":"` + tok + `"}`, code: val,
			msg: "2 validation errors detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null; Value null at 'versionStage' failed to satisfy constraint: Member must not be null"},
		{name: "Tags absent", target: "TagResource", body: `{"SecretId":"s1"}`, code: val, msg: "1 validation error detected: Value null at 'tags' failed to satisfy constraint: Member must not be null"},
		{name: "TagKeys absent", target: "UntagResource", body: `{"SecretId":"s1","TagKeys":null}`, code: val, msg: "1 validation error detected: Value null at 'tagKeys' failed to satisfy constraint: Member must not be null"},
		{name: "value null is no value", target: "PutSecretValue", body: `{"SecretId":"s1","SecretString":null,"SecretBinary":null,"ClientRequestToken":"` + tok + `"}`,
			code: "InvalidRequestException", msg: "You must provide either SecretString or SecretBinary."},

		// Present but empty: what the library would read as absent.
		{name: "SecretString empty", target: "PutSecretValue", body: `{"SecretId":"s1","SecretString":"","ClientRequestToken":"` + tok + `"}`, code: val,
			msg: "1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{name: "SecretBinary empty", target: "CreateSecret", body: `{"Name":"new","SecretBinary":"","ClientRequestToken":"` + tok + `"}`, code: val,
			msg: "1 validation error detected: Value at 'secretBinary' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{name: "SecretString empty on update", target: "UpdateSecret", body: `{"SecretId":"s1","SecretString":""}`, code: val,
			msg: "1 validation error detected: Value at 'secretString' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{name: "ClientRequestToken empty", target: "CreateSecret", body: `{"Name":"new","SecretString":"TOPSECRET","ClientRequestToken":""}`, code: val,
			msg: "1 validation error detected: Value at 'clientRequestToken' failed to satisfy constraint: Member must have length greater than or equal to 32"},
		{name: "VersionStages empty", target: "PutSecretValue", body: `{"SecretId":"s1","SecretString":"TOPSECRET","ClientRequestToken":"` + tok + `","VersionStages":[]}`, code: val,
			msg: "1 validation error detected: Value '[]' at 'versionStages' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{name: "VersionId empty", target: "GetSecretValue", body: `{"SecretId":"s1","VersionId":""}`, code: val,
			msg: "1 validation error detected: Value at 'versionId' failed to satisfy constraint: Member must have length greater than or equal to 32"},
		{name: "VersionStage empty", target: "GetSecretValue", body: `{"SecretId":"s1","VersionStage":""}`, code: val,
			msg: "1 validation error detected: Value at 'versionStage' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{name: "MoveToVersionId empty", target: "UpdateSecretVersionStage", body: `{"SecretId":"s1","VersionStage":"X","MoveToVersionId":""}`, code: val,
			msg: "1 validation error detected: Value at 'moveToVersionId' failed to satisfy constraint: Member must have length greater than or equal to 32"},
		{name: "MaxResults 0", target: "ListSecrets", body: `{"MaxResults":0}`, code: val,
			msg: "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{name: "MaxResults 0 for versions", target: "ListSecretVersionIds", body: `{"SecretId":"s1","MaxResults":0}`, code: val,
			msg: "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{name: "NextToken empty", target: "ListSecrets", body: `{"NextToken":""}`, code: val,
			msg: "1 validation error detected: Value at 'nextToken' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{name: "SortOrder empty", target: "ListSecrets", body: `{"SortOrder":""}`, code: val,
			msg: "1 validation error detected: Value '' at 'sortOrder' failed to satisfy constraint: Member must satisfy enum value set: [asc, desc]"},
		{name: "PasswordLength 0", target: "GetRandomPassword", body: `{"PasswordLength":0}`, code: val,
			msg: "1 validation error detected: Value '0' at 'passwordLength' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{name: "SecretIdList empty", target: "BatchGetSecretValue", body: `{"SecretIdList":[]}`, code: val,
			msg: "1 validation error detected: Value '[]' at 'secretIdList' failed to satisfy constraint: Member must have length greater than or equal to 1"},
		{name: "MaxResults 0 for batch", target: "BatchGetSecretValue", body: `{"Filters":[{"Key":"name","Values":["s"]}],"MaxResults":0}`, code: val,
			msg: "1 validation error detected: Value '0' at 'maxResults' failed to satisfy constraint: Member must have value greater than or equal to 1"},
		{name: "several violations", target: "PutSecretValue", body: `{"SecretString":"","VersionStages":[]}`, code: val,
			msg: "3 validation errors detected: Value null at 'secretId' failed to satisfy constraint: Member must not be null; Value at 'secretString' failed to satisfy constraint: Member must have length greater than or equal to 1; Value '[]' at 'versionStages' failed to satisfy constraint: Member must have length greater than or equal to 1"},

		// A value without a ClientRequestToken (raw HTTP).
		{name: "CreateSecret value without token", target: "CreateSecret", body: `{"Name":"new","SecretString":"TOPSECRET"}`, code: "InvalidRequestException", msg: awsmodel.MissingToken},
		{name: "PutSecretValue value without token", target: "PutSecretValue", body: `{"SecretId":"s1","SecretBinary":"AAE="}`, code: "InvalidRequestException", msg: awsmodel.MissingToken},
		{name: "UpdateSecret value without token", target: "UpdateSecret", body: `{"SecretId":"s1","SecretString":"TOPSECRET"}`, code: "InvalidRequestException", msg: awsmodel.MissingToken},

		// Errors of the library, passed through.
		{name: "bad name", target: "CreateSecret", body: `{"Name":"TOPSECRET name"}`, code: val, msg: "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!"},
		{name: "replica region not a region", target: "CreateSecret", body: `{"Name":"new","AddReplicaRegions":[{"Region":"Europe"}]}`, code: "ValidationException", msg: "1 validation error detected: Value 'Europe' at 'addReplicaRegions.1.member.region' failed to satisfy constraint: Member must satisfy regular expression pattern: ^([a-z]+-)+\\d+$"},
		{name: "replica in the primary's region", target: "CreateSecret", body: `{"Name":"new","AddReplicaRegions":[{"Region":"us-east-1"}]}`, code: "InvalidParameterException", msg: "Invalid replica region."},
		{name: "no replica regions", target: "ReplicateSecretToRegions", body: `{"SecretId":"s1"}`, code: "ValidationException", msg: "1 validation error detected: Value null at 'addReplicaRegions' failed to satisfy constraint: Member must not be null"},
		{name: "replicate a secret scheduled for deletion", target: "ReplicateSecretToRegions", body: `{"SecretId":"s2","AddReplicaRegions":[{"Region":"eu-west-1"}]}`, code: "InvalidRequestException", msg: "You can't perform this operation on the secret because it was marked for deletion."},
		{name: "force flag of the wrong type", target: "ReplicateSecretToRegions", body: `{"SecretId":"s1","AddReplicaRegions":[{"Region":"eu-west-1"}],"ForceOverwriteReplicaSecret":"yes"}`, code: "SerializationException", msg: "STRING_VALUE can not be converted to a Boolean"},
		{name: "stop replication of a primary", target: "StopReplicationToReplica", body: `{"SecretId":"s1"}`, code: "InvalidRequestException", msg: "Secret arn:aws:secretsmanager:us-east-1:123456789012:secret:s1-…"},
		{name: "not found", target: "DescribeSecret", body: `{"SecretId":"nope"}`, code: "ResourceNotFoundException", msg: "Secrets Manager can't find the specified secret."},
		{name: "both values", target: "UpdateSecret", body: `{"SecretId":"s1","SecretString":"TOPSECRET","SecretBinary":"AAE=","ClientRequestToken":"` + tok + `"}`, code: "InvalidParameterException", msg: "You can't specify both a binary secret value and a string secret value in the same secret."},
		{name: "token reused with another value", target: "PutSecretValue", body: `{"SecretId":"s1","SecretString":"TOPSECRET-other","ClientRequestToken":"` + tok + `"}`, code: "ResourceExistsException", msg: "You can't use ClientRequestToken " + tok + "…"},
		{name: "deleted secret", target: "GetSecretValue", body: `{"SecretId":"s2"}`, code: "InvalidRequestException", msg: "You can't perform this operation on the secret because it was marked for deletion."},
		{name: "window and force", target: "DeleteSecret", body: `{"SecretId":"s1","RecoveryWindowInDays":7,"ForceDeleteWithoutRecovery":true}`, code: "InvalidParameterException", msg: "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays."},
		{name: "window 0", target: "DeleteSecret", body: `{"SecretId":"s1","RecoveryWindowInDays":0}`, code: "InvalidParameterException", msg: "The RecoveryWindowInDays value must be between 7 and 30 days (inclusive)."},
		{name: "empty SecretId", target: "DeleteSecret", body: `{"SecretId":"","ForceDeleteWithoutRecovery":true}`, code: val,
			msg: "1 validation error detected: Value at 'secretId' failed to satisfy constraint: Member must have length greater than or equal to 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			method := tt.method
			if method == "" {
				method = http.MethodPost
			}
			req := httptest.NewRequest(method, "/", strings.NewReader(tt.body))
			if tt.name == "body over the limit" {
				// No Content-Length: the limit must hold while reading.
				req = httptest.NewRequest(method, "/", io.MultiReader(strings.NewReader(tt.body)))
			}
			ct := tt.contentType
			if ct == "" {
				ct = "application/x-amz-json-1.1"
			}
			req.Header.Set("Content-Type", ct)
			switch {
			case tt.target == "-":
			case strings.Contains(tt.target, "."):
				req.Header.Set("X-Amz-Target", tt.target)
			default:
				req.Header.Set("X-Amz-Target", "secretsmanager."+tt.target)
			}
			res := serve(t, h, req)
			status := tt.status
			if status == 0 {
				status = http.StatusBadRequest
			}
			if res.status != status {
				t.Errorf("status %d, want %d; body %s", res.status, status, res.body)
			}
			checkErrorBody(t, res, tt.code, tt.msg)
			if bytes.Contains(res.body, []byte("TOPSECRET")) {
				t.Errorf("the error echoes a secret value: %s", res.body)
			}
		})
	}
	if after := storeSnapshot(t, h); after != before {
		t.Errorf("the store changed:\nbefore %s\nafter  %s", before, after)
	}
}

// checkErrorBody checks that res is an AWS error body: exactly
// {"__type":code,"Message":msg} in that order, with AWS's headers. A msg
// that starts or ends with "…" is matched as a part.
func checkErrorBody(t *testing.T, res rawResponse, code, msg string) {
	t.Helper()
	if ct := res.header.Get("Content-Type"); ct != "application/x-amz-json-1.1" {
		t.Errorf("Content-Type %q", ct)
	}
	if id := res.header.Get("X-Amzn-Requestid"); !uuidRE.MatchString(id) {
		t.Errorf("X-Amzn-Requestid %q", id)
	}
	if res.header.Get("Content-Length") != "" && res.header.Get("Content-Length") != itoa(len(res.body)) {
		t.Errorf("Content-Length %s for %d bytes", res.header.Get("Content-Length"), len(res.body))
	}
	keys, vals := topLevel(t, res.body)
	if len(keys) != 2 || keys[0] != "__type" || keys[1] != "Message" {
		t.Fatalf("error body %s: want exactly __type then Message", res.body)
	}
	if vals["__type"] != code {
		t.Errorf("__type %v, want %s (message %v)", vals["__type"], code, vals["Message"])
	}
	got := vals["Message"].(string)
	switch want := msg; {
	case strings.HasPrefix(want, "…"):
		if !strings.HasSuffix(got, strings.TrimPrefix(want, "…")) {
			t.Errorf("Message %q, want one ending %q", got, want)
		}
	case strings.HasSuffix(want, "…"):
		if !strings.HasPrefix(got, strings.TrimSuffix(want, "…")) {
			t.Errorf("Message %q, want one starting %q", got, want)
		}
	default:
		if got != want {
			t.Errorf("Message %q,\n want %q", got, want)
		}
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// regionSnapshot is storeSnapshot for what a client signing for region
// sees, with every secret's DescribeSecret too (replication status, tags,
// description, rotation).
func regionSnapshot(t *testing.T, h http.Handler, region string) string {
	t.Helper()
	send := func(target, body string) []byte {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "secretsmanager."+target)
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240207/"+region+
			"/secretsmanager/aws4_request, SignedHeaders=host, Signature="+strings.Repeat("0", 64))
		return serve(t, h, req).body
	}
	var b strings.Builder
	list := send("ListSecrets", `{"IncludePlannedDeletion":true}`)
	b.Write(list)
	var l struct{ SecretList []struct{ Name string } }
	if err := json.Unmarshal(list, &l); err != nil {
		t.Fatal(err)
	}
	for _, s := range l.SecretList {
		id, _ := json.Marshal(s.Name)
		for _, op := range []string{"DescribeSecret", "ListSecretVersionIds", "GetSecretValue"} {
			b.Write(send(op, `{"IncludeDeprecated":true,"SecretId":`+string(id)+`}`))
		}
	}
	return b.String()
}

// TestRefusedValuesChangeNothing sends, to every operation, requests that
// would succeed but for one member: a string member holding invalid UTF-8
// or an escape for an unpaired surrogate (which encoding/json would store
// as U+FFFD), a blob that is not a base64 string, a member of the wrong JSON
// type. Each must be a SerializationException naming the member (for a
// string) and never the value, and must leave the store as it was: both
// regions are compared after every request. Then the same requests with a
// good value succeed, showing it was that member that was refused.
func TestRefusedValuesChangeNothing(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	store, _ := newTestStore(t, secretstore.Options{})
	h := New(store, Options{})
	for _, in := range []*secretstore.CreateSecretInput{
		{Name: "s1", SecretString: "TOPSECRET-one", Tags: []secretstore.Tag{{Key: "k", Value: "v"}}},
		{Name: "s2", SecretBinary: []byte("TOPSECRET-two")},
		{Name: "rep", SecretString: "TOPSECRET-rep", AddReplicaRegions: []secretstore.ReplicaRegionType{{Region: "eu-west-1"}}},
	} {
		if _, err := store.CreateSecret(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.PutSecretValue(ctx, &secretstore.PutSecretValueInput{SecretId: "s1", SecretString: "TOPSECRET-three", ClientRequestToken: tok, VersionStages: []string{"OLD"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := store.Delete(ctx, "s2", 7); err != nil {
		t.Fatal(err)
	}
	snapshot := func() string { return regionSnapshot(t, h, "us-east-1") + regionSnapshot(t, h, "eu-west-1") }
	snapshot() // the reads record LastAccessedDate once
	before := snapshot()

	token := func(n int) string { return fmt.Sprintf(`"00000000-0000-4000-8000-%012d"`, n) }
	strs := []string{`"TOPSECRET\udc00"`, `"TOPSECRET\ud800x"`, `"\ud800TOPSECRET"`, "\"TOPSECRET\xff\"", "\"TOPSECRET\xed\xa0\x80\"", "\"TOPSECRET\\n\xc3\""}
	blobs := []string{`[1,2,255]`, `[]`, `255`, `true`, `{}`, `"TOPSECRET!"`}
	bools := []string{`"yes"`, `"true"`, `1`, `{}`, `[true]`}
	cases := []struct {
		target string // "region:Op" for a region other than us-east-1
		body   string // @ is where the value goes
		member string // the string member the message names; "" for a type error
		bad    []string
		good   string
	}{
		{"CreateSecret", `{"Name":@,"ClientRequestToken":` + token(1) + `,"SecretString":"v"}`, "Name", strs, `"new1"`},
		{"CreateSecret", `{"Name":"new2","ClientRequestToken":@,"SecretString":"v"}`, "ClientRequestToken", strs, token(2)},
		{"CreateSecret", `{"Name":"new3","Description":@}`, "Description", strs, `"d"`},
		{"CreateSecret", `{"Name":"new4","KmsKeyId":@}`, "KmsKeyId", strs, `"alias/k"`},
		{"CreateSecret", `{"Name":"new5","ClientRequestToken":` + token(5) + `,"SecretString":@}`, "SecretString", strs, `"TOPSECRET-five😀"`},
		{"CreateSecret", `{"Name":"new6","ClientRequestToken":` + token(6) + `,"SecretBinary":@}`, "", blobs, `"AAEC/w=="`},
		{"CreateSecret", `{"Name":"new7","Tags":[{"Key":"a","Value":"b"},{"Key":@,"Value":"v"}]}`, "Tags[1].Key", strs, `"k"`},
		{"CreateSecret", `{"Name":"new8","Tags":[{"Key":"k","Value":@}]}`, "Tags[0].Value", strs, `"\ud83d\ude00"`},
		{"CreateSecret", `{"Name":"new9","Tags":@}`, "", []string{`{"Key":"k","Value":"v"}`, `"k=v"`, `[["k","v"]]`, `[1]`}, `[]`},
		{"CreateSecret", `{"Name":"new10","AddReplicaRegions":[{"Region":@}]}`, "AddReplicaRegions[0].Region", strs, `"eu-west-1"`},
		{"CreateSecret", `{"Name":"new11","AddReplicaRegions":[{"Region":"eu-west-1","KmsKeyId":@}]}`, "AddReplicaRegions[0].KmsKeyId", strs, `"alias/eu"`},
		{"CreateSecret", `{"Name":"new12","AddReplicaRegions":[{"Region":"eu-west-1"}],"ForceOverwriteReplicaSecret":@}`, "", bools, `true`},
		{"CreateSecret", `{"Name":"new13","AddReplicaRegions":@}`, "", []string{`{"Region":"eu-west-1"}`, `"eu-west-1"`, `["eu-west-1"]`}, `[{"Region":"eu-west-1"}]`},
		{"PutSecretValue", `{"SecretId":@,"ClientRequestToken":` + token(20) + `,"SecretString":"v"}`, "SecretId", strs, `"s1"`},
		{"PutSecretValue", `{"SecretId":"s1","ClientRequestToken":` + token(21) + `,"SecretString":@}`, "SecretString", strs, `"TOPSECRET-21"`},
		{"PutSecretValue", `{"SecretId":"s1","ClientRequestToken":` + token(22) + `,"SecretBinary":@}`, "", blobs, `"AAEC"`},
		{"PutSecretValue", `{"SecretId":"s1","ClientRequestToken":` + token(23) + `,"SecretString":"v","VersionStages":["A",@]}`, "VersionStages[1]", strs, `"B"`},
		{"PutSecretValue", `{"SecretId":"s1","ClientRequestToken":` + token(24) + `,"SecretString":"v","VersionStages":@}`, "", []string{`"AWSCURRENT"`, `{}`, `[1]`, `true`}, `["C"]`},
		{"PutSecretValue", `{"SecretId":"s1","ClientRequestToken":` + token(25) + `,"SecretString":"v","RotationToken":@}`, "RotationToken", strs, token(99)},
		{"UpdateSecret", `{"SecretId":"s1","Description":@}`, "Description", strs, `"new description"`},
		{"UpdateSecret", `{"SecretId":"s1","KmsKeyId":@}`, "KmsKeyId", strs, `"alias/k2"`},
		{"UpdateSecret", `{"SecretId":"s1","ClientRequestToken":` + token(30) + `,"SecretString":@}`, "SecretString", strs, `"TOPSECRET-30"`},
		{"UpdateSecret", `{"SecretId":"s1","ClientRequestToken":` + token(31) + `,"SecretBinary":@}`, "", blobs, `"AAE="`},
		{"TagResource", `{"SecretId":"s1","Tags":[{"Key":"k2","Value":@}]}`, "Tags[0].Value", strs, `"v2"`},
		{"TagResource", `{"SecretId":"s1","Tags":[{"Key":@,"Value":"v"}]}`, "Tags[0].Key", strs, `"k3"`},
		{"UntagResource", `{"SecretId":"s1","TagKeys":[@]}`, "TagKeys[0]", strs, `"k"`},
		{"UntagResource", `{"SecretId":"s1","TagKeys":@}`, "", []string{`"k"`, `{"k":1}`, `[1]`}, `["k2"]`},
		{"UpdateSecretVersionStage", `{"SecretId":"s1","VersionStage":@,"MoveToVersionId":"` + tok + `"}`, "VersionStage", strs, `"CUSTOM"`},
		{"UpdateSecretVersionStage", `{"SecretId":"s1","VersionStage":"OLD","RemoveFromVersionId":@}`, "RemoveFromVersionId", strs, `"` + tok + `"`},
		{"ReplicateSecretToRegions", `{"SecretId":"s1","AddReplicaRegions":[{"Region":"ap-south-1","KmsKeyId":@}]}`, "AddReplicaRegions[0].KmsKeyId", strs, `"alias/ap"`},
		{"ReplicateSecretToRegions", `{"SecretId":"s1","AddReplicaRegions":[{"Region":"eu-central-1"}],"ForceOverwriteReplicaSecret":@}`, "", bools, `false`},
		{"ReplicateSecretToRegions", `{"SecretId":"s1","AddReplicaRegions":@}`, "", []string{`{"Region":"eu-north-1"}`, `"eu-north-1"`, `["eu-north-1"]`, `1`}, `[{"Region":"eu-north-1"}]`},
		{"RemoveRegionsFromReplication", `{"SecretId":"s1","RemoveReplicaRegions":[@]}`, "RemoveReplicaRegions[0]", strs, `"ap-south-1"`},
		{"eu-west-1:StopReplicationToReplica", `{"SecretId":@}`, "SecretId", strs, `"rep"`},
		{"GetSecretValue", `{"SecretId":"s1","VersionStage":@}`, "VersionStage", strs, `"AWSCURRENT"`},
		{"DescribeSecret", `{"SecretId":@}`, "SecretId", strs, `"s1"`},
		{"ListSecretVersionIds", `{"SecretId":@}`, "SecretId", strs, `"s1"`},
		{"ListSecrets", `{"Filters":[{"Key":"name","Values":["x",@]}]}`, "Filters[0].Values[1]", strs, `"s"`},
		{"ListSecrets", `{"Filters":[{"Key":@,"Values":["s"]}]}`, "Filters[0].Key", strs, `"name"`},
		{"ListSecrets", `{"MaxResults":@}`, "", []string{`"5"`, `1.5`, `true`, `[5]`}, `5`},
		{"BatchGetSecretValue", `{"SecretIdList":[@]}`, "SecretIdList[0]", strs, `"s1"`},
		{"GetRandomPassword", `{"ExcludeCharacters":@}`, "ExcludeCharacters", strs, `"abc"`},
		{"GetRandomPassword", `{"IncludeSpace":@}`, "", bools, `true`},
		{"RestoreSecret", `{"SecretId":@}`, "SecretId", strs, `"s2"`},
		{"DeleteSecret", `{"SecretId":@,"ForceDeleteWithoutRecovery":true}`, "SecretId", strs, `"new3"`},
		{"DeleteSecret", `{"SecretId":"new4","RecoveryWindowInDays":@}`, "", []string{`"7"`, `7.5`, `false`, `{}`}, `7`},
		{"DeleteSecret", `{"SecretId":"new1","ForceDeleteWithoutRecovery":@}`, "", bools, `true`},
	}
	send := func(target, body string) rawResponse {
		region := "us-east-1"
		if r, op, ok := strings.Cut(target, ":"); ok {
			region, target = r, op
		}
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", "secretsmanager."+target)
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240207/"+region+
			"/secretsmanager/aws4_request, SignedHeaders=host, Signature="+strings.Repeat("0", 64))
		return serve(t, h, req)
	}
	for _, c := range cases {
		for _, bad := range c.bad {
			body := strings.Replace(c.body, "@", bad, 1)
			res := send(c.target, body)
			if res.status != http.StatusBadRequest {
				t.Errorf("%s %q: status %d, want 400; body %s", c.target, body, res.status, res.body)
			}
			checkErrorBody(t, res, "SerializationException", "…")
			msg, _ := res.decode(t)["Message"].(string)
			if c.member != "" && (!strings.HasPrefix(msg, "Invalid ") || !strings.Contains(msg, " string member "+c.member+":")) {
				t.Errorf("%s %q: message %q does not name the member %s", c.target, body, msg, c.member)
			}
			if bytes.Contains(res.body, []byte("TOPSECRET")) {
				t.Errorf("the error echoes a value: %s", res.body)
			}
			if after := snapshot(); after != before {
				t.Fatalf("%s %q changed the store:\nbefore %s\nafter  %s", c.target, body, before, after)
			}
		}
	}
	// The same requests with a good value: each succeeds.
	for _, c := range cases {
		body := strings.Replace(c.body, "@", c.good, 1)
		if res := send(c.target, body); res.status != http.StatusOK {
			t.Errorf("%s %s: status %d, body %s", c.target, body, res.status, res.body)
		}
	}
	// And the strings stored are the strings sent, to the character.
	got, err := store.Get(ctx, "new5")
	if err != nil || got != "TOPSECRET-five😀" {
		t.Errorf("new5 = %q, %v", got, err)
	}
	d, err := store.DescribeSecret(ctx, &secretstore.DescribeSecretInput{SecretId: "new8"})
	if err != nil || len(d.Tags) != 1 || d.Tags[0].Value != "😀" {
		t.Errorf("new8's tags = %+v, %v", d, err)
	}
}
