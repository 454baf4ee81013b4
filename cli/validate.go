package cli

import (
	"encoding/json"
	"flag"
	"fmt"

	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/train"
)

func init() {
	register(command{
		name:    "validate",
		usage:   "mlforge validate SPEC.json [--json] [--max-model-bytes SIZE] [--max-run-memory SIZE]",
		summary: "check a spec as a run would (data probed, layers planned, budgets), training nothing; --json prints what the service's /api/validate answers",
		run:     runValidate,
	})
}

// parseSpec parses the flags of a command whose one argument is a spec
// file (train, validate) and loads the spec.
func parseSpec(fs *flag.FlagSet, args []string) (*spec.Spec, error) {
	pos, err := parse(fs, args, 1, 1)
	if err != nil {
		return nil, err
	}
	return spec.Load(pos[0])
}

// runValidate checks a spec with train.Check, the call train and the
// service's /api/validate make, so that all three agree.
func runValidate(e *env, args []string) error {
	fs := newFlags(e, "validate")
	asJSON := fs.Bool("json", false, "print the validation as one JSON object")
	var mf memoryFlags
	addMemoryFlags(fs, &mf)
	s, err := parseSpec(fs, args)
	if err != nil {
		return err
	}
	plan, err := train.Check(s, train.Options{Limits: mf.limits().Budget()})
	if err != nil {
		return err
	}
	v, err := plan.Validation()
	if err != nil {
		return err
	}
	if *asJSON {
		b, err := json.Marshal(v)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, string(b))
		return nil
	}
	fmt.Fprintf(e.stdout, "%s is valid\n", s.Name)
	if len(v.Layers) > 0 {
		fmt.Fprintln(e.stdout)
		rows := [][]string{{"layer", "type", "output shape"}}
		rows = append(rows, []string{"", "input", fmt.Sprint(append([]int{1}, v.InputShape...))})
		for _, l := range v.Layers {
			rows = append(rows, []string{fmt.Sprint(l.Index), l.Type, fmt.Sprint(l.OutShape)})
		}
		table(e.stdout, rows)
	}
	return nil
}
