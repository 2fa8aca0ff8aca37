package scenarios

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// LegacyUpgrader is a System whose repro files predate format 3, when a
// system's parameters sat among the options: UpgradeParams receives the
// old options object, field by field, and returns the params it held.
type LegacyUpgrader interface {
	UpgradeParams(oldOptions map[string]json.RawMessage) (json.RawMessage, error)
}

// legacyRepro is what formats 1 and 2 share with this one, the options kept
// raw for their system to read.
type legacyRepro struct {
	Format    int             `json:"format"`
	Scenario  string          `json:"scenario"`
	Seed      string          `json:"seed"`
	Bug       string          `json:"bug"`
	Options   json.RawMessage `json:"options"`
	Failed    []string        `json:"failed"`
	Signature Signature       `json:"signature"`
}

// ErrUpToDate is UpgradeRepro's answer for a file already in this format.
var ErrUpToDate = errors.New("already in the current repro format")

// UpgradeRepro converts a repro file of an older format to this one: the
// same scenario, seed, schedule and workload, the failure it recorded (what
// it failed with when it was found, even if a fixed bug lets it pass now),
// and the trace hash, events and checkpoints re-recorded by running it on
// this build. The result is sealed with a digest.
func UpgradeRepro(data []byte) (*Repro, error) {
	var old legacyRepro
	if err := json.Unmarshal(data, &old); err != nil {
		return nil, fmt.Errorf("upgrade: %s", jsonProblem(err))
	}
	switch {
	case old.Format == ReproFormat:
		return nil, ErrUpToDate
	case old.Format < 1 || old.Format > ReproFormat:
		return nil, fmt.Errorf("upgrade: format %d is not one this detsim can convert (1 to %d)", old.Format, ReproFormat-1)
	}
	o, err := upgradeOptions(old.Options)
	if err != nil {
		return nil, err
	}
	seed, err := strconv.ParseUint(old.Seed, 10, 64)
	if err != nil {
		return nil, fmt.Errorf("upgrade: seed %q is not a string of digits", old.Seed)
	}
	if err := o.Validate(); err != nil {
		return nil, fmt.Errorf("upgrade: %w", err)
	}
	rep := Run(o, seed, RunConfig{})
	r := &Repro{
		Format: ReproFormat, Scenario: old.Scenario, Seed: old.Seed, Bug: old.Bug, Options: o,
		Failed: old.Failed, Signature: old.Signature, TraceHash: rep.TraceHash, Events: rep.Events,
		Checkpoints: rep.Checkpoints, Build: ThisBuild(),
	}
	if err := r.Seal(); err != nil {
		return nil, err
	}
	return r, r.validate()
}

// upgradeOptions reads the options of an older file: the fields every
// format shares, and the system's params from what is left.
func upgradeOptions(raw json.RawMessage) (Options, error) {
	var o Options
	if err := json.Unmarshal(raw, &o); err != nil { // older fields are ignored here
		return o, fmt.Errorf("upgrade: options: %s", jsonProblem(err))
	}
	scn, err := Lookup(o.Scenario)
	if err != nil {
		return o, fmt.Errorf("upgrade: %w", err)
	}
	o.System = scn.System.Name()
	var fields map[string]json.RawMessage
	if err := json.NewDecoder(bytes.NewReader(raw)).Decode(&fields); err != nil {
		return o, fmt.Errorf("upgrade: options: %s", jsonProblem(err))
	}
	if up, ok := scn.System.(LegacyUpgrader); ok {
		if o.Params, err = up.UpgradeParams(fields); err != nil {
			return o, fmt.Errorf("upgrade: params: %w", err)
		}
	}
	return o, nil
}
