package awsapi

import (
	"encoding/json"
	"reflect"
	"strings"
	"sync"
	"unicode/utf8"
)

// decodeFlat is decodeRequest's fastest path, for the bodies the SDKs send
// most: one object whose members are all strings or lists of strings
// (GetSecretValue, PutSecretValue and DescribeSecret among them). It
// decodes body into v, a pointer to a request struct, in one pass and
// without reflection beyond setting each field, and reports whether it
// could. It says no (leaving v partly set: the caller zeroes it) to
// anything it is not certain to decode exactly as json.Unmarshal would: a
// key that is not exactly a member's name, a member given twice, a value
// that is not a string, a list of strings or null, a field of another
// type, a string with a control character, invalid UTF-8 or an escape for
// an unpaired surrogate (decodeExact refuses the last two), anything after
// the object. Strings with escapes are unquoted by encoding/json itself.
func decodeFlat(body []byte, v any) bool {
	rv := reflect.ValueOf(v)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return false
	}
	fields := flatFieldsOf(rv.Type().Elem())
	if fields == nil {
		return false
	}
	st := rv.Elem()
	p := flatParser{b: body}
	p.space()
	if !p.byte('{') {
		return false
	}
	var seen uint64
	p.space()
	if p.byte('}') {
		return p.end()
	}
	for {
		p.space()
		key, ok := p.key()
		if !ok {
			return false
		}
		f, ok := fields.byName[string(key)] // no allocation for the lookup
		if !ok || seen&(1<<f.bit) != 0 {
			return false
		}
		seen |= 1 << f.bit
		p.space()
		if !p.byte(':') {
			return false
		}
		p.space()
		if !p.member(st.Field(f.index), f.kind) {
			return false
		}
		p.space()
		if p.byte(',') {
			continue
		}
		return p.byte('}') && p.end()
	}
}

// flatKind is how decodeFlat sets a field.
type flatKind uint8

const (
	flatString    flatKind = iota // string
	flatStringPtr                 // *string
	flatStrings                   // []string
)

type flatField struct {
	index int
	bit   uint
	kind  flatKind
}

// flatFields are the members of a request struct decodeFlat can set.
type flatFields struct {
	byName map[string]flatField
}

var flatFieldsCache sync.Map // reflect.Type → *flatFields (nil: not flat)

// flatFieldsOf returns the string, *string and []string fields of struct
// type t by member name, or nil when t is not a struct. A body naming any
// other member is not flat.
func flatFieldsOf(t reflect.Type) *flatFields {
	if f, ok := flatFieldsCache.Load(t); ok {
		return f.(*flatFields)
	}
	var out *flatFields
	if t.Kind() == reflect.Struct && t.NumField() <= 64 {
		out = &flatFields{byName: map[string]flatField{}}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
			kind, ok := flatKindOf(f.Type)
			if !f.IsExported() || f.Anonymous || name == "-" || opts != "" && opts != "omitempty" || !ok {
				continue // a body naming it is not flat
			}
			if name == "" {
				name = f.Name
			}
			if _, dup := out.byName[name]; dup {
				out = nil
				break
			}
			out.byName[name] = flatField{index: i, bit: uint(i), kind: kind}
		}
	}
	actual, _ := flatFieldsCache.LoadOrStore(t, out)
	return actual.(*flatFields)
}

func flatKindOf(t reflect.Type) (flatKind, bool) {
	switch {
	case t == reflect.TypeFor[string]():
		return flatString, true
	case t == reflect.TypeFor[*string]():
		return flatStringPtr, true
	case t == reflect.TypeFor[[]string]():
		return flatStrings, true
	}
	return 0, false
}

// flatParser reads a JSON body from the front.
type flatParser struct {
	b []byte
	i int
}

// space skips JSON whitespace.
func (p *flatParser) space() {
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case ' ', '\t', '\n', '\r':
			p.i++
		default:
			return
		}
	}
}

// byte consumes c if it is next.
func (p *flatParser) byte(c byte) bool {
	if p.i < len(p.b) && p.b[p.i] == c {
		p.i++
		return true
	}
	return false
}

// end reports whether nothing but whitespace is left.
func (p *flatParser) end() bool {
	p.space()
	return p.i == len(p.b)
}

// key reads an object key made of printable ASCII with no escapes.
func (p *flatParser) key() ([]byte, bool) {
	if !p.byte('"') {
		return nil, false
	}
	start := p.i
	for ; p.i < len(p.b); p.i++ {
		switch c := p.b[p.i]; {
		case c == '"':
			k := p.b[start:p.i]
			p.i++
			return k, true
		case c < 0x20 || c == '\\' || c >= utf8.RuneSelf:
			return nil, false
		}
	}
	return nil, false
}

// str reads a JSON string, unquoting it as encoding/json does.
func (p *flatParser) str() (string, bool) {
	if !p.byte('"') {
		return "", false
	}
	start := p.i
	escaped, ascii := false, true
	for ; p.i < len(p.b); p.i++ {
		switch c := p.b[p.i]; {
		case c == '"':
			raw := p.b[start:p.i]
			p.i++
			switch {
			case !ascii && !utf8.Valid(raw):
				return "", false // encoding/json would replace the bad bytes
			case escaped:
				if hasLoneSurrogate(raw) {
					return "", false // encoding/json would decode it to U+FFFD
				}
				var s string
				if json.Unmarshal(p.b[start-1:p.i], &s) != nil {
					return "", false
				}
				return s, true
			}
			return string(raw), true
		case c == '\\':
			escaped = true
			p.i++ // the escaped byte cannot end the string
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

// null consumes the literal null.
func (p *flatParser) null() bool {
	if len(p.b)-p.i >= 4 && string(p.b[p.i:p.i+4]) == "null" {
		p.i += 4
		return true
	}
	return false
}

// member reads a member's value into field f. A null leaves f as it is,
// which for a fresh struct is what encoding/json does.
func (p *flatParser) member(f reflect.Value, kind flatKind) bool {
	if p.null() {
		return true
	}
	switch kind {
	case flatString:
		s, ok := p.str()
		f.SetString(s)
		return ok
	case flatStringPtr:
		s, ok := p.str()
		f.Set(reflect.ValueOf(&s))
		return ok
	}
	if !p.byte('[') {
		return false
	}
	list := []string{}
	p.space()
	if p.byte(']') {
		f.Set(reflect.ValueOf(list))
		return true
	}
	for {
		p.space()
		s, ok := p.str()
		if !ok {
			return false
		}
		list = append(list, s)
		p.space()
		if p.byte(',') {
			continue
		}
		if !p.byte(']') {
			return false
		}
		f.Set(reflect.ValueOf(list))
		return true
	}
}
