package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/detsim/detsim/scenarios"
)

// cmdUpgrade converts repro files of an older format to this one, in place
// (or to --out for one file): the same run, the failure it recorded, the
// trace hash re-recorded by this build.
func cmdUpgrade(args []string, stdout, _ io.Writer) (int, error) {
	fs := flag.NewFlagSet("upgrade", flag.ContinueOnError)
	out := fs.String("out", "", "write the converted repro here instead of over FILE (one FILE only)")
	rest, err := parseFlags(fs, args)
	if err != nil {
		return 0, err
	}
	if len(rest) == 0 || *out != "" && len(rest) != 1 {
		return 0, usagef("upgrade: need FILE... (with --out, exactly one)")
	}
	type job struct {
		in, out string
		r       *scenarios.Repro
	}
	var jobs []job
	for _, in := range rest { // every input is read and converted before any is written
		data, err := os.ReadFile(in)
		if err != nil {
			return 0, usagef("upgrade: %v", err)
		}
		r, err := scenarios.UpgradeRepro(data)
		if errors.Is(err, scenarios.ErrUpToDate) {
			fmt.Fprintf(stdout, "%s: already format %d\n", in, scenarios.ReproFormat)
			continue
		}
		if err != nil {
			return 0, usagef("%s: %v", in, err)
		}
		dst := in
		if *out != "" {
			dst = *out
		}
		jobs = append(jobs, job{in, dst, r})
	}
	for _, j := range jobs {
		b, err := j.r.Marshal()
		if err != nil {
			return 0, err
		}
		if err := scenarios.WriteFileAtomic(j.out, b); err != nil {
			return 0, usagef("upgrade: writing %s: %v", j.out, err)
		}
		fmt.Fprintf(stdout, "%s: format %d, trace-hash=%s, wrote %s\n", j.in, scenarios.ReproFormat, j.r.TraceHash, j.out)
	}
	return exitPass, nil
}
