//go:build !unix

package mutate

import "os/exec"

func detach(cmd *exec.Cmd) {}
