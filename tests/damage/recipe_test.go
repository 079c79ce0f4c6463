package main

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestAckListApply(t *testing.T) {
	t.Parallel()
	create := write{Op: "create", Secret: "s", Token: "v1", Value: "1"}
	put := func(token string, stages ...string) write {
		return write{Op: "put", Secret: "s", Token: token, Value: token, Stages: stages}
	}
	move := func(label, from, to string) write {
		return write{Op: "move", Secret: "s", Label: label, From: from, To: to}
	}
	for _, c := range []struct {
		name    string
		writes  []write
		labels  map[string][]string // version -> labels at the end
		current string
		wantErr string
	}{
		{"create", []write{create}, map[string][]string{"v1": {"AWSCURRENT"}}, "v1", ""},
		{"a put moves AWSCURRENT and AWSPREVIOUS", []write{create, put("v2"), put("v3")},
			map[string][]string{"v1": nil, "v2": {"AWSPREVIOUS"}, "v3": {"AWSCURRENT"}}, "v3", ""},
		{"a put with a custom label only", []write{create, put("v2", "blue")},
			map[string][]string{"v1": {"AWSCURRENT"}, "v2": {"blue"}}, "v1", ""},
		{"a custom label moves with the next put", []write{create, put("v2", "blue"), put("v3", "blue")},
			map[string][]string{"v1": {"AWSCURRENT"}, "v2": nil, "v3": {"blue"}}, "v1", ""},
		{"AWSCURRENT and a custom label", []write{create, put("v2", "AWSCURRENT", "green")},
			map[string][]string{"v1": {"AWSPREVIOUS"}, "v2": {"AWSCURRENT", "green"}}, "v2", ""},
		{"rollback", []write{create, put("v2"), move("AWSCURRENT", "v2", "v1")},
			map[string][]string{"v1": {"AWSCURRENT"}, "v2": {"AWSPREVIOUS"}}, "v1", ""},
		{"AWSPENDING promoted, then removed", []write{create, put("v2", "AWSPENDING"), move("AWSCURRENT", "v1", "v2"), move("AWSPENDING", "v2", "")},
			map[string][]string{"v1": {"AWSPREVIOUS"}, "v2": {"AWSCURRENT"}}, "v2", ""},
		{"a label moved from a version that lacks it", []write{create, put("v2"), move("AWSCURRENT", "v1", "v2")}, nil, "", "it is on"},
		{"AWSCURRENT removed", []write{create, move("AWSCURRENT", "v1", "")}, nil, "", "cannot be removed"},
		{"a version written twice", []write{create, put("v1")}, nil, "", "exists"},
		{"a write to a secret never created", []write{put("v1")}, nil, "", "no such secret"},
		{"a write after the deletion", []write{create, {Op: "delete", Secret: "s"}, put("v2")}, nil, "", "scheduled for deletion"},
	} {
		t.Run(c.name, func(t *testing.T) {
			l, err := ackListOf("test", c.writes)
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s := l.secret("s")
			got := map[string][]string{}
			for _, v := range s.Versions {
				got[v.ID] = v.Labels
			}
			if !maps.EqualFunc(got, c.labels, slices.Equal) {
				t.Errorf("labels %v, want %v", got, c.labels)
			}
			if s.Current != c.current || s.CurrentValue != s.version(c.current).Value {
				t.Errorf("current %s (value of %q), want %s", s.Current, s.CurrentValue, c.current)
			}
		})
	}
}

func TestAckListMetadata(t *testing.T) {
	t.Parallel()
	l, err := ackListOf("test", []write{
		{Op: "create", Secret: "s", Token: "v1", Value: "1", Description: "d", Tags: map[string]string{"a": "1"}},
		{Op: "tag", Secret: "s", Tags: map[string]string{"a": "2", "b": "3"}},
		{Op: "describe", Secret: "s", Description: "e"},
		{Op: "delete", Secret: "s", Window: 7},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := l.secret("s")
	if s.Description != "e" || !maps.Equal(s.Tags, map[string]string{"a": "2", "b": "3"}) || !s.Deleted {
		t.Errorf("secret %+v", s)
	}
}

func TestRecipe(t *testing.T) {
	t.Parallel()
	closed, more := recipe(7, false)
	closed2, more2 := recipe(7, false)
	otherClosed, otherMore := recipe(7, true)
	if !slices.EqualFunc(closed, closed2, writeEqual) || !slices.EqualFunc(more, more2, writeEqual) {
		t.Fatal("the same seed gives another recipe")
	}
	// The other store: the same writes and versions, other values.
	for i, w := range append(slices.Clone(closed), more...) {
		o := append(slices.Clone(otherClosed), otherMore...)[i]
		v, ov := w.Value, o.Value
		w.Value, o.Value = "", ""
		if !writeEqual(w, o) {
			t.Fatalf("write %d differs in the other store: %+v, %+v", i, w, o)
		}
		if v != "" && v == ov {
			t.Fatalf("write %d has the same value in the other store", i)
		}
	}
	l, err := ackListOf("closed", closed)
	if err != nil {
		t.Fatal(err)
	}
	k, err := ackListOf("killed", append(slices.Clone(closed), more...))
	if err != nil {
		t.Fatal(err)
	}
	// What the cases rely on.
	if len(l.Secrets) != recipeSecrets {
		t.Errorf("%d secrets", len(l.Secrets))
	}
	has := func(l *ackList, f func(s *ackSecret, v *ackVersion) bool) bool {
		for _, s := range l.Secrets {
			for _, v := range s.Versions {
				if f(s, v) {
					return true
				}
			}
		}
		return false
	}
	for what, ok := range map[string]bool{
		"a binary secret":         l.secret(secretName(roleBinary)).Binary,
		"a custom label":          has(l, func(_ *ackSecret, v *ackVersion) bool { return slices.Contains(v.Labels, labelBlue) }),
		"AWSPREVIOUS":             has(l, func(_ *ackSecret, v *ackVersion) bool { return slices.Contains(v.Labels, labelPrevious) }),
		"a deprecated version":    has(l, func(_ *ackSecret, v *ackVersion) bool { return len(v.Labels) == 0 }),
		"a rolled-back secret":    l.secret(secretName(roleRollback)).Current != l.secret(secretName(roleRollback)).Versions[len(l.secret(secretName(roleRollback)).Versions)-1].ID,
		"a description and tags":  l.secret(secretName(roleMeta)).Description != "" && len(l.secret(secretName(roleMeta)).Tags) > 0,
		"a deletion":              l.secret(secretName(roleDeleted)).Deleted,
		"a deletion in the log":   k.secret(secretName(roleDeleted2)).Deleted && !l.secret(secretName(roleDeleted2)).Deleted,
		"more puts in the log":    versionCount(k) == versionCount(l)+morePuts,
		"values of 16 to 56 KB":   !has(l, func(_ *ackSecret, v *ackVersion) bool { return len(v.Value) < 16<<10 || len(v.Value) > 56<<10 }),
		"under 100 versions each": !slices.ContainsFunc(k.Secrets, func(s *ackSecret) bool { return len(s.Versions) >= 100 }),
	} {
		if !ok {
			t.Errorf("the recipe lacks %s", what)
		}
	}
}

func writeEqual(a, b write) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func TestReadAckLog(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "acknowledged.log")
	log, err := openAckLog(path)
	if err != nil {
		t.Fatal(err)
	}
	ws := []write{{Op: "create", Secret: "s", Token: "v1", Value: "1"}, {Op: "put", Secret: "s", Token: "v2", Value: "2"}}
	for _, w := range ws {
		if err := log.acknowledged(w); err != nil {
			t.Fatal(err)
		}
	}
	log.close()
	got, err := readAckLog(path)
	if err != nil || !slices.EqualFunc(got, ws, writeEqual) {
		t.Fatalf("readAckLog = %+v, %v", got, err)
	}
	// A line cut short by a kill is not an acknowledged write.
	f, _ := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(`{"op":"put","s":"s","tok":"v3"`)
	f.Close()
	if got, err := readAckLog(path); err != nil || len(got) != 2 {
		t.Fatalf("with a partial last line: %d writes, %v", len(got), err)
	}
	// A damaged whole line is an error.
	os.WriteFile(path, []byte("{not json}\n"), 0o600)
	if _, err := readAckLog(path); err == nil {
		t.Fatal("a damaged line is read without an error")
	}
}
