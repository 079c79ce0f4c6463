package main

// secretstore copy moves secrets between two Secrets Manager endpoints over
// the AWS wire protocol: secretstore to AWS, AWS to secretstore, or between
// two secretstore servers. The work is package internal/mirror's; this
// file has the flags, the report lines and the --every loop.

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/secretstore-go/secretstore/internal/mirror"
)

// maxCopyWorkers bounds --workers.
const maxCopyWorkers = 64

// copyFlags are the flags of copy.
type copyFlags struct {
	from, to        string
	filters         filterList
	includeVersions bool
	dryRun          bool
	prune           bool
	every           time.Duration
	json            bool
	workers         int
}

// filterList collects repeated --filter KEY=VALUE flags.
type filterList []string

func (l *filterList) String() string     { return strings.Join(*l, " ") }
func (l *filterList) Set(s string) error { *l = append(*l, s); return nil }
func (l *filterList) repeatable()        {} // serve's --mirror-filter: one filter a line of its variable

func setupCopy(fs *flag.FlagSet) runFunc {
	f := &copyFlags{}
	fs.StringVar(&f.from, "from", "", "copy from `URL`: aws, aws://REGION (AWS, with the standard credential chain) or http(s)://HOST:PORT[?region=REGION] (an endpoint)")
	fs.StringVar(&f.to, "to", "", "copy to `URL`, as --from")
	fs.Var(&f.filters, "filter", "copy only the secrets ListSecrets finds with this `KEY=VALUE` filter (KEY: "+strings.Join(mirror.FilterKeys(), ", ")+"; a VALUE starting with ! negates); repeatable, values of one KEY are alternatives")
	fs.BoolVar(&f.includeVersions, "include-versions", false, "copy every version that has a staging label, with its labels (default: the AWSCURRENT version only)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "read both sides and print what would be done; write nothing")
	fs.BoolVar(&f.prune, "prune", false, "schedule for deletion (30-day recovery window) the destination's secrets under the filters that the source does not have or has scheduled for deletion, as rsync --delete; restore those the source has again")
	fs.DurationVar(&f.every, "every", 0, "copy again and again, a pass every `DURATION` (such as 5m), until stopped; each pass prints the secrets it changed and one summary line, and a failed pass is retried sooner, with backoff")
	fs.BoolVar(&f.json, "json", false, "print the report as JSON, for scripts (with --every, one line per pass)")
	fs.IntVar(&f.workers, "workers", mirror.DefaultWorkers, "copy `N` secrets at a time")
	return func(ctx context.Context, c *cli, args []string) error {
		return runCopy(ctx, c, f)
	}
}

// runCopy runs secretstore copy: once, or with --every until ctx ends.
func runCopy(ctx context.Context, c *cli, f *copyFlags) error {
	cp, err := f.copier(ctx, c.getenv)
	if err != nil {
		return err
	}
	if f.every == 0 {
		return copyOnce(ctx, c, f, cp)
	}
	pass := 0
	loop := &mirror.Loop{
		Every: f.every,
		Wait:  c.wait,
		Pass: func(ctx context.Context) error {
			pass++
			return copyPass(ctx, c, f, cp, pass)
		},
		Next: func(at time.Time) {
			if ctx.Err() == nil {
				fmt.Fprintf(c.stderr, "copy: next pass at %s\n", formatTime(at))
			}
		},
	}
	return loop.Run(ctx)
}

// copier checks the flags and returns the pass they describe.
func (f *copyFlags) copier(ctx context.Context, getenv func(string) string) (*mirror.Copy, error) {
	switch {
	case f.workers < 1 || f.workers > maxCopyWorkers:
		return nil, usageErrorf("--workers must be from 1 to %d", maxCopyWorkers)
	case f.every < 0 || (f.every > 0 && f.every < time.Second):
		return nil, usageErrorf("--every must be at least 1s")
	}
	filters, err := mirror.ParseFilters("--filter", f.filters)
	if err != nil {
		return nil, configError(err)
	}
	src, err := mirror.ParseEndpoint(ctx, "--from", f.from, getenv)
	if err != nil {
		return nil, configError(err)
	}
	dst, err := mirror.ParseEndpoint(ctx, "--to", f.to, getenv)
	if err != nil {
		return nil, configError(err)
	}
	if src.Desc == dst.Desc {
		return nil, usageErrorf("--from and --to are the same endpoint and region (%s)", src.Desc)
	}
	return &mirror.Copy{From: src, To: dst, Filters: filters, IncludeVersions: f.includeVersions,
		DryRun: f.dryRun, Prune: f.prune, Workers: f.workers}, nil
}

// configError makes a mistake in a URL or filter a usage error.
func configError(err error) error {
	var ce *mirror.ConfigError
	if errors.As(err, &ce) {
		return usageErrorf("%s", ce.Error())
	}
	return err
}

// copyOnce runs one pass, reports each secret as it is done (with a
// progress line on a terminal) and fails if any failed or the copy was
// interrupted.
func copyOnce(ctx context.Context, c *cli, f *copyFlags, cp *mirror.Copy) error {
	p := &copyPrinter{w: c.stdout, dryRun: f.dryRun, quiet: f.json}
	if isTerminal(c.stderr) && !f.json {
		p.progress = c.stderr
	}
	for _, side := range []struct {
		name string
		e    *mirror.Endpoint
	}{{"source", cp.From}, {"destination", cp.To}} {
		if err := reachable(ctx, side.name, side.e); err != nil {
			return err
		}
	}
	cp.Listed = func(n int) { p.total = n }
	rep, err := cp.Run(ctx, p.print)
	if err != nil {
		return err
	}
	p.clearProgress()
	if f.json {
		if err := writeJSON(c.stdout, rep); err != nil {
			return err
		}
	} else {
		p.summary(rep)
	}
	total := len(rep.Secrets) + rep.NotStarted
	switch {
	case rep.Interrupted:
		return fmt.Errorf("interrupted with %d of %d secrets not copied; run the same command again to finish (what is already copied is left as it is)", rep.NotStarted+rep.Failed, total)
	case rep.Failed > 0:
		return fmt.Errorf("%d of %d secrets failed", rep.Failed, total)
	}
	return nil
}

// copyPass runs pass number n of copy --every: it prints the secrets that
// changed or failed, and one summary line (or, with --json, the report on
// one line). It fails when the pass did not finish or a secret failed.
func copyPass(ctx context.Context, c *cli, f *copyFlags, cp *mirror.Copy, n int) error {
	p := &copyPrinter{w: c.stdout, dryRun: f.dryRun, quiet: f.json, changedOnly: true}
	rep, err := cp.Run(ctx, p.print)
	if err != nil {
		fmt.Fprintf(c.stderr, "copy: pass %d failed: %v\n", n, err)
		return err
	}
	if f.json {
		b, err := json.Marshal(rep)
		if err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "%s\n", b)
	} else {
		fmt.Fprintf(c.stdout, "pass %d at %s: ", n, formatTime(time.Now()))
		p.summary(rep)
	}
	switch {
	case rep.Interrupted:
		return context.Cause(ctx)
	case rep.Failed > 0:
		return fmt.Errorf("%d secrets failed", rep.Failed)
	}
	return nil
}

// copyPrinter prints the report of a copy for people: a line per secret as
// it is done and, on a terminal, a progress line on stderr below them.
type copyPrinter struct {
	w           io.Writer
	progress    io.Writer // stderr when it is a terminal, else nil
	dryRun      bool
	quiet       bool // --json: only the final report
	changedOnly bool // --every: no line for an unchanged or skipped secret
	total       int
	done        int
}

// print prints r's line and moves the progress line on.
func (p *copyPrinter) print(r mirror.Result) {
	p.clearProgress()
	p.done++
	if p.quiet || (p.changedOnly && (r.Action == mirror.Unchanged || r.Action == mirror.Skipped)) {
		return
	}
	action := r.Action
	if p.dryRun && (action == mirror.Created || action == mirror.Updated || action == mirror.Deleted) {
		action = "would " + strings.TrimSuffix(action, "d")
	}
	line := fmt.Sprintf("%-12s %s", action, r.Name)
	if len(r.Changes) > 0 {
		line += "  " + strings.Join(r.Changes, "; ")
	}
	if r.Error != "" {
		line += "  " + r.Error
	}
	fmt.Fprintln(p.w, line)
	if p.progress != nil {
		fmt.Fprintf(p.progress, "copy: %d/%d secrets", p.done, p.total)
	}
}

// clearProgress erases the progress line, if one is shown.
func (p *copyPrinter) clearProgress() {
	if p.progress != nil && p.done > 0 {
		fmt.Fprint(p.progress, "\r\033[K")
	}
}

// summary prints the counts of a copy.
func (p *copyPrinter) summary(r *mirror.Report) {
	verb := map[bool]string{false: "", true: "would be "}[r.DryRun]
	fmt.Fprintf(p.w, "%d secrets from %s to %s: %d %screated, %d %supdated, %d unchanged, %d skipped, %d failed",
		len(r.Secrets)+r.NotStarted, r.From, r.To, r.Created, verb, r.Updated, verb, r.Unchanged, r.Skipped, r.Failed)
	if r.Deleted > 0 {
		fmt.Fprintf(p.w, ", %d %sdeleted", r.Deleted, verb)
	}
	if r.NotStarted > 0 {
		fmt.Fprintf(p.w, ", %d not started", r.NotStarted)
	}
	fmt.Fprintln(p.w)
}
