package main

// secretstore copy moves secrets between two Secrets Manager endpoints over
// the AWS wire protocol, with the AWS SDK for Go v2: secretstore to AWS,
// AWS to secretstore, or between two secretstore servers. The SDK gives a
// real AWS endpoint the standard credential chain and region (environment,
// shared files, SSO, the instance's role) and the standard retries on
// throttling, which no hand-written client would match.
//
// A copy is idempotent: each version keeps its id (ClientRequestToken is
// the source's VersionId), and what the destination already has is left
// alone, so a copy cut short is finished by running it again.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/aws/smithy-go"
	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/internal/arn"
)

// Defaults of copy.
const (
	defaultCopyWorkers = 4
	maxCopyWorkers     = 64
	// endpointAccessKey signs requests to an http(s) endpoint when the
	// environment has no AWS keys: a server that checks no signature (serve
	// without --access-key-id, LocalStack) takes any.
	endpointAccessKey = "test"
	// defaultKMSAlias is the key Secrets Manager uses when a secret names
	// none; a copy leaves the destination's own default.
	defaultKMSAlias = "alias/aws/secretsmanager"
)

// The keys of ListSecrets filters (FilterNameStringType), for --filter.
var filterKeys = []string{"all", "description", "name", "owning-service", "primary-region", "tag-key", "tag-value"}

// What copy did to a secret, as its report line begins.
const (
	copyCreated   = "created"
	copyUpdated   = "updated"
	copyUnchanged = "unchanged"
	copySkipped   = "skipped"
	copyFailed    = "failed"
)

// copyFlags are the flags of copy.
type copyFlags struct {
	from, to        string
	filters         filterList
	includeVersions bool
	dryRun          bool
	json            bool
	workers         int
}

// filterList collects repeated --filter KEY=VALUE flags.
type filterList []string

func (l *filterList) String() string     { return strings.Join(*l, " ") }
func (l *filterList) Set(s string) error { *l = append(*l, s); return nil }

func setupCopy(fs *flag.FlagSet) runFunc {
	f := &copyFlags{}
	fs.StringVar(&f.from, "from", "", "copy from `URL`: aws, aws://REGION (AWS, with the standard credential chain) or http(s)://HOST:PORT[?region=REGION] (an endpoint)")
	fs.StringVar(&f.to, "to", "", "copy to `URL`, as --from")
	fs.Var(&f.filters, "filter", "copy only the secrets ListSecrets finds with this `KEY=VALUE` filter (KEY: "+strings.Join(filterKeys, ", ")+"; a VALUE starting with ! negates); repeatable, values of one KEY are alternatives")
	fs.BoolVar(&f.includeVersions, "include-versions", false, "copy every version that has a staging label, with its labels (default: the AWSCURRENT version only)")
	fs.BoolVar(&f.dryRun, "dry-run", false, "read both sides and print what would be done; write nothing")
	fs.BoolVar(&f.json, "json", false, "print the report as JSON, for scripts")
	fs.IntVar(&f.workers, "workers", defaultCopyWorkers, "copy `N` secrets at a time")
	return func(ctx context.Context, c *cli, args []string) error {
		return runCopy(ctx, c, f)
	}
}

// copyEndpoint is one side of a copy.
type copyEndpoint struct {
	name   string // for messages: "source" or "destination"
	desc   string // the URL as given, with its region
	key    string // what makes two endpoints the same
	client *secretsmanager.Client
}

// newCopyEndpoint returns the client for raw, an endpoint URL of copy.
//
//   - "aws" is AWS in the region of the standard configuration
//     (AWS_REGION, the profile's region), "aws://REGION" AWS in REGION; both
//     with the standard credential chain.
//   - "http(s)://HOST:PORT" is any Secrets Manager endpoint (secretstore
//     serve, LocalStack), in the region of "?region=REGION", else
//     AWS_REGION or AWS_DEFAULT_REGION, else us-east-1; signed with
//     AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN)
//     from the environment, else with the dummy keys "test"/"test".
func newCopyEndpoint(ctx context.Context, name, raw string, getenv func(string) string) (*copyEndpoint, error) {
	flagName := map[string]string{"source": "--from", "destination": "--to"}[name]
	switch {
	case raw == "":
		return nil, usageErrorf("%s is required: aws, aws://REGION or http(s)://HOST:PORT", flagName)
	case raw == "aws" || strings.HasPrefix(raw, "aws://"):
		region := strings.TrimPrefix(strings.TrimPrefix(raw, "aws"), "://")
		if region != "" && !arn.ValidRegion(region) {
			return nil, usageErrorf("%s %q: %q is not a region name like us-east-1", flagName, raw, region)
		}
		var opts []func(*config.LoadOptions) error
		if region != "" {
			opts = append(opts, config.WithRegion(region))
		}
		cfg, err := config.LoadDefaultConfig(ctx, opts...)
		if err != nil {
			return nil, fmt.Errorf("loading the AWS configuration for %s: %w", flagName, err)
		}
		if cfg.Region == "" {
			return nil, usageErrorf("%s aws: no region is configured; name one (aws://us-east-1) or set AWS_REGION", flagName)
		}
		return &copyEndpoint{name: name, desc: "aws://" + cfg.Region, key: "aws://" + cfg.Region, client: secretsmanager.NewFromConfig(cfg)}, nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		(u.Path != "" && u.Path != "/") || u.Fragment != "" {
		return nil, usageErrorf("%s %q is not aws, aws://REGION or http(s)://HOST:PORT[?region=REGION]", flagName, raw)
	}
	q := u.Query()
	for k := range q {
		if k != "region" {
			return nil, usageErrorf("%s %q: the only query parameter is region", flagName, raw)
		}
	}
	region := firstNonEmpty(q.Get("region"), getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"), secretstore.DefaultRegion)
	if !arn.ValidRegion(region) {
		return nil, usageErrorf("%s %q: region %q is not a region name like us-east-1", flagName, raw, region)
	}
	id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY")
	token := getenv("AWS_SESSION_TOKEN")
	if id == "" || secret == "" {
		id, secret, token = endpointAccessKey, endpointAccessKey, ""
	}
	base := u.Scheme + "://" + u.Host
	client := secretsmanager.New(secretsmanager.Options{
		Region:       region,
		BaseEndpoint: aws.String(base),
		Credentials:  credentials.NewStaticCredentialsProvider(id, secret, token),
	})
	desc := base + "?region=" + region
	return &copyEndpoint{name: name, desc: desc, key: desc, client: client}, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// parseFilters turns --filter KEY=VALUE flags into ListSecrets filters, one
// per key, in the order the keys first appear.
func parseFilters(flags []string) ([]types.Filter, error) {
	var filters []types.Filter
	for _, s := range flags {
		key, value, ok := strings.Cut(s, "=")
		if !ok || value == "" {
			return nil, usageErrorf("--filter %q: want KEY=VALUE, such as name=prod/", s)
		}
		if !slices.Contains(filterKeys, key) {
			return nil, usageErrorf("--filter %q: the key must be one of %s", s, strings.Join(filterKeys, ", "))
		}
		i := slices.IndexFunc(filters, func(f types.Filter) bool { return string(f.Key) == key })
		if i < 0 {
			filters = append(filters, types.Filter{Key: types.FilterNameStringType(key)})
			i = len(filters) - 1
		}
		filters[i].Values = append(filters[i].Values, value)
	}
	return filters, nil
}

// copyResult is what copy did, or would do, to one secret.
type copyResult struct {
	Name string
	// Action is created, updated, unchanged, skipped or failed.
	Action string
	// Changes says what was written (or would be, with --dry-run).
	Changes []string
	// Error is why the secret was skipped or failed: for an AWS error, the
	// side, the operation, its code and message. Never a value.
	Error string
}

// copyReport is the output of copy --json.
type copyReport struct {
	From, To    string
	DryRun      bool
	Secrets     []copyResult // by name
	Created     int
	Updated     int
	Unchanged   int
	Skipped     int
	Failed      int
	NotStarted  int // left when the copy was interrupted
	Interrupted bool
}

// copier copies secrets from src to dst.
type copier struct {
	src, dst        *copyEndpoint
	includeVersions bool
	dryRun          bool
}

// runCopy runs secretstore copy: it lists the source's secrets, copies them
// with f.workers at a time, reports each one as it is done (with a progress
// line on a terminal) and fails if any failed or the copy was interrupted.
func runCopy(ctx context.Context, c *cli, f *copyFlags) error {
	if f.workers < 1 || f.workers > maxCopyWorkers {
		return usageErrorf("--workers must be from 1 to %d", maxCopyWorkers)
	}
	filters, err := parseFilters(f.filters)
	if err != nil {
		return err
	}
	src, err := newCopyEndpoint(ctx, "source", f.from, c.getenv)
	if err != nil {
		return err
	}
	dst, err := newCopyEndpoint(ctx, "destination", f.to, c.getenv)
	if err != nil {
		return err
	}
	if src.key == dst.key {
		return usageErrorf("--from and --to are the same endpoint and region (%s)", src.desc)
	}
	for _, e := range []*copyEndpoint{src, dst} {
		if err := e.reachable(ctx); err != nil {
			return err
		}
	}
	cp := &copier{src: src, dst: dst, includeVersions: f.includeVersions, dryRun: f.dryRun}

	entries, err := cp.listSource(ctx, filters)
	if err != nil {
		return err
	}
	rep := &copyReport{From: src.desc, To: dst.desc, DryRun: f.dryRun, Secrets: []copyResult{}}
	p := &copyPrinter{w: c.stdout, dryRun: f.dryRun, quiet: f.json, total: len(entries)}
	if isTerminal(c.stderr) && !f.json {
		p.progress = c.stderr
	}

	results := make(chan copyResult)
	jobs := make(chan types.SecretListEntry)
	var wg sync.WaitGroup
	for range min(f.workers, max(len(entries), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range jobs {
				results <- cp.copySecret(ctx, e)
			}
		}()
	}
	go func() {
		defer close(jobs)
		for _, e := range entries {
			select {
			case jobs <- e:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	for r := range results {
		rep.add(r)
		p.print(r)
	}
	p.clearProgress()
	slices.SortFunc(rep.Secrets, func(a, b copyResult) int { return strings.Compare(a.Name, b.Name) })
	rep.NotStarted = len(entries) - len(rep.Secrets)
	rep.Interrupted = ctx.Err() != nil

	if f.json {
		if err := writeJSON(c.stdout, rep); err != nil {
			return err
		}
	} else {
		p.summary(rep)
	}
	switch {
	case rep.Interrupted:
		return fmt.Errorf("interrupted with %d of %d secrets not copied; run the same command again to finish (what is already copied is left as it is)", rep.NotStarted+rep.Failed, len(entries))
	case rep.Failed > 0:
		return fmt.Errorf("%d of %d secrets failed", rep.Failed, len(entries))
	}
	return nil
}

func (r *copyReport) add(res copyResult) {
	r.Secrets = append(r.Secrets, res)
	switch res.Action {
	case copyCreated:
		r.Created++
	case copyUpdated:
		r.Updated++
	case copyUnchanged:
		r.Unchanged++
	case copySkipped:
		r.Skipped++
	case copyFailed:
		r.Failed++
	}
}

// copyPrinter prints the report of a copy for people: a line per secret as
// it is done and, on a terminal, a progress line on stderr below them.
type copyPrinter struct {
	w        io.Writer
	progress io.Writer // stderr when it is a terminal, else nil
	dryRun   bool
	quiet    bool // --json: only the final report
	total    int
	done     int
}

// print prints r's line and moves the progress line on.
func (p *copyPrinter) print(r copyResult) {
	p.clearProgress()
	p.done++
	if p.quiet {
		return
	}
	action := r.Action
	if p.dryRun && (action == copyCreated || action == copyUpdated) {
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
func (p *copyPrinter) summary(r *copyReport) {
	verb := map[bool]string{false: "", true: "would be "}[r.DryRun]
	fmt.Fprintf(p.w, "%d secrets from %s to %s: %d %screated, %d %supdated, %d unchanged, %d skipped, %d failed",
		len(r.Secrets)+r.NotStarted, r.From, r.To, r.Created, verb, r.Updated, verb, r.Unchanged, r.Skipped, r.Failed)
	if r.NotStarted > 0 {
		fmt.Fprintf(p.w, ", %d not started", r.NotStarted)
	}
	fmt.Fprintln(p.w)
}

// listSource lists the source's secrets that the filters find, those
// scheduled for deletion included (to report them), by name.
func (cp *copier) listSource(ctx context.Context, filters []types.Filter) ([]types.SecretListEntry, error) {
	var all []types.SecretListEntry
	pages := secretsmanager.NewListSecretsPaginator(cp.src.client, &secretsmanager.ListSecretsInput{
		Filters:                filters,
		IncludePlannedDeletion: aws.Bool(true),
		MaxResults:             aws.Int32(100),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("listing the secrets of %s: %s", cp.src.desc, awsErrorText(err))
		}
		all = append(all, page.SecretList...)
	}
	slices.SortFunc(all, func(a, b types.SecretListEntry) int {
		return strings.Compare(aws.ToString(a.Name), aws.ToString(b.Name))
	})
	return all, nil
}

// sideError is a failed call to one side of the copy.
type sideError struct {
	side string
	err  error
}

func (e *sideError) Error() string { return "at the " + e.side + ": " + awsErrorText(e.err) }
func (e *sideError) Unwrap() error { return e.err }

// awsErrorText describes err for a report line: the operation, and the AWS
// exception's code and message when the service answered with one. AWS
// messages never contain a secret value, and neither does this.
func awsErrorText(err error) string {
	op := ""
	var oe *smithy.OperationError
	if errors.As(err, &oe) {
		op = oe.Operation() + ": "
	}
	var ae smithy.APIError
	switch {
	case errors.As(err, &ae):
		return op + ae.ErrorCode() + ": " + ae.ErrorMessage()
	case errors.Is(err, context.Canceled):
		return op + "interrupted"
	}
	return err.Error()
}

// isNotFound reports whether err is AWS's ResourceNotFoundException.
func isNotFound(err error) bool {
	var nf *types.ResourceNotFoundException
	return errors.As(err, &nf)
}

// errSkipped is copyOne finding the source's secret scheduled for deletion.
var errSkipped = errors.New("skipped")

// srcVersion is a version of the source's secret that is to be copied.
type srcVersion struct {
	id     string
	labels []string // the labels it is to have at the destination
}

// copySecret copies one secret and says what it did. Every call it makes
// names the secret by its ARN on each side once known, so a name that looks
// like a partial ARN cannot be taken for another secret.
func (cp *copier) copySecret(ctx context.Context, e types.SecretListEntry) copyResult {
	res := copyResult{Name: aws.ToString(e.Name)}
	if e.DeletedDate != nil {
		res.Action = copySkipped
		res.Error = "scheduled for deletion at the source (deleted " + formatTime(*e.DeletedDate) + ")"
		return res
	}
	changes, created, err := cp.copyOne(ctx, e)
	res.Changes = changes
	switch {
	case errors.Is(err, errSkipped):
		res.Action, res.Error = copySkipped, "scheduled for deletion at the source since it was listed"
	case err != nil:
		res.Action, res.Error = copyFailed, err.Error()
	case created:
		res.Action = copyCreated
	case len(changes) > 0:
		res.Action = copyUpdated
	default:
		res.Action = copyUnchanged
	}
	return res
}

// copyOne does the work of copySecret: it returns what it changed (or would
// change), and whether it created the secret at the destination.
func (cp *copier) copyOne(ctx context.Context, e types.SecretListEntry) (changes []string, created bool, err error) {
	name := aws.ToString(e.Name)
	src, err := cp.src.client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: e.ARN})
	if err != nil {
		return nil, false, &sideError{"source", err}
	}
	if src.DeletedDate != nil { // deleted since it was listed
		return nil, false, errSkipped
	}
	want := cp.wantedLabels(src.VersionIdsToStages)

	// The destination's secret, if it has one of that name.
	dst, err := cp.dst.client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
	switch {
	case isNotFound(err):
		dst = nil
	case err != nil:
		return nil, false, &sideError{"destination", err}
	case aws.ToString(dst.Name) != name: // a partial ARN of another secret
		dst = nil
	case dst.DeletedDate != nil:
		return nil, false, fmt.Errorf("the destination's secret of that name is scheduled for deletion (deleted %s): restore it there (RestoreSecret), or copy again once it is deleted", formatTime(*dst.DeletedDate))
	}

	labels := labelState{}
	var have map[string]bool // version ids the destination has, labelled or not
	if dst != nil {
		for id, stages := range dst.VersionIdsToStages {
			labels[id] = slices.Clone(stages)
		}
		if have, err = cp.destinationVersions(ctx, dst, want); err != nil {
			return nil, false, err
		}
	}
	missing, err := cp.missingVersions(ctx, e.ARN, want, have)
	if err != nil {
		return nil, false, err
	}

	var dstID *string // the destination's ARN (its name in a dry run that would create it)
	if dst == nil {
		if dstID, err = cp.create(ctx, src, missing, labels); err != nil {
			return nil, false, err
		}
		created = true
		if len(missing) > 0 {
			missing = missing[1:] // the version CreateSecret wrote
		}
		changes = append(changes, versionsText(want))
	} else {
		dstID = dst.ARN
		changes = append(changes, cp.metadataChanges(src, dst)...)
		if !cp.dryRun {
			if err := cp.updateMetadata(ctx, dstID, src, dst); err != nil {
				return changes, false, err
			}
		}
		if len(missing) > 0 {
			changes = append(changes, plural(len(missing), "version")+" written")
		}
	}
	for _, v := range missing {
		if err := cp.put(ctx, e.ARN, dstID, v, labels); err != nil {
			return changes, created, err
		}
	}

	moves := labels.movesTo(want, cp.includeVersions)
	if len(moves) > 0 && !created {
		changes = append(changes, movesText(moves))
	}
	if cp.dryRun {
		return changes, created, nil
	}
	for _, m := range moves {
		in := &secretsmanager.UpdateSecretVersionStageInput{SecretId: dstID, VersionStage: aws.String(m.label)}
		if m.to != "" {
			in.MoveToVersionId = aws.String(m.to)
		}
		if m.from != "" {
			in.RemoveFromVersionId = aws.String(m.from)
		}
		if _, err := cp.dst.client.UpdateSecretVersionStage(ctx, in); err != nil {
			return changes, created, &sideError{"destination", err}
		}
	}
	return changes, created, nil
}

// wantedLabels returns the labels the destination is to carry, from the
// source's VersionIdsToStages: all of them with --include-versions, else
// AWSCURRENT alone.
func (cp *copier) wantedLabels(stages map[string][]string) wantLabels {
	want := wantLabels{}
	for id, labels := range stages {
		for _, l := range labels {
			if cp.includeVersions || l == secretstore.StageCurrent {
				want[l] = id
			}
		}
	}
	return want
}

// destinationVersions returns the ids of the destination's versions when
// some wanted version is not among its labelled ones (it may be there
// deprecated); nil when every wanted version is labelled there.
func (cp *copier) destinationVersions(ctx context.Context, dst *secretsmanager.DescribeSecretOutput, want wantLabels) (map[string]bool, error) {
	have := map[string]bool{}
	for id := range dst.VersionIdsToStages {
		have[id] = true
	}
	complete := true
	for _, id := range want.versions() {
		complete = complete && have[id]
	}
	if complete {
		return have, nil
	}
	pages := secretsmanager.NewListSecretVersionIdsPaginator(cp.dst.client, &secretsmanager.ListSecretVersionIdsInput{
		SecretId: dst.ARN, IncludeDeprecated: aws.Bool(true), MaxResults: aws.Int32(100),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, &sideError{"destination", err}
		}
		for _, v := range page.Versions {
			have[aws.ToString(v.VersionId)] = true
		}
	}
	return have, nil
}

// missingVersions returns the wanted versions the destination lacks, oldest
// first (by the source's CreatedDate), each with the labels it is to carry.
func (cp *copier) missingVersions(ctx context.Context, srcARN *string, want wantLabels, have map[string]bool) ([]srcVersion, error) {
	var missing []srcVersion
	for _, id := range want.versions() {
		if !have[id] {
			missing = append(missing, srcVersion{id: id, labels: want.labelsOf(id)})
		}
	}
	if len(missing) < 2 {
		return missing, nil
	}
	created := map[string]int64{}
	pages := secretsmanager.NewListSecretVersionIdsPaginator(cp.src.client, &secretsmanager.ListSecretVersionIdsInput{
		SecretId: srcARN, MaxResults: aws.Int32(100),
	})
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, &sideError{"source", err}
		}
		for _, v := range page.Versions {
			if v.CreatedDate != nil {
				created[aws.ToString(v.VersionId)] = v.CreatedDate.UnixNano()
			}
		}
	}
	sort.SliceStable(missing, func(i, j int) bool { return created[missing[i].id] < created[missing[j].id] })
	return missing, nil
}

// value reads version id of the source's secret.
func (cp *copier) value(ctx context.Context, srcARN *string, id string) (*secretsmanager.GetSecretValueOutput, error) {
	out, err := cp.src.client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: srcARN, VersionId: aws.String(id)})
	if err != nil {
		return nil, &sideError{"source", err}
	}
	return out, nil
}

// create creates the destination's secret with the source's description,
// tags and KmsKeyId (unless it is the default key, which the destination
// has its own of) and the oldest missing version, which CreateSecret labels
// AWSCURRENT; labels records that. It returns the new secret's ARN.
func (cp *copier) create(ctx context.Context, src *secretsmanager.DescribeSecretOutput, missing []srcVersion, labels labelState) (*string, error) {
	in := &secretsmanager.CreateSecretInput{Name: src.Name, Tags: src.Tags}
	if aws.ToString(src.Description) != "" {
		in.Description = src.Description
	}
	if k := aws.ToString(src.KmsKeyId); !isDefaultKMSKey(k) {
		in.KmsKeyId = src.KmsKeyId
	}
	if len(missing) > 0 {
		labels.attach(secretstore.StageCurrent, missing[0].id)
		in.ClientRequestToken = aws.String(missing[0].id)
	}
	if cp.dryRun {
		return src.Name, nil
	}
	if len(missing) > 0 {
		v, err := cp.value(ctx, src.ARN, missing[0].id)
		if err != nil {
			return nil, err
		}
		in.SecretString, in.SecretBinary = v.SecretString, v.SecretBinary
	}
	out, err := cp.dst.client.CreateSecret(ctx, in)
	if err != nil {
		return nil, &sideError{"destination", err}
	}
	return out.ARN, nil
}

// put writes version v of the source's secret to the destination's, with
// its labels (which PutSecretValue moves from other versions; AWSCURRENT
// moving also gives its old version AWSPREVIOUS); labels records that.
func (cp *copier) put(ctx context.Context, srcARN, dstID *string, v srcVersion, labels labelState) error {
	for _, l := range v.labels {
		labels.attach(l, v.id)
	}
	if cp.dryRun {
		return nil
	}
	val, err := cp.value(ctx, srcARN, v.id)
	if err != nil {
		return err
	}
	_, err = cp.dst.client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
		SecretId:           dstID,
		ClientRequestToken: aws.String(v.id),
		SecretString:       val.SecretString,
		SecretBinary:       val.SecretBinary,
		VersionStages:      v.labels,
	})
	if err != nil {
		return &sideError{"destination", err}
	}
	return nil
}

// metadataChanges says how the destination's existing secret differs from
// the source's in what a copy sets: the description, and tags the source
// has that the destination lacks or holds with another value. (Tags only the
// destination has stay; so does its KmsKeyId, which a copy sets only on a
// secret it creates.)
func (cp *copier) metadataChanges(src, dst *secretsmanager.DescribeSecretOutput) []string {
	var changes []string
	if aws.ToString(src.Description) != aws.ToString(dst.Description) {
		changes = append(changes, "description set")
	}
	if tags := tagsToSet(src.Tags, dst.Tags); len(tags) > 0 {
		keys := make([]string, len(tags))
		for i, t := range tags {
			keys[i] = aws.ToString(t.Key)
		}
		changes = append(changes, "tags set: "+strings.Join(keys, ", "))
	}
	return changes
}

// updateMetadata makes the changes metadataChanges describes.
func (cp *copier) updateMetadata(ctx context.Context, dstID *string, src, dst *secretsmanager.DescribeSecretOutput) error {
	if d := aws.ToString(src.Description); d != aws.ToString(dst.Description) {
		if _, err := cp.dst.client.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: dstID, Description: aws.String(d)}); err != nil {
			return &sideError{"destination", err}
		}
	}
	if tags := tagsToSet(src.Tags, dst.Tags); len(tags) > 0 {
		if _, err := cp.dst.client.TagResource(ctx, &secretsmanager.TagResourceInput{SecretId: dstID, Tags: tags}); err != nil {
			return &sideError{"destination", err}
		}
	}
	return nil
}

// tagsToSet returns the tags of src that dst lacks or holds with another
// value, by key.
func tagsToSet(src, dst []types.Tag) []types.Tag {
	have := map[string]string{}
	for _, t := range dst {
		have[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	var set []types.Tag
	for _, t := range src {
		if v, ok := have[aws.ToString(t.Key)]; !ok || v != aws.ToString(t.Value) {
			set = append(set, t)
		}
	}
	slices.SortFunc(set, func(a, b types.Tag) int { return strings.Compare(aws.ToString(a.Key), aws.ToString(b.Key)) })
	return set
}

// isDefaultKMSKey reports whether k names Secrets Manager's default key
// (or no key): a copy does not pass it on, the destination has its own.
func isDefaultKMSKey(k string) bool {
	return k == "" || k == defaultKMSAlias || strings.HasSuffix(k, ":"+defaultKMSAlias)
}

// versionsText describes the versions a new secret was created with.
func versionsText(want wantLabels) string {
	n := len(want.versions())
	if n == 0 {
		return "no value"
	}
	return plural(n, "version") + ", labels " + strings.Join(want.labels(), " ")
}

// movesText describes label moves.
func movesText(moves []stageMove) string {
	var moved, removed []string
	for _, m := range moves {
		if m.to == "" {
			removed = append(removed, m.label)
		} else {
			moved = append(moved, m.label)
		}
	}
	var parts []string
	if len(moved) > 0 {
		parts = append(parts, "labels moved: "+strings.Join(moved, " "))
	}
	if len(removed) > 0 {
		parts = append(parts, "labels removed: "+strings.Join(removed, " "))
	}
	return strings.Join(parts, "; ")
}

// wantLabels maps each staging label the destination is to carry to the
// version id that is to carry it.
type wantLabels map[string]string

// labels returns the labels, AWSCURRENT first, then by name.
func (w wantLabels) labels() []string {
	labels := make([]string, 0, len(w))
	for l := range w {
		labels = append(labels, l)
	}
	slices.SortFunc(labels, func(a, b string) int {
		switch {
		case a == b:
			return 0
		case a == secretstore.StageCurrent:
			return -1
		case b == secretstore.StageCurrent:
			return 1
		}
		return strings.Compare(a, b)
	})
	return labels
}

// versions returns the version ids that are to carry a label, sorted.
func (w wantLabels) versions() []string {
	var ids []string
	for _, id := range w {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// labelsOf returns the labels version id is to carry, in labels' order.
func (w wantLabels) labelsOf(id string) []string {
	var labels []string
	for _, l := range w.labels() {
		if w[l] == id {
			labels = append(labels, l)
		}
	}
	return labels
}

// labelState is the destination's staging labels as a copy changes them:
// version id to labels. Its moves follow AWS's rules (the library's
// stages.go): a label is on at most one version, and when AWSCURRENT moves,
// the version that had it gets AWSPREVIOUS.
type labelState map[string][]string

// holder returns the version carrying label, or "".
func (s labelState) holder(label string) string {
	for id, labels := range s {
		if slices.Contains(labels, label) {
			return id
		}
	}
	return ""
}

// attach puts label on version to, taking it from its holder.
func (s labelState) attach(label, to string) {
	from := s.holder(label)
	if from == to {
		return
	}
	if from != "" {
		s.detach(label, from)
	}
	s[to] = append(s[to], label)
	if label == secretstore.StageCurrent && from != "" {
		s.attach(secretstore.StagePrevious, from)
	}
}

// detach removes label from version id.
func (s labelState) detach(label, id string) {
	s[id] = slices.DeleteFunc(s[id], func(l string) bool { return l == label })
	if len(s[id]) == 0 {
		delete(s, id)
	}
}

// stageMove is one UpdateSecretVersionStage call: label moved to version to
// (none: only removed) from version from (none: it was on no version).
type stageMove struct{ label, to, from string }

// movesTo returns the UpdateSecretVersionStage calls that give every wanted
// label its version, AWSCURRENT first (its move hands AWSPREVIOUS on), and
// applies them to s. With allLabels (--include-versions), AWSPREVIOUS left by
// the copy's own writes on a copied version is removed when the source has
// none; labels only the destination has on its own versions stay.
func (s labelState) movesTo(want wantLabels, allLabels bool) []stageMove {
	var moves []stageMove
	for _, l := range want.labels() {
		to, from := want[l], s.holder(l)
		if to == from {
			continue
		}
		moves = append(moves, stageMove{label: l, to: to, from: from})
		s.attach(l, to)
	}
	if _, ok := want[secretstore.StagePrevious]; allLabels && !ok {
		if h := s.holder(secretstore.StagePrevious); h != "" && slices.Contains(want.versions(), h) {
			moves = append(moves, stageMove{label: secretstore.StagePrevious, from: h})
			s.detach(secretstore.StagePrevious, h)
		}
	}
	return moves
}
