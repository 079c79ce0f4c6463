package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// tally counts the outcomes of one command in a group of cases.
type tally struct{ opened, refused, failed int }

func (t *tally) add(outcome string) {
	switch outcome {
	case opened:
		t.opened++
	case refused:
		t.refused++
	default:
		t.failed++
	}
}

func (t tally) String() string { return fmt.Sprintf("%d/%d/%d", t.opened, t.refused, t.failed) }

// recTally counts recover's verdicts in a group of cases.
type recTally struct{ pass, fail, unnamedOnly, staleUnnamed int }

// failCat is one kind of failure of one file kind: how often, by which
// commands, and one example.
type failCat struct {
	count    int
	commands map[string]int
	example  string
}

// summary counts the verdicts of the run.
type summary struct {
	commands  []string
	cases     int
	byGroup   map[[2]string]map[string]*tally // file kind, damage group -> command -> tally
	cases2    map[[2]string]int               // file kind, damage group -> cases
	recover   map[[2]string]*recTally
	total     map[string]*tally
	recTotal  recTally
	failures  map[[2]string]*failCat // file kind, category
	kinds     []string
	skips     []skip
	anyFailed bool
}

func newSummary(commands []string, skips []skip) *summary {
	return &summary{commands: commands, byGroup: map[[2]string]map[string]*tally{}, cases2: map[[2]string]int{},
		recover: map[[2]string]*recTally{}, total: map[string]*tally{}, failures: map[[2]string]*failCat{}, skips: skips}
}

// add counts one case.
func (s *summary) add(res caseResult) {
	s.cases++
	g := [2]string{res.Kind, res.Damage.Group}
	if !slices.Contains(s.kinds, res.Kind) {
		s.kinds = append(s.kinds, res.Kind)
	}
	s.cases2[g]++
	if s.byGroup[g] == nil {
		s.byGroup[g] = map[string]*tally{}
	}
	for cmd, v := range res.Verdicts {
		for _, m := range []map[string]*tally{s.byGroup[g], s.total} {
			if m[cmd] == nil {
				m[cmd] = &tally{}
			}
			m[cmd].add(v.Outcome)
		}
		if v.Outcome == failure {
			s.anyFailed = true
			s.failed(res, cmd, v.Category, res.Case+": "+v.Reason)
		}
	}
	if rv := res.Recover; rv != nil {
		if s.recover[g] == nil {
			s.recover[g] = &recTally{}
		}
		for _, t := range []*recTally{s.recover[g], &s.recTotal} {
			if rv.Pass {
				t.pass++
			} else {
				t.fail++
			}
			t.unnamedOnly += rv.UnnamedOnly
			t.staleUnnamed += rv.StaleUnnamed
		}
		if !rv.Pass {
			s.anyFailed = true
			s.failed(res, "recover", "recover: "+recoverCategory(rv.Reason), res.Case+": "+rv.Reason)
		}
	}
}

func (s *summary) failed(res caseResult, cmd, category, example string) {
	k := [2]string{res.Kind, category}
	f := s.failures[k]
	if f == nil {
		f = &failCat{commands: map[string]int{}, example: example}
		s.failures[k] = f
	}
	f.count++
	f.commands[cmd]++
}

// recoverCategory shortens a failed recover check's reason to its kind.
func recoverCategory(reason string) string {
	for _, c := range []string{"stale value recovered silently", "without being named", "says nothing was lost",
		"which recovered intact", "does not open", "changed the damaged folder", "panics", "recover failed", "recover ended"} {
		if strings.Contains(reason, c) {
			return c
		}
	}
	return "other"
}

// print writes the summary tables.
func (s *summary) print(w io.Writer) {
	fmt.Fprintf(w, "\nSummary: %d cases; each command's outcomes as OPENED/REFUSED/FAILURE; recover's checks as passed/failed\n\n", s.cases)
	tw := tabwriter.NewWriter(w, 0, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "file kind\tdamage\tcases\t")
	for _, c := range s.commands {
		fmt.Fprintf(tw, "%s\t", c)
	}
	fmt.Fprint(tw, "recover\tunnamed-only\t\n")
	kinds := slices.Clone(s.kinds)
	slices.SortFunc(kinds, compareKinds)
	for _, kind := range kinds {
		for _, group := range damageGroups {
			g := [2]string{kind, group}
			if s.cases2[g] == 0 {
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%d\t", kind, group, s.cases2[g])
			for _, c := range s.commands {
				if t := s.byGroup[g][c]; t != nil {
					fmt.Fprintf(tw, "%s\t", t)
				} else {
					fmt.Fprint(tw, "-\t")
				}
			}
			if r := s.recover[g]; r != nil {
				fmt.Fprintf(tw, "%d/%d\t%d\t", r.pass, r.fail, r.unnamedOnly)
			} else {
				fmt.Fprint(tw, "-\t-\t")
			}
			fmt.Fprintln(tw)
		}
	}
	fmt.Fprintf(tw, "total\t\t%d\t", s.cases)
	var o, r, f int
	for _, c := range s.commands {
		t := s.total[c]
		if t == nil {
			t = &tally{}
		}
		o, r, f = o+t.opened, r+t.refused, f+t.failed
		fmt.Fprintf(tw, "%s\t", t)
	}
	fmt.Fprintf(tw, "%d/%d\t%d\t\n", s.recTotal.pass, s.recTotal.fail, s.recTotal.unnamedOnly)
	tw.Flush()
	fmt.Fprintf(w, "\nRuns: %d OPENED, %d REFUSED, %d FAILURE; recover checks: %d passed, %d failed, %d secrets covered only by an unnamed loss (%d of them with an earlier AWSCURRENT)\n",
		o, r, f, s.recTotal.pass, s.recTotal.fail, s.recTotal.unnamedOnly, s.recTotal.staleUnnamed)

	if len(s.failures) > 0 {
		fmt.Fprintf(w, "\nFailures by file kind and category (count, commands, an example):\n")
		keys := make([][2]string, 0, len(s.failures))
		for k := range s.failures {
			keys = append(keys, k)
		}
		slices.SortFunc(keys, func(a, b [2]string) int {
			if d := compareKinds(a[0], b[0]); d != 0 {
				return d
			}
			if d := s.failures[b].count - s.failures[a].count; d != 0 {
				return d
			}
			return strings.Compare(a[1], b[1])
		})
		for _, k := range keys {
			f := s.failures[k]
			var cmds []string
			for _, c := range append(slices.Clone(s.commands), "recover") {
				if n := f.commands[c]; n > 0 {
					cmds = append(cmds, fmt.Sprintf("%s %d", c, n))
				}
			}
			fmt.Fprintf(w, "  %-11s %-45s %5d  (%s)\n      e.g. %s\n", k[0], k[1], f.count, strings.Join(cmds, ", "), f.example)
		}
	}
	if len(s.skips) > 0 {
		why := map[string]int{}
		var reasons []string
		for _, sk := range s.skips {
			if why[sk.Why] == 0 {
				reasons = append(reasons, sk.Why)
			}
			why[sk.Why]++
		}
		fmt.Fprintf(w, "\nDamages not made (of all the cases enumerated): %d\n", len(s.skips))
		for _, r := range reasons {
			var files []string
			for _, sk := range s.skips {
				if sk.Why == r && len(files) < 6 {
					files = append(files, sk.File+" "+sk.Damage)
				}
			}
			fmt.Fprintf(w, "  %4d %s (e.g. %s)\n", why[r], r, strings.Join(files, "; "))
		}
	}
}

// compareKinds orders the file kinds in the summary: Badger's, the master
// key, then any other by name.
func compareKinds(a, b string) int {
	order := []string{"MANIFEST", "sst", "mem", "vlog", "KEYREGISTRY", "DISCARD", "LOCK", keyFileName}
	rank := func(k string) int {
		if i := slices.Index(order, k); i >= 0 {
			return i
		}
		return len(order)
	}
	if d := rank(a) - rank(b); d != 0 {
		return d
	}
	return strings.Compare(a, b)
}
