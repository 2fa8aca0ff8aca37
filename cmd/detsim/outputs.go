package main

import (
	"bufio"
	"errors"
	"os"

	"detsim/checker"
	"detsim/scenarios"
)

// outputs are the files a run writes besides its summary. They are opened
// before the run, so that an unwritable path is bad usage, not a lost run.
type outputs struct {
	history, html *os.File
}

func openOutputs(historyPath, htmlPath string) (*outputs, error) {
	o := &outputs{}
	var err error
	if historyPath != "" {
		if o.history, err = os.Create(historyPath); err != nil {
			return nil, usagef("cannot write history: %v", err)
		}
	}
	if htmlPath != "" {
		if o.html, err = os.Create(htmlPath); err != nil {
			o.close()
			return nil, usagef("cannot write html: %v", err)
		}
	}
	return o, nil
}

func (o *outputs) write(rep *scenarios.Report) error {
	if o.history != nil {
		if rep.Lin == nil {
			return errors.New("--history: this scenario has no key/value clients")
		}
		w := bufio.NewWriter(o.history)
		if err := checker.WriteHistory(w, rep.History); err != nil {
			return err
		}
		if err := w.Flush(); err != nil {
			return err
		}
	}
	if o.html != nil {
		if rep.Lin == nil {
			return errors.New("--html: this scenario has no key/value clients")
		}
		if err := rep.Lin.WriteHTML(o.html, rep.Notes); err != nil {
			return err
		}
	}
	return nil
}

func (o *outputs) close() {
	for _, f := range []*os.File{o.history, o.html} {
		if f != nil {
			f.Close()
		}
	}
}

func writeHTMLFile(path string, rep *scenarios.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := rep.Lin.WriteHTML(f, rep.Notes); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
