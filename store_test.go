package secretstore

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore/internal/awsmodel"
)

// fillStore writes a varied set of secrets: several versions, custom and AWS
// labels, a deprecated version, tags, descriptions, a custom key, a binary
// secret, one without a value and one scheduled for deletion.
func fillStore(t *testing.T, s *Store, clk *FakeClock) {
	t.Helper()
	ctx := context.Background()
	must := func(_ any, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.CreateSecret(ctx, &CreateSecretInput{Name: "app/db", SecretString: "db-1", Description: "database", Tags: []Tag{{"env", "prod"}, {"team", "core"}}, ClientRequestToken: testToken("1")}))
	clk.Advance(time.Minute)
	must(s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "app/db", SecretString: "db-2", ClientRequestToken: testToken("2")}))
	must(s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "app/db", SecretString: "db-3", ClientRequestToken: testToken("3")}))
	must(s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "app/db", SecretString: "db-4", ClientRequestToken: testToken("4"), VersionStages: []string{StagePending, "CUSTOM"}}))
	clk.Advance(time.Minute)
	must(s.CreateSecret(ctx, &CreateSecretInput{Name: "bin", SecretBinary: []byte{0, 1, 2, 0xfe, 0xff}, KmsKeyId: "alias/bin", ClientRequestToken: testToken("b")}))
	must(s.CreateSecret(ctx, &CreateSecretInput{Name: "empty", Description: "no value yet"}))
	must(s.CreateSecret(ctx, &CreateSecretInput{Name: "untagged", SecretString: "u", Tags: []Tag{{"gone", "x"}}}))
	must(s.UntagResource(ctx, &UntagResourceInput{SecretId: "untagged", TagKeys: []string{"gone"}}))
	must(s.CreateSecret(ctx, &CreateSecretInput{Name: "doomed", SecretString: "d"}))
	must(s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: "doomed", RecoveryWindowInDays: new(int64(7))}))
	must(s.Region("eu-west-1").CreateSecret(ctx, &CreateSecretInput{Name: "eu", SecretString: "eu-value"}))
	clk.Advance(time.Minute)
	mustGet(t, s, "app/db") // LastAccessedDate
}

// storeContents is everything a reader can see of a store: metadata of
// every secret in two regions, and every version's value.
type storeContents struct {
	States map[string][]storeState
	Values map[string]string
}

// readAll reads storeContents of s. Reading values stamps LastAccessedDate,
// so it reads them first: a second readAll on the same day sees the same.
func readAll(t *testing.T, s *Store) storeContents {
	t.Helper()
	c := storeContents{States: map[string][]storeState{}, Values: map[string]string{}}
	for _, region := range []string{DefaultRegion, "eu-west-1"} {
		v := s.Region(region)
		for _, name := range listNames(t, v, &ListSecretsInput{IncludePlannedDeletion: true}) {
			for _, e := range listVersions(t, v, name) {
				out, err := v.GetSecretValue(context.Background(), &GetSecretValueInput{SecretId: name, VersionId: e.VersionId})
				key := region + "/" + name + "/" + e.VersionId
				if err != nil {
					c.Values[key] = "error: " + ErrorCode(err)
					continue
				}
				c.Values[key] = out.SecretString + "|" + string(out.SecretBinary)
			}
		}
		c.States[region] = snapshot(t, v)
	}
	return c
}

func TestPersistence(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key := newTestKey(t)
	clk := NewFakeClock(testEpoch)
	s := mustOpenDisk(t, dir, Options{MasterKey: key, Clock: clk})
	fillStore(t, s, clk)
	want := readAll(t, s)
	if len(want.Values) != 8 || want.Values[DefaultRegion+"/bin/"+testToken("b")] != "|\x00\x01\x02\xfe\xff" {
		t.Fatalf("unexpected contents before closing: %v", want.Values)
	}
	mustClose(t, s)

	t.Run("reopened with the same key everything reads back equal", func(t *testing.T) {
		s := mustOpenDisk(t, dir, Options{MasterKey: key, Clock: clk})
		defer s.Close()
		if got := readAll(t, s); !reflect.DeepEqual(got, want) {
			t.Errorf("after reopening:\n got %+v\nwant %+v", got, want)
		}
		wantStages(t, s, "app/db", map[string][]string{
			testToken("1"): {}, testToken("2"): {StagePrevious}, testToken("3"): {StageCurrent}, testToken("4"): {StagePending, "CUSTOM"},
		})
		d := mustDescribe(t, s, "untagged")
		if d.Tags == nil || len(d.Tags) != 0 {
			t.Errorf("Tags of a secret whose tags were all removed = %#v, want []", d.Tags)
		}
	})
	t.Run("reopened with a wrong key it refuses to open", func(t *testing.T) {
		s, err := openDisk(t, dir, Options{MasterKey: newTestKey(t), Clock: clk})
		if err == nil {
			s.Close()
			t.Fatal("Open with a wrong key succeeded")
		}
		if !errors.Is(err, ErrWrongMasterKey) {
			t.Errorf("Open with a wrong key: %v, want ErrWrongMasterKey", err)
		}
	})
	t.Run("after a wrong key the right key still opens everything", func(t *testing.T) {
		s := mustOpenDisk(t, dir, Options{MasterKey: key, Clock: clk})
		defer s.Close()
		if got := readAll(t, s); !reflect.DeepEqual(got, want) {
			t.Errorf("after a wrong key:\n got %+v\nwant %+v", got, want)
		}
	})
	t.Run("writes after reopening persist too", func(t *testing.T) {
		s := mustOpenDisk(t, dir, Options{MasterKey: key, Clock: clk})
		mustPut(t, s, "app/db", "db-5")
		mustClose(t, s)
		s = mustOpenDisk(t, dir, Options{MasterKey: key, Clock: clk})
		defer s.Close()
		if got := mustGet(t, s, "app/db"); got != "db-5" {
			t.Errorf("value = %q, want db-5", got)
		}
	})
}

func TestNoPlaintextAtRest(t *testing.T) {
	t.Parallel()
	str := "plaintext-canary-string-0123456789abcdef" // 40 bytes
	bin := []byte("BINARY\x00CANARY\xff0123456789ABCDEFGHIJKLMNOP")
	if len(str) != 40 || len(bin) != 40 {
		t.Fatalf("canaries of %d and %d bytes, want 40", len(str), len(bin))
	}
	ctx := context.Background()
	dir := t.TempDir()
	key := newTestKey(t)
	s := mustOpenDisk(t, dir, Options{MasterKey: key})
	mustCreate(t, s, "canary-string-secret", str)
	if _, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "canary-binary-secret", SecretBinary: bin}); err != nil {
		t.Fatal(err)
	}
	mustPut(t, s, "canary-string-secret", str+"-v2")
	if _, err := s.UpdateSecret(ctx, &UpdateSecretInput{SecretId: "canary-binary-secret", KmsKeyId: new("alias/other")}); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, s, "canary-string-secret"); got != str+"-v2" {
		t.Fatalf("value = %q", got)
	}
	mustClose(t, s)

	for _, canary := range [][]byte{[]byte(str), bin, key} {
		if f := filesContain(t, dir, canary); len(f) != 0 {
			t.Errorf("%v hold a plaintext secret (%q)", f, canary[:8])
		}
	}
	// Names are stored in the clear: finding one shows the walk reads the data.
	if len(filesContain(t, dir, []byte("canary-string-secret"))) == 0 {
		t.Errorf("no file holds the secret's name; the test reads nothing")
	}
}

func TestCancelledContext(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	mustCreate(t, s, "db", "one")
	v2 := mustPut(t, s, "db", "two").VersionId
	mustTag(t, s, "db", Tag{"k", "v"})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()

	ops := everyOperation(ctx, s, v2)
	for name, op := range ops {
		t.Run(name+" returns context.Canceled and changes nothing", func(t *testing.T) {
			wantNoChange(t, s, func() {
				if err := op(); !errors.Is(err, context.Canceled) {
					t.Errorf("error %v, want context.Canceled", err)
				}
			})
		})
	}
}

func TestOperationsAfterClose(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	v1 := mustCreate(t, s, "db", "one").VersionId
	mustClose(t, s)
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v, want nil", err)
	}
	ops := everyOperation(ctx, s, v1)
	ops["region view"] = func() error { _, err := s.Region("eu-west-1").Get(ctx, "db"); return err }
	for name, op := range ops {
		t.Run(name+" returns ErrClosed", func(t *testing.T) {
			err := op()
			if !errors.Is(err, ErrClosed) {
				t.Fatalf("error %v, want ErrClosed", err)
			}
			if code := ErrorCode(err); code != "InternalServiceError" {
				t.Errorf("ErrorCode = %q", code)
			}
		})
	}
}

func TestReset(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s, _ := newTestStore(t)
	mustCreate(t, s, "a", "1")
	mustCreate(t, s.Region("eu-west-1"), "b", "2")
	mustCreate(t, s, "c", "3")
	mustDelete(t, s, &DeleteSecretInput{SecretId: "c"})
	if err := s.reset(ctx); err != nil {
		t.Fatal(err)
	}
	for _, v := range []*Store{s, s.Region("eu-west-1")} {
		if names := listNames(t, v, &ListSecretsInput{IncludePlannedDeletion: true}); len(names) != 0 {
			t.Errorf("%s lists %v after Reset", v.RegionName(), names)
		}
	}
	// Names are free again and the store still works with its key.
	mustCreate(t, s, "a", "new")
	mustCreate(t, s, "c", "new")
	if got := mustGet(t, s, "a"); got != "new" {
		t.Errorf("value = %q", got)
	}
}

// TestErrorsNeverHoldTheSecretValue runs failing operations whose inputs
// carry a distinctive secret value and checks that neither the error nor
// the event reported to OnEvent contains it.
func TestErrorsNeverHoldTheSecretValue(t *testing.T) {
	t.Parallel()
	const secret = "S3CRET-never-in-an-error-7f3a9c"
	ctx := context.Background()
	var events []Event
	s, _ := newTestStore(t, func(o *Options) { o.OnEvent = func(e Event) { events = append(events, e) } })
	mustCreate(t, s, "db", secret+"-0")
	if _, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "db", SecretString: secret + "-1", ClientRequestToken: testToken("1")}); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, s, "doomed", secret)
	mustDelete(t, s, &DeleteSecretInput{SecretId: "doomed"})
	long := strings.Repeat(secret, 65536/len(secret)+1)
	tests := map[string]func() error{
		"CreateSecret on a name in use": func() error {
			_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "db", SecretString: secret})
			return err
		},
		"CreateSecret with an invalid name": func() error {
			_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "bad name", SecretString: secret})
			return err
		},
		"CreateSecret with both values": func() error {
			_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "x", SecretString: secret, SecretBinary: []byte(secret)})
			return err
		},
		"CreateSecret with a value too long": func() error {
			_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "x", SecretString: long})
			return err
		},
		"CreateSecret with a binary value too long": func() error {
			_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "x", SecretBinary: []byte(long)})
			return err
		},
		"CreateSecret on a name scheduled for deletion": func() error {
			_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "doomed", SecretString: secret})
			return err
		},
		"PutSecretValue to a missing secret": func() error {
			_, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "nope", SecretString: secret})
			return err
		},
		"PutSecretValue reusing a token with another value": func() error {
			_, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "db", SecretString: secret, ClientRequestToken: testToken("1")})
			return err
		},
		"PutSecretValue with a value too long": func() error {
			_, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "db", SecretString: long})
			return err
		},
		"PutSecretValue on a secret scheduled for deletion": func() error {
			_, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "doomed", SecretString: secret})
			return err
		},
		"PutSecretValue with a bad token": func() error {
			_, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "db", SecretString: secret, ClientRequestToken: "short"})
			return err
		},
		"UpdateSecret reusing a token with another value": func() error {
			_, err := s.UpdateSecret(ctx, &UpdateSecretInput{SecretId: "db", SecretString: secret, ClientRequestToken: testToken("1")})
			return err
		},
		"UpdateSecret with both values": func() error {
			_, err := s.UpdateSecret(ctx, &UpdateSecretInput{SecretId: "db", SecretString: secret, SecretBinary: []byte(secret)})
			return err
		},
		"UpdateSecret on a secret scheduled for deletion": func() error {
			_, err := s.UpdateSecret(ctx, &UpdateSecretInput{SecretId: "doomed", SecretString: secret})
			return err
		},
		"GetSecretValue of a secret scheduled for deletion": func() error {
			_, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "doomed"})
			return err
		},
		"GetSecretValue with a mismatched stage": func() error {
			_, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "db", VersionId: testToken("1"), VersionStage: StagePrevious})
			return err
		},
		"Put to a secret scheduled for deletion": func() error {
			_, err := s.Put(ctx, "doomed", secret)
			return err
		},
	}
	for name, op := range tests {
		t.Run(name, func(t *testing.T) {
			events = nil
			err := op()
			if err == nil {
				t.Fatal("the operation succeeded")
			}
			if strings.Contains(err.Error(), "S3CRET") {
				t.Errorf("error %q holds the secret value", err)
			}
			if len(events) == 0 {
				t.Error("no event")
			}
			for _, e := range events {
				if strings.Contains(e.Message, "S3CRET") || strings.Contains(e.SecretId, "S3CRET") {
					t.Errorf("event %+v holds the secret value", e)
				}
			}
		})
	}
}

func TestErrorCode(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	_, err := s.GetSecretValue(context.Background(), &GetSecretValueInput{SecretId: "nope"})
	tests := []struct {
		err  error
		want string
	}{
		{nil, ""},
		{err, "ResourceNotFoundException"},
		{errors.Join(errors.New("wrapped"), err), "ResourceNotFoundException"},
		{errors.New("other"), "InternalServiceError"},
		{context.Canceled, "InternalServiceError"},
	}
	for _, tt := range tests {
		if got := ErrorCode(tt.err); got != tt.want {
			t.Errorf("ErrorCode(%v) = %q, want %q", tt.err, got, tt.want)
		}
	}
	var e *Error
	if !errors.As(err, &e) || e.Error() != "ResourceNotFoundException: "+awsmodel.SecretNotFound {
		t.Errorf("Error() = %q", err)
	}
	// Every sentinel has its own code.
	for _, sentinel := range []error{ErrResourceNotFound, ErrInvalidParameter, ErrInvalidRequest, ErrResourceExists, ErrLimitExceeded,
		ErrDecryptionFailure, ErrEncryptionFailure, ErrMalformedPolicyDocument, ErrInternalServiceError,
		ErrValidation, ErrInvalidNextToken} {
		e := newError(sentinel, "m")
		if !errors.Is(e, sentinel) || e.Code != sentinel.Error() || ErrorCode(e) != sentinel.Error() {
			t.Errorf("newError(%v) = %+v", sentinel, e)
		}
	}
}

func TestFakeClock(t *testing.T) {
	t.Parallel()
	c := NewFakeClock(testEpoch)
	if got := c.Advance(time.Hour); !got.Equal(testEpoch.Add(time.Hour)) || !c.Now().Equal(got) {
		t.Errorf("Advance = %v, Now = %v", got, c.Now())
	}
	c.Advance(-2 * time.Hour)
	if !c.Now().Equal(testEpoch.Add(-time.Hour)) {
		t.Errorf("Now after going back = %v", c.Now())
	}
	c.Set(testEpoch)
	if !c.Now().Equal(testEpoch) {
		t.Errorf("Now after Set = %v", c.Now())
	}
	_, clk := newTestStore(t)
	loc := time.FixedZone("X", 5*3600)
	clk.Set(time.Date(2026, 3, 1, 2, 0, 0, 123456789, loc)) // Feb 28 in UTC
	if got := now(clk); got != time.Date(2026, 2, 28, 21, 0, 0, 123000000, time.UTC) {
		t.Errorf("now = %v", got)
	}
	if got := day(clk.Now()); got != time.Date(2026, 2, 28, 0, 0, 0, 0, time.UTC) {
		t.Errorf("day = %v", got)
	}
}

// everyOperation returns a call of every operation of s on secret "db"
// (versionID is one of its versions), for tests that expect all of them to
// fail the same way.
func everyOperation(ctx context.Context, s *Store, versionID string) map[string]func() error {
	return map[string]func() error{
		"CreateSecret": func() error {
			_, err := s.CreateSecret(ctx, &CreateSecretInput{Name: "new", SecretString: "x"})
			return err
		},
		"PutSecretValue": func() error {
			_, err := s.PutSecretValue(ctx, &PutSecretValueInput{SecretId: "db", SecretString: "x"})
			return err
		},
		"GetSecretValue": func() error {
			_, err := s.GetSecretValue(ctx, &GetSecretValueInput{SecretId: "db"})
			return err
		},
		"BatchGetSecretValue": func() error {
			_, err := s.BatchGetSecretValue(ctx, &BatchGetSecretValueInput{SecretIdList: []string{"db"}})
			return err
		},
		"DescribeSecret": func() error {
			_, err := s.DescribeSecret(ctx, &DescribeSecretInput{SecretId: "db"})
			return err
		},
		"UpdateSecret": func() error {
			_, err := s.UpdateSecret(ctx, &UpdateSecretInput{SecretId: "db", Description: new("x"), SecretString: "x"})
			return err
		},
		"UpdateSecretVersionStage": func() error {
			_, err := s.UpdateSecretVersionStage(ctx, &UpdateSecretVersionStageInput{SecretId: "db", VersionStage: "X", MoveToVersionId: versionID})
			return err
		},
		"ListSecretVersionIds": func() error {
			_, err := s.ListSecretVersionIds(ctx, &ListSecretVersionIdsInput{SecretId: "db"})
			return err
		},
		"ListSecrets": func() error {
			_, err := s.ListSecrets(ctx, &ListSecretsInput{})
			return err
		},
		"TagResource": func() error {
			_, err := s.TagResource(ctx, &TagResourceInput{SecretId: "db", Tags: []Tag{{"a", "b"}}})
			return err
		},
		"UntagResource": func() error {
			_, err := s.UntagResource(ctx, &UntagResourceInput{SecretId: "db", TagKeys: []string{"k"}})
			return err
		},
		"DeleteSecret": func() error {
			_, err := s.DeleteSecret(ctx, &DeleteSecretInput{SecretId: "db", ForceDeleteWithoutRecovery: true})
			return err
		},
		"RestoreSecret": func() error {
			_, err := s.RestoreSecret(ctx, &RestoreSecretInput{SecretId: "db"})
			return err
		},
		"GetRandomPassword": func() error {
			_, err := s.GetRandomPassword(ctx, &GetRandomPasswordInput{})
			return err
		},
		"Put": func() error {
			_, err := s.Put(ctx, "db", "x")
			return err
		},
		"Get": func() error {
			_, err := s.Get(ctx, "db")
			return err
		},
		"Reset": func() error { return s.reset(ctx) },
	}
}
