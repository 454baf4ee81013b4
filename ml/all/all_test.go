package all_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/ml"
	_ "github.com/mlforge/mlforge/ml/all"
	"github.com/mlforge/mlforge/ml/mltest"
)

// TestEstimators runs the common check suite over every registered class.
func TestEstimators(t *testing.T) {
	for _, c := range ml.Classes() {
		t.Run(c.Name, func(t *testing.T) { mltest.Check(t, c.Name) })
	}
}

// TestRegistry checks that classes are registered, documented, and that
// every hyperparameter has a JSON name and help, and that the defaults
// are valid.
func TestRegistry(t *testing.T) {
	classes := ml.Classes()
	if len(classes) == 0 {
		t.Fatal("no estimator class is registered")
	}
	for _, c := range classes {
		if c.Doc == "" {
			t.Errorf("%s has no Doc", c.Name)
		}
		if c.Family == "" {
			t.Errorf("%s has no Family", c.Name)
		}
		switch c.Task {
		case ml.Classification, ml.Regression, ml.Transform, ml.Clustering:
		default:
			t.Errorf("%s has Task %q", c.Name, c.Task)
		}
		seen := map[string]bool{}
		for _, p := range c.Params {
			// Names are scikit-learn's: snake_case, with exceptions such
			// as LogisticRegression's C.
			if p.Name == "" || strings.ContainsAny(p.Name, " -.") {
				t.Errorf("%s: parameter %q is not a JSON name as in scikit-learn", c.Name, p.Name)
			}
			if seen[p.Name] {
				t.Errorf("%s: parameter %q twice", c.Name, p.Name)
			}
			seen[p.Name] = true
			if p.Help == "" {
				t.Errorf("%s: parameter %q has no help", c.Name, p.Name)
			}
		}
		if _, err := ml.New(c.Name, nil); err != nil {
			t.Errorf("%s: building with defaults: %v", c.Name, err)
		}
	}
}

// TestEstimatorsEnumParams runs the suite again for every other value of
// every enumerated hyperparameter (weights, algorithm, criterion, strategy,
// ...), one at a time. Values that the class refuses at construction (a
// combination its Validate rules out) are skipped.
func TestEstimatorsEnumParams(t *testing.T) {
	if testing.Short() {
		t.Skip("one suite run per enum value")
	}
	for _, c := range ml.Classes() {
		for _, p := range c.Params {
			for _, v := range p.Enum {
				if v == p.Default {
					continue
				}
				if v == "precomputed" {
					// X must then be a kernel or distance matrix, which
					// mltest's data is not: ml/svm's, ml/neighbors' and
					// ml/cluster's precomputed tests check those fits.
					continue
				}
				params, err := json.Marshal(map[string]string{p.Name: v})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := ml.New(c.Name, params); err != nil {
					continue
				}
				t.Run(c.Name+"/"+p.Name+"="+v, func(t *testing.T) {
					opts := mltest.OptionsFor(c.Name)
					opts.Params = params
					mltest.CheckWith(t, c.Name, opts)
				})
			}
		}
	}
}
