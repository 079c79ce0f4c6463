package awsapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

// decodeRequest decodes an AWS JSON 1.1 request body into v, a pointer to a
// request struct whose field names (or json tags) are the members' names.
//
// It differs from json.Unmarshal where AWS does: member names match exactly
// (encoding/json would also take "secretid" for SecretId), unknown members
// are ignored, an empty body is {}, and every failure is a
// SerializationException with a message in the style of AWS's, which never
// repeats the body (it may hold a secret).
//
// Most bodies (every body an SDK sends) name members exactly and once
// each. The commonest, an object of strings and lists of strings, decodeFlat
// reads in one pass. For the others, plainKeys says in one scan that
// exact-case decoding does not matter, and one json.Unmarshal gives what
// decodeExact would, at a fraction of its cost (decodeExact parses the body
// four times). Any other body, and any body that fails to decode, goes to
// decodeExact, so errors are the same either way.
func decodeRequest(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if decodeFlat(body, v) {
		return nil
	}
	reflect.ValueOf(v).Elem().SetZero() // start again from nothing
	if membersOf(reflect.TypeOf(v)).plainKeys(body) {
		if json.Unmarshal(body, v) == nil {
			return nil
		}
		reflect.ValueOf(v).Elem().SetZero()
	}
	return decodeExact(body, v)
}

// decodeExact is decodeRequest for any body that is not blank: it decodes
// the body to a tree, keeps the members whose names match exactly, and
// decodes what is left into v.
func decodeExact(body []byte, v any) error {
	if !json.Valid(body) {
		return newAPIError(awsmodel.Serialization, "The request body is not valid JSON%s.", syntaxOffset(body))
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber() // keep numbers as sent, for the second decoding
	var tree any
	if err := d.Decode(&tree); err != nil {
		return newAPIError(awsmodel.Serialization, "The request body is not valid JSON.")
	}
	if tree == nil {
		return nil // a JSON null body: every member absent
	}
	keepExactMembers(tree, reflect.TypeOf(v))
	clean, err := json.Marshal(tree)
	if err != nil {
		return newAPIError(awsmodel.Serialization, "The request body is not valid JSON.")
	}
	if err := json.Unmarshal(clean, v); err != nil {
		return serializationError(err)
	}
	return nil
}

// syntaxOffset tells where body stops being JSON, for the error message.
func syntaxOffset(body []byte) string {
	var tmp any
	var se *json.SyntaxError
	if err := json.Unmarshal(body, &tmp); errors.As(err, &se) {
		return fmt.Sprintf(" (at byte offset %d)", se.Offset)
	}
	return ""
}

// keepExactMembers removes from the decoded JSON tree every object key
// that is not exactly the name of a member of the type t describes,
// recursing into structures and lists. What is left decodes with
// encoding/json as an exact-case decoder would.
func keepExactMembers(tree any, t reflect.Type) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		obj, ok := tree.(map[string]any)
		if !ok {
			return // a type error, reported by the second decoding
		}
		members := make(map[string]reflect.Type, t.NumField())
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			members[name] = f.Type
		}
		for k, val := range obj {
			mt, ok := members[k]
			if !ok {
				delete(obj, k)
				continue
			}
			keepExactMembers(val, mt)
		}
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return // a blob: base64 text
		}
		if list, ok := tree.([]any); ok {
			for _, item := range list {
				keepExactMembers(item, t.Elem())
			}
		}
	}
}

// memberNames are the member names of every structure in a request type,
// for plainKeys.
type memberNames struct {
	bit   map[string]uint // name → its bit in a seen-set
	names [][]byte
	// usable is false when plainKeys cannot decide for this type: more than
	// 64 names, or two names that differ only in letter case.
	usable bool
}

var memberNamesCache sync.Map // reflect.Type → *memberNames

// membersOf returns the member names of t (a request type, or a pointer to
// one), computed once per type.
func membersOf(t reflect.Type) *memberNames {
	if m, ok := memberNamesCache.Load(t); ok {
		return m.(*memberNames)
	}
	m := &memberNames{bit: map[string]uint{}, usable: true}
	var walk func(t reflect.Type, seen map[reflect.Type]bool)
	walk = func(t reflect.Type, seen map[reflect.Type]bool) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return
		}
		seen[t] = true
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if f.Anonymous {
				m.usable = false // promoted fields: not worth following
			}
			if !f.IsExported() {
				continue
			}
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "-" {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if _, dup := m.bit[name]; !dup {
				for _, n := range m.names {
					if bytes.EqualFold(n, []byte(name)) {
						m.usable = false
					}
				}
				m.bit[name] = uint(len(m.names))
				m.names = append(m.names, []byte(name))
			}
			walk(f.Type, seen)
		}
	}
	walk(t, map[reflect.Type]bool{})
	if len(m.names) > 64 {
		m.usable = false
	}
	actual, _ := memberNamesCache.LoadOrStore(t, m)
	return actual.(*memberNames)
}

// plainKeysDepth is the deepest nesting plainKeys follows.
const plainKeysDepth = 16

// plainKeys reports whether encoding/json, decoding body, would see the
// same members as decodeRequest's exact-case path: whether every object
// key in body either is a member name or differs from every member name by
// more than letter case, and no object has a member name twice (encoding/json
// would merge the two values where the exact path keeps the last). It errs
// towards false: for a key with an escape or a byte outside ASCII, for
// nesting deeper than plainKeysDepth, for a type it cannot decide for. On
// malformed JSON its answer does not matter: json.Unmarshal fails, and
// decodeRequest takes the exact path.
func (m *memberNames) plainKeys(body []byte) bool {
	if !m.usable {
		return false
	}
	var seen [plainKeysDepth]uint64 // per open object: the member names met
	var object [plainKeysDepth]bool // per open container: an object?
	depth, expectKey := 0, false
	for i := 0; i < len(body); i++ {
		switch c := body[i]; c {
		case '{', '[':
			if depth == plainKeysDepth {
				return false
			}
			object[depth], seen[depth] = c == '{', 0
			depth++
			expectKey = c == '{'
		case '}', ']':
			if depth == 0 {
				return false
			}
			depth--
			expectKey = false
		case ',':
			expectKey = depth > 0 && object[depth-1]
		case '"':
			start, escaped := i+1, false
			for i++; i < len(body) && body[i] != '"'; i++ {
				if body[i] == '\\' {
					escaped = true
					i++
				}
			}
			if i >= len(body) {
				return false
			}
			if expectKey {
				if escaped || !m.plainKey(body[start:i], &seen[depth-1]) {
					return false
				}
				expectKey = false
			}
		}
	}
	return true
}

// plainKey is plainKeys' verdict on one key of an object whose member names
// met so far are in seen.
func (m *memberNames) plainKey(key []byte, seen *uint64) bool {
	if b, ok := m.bit[string(key)]; ok {
		if *seen&(1<<b) != 0 {
			return false
		}
		*seen |= 1 << b
		return true
	}
	for _, c := range key {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	for _, n := range m.names {
		if bytes.EqualFold(key, n) {
			return false
		}
	}
	return true
}

// serializationError turns an error of json.Unmarshal into the
// SerializationException AWS sends for a member of the wrong type or a bad
// base64 blob.
func serializationError(err error) error {
	var te *json.UnmarshalTypeError
	var be base64.CorruptInputError
	switch {
	case errors.As(err, &te):
		switch {
		case te.Value == "object":
			return newAPIError(awsmodel.Serialization, "Start of structure or map found where not expected.")
		case te.Value == "array":
			return newAPIError(awsmodel.Serialization, "Start of list found where not expected.")
		}
		token := "STRING_VALUE"
		switch {
		case strings.HasPrefix(te.Value, "number"):
			token = "NUMBER_VALUE"
		case te.Value == "bool":
			token = "BOOLEAN_VALUE"
		}
		return newAPIError(awsmodel.Serialization, "%s can not be converted to %s", token, shapeName(te.Type))
	case errors.As(err, &be):
		return newAPIError(awsmodel.Serialization, "Invalid Base64 in a blob member: SecretBinary must be standard base64 with padding.")
	}
	return newAPIError(awsmodel.Serialization, "The request body could not be read as the operation's input.")
}

// shapeName names the Smithy shape kind of a Go type, with its article, as
// AWS's messages do ("an Integer").
func shapeName(t reflect.Type) string {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil {
		return "a Structure"
	}
	switch t.Kind() {
	case reflect.String:
		return "a String"
	case reflect.Bool:
		return "a Boolean"
	case reflect.Int32:
		return "an Integer"
	case reflect.Int64, reflect.Int:
		return "a Long"
	case reflect.Slice:
		if t.Elem().Kind() == reflect.Uint8 {
			return "a Blob"
		}
		return "a List"
	case reflect.Map:
		return "a Map"
	}
	return "a Structure"
}

// encodeJSON returns the compact JSON of v without a trailing newline and
// without encoding/json's HTML escaping (AWS sends "<" as is).
func encodeJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}
