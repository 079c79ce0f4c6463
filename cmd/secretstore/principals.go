package main

// serve --principals FILE: the callers the server knows, each an access key
// pair bound to an IAM identity (its ARN, tags and identity-based
// policies), and --authz-mode, which says whether their policies are
// enforced or only logged. The file holds secret access keys, so it must be
// readable by its owner alone; it is read whole, strictly (no unknown or
// repeated member, every policy parsed as IAM would), before the server
// starts, and a mistake in it stops the start with a message naming the
// principal and the place.

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strings"

	"github.com/secretstore-go/secretstore"
	"github.com/secretstore-go/secretstore/awsapi"
	"github.com/secretstore-go/secretstore/internal/awsmodel"
	"github.com/secretstore-go/secretstore/policy"
)

// The modes of --authz-mode.
const (
	authzEnforce = "enforce" // a denied request is refused with AccessDeniedException
	authzLog     = "log"     // a denied request is logged with its deciding statement, and allowed
)

// maxPrincipalsFile bounds the size of a principals file: room for
// thousands of principals with IAM's largest policies.
const maxPrincipalsFile = 16 << 20

// principalMembers are the members of a principal in the file, in the order
// messages list them.
var principalMembers = []string{"AccessKeyId", "SecretAccessKey", "Arn", "Tags", "Policies"}

// accessKeyIDRE is the form of an access key id (IAM's AccessKeyIdType:
// 16 to 128 word characters; shorter ones are accepted for local use).
var accessKeyIDRE = regexp.MustCompile(`^\w{1,128}$`)

// principalArnRE is the form of a principal's ARN: an IAM user, role or the
// account root, or an STS assumed-role session. Group 1 is the account.
var principalArnRE = regexp.MustCompile(`^arn:aws[a-z-]*:(?:iam::(\d{12}):(?:root|user/.+|role/.+)|sts::(\d{12}):assumed-role/[^/]+/.+)$`)

// principalsFile is a principals file, read and checked.
type principalsFile struct {
	path    string
	entries []*principalEntry
}

// principalEntry is one principal of the file.
type principalEntry struct {
	index     int // its place in the file's Principals list
	creds     awsapi.Credentials
	documents []json.RawMessage // its Policies as written, for policy simulate
}

// String names the entry in messages: its place, ARN and access key id
// (never the secret key).
func (e *principalEntry) String() string {
	s := fmt.Sprintf("Principals[%d]", e.index)
	if e.creds.Principal != nil && e.creds.Principal.Arn != "" {
		s += " (" + e.creds.Principal.Arn
		if e.creds.AccessKeyID != "" {
			s += ", access key " + e.creds.AccessKeyID
		}
		s += ")"
	}
	return s
}

// lookup returns the principal whose access key id is id, or nil.
func (pf *principalsFile) lookup(id string) *principalEntry {
	for _, e := range pf.entries {
		if e.creds.AccessKeyID == id {
			return e
		}
	}
	return nil
}

// credentials returns the file's keys for awsapi.Options.Credentials, each
// bound to its principal; with auditOnly, principals that only log their
// would-be denials.
func (pf *principalsFile) credentials(auditOnly bool) []awsapi.Credentials {
	creds := make([]awsapi.Credentials, len(pf.entries))
	for i, e := range pf.entries {
		creds[i] = e.creds
		p := *e.creds.Principal
		p.AuditOnly = auditOnly
		creds[i].Principal = &p
	}
	return creds
}

// loadPrincipals reads the principals file at path, for a server whose
// account is account. It refuses a file that group or others may read or
// write, one that is not JSON of the documented shape (an unknown or
// repeated member included), a principal with no access key pair or no
// Arn, an Arn of another account, an access key id given twice, and a
// policy IAM would refuse, naming the principal and the place.
func loadPrincipals(path, account string) (*principalsFile, error) {
	data, err := readPrincipalsFile(path)
	if err != nil {
		return nil, err
	}
	pf := &principalsFile{path: path}
	if err := pf.parse(data, account); err != nil {
		return nil, fmt.Errorf("principals file %s: %w", path, err)
	}
	return pf, nil
}

// readPrincipalsFile reads the file at path, refusing one that group or
// others may read or write (a check skipped on Windows, which has no such
// modes) or that is larger than maxPrincipalsFile.
func readPrincipalsFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading the principals file: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("reading the principals file: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("the principals file %s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 && runtime.GOOS != "windows" {
		return nil, fmt.Errorf("the principals file %s has mode %04o: it holds secret access keys, so group and others must have no access to it; run: chmod 600 %s", path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxPrincipalsFile+1))
	if err != nil {
		return nil, fmt.Errorf("reading the principals file: %w", err)
	}
	if len(data) > maxPrincipalsFile {
		return nil, fmt.Errorf("the principals file %s is larger than %d MiB", path, maxPrincipalsFile>>20)
	}
	return data, nil
}

// parse reads the file's JSON into pf.
func (pf *principalsFile) parse(data []byte, account string) error {
	if err := jsonSyntax(data); err != nil {
		return err
	}
	top, err := members(data, "the document")
	if err != nil {
		return err
	}
	var list json.RawMessage
	for _, m := range top {
		if m.key != "Principals" {
			return fmt.Errorf("unknown member %q at the top level: the file is {\"Principals\": [...]}", m.key)
		}
		list = m.value
	}
	if list == nil {
		return errors.New(`no "Principals" member: the file is {"Principals": [...]}`)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(list, &raw); err != nil {
		return errors.New(`the "Principals" member must be a list of principals`)
	}
	if len(raw) == 0 {
		return errors.New(`the "Principals" member lists no principal`)
	}
	byKey := map[string]*principalEntry{}
	for i, r := range raw {
		e, err := parsePrincipal(i, r, account)
		if err != nil {
			return err
		}
		if prev := byKey[e.creds.AccessKeyID]; prev != nil {
			return fmt.Errorf("%s: access key %s is also the key of Principals[%d]; each access key id must be unique", e, e.creds.AccessKeyID, prev.index)
		}
		byKey[e.creds.AccessKeyID] = e
		pf.entries = append(pf.entries, e)
	}
	return nil
}

// parsePrincipal reads the i-th principal of the file.
func parsePrincipal(i int, raw json.RawMessage, account string) (*principalEntry, error) {
	e := &principalEntry{index: i, creds: awsapi.Credentials{Principal: &secretstore.Principal{}}}
	p := e.creds.Principal
	ms, err := members(raw, fmt.Sprintf("Principals[%d]", i))
	if err != nil {
		return nil, err
	}
	var tags, policies json.RawMessage
	for _, m := range ms {
		switch m.key {
		case "AccessKeyId":
			err = stringMember(m, &e.creds.AccessKeyID)
		case "SecretAccessKey":
			err = stringMember(m, &e.creds.SecretAccessKey)
		case "Arn":
			err = stringMember(m, &p.Arn)
		case "Tags":
			tags = m.value
		case "Policies":
			policies = m.value
		default:
			err = fmt.Errorf("unknown member %q (a principal has %s)", m.key, strings.Join(principalMembers, ", "))
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", e, err)
		}
	}
	switch {
	case p.Arn == "":
		return nil, fmt.Errorf("%s: no Arn: give the principal's ARN, such as arn:aws:iam::%s:user/app", e, account)
	case e.creds.AccessKeyID == "":
		return nil, fmt.Errorf("%s: no AccessKeyId", e)
	case e.creds.SecretAccessKey == "":
		return nil, fmt.Errorf("%s: no SecretAccessKey", e)
	case !accessKeyIDRE.MatchString(e.creds.AccessKeyID):
		return nil, fmt.Errorf("%s: AccessKeyId must be 1 to 128 letters, digits or underscores", e)
	}
	m := principalArnRE.FindStringSubmatch(p.Arn)
	if m == nil {
		return nil, fmt.Errorf("%s: Arn must be an IAM user, role or root ARN (arn:aws:iam::%s:user/NAME) or an assumed-role session (arn:aws:sts::%s:assumed-role/ROLE/SESSION)", e, account, account)
	}
	if acct := m[1] + m[2]; acct != account {
		return nil, fmt.Errorf("%s: the principal is in account %s, but the server's is %s (--account): access across accounts is not modelled", e, acct, account)
	}
	if tags != nil {
		if p.Tags, err = parseTags(tags, e.String()+": Tags"); err != nil {
			return nil, err
		}
	}
	if policies != nil {
		var docs []json.RawMessage
		if err := json.Unmarshal(policies, &docs); err != nil {
			return nil, fmt.Errorf("%s: Policies must be a list of policy documents", e)
		}
		for j, doc := range docs {
			if len(doc) == 0 || doc[0] != '{' {
				return nil, fmt.Errorf("%s: Policies[%d] must be a policy document, as a JSON object", e, j)
			}
			pol, err := policy.ParseIdentity(doc)
			if err != nil {
				return nil, fmt.Errorf("%s: Policies[%d]: %s: %w", e, j, awsmodel.MalformedPolicyDocument, err)
			}
			p.Policies = append(p.Policies, pol)
			e.documents = append(e.documents, doc)
		}
	}
	return e, nil
}

// parseTags reads a principal's Tags: an object of string values, with no
// key given twice, even in another case (IAM's tag keys are
// case-insensitive).
func parseTags(raw json.RawMessage, path string) (map[string]string, error) {
	ms, err := members(raw, path)
	if err != nil {
		return nil, err
	}
	tags := make(map[string]string, len(ms))
	seen := map[string]string{}
	for _, m := range ms {
		var v string
		if err := stringMember(m, &v); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if prev, ok := seen[strings.ToLower(m.key)]; ok {
			return nil, fmt.Errorf("%s: the tag keys %q and %q differ only in case; IAM tag keys are case-insensitive", path, prev, m.key)
		}
		seen[strings.ToLower(m.key)] = m.key
		tags[m.key] = v
	}
	return tags, nil
}

// jsonMember is one member of a JSON object, its value as written.
type jsonMember struct {
	key   string
	value json.RawMessage
}

// members returns the members of the JSON object raw (what names it in
// messages), in order, refusing a key that appears twice. raw is known to
// be valid JSON.
func members(raw json.RawMessage, what string) ([]jsonMember, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, fmt.Errorf("%s must be a JSON object", what)
	}
	var ms []jsonMember
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		key := tok.(string) // valid JSON: an object key is a string
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, fmt.Errorf("%s: %w", what, err)
		}
		if seen[key] {
			return nil, fmt.Errorf("%s: the member %q appears twice; write each once", what, key)
		}
		seen[key] = true
		ms = append(ms, jsonMember{key, v})
	}
	return ms, nil
}

// stringMember decodes m's value, a JSON string, into s; the error names
// the member but never repeats its value (it may be a secret key).
func stringMember(m jsonMember, s *string) error {
	if err := json.Unmarshal(m.value, s); err != nil {
		return fmt.Errorf("%s must be a string", m.key)
	}
	return nil
}

// jsonSyntax returns nil when data is one JSON value, else an error saying
// where (line and column) it stops being JSON.
func jsonSyntax(data []byte) error {
	if json.Valid(data) {
		return nil
	}
	var v any
	err := json.Unmarshal(data, &v)
	var se *json.SyntaxError
	if errors.As(err, &se) {
		line, col := lineCol(data, se.Offset)
		return fmt.Errorf("not valid JSON at line %d, column %d: %s", line, col, se.Error())
	}
	return errors.New("not valid JSON")
}

// lineCol returns the line and column (from 1) of byte offset off of data.
func lineCol(data []byte, off int64) (line, col int) {
	off = min(max(off, 1), int64(len(data)))
	before := data[:off-1]
	line = bytes.Count(before, []byte("\n")) + 1
	col = len(before) - bytes.LastIndexByte(before, '\n')
	return line, col
}

// accessControl holds serve's --principals and --authz-mode.
type accessControl struct {
	principals string
	mode       string
}

func (a *accessControl) register(fs *flag.FlagSet) {
	fs.StringVar(&a.principals, "principals", "", "accept only the access keys of the principals in JSON `FILE` (mode 0600), each held to its IAM policies; see README, Access control")
	fs.StringVar(&a.mode, "authz-mode", "", "with --principals: `enforce` denied requests (the default), or only log them (log)")
}

// credentials returns the keys of the --principals file, bound to their
// principals, for serve to accept beside pair (the --access-key-id pair,
// unrestricted); none without --principals. It logs how access is
// controlled.
func (a *accessControl) credentials(pair []awsapi.Credentials, account string, log *slog.Logger) ([]awsapi.Credentials, error) {
	switch {
	case a.principals == "" && a.mode != "":
		return nil, usageErrorf("--authz-mode needs --principals")
	case a.principals == "":
		return nil, nil
	case a.mode != "" && a.mode != authzEnforce && a.mode != authzLog:
		return nil, usageErrorf("--authz-mode must be %s or %s, not %q", authzEnforce, authzLog, a.mode)
	}
	mode := a.mode
	if mode == "" {
		mode = authzEnforce
	}
	pf, err := loadPrincipals(a.principals, account)
	if err != nil {
		return nil, err
	}
	for _, c := range pair {
		if e := pf.lookup(c.AccessKeyID); e != nil {
			return nil, fmt.Errorf("principals file %s: %s: access key %s is also the unrestricted --access-key-id; give each key once", a.principals, e, c.AccessKeyID)
		}
	}
	creds := pf.credentials(mode == authzLog)
	arns := make([]string, len(pf.entries))
	for i, e := range pf.entries {
		arns[i] = e.creds.Principal.Arn
	}
	sort.Strings(arns)
	log.Info("access control", "principals_file", absPath(a.principals), "principals", len(pf.entries),
		"authz_mode", mode, "unrestricted_key", len(pair) > 0, "arns", strings.Join(arns, ","))
	if mode == authzLog {
		log.Warn("--authz-mode log: requests the policies deny are allowed, and logged as \"would deny\"")
	}
	return creds, nil
}

// onEvent returns the store's event hook with --principals: it logs each
// request a principal was refused, with the statement that decided it. (In
// log mode the store itself logs each would-be denial.) Nil without
// --principals.
func (a *accessControl) onEvent(log *slog.Logger) func(secretstore.Event) {
	if a.principals == "" {
		return nil
	}
	return func(ev secretstore.Event) {
		if ev.Principal == "" || ev.ErrorCode != awsmodel.AccessDenied {
			return
		}
		attrs := []any{"principal", ev.Principal, "operation", ev.Operation, "region", ev.Region}
		if ev.SecretId != "" {
			attrs = append(attrs, "secret_id", ev.SecretId)
		}
		if ev.Denial != "" {
			attrs = append(attrs, "reason", ev.Denial)
		}
		log.Warn("access denied", attrs...)
	}
}
