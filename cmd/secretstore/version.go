package main

// secretstore version (and --version): which build is running, from what
// the Go toolchain recorded in the binary (runtime/debug.ReadBuildInfo):
// the module's version (a tag for `go install ...@v1.2.3`, "devel" for a
// build of a checkout), and the VCS revision, its time and whether the
// checkout had changes, when the build recorded them (go build in a git
// checkout does, unless -buildvcs=false).

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
)

// Set with -ldflags "-X main.stampedVersion=v1.2.3 -X
// main.stampedRevision=$(git rev-parse HEAD)" by builds that cannot record
// them otherwise (a build with -buildvcs=false, or outside the checkout, as
// the container image's); what the toolchain recorded wins.
var stampedVersion, stampedRevision string

// buildInfo is what the binary knows of its build.
type buildInfo struct {
	Version   string // the module version, or "devel"
	Revision  string // the VCS revision, "" when not recorded
	Time      string // the revision's commit time (RFC 3339), "" when not recorded
	Modified  bool   // the checkout had uncommitted changes
	GoVersion string
	Platform  string // GOOS/GOARCH
}

// readBuildInfo returns the binary's buildInfo.
func readBuildInfo() buildInfo {
	b := buildInfo{Version: "devel", GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if stampedVersion != "" {
		b.Version = stampedVersion
	}
	b.Revision = stampedRevision
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	if v := info.Main.Version; v != "" && v != "(devel)" {
		b.Version = v
	}
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			b.Revision = s.Value
		case "vcs.time":
			b.Time = s.Value
		case "vcs.modified":
			b.Modified = s.Value == "true"
		}
	}
	return b
}

// short returns the version and the revision's first 12 characters, as the
// health document and the log name the build: "v1.2.3", "devel (3f2a9c1b7d4e,
// modified)".
func (b buildInfo) short() string {
	s := b.Version
	if b.Revision != "" {
		rev := b.Revision
		if len(rev) > 12 {
			rev = rev[:12]
		}
		if b.Modified {
			rev += ", modified"
		}
		s += " (" + rev + ")"
	}
	return s
}

// String returns the line secretstore version prints.
func (b buildInfo) String() string {
	s := "secretstore " + b.Version
	if b.Revision != "" {
		s += " revision " + b.Revision
		if b.Time != "" {
			s += " (" + b.Time + ")"
		}
		if b.Modified {
			s += " modified"
		}
	}
	return s + " " + b.GoVersion + " " + b.Platform
}

func setupVersion(fs *flag.FlagSet) runFunc {
	json := fs.Bool("json", false, "print the build as JSON: Version, Revision, Time, Modified, GoVersion, Platform")
	return func(ctx context.Context, c *cli, args []string) error {
		b := readBuildInfo()
		if *json {
			return writeJSON(c.stdout, b)
		}
		_, err := fmt.Fprintln(c.stdout, b)
		return err
	}
}
