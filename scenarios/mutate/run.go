package mutate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// Config is a mutation campaign.
type Config struct {
	Builder  Builder
	Campaign Campaign
	// Out is the directory for the repro files of kills, one per mutant
	// killed by a check, named after its ID.
	Out string
	// Equivalents maps the IDs a person judged equivalent to their
	// argument: those mutants are not run.
	Equivalents map[string]string
	// OnOutcome is called with each verdict as it is reached.
	OnOutcome func(Outcome)
	// Stop, when closed, ends the campaign: the mutant being judged is
	// stopped and gets no verdict.
	Stop <-chan struct{}
}

// Judge builds and runs every mutant in order, stopping early when Stop
// closes; it returns the verdicts reached.
func Judge(ctx context.Context, cfg *Config, mutants []Mutant) ([]Outcome, error) {
	ctx, cancel := untilStop(ctx, cfg.Stop)
	defer cancel()
	var out []Outcome
	for i := range mutants {
		if stopped(cfg.Stop) {
			break
		}
		o, err := judgeOne(ctx, cfg, &mutants[i])
		if stopped(cfg.Stop) {
			break // the mutant being judged when the stop came has no verdict
		}
		if err != nil {
			return out, err
		}
		out = append(out, o)
		if cfg.OnOutcome != nil {
			cfg.OnOutcome(o)
		}
	}
	return out, nil
}

// untilStop is ctx, cancelled too when stop closes: a stop ends the build
// or run in flight, not only the next one. (Outside any simulation.)
func untilStop(ctx context.Context, stop <-chan struct{}) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(ctx)
	if stop != nil {
		go func() { //detsim:allow goroutine the campaign's stop, outside any run
			select { //detsim:allow select the campaign's stop, outside any run
			case <-stop:
				cancel()
			case <-ctx.Done():
			}
		}()
	}
	return ctx, cancel
}

func stopped(stop <-chan struct{}) bool {
	select { //detsim:allow select a non-blocking look at the campaign's stop, outside any run
	case <-stop:
		return true
	default:
		return false
	}
}

// judgeOne builds one mutant, runs the campaign on it and keeps the
// repro of a kill; the binary and the campaign's files are removed.
func judgeOne(ctx context.Context, cfg *Config, m *Mutant) (Outcome, error) {
	if why, ok := cfg.Equivalents[m.ID]; ok {
		return Outcome{Mutant: *m, Verdict: Equivalent, Detail: why}, nil
	}
	start := time.Now()
	dir := filepath.Join(cfg.Builder.Work, "m-"+fileSafe(m.ID))
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "mutant")
	if err := cfg.Builder.Build(ctx, m, bin); err != nil {
		var ce *CompileError
		if errors.As(err, &ce) {
			return Outcome{Mutant: *m, Verdict: Stillborn, Detail: ce.Reason, Wall: time.Since(start)}, nil
		}
		return Outcome{}, err
	}
	r, err := cfg.Campaign.run(ctx, bin, filepath.Join(dir, "out"), cfg.Campaign.Timeout)
	if err != nil {
		return Outcome{}, fmt.Errorf("mutant %s: %v", m.ID, err)
	}
	o := judge(*m, r)
	if o.Repro != "" {
		kept := KillReproPath(cfg.Out, m.ID)
		if err := moveFile(o.Repro, kept); err != nil {
			return Outcome{}, fmt.Errorf("keeping the repro of %s: %v", m.ID, err)
		}
		o.Repro = kept
	}
	o.Wall = time.Since(start)
	return o, nil
}

// KillReproPath is where a campaign keeps the repro of mutant id's kill.
func KillReproPath(out, id string) string { return filepath.Join(out, fileSafe(id)+".json") }

func moveFile(from, to string) error {
	if err := os.MkdirAll(filepath.Dir(to), 0o755); err != nil {
		return err
	}
	if os.Rename(from, to) == nil {
		return nil
	}
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
