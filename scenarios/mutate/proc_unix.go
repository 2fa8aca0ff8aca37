//go:build unix

package mutate

import (
	"os/exec"
	"syscall"
)

// detach puts a child in a process group of its own, so that a Ctrl-C at
// the terminal reaches only the campaign, which stops it and discards the
// mutant it was judging (a child stopped by the signal would look killed).
func detach(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} }
