package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// op is one write read back from the logs.
type op struct {
	id              int64
	kind            string // "create", "put" or "move"
	secret          string
	token, hash     string
	stages          []string
	label, from, to string
	start, ack      int64  // event counter when it was sent and when acknowledged (0: not acknowledged)
	refused         string // the error code when the store refused it
}

func (o *op) acked() bool    { return o.ack > 0 }
func (o *op) inFlight() bool { return o.ack == 0 && o.refused == "" }
func (o *op) writesVersion() bool {
	return o.kind == "create" || o.kind == "put"
}

func (o *op) String() string {
	state := "in flight"
	switch {
	case o.acked():
		state = "acknowledged"
	case o.refused != "":
		state = "refused " + o.refused
	}
	if o.kind == "move" {
		return fmt.Sprintf("move %s from %q to %q (%s)", o.label, o.from, o.to, state)
	}
	return fmt.Sprintf("%s %s stages %v (%s)", o.kind, o.token, o.stages, state)
}

// readHistory reads every log of writes in dir and returns the writes by
// secret, each secret's in the order they were sent. A log's last line may
// be cut short (the process writing it was killed mid-write): it is
// ignored, as the write it would record was not sent (a "B" record) or is
// in flight (an "A" or "F" record). Any other malformed line is an error.
func readHistory(dir string) (map[string][]*op, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.log"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no log of writes in %s", dir)
	}
	ops := map[int64]*op{}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			return nil, err
		}
		lines := bytes.Split(b, []byte("\n"))
		for i, line := range lines {
			if len(line) == 0 {
				continue
			}
			var r record
			if err := json.Unmarshal(line, &r); err != nil {
				if i == len(lines)-1 { // no newline after it: cut short by the kill
					continue
				}
				return nil, fmt.Errorf("%s line %d: %w", name, i+1, err)
			}
			switch r.K {
			case "B":
				if ops[r.Op] != nil {
					return nil, fmt.Errorf("%s line %d: write %d begun twice", name, i+1, r.Op)
				}
				ops[r.Op] = &op{id: r.Op, kind: r.Kind, secret: r.Secret, token: r.Token, hash: r.Hash,
					stages: r.Stages, label: r.Label, from: r.From, to: r.To, start: r.Q}
			case "A", "F":
				o := ops[r.Op]
				if o == nil || o.ack != 0 || o.refused != "" {
					return nil, fmt.Errorf("%s line %d: outcome of write %d without its beginning or twice", name, i+1, r.Op)
				}
				if r.K == "A" {
					o.ack = r.Q
				} else {
					o.refused = r.Code
				}
			default:
				return nil, fmt.Errorf("%s line %d: unknown record %q", name, i+1, r.K)
			}
		}
	}
	bySecret := map[string][]*op{}
	for _, o := range ops {
		bySecret[o.secret] = append(bySecret[o.secret], o)
	}
	for _, s := range bySecret {
		slices.SortFunc(s, func(a, b *op) int { return int(a.start - b.start) })
	}
	return bySecret, nil
}

// observation is what the store holds for one secret after the restart.
type observation struct {
	versions  map[string][]string // version id → labels, deprecated versions included
	hashes    map[string]string   // version id → hash of the value read back by VersionId
	readErrs  map[string]string   // version id → why its value could not be read
	holders   map[string]string   // label → version GetSecretValue with VersionStage returned
	holderErr map[string]string   // label → why that failed
}

// secretCheck is the verdict on one secret.
type secretCheck struct {
	lost       []string // acknowledged writes the store does not have
	violations []string // anything else that is wrong
	acked      int      // acknowledged writes
	inFlight   int      // writes whose outcome is unknown
	committed  int      // of those, puts whose version exists
}

// checkSecret checks what the store holds for a secret against the writes
// sent to it:
//
//   - the label invariants: each label on at most one version, exactly one
//     AWSCURRENT, at most one AWSPREVIOUS, and GetSecretValue by label finds
//     the version the listing shows with it;
//   - every acknowledged create or put has its version, with exactly its
//     value; every version is one a logged write sent, with that write's
//     value, and no refused write has its version;
//   - the labels are exactly those of some order of the writes that
//     respects real time (a write acknowledged before another was sent comes
//     first) in which every acknowledged write happened, every in-flight
//     put happened if and only if its version exists, and each in-flight
//     move happened or not. This is where AWSCURRENT is checked: it must be
//     on the version of the last acknowledged write that moved it, or of a
//     write that may have committed after it without being acknowledged.
func checkSecret(ops []*op, obs *observation) secretCheck {
	var c secretCheck
	byToken := map[string]*op{}
	for _, o := range ops {
		if o.acked() {
			c.acked++
		}
		if o.inFlight() {
			c.inFlight++
		}
		if o.writesVersion() {
			byToken[o.token] = o
		}
	}

	// The invariants, as the store shows them.
	count := map[string][]string{}
	for _, id := range slices.Sorted(maps.Keys(obs.versions)) {
		for _, l := range obs.versions[id] {
			count[l] = append(count[l], id)
		}
	}
	for _, l := range slices.Sorted(maps.Keys(count)) {
		if n := len(count[l]); n > 1 {
			c.violations = append(c.violations, fmt.Sprintf("label %s is on %d versions: %v", l, n, count[l]))
		}
		if h, ok := obs.holders[l]; ok && h != count[l][0] {
			c.violations = append(c.violations, fmt.Sprintf("GetSecretValue(VersionStage %s) returns version %s, the listing has %s on %s", l, h, l, count[l][0]))
		} else if e, ok := obs.holderErr[l]; ok {
			c.violations = append(c.violations, fmt.Sprintf("GetSecretValue(VersionStage %s): %s", l, e))
		}
	}
	if n := len(count[labelCurrent]); n != 1 {
		c.violations = append(c.violations, fmt.Sprintf("%d versions carry AWSCURRENT, want exactly 1", n))
	}

	// Versions and values.
	for _, id := range slices.Sorted(maps.Keys(obs.versions)) {
		o := byToken[id]
		switch {
		case o == nil:
			c.violations = append(c.violations, fmt.Sprintf("version %s was written by no logged write", id))
			continue
		case o.refused != "":
			c.violations = append(c.violations, fmt.Sprintf("version %s exists, but its write was refused with %s", id, o.refused))
		case o.inFlight():
			c.committed++
		}
		bad := ""
		if e, ok := obs.readErrs[id]; ok {
			bad = "cannot be read: " + e
		} else if obs.hashes[id] != o.hash {
			bad = "has another value than the one written"
		}
		if bad == "" {
			continue
		}
		if o.acked() {
			c.lost = append(c.lost, fmt.Sprintf("acknowledged version %s %s", id, bad))
		} else {
			c.violations = append(c.violations, fmt.Sprintf("version %s %s", id, bad))
		}
	}
	missing := false
	for _, o := range ops {
		if o.acked() && o.writesVersion() {
			if _, ok := obs.versions[o.token]; !ok {
				c.lost = append(c.lost, fmt.Sprintf("acknowledged %s is missing", o))
				missing = true
			}
		}
	}
	if missing || len(count[labelCurrent]) != 1 {
		return c // the history cannot explain this state; already reported
	}

	// The labels, against the history.
	target := map[string]string{}
	for l, ids := range count {
		target[l] = ids[0]
	}
	if ok, exhausted := explain(ops, obs.versions, target, false); !ok {
		if exhausted {
			c.violations = append(c.violations, "the labels could not be checked against the writes: the search was too large")
		} else if ok, _ := explain(ops, obs.versions, target, true); ok {
			c.lost = append(c.lost, fmt.Sprintf("an acknowledged label move is not reflected: the labels %s are explained only without one", labelString(target)))
		} else {
			c.violations = append(c.violations, fmt.Sprintf("no order of the writes explains the labels %s; writes: %s", labelString(target), historyString(ops)))
		}
	}
	return c
}

func labelString(m map[string]string) string {
	var b strings.Builder
	for _, l := range slices.Sorted(maps.Keys(m)) {
		fmt.Fprintf(&b, "%s=%s ", l, m[l])
	}
	return strings.TrimSpace(b.String())
}

func historyString(ops []*op) string {
	const most = 40
	var parts []string
	for i, o := range ops {
		if i == most {
			parts = append(parts, fmt.Sprintf("... %d more", len(ops)-most))
			break
		}
		parts = append(parts, fmt.Sprintf("[%d..%d] %s", o.start, o.ack, o))
	}
	return strings.Join(parts, "; ")
}

// labels is the model's state of a secret: its versions and which version
// carries each label. It follows Secrets Manager's documented rules.
type labels struct {
	versions map[string]bool
	on       map[string]string // label → version
}

func (s labels) clone() labels {
	return labels{versions: maps.Clone(s.versions), on: maps.Clone(s.on)}
}

// attach puts label on version to. When AWSCURRENT moves, the version that
// had it gets AWSPREVIOUS.
func (s labels) attach(label, to string) {
	from := s.on[label]
	if from == to {
		return
	}
	s.on[label] = to
	if label == labelCurrent && from != "" {
		s.attach(labelPrevious, from)
	}
}

// apply applies write o to s and reports whether the store would accept it.
func (s labels) apply(o *op) bool {
	switch o.kind {
	case "create", "put":
		if s.versions[o.token] {
			return true // the same token again changes nothing
		}
		s.versions[o.token] = true
		stages := o.stages
		if len(stages) == 0 {
			if cur := s.on[labelCurrent]; cur != "" && s.on[labelPending] == cur {
				delete(s.on, labelPending) // the old current version loses AWSPENDING
			}
			stages = []string{labelCurrent}
		}
		for _, l := range stages {
			s.attach(l, o.token)
		}
		if s.on[labelCurrent] == "" {
			s.attach(labelCurrent, o.token) // a secret's first version is current
		}
		return true
	case "move": // UpdateSecretVersionStage
		if (o.from != "" && !s.versions[o.from]) || (o.to != "" && !s.versions[o.to]) {
			return false
		}
		holder := s.on[o.label]
		switch {
		case o.to == "" && o.from != holder: // remove only, from the wrong version
			return false
		case o.to == "" && o.label == labelCurrent:
			return false // AWSCURRENT can only move
		case o.to == "":
			delete(s.on, o.label)
			return true
		case holder != "" && o.from == "" && holder != o.to:
			return false // must name the version that has the label
		case o.from != "" && o.from != holder:
			return false
		}
		s.attach(o.label, o.to)
		return true
	}
	return false
}

// searchBudget bounds the states explain visits for one secret.
const searchBudget = 2_000_000

// explain reports whether some order of ops, respecting real time, leads to
// exactly the versions and labels the store holds (target: label →
// version). Acknowledged writes must all happen (unless looseMoves, when
// acknowledged label moves may be missing: to tell a lost move from a
// wrong state), in-flight puts happen if and only if their version exists,
// in-flight moves may happen or not, refused writes do not happen.
// exhausted reports that the search gave up.
func explain(ops []*op, versions map[string][]string, target map[string]string, looseMoves bool) (ok, exhausted bool) {
	var use []*op
	var required []bool
	for _, o := range ops {
		switch {
		case o.refused != "":
			continue
		case o.writesVersion():
			_, exists := versions[o.token]
			if !exists {
				continue // not acknowledged (else already reported lost): it did not happen
			}
			use, required = append(use, o), append(required, true)
		default:
			use, required = append(use, o), append(required, o.acked() && !looseMoves)
		}
	}
	n := len(use)
	// before[i]: the writes acknowledged before write i was sent, which
	// come before it if they happen; after[i]: those write i comes before.
	before := make([][]int, n)
	after := make([][]int, n)
	for i := range use {
		for j := range use {
			if use[j].acked() && use[j].ack < use[i].start {
				before[i] = append(before[i], j)
				after[j] = append(after[j], i)
			}
		}
	}
	nRequired := 0
	for _, r := range required {
		if r {
			nRequired++
		}
	}
	s := &search{ops: use, required: required, before: before, after: after, target: target,
		nRequired: nRequired, seen: map[string]bool{}, budget: searchBudget}
	done := make([]bool, n)
	ok = s.dfs(labels{versions: map[string]bool{}, on: map[string]string{}}, done, 0)
	return ok, !ok && s.budget <= 0
}

type search struct {
	ops       []*op
	required  []bool
	before    [][]int
	after     [][]int
	target    map[string]string
	nRequired int
	seen      map[string]bool
	budget    int
}

func (s *search) dfs(st labels, done []bool, nDone int) bool {
	if nDone == s.nRequired && maps.Equal(st.on, s.target) {
		return true
	}
	if s.budget--; s.budget <= 0 {
		return false
	}
	key := s.key(st, done)
	if s.seen[key] {
		return false
	}
	s.seen[key] = true
next:
	for i, o := range s.ops {
		if done[i] {
			continue
		}
		for _, j := range s.before[i] {
			if !done[j] && s.required[j] {
				continue next // a write that must come first has not happened yet
			}
		}
		for _, k := range s.after[i] {
			if done[k] {
				continue next // too late: a write it must precede has happened
			}
		}
		ns := st.clone()
		if !ns.apply(o) {
			continue // the store would refuse it here: it does not happen here
		}
		done[i] = true
		d := nDone
		if s.required[i] {
			d++
		}
		if s.dfs(ns, done, d) {
			return true
		}
		done[i] = false
	}
	return false
}

func (s *search) key(st labels, done []bool) string {
	b := make([]byte, 0, len(done)/8+64)
	var acc byte
	for i, d := range done {
		if d {
			acc |= 1 << (i % 8)
		}
		if i%8 == 7 {
			b, acc = append(b, acc), 0
		}
	}
	b = append(b, acc, '|')
	for _, l := range slices.Sorted(maps.Keys(st.on)) {
		b = append(b, l...)
		b = append(b, '=')
		b = append(b, st.on[l]...)
		b = append(b, ';')
	}
	return string(b)
}
