package awsapi

import (
	"bytes"
	"fmt"
	"reflect"
	"testing"
)

// requestTypes are the request types decodeRequest decodes into.
var requestTypes = []any{
	createSecretRequest{}, describeSecretRequest{}, updateSecretRequest{},
	tagResourceRequest{}, untagResourceRequest{}, putSecretValueRequest{},
	getSecretValueRequest{}, batchGetSecretValueRequest{},
	updateSecretVersionStageRequest{}, listSecretVersionIdsRequest{},
	listSecretsRequest{}, deleteSecretRequest{}, restoreSecretRequest{},
	getRandomPasswordRequest{},
}

// decodeBodies are bodies on and off decodeRequest's fast path.
var decodeBodies = []string{
	`{"SecretId":"a"}`,
	`{"SecretId":"a","VersionId":"00000000-0000-4000-8000-000000000001","VersionStage":"AWSCURRENT"}`,
	`{"SecretId":"a","ClientRequestToken":"00000000-0000-4000-8000-000000000001","SecretString":"v","VersionStages":["x","y"]}`,
	`{"Name":"a","SecretBinary":"AAEC","Tags":[{"Key":"k","Value":"v"},{"Key":"k2","Value":""}],"AddReplicaRegions":[{"Region":"r","KmsKeyId":"k"}]}`,
	`{"Filters":[{"Key":"name","Values":["a","b"]}],"MaxResults":3,"NextToken":"t","SortOrder":"asc"}`,
	`{"SecretIdList":["a","b"],"MaxResults":1}`,
	`{"PasswordLength":20,"ExcludeNumbers":true,"RequireEachIncludedType":false}`,
	`{"SecretId":"a","RecoveryWindowInDays":7,"ForceDeleteWithoutRecovery":false}`,
	` { "SecretId" : "a" , "Unknown" : {"x":[1,{"y":null}]} } `,
	`{"SecretId":"a\"b\\c\u00e9\ud83d\ude00"}`,
	`{"SecretId":"a","SecretString":"\xff\xfe"}`,
	// decodeFlat's edges: empty and null lists, escapes, control bytes,
	// UTF-8 good and bad, whitespace, broken punctuation.
	"{}",
	`{"SecretId":"a","VersionStages":[]}`,
	`{"SecretId":"a","VersionStages":null,"SecretString":null}`,
	`{"VersionStages":["a",null]}`,
	`{"VersionStages":["a",]}`,
	`{"VersionStages":["a" "b"]}`,
	`{"VersionStages":[ "a" , "b" ]}`,
	`{"SecretId":"\u0000\n\t\/"}`,
	"{\"SecretId\":\"a\x01b\"}",
	"{\"SecretId\":\"a\x7fb\"}",
	`{"SecretId":"é","SecretString":"日本"}`,
	"{\"SecretId\":\"\xc3\"}",
	`{"SecretId":"\ud800"}`,
	`{"SecretId":"\x"}`,
	"\t{\r\n\"SecretId\"\n:\t\"a\"\r\n}\n",
	`{"SecretId":"a",}`,
	`{"SecretId" "a"}`,
	`{"SecretId":"a"}x`,
	`{"SecretId":nul}`,
	`{"SecretId":nullx}`,
	`{"SecretId":"a""VersionId":"b"}`,
	`{"SecretId":"a","RotationToken":"r"}`,
	// Not exact: case, escapes, non-ASCII, duplicates.
	`{"secretid":"a"}`,
	`{"SecretId":null,"secretid":"x"}`,
	`{"SECRETID":"a","SecretId":"b"}`,
	`{"Secret\u0049d":"a"}`,
	`{"ſecretId":"a"}`,
	`{"SecretId":"a","SecretId":"b"}`,
	`{"SecretId":"a","SecretId":null}`,
	`{"Filters":[{"Key":"name","Values":["a"],"Key":"tag-key"}]}`,
	`{"Filters":[{"Key":"name","Values":["a"]}],"Filters":[{"Key":"tag-key"}]}`,
	`{"Tags":[{"key":"k","Value":"v"}],"Name":"a"}`,
	`{"Tags":[{"Key":"k","VALUE":"v"}],"Name":"a"}`,
	`{"TagKeys":["SecretId","secretid"],"SecretId":"a"}`,
	// Type errors: the exact path's message, whatever the order.
	`{"SecretId":1,"ClientRequestToken":true}`,
	`{"VersionStages":"x","SecretId":{}}`,
	`{"MaxResults":1e400}`,
	`{"MaxResults":"1"}`,
	`{"SecretBinary":"!!"}`,
	`{"Tags":{"Key":"k"}}`,
	`{"Filters":[{"Values":[1]}]}`,
	// Not objects, not JSON.
	`null`, `[]`, `[{"SecretId":"a"}]`, `"x"`, `1`, `true`,
	`{"SecretId":"a"`, `{"SecretId":"a"}}`, `{"SecretId":"a"} {}`, `{"SecretId":}`, `{,}`, `{"a":"b]`, `}`, `]`,
	`[[[[[[[[[[[[[[[[[[[[{"SecretId":"a"}]]]]]]]]]]]]]]]]]]]]`,
}

// checkDecodeSame fails t if decodeRequest and decodeExact decode body into
// a value of type typ differently, or fail differently.
func checkDecodeSame(t *testing.T, typ reflect.Type, body []byte) {
	t.Helper()
	if len(bytes.TrimSpace(body)) == 0 {
		return // decodeRequest's own case: {}
	}
	fast, exact := reflect.New(typ), reflect.New(typ)
	fastErr := decodeRequest(body, fast.Interface())
	exactErr := decodeExact(body, exact.Interface())
	if fmt.Sprint(fastErr) != fmt.Sprint(exactErr) {
		t.Fatalf("%s %q: decodeRequest error %v, decodeExact error %v", typ, body, fastErr, exactErr)
	}
	if exactErr == nil && !reflect.DeepEqual(fast.Interface(), exact.Interface()) {
		t.Fatalf("%s %q: decodeRequest gives %+v, decodeExact %+v", typ, body, fast.Elem(), exact.Elem())
	}
}

func TestDecodeRequestFastPathMatchesExact(t *testing.T) {
	for _, r := range requestTypes {
		typ := reflect.TypeOf(r)
		for _, body := range decodeBodies {
			checkDecodeSame(t, typ, []byte(body))
		}
	}
}

// TestDecodeFlatTaken checks which bodies decodeFlat reads itself: those
// it must take for speed, and those it must leave to the other paths.
func TestDecodeFlatTaken(t *testing.T) {
	for _, c := range []struct {
		r    any
		body string
		flat bool
	}{
		{getSecretValueRequest{}, `{"SecretId":"a"}`, true},
		{getSecretValueRequest{}, `{"SecretId":"a","VersionStage":"AWSCURRENT","VersionId":null}`, true},
		{putSecretValueRequest{}, `{"ClientRequestToken":"t","SecretId":"a","SecretString":"{\"k\":\"v\"}"}`, true},
		{putSecretValueRequest{}, `{"SecretId":"a","VersionStages":["AWSPENDING"]}`, true},
		{describeSecretRequest{}, ` {"SecretId" : "é"} `, true},
		{putSecretValueRequest{}, `{"SecretId":"a","SecretBinary":"AAEC"}`, false}, // a blob
		{createSecretRequest{}, `{"Name":"a"}`, true},
		{createSecretRequest{}, `{"Name":"a","Tags":[]}`, false},         // a list of structures
		{getSecretValueRequest{}, `{"SecretId":"a","Other":"b"}`, false}, // unknown member
		{getSecretValueRequest{}, `{"secretId":"a"}`, false},
		{getSecretValueRequest{}, `{"SecretId":"a","SecretId":"a"}`, false},
		{getSecretValueRequest{}, `{"SecretId":1}`, false},
		{getSecretValueRequest{}, "{\"SecretId\":\"\xff\"}", false},
	} {
		v := reflect.New(reflect.TypeOf(c.r))
		if got := decodeFlat([]byte(c.body), v.Interface()); got != c.flat {
			t.Errorf("%T %s: decodeFlat = %v, want %v", c.r, c.body, got, c.flat)
		}
	}
}

func TestDecodeRequestFastPathTaken(t *testing.T) {
	for _, c := range []struct {
		r     any
		body  string
		plain bool
	}{
		{getSecretValueRequest{}, `{"SecretId":"a"}`, true},
		{putSecretValueRequest{}, `{"ClientRequestToken":"t","SecretId":"a","SecretString":"{\"k\":\"v\"}"}`, true},
		{createSecretRequest{}, `{"Name":"a","Tags":[{"Key":"k","Value":"v"},{"Key":"k","Value":"v"}]}`, true},
		{getSecretValueRequest{}, `{"SecretId":"a","Other":{"SecretId":"b"}}`, true},
		{getSecretValueRequest{}, `{"secretId":"a"}`, false},
		{getSecretValueRequest{}, `{"SecretId":"a","SecretId":"a"}`, false},
		{getSecretValueRequest{}, `{"Secret\u0049d":"a"}`, false},
		{getSecretValueRequest{}, `{"SecretIdé":"a"}`, false},
	} {
		if got := membersOf(reflect.PointerTo(reflect.TypeOf(c.r))).plainKeys([]byte(c.body)); got != c.plain {
			t.Errorf("%T %s: plainKeys = %v, want %v", c.r, c.body, got, c.plain)
		}
	}
}

// FuzzDecodeRequest checks that decodeRequest's fast path decodes every
// body as the exact path does.
//
//	go test -run=^$ -fuzz=FuzzDecodeRequest -fuzztime=60s ./awsapi/
func FuzzDecodeRequest(f *testing.F) {
	for i := range requestTypes {
		for _, body := range decodeBodies {
			f.Add(uint8(i), []byte(body))
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		checkDecodeSame(t, reflect.TypeOf(requestTypes[int(which)%len(requestTypes)]), body)
	})
}
