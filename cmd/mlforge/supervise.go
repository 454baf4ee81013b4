package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"syscall"

	"github.com/mlforge/mlforge/cli"
)

// supervisedEnv is set (to "1") in the child process that runs a command.
const supervisedEnv = "MLFORGE_SUPERVISED"

// exitChildBadInput is the child's exit code for bad input; the parent
// turns it into cli.ExitBadInput. Any other failure of the child, the Go
// runtime's exit code 2 among them, becomes cli.ExitInternal.
const exitChildBadInput = 66

// supervised reports whether the command of args runs in a child: every
// command but serve (a long-running service that tests and operators
// signal, kill and measure by its process id; it trains in children of
// its own) and the service's own child, __run.
func supervised(args []string) bool {
	return len(args) > 0 && args[0] != "serve" && args[0] != "__run"
}

// run runs the command line args and returns the exit code: in this
// process when it is the supervised child or the command is not
// supervised, else in a child process that it waits for.
func run(args []string) int {
	if os.Getenv(supervisedEnv) == "1" {
		os.Unsetenv(supervisedEnv) // not for the processes it starts
		code := cli.Main(args, os.Stdin, os.Stdout, os.Stderr)
		if code == cli.ExitBadInput {
			return exitChildBadInput
		}
		return code
	}
	if !supervised(args) {
		return cli.Main(args, os.Stdin, os.Stdout, os.Stderr)
	}
	exe, err := os.Executable()
	if err != nil {
		return cli.Main(args, os.Stdin, os.Stdout, os.Stderr)
	}
	cmd := exec.Command(exe, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	cmd.Env = append(os.Environ(), supervisedEnv+"=1")
	dieWithParent(cmd)
	// The child stops cleanly on SIGINT and SIGTERM: pass them on (a
	// terminal's Ctrl-C reaches both processes; a second SIGINT is
	// harmless).
	sig := make(chan os.Signal, 4)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	if err := cmd.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "mlforge %s: internal error: starting the command's process: %v\n", args[0], err)
		return cli.ExitInternal
	}
	go func() {
		for s := range sig {
			cmd.Process.Signal(s)
		}
	}()
	cmd.Wait()
	return exitCode(args[0], cmd.ProcessState, os.Stderr)
}

// exitCode maps the child's end to mlforge's exit codes, explaining a
// crash on stderr (the runtime's own message, above it, says what).
func exitCode(name string, st *os.ProcessState, stderr io.Writer) int {
	switch st.ExitCode() {
	case cli.ExitOK:
		return cli.ExitOK
	case exitChildBadInput:
		return cli.ExitBadInput
	case cli.ExitInternal:
		return cli.ExitInternal
	case -1:
		fmt.Fprintf(stderr, "mlforge %s: internal error: the process was killed (%v); the machine may have run out of memory\n", name, st)
	default:
		fmt.Fprintf(stderr, "mlforge %s: internal error: the process crashed (%v): a Go runtime error, such as running out of memory, printed above\n", name, st)
	}
	return cli.ExitInternal
}
