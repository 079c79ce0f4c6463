package awsapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/secretstore-go/secretstore"
)

// FuzzHandler sends arbitrary targets and bodies through the handler. No
// input may panic it; every answer is 200, 400 or 413 (500 would be a bug
// here: an in-memory store does not fail) with AWS's headers, and every
// error body is exactly {"__type":...,"Message":...}.
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
