package cli

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/detsim/detsim/scenarios"
)

// outputFlags are the files a run writes besides its summary, as run and
// replay take them.
type outputFlags struct {
	trace, history, html *string
	json                 *bool
}

func addOutputFlags(fs *flag.FlagSet) *outputFlags {
	return &outputFlags{
		trace:   fs.String("trace", "", "write the trace to this file (- for standard output)"),
		history: fs.String("history", "", "write the client history, in check's format, to this file (- for standard output)"),
		html:    fs.String("html", "", "write the linearizability visualization to this file"),
		json:    fs.Bool("json", false, "print the summary as one JSON object"),
	}
}

// outputs are a run's open destinations. They are opened before the run, so
// that an unwritable path is bad usage, not a lost run. When the trace or the
// history goes to standard output, the summary goes to standard error, so
// that the data can be piped whole.
type outputs struct {
	trace, history, html *output
	summary              io.Writer
}

func (f *outputFlags) open(cmd string, kv bool, stdout, stderr io.Writer, inputs ...string) (*outputs, error) {
	if *f.trace == "-" && *f.history == "-" {
		return nil, usagef("%s: --trace and --history cannot both go to standard output", cmd)
	}
	if *f.html == "-" {
		return nil, usagef("%s: --html needs a file name", cmd)
	}
	if !kv && (*f.history != "" || *f.html != "") {
		return nil, usagef("%s: --history and --html need a scenario whose clients record a history; this one records none", cmd)
	}
	if err := distinctFiles(inputs, *f.trace, *f.history, *f.html); err != nil {
		return nil, usagef("%s: %v", cmd, err)
	}
	// Every destination is checked before any is created, so that a refused
	// one leaves an existing file of another untouched.
	for _, d := range []struct{ name, path string }{{"trace", *f.trace}, {"history", *f.history}, {"html", *f.html}} {
		if d.path != "" && d.path != "-" {
			if err := checkOutFile(d.path); err != nil {
				return nil, usagef("%s: --%s=%s: %v", cmd, d.name, d.path, err)
			}
		}
	}
	o := &outputs{summary: stdout}
	var err error
	for _, d := range []struct {
		dst  **output
		name string
		path string
	}{{&o.trace, "trace", *f.trace}, {&o.history, "history", *f.history}, {&o.html, "html", *f.html}} {
		if *d.dst, err = openOutput(d.name, d.path, stdout); err != nil {
			o.abandon()
			return nil, usagef("%s: %v", cmd, err)
		}
		if d.path == "-" {
			o.summary = stderr
		}
	}
	return o, nil
}

// runConfig sends the trace where it was asked for.
func (o *outputs) runConfig() scenarios.RunConfig {
	var cfg scenarios.RunConfig
	if o.trace != nil {
		cfg.Trace = o.trace.w
	}
	return cfg
}

// finish writes the history and the visualization, then flushes and closes
// everything; the first error is returned (a lost output is not a success).
func (o *outputs) finish(rep *scenarios.Report) error {
	var errs []error
	if (o.history != nil || o.html != nil) && !rep.HasHistory() {
		errs = append(errs, errors.New("--history and --html: this run has no checked client history"))
	} else {
		if o.history != nil {
			errs = append(errs, rep.WriteHistory(o.history.w))
		}
		if o.html != nil {
			errs = append(errs, rep.WriteHTML(o.html.w))
		}
	}
	for _, out := range []*output{o.trace, o.history, o.html} {
		if out != nil {
			errs = append(errs, out.close())
		}
	}
	return errors.Join(errs...)
}

// abandon closes whatever was opened, after bad usage.
func (o *outputs) abandon() {
	for _, out := range []*output{o.trace, o.history, o.html} {
		if out != nil {
			out.close()
		}
	}
}

// output is one destination: a file created up front, or standard output.
type output struct {
	name, path string
	file       *os.File // nil for standard output
	w          *bufio.Writer
}

func openOutput(name, path string, stdout io.Writer) (*output, error) {
	switch path {
	case "":
		return nil, nil
	case "-":
		return &output{name: name, path: path, w: bufio.NewWriterSize(stdout, 1<<16)}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cannot write %s: %v", name, err)
	}
	return &output{name: name, path: path, file: f, w: bufio.NewWriterSize(f, 1<<16)}, nil
}

// close flushes (bufio keeps the first write error) and closes the file.
func (o *output) close() error {
	err := o.w.Flush()
	if o.file != nil {
		err = errors.Join(err, o.file.Close())
	}
	if err != nil {
		return fmt.Errorf("writing %s to %s: %v", o.name, o.path, err)
	}
	return nil
}

// writeHTMLFile writes a failed linearizability check's visualization.
func writeHTMLFile(path string, rep *scenarios.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	if err := rep.WriteHTML(w); err != nil {
		f.Close()
		return err
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// checkOutFile makes sure a file can be written at path before any work:
// it is not a directory, and its directory takes a new file.
func checkOutFile(path string) error {
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return errors.New("is a directory")
	}
	return probeDir(filepath.Dir(path))
}

// checkOutDir makes sure repro files can be written to dir before any seed
// runs: it creates the directory and probes it. tidy removes again the
// directories it created if they are still empty when the campaign ends,
// so a campaign that found nothing leaves nothing behind.
func checkOutDir(dir string) (tidy func(), err error) {
	created := missingDirs(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, usagef("fuzz: --out=%s: %v", dir, unwrapPath(err))
	}
	tidy = func() {
		for _, d := range created { // deepest first; Remove keeps a non-empty one
			if os.Remove(d) != nil {
				return
			}
		}
	}
	if err := probeDir(dir); err != nil {
		tidy()
		return nil, usagef("fuzz: --out=%s: %v", dir, err)
	}
	return tidy, nil
}

// missingDirs is dir and those of its parents that do not exist yet,
// deepest first.
func missingDirs(dir string) []string {
	var out []string
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || !errors.Is(err, os.ErrNotExist) {
			return out
		}
		out = append(out, d)
		if filepath.Dir(d) == d {
			return out
		}
	}
}

// probeDir writes and removes a file in dir.
func probeDir(dir string) error {
	f, err := os.CreateTemp(dir, ".detsim-probe-*")
	if err != nil {
		return fmt.Errorf("cannot write there: %v", unwrapPath(err))
	}
	f.Close()
	return os.Remove(f.Name())
}

// unwrapPath drops the path from a *PathError, which the message names already.
func unwrapPath(err error) error {
	if pe, ok := err.(*os.PathError); ok {
		return pe.Err
	}
	return err
}

// distinctFiles refuses two outputs that name one file (they would be
// written over each other) and an output that is one of the inputs (it
// would destroy what is being read).
func distinctFiles(inputs []string, outputs ...string) error {
	var seen []string
	for _, o := range outputs {
		if o == "" || o == "-" {
			continue
		}
		for _, in := range inputs {
			if in != "-" && samePath(in, o) {
				return fmt.Errorf("%s is the input: writing it would destroy it", o)
			}
		}
		for _, p := range seen {
			if samePath(p, o) {
				return fmt.Errorf("%s is named for two outputs", o)
			}
		}
		seen = append(seen, o)
	}
	return nil
}

// samePath: the same name once cleaned, or the same existing file.
func samePath(a, b string) bool {
	if absA, errA := filepath.Abs(a); errA == nil {
		if absB, errB := filepath.Abs(b); errB == nil && absA == absB {
			return true
		}
	}
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	return errA == nil && errB == nil && os.SameFile(fa, fb)
}
