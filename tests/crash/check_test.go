package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hist builds the writes of one secret.
type hist struct {
	ops []*op
	q   int64
}

// next returns the next value of the event counter.
func (h *hist) next() int64 { h.q++; return h.q }

// put adds an acknowledged put (a create when it is the first), sent and
// acknowledged before the next write is sent.
func (h *hist) put(token string, stages ...string) *op {
	kind := "put"
	if len(h.ops) == 0 {
		kind = "create"
	}
	o := &op{id: int64(len(h.ops)), kind: kind, token: token, hash: "h-" + token, stages: stages, start: h.next()}
	o.ack = h.next()
	h.ops = append(h.ops, o)
	return o
}

func (h *hist) move(label, from, to string) *op {
	o := &op{id: int64(len(h.ops)), kind: "move", label: label, from: from, to: to, start: h.next()}
	o.ack = h.next()
	h.ops = append(h.ops, o)
	return o
}

// obs returns an observation with versions vs, each holding the value its
// write sent, and GetSecretValue by label agreeing with the listing.
func obs(vs map[string][]string) *observation {
	o := &observation{versions: vs, hashes: map[string]string{}, readErrs: map[string]string{},
		holders: map[string]string{}, holderErr: map[string]string{}}
	for id, labels := range vs {
		o.hashes[id] = "h-" + id
		for _, l := range labels {
			o.holders[l] = id
		}
	}
	return o
}

func wantOK(t *testing.T, c secretCheck) {
	t.Helper()
	if len(c.lost)+len(c.violations) > 0 {
		t.Fatalf("lost %q, violations %q; want none", c.lost, c.violations)
	}
}

func wantLost(t *testing.T, c secretCheck, substr string) {
	t.Helper()
	if len(c.lost) == 0 || !strings.Contains(strings.Join(c.lost, "\n"), substr) {
		t.Fatalf("lost %q (violations %q); want a loss mentioning %q", c.lost, c.violations, substr)
	}
}

func wantViolation(t *testing.T, c secretCheck, substr string) {
	t.Helper()
	if len(c.violations) == 0 || !strings.Contains(strings.Join(c.violations, "\n"), substr) {
		t.Fatalf("violations %q (lost %q); want one mentioning %q", c.violations, c.lost, substr)
	}
}

// sequential is create v0, put v1, put v2 with crash-blue, move AWSCURRENT
// back from v1 to v0; what the store must hold after it.
func sequential() (*hist, map[string][]string) {
	var h hist
	h.put("v0")
	h.put("v1")
	h.put("v2", labelBlue)
	h.move(labelCurrent, "v1", "v0")
	return &h, map[string][]string{"v0": {labelCurrent}, "v1": {labelPrevious}, "v2": {labelBlue}}
}

func TestSequentialHistory(t *testing.T) {
	t.Parallel()
	h, vs := sequential()
	c := checkSecret(h.ops, obs(vs))
	wantOK(t, c)
	if c.acked != 4 || c.inFlight != 0 {
		t.Errorf("acked %d, in flight %d; want 4, 0", c.acked, c.inFlight)
	}
}

func TestLostMove(t *testing.T) {
	t.Parallel()
	h, _ := sequential()
	// The state before the move: AWSCURRENT still on v1.
	c := checkSecret(h.ops, obs(map[string][]string{"v0": {labelPrevious}, "v1": {labelCurrent}, "v2": {labelBlue}}))
	wantLost(t, c, "label move")
}

func TestLostPut(t *testing.T) {
	t.Parallel()
	h, vs := sequential()
	h.put("v3")
	c := checkSecret(h.ops, obs(vs))
	wantLost(t, c, "put v3")
}

func TestWrongValue(t *testing.T) {
	t.Parallel()
	h, vs := sequential()
	o := obs(vs)
	o.hashes["v2"] = "something else"
	wantLost(t, checkSecret(h.ops, o), "v2 has another value")
	o = obs(vs)
	delete(o.hashes, "v2")
	o.readErrs["v2"] = "DecryptionFailure"
	wantLost(t, checkSecret(h.ops, o), "v2 cannot be read")
}

func TestInFlightPut(t *testing.T) {
	t.Parallel()
	h, vs := sequential()
	h.ops = append(h.ops, &op{id: 9, kind: "put", token: "v3", hash: "h-v3", start: h.next()})
	// Not committed: the state of the acknowledged writes.
	c := checkSecret(h.ops, obs(vs))
	wantOK(t, c)
	if c.inFlight != 1 || c.committed != 0 {
		t.Errorf("in flight %d, committed %d; want 1, 0", c.inFlight, c.committed)
	}
	// Committed: AWSCURRENT moved to it.
	c = checkSecret(h.ops, obs(map[string][]string{"v0": {labelPrevious}, "v1": nil, "v2": {labelBlue}, "v3": {labelCurrent}}))
	wantOK(t, c)
	if c.committed != 1 {
		t.Errorf("committed %d; want 1", c.committed)
	}
	// Committed, but AWSCURRENT did not move: no order explains it.
	c = checkSecret(h.ops, obs(map[string][]string{"v0": {labelCurrent}, "v1": {labelPrevious}, "v2": {labelBlue}, "v3": nil}))
	wantViolation(t, c, "no order of the writes explains")
}

func TestInFlightMove(t *testing.T) {
	t.Parallel()
	h, vs := sequential()
	h.ops = append(h.ops, &op{id: 9, kind: "move", label: labelCurrent, from: "v0", to: "v2", start: h.next()})
	wantOK(t, checkSecret(h.ops, obs(vs)))
	wantOK(t, checkSecret(h.ops, obs(map[string][]string{"v0": {labelPrevious}, "v1": nil, "v2": {labelBlue, labelCurrent}})))
	// AWSCURRENT on v1 is neither: the acknowledged move back to v0 is lost.
	wantLost(t, checkSecret(h.ops, obs(map[string][]string{"v0": {labelPrevious}, "v1": {labelCurrent}, "v2": {labelBlue}})),
		"label move")
	// AWSCURRENT on v2 without the in-flight move is a wrong state.
	wantViolation(t, checkSecret(h.ops, obs(map[string][]string{"v0": nil, "v1": {labelPrevious}, "v2": {labelBlue, labelCurrent}})),
		"no order")
}

func TestConcurrentPuts(t *testing.T) {
	t.Parallel()
	var h hist
	h.put("v0")
	a := &op{id: 1, kind: "put", token: "va", hash: "h-va", start: h.next()}
	b := &op{id: 2, kind: "put", token: "vb", hash: "h-vb", start: h.next()}
	b.ack = h.next()
	a.ack = h.next()
	h.ops = append(h.ops, a, b)
	// Either may have committed last.
	wantOK(t, checkSecret(h.ops, obs(map[string][]string{"v0": nil, "va": {labelPrevious}, "vb": {labelCurrent}})))
	wantOK(t, checkSecret(h.ops, obs(map[string][]string{"v0": nil, "va": {labelCurrent}, "vb": {labelPrevious}})))
	// But AWSPREVIOUS must be the other one.
	wantViolation(t, checkSecret(h.ops, obs(map[string][]string{"v0": {labelPrevious}, "va": {labelCurrent}, "vb": nil})), "no order")

	// Once a put is acknowledged before the other is sent, the order is known.
	h.ops = h.ops[:1]
	h.put("va")
	h.put("vb")
	wantViolation(t, checkSecret(h.ops, obs(map[string][]string{"v0": nil, "va": {labelCurrent}, "vb": {labelPrevious}})), "no order")
}

func TestRefusedWrites(t *testing.T) {
	t.Parallel()
	h, vs := sequential()
	h.ops = append(h.ops,
		&op{id: 8, kind: "move", label: labelCurrent, from: "v1", to: "v2", start: h.next(), refused: "InvalidParameterException"},
		&op{id: 9, kind: "put", token: "v3", hash: "h-v3", start: h.next(), refused: "LimitExceededException"})
	wantOK(t, checkSecret(h.ops, obs(vs)))
	// A refused move that happened anyway.
	wantViolation(t, checkSecret(h.ops, obs(map[string][]string{"v0": {labelPrevious}, "v1": nil, "v2": {labelBlue, labelCurrent}})), "no order")
	// A refused put whose version exists.
	vs["v3"] = nil
	wantViolation(t, checkSecret(h.ops, obs(vs)), "was refused")
}

func TestInvariants(t *testing.T) {
	t.Parallel()
	h, _ := sequential()
	wantViolation(t, checkSecret(h.ops, obs(map[string][]string{"v0": {labelCurrent}, "v1": {labelCurrent}, "v2": {labelBlue}})),
		"label AWSCURRENT is on 2 versions")
	wantViolation(t, checkSecret(h.ops, obs(map[string][]string{"v0": {labelPrevious}, "v1": nil, "v2": {labelBlue}})),
		"0 versions carry AWSCURRENT")
	_, vs := sequential()
	o := obs(vs)
	o.holders[labelCurrent] = "v1"
	wantViolation(t, checkSecret(h.ops, o), "GetSecretValue(VersionStage AWSCURRENT) returns version v1")
	vs["stranger"] = nil
	wantViolation(t, checkSecret(h.ops, obs(vs)), "written by no logged write")
}

func TestPendingAndStages(t *testing.T) {
	t.Parallel()
	var h hist
	h.put("v0")
	h.put("v1", labelPending)
	h.move(labelCurrent, "v0", "v1") // v1 has AWSCURRENT and AWSPENDING, v0 AWSPREVIOUS
	h.put("v2")                      // the old current loses AWSPENDING
	h.put("v3", labelCurrent, labelGreen)
	h.move(labelGreen, "v3", "") // removed
	wantOK(t, checkSecret(h.ops, obs(map[string][]string{"v0": nil, "v1": nil, "v2": {labelPrevious}, "v3": {labelCurrent}})))
}

func TestReadHistory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	lines := `{"k":"B","op":1,"q":1,"kind":"create","s":"a","tok":"v0","h":"x"}
{"k":"A","op":1,"q":2}
{"k":"B","op":2,"q":3,"kind":"put","s":"a","tok":"v1","h":"y","st":["crash-blue"]}
{"k":"B","op":3,"q":4,"kind":"move","s":"a","l":"AWSCURRENT","from":"v0","to":"v1"}
{"k":"F","op":3,"q":5,"code":"InvalidParameterException"}
{"k":"A","op":2,"q"`
	if err := os.WriteFile(filepath.Join(dir, "w01.log"), []byte(lines), 0o600); err != nil {
		t.Fatal(err)
	}
	h, err := readHistory(dir)
	if err != nil {
		t.Fatal(err)
	}
	ops := h["a"]
	if len(ops) != 3 || !ops[0].acked() || !ops[1].inFlight() || ops[2].refused != "InvalidParameterException" {
		t.Fatalf("ops %v", ops)
	}
	// A torn line that is not the last is an error.
	if err := os.WriteFile(filepath.Join(dir, "w01.log"), []byte(lines+"\n{}\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readHistory(dir); err == nil {
		t.Fatal("a malformed line in the middle of a log was accepted")
	}
}
