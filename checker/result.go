// Package checker watches a run and judges it: Raft's safety invariants online
// (from neutral events an adapter on the system's side reports, never
// reaching into a node), liveness, heartbeat rate, coverage probes, and the
// run's own progress and panics. It imports no system under test.
package checker

import (
	"fmt"
	"strings"
)

// Status is a check's verdict.
type Status uint8

const (
	OK Status = iota
	Fail
	Unknown
)

func (s Status) String() string { return [...]string{"ok", "FAIL", "unknown"}[s] }

// Result is one check's verdict with its first violation.
type Result struct {
	Name   string
	Status Status
	Detail string
}

func (r Result) String() string {
	s := "check " + r.Name + " " + r.Status.String()
	if r.Detail != "" {
		s += " " + r.Detail
	}
	return s
}

// Check names: a contract with users and scripts.
const (
	ElectionSafety     = "election-safety"
	LogMatching        = "log-matching"
	LeaderCompleteness = "leader-completeness"
	StateMachineSafety = "state-machine-safety"
	ApplyOrder         = "apply-order"
	Linearizability    = "linearizability"
	Liveness           = "liveness"
	RaftStateSize      = "raft-state-size"
	HeartbeatRate      = "heartbeat-rate"
	Expectations       = "expectations"
	Coverage           = "coverage"
	Progress           = "progress"
	NoPanic            = "no-panic"
)

// violations keeps the first violation of each check and how many followed.
type violations struct {
	first map[string]string
	count map[string]int
}

func (v *violations) add(check, format string, args ...any) {
	if v.first == nil {
		v.first, v.count = map[string]string{}, map[string]int{}
	}
	if _, ok := v.first[check]; !ok {
		v.first[check] = fmt.Sprintf(format, args...)
	}
	v.count[check]++
}

func (v *violations) result(check string) Result {
	d, ok := v.first[check]
	if !ok {
		return Result{Name: check, Status: OK}
	}
	if n := v.count[check]; n > 1 {
		d += fmt.Sprintf(" (+%d more)", n-1)
	}
	return Result{Name: check, Status: Fail, Detail: oneLine(d)}
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

// Verdict folds results: any failure fails, else any unknown is unknown.
func Verdict(rs []Result) Status {
	v := OK
	for _, r := range rs {
		switch {
		case r.Status == Fail:
			return Fail
		case r.Status == Unknown:
			v = Unknown
		}
	}
	return v
}
