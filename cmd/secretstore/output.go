package main

import (
	"bytes"
	"encoding/json"
	"io"
	"reflect"
	"time"
)

// writeJSON writes v as indented JSON. Struct fields keep their Go names,
// which are the AWS member names, in their order; fields with a zero value
// are left out, as AWS leaves out members that have no value (a zero time
// would otherwise print as "0001-01-01T00:00:00Z").
func writeJSON(w io.Writer, v any) error {
	b, err := json.Marshal(omitZero(reflect.ValueOf(v)))
	if err != nil {
		return err
	}
	var out bytes.Buffer
	if err := json.Indent(&out, b, "", "  "); err != nil {
		return err
	}
	out.WriteByte('\n')
	_, err = w.Write(out.Bytes())
	return err
}

// omitZero returns v ready for json.Marshal with its zero-valued struct
// fields left out, at every depth.
func omitZero(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return nil
		}
		return omitZero(v.Elem())
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			return v.Interface()
		}
		var obj object
		for i := 0; i < v.NumField(); i++ {
			f := v.Type().Field(i)
			if !f.IsExported() || v.Field(i).IsZero() {
				continue
			}
			obj = append(obj, member{f.Name, omitZero(v.Field(i))})
		}
		return obj
	case reflect.Slice:
		if v.IsNil() || v.Type().Elem().Kind() == reflect.Uint8 {
			return v.Interface() // []byte is base64
		}
		elems := make([]any, v.Len())
		for i := range elems {
			elems[i] = omitZero(v.Index(i))
		}
		return elems
	}
	return v.Interface()
}

// object is a JSON object whose members keep their order.
type object []member

type member struct {
	name  string
	value any
}

// MarshalJSON implements json.Marshaler.
func (o object) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, m := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, err := json.Marshal(m.name)
		if err != nil {
			return nil, err
		}
		val, err := json.Marshal(m.value)
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(val)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
