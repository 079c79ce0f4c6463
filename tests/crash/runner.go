package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/proc"
)

const (
	// sentinel is a secret the wire mode creates once and reads to tell
	// that a restarted server answers.
	sentinel      = "crash/sentinel"
	sentinelToken = "crash-sentinel-0000000000000000000000"
	sentinelValue = "secretstore crash test sentinel"
	// setupTimeout bounds the creation of a cycle's secrets and a child's
	// start; verifyTimeout the checks of a cycle.
	setupTimeout  = time.Minute
	verifyTimeout = 5 * time.Minute
	// callTimeout bounds each call of the verifier.
	callTimeout = 30 * time.Second
	// sampleSize is how many acknowledged versions of earlier cycles are
	// kept (a uniform sample) and sampleChecks how many of them each cycle
	// reads back.
	sampleSize   = 4096
	sampleChecks = 64
	// maxPings bounds the requests that wait for a server to answer, besides
	// -recovery-timeout.
	maxPings = 100_000
	// detailLines bounds the problems printed per cycle.
	detailLines = 10
	// verifyWorkers is how many secrets are checked at once. Reads are
	// writes too (the first read of a version in a day stamps its
	// LastAccessedDate, with an fsync): concurrent ones share fsyncs.
	verifyWorkers = 16
)

// modeStats are the figures of one mode, or of all.
type modeStats struct {
	cycles         int
	acked          int // writes acknowledged: creates, puts and label moves
	creates        int
	puts           int
	moves          int
	refused        int // writes the store refused (a stale RemoveFromVersionId, ...)
	inFlight       int // writes whose outcome was unknown at the kill
	committed      int // of those, puts found committed
	versions       int // versions whose value was read back
	lost           int
	violations     int
	recovery       []time.Duration
	writing        time.Duration
	failedRestarts int
	readRetries    atomic.Int64 // verifier reads tried again after a failure without an answer
}

func (s *modeStats) add(o *modeStats) {
	s.cycles += o.cycles
	s.acked += o.acked
	s.creates += o.creates
	s.puts += o.puts
	s.moves += o.moves
	s.refused += o.refused
	s.inFlight += o.inFlight
	s.committed += o.committed
	s.versions += o.versions
	s.lost += o.lost
	s.violations += o.violations
	s.recovery = append(s.recovery, o.recovery...)
	s.writing += o.writing
	s.failedRestarts += o.failedRestarts
	s.readRetries.Add(o.readRetries.Load())
}

// percentile returns the p-th percentile (nearest rank) of sorted d.
func percentile(d []time.Duration, p float64) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := int(float64(len(d))*p/100+0.999999) - 1
	return d[min(max(i, 0), len(d)-1)]
}

func (s *modeStats) summary(name string) string {
	rec := slices.Sorted(slices.Values(s.recovery))
	r := func(d time.Duration) string { return d.Round(10 * time.Microsecond).String() }
	return fmt.Sprintf("crash: %s: %d cycles, %d writes acknowledged (%d creates, %d puts, %d label moves), %d refused, "+
		"%d in flight at the kill (%d puts committed), %d versions read back; "+
		"lost %d, invariant violations %d, failed restarts %d; "+
		"recovery min %s median %s p99 %s max %s; verifier reads retried %d",
		name, s.cycles, s.acked, s.creates, s.puts, s.moves, s.refused, s.inFlight, s.committed, s.versions,
		s.lost, s.violations, s.failedRestarts,
		r(percentile(rec, 0)), r(percentile(rec, 50)), r(percentile(rec, 99)), r(percentile(rec, 100)), s.readRetries.Load())
}

// sampled is an acknowledged version of an earlier cycle.
type sampled struct{ secret, version, hash string }

// runner runs the cycles of one mode on its own data folder.
type runner struct {
	cfg            config
	mode           string
	data, logs     string
	keyFile        string
	stdout, stderr io.Writer
	rng            *rand.Rand
	stats          modeStats

	prev    map[string]map[string][]string // the previous cycle's secrets as verified
	sample  []sampled
	offered int // acknowledged versions offered to sample
}

func newRunner(cfg config, mode, root string, stdout, stderr io.Writer) (*runner, error) {
	dir := filepath.Join(root, mode)
	r := &runner{cfg: cfg, mode: mode, data: filepath.Join(dir, "data"), logs: filepath.Join(dir, "logs"),
		keyFile: filepath.Join(root, "master.key"), stdout: stdout, stderr: stderr,
		rng: rand.New(rand.NewPCG(cfg.seed, uint64(len(mode))))}
	if err := os.MkdirAll(r.logs, 0o700); err != nil {
		return r, err
	}
	if _, err := os.Stat(r.keyFile); errors.Is(err, os.ErrNotExist) {
		key, err := secretstore.NewMasterKey()
		if err != nil {
			return r, err
		}
		if err := os.WriteFile(r.keyFile, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
			return r, err
		}
	}
	return r, nil
}

func (r *runner) run(ctx context.Context) error {
	if r.mode == "wire" {
		return r.runWire(ctx)
	}
	return r.runLibrary(ctx)
}

// killDelay is how long the writers run before the kill: a random moment
// of the cycle's duration, not in its first tenth.
func (r *runner) killDelay() time.Duration {
	d := r.cfg.duration
	return d/10 + time.Duration(r.rng.Int64N(int64(d-d/10)))
}

// cycleLogs creates the folder of a cycle's logs.
func (r *runner) cycleLogs(cycle int) (string, error) {
	dir := filepath.Join(r.logs, fmt.Sprintf("c%05d", cycle))
	if err := os.RemoveAll(dir); err != nil { // a leftover of an earlier run on -dir
		return "", err
	}
	return dir, os.MkdirAll(dir, 0o700)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// ---- wire mode --------------------------------------------------------------

// server is a "secretstore serve" on the mode's data folder.
type server struct {
	bin, data, keyFile, addr, logPath string
	p                                 *proc.Proc
}

func (s *server) endpoint() string { return "http://" + s.addr }

// start starts the server and waits until it answers: with the sentinel's
// value when wantSentinel, or at all. It returns the time from the start
// of the process to the first answer.
func (s *server) start(ctx context.Context, wantSentinel bool, timeout time.Duration) (_ time.Duration, err error) {
	logf, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return 0, err
	}
	defer logf.Close() // the child has its own copy
	cmd := exec.Command(s.bin, "serve", "--data", s.data, "--addr", s.addr, "--master-key-file", s.keyFile, "--quiet")
	cmd.Stdout, cmd.Stderr = logf, logf
	t0 := time.Now()
	if s.p, err = procs.Start(cmd); err != nil {
		return 0, err
	}
	defer func() {
		if err != nil { // a server that does not answer right is not kept
			select {
			case <-s.p.Done:
			default:
				s.p.Kill()
			}
			s.p = nil
		}
	}()
	cl := newWireClient(s.endpoint(), 1)
	defer cl.close()
	var last error
	for attempt := 0; attempt < maxPings && time.Since(t0) < timeout; attempt++ {
		pctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		out, err := cl.c.GetSecretValue(pctx, &secretsmanager.GetSecretValueInput{SecretId: aws.String(sentinel)})
		cancel()
		switch {
		case err == nil && aws.ToString(out.SecretString) == sentinelValue:
			return time.Since(t0), nil
		case err == nil:
			return 0, fmt.Errorf("the server answers, but the sentinel secret has another value")
		case !wantSentinel && isNotFound(err):
			return time.Since(t0), nil
		}
		last = err
		select {
		case <-s.p.Done:
			return 0, fmt.Errorf("the server exited (%v); its log: %s", s.p.Err, tail(s.logPath))
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
	return 0, fmt.Errorf("the server did not answer within %v: %v; its log: %s", timeout, last, tail(s.logPath))
}

// tail returns the last lines of file name that are not the server's
// "listening" lines, for an error message.
func tail(name string) string {
	b, _ := os.ReadFile(name)
	var lines []string
	for _, l := range strings.Split(string(b), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.Contains(l, "msg=listening") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines[max(0, len(lines)-8):], " | ")
}

func (r *runner) runWire(ctx context.Context) error {
	binDir, err := os.MkdirTemp("", "secretstore-crash-bin-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(binDir)
	bin := filepath.Join(binDir, "secretstore")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, "github.com/secretstore-go/secretstore/cmd/secretstore")
	if out, err := build.CombinedOutput(); err != nil {
		return fmt.Errorf("building secretstore: %v\n%s", err, out)
	}
	port, err := freePort()
	if err != nil {
		return err
	}
	srv := &server{bin: bin, data: r.data, keyFile: r.keyFile, addr: fmt.Sprintf("127.0.0.1:%d", port),
		logPath: filepath.Join(r.logs, "server.log")}
	if _, err := srv.start(ctx, false, r.cfg.recoveryTimeout); err != nil {
		return fmt.Errorf("first start: %w", err)
	}
	defer func() {
		if srv.p != nil {
			srv.p.Kill()
		}
	}()
	cl := newWireClient(srv.endpoint(), 1)
	err = cl.Create(ctx, sentinel, sentinelToken, sentinelValue)
	cl.close()
	if err != nil && refusal(err) != "ResourceExistsException" {
		return fmt.Errorf("creating the sentinel secret: %w", err)
	}

	for cycle := 1; cycle <= r.cfg.cycles && ctx.Err() == nil; cycle++ {
		logDir, err := r.cycleLogs(cycle)
		if err != nil {
			return err
		}
		cl := newWireClient(srv.endpoint(), max(r.cfg.writers, verifyWorkers)+2)
		w := newWorkload(cycle, r.cfg.secrets, r.cfg.writers, r.cfg.seed, logDir, cl)
		sctx, cancel := context.WithTimeout(ctx, setupTimeout)
		err = w.setup(sctx)
		cancel()
		if err != nil {
			cl.close()
			return fmt.Errorf("cycle %d: creating the secrets: %w", cycle, err)
		}

		delay := r.killDelay()
		wctx, stopWriters := context.WithCancel(ctx)
		done := make(chan error, 1)
		t0 := time.Now()
		go func() { done <- w.run(wctx, t0.Add(r.cfg.duration+time.Minute)) }()
		sleepErr := sleep(ctx, delay)
		killErr := srv.p.Kill()
		wrote := time.Since(t0)
		srv.p = nil
		stopWriters()
		runErr := <-done
		cl.close()
		if err := errors.Join(sleepErr, killErr, runErr); err != nil {
			return fmt.Errorf("cycle %d: %w", cycle, err)
		}

		var rec time.Duration
		failed, err := r.restart(ctx, cycle, func() (err error) {
			rec, err = srv.start(ctx, true, r.cfg.recoveryTimeout)
			return err
		})
		if err != nil {
			return err
		}
		vcl := newWireClient(srv.endpoint(), max(r.cfg.writers, verifyWorkers)+2)
		err = r.verify(ctx, cycle, vcl, w.names, logDir, wrote, rec, failed)
		vcl.close()
		if err != nil {
			return err
		}
	}
	return nil
}

// restartAttempts is how many times a cycle tries to restart the store
// after the kill. A failed attempt is a failure of the test; the next ones
// tell a store that recovers on a second try from one that stays down.
const restartAttempts = 3

// restart runs start until it succeeds, up to restartAttempts times, and
// returns the failures of the attempts before; an error when all failed,
// which ends the mode, as the store is down.
func (r *runner) restart(ctx context.Context, cycle int, start func() error) (failed []string, err error) {
	for attempt := 1; attempt <= restartAttempts; attempt++ {
		err := start()
		if err == nil {
			r.stats.failedRestarts += len(failed)
			return failed, nil
		}
		failed = append(failed, fmt.Sprintf("restart %d after the kill failed: %v", attempt, err))
		if ctx.Err() != nil {
			break
		}
	}
	r.stats.failedRestarts += len(failed)
	return failed, fmt.Errorf("cycle %d: the store did not restart: %s", cycle, strings.Join(failed, "; "))
}

// ---- library mode -----------------------------------------------------------

// childConfig is what the library mode's child process is told to do.
type childConfig struct {
	Dir, KeyFile, LogDir string
	Cycle, Writers       int
	Secrets              int
	Seed                 uint64
	Limit                time.Duration // the writers' time limit
	ReapInterval         time.Duration
}

// childReapInterval makes the child's background reaper (and Badger's
// value-log GC it runs) run during the writes, so kills also land in it.
const childReapInterval = 200 * time.Millisecond

func (r *runner) runLibrary(ctx context.Context) error {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	childLog := filepath.Join(r.logs, "child.log")
	for cycle := 1; cycle <= r.cfg.cycles && ctx.Err() == nil; cycle++ {
		logDir, err := r.cycleLogs(cycle)
		if err != nil {
			return err
		}
		names := secretNames(cycle, r.cfg.secrets)
		cc := childConfig{Dir: r.data, KeyFile: r.keyFile, LogDir: logDir, Cycle: cycle, Writers: r.cfg.writers,
			Secrets: r.cfg.secrets, Seed: r.cfg.seed, Limit: r.cfg.duration + time.Minute, ReapInterval: childReapInterval}
		b, _ := json.Marshal(cc)
		cfgFile := filepath.Join(r.logs, "child.json")
		if err := os.WriteFile(cfgFile, b, 0o600); err != nil {
			return err
		}
		wrote, err := r.runChild(ctx, exe, cfgFile, childLog)
		if err != nil {
			return fmt.Errorf("cycle %d: %w", cycle, err)
		}

		var store *secretstore.Store
		var rec time.Duration
		failed, err := r.restart(ctx, cycle, func() (err error) {
			t0 := time.Now()
			store, err = secretstore.Open(ctx, secretstore.Options{Dir: r.data, MasterKeyFile: r.keyFile})
			rec = time.Since(t0)
			return err
		})
		if err != nil {
			return err
		}
		err = r.verify(ctx, cycle, libClient{store}, names, logDir, wrote, rec, failed)
		if cerr := store.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("cycle %d: Close: %w", cycle, cerr)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// runChild starts the child, waits until it has created its secrets, lets
// it write for a random time and kills it. It returns how long the child
// wrote.
func (r *runner) runChild(ctx context.Context, exe, cfgFile, logPath string) (time.Duration, error) {
	logf, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return 0, err
	}
	defer logf.Close()
	cmd := exec.Command(exe, "-child", cfgFile)
	cmd.Stderr = logf
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, err
	}
	p, err := procs.Start(cmd)
	if err != nil {
		return 0, err
	}
	ready := make(chan bool, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		ready <- line == "ready\n"
		io.Copy(io.Discard, out)
	}()
	select {
	case ok := <-ready:
		if !ok {
			p.Kill()
			return 0, fmt.Errorf("the child did not start; its log: %s", tail(logPath))
		}
	case <-time.After(setupTimeout):
		p.Kill()
		return 0, fmt.Errorf("the child did not start within %v; its log: %s", setupTimeout, tail(logPath))
	case <-ctx.Done():
		p.Kill()
		return 0, ctx.Err()
	}
	t0 := time.Now()
	sleepErr := sleep(ctx, r.killDelay())
	killErr := p.Kill()
	wrote := time.Since(t0)
	if killErr != nil {
		killErr = fmt.Errorf("%w; its log: %s", killErr, tail(logPath))
	}
	return wrote, errors.Join(sleepErr, killErr)
}

// runChild is the library mode's child process: it opens the store, creates
// the cycle's secrets, says "ready" and writes until it is killed. Running
// out of time is an error.
func runChild(cfgFile string) error {
	b, err := os.ReadFile(cfgFile)
	if err != nil {
		return err
	}
	var cc childConfig
	if err := json.Unmarshal(b, &cc); err != nil {
		return err
	}
	ctx := context.Background()
	store, err := secretstore.Open(ctx, secretstore.Options{Dir: cc.Dir, MasterKeyFile: cc.KeyFile, ReapInterval: cc.ReapInterval})
	if err != nil {
		return err
	}
	defer store.Close()
	w := newWorkload(cc.Cycle, cc.Secrets, cc.Writers, cc.Seed, cc.LogDir, libClient{store})
	sctx, cancel := context.WithTimeout(ctx, setupTimeout)
	err = w.setup(sctx)
	cancel()
	if err != nil {
		return err
	}
	if _, err := fmt.Println("ready"); err != nil {
		return err
	}
	if err := w.run(ctx, time.Now().Add(cc.Limit)); err != nil {
		return err
	}
	return fmt.Errorf("not killed within %v", cc.Limit)
}

// ---- verification -----------------------------------------------------------

// observe reads what the store holds for secret name.
func observe(ctx context.Context, cl client, name string) (*observation, error) {
	call := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, callTimeout) }
	c, cancel := call()
	vs, err := cl.Versions(c, name, true)
	cancel()
	if err != nil {
		return nil, fmt.Errorf("ListSecretVersionIds: %w", err)
	}
	obs := &observation{versions: vs, hashes: map[string]string{}, readErrs: map[string]string{},
		holders: map[string]string{}, holderErr: map[string]string{}}
	for id := range vs {
		c, cancel := call()
		v, err := cl.Value(c, name, id)
		cancel()
		if err != nil {
			obs.readErrs[id] = err.Error()
			continue
		}
		obs.hashes[id] = valueHash(v)
	}
	for _, labels := range vs {
		for _, l := range labels {
			c, cancel := call()
			h, err := cl.Holder(c, name, l)
			cancel()
			if err != nil {
				obs.holderErr[l] = err.Error()
				continue
			}
			obs.holders[l] = h
		}
	}
	return obs, nil
}

// cycleResult is the verdict on a cycle.
type cycleResult struct {
	acked, creates, puts, moves, refused, inFlight, committed, versions int
	lost, violations                                                    []string
}

// verify checks the store after a cycle's restart, prints the cycle's
// line and adds its figures to the mode's. It returns an error only when
// the cycle could not be checked.
//
// failedRestarts are the attempts to restart the store that failed before
// one succeeded, printed with the cycle.
func (r *runner) verify(ctx context.Context, cycle int, cl client, names []string, logDir string, wrote, rec time.Duration, failedRestarts []string) error {
	ctx, cancel := context.WithTimeout(ctx, verifyTimeout)
	defer cancel()
	cl = retryingReads{cl, &r.stats.readRetries}
	hist, err := readHistory(logDir)
	if err != nil {
		return fmt.Errorf("cycle %d: reading the log of writes: %w", cycle, err)
	}
	var res cycleResult
	for name, ops := range hist {
		if !slices.Contains(names, name) {
			res.violations = append(res.violations, fmt.Sprintf("the log has writes to %s, not a secret of this cycle", name))
			continue
		}
		for _, o := range ops {
			switch {
			case o.acked() && o.kind == "create":
				res.creates++
			case o.acked() && o.kind == "put":
				res.puts++
			case o.acked():
				res.moves++
			case o.refused != "":
				res.refused++
			}
		}
	}
	res.acked = res.creates + res.puts + res.moves

	observed := make([]map[string][]string, len(names))
	var mu sync.Mutex
	jobs := make(chan int, len(names))
	for i := range names {
		jobs <- i
	}
	close(jobs)
	var wg sync.WaitGroup
	for range verifyWorkers {
		wg.Go(func() {
			for i := range jobs {
				name := names[i]
				obs, err := observe(ctx, cl, name)
				var ck secretCheck
				if err != nil {
					ck.violations = []string{err.Error()}
				} else {
					observed[i] = obs.versions
					ck = checkSecret(hist[name], obs)
				}
				mu.Lock()
				res.inFlight += ck.inFlight
				res.committed += ck.committed
				if obs != nil {
					res.versions += len(obs.versions)
				}
				for _, s := range ck.lost {
					res.lost = append(res.lost, name+": "+s)
				}
				for _, s := range ck.violations {
					res.violations = append(res.violations, name+": "+s)
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()

	// The secrets of the previous cycle, untouched since they were verified.
	for _, name := range slices.Sorted(maps.Keys(r.prev)) {
		c, cancel := context.WithTimeout(ctx, callTimeout)
		vs, err := cl.Versions(c, name, true)
		cancel()
		switch {
		case err != nil:
			res.violations = append(res.violations, fmt.Sprintf("%s (previous cycle): ListSecretVersionIds: %v", name, err))
		case !maps.EqualFunc(vs, r.prev[name], slices.Equal):
			res.violations = append(res.violations, fmt.Sprintf("%s (previous cycle) changed: %v, was %v", name, vs, r.prev[name]))
		}
	}
	// A sample of the acknowledged versions of all earlier cycles.
	for _, i := range r.rng.Perm(len(r.sample))[:min(sampleChecks, len(r.sample))] {
		s := r.sample[i]
		c, cancel := context.WithTimeout(ctx, callTimeout)
		v, err := cl.Value(c, s.secret, s.version)
		cancel()
		switch {
		case err != nil:
			res.lost = append(res.lost, fmt.Sprintf("%s: acknowledged version %s of an earlier cycle: %v", s.secret, s.version, err))
		case valueHash(v) != s.hash:
			res.lost = append(res.lost, fmt.Sprintf("%s: acknowledged version %s of an earlier cycle has another value", s.secret, s.version))
		}
		res.versions++
	}

	// Remember this cycle for the next ones.
	r.prev = map[string]map[string][]string{}
	for i, name := range names {
		if observed[i] != nil {
			r.prev[name] = observed[i]
		}
	}
	for _, name := range names {
		for _, o := range hist[name] {
			if !o.acked() || !o.writesVersion() {
				continue
			}
			r.offered++
			s := sampled{o.secret, o.token, o.hash}
			if len(r.sample) < sampleSize {
				r.sample = append(r.sample, s)
			} else if j := r.rng.IntN(r.offered); j < sampleSize {
				r.sample[j] = s
			}
		}
	}

	st := &r.stats
	st.cycles++
	st.acked += res.acked
	st.creates += res.creates
	st.puts += res.puts
	st.moves += res.moves
	st.refused += res.refused
	st.inFlight += res.inFlight
	st.committed += res.committed
	st.versions += res.versions
	st.lost += len(res.lost)
	st.violations += len(res.violations)
	st.recovery = append(st.recovery, rec)
	st.writing += wrote

	verdict := "ok"
	if len(res.lost)+len(res.violations)+len(failedRestarts) > 0 {
		verdict = fmt.Sprintf("FAIL: lost %d, violations %d, failed restarts %d", len(res.lost), len(res.violations), len(failedRestarts))
	}
	fmt.Fprintf(r.stdout, "%-7s cycle %5d/%d: killed after %6s, acked %4d (puts %4d, moves %3d), refused %3d, in flight %2d (puts committed %2d), recovery %8s: %s\n",
		r.mode, cycle, r.cfg.cycles, wrote.Round(time.Millisecond), res.acked, res.puts, res.moves, res.refused,
		res.inFlight, res.committed, rec.Round(10*time.Microsecond), verdict)
	details := slices.Concat(failedRestarts, res.lost, res.violations)
	for i, s := range details {
		if i == detailLines {
			fmt.Fprintf(r.stdout, "    ... and %d more\n", len(details)-detailLines)
			break
		}
		fmt.Fprintf(r.stdout, "    %s\n", s)
	}
	if verdict == "ok" && !r.cfg.keep {
		os.RemoveAll(logDir)
	}
	return nil
}

// freePort returns a TCP port of 127.0.0.1 that is free now.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
