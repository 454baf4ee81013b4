package main

import (
	"os/exec"
	"runtime"
	"syscall"
)

// dieWithParent has the kernel kill the child when the parent dies, so
// that a killed mlforge leaves no command running on. The signal is tied
// to the thread that starts the child: the calling goroutine (main's)
// keeps that thread for the life of the process.
func dieWithParent(cmd *exec.Cmd) {
	runtime.LockOSThread()
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
