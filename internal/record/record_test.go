package record

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var testEpoch = time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)

// testToken returns a valid 36-character version id made from c.
func testToken(c string) string { return strings.Repeat(c, 36)[:36] }

// day is midnight UTC of t's day, the resolution of LastAccessedDate.
func day(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }

func decodeSecret(b []byte) (*Secret, error) {
	r := new(Secret)
	if err := DecodeSecret(b, r); err != nil {
		return nil, err
	}
	return r, nil
}

func decodeVersion(b []byte) (*Version, error) {
	v := new(Version)
	if err := DecodeVersion(b, v); err != nil {
		return nil, err
	}
	return v, nil
}

var decodeVersionMeta = DecodeVersionMeta

// wantErr fails t unless err is an error whose message contains msg.
func wantErr(t *testing.T, err error, msg string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), msg) {
		t.Errorf("got error %v, want one that says %q", err, msg)
	}
}

// fullSecretRecord returns a secretRecord with every field set.
func fullSecretRecord() *Secret {
	at := func(d time.Duration) time.Time { return testEpoch.Add(d) }
	r := &Secret{
		Region:           "eu-central-1",
		Name:             "prod/app/db",
		Suffix:           "a1B2c3",
		Description:      "the database password — ünïcödé",
		KmsKeyId:         "alias/custom",
		OwningService:    "rds",
		PrimaryRegion:    "us-east-1",
		ResourcePolicy:   `{"Version":"2012-10-17","Statement":[]}`,
		CreatedDate:      at(0),
		LastChangedDate:  at(time.Hour + 123*time.Millisecond),
		LastAccessedDate: day(at(48 * time.Hour)),
		DeletedDate:      at(72 * time.Hour),
		DeletionDate:     at(72*time.Hour + 7*24*time.Hour),
		Tagged:           true,
		Tags:             []Tag{{"env", "prod"}, {"empty", ""}},
		// Deprecated versions are not in the record (versions.go): see
		// TestVersionMetaRoundTrip.
		Versions: []VersionMeta{
			{ID: testToken("2"), Seq: 2, Stages: []string{stagePrevious, "CUSTOM"}, CreatedDate: at(time.Minute), LastAccessedDate: day(at(0)), KmsKeyId: "alias/custom"},
			{ID: testToken("3"), Seq: 3, Stages: []string{stageCurrent}, CreatedDate: at(2 * time.Minute), LastAccessedDate: day(at(48 * time.Hour)), KmsKeyId: "alias/custom"},
			{ID: testToken("4"), Seq: 4, Stages: []string{stagePending}, CreatedDate: at(3 * time.Minute), KmsKeyId: "alias/custom", Empty: true},
		},
		Deprecated: 1,
		VersionSeq: 4,
		Replicas: []Replica{
			{Region: "eu-west-1", KmsKeyId: "alias/replica", Status: "InSync", StatusMessage: "Replication succeeded", LastAccessedDate: day(at(24 * time.Hour))},
			{Region: "ap-south-1", Status: "Failed", StatusMessage: "Secret with this name already exists in this region"},
		},
		Rotation: Rotation{
			Configured: true, Enabled: true, LambdaARN: "arn:aws:lambda:eu-central-1:123456789012:function:rotate",
			AfterDays: 7, Schedule: "rate(7 days)", Duration: "2h",
			LastDate: at(time.Hour), NextDate: at(8 * 24 * time.Hour), WindowAt: at(7 * 24 * time.Hour),
			Token: testToken("4"), TestOnly: true, Attempts: 2, RetryAt: at(2 * time.Hour),
		},
		Mirror: "https://secretsmanager.eu-central-1.amazonaws.com?region=eu-central-1",
	}
	for i := range r.ID {
		r.ID[i] = byte(i + 1)
	}
	return r
}

// unsetFields returns the paths of the fields of v that hold their zero
// value, recursing into structs and slices of structs (where a field counts
// as set if one element sets it).
func unsetFields(v reflect.Value, path string) []string {
	var unset []string
	switch v.Kind() {
	case reflect.Struct:
		if v.Type() == reflect.TypeFor[time.Time]() {
			if v.Interface().(time.Time).IsZero() {
				unset = append(unset, path)
			}
			return unset
		}
		for i := range v.NumField() {
			unset = append(unset, unsetFields(v.Field(i), path+"."+v.Type().Field(i).Name)...)
		}
	case reflect.Slice:
		if v.Len() == 0 {
			return append(unset, path)
		}
		if v.Type().Elem().Kind() == reflect.Struct {
			// Every field must be set in at least one element.
			counts := map[string]int{}
			for i := range v.Len() {
				for _, u := range unsetFields(v.Index(i), path+"[]") {
					counts[u]++
				}
			}
			for u, n := range counts {
				if n == v.Len() {
					unset = append(unset, u)
				}
			}
		}
	default:
		if v.IsZero() {
			unset = append(unset, path)
		}
	}
	return unset
}

func TestSecretRecordRoundTrip(t *testing.T) {
	t.Parallel()
	r := fullSecretRecord()
	if unset := unsetFields(reflect.ValueOf(*r), "Secret"); len(unset) > 0 && !slices.Equal(unset, []string{"Secret.Versions[].Stored"}) {
		t.Fatalf("the test record leaves fields unset: %v", unset)
	}
	b := EncodeSecret(r)
	got, err := decodeSecret(b)
	if err != nil {
		t.Fatalf("decodeSecret: %v", err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, r)
	}
	if !bytes.Equal(EncodeSecret(got), b) {
		t.Error("re-encoding the decoded record gives other bytes")
	}
}

func TestSecretRecordRoundTripOfTheZeroRecord(t *testing.T) {
	t.Parallel()
	got, err := decodeSecret(EncodeSecret(&Secret{}))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, &Secret{}) {
		t.Errorf("got %+v", got)
	}
}

func TestVersionMetaRoundTrip(t *testing.T) {
	t.Parallel()
	v := VersionMeta{ID: testToken("1"), Seq: 1, Stages: []string{"X"}, CreatedDate: testEpoch, LastAccessedDate: day(testEpoch), KmsKeyId: "alias/k", Empty: true}
	if unset := unsetFields(reflect.ValueOf(v), "VersionMeta"); !slices.Equal(unset, []string{"VersionMeta.Stored"}) {
		t.Fatalf("the test version leaves fields unset: %v", unset)
	}
	b := EncodeVersionMeta(&v)
	got, err := decodeVersionMeta(b)
	if err != nil {
		t.Fatal(err)
	}
	v.Stored = b
	if !reflect.DeepEqual(got, v) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, v)
	}
	for _, bad := range [][]byte{nil, b[:1], append([]byte{KindSecret}, b[1:]...), EncodeVersionMeta(&VersionMeta{Seq: 1})} {
		if _, err := decodeVersionMeta(bad); err == nil {
			t.Errorf("DecodeVersionMeta(%q) succeeded", bad)
		}
	}
}

// TestRecordsWithDeprecatedVersionsInline: a record written before
// deprecated versions had records of their own holds them inline, without
// Seq; it decodes with every version in creation order.
func TestRecordsWithDeprecatedVersionsInline(t *testing.T) {
	t.Parallel()
	e := newEncoder(KindSecret, 256)
	e.str(fName, "old")
	for i, stages := range [][]string{nil, {stagePrevious}, nil, {stageCurrent}} {
		e.nested(fVersion, func(e *encoder) {
			e.str(fvID, testToken(string(rune('a'+i))))
			for _, st := range stages {
				e.str(fvStage, st)
			}
		})
	}
	r, err := decodeSecret(e.b)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Versions) != 4 || r.Deprecated != 0 || r.VersionSeq != 4 || r.VersionCount() != 4 {
		t.Fatalf("decoded %d versions, Deprecated %d, VersionSeq %d", len(r.Versions), r.Deprecated, r.VersionSeq)
	}
	for i, v := range r.Versions {
		if v.Seq != uint64(i+1) || v.Stored != nil {
			t.Errorf("version %d: Seq %d, stored %v", i, v.Seq, v.Stored != nil)
		}
	}
	// Encoded again, the deprecated ones leave the record and are counted.
	again, err := decodeSecret(EncodeSecret(r))
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Versions) != 2 || again.Deprecated != 2 || again.VersionCount() != 4 {
		t.Errorf("re-encoded: %d versions inline, Deprecated %d", len(again.Versions), again.Deprecated)
	}
}

func TestVersionRecordRoundTrip(t *testing.T) {
	t.Parallel()
	for _, v := range []*Version{
		{Term: 7, KmsKeyId: "alias/k", WrappedKey: bytes.Repeat([]byte{0xaa}, 72), Binary: true, Ciphertext: []byte("ciphertext\x00bytes")},
		{Term: 1, WrappedKey: []byte{1}, Ciphertext: []byte{2}},
		{Term: 1 << 31, WrappedKey: []byte{1}, Ciphertext: bytes.Repeat([]byte{3}, 70000)},
	} {
		got, err := decodeVersion(EncodeVersion(v))
		if err != nil {
			t.Fatalf("decodeVersion: %v", err)
		}
		if !reflect.DeepEqual(got, v) {
			t.Errorf("round trip: got %+v, want %+v", got, v)
		}
	}
}

func TestDecodeRefusesWhatItDoesNotKnow(t *testing.T) {
	t.Parallel()
	full := EncodeSecret(fullSecretRecord())
	withUnknownField := append(bytes.Clone(full), 99, 1, 'x')
	// A version entry of 3 bytes holding field 42.
	nestedUnknown := append(EncodeSecret(&Secret{Name: "n"}), fVersion, 3, 42, 1, 'z')
	newerSchema := bytes.Clone(full)
	newerSchema[1] = SchemaVersion + 1
	wrongKind := bytes.Clone(full)
	wrongKind[0] = KindVersion

	tests := []struct {
		name string
		b    []byte
		msg  string
	}{
		{"an unknown field tag", withUnknownField, "unknown field 99"},
		{"an unknown field tag inside a version entry", nestedUnknown, "unknown field 42"},
		{"a newer schema version", newerSchema, "schema version 2"},
		{"a record of another kind", wrongKind, "record kind"},
		{"an empty record", nil, "too short"},
		{"a flag with a value", append(EncodeSecret(&Secret{}), fTagged, 1), "bad flag"},
		{"a secret id of the wrong length", append(EncodeSecret(&Secret{}), fID, 2, 1, 2), "bad secret id"},
		{"a field longer than the record", append(EncodeSecret(&Secret{}), fName, 9, 'a'), "past the end"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused with a clear error", func(t *testing.T) {
			r, err := decodeSecret(tt.b)
			if r != nil {
				t.Errorf("decoded %+v", r)
			}
			wantErr(t, err, tt.msg)
		})
	}
	t.Run("a version record of a newer schema is refused", func(t *testing.T) {
		b := EncodeVersion(&Version{Term: 1, WrappedKey: []byte{1}, Ciphertext: []byte{2}})
		b[1] = SchemaVersion + 1
		_, err := decodeVersion(b)
		wantErr(t, err, "this build of secretstore reads version 1")
		_, err = decodeVersion(append(EncodeVersion(&Version{Term: 1}), 77, 0))
		wantErr(t, err, "unknown field 77")
	})
}

func TestDecodeTruncatedRecordsNeverPanics(t *testing.T) {
	t.Parallel()
	full := EncodeSecret(fullSecretRecord())
	ver := EncodeVersion(&Version{Term: 3, KmsKeyId: "k", WrappedKey: make([]byte, 72), Binary: true, Ciphertext: make([]byte, 40)})
	for n := range len(full) {
		r, err := decodeSecret(full[:n])
		if err == nil && reflect.DeepEqual(r, fullSecretRecord()) {
			t.Errorf("a prefix of %d of %d bytes decodes to the whole record", n, len(full))
		}
	}
	for n := range len(ver) {
		if v, err := decodeVersion(ver[:n]); err == nil && n < len(ver) && reflect.DeepEqual(v.Ciphertext, make([]byte, 40)) {
			t.Errorf("a prefix of %d of %d bytes decodes to the whole version", n, len(ver))
		}
	}
	// Random corruption: flipped bytes must give an error or a record, never a panic.
	rng := rand.New(rand.NewPCG(1, 2))
	for range 5000 {
		b := bytes.Clone(full)
		for range 1 + rng.IntN(4) {
			b[rng.IntN(len(b))] = byte(rng.IntN(256))
		}
		decodeSecret(b)
		v := bytes.Clone(ver)
		v[rng.IntN(len(v))] = byte(rng.IntN(256))
		decodeVersion(v)
	}
}

func FuzzDecodeSecret(f *testing.F) {
	f.Add(EncodeSecret(fullSecretRecord()))
	f.Add(EncodeSecret(&Secret{}))
	f.Add([]byte{KindSecret, SchemaVersion, fVersion, 0x80, 0x80, 0x80, 0x80})
	f.Add([]byte{KindSecret, SchemaVersion, fVersion, 0x82, 0x80, 0x00, fvID, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeSecret(b)
		if err != nil {
			return
		}
		// What decodes re-encodes to something that decodes with the same
		// versions (deprecated ones leave the record, counted) and then
		// stays the same.
		again, err := decodeSecret(EncodeSecret(r))
		if err != nil || again.VersionCount() != r.VersionCount() {
			t.Fatalf("re-decoding: %+v, %v; want %+v", again, err, r)
		}
		third, err := decodeSecret(EncodeSecret(again))
		if err != nil || !reflect.DeepEqual(third, again) {
			t.Fatalf("re-decoding: %+v, %v; want %+v", third, err, again)
		}
	})
}

func FuzzDecodeVersionMeta(f *testing.F) {
	f.Add(EncodeVersionMeta(&VersionMeta{ID: testToken("1"), Seq: 3, CreatedDate: testEpoch}))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodeVersionMeta(b)
		if err != nil {
			return
		}
		again, err := decodeVersionMeta(EncodeVersionMeta(&v))
		v.Stored, again.Stored = nil, nil
		if err != nil || !reflect.DeepEqual(again, v) {
			t.Fatalf("re-decoding: %+v, %v; want %+v", again, err, v)
		}
	})
}

func TestKeysSortByTime(t *testing.T) {
	t.Parallel()
	early := CreatedKey("us-east-1", testEpoch, "zzz")
	late := CreatedKey("us-east-1", testEpoch.Add(time.Millisecond), "aaa")
	if bytes.Compare(early, late) >= 0 {
		t.Error("created-date index keys do not sort by time")
	}
	if !bytes.HasPrefix(early, CreatedPrefix("us-east-1")) || bytes.HasPrefix(early, CreatedPrefix("us-east-2")) {
		t.Error("createdPrefix does not delimit the region")
	}
	if got := int64(binary.BigEndian.Uint64(early[len(CreatedPrefix("us-east-1")):])); got != testEpoch.UnixMilli() {
		t.Errorf("created key holds %d, want %d", got, testEpoch.UnixMilli())
	}
	d1 := DeletionKey(testEpoch, ID{9})
	d2 := DeletionKey(testEpoch.Add(time.Second), ID{1})
	if bytes.Compare(d1, d2) >= 0 {
		t.Error("deletion index keys do not sort by time")
	}
	if bytes.HasPrefix(SecretKey("us-east-1", "ab"), SecretPrefix("us-east-1", "abc")) || !bytes.HasPrefix(SecretKey("us-east-1", "abc"), SecretPrefix("us-east-1", "ab")) {
		t.Error("secretPrefix does not select names by prefix")
	}
	region, name, ok := SplitRegionName(RegionName("eu-west-1", "a/b"))
	if !ok || region != "eu-west-1" || name != "a/b" {
		t.Errorf("splitRegionName = %q, %q, %v", region, name, ok)
	}
	if _, _, ok := SplitRegionName([]byte("no-separator")); ok {
		t.Error("splitRegionName accepted a value without a separator")
	}
}
