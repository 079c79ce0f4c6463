package mirror

import (
	"slices"
	"strings"

	"github.com/secretstore-go/secretstore"
)

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
