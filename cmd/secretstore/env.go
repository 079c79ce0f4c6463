package main

// Configuration from the environment, as containers and service managers
// configure programs: every flag of serve has an environment variable, by
// one rule (envName): SECRETSTORE_ and the flag's name upper-cased, with
// '-' as '_' (--read-timeout is SECRETSTORE_READ_TIMEOUT). A flag given on
// the command line wins over its variable; an empty variable counts as
// unset. A flag that may be repeated (--rotator) takes one value a line
// from its variable. A value the flag refuses is a usage error naming the
// variable.

import (
	"flag"
	"fmt"
	"strings"
	"time"
)

// envPrefix starts the environment variable of every serve flag.
const envPrefix = "SECRETSTORE_"

// envName returns the environment variable of the flag called name.
func envName(name string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// repeatable is a flag.Value that collects every value it is given
// (--rotator ARN=TARGET --rotator ...): its environment variable holds one
// value a line.
type repeatable interface {
	flag.Value
	repeatable()
}

// flagSources says where each flag that was set came from, for messages.
type flagSources map[string]string // flag name -> its variable, for those set from one

// name returns how a message names flag: --name, or its environment
// variable when the flag's value came from there.
func (s flagSources) name(flag string) string {
	if v, ok := s[flag]; ok {
		return v
	}
	return "--" + flag
}

// applyEnv sets every flag of fs that the command line did not set from
// its environment variable, when that is set and not empty, and returns the
// flags it set.
func applyEnv(fs *flag.FlagSet, getenv func(string) string) (flagSources, error) {
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	src := flagSources{}
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil || given[f.Name] {
			return
		}
		name := envName(f.Name)
		v := getenv(name)
		if v == "" {
			return
		}
		values := []string{v}
		if _, ok := f.Value.(repeatable); ok {
			values = nonEmptyLines(v)
		}
		for _, v := range values {
			if e := fs.Set(f.Name, v); e != nil {
				err = usageErrorf("%s=%q: %v", name, v, e)
				return
			}
		}
		src[f.Name] = name
	})
	return src, err
}

// nonEmptyLines splits s into its lines, leaving out empty ones.
func nonEmptyLines(s string) []string {
	var lines []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSuffix(l, "\r"); strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// durationVar defines a flag for a time.Duration, like flag.DurationVar,
// whose error says what a duration looks like (the flag package's says
// "parse error").
func durationVar(fs *flag.FlagSet, p *time.Duration, name string, value time.Duration, usage string) {
	*p = value
	fs.Var((*durationValue)(p), name, usage)
}

// durationValue is the flag.Value of durationVar.
type durationValue time.Duration

func (d *durationValue) String() string { return time.Duration(*d).String() }

func (d *durationValue) Set(s string) error {
	v, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil {
		return fmt.Errorf("%q is not a duration: give a number with a unit, such as 30s, 5m or 1h30m", s)
	}
	*d = durationValue(v)
	return nil
}
