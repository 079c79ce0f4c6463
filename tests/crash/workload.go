package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// The staging labels the writers move.
const (
	labelCurrent  = "AWSCURRENT"
	labelPrevious = "AWSPREVIOUS"
	labelPending  = "AWSPENDING"
	labelBlue     = "crash-blue"
	labelGreen    = "crash-green"
)

// stageSets are the VersionStages of the puts that move labels other than
// by default.
var stageSets = [][]string{
	{labelBlue},
	{labelGreen},
	{labelBlue, labelGreen},
	{labelCurrent, labelGreen},
	{labelPending},
}

const (
	// maxOpsPerWriter bounds each writer's loop besides its time limit.
	maxOpsPerWriter = 100_000
	// opTimeout bounds each call of a writer.
	opTimeout = 10 * time.Second
	// hotSecrets of the secrets get hotShare percent of the writes, so that
	// writers often collide on one secret.
	hotSecrets = 5
	hotShare   = 30
	// putBudget is how many puts a cycle sends to one secret at most, so
	// that with its first version and the puts of writers racing past the
	// budget it stays under the store's 100 versions younger than a day.
	putBudget = 90
)

// record is one line of the log of writes. A writer appends a "B" record
// before it sends a write and an "A" record once the write is acknowledged,
// each fsynced before it goes on, so the log holds every write that may
// have happened and marks every write that was acknowledged. A write the
// store refused ("F", with its error code) certainly did not happen. A
// write with only a "B" record was in flight when the writer stopped: it
// may or may not have been committed.
type record struct {
	K      string   `json:"k"`              // "B" begun, "A" acknowledged, "F" refused
	Op     int64    `json:"op"`             // the write, unique in a cycle
	Q      int64    `json:"q"`              // the writing process's event counter: a total order consistent with real time
	Kind   string   `json:"kind,omitempty"` // B: "create", "put" or "move"
	Secret string   `json:"s,omitempty"`    // B: the secret's name
	Token  string   `json:"tok,omitempty"`  // B of create, put: ClientRequestToken, the version id
	Hash   string   `json:"h,omitempty"`    // B of create, put: sha256 of the value, hex
	Stages []string `json:"st,omitempty"`   // B of put: VersionStages asked for; none means AWSCURRENT
	Label  string   `json:"l,omitempty"`    // B of move: VersionStage
	From   string   `json:"from,omitempty"` // B of move: RemoveFromVersionId
	To     string   `json:"to,omitempty"`   // B of move: MoveToVersionId
	Code   string   `json:"code,omitempty"` // F: the error code
}

// opLog is one log file of writes, appended to by one goroutine at a time.
type opLog struct {
	mu sync.Mutex
	f  *os.File
}

// createLog creates the log file path and makes its directory entry
// durable.
func createLog(path string) (*opLog, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		f.Close()
		return nil, err
	}
	return &opLog{f: f}, nil
}

// append writes r as one line and fsyncs the file.
func (l *opLog) append(r *record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if _, err := l.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("appending to the log of writes: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("fsyncing the log of writes: %w", err)
	}
	return nil
}

func (l *opLog) close() error { return l.f.Close() }

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// secretNames returns the names of the secrets of a cycle. Each cycle
// writes its own secrets, so that no secret reaches the store's limit of
// versions (100 younger than a day), while the secrets of earlier cycles
// stay in the store and are checked again.
func secretNames(cycle, n int) []string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("crash/c%05d/s%02d", cycle, i)
	}
	return names
}

// workload is one cycle's writes: the secrets' creation, then concurrent
// writers until they are stopped, the process is killed or the time limit
// passes.
type workload struct {
	cycle   int
	names   []string
	writers int
	seed    uint64
	logDir  string
	cl      client
	seq     atomic.Int64   // the event counter of record.Q
	sent    []atomic.Int32 // puts sent to each secret
}

func newWorkload(cycle, secrets, writers int, seed uint64, logDir string, cl client) *workload {
	return &workload{cycle: cycle, names: secretNames(cycle, secrets), writers: writers, seed: seed,
		logDir: logDir, cl: cl, sent: make([]atomic.Int32, secrets)}
}

// valueHash returns the hash of value recorded in the log.
func valueHash(value string) string {
	h := sha256.Sum256([]byte(value))
	return hex.EncodeToString(h[:])
}

// setup creates the cycle's secrets, each with a first version, and logs
// them. Every creation must succeed.
func (w *workload) setup(ctx context.Context) error {
	l, err := createLog(filepath.Join(w.logDir, "setup.log"))
	if err != nil {
		return err
	}
	defer l.close()
	rng := rand.New(rand.NewPCG(w.seed, uint64(w.cycle)<<16))
	type job struct {
		i            int
		token, value string
	}
	jobs := make(chan job, len(w.names))
	for i := range w.names {
		token := fmt.Sprintf("crash-c%05d-create-%02d-%016x", w.cycle, i, rng.Uint64())
		jobs <- job{i, token, fmt.Sprintf("secretstore crash test %s %016x", token, rng.Uint64())}
	}
	close(jobs)
	errs := make(chan error, w.writers)
	var wg sync.WaitGroup
	for range w.writers {
		wg.Go(func() {
			for j := range jobs {
				name := w.names[j.i]
				r := &record{K: "B", Op: int64(j.i), Kind: "create", Secret: name, Token: j.token, Hash: valueHash(j.value)}
				werr, err := w.do(ctx, l, r, func(ctx context.Context) error { return w.cl.Create(ctx, name, j.token, j.value) })
				if err == nil && werr != nil {
					err = fmt.Errorf("creating %s: %w", name, werr)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs // nil if none
}

// do logs write r as begun, runs it, and logs its outcome: acknowledged, or
// refused. When the outcome is unknown (a broken connection, a timeout)
// nothing more is logged. r.K is left as the last record written ("B" when
// the outcome is unknown). It returns the write's error and a failure to
// log, which is the only one that stops a writer.
func (w *workload) do(ctx context.Context, l *opLog, r *record, write func(context.Context) error) (writeErr, logErr error) {
	r.Q = w.seq.Add(1)
	if err := l.append(r); err != nil {
		return nil, err
	}
	octx, cancel := context.WithTimeout(ctx, opTimeout)
	writeErr = write(octx)
	cancel()
	if writeErr == nil {
		*r = record{K: "A", Op: r.Op, Q: w.seq.Add(1)}
		return nil, l.append(r)
	}
	if code := refusal(writeErr); code != "" {
		*r = record{K: "F", Op: r.Op, Q: w.seq.Add(1), Code: code}
		return writeErr, l.append(r)
	}
	return writeErr, nil
}

// run runs the writers until ctx is done or the clock reaches until, and
// returns the first failure to log.
func (w *workload) run(ctx context.Context, until time.Time) error {
	errs := make(chan error, w.writers)
	var wg sync.WaitGroup
	for id := 1; id <= w.writers; id++ {
		wg.Go(func() {
			if err := w.writer(ctx, id, until); err != nil {
				errs <- fmt.Errorf("writer %d: %w", id, err)
			}
		})
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// writer is one writer goroutine: it picks a secret (often a hot one) and
// writes to it, again and again. Most writes are PutSecretValue without
// VersionStages (AWSCURRENT moves to the new version); a quarter carry
// VersionStages (custom labels, AWSPENDING, AWSCURRENT with a custom label);
// one in ten moves AWSCURRENT back to the AWSPREVIOUS version with
// UpdateSecretVersionStage, and one in twenty moves or removes a custom
// label. A write that reads first (the label moves) races with the other
// writers: the store refuses it when its RemoveFromVersionId is stale.
// Once every secret has had its putBudget puts, the writer only moves
// labels, until it is stopped.
func (w *workload) writer(ctx context.Context, id int, until time.Time) error {
	l, err := createLog(filepath.Join(w.logDir, fmt.Sprintf("w%02d.log", id)))
	if err != nil {
		return err
	}
	defer l.close()
	rng := rand.New(rand.NewPCG(w.seed, uint64(w.cycle)<<16|uint64(id)))
	for n := 0; n < maxOpsPerWriter && ctx.Err() == nil && time.Now().Before(until); n++ {
		secret := w.pick(rng)
		full := secret < 0 // every secret has had its puts: label moves only
		if full {
			secret = rng.IntN(len(w.names))
		}
		name := w.names[secret]
		opID := int64(id)<<32 | int64(n)
		var r *record
		switch p := rng.IntN(100); {
		case p < 10 || full && p < 55:
			r = w.moveCurrentBack(ctx, name)
		case p < 15 || full:
			r = w.moveCustom(ctx, rng, name)
		case p < 40:
			r = &record{Kind: "put", Stages: stageSets[rng.IntN(len(stageSets))]}
		}
		if r == nil && full {
			continue
		}
		if r == nil {
			r = &record{Kind: "put"}
		}
		r.K, r.Op, r.Secret = "B", opID, name
		var write func(context.Context) error
		if r.Kind == "put" {
			w.sent[secret].Add(1)
			r.Token = fmt.Sprintf("crash-c%05d-w%02d-n%06d-%012x", w.cycle, id, n, rng.Uint64()>>16)
			value := fmt.Sprintf("secretstore crash test %s %016x", r.Token, rng.Uint64())
			r.Hash = valueHash(value)
			token, stages := r.Token, slices.Clone(r.Stages)
			write = func(ctx context.Context) error { return w.cl.Put(ctx, name, token, value, stages) }
		} else {
			label, from, to := r.Label, r.From, r.To
			write = func(ctx context.Context) error { return w.cl.Move(ctx, name, label, from, to) }
		}
		if _, err := w.do(ctx, l, r, write); err != nil {
			return err
		}
		if r.K == "B" && ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond) // outcome unknown: do not spin on a server that is gone
		}
	}
	return nil
}

// pick returns the index of the secret to write next, often a hot one,
// never one that has had its putBudget; -1 when none is found.
func (w *workload) pick(rng *rand.Rand) int {
	for range 50 {
		i := rng.IntN(len(w.names))
		if rng.IntN(100) < hotShare {
			i = rng.IntN(min(hotSecrets, len(w.names)))
		}
		if w.sent[i].Load() < putBudget {
			return i
		}
	}
	return -1
}

// moveCurrentBack returns the move of AWSCURRENT from its version to the
// AWSPREVIOUS one, as a rollback does; nil when the secret has no
// AWSPREVIOUS version or cannot be read.
func (w *workload) moveCurrentBack(ctx context.Context, name string) *record {
	vs, err := w.labelled(ctx, name)
	if err != nil {
		return nil
	}
	cur, prev := holderOf(vs, labelCurrent), holderOf(vs, labelPrevious)
	if cur == "" || prev == "" {
		return nil
	}
	return &record{Kind: "move", Label: labelCurrent, From: cur, To: prev}
}

// moveCustom returns a move of a custom label to a random labelled version,
// or one time in four its removal; nil when there is nothing to do.
func (w *workload) moveCustom(ctx context.Context, rng *rand.Rand, name string) *record {
	vs, err := w.labelled(ctx, name)
	if err != nil {
		return nil
	}
	label := []string{labelBlue, labelGreen}[rng.IntN(2)]
	from := holderOf(vs, label)
	if rng.IntN(4) == 0 {
		if from == "" {
			return nil
		}
		return &record{Kind: "move", Label: label, From: from}
	}
	ids := make([]string, 0, len(vs))
	for id := range vs {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return &record{Kind: "move", Label: label, From: from, To: ids[rng.IntN(len(ids))]}
}

func (w *workload) labelled(ctx context.Context, name string) (map[string][]string, error) {
	ctx, cancel := context.WithTimeout(ctx, opTimeout)
	defer cancel()
	vs, err := w.cl.Versions(ctx, name, false)
	if err == nil && len(vs) == 0 {
		err = fmt.Errorf("%s has no labelled version", name)
	}
	return vs, err
}

// holderOf returns the version of vs carrying label, or "".
func holderOf(vs map[string][]string, label string) string {
	for id, labels := range vs {
		if slices.Contains(labels, label) {
			return id
		}
	}
	return ""
}
