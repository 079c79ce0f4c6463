package awsapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"
)

// requestTypes are the request types decodeRequest decodes into.
var requestTypes = []any{
	createSecretRequest{}, describeSecretRequest{}, updateSecretRequest{},
	tagResourceRequest{}, untagResourceRequest{}, putSecretValueRequest{},
	getSecretValueRequest{}, batchGetSecretValueRequest{},
	updateSecretVersionStageRequest{}, listSecretVersionIdsRequest{},
	listSecretsRequest{}, deleteSecretRequest{}, restoreSecretRequest{},
	getRandomPasswordRequest{}, replicateSecretToRegionsRequest{},
	removeRegionsFromReplicationRequest{}, stopReplicationToReplicaRequest{},
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
	// Strings encoding/json would change: invalid UTF-8 (raw bytes) and
	// escapes for unpaired surrogates, in every kind of place; and the
	// strings that look like them but are exact.
	"{\"SecretString\":\"a\\n\xff\",\"SecretId\":\"a\"}",
	"{\"SecretId\":\"a\",\"VersionStages\":[\"x\",\"\xed\xa0\x80\"]}",
	"{\"Name\":\"a\",\"Tags\":[{\"Key\":\"k\",\"Value\":\"\xc0\xaf\"}]}",
	"{\"Unknown\":\"\xff\",\"SecretId\":\"a\"}",
	"{\"Secret\xffId\":\"a\"}",
	`{"SecretId":"\udc00"}`,
	`{"SecretId":"a\ud800"}`,
	`{"SecretId":"\ud800x"}`,
	`{"SecretId":"\ud800\u0041"}`,
	`{"SecretId":"\ud800\ud800\udc00"}`,
	`{"SecretId":"\uDBFF\uDFFF","VersionStage":"\uD83D\uDE00"}`,
	`{"SecretId":"\\ud800"}`,
	`{"SecretId":"\\\ud800"}`,
	`{"SecretId":"\ufffd\u00e9","ClientRequestToken":"\uFFFD"}`,
	`{"SecretId":"a","VersionStages":["\ud83d\ude00","\udfff"]}`,
	`{"Name":"a","Description":"\udc00","KmsKeyId":"k"}`,
	`{"Name":"a","AddReplicaRegions":[{"Region":"eu-west-1","KmsKeyId":"\ud800"}]}`,
	`{"Filters":[{"Key":"name","Values":["a","\udc00"]}]}`,
	`{"SecretIdList":["a","\ud800"]}`,
	`{"ExcludeCharacters":"\udc00"}`,
	`{"SecretId":"a","RemoveReplicaRegions":["\ud800"]}`,
	`{"SecretId":"a","TagKeys":["\udc00"]}`,
	`{"SecretId":"\udc00","SecretId":"a"}`,
	`{"SecretId":"a","SecretId":"\udc00"}`,
	`{"Unknown":"\udc00","SecretId":"a"}`,
	`{"Unknown":{"SecretId":"\udc00"},"SecretId":"a"}`,
	`{"SecretId":1,"SecretString":"\udc00"}`,
	// Blobs: base64 strings only.
	`{"SecretBinary":[1,2,255]}`,
	`{"SecretBinary":[]}`,
	`{"SecretBinary":1}`,
	`{"SecretBinary":true}`,
	`{"SecretBinary":{}}`,
	`{"SecretBinary":""}`,
	`{"SecretBinary":null}`,
	`{"SecretBinary":"\u0041AEC"}`,
	`{"SecretBinary":"AA\nEC"}`,
	`{"SecretBinary":"\udc00"}`,
	`{"SecretId":1,"SecretBinary":[1]}`,
	// Booleans of the replication requests.
	`{"SecretId":"a","AddReplicaRegions":[{"Region":"eu-west-1"}],"ForceOverwriteReplicaSecret":"yes"}`,
	`{"SecretId":"a","AddReplicaRegions":[{"Region":"eu-west-1"}],"ForceOverwriteReplicaSecret":1}`,
	`{"SecretId":"a","AddReplicaRegions":[{"Region":"eu-west-1"}],"ForceOverwriteReplicaSecret":{}}`,
	`{"SecretId":"a","AddReplicaRegions":{"Region":"eu-west-1"}}`,
	`{"SecretId":"a","AddReplicaRegions":["eu-west-1"]}`,
	`{"Name":"a","ForceOverwriteReplicaSecret":[true]}`,
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
	if exactErr == nil {
		checkStringsExact(t, typ, body, fast.Elem())
	}
}

// checkStringsExact fails t if a string member of v, decoded from body,
// is not exactly the string body holds for it, decoded by strictUnquote
// (a JSON string decoder of its own): if a decoding that succeeded put
// U+FFFD in place of invalid UTF-8 or of an unpaired surrogate, or if a
// string that is not a string's exact decoding got through.
func checkStringsExact(t *testing.T, typ reflect.Type, body []byte, v reflect.Value) {
	t.Helper()
	var raw json.RawMessage
	if json.Unmarshal(body, &raw) != nil {
		return // a blank body: nothing decoded
	}
	if err := stringsMatch(raw, v, typ.Name()); err != "" {
		t.Fatalf("%s %q decoded, but %s", typ, body, err)
	}
}

// stringsMatch compares the strings of raw, a JSON value, with those
// decoded into v, following v's type as the exact path does: members by
// exact name (the last of duplicates), lists item by item. It returns what
// differs, or "".
func stringsMatch(raw json.RawMessage, v reflect.Value, path string) string {
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			if string(raw) != "null" {
				return fmt.Sprintf("%s is absent, given %.40q", path, raw)
			}
			return ""
		}
		v = v.Elem()
	}
	if string(raw) == "null" {
		return ""
	}
	switch v.Kind() {
	case reflect.String:
		want, ok := strictUnquote(raw)
		if !ok {
			return fmt.Sprintf("%s holds %.40q, which is not a string of exact characters", path, raw)
		}
		if v.String() != want {
			return fmt.Sprintf("%s is %+q, not %+q", path, v.String(), want)
		}
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if json.Unmarshal(raw, &obj) != nil {
			return path + " is not an object"
		}
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "" {
				name = f.Name
			}
			if r, ok := obj[name]; ok {
				if err := stringsMatch(r, v.Field(i), path+"."+name); err != "" {
					return err
				}
			}
		}
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return "" // a blob
		}
		var list []json.RawMessage
		if json.Unmarshal(raw, &list) != nil || len(list) != v.Len() {
			return path + " is not the list sent"
		}
		for i, r := range list {
			if err := stringsMatch(r, v.Index(i), fmt.Sprintf("%s[%d]", path, i)); err != "" {
				return err
			}
		}
	}
	return ""
}

// strictUnquote decodes the JSON string literal s as RFC 8259 defines it,
// and reports false for what has no exact decoding: bytes that are not
// UTF-8, an escape for a surrogate that is not half of a pair.
func strictUnquote(s []byte) (string, bool) {
	if len(s) < 2 || s[0] != '"' || s[len(s)-1] != '"' {
		return "", false
	}
	s = s[1 : len(s)-1]
	hex := func(s []byte) (rune, bool) {
		if len(s) < 4 {
			return 0, false
		}
		n, err := strconv.ParseUint(string(s[:4]), 16, 16)
		return rune(n), err == nil
	}
	var b strings.Builder
	for len(s) > 0 {
		c := s[0]
		switch {
		case c == '\\' && len(s) >= 2:
			esc := map[byte]byte{'"': '"', '\\': '\\', '/': '/', 'b': '\b', 'f': '\f', 'n': '\n', 'r': '\r', 't': '\t'}
			if e, ok := esc[s[1]]; ok {
				b.WriteByte(e)
				s = s[2:]
				continue
			}
			if s[1] != 'u' {
				return "", false
			}
			r, ok := hex(s[2:])
			if !ok {
				return "", false
			}
			s = s[6:]
			if utf16.IsSurrogate(r) {
				if r >= 0xDC00 || len(s) < 6 || s[0] != '\\' || s[1] != 'u' {
					return "", false
				}
				lo, ok := hex(s[2:])
				if !ok || lo < 0xDC00 || lo > 0xDFFF {
					return "", false
				}
				r = utf16.DecodeRune(r, lo)
				s = s[6:]
			}
			b.WriteRune(r)
		case c < 0x20 || c == '\\' || c == '"':
			return "", false
		default:
			r, n := utf8.DecodeRune(s)
			if r == utf8.RuneError && n == 1 {
				return "", false
			}
			b.Write(s[:n])
			s = s[n:]
		}
	}
	return b.String(), true
}

func TestDecodeRequestFastPathMatchesExact(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
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
		{getSecretValueRequest{}, "{\"SecretId\":\"\\n\xff\"}", false},         // escaped and invalid
		{getSecretValueRequest{}, `{"SecretId":"a\udc00"}`, false},             // a lone surrogate
		{getSecretValueRequest{}, `{"SecretId":"a\ud83d\ude00\\ud800"}`, true}, // a pair, an escaped backslash
	} {
		v := reflect.New(reflect.TypeOf(c.r))
		if got := decodeFlat([]byte(c.body), v.Interface()); got != c.flat {
			t.Errorf("%T %s: decodeFlat = %v, want %v", c.r, c.body, got, c.flat)
		}
	}
}

func TestDecodeRequestFastPathTaken(t *testing.T) {
	t.Parallel()
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
// body as the exact path does, and that every body it decodes without an
// error has its string members decoded exactly (checkStringsExact).
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

// memberSlot is a place in a request body for a value: a member, or an
// item of a list member, at any depth.
type memberSlot struct {
	path string       // as decodeRequest's messages name it: Tags[0].Key
	typ  reflect.Type // the Go type of the value there
	body func(val string) string
}

// slotsOf returns every slot of request type t, each with a body that puts
// a value there and nothing else.
func slotsOf(t reflect.Type) []memberSlot {
	var out []memberSlot
	var walk func(t reflect.Type, path string, wrap func(string) string)
	walk = func(t reflect.Type, path string, wrap func(string) string) {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if path != "" {
			out = append(out, memberSlot{path, t, wrap})
		}
		switch {
		case t.Kind() == reflect.Struct:
			for _, f := range fieldsOf(t) {
				p := f.name
				if path != "" {
					p = path + "." + f.name
				}
				name := f.name
				walk(f.typ, p, func(v string) string { return wrap(`{"` + name + `":` + v + `}`) })
			}
		case t.Kind() == reflect.Slice && t.Elem().Kind() != reflect.Uint8:
			walk(t.Elem(), path+"[0]", func(v string) string { return wrap("[" + v + "]") })
		}
	}
	walk(t, "", func(v string) string { return v })
	return out
}

// isBlob reports whether t is a Blob member's type.
func isBlob(t reflect.Type) bool {
	return t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8
}

// TestDecodeRequestRefusesInexactStrings puts, in every string member of
// every request (list items and members of list items too), a string that
// encoding/json would decode to something else than was sent, and checks
// that it is refused with a SerializationException naming the member and
// not the value, on the fast path as on the exact one; and that the
// strings that only look like them decode exactly.
func TestDecodeRequestRefusesInexactStrings(t *testing.T) {
	t.Parallel()
	bad := []struct{ name, val, msg string }{
		{"invalid byte", "\"SEEN\xff\"", "Invalid UTF-8 in the string member "},
		{"truncated sequence", "\"SEEN\xe2\x82\"", "Invalid UTF-8 in the string member "},
		{"overlong encoding", "\"SEEN\xc0\xaf\"", "Invalid UTF-8 in the string member "},
		{"surrogate as UTF-8", "\"SEEN\xed\xa0\x80\"", "Invalid UTF-8 in the string member "},
		{"invalid byte with an escape", "\"SEEN\\n\xff\"", "Invalid UTF-8 in the string member "},
		{"lone low surrogate", `"SEEN\udc00"`, "Invalid escape in the string member "},
		{"lone high surrogate at the end", `"SEEN\ud800"`, "Invalid escape in the string member "},
		{"high surrogate then a letter", `"SEEN\uD800x"`, "Invalid escape in the string member "},
		{"high surrogate then a BMP escape", `"SEEN\ud800\u0041"`, "Invalid escape in the string member "},
		{"two high surrogates", `"SEEN\ud800\ud800\udc00"`, "Invalid escape in the string member "},
		{"reversed pair", `"SEEN\ude00\ud83d"`, "Invalid escape in the string member "},
		{"lone surrogate after an escaped backslash", `"SEEN\\\udc00"`, "Invalid escape in the string member "},
	}
	good := []string{
		`"\ud83d\ude00"`, `"\uDBFF\uDFFF"`, `"\\ud800"`, `"\ufffd"`, "\"\xef\xbf\xbd\"", `"é日本😀"`, `"\u00e9\n\""`,
	}
	n := 0
	for _, r := range requestTypes {
		typ := reflect.TypeOf(r)
		for _, slot := range slotsOf(typ) {
			if slot.typ.Kind() != reflect.String {
				continue
			}
			n++
			for _, b := range bad {
				body := []byte(slot.body(b.val))
				checkDecodeSame(t, typ, body)
				err := decodeRequest(body, reflect.New(typ).Interface())
				var e *apiError
				if !errors.As(err, &e) || e.Type != "SerializationException" {
					t.Errorf("%s %s, %s: %v, want a SerializationException", typ.Name(), slot.path, b.name, err)
					continue
				}
				if want := b.msg + slot.path + ":"; !strings.HasPrefix(e.Message, want) {
					t.Errorf("%s %s, %s: message %q, want one starting %q", typ.Name(), slot.path, b.name, e.Message, want)
				}
				if strings.Contains(e.Message, "SEEN") {
					t.Errorf("%s %s, %s: the message echoes the value: %q", typ.Name(), slot.path, b.name, e.Message)
				}
			}
			for _, g := range good {
				body := []byte(slot.body(g))
				checkDecodeSame(t, typ, body) // and checkStringsExact
				if err := decodeRequest(body, reflect.New(typ).Interface()); err != nil {
					t.Errorf("%s %s = %s: %v", typ.Name(), slot.path, g, err)
				}
			}
		}
	}
	if n < 40 {
		t.Errorf("only %d string members found", n)
	}
}

// TestDecodeRequestWrongTypes gives every member of every request (list
// items and members of list items too) a value of every JSON type it does
// not take, and checks each is a SerializationException with the message
// for that type, on the fast path as on the exact one.
func TestDecodeRequestWrongTypes(t *testing.T) {
	t.Parallel()
	values := map[string]string{
		"string": `"x"`, "numeric string": `"1"`, "boolean string": `"true"`,
		"number": `1`, "fraction": `1.5`, "bool": `true`,
		"object": `{}`, "object of members": `{"Key":"k","Value":"v"}`,
		"list": `[]`, "list of numbers": `[1,2,255]`, "list of strings": `["x"]`,
	}
	takes := func(t reflect.Type, val string) bool {
		switch c := val[0]; {
		case isBlob(t):
			_, err := base64.StdEncoding.DecodeString(strings.Trim(val, `"`))
			return c == '"' && err == nil // "x" is a string but not base64
		case t.Kind() == reflect.String:
			return c == '"'
		case t.Kind() == reflect.Bool:
			return c == 't'
		case t.Kind() == reflect.Int32 || t.Kind() == reflect.Int64:
			return val == "1"
		case t.Kind() == reflect.Struct:
			return c == '{'
		case t.Kind() == reflect.Slice:
			return c == '['
		}
		panic(t)
	}
	wantMsg := func(t reflect.Type, val string) string {
		switch c := val[0]; {
		case c == '{':
			return "Start of structure or map found where not expected."
		case c == '[':
			return "Start of list found where not expected."
		case c == '"':
			if isBlob(t) {
				return "Invalid Base64 in a blob member: SecretBinary must be standard base64 with padding."
			}
			return "STRING_VALUE can not be converted to " + shapeName(t)
		case c == 't':
			return "BOOLEAN_VALUE can not be converted to " + shapeName(t)
		}
		return "NUMBER_VALUE can not be converted to " + shapeName(t)
	}
	kinds := map[reflect.Kind]int{}
	for _, r := range requestTypes {
		typ := reflect.TypeOf(r)
		for _, slot := range slotsOf(typ) {
			kinds[slot.typ.Kind()]++
			if slot.typ.Kind() == reflect.String && slot.path[len(slot.path)-1] == ']' {
				kinds[reflect.Array]++ // an item of a list of strings
			}
			for name, val := range values {
				if takes(slot.typ, val) {
					continue
				}
				body := []byte(slot.body(val))
				checkDecodeSame(t, typ, body)
				err := decodeRequest(body, reflect.New(typ).Interface())
				var e *apiError
				switch {
				case !errors.As(err, &e) || e.Type != "SerializationException":
					t.Errorf("%s %s given a %s: %v, want a SerializationException", typ.Name(), slot.path, name, err)
				case e.Message != wantMsg(slot.typ, val):
					t.Errorf("%s %s given a %s: message %q, want %q", typ.Name(), slot.path, name, e.Message, wantMsg(slot.typ, val))
				}
			}
		}
	}
	// Every kind of member was met.
	for _, k := range []reflect.Kind{reflect.String, reflect.Bool, reflect.Int32, reflect.Int64, reflect.Struct, reflect.Slice, reflect.Array} {
		if kinds[k] == 0 {
			t.Errorf("no member of kind %v", k)
		}
	}
}

// TestDecodeBlob checks SecretBinary: a base64 string, decoded as
// encoding/json decodes a []byte; nothing else.
func TestDecodeBlob(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		body string
		want []byte // nil: absent
		err  string
	}{
		{`{"SecretBinary":"AAEC/w=="}`, []byte{0, 1, 2, 255}, ""},
		{`{"SecretBinary":"\u0041AEC"}`, []byte{0, 1, 2}, ""},
		{`{"SecretBinary":""}`, []byte{}, ""},
		{`{"SecretBinary":null}`, nil, ""},
		{`{}`, nil, ""},
		{`{"SecretBinary":[1,2,255]}`, nil, "Start of list found where not expected."},
		{`{"SecretBinary":[]}`, nil, "Start of list found where not expected."},
		{`{"SecretBinary":255}`, nil, "NUMBER_VALUE can not be converted to a Blob"},
		{`{"SecretBinary":false}`, nil, "BOOLEAN_VALUE can not be converted to a Blob"},
		{`{"SecretBinary":{"0":1}}`, nil, "Start of structure or map found where not expected."},
		{`{"SecretBinary":"AAE"}`, nil, "Invalid Base64 in a blob member: SecretBinary must be standard base64 with padding."},
		{`{"SecretBinary":"AA-_"}`, nil, "Invalid Base64 in a blob member: SecretBinary must be standard base64 with padding."},
	} {
		for _, typ := range []reflect.Type{reflect.TypeFor[createSecretRequest](), reflect.TypeFor[putSecretValueRequest](), reflect.TypeFor[updateSecretRequest]()} {
			checkDecodeSame(t, typ, []byte(c.body))
			v := reflect.New(typ)
			err := decodeRequest([]byte(c.body), v.Interface())
			got := []byte(v.Elem().FieldByName("SecretBinary").Interface().(blob))
			switch {
			case c.err != "":
				if err == nil || err.Error() != "SerializationException: "+c.err {
					t.Errorf("%s %s: %v, want SerializationException: %s", typ.Name(), c.body, err, c.err)
				}
			case err != nil:
				t.Errorf("%s %s: %v", typ.Name(), c.body, err)
			case !bytes.Equal(got, c.want) || (got == nil) != (c.want == nil):
				t.Errorf("%s %s: SecretBinary %#v, want %#v", typ.Name(), c.body, got, c.want)
			}
		}
	}
}
