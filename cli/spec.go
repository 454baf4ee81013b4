package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/mlforge/mlforge/spec"
)

func init() {
	register(command{
		name:    "spec",
		usage:   "mlforge spec convert DICT.json",
		summary: "print the native spec that a service dictionary (model_name, n_epoch, transform, ...) maps to",
		run:     runSpec,
	})
}

// runSpec runs `mlforge spec convert FILE`: spec.Convert, the mapping that
// train and the service apply to a dictionary in the service dialect, with
// the result parsed as a native spec.
func runSpec(e *env, args []string) error {
	if len(args) == 0 {
		return usageError("expected a subcommand: convert")
	}
	if args[0] != "convert" {
		return usageError("unknown subcommand %q; expected convert", args[0])
	}
	fs := newFlags(e, "spec convert")
	pos, err := parse(fs, args[1:], 1, 1)
	if err != nil {
		return err
	}
	b, err := readSpecFile(pos[0])
	if err != nil {
		return err
	}
	native, dialect, err := spec.Convert(b)
	if err != nil {
		return err
	}
	if _, err := spec.Parse(native); err != nil {
		return err
	}
	if !dialect {
		fmt.Fprintf(e.stderr, "mlforge spec convert: %s is already a native spec (it has none of the dialect's keys model_name, n_epoch, transform, target_transform, label_names, n_labels, nor a class named by \"name\")\n", pos[0])
	}
	_, err = e.stdout.Write(native)
	return err
}

// readSpecFile reads at most spec.MaxSize+1 bytes of the file at path
// (Parse then refuses a larger one), with spec.Load's errors.
func readSpecFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		_, lerr := spec.Load(path)
		return nil, lerr
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, spec.MaxSize+1))
}
