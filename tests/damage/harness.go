package main

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"maps"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"time"
)

// harness runs the cases.
type harness struct {
	cfg    config
	bin    string // the secretstore binary, built once
	exe    string // this program, run again as the child processes
	root   string
	stdout io.Writer
	states map[string]*state

	mu      sync.Mutex // the output, results and sum
	results *os.File   // results.jsonl: every case's verdicts, in full
	sum     *summary
}

// buildBinary builds the secretstore command into the run's folder.
func (h *harness) buildBinary(ctx context.Context) error {
	h.bin = filepath.Join(h.root, "bin", "secretstore")
	cmd := exec.CommandContext(ctx, "go", "build", "-o", h.bin, "github.com/secretstore-go/secretstore/cmd/secretstore")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("building secretstore: %v\n%s", err, out)
	}
	return nil
}

// enumerate returns every case of the damaged states, and the damages
// skipped.
func (h *harness) enumerate() ([]dcase, []skip, error) {
	var cases []dcase
	var skips []skip
	for _, name := range []string{stateClosed, stateKilled} {
		st := h.states[name]
		for _, file := range slices.Sorted(func(yield func(string) bool) {
			for f, e := range st.snap {
				if e.Mode.IsRegular() && !yield(f) {
					return
				}
			}
		}) {
			content, err := os.ReadFile(filepath.Join(st.data, file))
			if err != nil {
				return nil, nil, err
			}
			other, err := os.ReadFile(filepath.Join(st.other.data, file))
			if err != nil {
				other = nil // the other store has no such file
			}
			hash := fnv.New64a()
			hash.Write([]byte(name + "/" + file))
			rng := rand.New(rand.NewPCG(h.cfg.seed, hash.Sum64()))
			ds, sk := damagesFor(file, content, other, rng)
			for _, d := range ds {
				cases = append(cases, dcase{State: name, File: file, Damage: d})
			}
			for _, s := range sk {
				s.File = name + "/" + s.File
				skips = append(skips, s)
			}
		}
	}
	return cases, skips, nil
}

// caseResult is what results.jsonl holds for a case.
type caseResult struct {
	Case     string
	State    string
	File     string
	Kind     string
	Damage   damage
	Verdicts map[string]verdict
	Recover  *recoverVerdict `json:",omitempty"`
	Seconds  float64
	// Timings are the seconds each command took (recover included).
	Timings map[string]float64
}

// runCases runs cases with cfg.workers workers.
func (h *harness) runCases(ctx context.Context, cases []dcase) {
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range h.cfg.workers {
		wg.Go(func() {
			for i := range jobs {
				h.runCase(ctx, i, cases[i])
			}
		})
	}
	for i := range cases {
		select {
		case jobs <- i:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(jobs)
	wg.Wait()
}

// runCase damages a copy of the state, runs every command on its own copy
// of it, then recover, and prints and counts the verdicts.
func (h *harness) runCase(ctx context.Context, i int, c dcase) {
	t0 := time.Now()
	st := h.states[c.State]
	cr := &caseRun{h: h, c: c, st: st, dir: filepath.Join(h.root, "cases", caseSlug(i))}
	res := caseResult{Case: c.String(), State: c.State, File: c.File, Kind: c.kind(), Damage: c.Damage,
		Verdicts: map[string]verdict{}, Timings: map[string]float64{}}
	err := cr.prepare()
	for _, cmd := range h.cfg.commands {
		if ctx.Err() != nil {
			break
		}
		if err != nil {
			res.Verdicts[cmd] = harnessError(err)
			continue
		}
		t := time.Now()
		res.Verdicts[cmd] = cr.run(ctx, cmd)
		res.Timings[cmd] = time.Since(t).Seconds()
	}
	if ctx.Err() == nil && !h.cfg.noRecover {
		var rv recoverVerdict
		if err != nil {
			rv = recoverVerdict{Reason: "harness error: " + err.Error()}
		} else {
			t := time.Now()
			rv = cr.recover(ctx)
			res.Timings["recover"] = time.Since(t).Seconds()
		}
		res.Recover = &rv
	}
	res.Seconds = time.Since(t0).Seconds()
	if !h.cfg.keep {
		os.RemoveAll(cr.dir)
	}
	if ctx.Err() != nil {
		return // interrupted: not counted
	}
	h.record(res)
}

// prepare makes the case's damaged folder: a copy of the pristine state
// with the damage applied.
func (cr *caseRun) prepare() error {
	if err := os.MkdirAll(cr.dir, 0o700); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(cr.dir, "case.txt"), []byte(cr.c.String()+"\n"), 0o600); err != nil {
		return err
	}
	cr.damaged = filepath.Join(cr.dir, "damaged")
	if err := copyTree(cr.st.data, cr.damaged, cr.st.rootMode); err != nil {
		return err
	}
	target := filepath.Join(cr.damaged, filepath.FromSlash(cr.c.File))
	content, err := os.ReadFile(target)
	if err != nil {
		return err
	}
	var other []byte
	if cr.c.Damage.Group == dmgReplaced {
		if other, err = os.ReadFile(filepath.Join(cr.st.other.data, filepath.FromSlash(cr.c.File))); err != nil {
			return err
		}
	}
	out, remove := cr.c.Damage.apply(content, other)
	if remove {
		if err := os.Remove(target); err != nil {
			return err
		}
		return cr.snapshotDamaged()
	}
	// Written in place: the file keeps its mode.
	f, err := os.OpenFile(target, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	if _, err := f.Write(out); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return cr.snapshotDamaged()
}

// snapshotDamaged takes the snapshot of the damaged folder, with the mode
// its copies get.
func (cr *caseRun) snapshotDamaged() error {
	snap, err := takeSnapshot(cr.damaged)
	if err != nil {
		return err
	}
	root := snap["."]
	root.Mode = root.Mode&^fs.ModePerm | cr.st.rootMode
	snap["."] = root
	cr.damagedSnap = snap
	return nil
}

// record prints a case's lines, appends it to results.jsonl and counts it.
func (h *harness) record(res caseResult) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, cmd := range h.cfg.commands {
		v, ran := res.Verdicts[cmd]
		if !ran {
			continue
		}
		fmt.Fprintf(h.stdout, "%s/%s | %s | %s | %s", res.State, res.File, res.Damage.Label, cmd, v.Outcome)
		if v.Reason != "" && (v.Outcome == failure || h.cfg.verbose) {
			fmt.Fprintf(h.stdout, " | %s", v.Reason)
		}
		fmt.Fprintln(h.stdout)
	}
	if rv := res.Recover; rv != nil {
		outcome := "PASS"
		if !rv.Pass {
			outcome = "FAIL"
		}
		fmt.Fprintf(h.stdout, "%s/%s | %s | recover | %s | %s\n", res.State, res.File, res.Damage.Label, outcome, rv.Reason)
	}
	if h.results != nil {
		b, _ := json.Marshal(res)
		h.results.Write(append(b, '\n'))
	}
	h.sum.add(res)
}

// checkSources checks that no case changed a pristine state.
func (h *harness) checkSources() error {
	for _, name := range slices.Sorted(maps.Keys(h.states)) {
		st := h.states[name]
		now, err := takeSnapshot(st.data)
		if err != nil {
			return err
		}
		if d := st.snap.diff(now); len(d) > 0 {
			return fmt.Errorf("the pristine %s state changed during the run: %s", name, summarizeChanges(d))
		}
	}
	return nil
}
