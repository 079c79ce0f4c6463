package awsapi

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
)

// decodeRequest decodes an AWS JSON 1.1 request body into v, a pointer to a
// request struct whose field names (or json tags) are the members' names.
//
// It differs from json.Unmarshal where AWS does: member names match exactly
// (encoding/json would also take "secretid" for SecretId), unknown members
// are ignored, an empty body is {}, and every failure is a
// SerializationException with a message in the style of AWS's, which never
// repeats the body (it may hold a secret).
func decodeRequest(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if !json.Valid(body) {
		return newAPIError(codeSerialization, "The request body is not valid JSON%s.", syntaxOffset(body))
	}
	d := json.NewDecoder(bytes.NewReader(body))
	d.UseNumber() // keep numbers as sent, for the second decoding
	var tree any
	if err := d.Decode(&tree); err != nil {
		return newAPIError(codeSerialization, "The request body is not valid JSON.")
	}
	if tree == nil {
		return nil // a JSON null body: every member absent
	}
	keepExactMembers(tree, reflect.TypeOf(v))
	clean, err := json.Marshal(tree)
	if err != nil {
		return newAPIError(codeSerialization, "The request body is not valid JSON.")
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
			return newAPIError(codeSerialization, "Start of structure or map found where not expected.")
		case te.Value == "array":
			return newAPIError(codeSerialization, "Start of list found where not expected.")
		}
		token := "STRING_VALUE"
		switch {
		case strings.HasPrefix(te.Value, "number"):
			token = "NUMBER_VALUE"
		case te.Value == "bool":
			token = "BOOLEAN_VALUE"
		}
		return newAPIError(codeSerialization, "%s can not be converted to %s", token, shapeName(te.Type))
	case errors.As(err, &be):
		return newAPIError(codeSerialization, "Invalid Base64 in a blob member: SecretBinary must be standard base64 with padding.")
	}
	return newAPIError(codeSerialization, "The request body could not be read as the operation's input.")
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
