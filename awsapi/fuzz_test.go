package awsapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/secretstore-go/secretstore"
)

// FuzzHandler sends arbitrary targets and bodies through the handler. No
// input may panic it; every answer is 200, 400 or 413 (500 would be a bug
// here: an in-memory store does not fail) with AWS's headers, and every
// error body is exactly {"__type":...,"Message":...}. For an operation's
// body, the answer is a SerializationException exactly when decodeRequest
// fails; a body it decodes has its string members decoded exactly
// (checkStringsExact: no U+FFFD in place of what was sent); and a secret
// value a write stores reads back as sent.
//
//	go test -run=^$ -fuzz=FuzzHandler -fuzztime=120s ./awsapi/
func FuzzHandler(f *testing.F) {
	const tok = `"ClientRequestToken":"00000000-0000-4000-8000-000000000001"`
	seeds := []struct{ op, body string }{
		{"CreateSecret", `{"Name":"fuzz/a",` + tok + `,"SecretString":"v","Description":"d","Tags":[{"Key":"k","Value":"v"}]}`},
		{"CreateSecret", `{"Name":"fuzz/b",` + tok + `,"SecretBinary":"AAEC"}`},
		{"PutSecretValue", `{"SecretId":"fuzz/a","ClientRequestToken":"00000000-0000-4000-8000-000000000002","SecretString":"w","VersionStages":["AWSPENDING"]}`},
		{"GetSecretValue", `{"SecretId":"fuzz/a","VersionStage":"AWSCURRENT"}`},
		{"GetSecretValue", `{"SecretId":"arn:aws:secretsmanager:us-east-1:123456789012:secret:fuzz/a","VersionId":"00000000-0000-4000-8000-000000000001"}`},
		{"BatchGetSecretValue", `{"SecretIdList":["fuzz/a","fuzz/b","nope"]}`},
		{"BatchGetSecretValue", `{"Filters":[{"Key":"name","Values":["fuzz/"]}],"MaxResults":1,"NextToken":"x"}`},
		{"DescribeSecret", `{"SecretId":"fuzz/a"}`},
		{"UpdateSecret", `{"SecretId":"fuzz/a","Description":"new","KmsKeyId":"k",` + tok + `,"SecretString":"v"}`},
		{"UpdateSecretVersionStage", `{"SecretId":"fuzz/a","VersionStage":"AWSCURRENT","RemoveFromVersionId":"00000000-0000-4000-8000-000000000001","MoveToVersionId":"00000000-0000-4000-8000-000000000002"}`},
		{"ListSecretVersionIds", `{"SecretId":"fuzz/a","IncludeDeprecated":true,"MaxResults":1}`},
		{"ListSecrets", `{"IncludePlannedDeletion":true,"MaxResults":2,"Filters":[{"Key":"all","Values":["!fuzz"]}],"SortBy":"name","SortOrder":"desc"}`},
		{"TagResource", `{"SecretId":"fuzz/a","Tags":[{"Key":"a","Value":""}]}`},
		{"UntagResource", `{"SecretId":"fuzz/a","TagKeys":["a","b"]}`},
		{"GetRandomPassword", `{"PasswordLength":20,"ExcludeCharacters":"abc","ExcludeNumbers":true,"IncludeSpace":true,"RequireEachIncludedType":false}`},
		{"DeleteSecret", `{"SecretId":"fuzz/b","RecoveryWindowInDays":7}`},
		{"RestoreSecret", `{"SecretId":"fuzz/b"}`},
		{"DeleteSecret", `{"SecretId":"fuzz/b","ForceDeleteWithoutRecovery":true}`},
		{"RotateSecret", `{"SecretId":"fuzz/a"}`},
		{"NoSuchOperation", `{}`},
		{"GetSecretValue", `{"SecretId":null,"secretid":"x"}`},
		{"ListSecrets", `[{"a":[1,2,{"b":null}]}]`},
		{"PutSecretValue", `{"SecretId":"fuzz/a","SecretBinary":"!!",` + tok + `}`},
		{"ListSecrets", ``},
		{"CreateSecret", `{"Name":"fuzz/c",` + tok + `,"SecretString":"\ud83d\ude00 \u00e9","Description":"\ufffd","Tags":[{"Key":"\ud800","Value":"v"}]}`},
		{"PutSecretValue", "{\"SecretId\":\"fuzz/a\",\"ClientRequestToken\":\"00000000-0000-4000-8000-000000000003\",\"SecretString\":\"\xff\\udc00\"}"},
		{"UpdateSecret", `{"SecretId":"fuzz/a","ClientRequestToken":"00000000-0000-4000-8000-000000000004","SecretBinary":[1,2,255]}`},
		{"ReplicateSecretToRegions", `{"SecretId":"fuzz/a","AddReplicaRegions":[{"Region":"eu-west-1","KmsKeyId":"k"}],"ForceOverwriteReplicaSecret":true}`},
		{"RemoveRegionsFromReplication", `{"SecretId":"fuzz/a","RemoveReplicaRegions":["eu-west-1"]}`},
		{"StopReplicationToReplica", `{"SecretId":"fuzz/a"}`},
	}
	for _, s := range seeds {
		f.Add("secretsmanager."+s.op, []byte(s.body))
	}
	f.Add("", []byte(`{}`))

	store, clock := newTestStore(f, secretstore.Options{})
	h := New(store, Options{MaxBodyBytes: 64 << 10, TestMode: true, Clock: clock})

	f.Fuzz(func(t *testing.T, target string, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-amz-json-1.1")
		req.Header.Set("X-Amz-Target", target)
		res := serve(t, h, req)
		if op, ok := strings.CutPrefix(target, "secretsmanager."); ok {
			defer checkStringsStored(t, h, op, body, res)
		}
		if res.header.Get("Content-Type") != "application/x-amz-json-1.1" || !uuidRE.MatchString(res.header.Get("X-Amzn-Requestid")) {
			t.Fatalf("headers %v", res.header)
		}
		var obj map[string]any
		if err := json.Unmarshal(res.body, &obj); err != nil {
			t.Fatalf("status %d: body %q is not a JSON object: %v", res.status, res.body, err)
		}
		switch res.status {
		case http.StatusOK:
			return
		case http.StatusBadRequest, http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %d: %s", res.status, res.body)
		}
		keys, _ := topLevel(t, res.body)
		code, _ := obj["__type"].(string)
		_, hasMsg := obj["Message"].(string)
		if len(keys) != 2 || keys[0] != "__type" || code == "" || !hasMsg {
			t.Fatalf("error body %s", res.body)
		}
	})
}

// requestTypeOf is the request type of each operation the handler serves.
var requestTypeOf = map[string]reflect.Type{
	"CreateSecret":                 reflect.TypeFor[createSecretRequest](),
	"DescribeSecret":               reflect.TypeFor[describeSecretRequest](),
	"UpdateSecret":                 reflect.TypeFor[updateSecretRequest](),
	"TagResource":                  reflect.TypeFor[tagResourceRequest](),
	"UntagResource":                reflect.TypeFor[untagResourceRequest](),
	"PutSecretValue":               reflect.TypeFor[putSecretValueRequest](),
	"GetSecretValue":               reflect.TypeFor[getSecretValueRequest](),
	"BatchGetSecretValue":          reflect.TypeFor[batchGetSecretValueRequest](),
	"UpdateSecretVersionStage":     reflect.TypeFor[updateSecretVersionStageRequest](),
	"ListSecretVersionIds":         reflect.TypeFor[listSecretVersionIdsRequest](),
	"ListSecrets":                  reflect.TypeFor[listSecretsRequest](),
	"DeleteSecret":                 reflect.TypeFor[deleteSecretRequest](),
	"RestoreSecret":                reflect.TypeFor[restoreSecretRequest](),
	"GetRandomPassword":            reflect.TypeFor[getRandomPasswordRequest](),
	"ReplicateSecretToRegions":     reflect.TypeFor[replicateSecretToRegionsRequest](),
	"RemoveRegionsFromReplication": reflect.TypeFor[removeRegionsFromReplicationRequest](),
	"StopReplicationToReplica":     reflect.TypeFor[stopReplicationToReplicaRequest](),
}

// checkStringsStored is FuzzHandler's check of an operation's request:
// the answer res is a SerializationException exactly when decodeRequest
// refuses body; the strings of a body it decodes are exact; and a write
// that stored a SecretString reads it back as sent.
func checkStringsStored(t *testing.T, h http.Handler, op string, body []byte, res rawResponse) {
	t.Helper()
	typ, ok := requestTypeOf[op]
	if !ok || res.status == http.StatusRequestEntityTooLarge {
		return
	}
	v := reflect.New(typ)
	err := decodeRequest(body, v.Interface())
	code, _ := res.decode(t)["__type"].(string)
	if (err != nil) != (code == "SerializationException") {
		t.Fatalf("%s %q: decodeRequest error %v, but the answer is %d %s", op, body, err, res.status, res.body)
	}
	if err != nil {
		return
	}
	checkStringsExact(t, typ, body, v.Elem())
	sent := v.Elem().FieldByName("SecretString")
	if res.status != http.StatusOK || !sent.IsValid() || sent.IsNil() {
		return
	}
	var out struct{ ARN, VersionId string }
	if json.Unmarshal(res.body, &out) != nil || out.VersionId == "" {
		return // no version made (UpdateSecret's metadata, or none)
	}
	q, _ := json.Marshal(map[string]string{"SecretId": out.ARN, "VersionId": out.VersionId})
	got := post(t, h, "secretsmanager.GetSecretValue", string(q))
	var value struct{ SecretString *string }
	if got.status != http.StatusOK || json.Unmarshal(got.body, &value) != nil || value.SecretString == nil || *value.SecretString != sent.Elem().String() {
		t.Fatalf("%s %q stored version %s, which reads back as %d %s", op, body, out.VersionId, got.status, got.body)
	}
}
