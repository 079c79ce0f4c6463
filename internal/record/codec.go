package record

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
	"unsafe"
)

// The codec: a record is a kind byte, the schema version, then tagged
// fields. A field is its tag byte, then a uvarint length and that many
// bytes (bytes, strings, nested groups), a uvarint (counts), a varint of
// Unix milliseconds (times) or a zero byte (a flag that is set). A field
// whose value is the zero value is left out.

// SchemaVersion is the schema version of the records this build writes,
// and the only one it reads.
const SchemaVersion = 1

// The kinds of record: the first byte of each.
const (
	KindSecret  = 'S'
	KindVersion = 'V'
	KindMeta    = 'M'
	KindKeyring = 'K'
)

// encoder appends tagged fields to a buffer.
type encoder struct{ b []byte }

func newEncoder(kind byte, size int) *encoder {
	e := &encoder{b: make([]byte, 0, size)}
	e.b = append(e.b, kind, SchemaVersion)
	return e
}

func (e *encoder) bytes(tag byte, v []byte) {
	if len(v) == 0 {
		return
	}
	e.b = append(e.b, tag)
	e.b = binary.AppendUvarint(e.b, uint64(len(v)))
	e.b = append(e.b, v...)
}

func (e *encoder) str(tag byte, v string) {
	if v == "" {
		return
	}
	e.b = append(e.b, tag)
	e.b = binary.AppendUvarint(e.b, uint64(len(v)))
	e.b = append(e.b, v...)
}

func (e *encoder) flag(tag byte, v bool) {
	if v {
		e.b = append(e.b, tag, 0)
	}
}

func (e *encoder) uint(tag byte, v uint64) {
	if v != 0 {
		e.b = append(e.b, tag)
		e.b = binary.AppendUvarint(e.b, v)
	}
}

func (e *encoder) time(tag byte, t time.Time) {
	if !t.IsZero() {
		e.b = append(e.b, tag)
		e.b = binary.AppendVarint(e.b, t.UnixMilli())
	}
}

// nested writes a length-prefixed group of fields written by fn.
func (e *encoder) nested(tag byte, fn func(*encoder)) {
	e.b = append(e.b, tag)
	at := len(e.b)
	e.b = append(e.b, 0, 0, 0) // room for the length; fixed below
	start := len(e.b)
	fn(e)
	n := len(e.b) - start
	if n >= 1<<21 {
		panic("secretstore: nested record field over 2 MiB") // callers bound what they nest
	}
	// Store the length as a 3-byte uvarint so it can be patched in place.
	e.b[at] = byte(n) | 0x80
	e.b[at+1] = byte(n>>7) | 0x80
	e.b[at+2] = byte(n >> 14)
}

// decoder reads tagged fields. The first error sticks; fields read after it
// are zero. It is a value, so decoding allocates only what it returns.
type decoder struct {
	b   []byte
	err error
	// owned means b belongs to the record being decoded and is never
	// changed: strings may then share its memory instead of copying it.
	owned bool
}

func newDecoder(kind byte, b []byte) decoder {
	d := decoder{b: b}
	switch {
	case len(b) < 2:
		d.err = errShortRecord
	case b[0] != kind:
		d.err = fmt.Errorf("record kind %q, want %q", b[0], kind)
	case b[1] != SchemaVersion:
		d.err = fmt.Errorf("record schema version %d; this build of secretstore reads version %d", b[1], SchemaVersion)
	default:
		d.b = b[2:]
	}
	return d
}

var errShortRecord = errors.New("record too short")

func (d *decoder) more() bool { return d.err == nil && len(d.b) > 0 }

func (d *decoder) tag() byte {
	t := d.b[0]
	d.b = d.b[1:]
	return t
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = fmt.Errorf("bad varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

// raw returns the next length-prefixed field without copying.
func (d *decoder) raw() []byte {
	n := d.uvarint()
	if d.err != nil {
		return nil
	}
	if n > uint64(len(d.b)) {
		d.err = fmt.Errorf("field length %d past the end of the record", n)
		return nil
	}
	v := d.b[:n:n]
	d.b = d.b[n:]
	return v
}

func (d *decoder) bytes() []byte { return append([]byte(nil), d.raw()...) }

func (d *decoder) str() string {
	b := d.raw()
	if d.owned && len(b) > 0 {
		return unsafe.String(&b[0], len(b))
	}
	return string(b)
}

// The staging labels Secrets Manager gives meaning to, which the decoder
// interns.
const (
	stageCurrent  = "AWSCURRENT"
	stagePrevious = "AWSPREVIOUS"
	stagePending  = "AWSPENDING"
)

// stage decodes a staging label, without allocating for the AWS labels.
func (d *decoder) stage() string {
	b := d.raw()
	switch string(b) {
	case stageCurrent:
		return stageCurrent
	case stagePrevious:
		return stagePrevious
	case stagePending:
		return stagePending
	}
	if d.owned && len(b) > 0 {
		return unsafe.String(&b[0], len(b))
	}
	return string(b)
}

func (d *decoder) flag() bool {
	if d.err == nil {
		if len(d.b) == 0 || d.b[0] != 0 {
			d.err = fmt.Errorf("bad flag")
			return false
		}
		d.b = d.b[1:]
	}
	return d.err == nil
}

func (d *decoder) time() time.Time {
	if d.err != nil {
		return time.Time{}
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = fmt.Errorf("bad time")
		return time.Time{}
	}
	d.b = d.b[n:]
	return time.UnixMilli(v).UTC()
}

func (d *decoder) unknown(t byte) {
	if d.err == nil {
		d.err = fmt.Errorf("unknown field %d", t)
	}
}

// sub returns a decoder over the next nested group. Call done with it
// afterwards to carry its error over.
func (d *decoder) sub() decoder {
	return decoder{b: d.raw(), owned: d.owned}
}

func (d *decoder) done(s *decoder) {
	if d.err == nil {
		d.err = s.err
	}
}
