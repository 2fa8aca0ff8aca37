package mutate

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// PrivateCache makes a Go build cache for the campaign at dir, so that
// the packages each mutant compiles (about 2 MB a mutant for detsim's
// Raft) are removed with the campaign's work directory instead of
// growing the user's cache. It starts as hard links to the user's cache,
// so nothing already built is built again; where links cannot be made
// (another file system) it starts empty, and the first build compiles
// everything once. It reports whether the links were made.
func PrivateCache(dir string) (linked bool, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	out, err := exec.Command("go", "env", "GOCACHE").Output()
	from := strings.TrimSpace(string(out))
	if err != nil || from == "" || from == "off" {
		return false, nil
	}
	linked = true
	walkErr := filepath.WalkDir(from, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return nil // an entry the cache trimmed meanwhile
		}
		rel, _ := filepath.Rel(from, path)
		to := filepath.Join(dir, rel)
		if d.IsDir() {
			return os.MkdirAll(to, 0o755)
		}
		if d.Name() == "trim.txt" || d.Name() == "README" {
			return nil // written in place by go: never shared
		}
		if err := os.Link(path, to); err != nil {
			linked = false
			return filepath.SkipAll
		}
		return nil
	})
	if walkErr != nil || !linked {
		os.RemoveAll(dir)
		return false, os.MkdirAll(dir, 0o755)
	}
	return true, nil
}
