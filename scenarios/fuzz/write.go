package fuzz

import (
	"fmt"
	"os"
	"path/filepath"

	"detsim/scenarios"
)

// WriteRepro writes a group's best seed as a repro file in dir, whole and
// then renamed into place, and returns its path.
func WriteRepro(g *Group, dir string) (string, error) {
	r, err := scenarios.NewRepro(g.Best)
	if err != nil {
		return "", err
	}
	b, err := r.Marshal()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("fuzz: %v", err)
	}
	path := filepath.Join(dir, scenarios.ReproName(r))
	if err := scenarios.WriteFileAtomic(path, b); err != nil {
		return "", fmt.Errorf("fuzz: writing %s: %v", path, err)
	}
	return path, nil
}
