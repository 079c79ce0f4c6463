package main

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// The outcomes of a command on a damaged folder.
const (
	opened  = "OPENED"
	refused = "REFUSED"
	failure = "FAILURE"
)

// verdict is the judgement of one command on one case.
type verdict struct {
	Outcome string
	// Category is what kind of failure it is, for the summary ("panic",
	// "mismatch: stale AWSCURRENT", "refusal: changed the folder"...).
	Category string `json:",omitempty"`
	Reason   string `json:",omitempty"`
}

func ok() verdict { return verdict{Outcome: opened} }

func fail(category, format string, args ...any) verdict {
	return verdict{Outcome: failure, Category: category, Reason: fmt.Sprintf(format, args...)}
}

// judgeRefusal judges a run that did not open the folder: REFUSED when it
// is a proper refusal of damage to file, a FAILURE saying why not
// otherwise.
func judgeRefusal(a attempt, file string) verdict {
	p := refusalProblems(a, file)
	if len(p) == 0 {
		return verdict{Outcome: refused, Reason: errorLine(a.message)}
	}
	reason := strings.Join(p, "; ")
	if m := errorLine(a.message); m != "" && !strings.HasPrefix(p[0], "panic: ") {
		reason += ": " + m
	}
	return verdict{Outcome: failure, Category: refusalCategory(a, p), Reason: reason}
}

// refusalCategory names the most serious of the problems p of a failed
// refusal: a folder changed before a wrong exit status, before the wrong
// error, before a message that does not name what it must.
func refusalCategory(a attempt, p []string) string {
	has := func(prefix string) bool {
		return slices.ContainsFunc(p, func(s string) bool { return strings.HasPrefix(s, prefix) })
	}
	noHint := has(`does not name "`)
	noFile := slices.ContainsFunc(p, func(s string) bool {
		return strings.HasPrefix(s, "does not name ") && !strings.HasPrefix(s, `does not name "`)
	})
	switch {
	case a.exit.TimedOut:
		return "timeout"
	case a.exit.Signal != "":
		return "killed by a signal"
	case has("panic: "):
		return "panic"
	case has("the command did not start"), a.exit.Interrupted:
		return "harness error"
	case has("changed the folder"):
		return "refusal: changed the folder"
	case has("exit status"):
		return "refusal: " + p[slices.IndexFunc(p, func(s string) bool { return strings.HasPrefix(s, "exit status") })]
	case has("the error does not match"):
		return "refusal: not ErrCorrupt"
	case noFile && noHint:
		return "refusal: names neither the file nor the recover command"
	case noFile:
		return "refusal: does not name the file"
	case noHint:
		return "refusal: does not name the recover command"
	}
	return "refusal: " + p[0]
}

// firstLine returns the first line of msg that is not empty, shortened.
func firstLine(msg string) string {
	for _, l := range strings.Split(msg, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			return oneLine(l)
		}
	}
	return ""
}

// ---- contents ---------------------------------------------------------------

// The kinds of differences between what a store holds and the
// acknowledged list, most serious first.
const (
	pStale    = "stale AWSCURRENT" // AWSCURRENT is an earlier acknowledged version, or its value
	pMissing  = "secret missing"
	pDeletion = "deletion state"
	pVersion  = "version missing"
	pValue    = "wrong value"
	pLabels   = "wrong labels"
	pReadErr  = "read error"
	pListed   = "listing"
	pMeta     = "description or tags"
	pExtra    = "unacknowledged data"
)

var problemOrder = []string{pStale, pMissing, pDeletion, pVersion, pValue, pLabels, pReadErr, pListed, pMeta, pExtra}

// problem is one difference.
type problem struct {
	Secret, Kind, Detail string
}

// compareDump returns how d differs from the acknowledged list.
func compareDump(acks *ackList, d *dump) []problem {
	var ps []problem
	if d.ListErr != "" {
		ps = append(ps, problem{"", pListed, "ListSecrets failed: " + d.ListErr})
	}
	for _, a := range acks.Secrets {
		ps = append(ps, compareSecret(a, d.secret(a.Name))...)
	}
	for _, g := range d.Secrets {
		if acks.secret(g.Name) == nil && !g.NotFound {
			ps = append(ps, problem{g.Name, pExtra, "a secret that was never created"})
		}
	}
	return ps
}

// compareSecret returns how g, as read, differs from a, as acknowledged.
func compareSecret(a *ackSecret, g *gotSecret) []problem {
	var ps []problem
	add := func(kind, format string, args ...any) {
		ps = append(ps, problem{a.Name, kind, fmt.Sprintf(format, args...)})
	}
	switch {
	case g == nil || g.NotFound:
		add(pMissing, "does not exist")
		return ps
	case g.Err != "":
		add(pReadErr, "DescribeSecret: %s", g.Err)
		return ps
	}
	if !g.Listed {
		add(pListed, "not listed by ListSecrets")
	}
	if g.Deleted != a.Deleted {
		if a.Deleted {
			add(pDeletion, "no longer scheduled for deletion")
		} else {
			add(pDeletion, "scheduled for deletion, which was never asked")
		}
	}
	if g.Description != a.Description {
		add(pMeta, "another description")
	}
	if !maps.Equal(g.Tags, a.Tags) {
		add(pMeta, "tags %v, acknowledged %v", g.Tags, a.Tags)
	}
	if g.VersionsErr != "" {
		add(pReadErr, "ListSecretVersionIds: %s", g.VersionsErr)
	}
	for _, v := range a.Versions {
		labels, there := g.Versions[v.ID]
		switch {
		case !there && g.VersionsErr == "":
			add(pVersion, "version %s is missing", v.ID)
		case there && !slices.Equal(labels, v.Labels):
			add(pLabels, "version %s has labels %v, acknowledged %v", v.ID, labels, v.Labels)
		}
	}
	for id := range g.Versions {
		if a.version(id) == nil {
			add(pExtra, "version %s was never written", id)
		}
	}
	if g.RestoreErr != "" {
		add(pReadErr, "RestoreSecret (to read the values of a secret scheduled for deletion): %s", g.RestoreErr)
		return ps
	}
	cur := a.version(a.Current)
	switch c := g.Current; {
	case c == nil:
		add(pReadErr, "AWSCURRENT was not read")
	case c.Err != "":
		add(pReadErr, "GetSecretValue: %s", c.Err)
	case c.VersionID != a.Current && a.version(c.VersionID) != nil:
		add(pStale, "AWSCURRENT is version %s, an earlier acknowledged version; acknowledged: %s", c.VersionID, a.Current)
	case c.VersionID != a.Current:
		add(pValue, "AWSCURRENT is version %s, which was never written; acknowledged: %s", c.VersionID, a.Current)
	case c.SHA256 != cur.SHA256 && a.versionWithValue(c.SHA256) != nil:
		add(pStale, "AWSCURRENT (%s) has the value of the earlier version %s", a.Current, a.versionWithValue(c.SHA256).ID)
	case c.SHA256 != cur.SHA256:
		add(pValue, "AWSCURRENT (%s) has another value", a.Current)
	case !slices.Equal(c.Labels, cur.Labels):
		add(pLabels, "GetSecretValue gives AWSCURRENT's version labels %v, acknowledged %v", c.Labels, cur.Labels)
	}
	for _, v := range a.Versions {
		got := g.Values[v.ID]
		switch {
		case got == nil:
			if _, listed := g.Versions[v.ID]; listed {
				add(pReadErr, "version %s was not read", v.ID)
			}
		case got.Err != "":
			add(pReadErr, "GetSecretValue of version %s: %s", v.ID, got.Err)
		case got.SHA256 != v.SHA256:
			add(pValue, "version %s has another value", v.ID)
		case got.Binary != a.Binary:
			add(pValue, "version %s is of the other kind (binary or string)", v.ID)
		}
	}
	return ps
}

// versionWithValue returns the acknowledged version of s whose value has
// the hash sum, or nil.
func (s *ackSecret) versionWithValue(sum string) *ackVersion {
	for _, v := range s.Versions {
		if v.SHA256 == sum {
			return v
		}
	}
	return nil
}

// judgeContents turns the differences of a read into a verdict: OPENED
// when there are none.
func judgeContents(acks *ackList, ps []problem) verdict {
	if len(ps) == 0 {
		return ok()
	}
	cat, reason := summarizeProblems(acks, ps)
	return verdict{Outcome: failure, Category: "mismatch: " + cat, Reason: reason}
}

// summarizeProblems returns the most serious kind of ps and a one-line
// account: how many secrets differ, by kind, with a few examples. It holds
// names, version ids and kinds, never a value.
func summarizeProblems(acks *ackList, ps []problem) (worst, reason string) {
	byKind := map[string]map[string]bool{}
	secrets := map[string]bool{}
	for _, p := range ps {
		if byKind[p.Kind] == nil {
			byKind[p.Kind] = map[string]bool{}
		}
		byKind[p.Kind][p.Secret] = true
		secrets[p.Secret] = true
	}
	var counts []string
	for _, k := range problemOrder {
		if n := len(byKind[k]); n > 0 {
			if worst == "" {
				worst = k
			}
			counts = append(counts, fmt.Sprintf("%s %d", k, n))
		}
	}
	slices.SortStableFunc(ps, func(a, b problem) int {
		return slices.Index(problemOrder, a.Kind) - slices.Index(problemOrder, b.Kind)
	})
	var ex []string
	for _, p := range ps[:min(3, len(ps))] {
		ex = append(ex, strings.TrimSpace(p.Secret+" "+p.Detail))
	}
	reason = fmt.Sprintf("%d of %d secrets not as acknowledged (%s): %s", len(secrets), len(acks.Secrets),
		strings.Join(counts, ", "), strings.Join(ex, "; "))
	if len(ps) > 3 {
		reason += fmt.Sprintf("; and %d more", len(ps)-3)
	}
	return worst, reason
}

// notIntact returns the acknowledged secrets that ps say differ.
func notIntact(ps []problem) map[string]bool {
	m := map[string]bool{}
	for _, p := range ps {
		if p.Secret != "" {
			m[p.Secret] = true
		}
	}
	return m
}

// ---- get and list -----------------------------------------------------------

// getOutput is what "get --json" prints (secretstore.GetSecretValueOutput).
type getOutput struct {
	Name          string
	VersionId     string
	SecretString  string
	SecretBinary  []byte
	VersionStages []string
}

// judgeGet returns how "get --json NAME" printing stdout differs from a.
func judgeGet(a *ackSecret, stdout string) []problem {
	var out getOutput
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		return []problem{{a.Name, pReadErr, "get printed no JSON: " + err.Error()}}
	}
	cur := a.version(a.Current)
	sum := sha256Hex([]byte(out.SecretString))
	if out.SecretBinary != nil {
		sum = sha256Hex(out.SecretBinary)
	}
	labels := slices.Sorted(slices.Values(out.VersionStages))
	switch {
	case out.VersionId != a.Current && a.version(out.VersionId) != nil:
		return []problem{{a.Name, pStale, fmt.Sprintf("get prints version %s, an earlier acknowledged version; acknowledged AWSCURRENT: %s", out.VersionId, a.Current)}}
	case out.VersionId != a.Current:
		return []problem{{a.Name, pValue, fmt.Sprintf("get prints version %q, never written; acknowledged AWSCURRENT: %s", out.VersionId, a.Current)}}
	case sum != cur.SHA256 && a.versionWithValue(sum) != nil:
		return []problem{{a.Name, pStale, fmt.Sprintf("get prints the value of the earlier version %s", a.versionWithValue(sum).ID)}}
	case sum != cur.SHA256:
		return []problem{{a.Name, pValue, "get prints another value"}}
	case (out.SecretBinary != nil) != a.Binary:
		return []problem{{a.Name, pValue, "get prints a value of the other kind"}}
	case !slices.Equal(labels, cur.Labels):
		return []problem{{a.Name, pLabels, fmt.Sprintf("get prints labels %v, acknowledged %v", labels, cur.Labels)}}
	}
	return nil
}

// listOutput is what "list --json" prints (secretstore.ListSecretsOutput).
type listOutput struct {
	SecretList []struct {
		Name                   string
		Description            string
		DeletedDate            time.Time
		Tags                   []struct{ Key, Value string }
		SecretVersionsToStages map[string][]string
	}
}

// judgeList returns how "list --json" printing stdout differs from acks.
func judgeList(acks *ackList, stdout string) []problem {
	var out listOutput
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		return []problem{{"", pReadErr, "list printed no JSON: " + err.Error()}}
	}
	var ps []problem
	seen := map[string]bool{}
	for _, e := range out.SecretList {
		seen[e.Name] = true
		a := acks.secret(e.Name)
		if a == nil {
			ps = append(ps, problem{e.Name, pExtra, "listed, but never created"})
			continue
		}
		if deleted := !e.DeletedDate.IsZero(); deleted != a.Deleted {
			ps = append(ps, problem{a.Name, pDeletion, fmt.Sprintf("listed as scheduled for deletion: %v, acknowledged: %v", deleted, a.Deleted)})
		}
		if e.Description != a.Description {
			ps = append(ps, problem{a.Name, pMeta, "listed with another description"})
		}
		var tags map[string]string
		if e.Tags != nil {
			tags = map[string]string{}
			for _, t := range e.Tags {
				tags[t.Key] = t.Value
			}
		}
		if !maps.Equal(tags, a.Tags) {
			ps = append(ps, problem{a.Name, pMeta, fmt.Sprintf("listed with tags %v, acknowledged %v", tags, a.Tags)})
		}
		want := map[string][]string{}
		for _, v := range a.Versions {
			if len(v.Labels) > 0 {
				want[v.ID] = v.Labels
			}
		}
		got := map[string][]string{}
		for id, labels := range e.SecretVersionsToStages {
			got[id] = slices.Sorted(slices.Values(labels))
		}
		if !maps.EqualFunc(got, want, slices.Equal) {
			kind := pLabels
			if cur := labelHolder(got, labelCurrent); cur != a.Current && a.version(cur) != nil {
				kind = pStale
			}
			ps = append(ps, problem{a.Name, kind, fmt.Sprintf("listed with versions and labels %v, acknowledged %v", got, want)})
		}
	}
	for _, a := range acks.Secrets {
		if !seen[a.Name] {
			ps = append(ps, problem{a.Name, pMissing, "not listed"})
		}
	}
	return ps
}

// labelHolder returns the version of m carrying label, or "".
func labelHolder(m map[string][]string, label string) string {
	for id, labels := range m {
		if slices.Contains(labels, label) {
			return id
		}
	}
	return ""
}

// ---- recover ----------------------------------------------------------------

// recoverVerdict is the judgement of recover on one case.
type recoverVerdict struct {
	Pass   bool
	Reason string `json:",omitempty"`
	// UnnamedOnly counts the secrets that are not intact in the new folder
	// and that the report does not name, when it reports losses it cannot
	// tie to a secret (Unnamed): not a failure, but counted.
	UnnamedOnly int `json:",omitempty"`
	// StaleUnnamed counts, among them, the secrets the new folder serves
	// with an earlier acknowledged AWSCURRENT: the report says that the
	// secrets it could not name may be older there (the file that held
	// their last writes is gone, and with it which secrets those were).
	StaleUnnamed int `json:",omitempty"`
}

// judgeRecover checks recover's report rep (exit status exit) against the
// acknowledged list, given what was read from the new folder (ps: how it
// differs from the list). Every acknowledged secret must be intact or named
// in the report; every secret named must in fact not be intact; "nothing
// was lost" only when all are intact. When the report has losses it cannot
// tie to a secret (Unnamed: a missing table, a lost log), a secret that is
// not intact and not named is counted in UnnamedOnly instead of failing;
// one whose AWSCURRENT is an earlier acknowledged version or value is
// counted so (and in StaleUnnamed) only when an unnamed loss says that
// secrets may be older in the new folder, and fails otherwise.
func judgeRecover(acks *ackList, rep *recoverReport, exit int, ps []problem) recoverVerdict {
	bad := notIntact(ps)
	named := rep.named()
	unnamed := rep.unnamed()
	var v recoverVerdict
	var problems []string
	if exit == 0 && !rep.nothingLost() {
		problems = append(problems, "exit status 0, but the report tells of losses")
	}
	if (exit == 0 || rep.nothingLost()) && len(bad) > 0 {
		problems = append(problems, fmt.Sprintf("it says nothing was lost, but %d secrets are not intact (%s)", len(bad), someNames(bad)))
	}
	var stale, silent []string
	for _, a := range acks.Secrets {
		if !bad[a.Name] || named[a.Name] {
			continue
		}
		isStale := slices.ContainsFunc(ps, func(p problem) bool { return p.Secret == a.Name && p.Kind == pStale })
		switch {
		case isStale && len(unnamed) > 0 && saysOlder(unnamed):
			v.UnnamedOnly++
			v.StaleUnnamed++
		case isStale:
			stale = append(stale, a.Name)
		case len(unnamed) > 0:
			v.UnnamedOnly++
		default:
			silent = append(silent, a.Name)
		}
	}
	if len(stale) > 0 {
		p := fmt.Sprintf("stale value recovered silently: %s", strings.Join(stale, ", "))
		if len(unnamed) > 0 {
			// An unnamed loss ("the secrets it held may be older") covers a
			// secret that is lost or damaged, not one served with an
			// earlier value as AWSCURRENT: that one must be named.
			p += fmt.Sprintf(" (not named; the report's unnamed losses: %s)", strings.Join(unnamed, "; "))
		}
		problems = append(problems, p)
	}
	if len(silent) > 0 {
		problems = append(problems, fmt.Sprintf("%d secrets lost or damaged without being named: %s", len(silent), strings.Join(silent, ", ")))
	}
	var wrongly []string
	for _, name := range slices.Sorted(maps.Keys(named)) {
		if acks.secret(name) != nil && !bad[name] {
			wrongly = append(wrongly, name)
		}
	}
	if len(wrongly) > 0 {
		problems = append(problems, fmt.Sprintf("the report names %s, which recovered intact", strings.Join(wrongly, ", ")))
	}
	v.Pass = len(problems) == 0
	v.Reason = strings.Join(problems, "; ")
	if v.Pass {
		v.Reason = fmt.Sprintf("%d of %d secrets intact, %d named as lost or damaged", len(acks.Secrets)-len(bad), len(acks.Secrets), len(named))
		if v.UnnamedOnly > 0 {
			v.Reason += fmt.Sprintf(", %d covered only by an unnamed loss", v.UnnamedOnly)
		}
		if v.StaleUnnamed > 0 {
			v.Reason += fmt.Sprintf(" (%d of them with an earlier AWSCURRENT)", v.StaleUnnamed)
		}
	}
	return v
}

// saysOlder reports whether one of the report's unnamed losses warns that
// secrets may be older in the new folder.
func saysOlder(unnamed []string) bool {
	return slices.ContainsFunc(unnamed, func(u string) bool { return strings.Contains(u, "may be older") })
}

// someNames lists a few of the names in m.
func someNames(m map[string]bool) string {
	names := slices.Sorted(maps.Keys(m))
	if len(names) > 4 {
		return strings.Join(names[:4], ", ") + fmt.Sprintf(" and %d more", len(names)-4)
	}
	return strings.Join(names, ", ")
}
