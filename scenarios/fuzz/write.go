package fuzz

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/detsim/detsim/scenarios"
)

// WriteRepro writes a group's best seed as a repro file in dir, whole and
// then renamed into place, and returns its path.
func WriteRepro(g *Group, dir string) (string, error) {
	r, err := scenarios.NewRepro(g.Best)
	if err != nil {
		return "", err
	}
	return writeRepro(r, dir, scenarios.ReproName(r))
}

// WriteNondetRepro writes a nondeterministic seed's repro file in dir, named
// <scenario>-<seed>[-<bug>]-nondeterminism.json, and returns its path.
func WriteNondetRepro(n Nondeterminism, dir string) (string, error) {
	r, err := scenarios.NewNondetRepro(n.Report, n.HashB, n.Divergence)
	if err != nil {
		return "", err
	}
	return writeRepro(r, dir, strings.TrimSuffix(scenarios.ReproName(r), ".json")+"-nondeterminism.json")
}

func writeRepro(r *scenarios.Repro, dir, name string) (string, error) {
	b, err := r.Marshal()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("fuzz: %v", err)
	}
	path := filepath.Join(dir, name)
	if err := scenarios.WriteFileAtomic(path, b); err != nil {
		return "", fmt.Errorf("fuzz: writing %s: %v", path, err)
	}
	return path, nil
}
