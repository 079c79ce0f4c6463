package mirror

// A copy pass: secretstore copy. It copies each secret's AWSCURRENT
// version, or every labelled version, between two endpoints through their
// write operations. A copy is idempotent: each version keeps its id
// (ClientRequestToken is the source's VersionId), and what the destination
// already has is left alone, so a copy cut short is finished by running it
// again.

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager"
	"github.com/aws/aws-sdk-go-v2/service/secretsmanager/types"
	"github.com/secretstore-go/secretstore"
)

// What a pass did to a secret, as its report line begins.
const (
	Created   = "created"
	Updated   = "updated"
	Unchanged = "unchanged"
	Skipped   = "skipped"
	Failed    = "failed"
	Deleted   = "deleted" // scheduled for deletion: the source no longer has it (Copy.Prune)
)

// defaultKMSAlias is the key Secrets Manager uses when a secret names
// none; a copy leaves the destination's own default.
const defaultKMSAlias = "alias/aws/secretsmanager"

// DefaultWorkers is how many secrets a pass handles at a time by default.
const DefaultWorkers = 4

// Result is what a pass did, or would do, to one secret.
type Result struct {
	Name string
	// Action is created, updated, unchanged, skipped, failed or deleted.
	Action string
	// Changes says what was written (or would be, in a dry run).
	Changes []string `json:",omitempty"`
	// Error is why the secret was skipped or failed: for an AWS error, the
	// side, the operation, its code and message. Never a value.
	Error string `json:",omitempty"`
}

// Report is what a pass did: secretstore copy --json prints it.
type Report struct {
	From, To    string
	DryRun      bool
	Secrets     []Result // by name
	Created     int
	Updated     int
	Unchanged   int
	Skipped     int
	Failed      int
	Deleted     int
	NotStarted  int // left when the pass was interrupted
	Interrupted bool
}

// add counts r.
func (rep *Report) add(r Result) {
	rep.Secrets = append(rep.Secrets, r)
	switch r.Action {
	case Created:
		rep.Created++
	case Updated:
		rep.Updated++
	case Unchanged:
		rep.Unchanged++
	case Skipped:
		rep.Skipped++
	case Failed:
		rep.Failed++
	case Deleted:
		rep.Deleted++
	}
}

// Copy is a copy pass from From to To.
type Copy struct {
	From, To *Endpoint
	// Filters select the source's secrets, as ListSecrets' do; with Prune
	// they select the destination's that may be deleted too.
	Filters Filters
	// IncludeVersions copies every labelled version with its labels, not
	// only AWSCURRENT.
	IncludeVersions bool
	// DryRun reads both sides and writes nothing.
	DryRun bool
	// Prune schedules for deletion (with AWS's default 30-day recovery
	// window) the destination's secrets under Filters that the source does
	// not have, or has scheduled for deletion, as rsync's --delete does;
	// and restores a destination's secret scheduled for deletion that the
	// source has again.
	Prune bool
	// Workers is how many secrets are copied at a time; 0 means
	// DefaultWorkers.
	Workers int
	// Listed, when set, is told how many secrets the pass is to handle,
	// once both sides are listed.
	Listed func(n int)
}

// job is one secret of a pass: the source's entry (nil when only the
// destination has it), and the destination's from its listing (nil when
// not listed there).
type job struct {
	src, dst *types.SecretListEntry
}

// Run runs the pass: it lists both sides, copies each secret (Workers at a
// time) and calls onResult, from one goroutine, as each is done. It fails
// only when a side cannot be listed; a secret that fails is in the
// report. When ctx ends, the secrets not started are counted as such.
func (c *Copy) Run(ctx context.Context, onResult func(Result)) (*Report, error) {
	src, err := list(ctx, c.From, c.Filters)
	if err != nil {
		return nil, err
	}
	// The destination's listing spares the calls for secrets already as
	// the source has them; without it (a key that may not ListSecrets
	// there) each secret is read, but for --prune, which needs it.
	dst, err := list(ctx, c.To, c.Filters)
	if err != nil && (c.Prune || ctx.Err() != nil) {
		return nil, err
	}
	jobs := c.jobs(src, dst)
	if c.Listed != nil {
		c.Listed(len(jobs))
	}
	rep := &Report{From: c.From.Desc, To: c.To.Desc, DryRun: c.DryRun, Secrets: []Result{}}
	workers := c.Workers
	if workers <= 0 {
		workers = DefaultWorkers
	}
	results := make(chan Result)
	queue := make(chan job)
	var wg sync.WaitGroup
	for range min(workers, max(len(jobs), 1)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range queue {
				results <- c.do(ctx, j)
			}
		}()
	}
	go func() {
		defer close(queue)
		for _, j := range jobs {
			select {
			case queue <- j:
			case <-ctx.Done():
				return
			}
		}
	}()
	go func() { wg.Wait(); close(results) }()
	for r := range results {
		rep.add(r)
		if onResult != nil {
			onResult(r)
		}
	}
	slices.SortFunc(rep.Secrets, func(a, b Result) int { return strings.Compare(a.Name, b.Name) })
	rep.NotStarted = len(jobs) - len(rep.Secrets)
	rep.Interrupted = ctx.Err() != nil
	return rep, nil
}

// jobs pairs the source's secrets with the destination's, by name, and
// adds, with Prune, the destination's that the source lacks.
func (c *Copy) jobs(src, dst []types.SecretListEntry) []job {
	byName := make(map[string]*types.SecretListEntry, len(dst))
	for i := range dst {
		byName[aws.ToString(dst[i].Name)] = &dst[i]
	}
	jobs := make([]job, 0, len(src))
	for i := range src {
		name := aws.ToString(src[i].Name)
		jobs = append(jobs, job{src: &src[i], dst: byName[name]})
		delete(byName, name)
	}
	if c.Prune {
		for i := range dst {
			if d := &dst[i]; byName[aws.ToString(d.Name)] != nil && d.DeletedDate == nil {
				jobs = append(jobs, job{dst: d})
			}
		}
	}
	return jobs
}

// do handles one job and says what it did. Every call it makes names the
// secret by its ARN on each side once known, so a name that looks like a
// partial ARN cannot be taken for another secret.
func (c *Copy) do(ctx context.Context, j job) Result {
	if j.src == nil || j.src.DeletedDate != nil {
		return c.prune(ctx, j)
	}
	res := Result{Name: aws.ToString(j.src.Name)}
	if j.dst != nil && c.unchanged(j.src, j.dst) {
		res.Action = Unchanged
		return res
	}
	changes, created, err := c.copyOne(ctx, j.src)
	res.Changes = changes
	switch {
	case errors.Is(err, errSkipped):
		res.Action, res.Error = Skipped, "scheduled for deletion at the source since it was listed"
	case err != nil:
		res.Action, res.Error = Failed, err.Error()
	case created:
		res.Action = Created
	case len(changes) > 0:
		res.Action = Updated
	default:
		res.Action = Unchanged
	}
	return res
}

// prune handles a secret the source does not have (j.src nil) or has
// scheduled for deletion: with Prune, the destination's live secret of
// that name is scheduled for deletion; otherwise the source's is skipped.
func (c *Copy) prune(ctx context.Context, j job) Result {
	if !c.Prune || j.dst == nil || j.dst.DeletedDate != nil {
		res := Result{Name: aws.ToString(j.src.Name), Action: Skipped}
		res.Error = "scheduled for deletion at the source (deleted " + formatTime(*j.src.DeletedDate) + ")"
		return res
	}
	res := Result{Name: aws.ToString(j.dst.Name), Action: Deleted}
	if j.src == nil {
		res.Changes = []string{"not at the source"}
	} else {
		res.Changes = []string{"scheduled for deletion at the source"}
	}
	if c.DryRun {
		return res
	}
	_, err := c.To.Client.DeleteSecret(ctx, &secretsmanager.DeleteSecretInput{SecretId: j.dst.ARN})
	if err != nil {
		res.Action, res.Error = Failed, (&sideError{"destination", err}).Error()
	}
	return res
}

// unchanged reports, from the two listings alone, whether the destination
// already has what a copy would give it; when it may not, the copy reads
// both sides' secrets to find out.
func (c *Copy) unchanged(src, dst *types.SecretListEntry) bool {
	if dst.DeletedDate != nil || len(metadataChanges(src.Description, src.Tags, dst.Description, dst.Tags)) > 0 {
		return false
	}
	want := c.wantedLabels(src.SecretVersionsToStages)
	labels := labelState{}
	for id, stages := range dst.SecretVersionsToStages {
		labels[id] = slices.Clone(stages)
	}
	for _, id := range want.versions() {
		if _, ok := labels[id]; !ok {
			return false
		}
	}
	return len(labels.movesTo(want, c.IncludeVersions)) == 0
}

// errSkipped is copyOne finding the source's secret scheduled for deletion.
var errSkipped = errors.New("skipped")

// srcVersion is a version of the source's secret that is to be copied.
type srcVersion struct {
	id     string
	labels []string // the labels it is to have at the destination
}

// copyOne copies one secret: it returns what it changed (or would change),
// and whether it created the secret at the destination.
func (c *Copy) copyOne(ctx context.Context, e *types.SecretListEntry) (changes []string, created bool, err error) {
	name := aws.ToString(e.Name)
	src, err := c.From.Client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: e.ARN})
	if err != nil {
		return nil, false, &sideError{"source", err}
	}
	if src.DeletedDate != nil { // deleted since it was listed
		return nil, false, errSkipped
	}
	want := c.wantedLabels(src.VersionIdsToStages)

	// The destination's secret, if it has one of that name.
	dst, err := c.To.Client.DescribeSecret(ctx, &secretsmanager.DescribeSecretInput{SecretId: aws.String(name)})
	switch {
	case isNotFound(err):
		dst = nil
	case err != nil:
		return nil, false, &sideError{"destination", err}
	case aws.ToString(dst.Name) != name: // a partial ARN of another secret
		dst = nil
	case dst.DeletedDate != nil && !c.Prune:
		return nil, false, fmt.Errorf("the destination's secret of that name is scheduled for deletion (deleted %s): restore it there (RestoreSecret), or copy again once it is deleted", formatTime(*dst.DeletedDate))
	case dst.DeletedDate != nil:
		// --prune scheduled it, or would have: the source has it again.
		changes = append(changes, "restored")
		if !c.DryRun {
			if _, err := c.To.Client.RestoreSecret(ctx, &secretsmanager.RestoreSecretInput{SecretId: dst.ARN}); err != nil {
				return changes, false, &sideError{"destination", err}
			}
		}
	}

	labels := labelState{}
	var have map[string]bool // version ids the destination has, labelled or not
	if dst != nil {
		for id, stages := range dst.VersionIdsToStages {
			labels[id] = slices.Clone(stages)
		}
		if have, err = c.destinationVersions(ctx, dst, want); err != nil {
			return changes, false, err
		}
	}
	missing, err := c.missingVersions(ctx, e.ARN, want, have)
	if err != nil {
		return changes, false, err
	}

	var dstID *string // the destination's ARN (its name in a dry run that would create it)
	if dst == nil {
		if dstID, err = c.create(ctx, src, missing, labels); err != nil {
			return nil, false, err
		}
		created = true
		if len(missing) > 0 {
			missing = missing[1:] // the version CreateSecret wrote
		}
		changes = append(changes, versionsText(want))
	} else {
		dstID = dst.ARN
		changes = append(changes, metadataChanges(src.Description, src.Tags, dst.Description, dst.Tags)...)
		if !c.DryRun {
			if err := c.updateMetadata(ctx, dstID, src, dst); err != nil {
				return changes, false, err
			}
		}
		if len(missing) > 0 {
			changes = append(changes, plural(len(missing), "version")+" written")
		}
	}
	for _, v := range missing {
		if err := c.put(ctx, e.ARN, dstID, v, labels); err != nil {
			return changes, created, err
		}
	}

	moves := labels.movesTo(want, c.IncludeVersions)
	if len(moves) > 0 && !created {
		changes = append(changes, movesText(moves))
	}
	if c.DryRun {
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
		if _, err := c.To.Client.UpdateSecretVersionStage(ctx, in); err != nil {
			return changes, created, &sideError{"destination", err}
		}
	}
	return changes, created, nil
}

// wantedLabels returns the labels the destination is to carry, from the
// source's VersionIdsToStages: all of them with IncludeVersions, else
// AWSCURRENT alone.
func (c *Copy) wantedLabels(stages map[string][]string) wantLabels {
	want := wantLabels{}
	for id, labels := range stages {
		for _, l := range labels {
			if c.IncludeVersions || l == secretstore.StageCurrent {
				want[l] = id
			}
		}
	}
	return want
}

// destinationVersions returns the ids of the destination's versions when
// some wanted version is not among its labelled ones (it may be there
// deprecated); nil when every wanted version is labelled there.
func (c *Copy) destinationVersions(ctx context.Context, dst *secretsmanager.DescribeSecretOutput, want wantLabels) (map[string]bool, error) {
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
	pages := secretsmanager.NewListSecretVersionIdsPaginator(c.To.Client, &secretsmanager.ListSecretVersionIdsInput{
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
func (c *Copy) missingVersions(ctx context.Context, srcARN *string, want wantLabels, have map[string]bool) ([]srcVersion, error) {
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
	pages := secretsmanager.NewListSecretVersionIdsPaginator(c.From.Client, &secretsmanager.ListSecretVersionIdsInput{
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
func (c *Copy) value(ctx context.Context, srcARN *string, id string) (*secretsmanager.GetSecretValueOutput, error) {
	out, err := c.From.Client.GetSecretValue(ctx, &secretsmanager.GetSecretValueInput{SecretId: srcARN, VersionId: aws.String(id)})
	if err != nil {
		return nil, &sideError{"source", err}
	}
	return out, nil
}

// create creates the destination's secret with the source's description,
// tags and KmsKeyId (unless it is the default key, which the destination
// has its own of) and the oldest missing version, which CreateSecret labels
// AWSCURRENT; labels records that. It returns the new secret's ARN.
func (c *Copy) create(ctx context.Context, src *secretsmanager.DescribeSecretOutput, missing []srcVersion, labels labelState) (*string, error) {
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
	if c.DryRun {
		return src.Name, nil
	}
	if len(missing) > 0 {
		v, err := c.value(ctx, src.ARN, missing[0].id)
		if err != nil {
			return nil, err
		}
		in.SecretString, in.SecretBinary = v.SecretString, v.SecretBinary
	}
	out, err := c.To.Client.CreateSecret(ctx, in)
	if err != nil {
		return nil, &sideError{"destination", err}
	}
	return out.ARN, nil
}

// put writes version v of the source's secret to the destination's, with
// its labels (which PutSecretValue moves from other versions; AWSCURRENT
// moving also gives its old version AWSPREVIOUS); labels records that.
func (c *Copy) put(ctx context.Context, srcARN, dstID *string, v srcVersion, labels labelState) error {
	for _, l := range v.labels {
		labels.attach(l, v.id)
	}
	if c.DryRun {
		return nil
	}
	val, err := c.value(ctx, srcARN, v.id)
	if err != nil {
		return err
	}
	_, err = c.To.Client.PutSecretValue(ctx, &secretsmanager.PutSecretValueInput{
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
func metadataChanges(srcDesc *string, srcTags []types.Tag, dstDesc *string, dstTags []types.Tag) []string {
	var changes []string
	if aws.ToString(srcDesc) != aws.ToString(dstDesc) {
		changes = append(changes, "description set")
	}
	if tags := tagsToSet(srcTags, dstTags); len(tags) > 0 {
		keys := make([]string, len(tags))
		for i, t := range tags {
			keys[i] = aws.ToString(t.Key)
		}
		changes = append(changes, "tags set: "+strings.Join(keys, ", "))
	}
	return changes
}

// updateMetadata makes the changes metadataChanges describes.
func (c *Copy) updateMetadata(ctx context.Context, dstID *string, src, dst *secretsmanager.DescribeSecretOutput) error {
	if d := aws.ToString(src.Description); d != aws.ToString(dst.Description) {
		if _, err := c.To.Client.UpdateSecret(ctx, &secretsmanager.UpdateSecretInput{SecretId: dstID, Description: aws.String(d)}); err != nil {
			return &sideError{"destination", err}
		}
	}
	if tags := tagsToSet(src.Tags, dst.Tags); len(tags) > 0 {
		if _, err := c.To.Client.TagResource(ctx, &secretsmanager.TagResourceInput{SecretId: dstID, Tags: tags}); err != nil {
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
