package mutate

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/detsim/detsim/scenarios"
)

// Builder builds binaries of mutants with go build -overlay: the mutated
// file is written to Work and replaces the original for one build only,
// so the tree is never copied or touched.
type Builder struct {
	Dir  string   // where go build runs: the module holding Main
	Main string   // the main package to build (./cmd/detsim, a user's own)
	Tags string   // build tags, comma separated
	Work string   // a directory for overlays and binaries, removed by the campaign
	Env  []string // added to the environment of go build (GOCACHE=…)
}

// CompileError is a mutant that does not compile (a stillborn one,
// outside the score).
type CompileError struct{ Reason string }

func (e *CompileError) Error() string { return "did not build: " + e.Reason }

// Build builds the binary of mutant m (nil: the unmutated program) at
// out. A compile error in the mutated file is a *CompileError; any other
// error is the builder's own (no go command, a bad --build, a full disk).
func (b *Builder) Build(ctx context.Context, m *Mutant, out string) error {
	args := []string{"build", "-buildvcs=false", "-o", out}
	if b.Tags != "" {
		args = append(args, "-tags="+b.Tags)
	}
	if m != nil {
		overlay, err := b.overlay(m)
		if err != nil {
			return err
		}
		args = append(args, "-overlay="+overlay, "-ldflags=-X="+scenarios.MutantIDSymbol+"="+m.ID)
	}
	cmd := exec.CommandContext(ctx, "go", append(args, b.Main)...)
	detach(cmd)
	cmd.Dir = b.Dir
	cmd.Env = append(os.Environ(), b.Env...)
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		msg := compileError(stderr.String(), err)
		// The unmutated program built (Prepare): a compiler's diagnostic is
		// the mutant's doing, wherever it points (a constant's new value
		// may break a caller); anything else is the machine's.
		if m != nil && diagnostic.MatchString(stderr.String()) {
			overlaid := filepath.Join(b.Work, fileSafe(m.ID)+".go")
			return &CompileError{Reason: strings.ReplaceAll(msg, overlaid, filepath.Base(m.File))}
		}
		return fmt.Errorf("go build %s: %s", b.Main, msg)
	}
	return nil
}

// overlay writes m's file and the overlay that puts it in place of the
// original, returning the overlay's path.
func (b *Builder) overlay(m *Mutant) (string, error) {
	src, err := os.ReadFile(m.File)
	if err != nil {
		return "", err
	}
	mutated, err := m.Apply(src)
	if err != nil {
		return "", err
	}
	name := fileSafe(m.ID)
	file := filepath.Join(b.Work, name+".go")
	if err := os.WriteFile(file, mutated, 0o644); err != nil {
		return "", err
	}
	data, err := json.Marshal(map[string]map[string]string{"Replace": {m.File: file}})
	if err != nil {
		return "", err
	}
	overlay := filepath.Join(b.Work, name+".overlay.json")
	return overlay, os.WriteFile(overlay, data, 0o644)
}

// diagnostic is a compiler's message: file.go:line:col: text.
var diagnostic = regexp.MustCompile(`(?m)\.go:[0-9]+:[0-9]+: `)

// fileSafe turns an ID into a file name on every system.
func fileSafe(id string) string {
	return strings.NewReplacer(":", "_", "/", "_", "*", "_", "\\", "_").Replace(id)
}

// compileError is the first compiler message of go build's output.
func compileError(out string, err error) string {
	for _, line := range strings.Split(out, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			return line
		}
	}
	return err.Error()
}
