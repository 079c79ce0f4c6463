package main

// How the harness tells a refusal of a damaged folder: the one place that
// knows the store's refusal messages and exit statuses.

import (
	"fmt"
	"path"
	"regexp"
	"strings"
)

// Words a refusal must carry.
const (
	// recoverHint is the command a refusal of damage must name.
	recoverHint = "secretstore recover"
	// keyFileName is the master key file the CLI writes into a new data
	// folder (and reads from it when no key is given).
	keyFileName = "master.key"
	// refusalExit is the CLI's exit status for an error (2 is a wrong
	// command line, and a Go panic).
	refusalExit = 1
)

// attempt is one run of a command that did not open the folder, as the
// refusal check sees it.
type attempt struct {
	exit exitInfo
	// message is what the command said: the CLI's standard error and
	// output, or the library's error.
	message string
	// lib is the library child's result; nil for a CLI command.
	lib *libResult
	// folder is the data folder the command ran on: its path is taken out
	// of the message before looking for the file's name in it.
	folder string
	// changes are the differences between the folder before and after the
	// run (snapshot.diff).
	changes []string
}

// refusalProblems returns what keeps a from being a proper refusal of
// damage to file (a path relative to the data folder): none when it exit
// with status 1 (the library: an error matching ErrCorrupt), names the file
// and "secretstore recover", and left the folder as it was. For damage to
// the master key file, a refusal that names the key (a wrong or missing
// master key) is accepted in its place.
func refusalProblems(a attempt, file string) []string {
	var p []string
	switch {
	case a.exit.StartErr != "":
		return []string{"the command did not start: " + a.exit.StartErr}
	case a.exit.TimedOut:
		return []string{"timed out"}
	case a.exit.Interrupted:
		return []string{"interrupted"}
	case a.exit.Signal != "":
		return []string{"killed by " + a.exit.Signal}
	case a.exit.Code == 2 && isPanic(a.message):
		return []string{"panic: " + panicLine(a.message)}
	case a.exit.Code != refusalExit:
		p = append(p, fmt.Sprintf("exit status %d, not %d", a.exit.Code, refusalExit))
	}
	name := path.Base(file)
	msg := a.message
	if a.folder != "" {
		msg = strings.ReplaceAll(msg, a.folder, "DATA")
	}
	keyRefusal := name == keyFileName && namesKey(msg)
	if a.lib != nil && !a.lib.Corrupt && !(keyRefusal && (a.lib.WrongKey || a.lib.Err != "")) {
		p = append(p, "the error does not match secretstore.ErrCorrupt")
	}
	if !keyRefusal {
		if !strings.Contains(msg, name) {
			p = append(p, "does not name "+name)
		}
		if !strings.Contains(msg, recoverHint) {
			p = append(p, fmt.Sprintf("does not name %q", recoverHint))
		}
	}
	if len(a.changes) > 0 {
		p = append(p, "changed the folder: "+summarizeChanges(a.changes))
	}
	return p
}

// namesKey reports whether a message is about the master key: wrong,
// missing or unreadable.
func namesKey(msg string) bool {
	m := strings.ToLower(msg)
	return strings.Contains(m, "master key") || strings.Contains(m, keyFileName)
}

// isPanic reports whether a Go program's standard error shows a panic.
func isPanic(stderr string) bool {
	return strings.Contains(stderr, "panic: ") || strings.Contains(stderr, "fatal error: ")
}

// panicLine returns the first line of a panic (or fatal error) in stderr.
func panicLine(stderr string) string {
	for _, l := range strings.Split(stderr, "\n") {
		if i := strings.Index(l, "panic: "); i >= 0 {
			return oneLine(l[i+len("panic: "):])
		}
		if i := strings.Index(l, "fatal error: "); i >= 0 {
			return oneLine(l[i:])
		}
	}
	return oneLine(stderr)
}

// summarizeChanges shortens a list of changes for a one-line reason.
func summarizeChanges(changes []string) string {
	const show = 4
	if len(changes) <= show {
		return strings.Join(changes, ", ")
	}
	return fmt.Sprintf("%s, and %d more", strings.Join(changes[:show], ", "), len(changes)-show)
}

// errorLine returns the line of a command's output that says what went
// wrong: the first that is not a log line (slog's "time=... level=...";
// the CLI prints its error as "secretstore COMMAND: ..."), shortened.
func errorLine(msg string) string {
	for _, l := range strings.Split(msg, "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "time=") {
			return oneLine(l)
		}
	}
	return firstLine(msg)
}

// awsErrorLine is the CLI's error line for an AWS error the store answered
// with, once it had opened the folder: "secretstore get:
// ResourceNotFoundException: ...".
var awsErrorLine = regexp.MustCompile(`(?m)^secretstore [a-z]+: ([A-Z][A-Za-z]+(?:Exception|Error|Failure)): `)

// awsErrorCode returns the AWS error code a CLI command printed, when the
// store opened the folder and answered with an error, and "" otherwise.
func awsErrorCode(stderr string) string {
	if m := awsErrorLine.FindStringSubmatch(stderr); m != nil {
		return m[1]
	}
	return ""
}

// verifyProblems matches verify's account of what it found in a folder it
// opened: "3 problems in DIR".
var verifyProblems = regexp.MustCompile(`\d+ problems? in `)

// verifyFoundProblems reports whether verify opened the folder and listed
// problems in it (rather than refused to open it).
func verifyFoundProblems(msg string) bool { return verifyProblems.MatchString(msg) }

// servedPanic returns the log line of a panic that "secretstore serve"
// turned into an InternalServiceError (awsapi logs "panic serving OP: ..."
// unless --quiet), or "".
func servedPanic(log string) string {
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "panic serving ") {
			return oneLine(l[strings.Index(l, "panic serving "):])
		}
	}
	return ""
}

// isMarkedForDeletion reports whether the CLI's error output is AWS's
// refusal to read a secret scheduled for deletion, the right answer of
// "get" for one.
func isMarkedForDeletion(stderr string) bool {
	return strings.Contains(stderr, "InvalidRequestException")
}
