package mirror

// A mirror pass: serve --mirror-from. It brings a local store to the
// source's state: each secret the source lists is handed to
// Store.MirrorSecret, which writes it in one transaction (or not at all
// when it has not changed), and the secrets the source no longer lists are
// scheduled for deletion (Store.PruneMirror). The store keeps serving
// what it has while the source cannot be reached.

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/secretstore-go/secretstore"
)

// Mirror keeps a store's copy of a source's secrets. Its passes may run
// one at a time; Status may be read at any time.
type Mirror struct {
	source  *Endpoint
	store   *secretstore.Store // the view in the source's region
	filters Filters
	workers int
	log     *slog.Logger
	now     func() time.Time

	mu     sync.Mutex
	status Status
}

// Options configure a Mirror. Zero value = defaults.
type Options struct {
	// Filters select the source's secrets, as ListSecrets' do.
	Filters Filters
	// Workers is how many secrets a pass handles at a time; 0 means
	// DefaultWorkers.
	Workers int
	// Logger receives one line per pass; default none.
	Logger *slog.Logger
	// Now is the time of the status; default time.Now.
	Now func() time.Time
}

// New returns a mirror of source into store: into its view of the
// source's region, so that a mirrored secret keeps its ARN when the store
// has the source's account id.
func New(source *Endpoint, store *secretstore.Store, o Options) *Mirror {
	m := &Mirror{source: source, store: store.Region(source.Region), filters: o.Filters, workers: o.Workers, log: o.Logger, now: o.Now}
	if m.workers <= 0 {
		m.workers = DefaultWorkers
	}
	if m.now == nil {
		m.now = time.Now
	}
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	m.status.Source = source.Desc
	return m
}

// Status is the state of a mirror, for the health document, `secretstore
// mirror status` and its log lines. Times are zero until they happen.
type Status struct {
	// Source is the source's URL with its region.
	Source string
	// LastPassAt is when the last pass ended, good or not.
	LastPassAt time.Time `json:",omitzero"`
	// LastGoodPassAt is when the last pass that listed the whole source
	// ended: the store has the source's state as of then, but for the
	// secrets LastPass counts as failed.
	LastGoodPassAt time.Time `json:",omitzero"`
	// LastError is why the last pass failed, or the first secret that
	// failed in it; "" when it went well.
	LastError string `json:",omitempty"`
	// LastErrorAt is when LastError happened.
	LastErrorAt time.Time `json:",omitzero"`
	// FailedPasses counts the passes in a row that could not list the
	// source; 0 after a good pass.
	FailedPasses int
	// Failures counts every pass that could not list the source, since
	// the mirror started.
	Failures int
	// Passes counts the passes, good or not.
	Passes int
	// Secrets is how many secrets the last good pass found at the source.
	Secrets int
	// LastPass is what the last good pass did.
	LastPass PassCounts
	// NextPassAt is when the next pass begins, when one is planned.
	NextPassAt time.Time `json:",omitzero"`
}

// PassCounts are the counts of one pass.
type PassCounts struct {
	Created, Updated, Deleted, Unchanged, Failed int
	// Calls is the number of requests sent to the source.
	Calls int64
	// Duration is how long the pass took.
	Duration time.Duration
}

// String is the pass's log line.
func (c PassCounts) String() string {
	return fmt.Sprintf("%d created, %d updated, %d deleted, %d unchanged, %d failed; %d calls to the source in %s",
		c.Created, c.Updated, c.Deleted, c.Unchanged, c.Failed, c.Calls, c.Duration.Round(time.Millisecond))
}

// Status returns the mirror's status.
func (m *Mirror) Status() Status {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.status
}

// SetNextPass records when the next pass begins, for Status.
func (m *Mirror) SetNextPass(at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.status.NextPassAt = at
}

// Pass runs one pass and returns what it did to each secret. It fails when
// the source cannot be listed (nothing is changed then) or ctx ends; a
// secret that cannot be mirrored is a failed Result and the others go on.
// Either way Status records it.
func (m *Mirror) Pass(ctx context.Context) (*Report, error) {
	start := m.now()
	calls := m.source.Calls()
	rep, err := m.pass(ctx)
	counts := PassCounts{Calls: m.source.Calls() - calls, Duration: m.now().Sub(start)}
	if rep != nil {
		counts.Created, counts.Updated, counts.Deleted, counts.Unchanged, counts.Failed = rep.Created, rep.Updated, rep.Deleted, rep.Unchanged, rep.Failed
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	st := &m.status
	st.Passes++
	st.LastPassAt = m.now()
	st.NextPassAt = time.Time{}
	if err != nil && ctx.Err() != nil { // stopped: not the source's failure
		m.log.Info("mirror pass interrupted", "source", m.source.Desc, "done", counts.Created+counts.Updated+counts.Unchanged+counts.Failed)
		return rep, err
	}
	if err != nil {
		st.FailedPasses++
		st.Failures++
		st.LastError, st.LastErrorAt = err.Error(), st.LastPassAt
		m.log.Warn("mirror pass failed; the store keeps serving what it has", "source", m.source.Desc, "error", err.Error(),
			"failed_passes", st.FailedPasses, "last_good_pass", formatTimeOrNever(st.LastGoodPassAt))
		return rep, err
	}
	st.FailedPasses, st.LastGoodPassAt, st.LastPass = 0, st.LastPassAt, counts
	st.Secrets = rep.Created + rep.Updated + rep.Unchanged + rep.Failed
	st.LastError, st.LastErrorAt = "", time.Time{}
	if i := slices.IndexFunc(rep.Secrets, func(r Result) bool { return r.Action == Failed }); i >= 0 {
		st.LastError, st.LastErrorAt = rep.Secrets[i].Name+": "+rep.Secrets[i].Error, st.LastPassAt
	}
	m.log.Info("mirror pass", "source", m.source.Desc, "created", counts.Created, "updated", counts.Updated,
		"deleted", counts.Deleted, "unchanged", counts.Unchanged, "failed", counts.Failed,
		"calls", counts.Calls, "duration", counts.Duration.Round(time.Millisecond).String())
	return rep, nil
}

func formatTimeOrNever(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return formatTime(t)
}

// pass is Pass without the status.
func (m *Mirror) pass(ctx context.Context) (*Report, error) {
	entries, err := list(ctx, m.source, m.filters)
	if err != nil {
		return nil, err
	}
	rep := &Report{From: m.source.Desc, To: "this store", Secrets: []Result{}}
	results := make(chan Result)
	queue := make(chan *types.SecretListEntry)
	var wg sync.WaitGroup
	for range min(m.workers, max(len(entries), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range queue {
				results <- m.mirrorOne(ctx, e)
			}
		}()
	}
	go func() {
		defer close(queue)
		for i := range entries {
			select {
			case queue <- &entries[i]:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	for r := range results {
		rep.add(r)
	}
	rep.NotStarted = len(entries) - len(rep.Secrets)
	if err := ctx.Err(); err != nil {
		rep.Interrupted = true
		return rep, fmt.Errorf("interrupted with %d of %d secrets not mirrored: %w", rep.NotStarted, len(entries), err)
	}

	// The source's list is whole: what is not on it is gone there.
	listed := make(map[string]bool, len(entries))
	for _, e := range entries {
		listed[aws.ToString(e.Name)] = true
	}
	pruned, err := m.store.PruneMirror(ctx, &secretstore.PruneMirrorInput{Source: m.source.Desc, Keep: func(name string) bool { return listed[name] }})
	if err != nil {
		return rep, fmt.Errorf("scheduling the deletion of the secrets the source no longer has: %w", err)
	}
	for _, name := range pruned.Names {
		rep.add(Result{Name: name, Action: Deleted, Changes: []string{"not at the source"}})
	}
	slices.SortFunc(rep.Secrets, func(a, b Result) int { return strings.Compare(a.Name, b.Name) })
	return rep, nil
}

// mirrorOne mirrors the secret e lists.
func (m *Mirror) mirrorOne(ctx context.Context, e *types.SecretListEntry) Result {
	res := Result{Name: aws.ToString(e.Name)}
	in := &secretstore.MirrorSecretInput{
		Source:          m.source.Desc,
		Name:            res.Name,
		ARN:             aws.ToString(e.ARN),
		Description:     aws.ToString(e.Description),
		KmsKeyId:        aws.ToString(e.KmsKeyId),
		OwningService:   aws.ToString(e.OwningService),
		CreatedDate:     aws.ToTime(e.CreatedDate),
		LastChangedDate: aws.ToTime(e.LastChangedDate),
		DeletedDate:     aws.ToTime(e.DeletedDate),
		Value: func(ctx context.Context, id string) (secretstore.MirrorValue, bool, error) {
			out, err := m.source.Client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: e.ARN, VersionId: aws.String(id)})
			switch {
			case isNoValue(err):
				return secretstore.MirrorValue{}, false, nil
			case err != nil:
				return secretstore.MirrorValue{}, false, errors.New(ErrorText(err))
			}
			return secretstore.MirrorValue{SecretString: aws.ToString(out.SecretString), SecretBinary: out.SecretBinary, CreatedDate: aws.ToTime(out.CreatedDate)}, true, nil
		},
	}
	if e.Tags != nil {
		in.Tags = make([]secretstore.Tag, len(e.Tags))
		for i, t := range e.Tags {
			in.Tags[i] = secretstore.Tag{Key: aws.ToString(t.Key), Value: aws.ToString(t.Value)}
		}
	}
	versions := e.SecretVersionsToStages
	if versions == nil && e.DeletedDate == nil {
		// A listing without the versions (an implementation that leaves
		// them out, or a secret with none): DescribeSecret has them.
		d, err := m.source.Client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: e.ARN})
		if err != nil {
			res.Action, res.Error = Failed, (&sideError{"source", err}).Error()
			return res
		}
		versions = d.VersionIdsToStages
	}
	for id, stages := range versions {
		if len(stages) > 0 {
			in.Versions = append(in.Versions, secretstore.MirrorVersion{VersionId: id, VersionStages: stages})
		}
	}
	slices.SortFunc(in.Versions, func(a, b secretstore.MirrorVersion) int { return strings.Compare(a.VersionId, b.VersionId) })
	out, err := m.store.MirrorSecret(ctx, in)
	switch {
	case err != nil:
		res.Action, res.Error = Failed, err.Error()
	case out.Created:
		res.Action, res.Changes = Created, out.Changes
	case len(out.Changes) > 0:
		res.Action, res.Changes = Updated, out.Changes
	default:
		res.Action = Unchanged
	}
	return res
}

// isNoValue reports whether err is the source having no value for a
// version: AWS's ResourceNotFoundException for a version (a rotation's
// AWSPENDING before its value is put), not for the secret.
func isNoValue(err error) bool {
	var nf *types.ResourceNotFoundException
	return errors.As(err, &nf) && strings.Contains(nf.ErrorMessage(), "secret value")
}
