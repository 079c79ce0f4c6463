package main

// How the harness runs "secretstore recover" and reads its report: the one
// place that knows the command line and the fields of the JSON report
// (secretstore.RecoverReport, as "recover --json" prints it).

import (
	"encoding/json"
	"fmt"
	"strings"
)

// recoverArgs returns the command line of recover from the damaged folder
// data into the new folder to. keyFile, when not empty, is given as the
// master key (the damage is to the key file in the folder: an operator
// gives the key kept elsewhere); otherwise recover finds DATA/master.key
// and copies it into the new folder.
func recoverArgs(data, to, keyFile string) []string {
	args := []string{"recover", "--data", data, "--to", to, "--json"}
	if keyFile != "" {
		args = append(args, "--master-key-file", keyFile)
	}
	return args
}

// recoverReport is the JSON report of "recover --json". Members with no
// value are left out of it, so a missing member is its zero value.
type recoverReport struct {
	Files                []recoveredFile
	Secrets, Versions    int
	SalvagedTransactions int
	LostTransactions     int
	// Lost names the secrets whose last changes were lost, each as "NAME
	// in REGION".
	Lost []string
	// Problems are what Verify found in the new folder.
	Problems []struct {
		Region, Name, VersionId, Detail string
	}
	// Unnamed lists losses that cannot be tied to a secret, such as a
	// missing table (a member the store may not have yet).
	Unnamed []string
}

// recoveredFile is one of the report's Files.
type recoveredFile struct {
	Name    string
	Entries int
	Damage  string
	// Leftover: the damaged file held nothing of the store's (a table a
	// kill left unfinished, a file of Badger's the store does not use, a
	// WATERMARK): its damage loses nothing.
	Leftover bool
}

// parseRecoverReport reads the report recover printed on its standard
// output.
func parseRecoverReport(stdout string) (*recoverReport, error) {
	var r recoverReport
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		return nil, fmt.Errorf("the output is not a JSON report: %v", err)
	}
	return &r, nil
}

// named returns the secrets the report names as lost or damaged.
func (r *recoverReport) named() map[string]bool {
	m := map[string]bool{}
	for _, l := range r.Lost {
		m[lostSecretName(l)] = true
	}
	for _, p := range r.Problems {
		if p.Name != "" {
			m[p.Name] = true
		}
	}
	return m
}

// unnamed returns the losses the report cannot tie to a secret (Unnamed).
// A Problem with no Name is not one of them: it names no loss.
func (r *recoverReport) unnamed() []string { return r.Unnamed }

// damagedFiles returns the files the report says are damaged and held
// something of the store's.
func (r *recoverReport) damagedFiles() []string {
	var names []string
	for _, f := range r.Files {
		if f.Damage != "" && !f.Leftover {
			names = append(names, f.Name)
		}
	}
	return names
}

// nothingLost reports whether the report says that nothing was lost.
func (r *recoverReport) nothingLost() bool {
	return len(r.Lost) == 0 && len(r.Problems) == 0 && len(r.Unnamed) == 0 && len(r.damagedFiles()) == 0 &&
		r.LostTransactions == 0
}

// lostSecretName returns the secret's name of an entry of Lost ("NAME in
// REGION").
func lostSecretName(entry string) string {
	if i := strings.LastIndex(entry, " in "); i >= 0 {
		return entry[:i]
	}
	return entry
}
