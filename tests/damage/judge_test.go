package main

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

func TestJudgeRefusal(t *testing.T) {
	t.Parallel()
	const folder = "/tmp/run/cases/case-00001/open-1/data"
	refusal := "secretstore list: secretstore: the stored data is damaged: table 000004.sst is damaged: bad footer. " +
		"Nothing was changed; run \"secretstore recover\" to copy what can be read into a new folder"
	exit1 := exitInfo{Code: 1}
	for _, c := range []struct {
		name     string
		a        attempt
		file     string
		outcome  string
		category string
	}{
		{"a proper refusal", attempt{exit: exit1, message: refusal}, "000004.sst", refused, ""},
		{"after log lines", attempt{exit: exit1, message: "time=x level=WARN msg=\"the master key is read\"\n" + refusal}, "000004.sst", refused, ""},
		{"another file named", attempt{exit: exit1, message: refusal}, "000005.sst", failure, "refusal: does not name the file"},
		{"only the folder's path holds the name", attempt{exit: exit1, folder: "/tmp/000005.sst/data",
			message: "secretstore list: damaged in /tmp/000005.sst/data: run secretstore recover"}, "000005.sst", failure, "refusal: does not name the file"},
		{"no recover command", attempt{exit: exit1, message: "secretstore list: table 000004.sst is damaged"}, "000004.sst", failure, "refusal: does not name the recover command"},
		{"Badger's own text", attempt{exit: exit1, message: "secretstore list: Error while reading IV for key registry. err: EOF"}, "KEYREGISTRY", failure, "refusal: names neither the file nor the recover command"},
		{"the folder changed", attempt{exit: exit1, message: refusal, folder: folder, changes: []string{"+00001.mem"}}, "000004.sst", failure, "refusal: changed the folder"},
		{"exit status 2", attempt{exit: exitInfo{Code: 2}, message: refusal}, "000004.sst", failure, "refusal: exit status 2, not 1"},
		{"a panic", attempt{exit: exitInfo{Code: 2}, message: "panic: runtime error: slice bounds out of range [49705:23478] [recovered]\n\ngoroutine 1"}, "000004.sst", failure, "panic"},
		{"a signal", attempt{exit: exitInfo{Code: -1, Signal: "segmentation fault"}}, "000004.sst", failure, "killed by a signal"},
		{"a time out", attempt{exit: exitInfo{Code: -1, TimedOut: true}}, "000004.sst", failure, "timeout"},
		{"the library: ErrCorrupt", attempt{exit: exit1, message: refusal, lib: &libResult{Err: refusal, Corrupt: true}}, "000004.sst", refused, ""},
		{"the library: not ErrCorrupt", attempt{exit: exit1, message: refusal, lib: &libResult{Err: refusal}}, "000004.sst", failure, "refusal: not ErrCorrupt"},
		{"a wrong master key", attempt{exit: exit1, message: "secretstore list: secretstore: the master key does not match the one this database was created with"},
			"master.key", refused, ""},
		{"a missing key file", attempt{exit: exit1, message: "secretstore get: no master key for D: D/master.key does not exist"}, "master.key", refused, ""},
		{"the library: a wrong master key", attempt{exit: exit1, message: "the master key does not match", lib: &libResult{Err: "the master key does not match", WrongKey: true}},
			"master.key", refused, ""},
		{"a wrong key that changed the folder", attempt{exit: exit1, message: "the master key does not match", changes: []string{"-00001.mem"}},
			"master.key", failure, "refusal: changed the folder"},
		{"the key named for another file", attempt{exit: exit1, message: "the master key does not match"}, "MANIFEST", failure, "refusal: names neither the file nor the recover command"},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := judgeRefusal(c.a, c.file)
			if v.Outcome != c.outcome || v.Category != c.category {
				t.Errorf("judgeRefusal = %s %q (%s), want %s %q", v.Outcome, v.Category, v.Reason, c.outcome, c.category)
			}
			if v.Outcome == failure && v.Reason == "" {
				t.Error("a failure without a reason")
			}
		})
	}
}

// acked returns an acknowledged list of two secrets: "a" with versions a1
// (AWSPREVIOUS), a2 (AWSCURRENT) and a3 (blue), and "b", binary,
// scheduled for deletion, with b1 (AWSCURRENT).
func acked(t *testing.T) *ackList {
	t.Helper()
	l, err := ackListOf("test", []write{
		{Op: "create", Secret: "a", Token: "a1", Value: "one"},
		{Op: "put", Secret: "a", Token: "a2", Value: "two"},
		{Op: "put", Secret: "a", Token: "a3", Value: "three", Stages: []string{"blue"}},
		{Op: "create", Secret: "b", Token: "b1", Value: base64.StdEncoding.EncodeToString([]byte{0, 1, 2}), Binary: true,
			Description: "bin", Tags: map[string]string{"k": "v"}},
		{Op: "delete", Secret: "b", Window: 7},
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// intactDump returns what a read of l's store finds when nothing is lost.
func intactDump(l *ackList) *dump {
	d := &dump{}
	for _, a := range l.Secrets {
		g := &gotSecret{Name: a.Name, Listed: true, Description: a.Description, Tags: cloneTags(a.Tags), Deleted: a.Deleted,
			Versions: map[string][]string{}, Values: map[string]*gotValue{}}
		for _, v := range a.Versions {
			g.Versions[v.ID] = v.Labels
			g.Values[v.ID] = &gotValue{VersionID: v.ID, Labels: v.Labels, SHA256: v.SHA256, Binary: a.Binary}
		}
		cur := a.version(a.Current)
		g.Current = &gotValue{VersionID: cur.ID, Labels: cur.Labels, SHA256: cur.SHA256, Binary: a.Binary}
		d.Secrets = append(d.Secrets, g)
	}
	return d
}

func TestCompareDump(t *testing.T) {
	t.Parallel()
	l := acked(t)
	for _, c := range []struct {
		name   string
		change func(d *dump)
		kinds  []string // the kinds of the problems, in any order; none: intact
	}{
		{"intact", func(*dump) {}, nil},
		{"a secret missing", func(d *dump) { d.secret("a").NotFound = true }, []string{pMissing}},
		{"a secret not listed", func(d *dump) { d.secret("a").Listed = false }, []string{pListed}},
		{"AWSCURRENT on the earlier version", func(d *dump) {
			a := d.secret("a")
			a.Current = &gotValue{VersionID: "a1", Labels: []string{"AWSCURRENT"}, SHA256: a.Values["a1"].SHA256}
			a.Versions["a1"], a.Versions["a2"] = []string{"AWSCURRENT"}, nil
		}, []string{pStale, pLabels, pLabels}},
		{"AWSCURRENT with the earlier version's value", func(d *dump) {
			a := d.secret("a")
			a.Current.SHA256 = a.Values["a1"].SHA256
			a.Values["a2"].SHA256 = a.Values["a1"].SHA256
		}, []string{pStale, pValue}},
		{"another value", func(d *dump) { d.secret("a").Values["a3"].SHA256 = "x" }, []string{pValue}},
		{"a version missing", func(d *dump) { delete(d.secret("a").Versions, "a3"); delete(d.secret("a").Values, "a3") }, []string{pVersion}},
		{"a label lost", func(d *dump) { d.secret("a").Versions["a3"] = nil }, []string{pLabels}},
		{"a version never written", func(d *dump) { d.secret("a").Versions["zz"] = nil }, []string{pExtra}},
		{"a secret never created", func(d *dump) { d.Secrets = append(d.Secrets, &gotSecret{Name: "c", Listed: true}) }, []string{pExtra}},
		{"a read error", func(d *dump) { d.secret("a").Values["a1"] = &gotValue{Err: "InternalServiceError: damaged"} }, []string{pReadErr}},
		{"no longer scheduled for deletion", func(d *dump) { d.secret("b").Deleted = false }, []string{pDeletion}},
		{"a restore that failed", func(d *dump) { b := d.secret("b"); b.RestoreErr, b.Values, b.Current = "damaged", nil, nil }, []string{pReadErr}},
		{"tags lost", func(d *dump) { d.secret("b").Tags = nil }, []string{pMeta}},
		{"a binary value read as a string", func(d *dump) { d.secret("b").Values["b1"].Binary = false }, []string{pValue}},
		{"the listing failed", func(d *dump) { d.ListErr = "InternalServiceError" }, []string{pListed}},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := intactDump(l)
			c.change(d)
			ps := compareDump(l, d)
			var kinds []string
			for _, p := range ps {
				kinds = append(kinds, p.Kind)
			}
			if strings.Join(sorted(kinds), ",") != strings.Join(sorted(c.kinds), ",") {
				t.Errorf("problems %+v, want kinds %q", ps, c.kinds)
			}
			v := judgeContents(l, ps)
			if (v.Outcome == opened) != (len(c.kinds) == 0) {
				t.Errorf("judgeContents = %+v", v)
			}
			if len(c.kinds) > 0 && v.Category != "mismatch: "+worstOf(c.kinds) {
				t.Errorf("category %q, want the most serious kind %q", v.Category, worstOf(c.kinds))
			}
			if strings.Contains(v.Reason, "three") || strings.Contains(v.Reason, "two") {
				t.Errorf("a reason holds a secret value: %s", v.Reason)
			}
		})
	}
}

func sorted(s []string) []string {
	s = append([]string(nil), s...)
	for i := range s {
		for j := i + 1; j < len(s); j++ {
			if s[j] < s[i] {
				s[i], s[j] = s[j], s[i]
			}
		}
	}
	return s
}

func worstOf(kinds []string) string {
	for _, k := range problemOrder {
		for _, got := range kinds {
			if got == k {
				return k
			}
		}
	}
	return ""
}

func TestJudgeGet(t *testing.T) {
	t.Parallel()
	l := acked(t)
	a := l.secret("a")
	out := func(id, value string, stages ...string) string {
		b, _ := json.Marshal(getOutput{Name: "a", VersionId: id, SecretString: value, VersionStages: stages})
		return string(b)
	}
	for _, c := range []struct {
		name, stdout, kind string
	}{
		{"as acknowledged", out("a2", "two", "AWSCURRENT"), ""},
		{"an earlier version", out("a1", "one", "AWSCURRENT"), pStale},
		{"an earlier value", out("a2", "one", "AWSCURRENT"), pStale},
		{"another value", out("a2", "zwei", "AWSCURRENT"), pValue},
		{"a version never written", out("zz", "two", "AWSCURRENT"), pValue},
		{"labels lost", out("a2", "two"), pLabels},
		{"not JSON", "two\n", pReadErr},
	} {
		t.Run(c.name, func(t *testing.T) {
			ps := judgeGet(a, c.stdout)
			switch {
			case c.kind == "" && len(ps) > 0:
				t.Errorf("problems %+v, want none", ps)
			case c.kind != "" && (len(ps) != 1 || ps[0].Kind != c.kind):
				t.Errorf("problems %+v, want one %q", ps, c.kind)
			}
		})
	}
	b := l.secret("b")
	bin, _ := json.Marshal(getOutput{Name: "b", VersionId: "b1", SecretBinary: []byte{0, 1, 2}, VersionStages: []string{"AWSCURRENT"}})
	if ps := judgeGet(b, string(bin)); len(ps) > 0 {
		t.Errorf("a binary value as acknowledged: %+v", ps)
	}
}

func TestJudgeList(t *testing.T) {
	t.Parallel()
	l := acked(t)
	entry := func(name string, deleted bool, stages map[string][]string, desc string, tags map[string]string) map[string]any {
		e := map[string]any{"Name": name, "SecretVersionsToStages": stages}
		if deleted {
			e["DeletedDate"] = "2026-12-01T00:00:00Z"
		}
		if desc != "" {
			e["Description"] = desc
		}
		var tl []map[string]string
		for k, v := range tags {
			tl = append(tl, map[string]string{"Key": k, "Value": v})
		}
		if tl != nil {
			e["Tags"] = tl
		}
		return e
	}
	aStages := map[string][]string{"a1": {"AWSPREVIOUS"}, "a2": {"AWSCURRENT"}, "a3": {"blue"}}
	bEntry := entry("b", true, map[string][]string{"b1": {"AWSCURRENT"}}, "bin", map[string]string{"k": "v"})
	for _, c := range []struct {
		name    string
		entries []map[string]any
		kinds   []string
	}{
		{"as acknowledged", []map[string]any{entry("a", false, aStages, "", nil), bEntry}, nil},
		{"a secret missing", []map[string]any{bEntry}, []string{pMissing}},
		{"AWSCURRENT moved back", []map[string]any{entry("a", false, map[string][]string{"a1": {"AWSCURRENT"}, "a3": {"blue"}}, "", nil), bEntry}, []string{pStale}},
		{"a label lost", []map[string]any{entry("a", false, map[string][]string{"a1": {"AWSPREVIOUS"}, "a2": {"AWSCURRENT"}}, "", nil), bEntry}, []string{pLabels}},
		{"deletion lost", []map[string]any{entry("a", false, aStages, "", nil), entry("b", false, map[string][]string{"b1": {"AWSCURRENT"}}, "bin", map[string]string{"k": "v"})}, []string{pDeletion}},
		{"a secret never created", []map[string]any{entry("a", false, aStages, "", nil), bEntry, entry("c", false, nil, "", nil)}, []string{pExtra}},
		{"another description", []map[string]any{entry("a", false, aStages, "new", nil), bEntry}, []string{pMeta}},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, _ := json.Marshal(map[string]any{"SecretList": c.entries})
			ps := judgeList(l, string(b))
			var kinds []string
			for _, p := range ps {
				kinds = append(kinds, p.Kind)
			}
			if strings.Join(kinds, ",") != strings.Join(c.kinds, ",") {
				t.Errorf("problems %+v, want kinds %q", ps, c.kinds)
			}
		})
	}
}

func TestJudgeRecover(t *testing.T) {
	t.Parallel()
	l := acked(t)
	stale := problem{"a", pStale, "AWSCURRENT is version a1"}
	lost := problem{"a", pMissing, "does not exist"}
	for _, c := range []struct {
		name        string
		rep         recoverReport
		exit        int
		ps          []problem
		pass        bool
		reason      string
		unnamedOnly int
	}{
		{"nothing lost, all intact", recoverReport{}, 0, nil, true, "", 0},
		{"a loss named in Lost", recoverReport{Lost: []string{"a in us-east-1"}}, 1, []problem{lost}, true, "", 0},
		{"a loss named in Problems", recoverReport{Problems: []struct{ Region, Name, VersionId, Detail string }{{Name: "a"}}}, 1, []problem{lost}, true, "", 0},
		{"a loss not named", recoverReport{Files: []recoveredFile{{Name: "000004.sst", Damage: "bad"}}}, 1, []problem{lost}, false, "lost or damaged without being named", 0},
		{"a leftover's damage loses nothing", recoverReport{Files: []recoveredFile{{Name: "000009.sst", Damage: "cut", Leftover: true}}}, 0, nil, true, "", 0},
		{"nothing lost, says exit 0, but a secret lost", recoverReport{}, 0, []problem{lost}, false, "says nothing was lost", 0},
		{"a stale value not named", recoverReport{Lost: []string{"b in us-east-1"}}, 1, []problem{stale, {"b", pMissing, ""}}, false, "stale value recovered silently: a", 0},
		{"a stale value covered by an unnamed loss", recoverReport{Unnamed: []string{"table 000004.sst is missing"}}, 1, []problem{stale},
			false, "stale value recovered silently: a (not named; the report's unnamed losses: table 000004.sst is missing)", 0},
		{"a stale value covered by an unnamed loss that says secrets may be older", recoverReport{Unnamed: []string{"table 000004.sst is missing: the records it held are lost, and the secrets they were of may be older in the new folder"}}, 1, []problem{stale},
			true, "1 covered only by an unnamed loss (1 of them with an earlier AWSCURRENT)", 1},
		{"a stale value named", recoverReport{Lost: []string{"a in us-east-1"}}, 1, []problem{stale}, true, "", 0},
		{"a loss covered by an unnamed one", recoverReport{Unnamed: []string{"table 000004.sst is missing"}}, 1, []problem{lost}, true, "", 1},
		{"a problem with no name covers nothing", recoverReport{Problems: []struct{ Region, Name, VersionId, Detail string }{{Detail: "an index entry"}}}, 1, []problem{lost}, false, "without being named", 0},
		{"an intact secret named", recoverReport{Lost: []string{"b in us-east-1"}}, 1, nil, false, "names b, which recovered intact", 0},
		{"exit 0 with losses in the report", recoverReport{Lost: []string{"a in us-east-1"}}, 0, []problem{lost}, false, "exit status 0, but the report tells of losses", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			v := judgeRecover(l, &c.rep, c.exit, c.ps)
			if v.Pass != c.pass || !strings.Contains(v.Reason, c.reason) || v.UnnamedOnly != c.unnamedOnly {
				t.Errorf("judgeRecover = %+v, want pass %v, a reason with %q, unnamed-only %d", v, c.pass, c.reason, c.unnamedOnly)
			}
		})
	}
}
