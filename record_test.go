package secretstore

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// fullSecretRecord returns a secretRecord with every field set.
func fullSecretRecord() *secretRecord {
	at := func(d time.Duration) time.Time { return testEpoch.Add(d) }
	r := &secretRecord{
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
		Versions: []versionMeta{
			{ID: testToken("2"), Seq: 2, Stages: []string{StagePrevious, "CUSTOM"}, CreatedDate: at(time.Minute), LastAccessedDate: day(at(0)), KmsKeyId: "alias/custom"},
			{ID: testToken("3"), Seq: 3, Stages: []string{StageCurrent}, CreatedDate: at(2 * time.Minute), LastAccessedDate: day(at(48 * time.Hour)), KmsKeyId: "alias/custom"},
			{ID: testToken("4"), Seq: 4, Stages: []string{StagePending}, CreatedDate: at(3 * time.Minute), KmsKeyId: "alias/custom", Empty: true},
		},
		Deprecated: 1,
		VersionSeq: 4,
		Replicas: []replicaMeta{
			{Region: "eu-west-1", KmsKeyId: "alias/replica", Status: "InSync", StatusMessage: "Replication succeeded", LastAccessedDate: day(at(24 * time.Hour))},
			{Region: "ap-south-1", Status: "Failed", StatusMessage: "Secret with this name already exists in this region"},
		},
		Rotation: rotationState{
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
	r := fullSecretRecord()
	if unset := unsetFields(reflect.ValueOf(*r), "secretRecord"); len(unset) > 0 && !slices.Equal(unset, []string{"secretRecord.Versions[].stored"}) {
		t.Fatalf("the test record leaves fields unset: %v", unset)
	}
	b := encodeSecret(r)
	got, err := decodeSecret(b)
	if err != nil {
		t.Fatalf("decodeSecret: %v", err)
	}
	if !reflect.DeepEqual(got, r) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, r)
	}
	if !bytes.Equal(encodeSecret(got), b) {
		t.Error("re-encoding the decoded record gives other bytes")
	}
}

func TestSecretRecordRoundTripOfTheZeroRecord(t *testing.T) {
	got, err := decodeSecret(encodeSecret(&secretRecord{}))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, &secretRecord{}) {
		t.Errorf("got %+v", got)
	}
}

func TestVersionMetaRoundTrip(t *testing.T) {
	v := versionMeta{ID: testToken("1"), Seq: 1, Stages: []string{"X"}, CreatedDate: testEpoch, LastAccessedDate: day(testEpoch), KmsKeyId: "alias/k", Empty: true}
	if unset := unsetFields(reflect.ValueOf(v), "versionMeta"); !slices.Equal(unset, []string{"versionMeta.stored"}) {
		t.Fatalf("the test version leaves fields unset: %v", unset)
	}
	b := encodeVersionMeta(&v)
	got, err := decodeVersionMeta(b)
	if err != nil {
		t.Fatal(err)
	}
	v.stored = b
	if !reflect.DeepEqual(got, v) {
		t.Errorf("round trip:\n got %+v\nwant %+v", got, v)
	}
	for _, bad := range [][]byte{nil, b[:1], append([]byte{kindSecret}, b[1:]...), encodeVersionMeta(&versionMeta{Seq: 1})} {
		if _, err := decodeVersionMeta(bad); !errors.Is(err, ErrCorrupt) {
			t.Errorf("decodeVersionMeta(%q) = %v, want ErrCorrupt", bad, err)
		}
	}
}

// TestRecordsWithDeprecatedVersionsInline: a record written before
// deprecated versions had records of their own holds them inline, without
// Seq; it decodes with every version in creation order.
func TestRecordsWithDeprecatedVersionsInline(t *testing.T) {
	e := newEncoder(kindSecret, 256)
	e.str(fName, "old")
	for i, stages := range [][]string{nil, {StagePrevious}, nil, {StageCurrent}} {
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
	if len(r.Versions) != 4 || r.Deprecated != 0 || r.VersionSeq != 4 || r.versionCount() != 4 {
		t.Fatalf("decoded %d versions, Deprecated %d, VersionSeq %d", len(r.Versions), r.Deprecated, r.VersionSeq)
	}
	for i, v := range r.Versions {
		if v.Seq != uint64(i+1) || v.stored != nil {
			t.Errorf("version %d: Seq %d, stored %v", i, v.Seq, v.stored != nil)
		}
	}
	// Encoded again, the deprecated ones leave the record and are counted.
	again, err := decodeSecret(encodeSecret(r))
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Versions) != 2 || again.Deprecated != 2 || again.versionCount() != 4 {
		t.Errorf("re-encoded: %d versions inline, Deprecated %d", len(again.Versions), again.Deprecated)
	}
}

func TestVersionRecordRoundTrip(t *testing.T) {
	for _, v := range []*versionRecord{
		{Term: 7, KmsKeyId: "alias/k", WrappedKey: bytes.Repeat([]byte{0xaa}, 72), Binary: true, Ciphertext: []byte("ciphertext\x00bytes")},
		{Term: 1, WrappedKey: []byte{1}, Ciphertext: []byte{2}},
		{Term: 1 << 31, WrappedKey: []byte{1}, Ciphertext: bytes.Repeat([]byte{3}, 70000)},
	} {
		got, err := decodeVersion(encodeVersion(v))
		if err != nil {
			t.Fatalf("decodeVersion: %v", err)
		}
		if !reflect.DeepEqual(got, v) {
			t.Errorf("round trip: got %+v, want %+v", got, v)
		}
	}
}

func TestDecodeRefusesWhatItDoesNotKnow(t *testing.T) {
	full := encodeSecret(fullSecretRecord())
	withUnknownField := append(bytes.Clone(full), 99, 1, 'x')
	// A version entry of 3 bytes holding field 42.
	nestedUnknown := append(encodeSecret(&secretRecord{Name: "n"}), fVersion, 3, 42, 1, 'z')
	newerSchema := bytes.Clone(full)
	newerSchema[1] = schemaVersion + 1
	wrongKind := bytes.Clone(full)
	wrongKind[0] = kindVersion

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
		{"a flag with a value", append(encodeSecret(&secretRecord{}), fTagged, 1), "bad flag"},
		{"a secret id of the wrong length", append(encodeSecret(&secretRecord{}), fID, 2, 1, 2), "bad secret id"},
		{"a field longer than the record", append(encodeSecret(&secretRecord{}), fName, 9, 'a'), "past the end"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused with a clear error", func(t *testing.T) {
			r, err := decodeSecret(tt.b)
			if r != nil {
				t.Errorf("decoded %+v", r)
			}
			wantErr(t, err, ErrInternalServiceError, tt.msg)
			if !strings.Contains(err.Error(), "reading a secret record") {
				t.Errorf("error %q does not say what was being read", err)
			}
		})
	}
	t.Run("a version record of a newer schema is refused", func(t *testing.T) {
		b := encodeVersion(&versionRecord{Term: 1, WrappedKey: []byte{1}, Ciphertext: []byte{2}})
		b[1] = schemaVersion + 1
		_, err := decodeVersion(b)
		wantErr(t, err, ErrInternalServiceError, "upgrade")
		_, err = decodeVersion(append(encodeVersion(&versionRecord{Term: 1}), 77, 0))
		wantErr(t, err, ErrInternalServiceError, "unknown field 77")
	})
}

func TestDecodeTruncatedRecordsNeverPanics(t *testing.T) {
	full := encodeSecret(fullSecretRecord())
	ver := encodeVersion(&versionRecord{Term: 3, KmsKeyId: "k", WrappedKey: make([]byte, 72), Binary: true, Ciphertext: make([]byte, 40)})
	for n := range len(full) {
		r, err := decodeSecret(full[:n])
		if err == nil && reflect.DeepEqual(r, fullSecretRecord()) {
			t.Errorf("a prefix of %d of %d bytes decodes to the whole record", n, len(full))
		}
		if err != nil && !errors.Is(err, ErrInternalServiceError) {
			t.Errorf("prefix %d: error %v is not an InternalServiceError", n, err)
		}
	}
	for n := range len(ver) {
		if _, err := decodeVersion(ver[:n]); err != nil && !errors.Is(err, ErrInternalServiceError) {
			t.Errorf("prefix %d: error %v is not an InternalServiceError", n, err)
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
	f.Add(encodeSecret(fullSecretRecord()))
	f.Add(encodeSecret(&secretRecord{}))
	f.Add([]byte{kindSecret, schemaVersion, fVersion, 0x80, 0x80, 0x80, 0x80})
	f.Add([]byte{kindSecret, schemaVersion, fVersion, 0x82, 0x80, 0x00, fvID, 0x00})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeSecret(b)
		if err != nil {
			if !errors.Is(err, ErrInternalServiceError) {
				t.Fatalf("error %v is not an InternalServiceError", err)
			}
			return
		}
		// What decodes re-encodes to something that decodes with the same
		// versions (deprecated ones leave the record, counted) and then
		// stays the same.
		again, err := decodeSecret(encodeSecret(r))
		if err != nil || again.versionCount() != r.versionCount() {
			t.Fatalf("re-decoding: %+v, %v; want %+v", again, err, r)
		}
		third, err := decodeSecret(encodeSecret(again))
		if err != nil || !reflect.DeepEqual(third, again) {
			t.Fatalf("re-decoding: %+v, %v; want %+v", third, err, again)
		}
	})
}

func FuzzDecodeVersionMeta(f *testing.F) {
	f.Add(encodeVersionMeta(&versionMeta{ID: testToken("1"), Seq: 3, CreatedDate: testEpoch}))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := decodeVersionMeta(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not match ErrCorrupt", err)
			}
			return
		}
		again, err := decodeVersionMeta(encodeVersionMeta(&v))
		v.stored, again.stored = nil, nil
		if err != nil || !reflect.DeepEqual(again, v) {
			t.Fatalf("re-decoding: %+v, %v; want %+v", again, err, v)
		}
	})
}

func TestKeysSortByTime(t *testing.T) {
	early := createdKey("us-east-1", testEpoch, "zzz")
	late := createdKey("us-east-1", testEpoch.Add(time.Millisecond), "aaa")
	if bytes.Compare(early, late) >= 0 {
		t.Error("created-date index keys do not sort by time")
	}
	if !bytes.HasPrefix(early, createdPrefix("us-east-1")) || bytes.HasPrefix(early, createdPrefix("us-east-2")) {
		t.Error("createdPrefix does not delimit the region")
	}
	if got := int64(binary.BigEndian.Uint64(early[len(createdPrefix("us-east-1")):])); got != testEpoch.UnixMilli() {
		t.Errorf("created key holds %d, want %d", got, testEpoch.UnixMilli())
	}
	d1 := deletionKey(testEpoch, [idLen]byte{9})
	d2 := deletionKey(testEpoch.Add(time.Second), [idLen]byte{1})
	if bytes.Compare(d1, d2) >= 0 {
		t.Error("deletion index keys do not sort by time")
	}
	if bytes.HasPrefix(secretKey("us-east-1", "ab"), secretPrefix("us-east-1", "abc")) || !bytes.HasPrefix(secretKey("us-east-1", "abc"), secretPrefix("us-east-1", "ab")) {
		t.Error("secretPrefix does not select names by prefix")
	}
	region, name, ok := splitRegionName(regionName("eu-west-1", "a/b"))
	if !ok || region != "eu-west-1" || name != "a/b" {
		t.Errorf("splitRegionName = %q, %q, %v", region, name, ok)
	}
	if _, _, ok := splitRegionName([]byte("no-separator")); ok {
		t.Error("splitRegionName accepted a value without a separator")
	}
}
