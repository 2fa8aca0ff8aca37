// Package rapidenv makes go test's cache see rapid's settings: a test calls
// Use before it runs rapid. Only tests import it (production binaries do not
// link rapid).
package rapidenv

import (
	"flag"
	"os"
	"reflect"
	"testing"
)

// settings are the environment variables rapid reads and the flag
// whose default each one sets (pgregory.net/rapid v1.3.0, engine.go).
var settings = []struct{ env, flag string }{
	{"RAPID_CHECKS", "rapid.checks"},
	{"RAPID_STEPS", "rapid.steps"},
	{"RAPID_FAILFILE", "rapid.failfile"},
	{"RAPID_NOFAILFILE", "rapid.nofailfile"},
	{"RAPID_SEED", "rapid.seed"},
	{"RAPID_LOG", "rapid.log"},
	{"RAPID_V", "rapid.v"},
	{"RAPID_DEBUG", "rapid.debug"},
	{"RAPID_DEBUGVIS", "rapid.debugvis"},
	{"RAPID_SHRINKTIME", "rapid.shrinktime"},
}

// Use reads rapid's environment variables (RAPID_SEED,
// RAPID_CHECKS and the rest) with os.LookupEnv while the test runs. Rapid
// reads them only at init, which go test's cache does not see, so a result
// cached under one RAPID_SEED was reused for another; a read during a test
// is logged, and the cache keys on the variable's value. A variable whose
// value is not its flag's (after a t.Setenv) is applied to the flag,
// parsed as the flag parses it, unless the flag was given on the command
// line, which wins as it does in rapid: rapid runs with what was read. It
// returns the seed and the checks rapid will use (-short divides the
// checks by 5; seed 0 is a random one).
func Use(t testing.TB, fs *flag.FlagSet) (seed, checks string) {
	t.Helper()
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, s := range settings {
		v, set := os.LookupEnv(s.env)
		f := fs.Lookup(s.flag)
		if !set || f == nil || given[s.flag] {
			continue
		}
		want, err := parseLike(f.Value, v)
		if err != nil {
			t.Fatalf("%s=%q: %v", s.env, v, err)
		}
		if old := f.Value.String(); want != old {
			f.Value.Set(v)
			t.Cleanup(func() { f.Value.Set(old) })
		}
	}
	value := func(name string) string {
		if f := fs.Lookup(name); f != nil {
			return f.Value.String()
		}
		return ""
	}
	seed, checks = value("rapid.seed"), value("rapid.checks")
	t.Logf("rapid: seed %s, %s checks", seed, checks)
	return seed, checks
}

// parseLike parses v as flag value like's type does and returns it as
// that flag would print it.
func parseLike(like flag.Value, v string) (string, error) {
	typ := reflect.TypeOf(like)
	if typ.Kind() != reflect.Pointer {
		return v, nil
	}
	fresh, ok := reflect.New(typ.Elem()).Interface().(flag.Value)
	if !ok {
		return v, nil
	}
	if err := fresh.Set(v); err != nil {
		return "", err
	}
	return fresh.String(), nil
}
