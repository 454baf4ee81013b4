package train_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/spec"
	"github.com/mlforge/mlforge/train"
)

// TestPermutationImportanceMatchesScikitLearn runs the spec fragments of
// testdata/permutation.json (scikit-learn 1.2.1, gen_permutation.py) with
// the dataset as both the training and the test data: every repeat's
// importance, and their means and standard deviations, within 1e-12 (the
// k-nearest-neighbour predictions are exact, so the shuffles must be
// numpy's draw for draw), and the model file keeps the same table.
func TestPermutationImportanceMatchesScikitLearn(t *testing.T) {
	b, err := os.ReadFile("testdata/permutation.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Cases []struct {
			Dataset     string          `json:"dataset"`
			Preprocess  json.RawMessage `json:"preprocess"`
			Model       json.RawMessage `json:"model"`
			Permutation json.RawMessage `json:"permutation_importance"`
			Mean        []float64       `json:"importances_mean"`
			Std         []float64       `json:"importances_std"`
			Importances [][]float64     `json:"importances"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	worst := 0.0
	for i, c := range fx.Cases {
		t.Run(fmt.Sprintf("%d-%s", i, c.Dataset), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "m")
			res, err := runSpec(t, fmt.Sprintf(`{"name": "p", "data": {"train": "builtin:%s", "test": "builtin:%s"}, "preprocess": %s, "model": %s, "permutation_importance": %s, "output": %q}`,
				c.Dataset, c.Dataset, c.Preprocess, c.Model, c.Permutation, out), train.Options{})
			if err != nil {
				t.Fatal(err)
			}
			pr := res.Permutation
			if pr == nil || len(pr.ImportancesMean) != len(c.Mean) || len(pr.Importances) != len(c.Importances) {
				t.Fatalf("permutation result %+v, want %d features", pr, len(c.Mean))
			}
			for j := range c.Mean {
				if len(pr.Importances[j]) != len(c.Importances[j]) {
					t.Fatalf("feature %d: %d repeats, want %d", j, len(pr.Importances[j]), len(c.Importances[j]))
				}
				for r, want := range c.Importances[j] {
					d := math.Abs(pr.Importances[j][r] - want)
					worst = math.Max(worst, d)
					if d > 1e-12 {
						t.Errorf("importances[%d][%d] = %.17g, want %.17g", j, r, pr.Importances[j][r], want)
					}
				}
				if d := math.Max(math.Abs(pr.ImportancesMean[j]-c.Mean[j]), math.Abs(pr.ImportancesStd[j]-c.Std[j])); d > 1e-12 {
					t.Errorf("feature %d: mean %.17g std %.17g, want %.17g %.17g", j, pr.ImportancesMean[j], pr.ImportancesStd[j], c.Mean[j], c.Std[j])
				}
			}
			m, err := model.Load(out)
			if err != nil {
				t.Fatal(err)
			}
			var sel struct {
				P *train.PermutationResult `json:"permutation_importance"`
			}
			if err := json.Unmarshal(m.Manifest.Selection, &sel); err != nil || sel.P == nil {
				t.Fatalf("model_selection %s: %v", m.Manifest.Selection, err)
			}
			if sel.P.ImportancesMean[0] != pr.ImportancesMean[0] || sel.P.Scoring != pr.Scoring {
				t.Errorf("model file's permutation_importance %+v, run's %+v", sel.P, pr)
			}
		})
	}
	t.Logf("largest difference from scikit-learn: %.3g", worst)
}

func TestPermutationImportanceSpecErrors(t *testing.T) {
	for _, c := range []struct{ frag, want string }{
		{`{"n_repeats": 0}`, "permutation_importance.n_repeats: expected an integer in [1, 1000], got 0"},
		{`{"max_samples": 0}`, "permutation_importance.max_samples: expected a fraction in (0, 1]"},
		{`{"max_samples": 2.5}`, "permutation_importance.max_samples: expected a whole number of rows"},
		{`{"scoring": "r2"}`, `permutation_importance.scoring: "r2" is a regression metric`},
		{`{"random_state": -1}`, "permutation_importance.random_state: expected an integer in [0, 4294967295]"},
		{`{"n_repats": 3}`, `permutation_importance.n_repats: unknown key in permutation_importance (did you mean "n_repeats"?)`},
	} {
		s, err := spec.Parse([]byte(`{"name": "p", "data": {"train": "builtin:iris"}, "model": {"class": "KNeighborsClassifier"}, "permutation_importance": ` + c.frag + `}`))
		if err == nil {
			err = s.Validate(spec.Env{})
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want %q", c.frag, err, c.want)
		}
	}
	// max_samples above the test rows is refused when the rows are known.
	_, err := runSpec(t, `{"name": "p", "data": {"train": "builtin:iris"}, "model": {"class": "KNeighborsClassifier"}, "permutation_importance": {"max_samples": 500}, "output": "`+filepath.Join(t.TempDir(), "m")+`"}`, train.Options{})
	if err == nil || !strings.Contains(err.Error(), "permutation_importance.max_samples: 500 makes 500 rows of the 38 test rows") {
		t.Errorf("max_samples 500 of 38 rows: %v", err)
	}
}

// TestPermutationImportanceWeightedMatchesScikitLearn runs the cases of
// testdata/permutation_weighted.json (scikit-learn 1.2.1,
// gen_permutation_weighted.py): a table with a weights column "w" as
// data.train, data.test and data.sample_weight, the estimator fitted with
// the weights and every score weighted by them, as
// permutation_importance(sample_weight=w). Every repeat's importance and
// their mean and standard deviation within 1e-9 (the fits are closed-form,
// GaussianNB's and Ridge's, which agree with scikit-learn to about 1e-12;
// the reference run's largest difference is logged), and the model file
// keeps the table, marked weighted.
func TestPermutationImportanceWeightedMatchesScikitLearn(t *testing.T) {
	b, err := os.ReadFile("testdata/permutation_weighted.json")
	if err != nil {
		t.Fatal(err)
	}
	var fx struct {
		Cases []struct {
			Table       string          `json:"table"`
			Model       json.RawMessage `json:"model"`
			Permutation json.RawMessage `json:"permutation_importance"`
			Mean        []float64       `json:"importances_mean"`
			Std         []float64       `json:"importances_std"`
			Importances [][]float64     `json:"importances"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(b, &fx); err != nil {
		t.Fatal(err)
	}
	const tol = 1e-9
	worst := 0.0
	for i, c := range fx.Cases {
		t.Run(fmt.Sprintf("%d-%s", i, c.Table), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "m")
			res, err := runSpec(t, fmt.Sprintf(`{"name": "p", "data": {"train": %q, "test": %q, "target": "target", "sample_weight": "w"}, "model": %s, "permutation_importance": %s, "output": %q}`,
				c.Table, c.Table, c.Model, c.Permutation, out), train.Options{Root: "testdata"})
			if err != nil {
				t.Fatal(err)
			}
			pr := res.Permutation
			if pr == nil || !pr.Weighted || len(pr.ImportancesMean) != len(c.Mean) || len(pr.Importances) != len(c.Importances) {
				t.Fatalf("permutation result %+v, want %d features, weighted", pr, len(c.Mean))
			}
			for j := range c.Mean {
				for r, want := range c.Importances[j] {
					d := math.Abs(pr.Importances[j][r] - want)
					worst = math.Max(worst, d)
					if d > tol {
						t.Errorf("%s importances[%d][%d] = %.17g, want %.17g", pr.Features[j], j, r, pr.Importances[j][r], want)
					}
				}
				if d := math.Max(math.Abs(pr.ImportancesMean[j]-c.Mean[j]), math.Abs(pr.ImportancesStd[j]-c.Std[j])); d > tol {
					t.Errorf("feature %d: mean %.17g std %.17g, want %.17g %.17g", j, pr.ImportancesMean[j], pr.ImportancesStd[j], c.Mean[j], c.Std[j])
				}
			}
			m, err := model.Load(out)
			if err != nil {
				t.Fatal(err)
			}
			var sel struct {
				P *train.PermutationResult `json:"permutation_importance"`
			}
			if err := json.Unmarshal(m.Manifest.Selection, &sel); err != nil || sel.P == nil || !sel.P.Weighted {
				t.Fatalf("model_selection %s: %v", m.Manifest.Selection, err)
			}
		})
	}
	t.Logf("largest difference from scikit-learn: %.3g", worst)
}

// TestPermutationImportanceWeightedRules: unit weights give the unweighted
// importances (max_samples drawing the weights with the rows), a metric
// without sample weights is refused at validation.
func TestPermutationImportanceWeightedRules(t *testing.T) {
	dir := t.TempDir()
	src, err := os.ReadFile("testdata/iris_w.csv")
	if err != nil {
		t.Fatal(err)
	}
	var ones, plain strings.Builder
	for i, line := range strings.Split(strings.TrimSpace(string(src)), "\n") {
		f := strings.Split(line, ",")
		if i > 0 {
			f[4] = "1"
		}
		ones.WriteString(strings.Join(f, ",") + "\n")
		plain.WriteString(strings.Join(append(f[:4:4], f[5]), ",") + "\n")
	}
	for name, body := range map[string]string{"ones.csv": ones.String(), "plain.csv": plain.String()} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	pi := `{"n_repeats": 3, "random_state": 2, "scoring": "accuracy", "max_samples": 0.5}`
	run := func(train0, test, weights string) *train.PermutationResult {
		t.Helper()
		w := ""
		if weights != "" {
			w = fmt.Sprintf(`, "sample_weight": %q`, weights)
		}
		res, err := runSpec(t, fmt.Sprintf(`{"name": "p", "data": {"train": %q, "test": %q, "target": "target"%s}, "model": {"class": "GaussianNB"}, "permutation_importance": %s, "output": %q}`,
			train0, test, w, pi, filepath.Join(t.TempDir(), "m")), train.Options{Root: dir})
		if err != nil {
			t.Fatal(err)
		}
		return res.Permutation
	}
	weighted, unweighted := run("ones.csv", "ones.csv", "w"), run("plain.csv", "plain.csv", "")
	if !weighted.Weighted || unweighted.Weighted {
		t.Fatalf("weighted flags %v %v", weighted.Weighted, unweighted.Weighted)
	}
	for j := range weighted.ImportancesMean {
		if math.Abs(weighted.ImportancesMean[j]-unweighted.ImportancesMean[j]) > 1e-12 {
			t.Errorf("feature %d: unit weights give %v, unweighted %v", j, weighted.ImportancesMean[j], unweighted.ImportancesMean[j])
		}
	}
	s, err := spec.Parse([]byte(`{"name": "p", "data": {"train": "builtin:iris", "sample_weight": "sepal_width"}, "model": {"class": "GaussianNB"}, "permutation_importance": {"scoring": "f1_macro"}}`))
	if err == nil {
		err = s.Validate(spec.Env{})
	}
	if err == nil || !strings.Contains(err.Error(), "permutation_importance.scoring: f1_macro does not take sample weights") {
		t.Errorf("f1_macro with sample weights: %v", err)
	}
}
