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
// repeats the body (it may hold a secret). It also refuses what
// encoding/json would quietly change: a string member that is not valid
// UTF-8 or has an escape for an unpaired UTF-16 surrogate (encoding/json
// would store U+FFFD in its place, so the value read back would not be the
// value written), and a blob given as anything but a base64 string
// (encoding/json would take a list of numbers).
//
// Most bodies (every body an SDK sends) name members exactly and once
// each. The commonest, an object of strings and lists of strings, decodeFlat
// reads in one pass. For the others, plainKeys says in one scan that
// exact-case decoding does not matter, and one json.Unmarshal gives what
// decodeExact would, at a fraction of its cost (decodeExact parses the body
// four times), if stringsExact says encoding/json will change no string.
// Any other body, and any body that fails to decode, goes to decodeExact,
// so errors are the same either way.
func decodeRequest(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if decodeFlat(body, v) {
		return nil
	}
	reflect.ValueOf(v).Elem().SetZero() // start again from nothing
	if membersOf(reflect.TypeOf(v)).plainKeys(body) && stringsExact(body) {
		if json.Unmarshal(body, v) == nil {
			return nil
		}
		reflect.ValueOf(v).Elem().SetZero()
	}
	return decodeExact(body, v)
}

// decodeExact is decodeRequest for any body that is not blank: it decodes
// the body to a tree, keeps the members whose names match exactly, and
// decodes what is left into v. Then, if the body has a string encoding/json
// does not decode exactly, checkStrings looks for it among the members.
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
	if !stringsExact(body) {
		// encoding/json has put U+FFFD in place of what it could not
		// decode: refuse the body if that was in a member, keeping none
		// of it.
		if err := checkStrings(body, reflect.TypeOf(v), ""); err != nil {
			reflect.ValueOf(v).Elem().SetZero()
			return err
		}
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
		fields := fieldsOf(t)
		members := make(map[string]reflect.Type, len(fields))
		for _, f := range fields {
			members[f.name] = f.typ
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

// stringsExact reports whether encoding/json decodes every string in body
// to exactly the characters it holds: whether body is valid UTF-8 and has
// no escape for an unpaired surrogate. It errs towards false (an escaped
// backslash followed by "ud800" in a string, invalid bytes outside any
// string): checkStrings then decides.
func stringsExact(body []byte) bool {
	return utf8.Valid(body) && !hasLoneSurrogate(body)
}

// hasLoneSurrogate reports whether b, the text of a JSON string or of JSON
// holding strings, has a \u escape for a UTF-16 surrogate (U+D800 to
// U+DFFF) that is not a high surrogate followed at once by an escaped low
// one: an escape encoding/json decodes to U+FFFD.
func hasLoneSurrogate(b []byte) bool {
	for {
		i := bytes.IndexByte(b, '\\')
		if i < 0 || i+1 >= len(b) {
			return false
		}
		if b[i+1] != 'u' {
			b = b[i+2:] // a two-byte escape, \\ among them
			continue
		}
		r, ok := hex4(b[i+2:])
		if !ok {
			b = b[i+2:] // not JSON: the parser refuses it
			continue
		}
		b = b[i+6:]
		switch {
		case r < 0xD800 || r > 0xDFFF:
		case r >= 0xDC00:
			return true // a low surrogate first
		case len(b) >= 6 && b[0] == '\\' && b[1] == 'u':
			if lo, ok := hex4(b[2:]); ok && lo >= 0xDC00 && lo <= 0xDFFF {
				b = b[6:] // a pair
				continue
			}
			return true
		default:
			return true
		}
	}
}

// hex4 reads the four hex digits of a \u escape.
func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// checkStrings returns the SerializationException for the first string
// member of raw, a JSON value of type t (valid JSON: decodeExact has
// checked), that is not valid UTF-8 or has an escape for an unpaired
// surrogate, looking at members in the order of t's fields and at lists in
// order, and nil if there is none. path names raw's place in the request,
// as in Tags[0].Value; the message names it, never the value. A member of
// the wrong type is skipped (json.Unmarshal has reported it); so is an
// unknown one, which the request ignores.
func checkStrings(raw []byte, t reflect.Type, path string) error {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	raw = bytes.TrimLeft(raw, " \t\r\n")
	if len(raw) == 0 {
		return nil
	}
	switch t.Kind() {
	case reflect.String:
		switch {
		case raw[0] != '"':
		case !utf8.Valid(raw):
			return newAPIError(awsmodel.Serialization, "Invalid UTF-8 in the string member %s: every string in a request must be valid UTF-8.", path)
		case hasLoneSurrogate(raw):
			return newAPIError(awsmodel.Serialization, "Invalid escape in the string member %s: a \\u escape for a UTF-16 surrogate (\\ud800 to \\udfff) must be a high surrogate followed by a low one, as a pair encoding one character.", path)
		}
	case reflect.Struct:
		var obj map[string]json.RawMessage
		if raw[0] != '{' || json.Unmarshal(raw, &obj) != nil {
			return nil
		}
		for _, f := range fieldsOf(t) {
			if val, ok := obj[f.name]; ok {
				name := f.name
				if path != "" {
					name = path + "." + name
				}
				if err := checkStrings(val, f.typ, name); err != nil {
					return err
				}
			}
		}
	case reflect.Slice:
		var list []json.RawMessage
		if t.Elem().Kind() == reflect.Uint8 || raw[0] != '[' || json.Unmarshal(raw, &list) != nil {
			return nil // a blob is base64: any other byte fails to decode
		}
		for i, item := range list {
			if err := checkStrings(item, t.Elem(), fmt.Sprintf("%s[%d]", path, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

// field is a member of a request structure: its name and Go type.
type field struct {
	name string
	typ  reflect.Type
}

var fieldsCache sync.Map // reflect.Type → []field

// fieldsOf returns the members of struct type t, in the order of its
// fields, named as keepExactMembers names them.
func fieldsOf(t reflect.Type) []field {
	if f, ok := fieldsCache.Load(t); ok {
		return f.([]field)
	}
	var out []field
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
		out = append(out, field{name, f.Type})
	}
	actual, _ := fieldsCache.LoadOrStore(t, out)
	return actual.([]field)
}

// blob is a Blob member (SecretBinary) of a request: standard base64 with
// padding, in a JSON string. encoding/json decodes a []byte the same way,
// but also takes a list of numbers ([1,2,255]); AWS does not.
type blob []byte

// UnmarshalJSON decodes data as encoding/json decodes a []byte, except that
// anything but a string or null is a type error.
func (b *blob) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return &json.UnmarshalTypeError{Value: "number", Type: reflect.TypeFor[blob]()}
	}
	switch data[0] {
	case 'n':
		return nil // null: absent
	case '"':
	case '{':
		return &json.UnmarshalTypeError{Value: "object", Type: reflect.TypeFor[blob]()}
	case '[':
		return &json.UnmarshalTypeError{Value: "array", Type: reflect.TypeFor[blob]()}
	case 't', 'f':
		return &json.UnmarshalTypeError{Value: "bool", Type: reflect.TypeFor[blob]()}
	default:
		return &json.UnmarshalTypeError{Value: "number", Type: reflect.TypeFor[blob]()}
	}
	s := data[1 : len(data)-1]
	if bytes.IndexByte(s, '\\') >= 0 {
		var unquoted string
		if err := json.Unmarshal(data, &unquoted); err != nil {
			return err
		}
		s = []byte(unquoted)
	}
	out := make([]byte, base64.StdEncoding.DecodedLen(len(s)))
	n, err := base64.StdEncoding.Decode(out, s)
	if err != nil {
		return err
	}
	*b = out[:n]
	return nil
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
