package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/secretstore-go/secretstore"
)

// The recipe: the writes that build a store state, the same for the main
// store and the "other" one (whose values differ), and the model of staging
// labels that turns a log of acknowledged writes into the acknowledged list.

// The staging labels of the recipe.
const (
	labelCurrent  = "AWSCURRENT"
	labelPrevious = "AWSPREVIOUS"
	labelPending  = "AWSPENDING"
	labelBlue     = "damage-blue"
	labelGreen    = "damage-green"
)

// Recipe sizes. With values of 16 to 56 KB (about 7 MB in all) and a
// memtable of 1 MiB (Options.MemoryBudget 8 MiB), the rounds flush a table
// every 25 or so versions: several tables, and a compaction that puts
// some on a lower level.
const (
	recipeSecrets = 24
	recipeRounds  = 8
	// morePuts is how many puts the killed state adds after the closed
	// state's writes: about 360 KB, well under a memtable, so that they
	// stay in the write-ahead log.
	morePuts      = 10
	minValueBytes = 12 << 10 // raw bytes; a string value is their base64
	maxValueBytes = 42 << 10 // (16 to 56 KB of text)
	// buildBudget is the MemoryBudget of the writing child: 1 MiB
	// memtables.
	buildBudget = 8 << 20
)

// Secrets with a role in the recipe, by index.
const (
	roleBinary   = 0 // SecretBinary values
	roleMeta     = 1 // a description and tags, changed later
	roleBlue     = 2 // puts that move a custom label only
	roleRollback = 3 // AWSCURRENT moved back to AWSPREVIOUS
	rolePending  = 4 // AWSPENDING put, then promoted as a rotation does
	roleDeleted  = 5 // scheduled for deletion at the end of the closed state
	roleDeleted2 = 6 // scheduled for deletion in the killed state's writes
)

// secretName returns the name of the recipe's i-th secret.
func secretName(i int) string { return fmt.Sprintf("damage/s%02d", i) }

// write is one write of the recipe, and one line of the log of
// acknowledged writes.
type write struct {
	Op          string            `json:"op"` // create, put, move, tag, describe, delete
	Secret      string            `json:"s"`
	Token       string            `json:"tok,omitempty"`    // create, put: ClientRequestToken, the version id
	Value       string            `json:"v,omitempty"`      // create, put: the value; base64 of the bytes when Binary
	Binary      bool              `json:"bin,omitempty"`    // create, put: SecretBinary
	Stages      []string          `json:"st,omitempty"`     // put: VersionStages; none means AWSCURRENT
	Label       string            `json:"l,omitempty"`      // move: VersionStage
	From        string            `json:"from,omitempty"`   // move: RemoveFromVersionId
	To          string            `json:"to,omitempty"`     // move: MoveToVersionId ("" removes the label)
	Description string            `json:"desc,omitempty"`   // create, describe
	Tags        map[string]string `json:"tags,omitempty"`   // create, tag
	Window      int64             `json:"window,omitempty"` // delete: RecoveryWindowInDays
}

// recipeGen generates the recipe's writes, tracking what the store holds
// with the label model so that every label move it asks for is valid.
type recipeGen struct {
	ops    *rand.Rand // the choice of writes: the same for both variants
	values *rand.Rand // the values: differ between variants
	model  *ackList
	seq    int
}

// recipe returns the writes of the closed state, and those the killed state
// adds to them. other selects the "other" store's values (its writes are
// the same).
func recipe(seed uint64, other bool) (closed, more []write) {
	variant := uint64(1)
	if other {
		variant = 2
	}
	var vseed [32]byte
	binary.LittleEndian.PutUint64(vseed[:], seed)
	binary.LittleEndian.PutUint64(vseed[8:], variant)
	g := &recipeGen{ops: rand.New(rand.NewPCG(seed, 0x6461_6d61_6765)), values: rand.New(rand.NewChaCha8(vseed)),
		model: newAckList("")}
	for i := range recipeSecrets {
		w := g.value(write{Op: "create", Secret: secretName(i), Binary: i == roleBinary})
		if i == roleMeta || i%3 == 0 {
			w.Description = fmt.Sprintf("damage test secret %d", i)
			w.Tags = map[string]string{"team": fmt.Sprintf("t%d", i%4), "env": "damage-test"}
		}
		closed = g.emit(closed, w)
	}
	for round := 1; round <= recipeRounds; round++ {
		for _, i := range g.ops.Perm(recipeSecrets) {
			closed = g.round(closed, i, round)
		}
	}
	closed = g.emit(closed, write{Op: "delete", Secret: secretName(roleDeleted), Window: 7})

	// The killed state: more puts, a rollback, a custom label moved, a tag,
	// and a second secret scheduled for deletion, all in the log only.
	for _, i := range g.ops.Perm(recipeSecrets)[:morePuts+1] {
		if i == roleDeleted || len(more) >= morePuts {
			continue
		}
		more = g.emit(more, g.value(write{Op: "put", Secret: secretName(i), Binary: i == roleBinary}))
	}
	more = g.rollback(more, roleRollback)
	if s := g.model.secret(secretName(roleBlue)); s != nil {
		if from, cur := s.holder(labelBlue), s.holder(labelCurrent); from != "" && cur != from {
			more = g.emit(more, write{Op: "move", Secret: s.Name, Label: labelBlue, From: from, To: cur})
		}
	}
	more = g.emit(more, write{Op: "tag", Secret: secretName(roleMeta), Tags: map[string]string{"rotated": "no"}})
	more = g.emit(more, write{Op: "delete", Secret: secretName(roleDeleted2), Window: 10})
	return closed, more
}

// round adds secret i's writes of one round.
func (g *recipeGen) round(ws []write, i, round int) []write {
	name := secretName(i)
	put := func(stages ...string) write {
		return g.value(write{Op: "put", Secret: name, Binary: i == roleBinary, Stages: stages})
	}
	switch i {
	case roleBinary, roleDeleted, roleDeleted2:
		ws = g.emit(ws, put())
	case roleMeta:
		ws = g.emit(ws, put())
		switch round {
		case 2:
			ws = g.emit(ws, write{Op: "describe", Secret: name, Description: "damage test secret 1, described again"})
		case 3:
			ws = g.emit(ws, write{Op: "tag", Secret: name, Tags: map[string]string{"team": "t9", "owner": "damage"}})
		}
	case roleBlue:
		if round%2 == 1 {
			ws = g.emit(ws, put(labelBlue))
		} else {
			ws = g.emit(ws, put())
		}
	case roleRollback:
		ws = g.emit(ws, put())
		if round%2 == 0 {
			ws = g.rollback(ws, i)
		}
	case rolePending:
		if round%2 == 1 {
			ws = g.emit(ws, put(labelPending))
			break
		}
		s := g.model.secret(name)
		pending, cur := s.holder(labelPending), s.holder(labelCurrent)
		ws = g.emit(ws, write{Op: "move", Secret: name, Label: labelCurrent, From: cur, To: pending})
		ws = g.emit(ws, write{Op: "move", Secret: name, Label: labelPending, From: pending})
	default:
		switch n := g.ops.IntN(10); {
		case n < 7:
			ws = g.emit(ws, put())
		case n == 7:
			ws = g.emit(ws, put(labelBlue))
		case n == 8:
			ws = g.emit(ws, put(labelCurrent, labelGreen))
		default:
			if s := g.model.secret(name); s.holder(labelPrevious) == "" {
				ws = g.emit(ws, put())
			} else {
				ws = g.rollback(ws, i)
			}
		}
	}
	return ws
}

// rollback moves AWSCURRENT of secret i back to the version holding
// AWSPREVIOUS, if one does.
func (g *recipeGen) rollback(ws []write, i int) []write {
	s := g.model.secret(secretName(i))
	prev, cur := s.holder(labelPrevious), s.holder(labelCurrent)
	if prev == "" {
		return ws
	}
	return g.emit(ws, write{Op: "move", Secret: s.Name, Label: labelCurrent, From: cur, To: prev})
}

// value gives w a new version: its token and a random value.
func (g *recipeGen) value(w write) write {
	g.seq++
	w.Token = fmt.Sprintf("damage-%s-v%03d-%016x", strings.TrimPrefix(w.Secret, "damage/"), g.seq, g.ops.Uint64())
	b := make([]byte, minValueBytes+g.values.IntN(maxValueBytes-minValueBytes))
	for i := range b {
		b[i] = byte(g.values.Uint32())
	}
	w.Value = base64.StdEncoding.EncodeToString(b) // the string value, or the binary one's encoding
	return w
}

// emit appends w to ws and applies it to the model; the generator only
// asks for valid writes, so a model error is a bug of the recipe.
func (g *recipeGen) emit(ws []write, w write) []write {
	if err := g.model.apply(w); err != nil {
		panic("damage: the recipe asks for an invalid write: " + err.Error())
	}
	return append(ws, w)
}

// valueBytes returns the bytes the store holds for w's value: the text of a
// string value, the decoded bytes of a binary one.
func (w write) valueBytes() []byte {
	if !w.Binary {
		return []byte(w.Value)
	}
	b, err := base64.StdEncoding.DecodeString(w.Value)
	if err != nil {
		panic("damage: a binary value that is not base64: " + err.Error())
	}
	return b
}

// execute sends w to the store.
func execute(ctx context.Context, s *secretstore.Store, w write) error {
	var err error
	switch w.Op {
	case "create":
		in := &secretstore.CreateSecretInput{Name: w.Secret, ClientRequestToken: w.Token, Description: w.Description, Tags: tagList(w.Tags)}
		if w.Binary {
			in.SecretBinary = w.valueBytes()
		} else {
			in.SecretString = w.Value
		}
		_, err = s.CreateSecret(ctx, in)
	case "put":
		in := &secretstore.PutSecretValueInput{SecretId: w.Secret, ClientRequestToken: w.Token, VersionStages: w.Stages}
		if w.Binary {
			in.SecretBinary = w.valueBytes()
		} else {
			in.SecretString = w.Value
		}
		_, err = s.PutSecretValue(ctx, in)
	case "move":
		_, err = s.UpdateSecretVersionStage(ctx, &secretstore.UpdateSecretVersionStageInput{
			SecretId: w.Secret, VersionStage: w.Label, RemoveFromVersionId: w.From, MoveToVersionId: w.To})
	case "tag":
		_, err = s.TagResource(ctx, &secretstore.TagResourceInput{SecretId: w.Secret, Tags: tagList(w.Tags)})
	case "describe":
		_, err = s.UpdateSecret(ctx, &secretstore.UpdateSecretInput{SecretId: w.Secret, Description: &w.Description})
	case "delete":
		_, err = s.DeleteSecret(ctx, &secretstore.DeleteSecretInput{SecretId: w.Secret, RecoveryWindowInDays: &w.Window})
	default:
		err = fmt.Errorf("unknown write %q", w.Op)
	}
	if err != nil {
		return fmt.Errorf("%s %s: %w", w.Op, w.Secret, err)
	}
	return nil
}

func tagList(m map[string]string) []secretstore.Tag {
	var tags []secretstore.Tag
	for _, k := range slices.Sorted(maps.Keys(m)) {
		tags = append(tags, secretstore.Tag{Key: k, Value: m[k]})
	}
	return tags
}

// ---- the acknowledged list ------------------------------------------------

// ackList is what the store must hold after the acknowledged writes of a
// state: written as acknowledged.json beside the state's data folder.
type ackList struct {
	State   string
	Secrets []*ackSecret // by name
}

// ackSecret is one secret as acknowledged.
type ackSecret struct {
	Name        string
	Binary      bool              `json:",omitempty"`
	Description string            `json:",omitempty"`
	Tags        map[string]string `json:",omitempty"`
	// Deleted is set when the secret is scheduled for deletion.
	Deleted bool `json:",omitempty"`
	// Current is the id of the version labelled AWSCURRENT, and
	// CurrentValue its value (base64 for a binary secret).
	Current      string
	CurrentValue string
	// Versions are every acknowledged version, oldest first, with the
	// labels each must carry at the end (none: deprecated).
	Versions []*ackVersion
}

// ackVersion is one acknowledged version.
type ackVersion struct {
	ID     string
	Value  string   // base64 for a binary secret
	SHA256 string   // of the value's bytes, hex
	Labels []string `json:",omitempty"` // sorted
}

func newAckList(state string) *ackList { return &ackList{State: state} }

// secret returns the secret called name, or nil.
func (l *ackList) secret(name string) *ackSecret {
	i, ok := slices.BinarySearchFunc(l.Secrets, name, func(s *ackSecret, n string) int { return strings.Compare(s.Name, n) })
	if !ok {
		return nil
	}
	return l.Secrets[i]
}

// version returns the version id of s, or nil.
func (s *ackSecret) version(id string) *ackVersion {
	for _, v := range s.Versions {
		if v.ID == id {
			return v
		}
	}
	return nil
}

// holder returns the id of the version of s carrying label, or "".
func (s *ackSecret) holder(label string) string {
	for _, v := range s.Versions {
		if slices.Contains(v.Labels, label) {
			return v.ID
		}
	}
	return ""
}

// attach puts label on version to, taking it from its holder; when
// AWSCURRENT moves, the version it leaves gets AWSPREVIOUS. These are
// Secrets Manager's rules, written here independently of the store's.
func (s *ackSecret) attach(label string, to *ackVersion) {
	from := s.version(s.holder(label))
	if from == to {
		return
	}
	if from != nil {
		from.Labels = slices.DeleteFunc(from.Labels, func(l string) bool { return l == label })
	}
	to.Labels = append(to.Labels, label)
	slices.Sort(to.Labels)
	if label == labelCurrent && from != nil {
		s.attach(labelPrevious, from)
	}
}

// apply applies the acknowledged write w to l. An error means w could not
// have been acknowledged by a store following the rules.
func (l *ackList) apply(w write) error {
	s := l.secret(w.Secret)
	if w.Op == "create" {
		if s != nil {
			return fmt.Errorf("create %s: it exists", w.Secret)
		}
		s = &ackSecret{Name: w.Secret, Binary: w.Binary, Description: w.Description, Tags: cloneTags(w.Tags)}
		i, _ := slices.BinarySearchFunc(l.Secrets, w.Secret, func(s *ackSecret, n string) int { return strings.Compare(s.Name, n) })
		l.Secrets = slices.Insert(l.Secrets, i, s)
		v := &ackVersion{ID: w.Token, Value: w.Value, SHA256: sha256Hex(w.valueBytes())}
		s.Versions = append(s.Versions, v)
		s.attach(labelCurrent, v)
		s.setCurrent()
		return nil
	}
	if s == nil {
		return fmt.Errorf("%s %s: no such secret", w.Op, w.Secret)
	}
	if s.Deleted {
		return fmt.Errorf("%s %s: it is scheduled for deletion", w.Op, w.Secret)
	}
	switch w.Op {
	case "put":
		if w.Binary != s.Binary {
			return fmt.Errorf("put %s: a value of the other kind", w.Secret)
		}
		if s.version(w.Token) != nil {
			return fmt.Errorf("put %s: version %s exists", w.Secret, w.Token)
		}
		v := &ackVersion{ID: w.Token, Value: w.Value, SHA256: sha256Hex(w.valueBytes())}
		s.Versions = append(s.Versions, v)
		stages := w.Stages
		if len(stages) == 0 {
			stages = []string{labelCurrent}
		}
		for _, label := range stages {
			s.attach(label, v)
		}
	case "move":
		if s.holder(w.Label) != w.From {
			return fmt.Errorf("move %s of %s: it is on %q, not on %q", w.Label, w.Secret, s.holder(w.Label), w.From)
		}
		if w.To == "" {
			if w.Label == labelCurrent {
				return fmt.Errorf("move %s of %s: AWSCURRENT cannot be removed", w.Label, w.Secret)
			}
			from := s.version(w.From)
			from.Labels = slices.DeleteFunc(from.Labels, func(l string) bool { return l == w.Label })
			break
		}
		to := s.version(w.To)
		if to == nil {
			return fmt.Errorf("move %s of %s: no version %s", w.Label, w.Secret, w.To)
		}
		s.attach(w.Label, to)
	case "tag":
		if s.Tags == nil {
			s.Tags = map[string]string{}
		}
		for k, v := range w.Tags {
			s.Tags[k] = v
		}
	case "describe":
		s.Description = w.Description
	case "delete":
		s.Deleted = true
	default:
		return fmt.Errorf("unknown write %q", w.Op)
	}
	for _, v := range s.Versions {
		if len(v.Labels) == 0 {
			v.Labels = nil
		}
	}
	s.setCurrent()
	return nil
}

// setCurrent sets Current and CurrentValue from the labels.
func (s *ackSecret) setCurrent() {
	s.Current = s.holder(labelCurrent)
	s.CurrentValue = s.version(s.Current).Value
}

func cloneTags(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func sha256Hex(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// ---- the log of acknowledged writes ----------------------------------------

// ackLog is the log of acknowledged writes: one JSON line per write,
// appended and fsynced once the store acknowledged it, before the writer
// goes on. It lives outside the data folder.
type ackLog struct{ f *os.File }

func openAckLog(path string) (*ackLog, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	return &ackLog{f: f}, nil
}

// acknowledged appends w and fsyncs the log.
func (l *ackLog) acknowledged(w write) error {
	b, err := json.Marshal(w)
	if err != nil {
		return err
	}
	if _, err := l.f.Write(append(b, '\n')); err != nil {
		return fmt.Errorf("appending to the log of acknowledged writes: %w", err)
	}
	if err := l.f.Sync(); err != nil {
		return fmt.Errorf("fsyncing the log of acknowledged writes: %w", err)
	}
	return nil
}

func (l *ackLog) close() error { return l.f.Close() }

// readAckLog returns the writes of the log at path. A last line cut short
// (a kill while it was appended) is not an acknowledged write.
func readAckLog(path string) ([]write, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var ws []write
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 && line[len(line)-1] == '\n' {
			var w write
			if err := json.Unmarshal(line, &w); err != nil {
				return nil, fmt.Errorf("%s: line %d: %w", path, len(ws)+1, err)
			}
			ws = append(ws, w)
		}
		switch {
		case errors.Is(err, io.EOF):
			return ws, nil // after a whole or a partial last line
		case err != nil:
			return nil, err
		}
	}
}

// ackListOf builds the acknowledged list of state from its log of writes.
func ackListOf(state string, ws []write) (*ackList, error) {
	l := newAckList(state)
	for i, w := range ws {
		if err := l.apply(w); err != nil {
			return nil, fmt.Errorf("acknowledged write %d: %w", i+1, err)
		}
	}
	sort.Slice(l.Secrets, func(i, j int) bool { return l.Secrets[i].Name < l.Secrets[j].Name })
	return l, nil
}
