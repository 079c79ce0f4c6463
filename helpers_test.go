package secretstore

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/secretstore-go/secretstore/internal/badger"
	"github.com/secretstore-go/secretstore/internal/testutil"
)

// testEpoch is the time every newTestStore's FakeClock starts at.
var testEpoch = time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)

// newTestKey returns a fresh random 32-byte master key.
func newTestKey(t testing.TB) []byte {
	t.Helper()
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

// newTestStore opens an in-memory store with a fresh random master key,
// DisableReaper: true, and a FakeClock at 2026-01-15T10:00:00Z; it closes it
// with t.Cleanup (failing the test if Close errors). Each opt may change the
// Options before Open.
func newTestStore(t testing.TB, opts ...func(*Options)) (*Store, *FakeClock) {
	t.Helper()
	clk := NewFakeClock(testEpoch)
	o := Options{
		InMemory:      true,
		MasterKey:     newTestKey(t),
		DisableReaper: true,
		Clock:         clk,
	}
	for _, opt := range opts {
		opt(&o)
	}
	s, err := Open(context.Background(), o)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.check(); err != nil {
			t.Errorf("the store is inconsistent at the end of the test: %v", err)
		}
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s, clk
}

// openDisk opens the on-disk store in dir with o's key source (and any other
// options o sets), DisableReaper: true, and, unless o sets a clock, a
// FakeClock at testEpoch. Unlike newTestStore it does not close the store:
// tests that reopen a folder close it themselves.
func openDisk(t testing.TB, dir string, o Options) (*Store, error) {
	t.Helper()
	o.Dir = dir
	o.DisableReaper = true
	if o.Clock == nil {
		o.Clock = NewFakeClock(testEpoch)
	}
	// Under an emulator a child another test starts may hold the folder's
	// lock for a moment after this process closed it (testutil.ForkWindow).
	return testutil.OpenAgain(func() (*Store, error) { return Open(context.Background(), o) }, ErrDataFolderInUse)
}

// mustOpenDisk is openDisk that fails the test if the store does not open.
func mustOpenDisk(t testing.TB, dir string, o Options) *Store {
	t.Helper()
	s, err := openDisk(t, dir, o)
	if err != nil {
		t.Fatalf("Open(%s): %v", dir, err)
	}
	return s
}

// mustClose closes s, failing the test on error.
func mustClose(t testing.TB, s *Store) {
	t.Helper()
	if err := s.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

// damagedOnPurpose holds the stores a test damaged in ways check would
// report: check leaves them alone.
var damagedOnPurpose sync.Map

// check verifies the store as bbolt's test helpers do when a test closes
// its database: it runs Verify and fails on every problem but the damaged
// records and values that tests make on purpose. A store that is closed is
// not checked.
func (s *Store) check() error {
	if _, skip := damagedOnPurpose.Load(s); skip || s.c.closed {
		return nil
	}
	problems, err := s.Verify(context.Background())
	if err != nil {
		return err
	}
	damaged := slices.ContainsFunc(problems, func(p Problem) bool { return strings.HasPrefix(p.Detail, problemDamagedRecord) })
	var real []string
	for _, p := range problems {
		switch {
		case strings.HasPrefix(p.Detail, problemDamagedRecord), strings.HasPrefix(p.Detail, problemUnreadableValue):
		case damaged && strings.HasPrefix(p.Detail, problemOrphanVersion):
			// the versions of a record damaged beyond reading its id
		default:
			real = append(real, p.String())
		}
	}
	if len(real) > 0 {
		return fmt.Errorf("%d problems: %s", len(real), strings.Join(real, "; "))
	}
	return nil
}

// mustCreate creates secret name with string value (failing the test on
// error) and returns the output.
func mustCreate(t testing.TB, s *Store, name, value string) *CreateSecretOutput {
	t.Helper()
	out, err := s.CreateSecret(context.Background(), &CreateSecretInput{Name: name, SecretString: value})
	if err != nil {
		t.Fatalf("CreateSecret(%q): %v", name, err)
	}
	return out
}

// mustPut puts a string value into secret id with the given labels (none
// means AWSCURRENT), failing the test on error, and returns the output.
func mustPut(t testing.TB, s *Store, id, value string, stages ...string) *PutSecretValueOutput {
	t.Helper()
	out, err := s.PutSecretValue(context.Background(), &PutSecretValueInput{SecretId: id, SecretString: value, VersionStages: stages})
	if err != nil {
		t.Fatalf("PutSecretValue(%q, stages %v): %v", id, stages, err)
	}
	return out
}

// mustDelete deletes a secret as in says (DeleteSecret), failing the test on
// error, and returns the output.
func mustDelete(t testing.TB, s *Store, in *DeleteSecretInput) *DeleteSecretOutput {
	t.Helper()
	out, err := s.DeleteSecret(context.Background(), in)
	if err != nil {
		t.Fatalf("DeleteSecret(%q): %v", in.SecretId, err)
	}
	return out
}

// mustGet returns the AWSCURRENT string value of secret id, failing the test
// on error.
func mustGet(t testing.TB, s *Store, id string) string {
	t.Helper()
	out, err := s.GetSecretValue(context.Background(), &GetSecretValueInput{SecretId: id})
	if err != nil {
		t.Fatalf("GetSecretValue(%q): %v", id, err)
	}
	return out.SecretString
}

// mustDescribe describes secret id, failing the test on error.
func mustDescribe(t testing.TB, s *Store, id string) *DescribeSecretOutput {
	t.Helper()
	out, err := s.DescribeSecret(context.Background(), &DescribeSecretInput{SecretId: id})
	if err != nil {
		t.Fatalf("DescribeSecret(%q): %v", id, err)
	}
	return out
}

// wantErr fails the test unless err matches sentinel (errors.Is) and, if
// msgContains != "", its message contains it. A nil sentinel means no error
// is wanted. When sentinel is one of the AWS sentinels, it also checks that
// ErrorCode(err) is its AWS exception name.
func wantErr(t testing.TB, err error, sentinel error, msgContains string) {
	t.Helper()
	if sentinel == nil {
		if err != nil {
			t.Fatalf("got error %v, want none", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("got no error, want %v", sentinel)
	}
	if !errors.Is(err, sentinel) {
		t.Fatalf("got error %v (%T), want %v", err, err, sentinel)
	}
	var e *Error
	if errors.As(err, &e) && e.Code != sentinel.Error() {
		t.Errorf("got Code %q, want %q", e.Code, sentinel.Error())
	}
	if msgContains != "" && !strings.Contains(err.Error(), msgContains) {
		t.Fatalf("got error %q, want it to contain %q", err.Error(), msgContains)
	}
}

// wantMessage fails the test unless err is an *Error with exactly code and
// message.
func wantMessage(t testing.TB, err error, sentinel error, message string) {
	t.Helper()
	wantErr(t, err, sentinel, "")
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T, want *Error", err)
	}
	if e.Code != sentinel.Error() || e.Message != message {
		t.Fatalf("got %s: %q, want %s: %q", e.Code, e.Message, sentinel.Error(), message)
	}
}

// withARN returns msg with its %s, if it has one, replaced by arn: error
// tables write the secret's ARN, which a test learns only once it runs, as
// %s in their expected messages.
func withARN(msg, arn string) string {
	if strings.Contains(msg, "%s") {
		return fmt.Sprintf(msg, arn)
	}
	return msg
}

// stages returns the VersionIdsToStages of secret id via
// ListSecretVersionIds(IncludeDeprecated: true), as a map from version id to
// its sorted labels ([] for a deprecated version).
func stages(t testing.TB, s *Store, id string) map[string][]string {
	t.Helper()
	m := map[string][]string{}
	for _, v := range listVersions(t, s, id) {
		st := slices.Clone(v.VersionStages)
		if st == nil {
			st = []string{}
		}
		slices.Sort(st)
		m[v.VersionId] = st
	}
	return m
}

// listVersions returns every version of secret id, deprecated ones included,
// following NextToken.
func listVersions(t testing.TB, s *Store, id string) []SecretVersionsListEntry {
	t.Helper()
	var all []SecretVersionsListEntry
	in := &ListSecretVersionIdsInput{SecretId: id, IncludeDeprecated: true}
	for {
		out, err := s.ListSecretVersionIds(context.Background(), in)
		if err != nil {
			t.Fatalf("ListSecretVersionIds(%q): %v", id, err)
		}
		all = append(all, out.Versions...)
		if out.NextToken == "" {
			return all
		}
		in.NextToken = out.NextToken
	}
}

// checkLabelsUnique fails the test unless every label of secret id is on at
// most one version, and returns stages(t, s, id).
func checkLabelsUnique(t testing.TB, s *Store, id string) map[string][]string {
	t.Helper()
	m := stages(t, s, id)
	holder := map[string]string{}
	for v, labels := range m {
		for _, l := range labels {
			if other, ok := holder[l]; ok {
				t.Fatalf("label %s is on versions %s and %s: %v", l, other, v, m)
			}
			holder[l] = v
		}
	}
	return m
}

// testToken returns a valid 36-character ClientRequestToken made from c, so
// tests can name versions they can read.
func testToken(c string) string {
	return strings.Repeat(c, 36)[:36]
}

// listNames returns the names ListSecrets lists for in, following NextToken.
func listNames(t testing.TB, s *Store, in *ListSecretsInput) []string {
	t.Helper()
	var names []string
	for {
		out, err := s.ListSecrets(context.Background(), in)
		if err != nil {
			t.Fatalf("ListSecrets: %v", err)
		}
		for _, e := range out.SecretList {
			names = append(names, e.Name)
		}
		if out.NextToken == "" {
			return names
		}
		in.NextToken = out.NextToken
	}
}

// equalStrings reports whether a and b hold the same strings in the same
// order, treating nil and empty as equal.
func equalStrings(a, b []string) bool {
	return len(a) == len(b) && (len(a) == 0 || slices.Equal(a, b))
}

// mustPutToken puts a string value into secret id as version token with
// the given labels, failing the test on error.
func mustPutToken(t testing.TB, s *Store, id, token, value string, stages ...string) *PutSecretValueOutput {
	t.Helper()
	out, err := s.PutSecretValue(context.Background(), &PutSecretValueInput{SecretId: id, ClientRequestToken: token, SecretString: value, VersionStages: stages})
	if err != nil {
		t.Fatalf("PutSecretValue(%q, stages %v): %v", id, stages, err)
	}
	return out
}

// wantStages fails the test unless stages(t, s, id) equals want (labels in
// any order; a deprecated version is an empty list) and every label is on
// at most one version. It also checks that DescribeSecret's
// VersionIdsToStages is want without the deprecated versions.
func wantStages(t testing.TB, s *Store, id string, want map[string][]string) {
	t.Helper()
	got := checkLabelsUnique(t, s, id)
	norm := map[string][]string{}
	var labelled map[string][]string
	for v, labels := range want {
		l := sortedCopy(labels)
		if l == nil {
			l = []string{}
		}
		norm[v] = l
		if len(l) > 0 {
			if labelled == nil {
				labelled = map[string][]string{}
			}
			labelled[v] = l
		}
	}
	if !reflect.DeepEqual(got, norm) {
		t.Fatalf("versions and labels =\n%v, want\n%v", got, norm)
	}
	d := mustDescribe(t, s, id)
	described := map[string][]string(nil)
	for v, labels := range d.VersionIdsToStages {
		if described == nil {
			described = map[string][]string{}
		}
		described[v] = sortedCopy(labels)
	}
	if !reflect.DeepEqual(described, labelled) {
		t.Fatalf("DescribeSecret VersionIdsToStages = %v, want %v", described, labelled)
	}
}

// sortedCopy returns a sorted copy of ss (nil for nil).
func sortedCopy(ss []string) []string {
	if ss == nil {
		return nil
	}
	c := slices.Clone(ss)
	slices.Sort(c)
	return c
}

// storeState is what snapshot captures of one secret.
type storeState struct {
	Describe *DescribeSecretOutput
	Versions []SecretVersionsListEntry
}

// snapshot returns the metadata of every secret of s's region, scheduled
// for deletion or not, without reading any value (which would change
// LastAccessedDate), so tests can check that an operation changed nothing.
func snapshot(t testing.TB, s *Store) []storeState {
	t.Helper()
	var states []storeState
	for _, name := range listNames(t, s, &ListSecretsInput{IncludePlannedDeletion: true, SortBy: SortByName}) {
		states = append(states, storeState{Describe: mustDescribe(t, s, name), Versions: listVersions(t, s, name)})
	}
	return states
}

// wantNoChange runs op and fails the test if op changed s: if the snapshot
// of s's region taken after op differs from the one taken before. It is for
// operations that must fail, or repeat an earlier one, without effect.
func wantNoChange(t testing.TB, s *Store, op func()) {
	t.Helper()
	before := snapshot(t, s)
	op()
	if after := snapshot(t, s); !reflect.DeepEqual(before, after) {
		t.Errorf("the operation changed the store:\nbefore %+v\nafter  %+v", before, after)
	}
}

// filesContain reports which files under dir contain b.
func filesContain(t testing.TB, dir string, b []byte) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if bytes.Contains(data, b) {
			found = append(found, filepath.Base(path))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// rawTx wraps a Badger transaction a test opened itself in the store's tx,
// reading through Badger (no record cache).
func rawTx(s *Store, txn *badger.Txn) *tx { return &tx{c: s.c, txn: txn, now: now(s.c.clock)} }

// readRounds starts n readers that each run read a few times at each
// round: round starts one (a reader still busy with the last skips it),
// stop ends them and waits. Reads run while the test writes, without
// readers spinning for the whole test. An error of read fails t.
func readRounds(t testing.TB, n int, read func() error) (round, stop func()) {
	var wg sync.WaitGroup
	starts := make([]chan struct{}, n)
	for r := range starts {
		starts[r] = make(chan struct{}, 1)
		wg.Go(func() {
			for range starts[r] {
				for range 4 {
					if err := read(); err != nil {
						t.Error(err)
						return
					}
				}
			}
		})
	}
	round = func() {
		for _, c := range starts {
			select {
			case c <- struct{}{}:
			default:
			}
		}
	}
	stop = func() {
		for _, c := range starts {
			close(c)
		}
		wg.Wait()
	}
	return round, stop
}

// lockedBuffer is a log destination the store's background loops (the
// reaper, the rotation runner) may write while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
