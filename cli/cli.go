// Package cli implements the mlforge command line. Each subcommand is a thin
// layer over the same library calls that the HTTP service makes.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"syscall"

	"github.com/mlforge/mlforge/internal/buildinfo"
	"github.com/mlforge/mlforge/internal/suggest"
	"github.com/mlforge/mlforge/ml"
)

// Exit codes.
const (
	ExitOK       = 0
	ExitInternal = 1
	ExitBadInput = 2
)

// env is what a subcommand may touch.
type env struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

type command struct {
	name    string
	usage   string
	summary string
	run     func(e *env, args []string) error
	// hidden commands are for mlforge itself (a server's child process),
	// left out of the help and of suggestions.
	hidden bool
}

var commands []command

func register(c command) { commands = append(commands, c) }

func init() {
	register(command{name: "version", usage: "mlforge version", summary: "print the version", run: func(e *env, args []string) error {
		if len(args) > 0 {
			return usageError("version takes no arguments")
		}
		fmt.Fprintln(e.stdout, "mlforge", buildinfo.String())
		return nil
	}})
}

// usageErr is a mistake in the command line itself.
type usageErr struct{ msg string }

func (u *usageErr) Error() string  { return u.msg }
func (u *usageErr) BadInput() bool { return true }

func usageError(format string, args ...any) error {
	return &usageErr{msg: fmt.Sprintf(format, args...)}
}

// Main runs the command line args and returns the process exit code: 0 on
// success, 2 for bad input (spec, data, flags, model file), 1 otherwise.
// SIGINT and SIGTERM both stop the command cleanly (a server finishes its
// requests and leaves its runs to resume).
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return run(ctx, args, stdin, stdout, stderr)
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) (code int) {
	e := &env{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printHelp(stdout)
		if len(args) == 0 {
			return ExitBadInput
		}
		return ExitOK
	}
	name := args[0]
	var cmd *command
	for i := range commands {
		if commands[i].name == name {
			cmd = &commands[i]
		}
	}
	if cmd == nil {
		var names []string
		for _, c := range commands {
			if !c.hidden {
				names = append(names, c.name)
			}
		}
		fmt.Fprintf(stderr, "mlforge: unknown command %q%s; run 'mlforge help'\n", name, suggest.Hint(name, names))
		return ExitBadInput
	}
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "mlforge %s: internal error: %v\n", name, r)
			code = ExitInternal
		}
	}()
	err := cmd.run(e, args[1:])
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(stderr, "mlforge %s: interrupted\n", name)
		return ExitInternal
	}
	fmt.Fprintf(stderr, "mlforge %s: %v\n", name, err)
	var ue *usageErr
	if errors.As(err, &ue) {
		fmt.Fprintf(stderr, "usage: %s\n", cmd.usage)
	}
	if ml.IsBadInput(err) {
		return ExitBadInput
	}
	return ExitInternal
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "mlforge: train, evaluate and serve machine-learning models from a JSON spec.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	cs := append([]command(nil), commands...)
	sort.Slice(cs, func(i, j int) bool { return cs[i].name < cs[j].name })
	for _, c := range cs {
		if c.hidden {
			continue
		}
		fmt.Fprintf(w, "  %-44s %s\n", c.usage, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Exit codes: 0 success, 2 bad input or spec, 1 internal error.")
}

// newFlags returns a FlagSet that reports errors as usage errors.
func newFlags(e *env, name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	return fs
}

// parse parses flags that may stand before, between or after positional
// arguments, and checks the number of positionals.
func parse(fs *flag.FlagSet, args []string, minPos, maxPos int) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, err
			}
			return nil, usageError("%v", err)
		}
		args = fs.Args()
		if len(args) == 0 {
			break
		}
		if args[0] == "--" {
			pos = append(pos, args[1:]...)
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if len(pos) < minPos || len(pos) > maxPos {
		if minPos == maxPos {
			return nil, usageError("expected %d argument(s), got %d", minPos, len(pos))
		}
		return nil, usageError("expected %d to %d arguments, got %d", minPos, maxPos, len(pos))
	}
	return pos, nil
}
