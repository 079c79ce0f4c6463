package awsapi

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// outputConverters are the functions that turn each library output into the
// response the handler sends.
var outputConverters = []any{
	createSecretOut, describeSecretOut, updateSecretOut, tagResourceOut, untagResourceOut,
	putSecretValueOut, getSecretValueOut, batchGetSecretValueOut, updateSecretVersionStageOut,
	listSecretVersionIdsOut, listSecretsOut, deleteSecretOut, restoreSecretOut, getRandomPasswordOut,
	replicateSecretToRegionsOut, removeRegionsFromReplicationOut, stopReplicationToReplicaOut,
	rotateSecretOut, cancelRotateSecretOut,
	getResourcePolicyOut, putResourcePolicyOut, deleteResourcePolicyOut, validateResourcePolicyOut,
}

// TestEveryOutputFieldReachesTheWire fills every field of every Output
// struct of the library (recursively) with a value that is not zero,
// converts it as the handler does, and checks that each field arrives in the
// JSON body under its own name, which is AWS's member name. An output field
// added to the library (rotation's, replication's) and not carried to the
// wire fails it, as does an Output type without a converter.
func TestEveryOutputFieldReachesTheWire(t *testing.T) {
	t.Parallel()
	converted := map[string]bool{}
	for _, conv := range outputConverters {
		fn := reflect.ValueOf(conv)
		typ := fn.Type().In(0).Elem()
		converted[typ.Name()] = true
		out := reflect.New(typ)
		fill(out.Elem())
		body, err := encodeJSON(fn.Call([]reflect.Value{out})[0].Interface())
		if err != nil {
			t.Fatalf("%s: %v", typ.Name(), err)
		}
		var got any
		if err := json.Unmarshal(body, &got); err != nil {
			t.Fatalf("%s: %v", typ.Name(), err)
		}
		for _, missing := range missingFields(out.Elem(), got, typ.Name()) {
			t.Errorf("%s does not reach the wire (body %s)", missing, body)
		}
	}
	for _, name := range libraryOutputTypes(t) {
		if !converted[name] {
			t.Errorf("secretstore.%s has no converter in outputConverters: the handler does not send it", name)
		}
	}
}

// fill sets every field of v, recursively, to a value that is not zero.
func fill(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			v.Set(reflect.ValueOf(time.Date(2024, 2, 7, 10, 0, 0, 0, time.UTC)))
			return
		}
		for i := range v.NumField() {
			if v.Type().Field(i).IsExported() {
				fill(v.Field(i))
			}
		}
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(v.Index(0))
	case reflect.Map:
		v.Set(reflect.MakeMap(v.Type()))
		k, e := reflect.New(v.Type().Key()).Elem(), reflect.New(v.Type().Elem()).Elem()
		fill(k)
		fill(e)
		v.SetMapIndex(k, e)
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(v.Elem())
	case reflect.String:
		v.SetString("x")
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int32, reflect.Int64:
		v.SetInt(7)
	case reflect.Uint8:
		v.SetUint(7)
	}
}

// missingFields returns the paths of the fields of v that have no member of
// their name in got, the JSON v was sent as.
func missingFields(v reflect.Value, got any, path string) []string {
	if v.Kind() != reflect.Struct || v.Type() == reflect.TypeFor[time.Time]() {
		if got == nil {
			return []string{path}
		}
		return nil
	}
	obj, ok := got.(map[string]any)
	if !ok {
		return []string{path + " (not an object)"}
	}
	var missing []string
	for i := range v.NumField() {
		f := v.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		member, ok := obj[f.Name]
		p := path + "." + f.Name
		switch {
		case !ok || member == nil:
			missing = append(missing, p)
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct:
			list, _ := member.([]any)
			if len(list) != 1 {
				missing = append(missing, p+"[0]")
				continue
			}
			missing = append(missing, missingFields(v.Field(i).Index(0), list[0], p+"[0]")...)
		default:
			missing = append(missing, missingFields(v.Field(i), member, p)...)
		}
	}
	return missing
}

// libraryOutputTypes returns the names of the exported struct types of
// package secretstore whose names end in Output.
func libraryOutputTypes(t *testing.T) []string {
	paths, err := filepath.Glob("../*.go")
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, path := range paths {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(gotoken.NewFileSet(), path, nil, parser.SkipObjectResolution)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != gotoken.TYPE {
				continue
			}
			for _, spec := range g.Specs {
				ts := spec.(*ast.TypeSpec)
				if _, isStruct := ts.Type.(*ast.StructType); isStruct && ts.Name.IsExported() && strings.HasSuffix(ts.Name.Name, "Output") {
					names = append(names, ts.Name.Name)
				}
			}
		}
	}
	if len(names) < len(outputConverters) {
		t.Fatalf("found only %d Output types in the library: %v", len(names), names)
	}
	return names
}
