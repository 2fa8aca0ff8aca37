// Package simtest runs detsim from go test: N seeds of a scenario (failures
// written as repro files), the committed repro files of a battery (fixed
// failures must stay fixed; planted bugs must still be found, hash for
// hash), and property-based runs that rapid draws and shrinks to a minimal
// fault schedule. It links rapid, so production binaries do not import it.
package simtest

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/detsim/detsim/scenarios"
)

// FailuresDirEnv names the environment variable that says where repro
// files of failing runs go; by default, detsim-failures/<test> in the
// system's temporary directory.
const FailuresDirEnv = "DETSIM_FAILURES"

var unsafeName = regexp.MustCompile(`[^A-Za-z0-9_-]+`)

// failuresDir is where the repro files of test t go.
func failuresDir(t testing.TB) string {
	root := os.Getenv(FailuresDirEnv)
	if root == "" {
		root = filepath.Join(os.TempDir(), "detsim-failures")
	}
	test, _, _ := strings.Cut(t.Name(), "/")
	return filepath.Join(root, unsafeName.ReplaceAllString(test, "_"))
}

// writeRepro writes rep as a repro file into dir and returns its path.
func writeRepro(rep *scenarios.Report, dir string) (string, error) {
	r, err := scenarios.NewRepro(rep)
	if err != nil {
		return "", err
	}
	data, err := r.Marshal()
	if err != nil {
		return "", err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, scenarios.ReproName(r))
	return path, scenarios.WriteFileAtomic(path, data)
}
