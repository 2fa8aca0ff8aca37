package mutate

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
)

// Package is one Go package whose non-test files are mutated.
type Package struct {
	ImportPath string
	Dir        string
	Files      []string // absolute paths of its non-test Go files, for the build's tags
}

// ListPackages resolves package patterns (./raft, ./kv/...) with go list in
// dir, for a build with these tags.
func ListPackages(dir string, patterns []string, tags string) ([]Package, error) {
	if len(patterns) == 0 {
		return nil, errors.New("no package named (--pkg=./path,...)")
	}
	args := []string{"list", "-e", "-f", "{{.ImportPath}}\t{{.Dir}}\t{{join .GoFiles \",\"}}\t{{if .Error}}{{.Error}}{{end}}"}
	if tags != "" {
		args = append(args, "-tags="+tags)
	}
	cmd := exec.Command("go", append(args, patterns...)...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("go list %s: %s", strings.Join(patterns, " "), firstLine(stderr.String(), err))
	}
	var pkgs []Package
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := append(strings.SplitN(line, "\t", 4), "", "")[:4] // TrimSpace ate an empty error's tab
		if f[3] != "" {
			return nil, fmt.Errorf("package %s: %s", f[0], oneLine(f[3]))
		}
		p := Package{ImportPath: f[0], Dir: f[1]}
		for _, name := range strings.Split(f[2], ",") {
			if name != "" {
				p.Files = append(p.Files, filepath.Join(f[1], name))
			}
		}
		if len(p.Files) == 0 {
			return nil, fmt.Errorf("package %s has no Go files to mutate", f[0])
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) == 0 {
		return nil, fmt.Errorf("go list %s: no packages", strings.Join(patterns, " "))
	}
	sort.Slice(pkgs, func(i, j int) bool { return pkgs[i].ImportPath < pkgs[j].ImportPath })
	return pkgs, nil
}

// Enumerate lists every mutant of the packages, in package, file and
// source order, and counts the excluded ones.
func Enumerate(pkgs []Package) ([]Mutant, Excluded, error) {
	var all []Mutant
	excluded := Excluded{}
	for _, p := range pkgs {
		seen := map[string]int{}
		for _, file := range p.Files {
			src, err := os.ReadFile(file)
			if err != nil {
				return nil, nil, err
			}
			ms, ex, err := enumerateFile(p.ImportPath, file, src, seen)
			if err != nil {
				return nil, nil, err
			}
			all = append(all, ms...)
			excluded.Add(ex)
		}
	}
	if dup := duplicateID(all); dup != "" {
		return nil, nil, fmt.Errorf("two mutants share the ID %s (an enumerator bug)", dup)
	}
	return all, excluded, nil
}

func duplicateID(ms []Mutant) string {
	seen := map[string]bool{}
	for _, m := range ms {
		if seen[m.ID] {
			return m.ID
		}
		seen[m.ID] = true
	}
	return ""
}

// firstLine is the first line of a command's stderr, or its error.
func firstLine(stderr string, err error) string {
	if s := strings.TrimSpace(stderr); s != "" {
		return strings.SplitN(s, "\n", 2)[0]
	}
	return err.Error()
}
