package train_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/mlforge/mlforge/data"
	"github.com/mlforge/mlforge/ml"
	"github.com/mlforge/mlforge/model"
	"github.com/mlforge/mlforge/train"
)

// irisRoot holds iris.csv, whose target column holds the species' names
// (setosa, versicolor, virginica: class values 0, 1, 2).
const irisRoot = "../data/datasets"

// fitted runs spec src (with "%s" for the output directory) on iris.csv
// and returns the result and the model file's scores on the training
// table: predictions, probabilities and decision function where the model
// has them.
func fitted(t *testing.T, root, src string) (*train.Result, [3]any) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "m")
	res, err := runSpec(t, fmt.Sprintf(src, out), train.Options{Root: root})
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	f, err := data.ReadCSVFile(filepath.Join(root, "iris.csv"), data.CSVOptions{Name: "iris.csv", Target: "target"})
	if err != nil {
		t.Fatal(err)
	}
	var scores [3]any
	p, err := m.Predict(f.X, true)
	if err != nil {
		p, err = m.Predict(f.X, false) // no predict_proba
	}
	if err != nil {
		t.Fatal(err)
	}
	scores[0] = p.Values
	if p.Proba != nil {
		scores[1] = mat.DenseCopyOf(p.Proba).RawMatrix().Data
	}
	if d, err := m.Pipeline.DecisionFunction(f.X); err == nil {
		scores[2] = d.RawMatrix().Data
	}
	return res, scores
}

// TestClassWeightLabelsMatchCodes: with a text target, class_weight keyed
// by the labels fits the model that the keys' class values (the indices of
// the sorted labels) fit, for every estimator taking class_weight, an
// ensemble member's too: the same predictions, probabilities and decision
// function on every row, bit for bit, and the same scores. The weights do
// change the model (the unweighted fit differs).
func TestClassWeightLabelsMatchCodes(t *testing.T) {
	for _, c := range []struct{ class, params string }{
		{"LogisticRegression", `"max_iter": 500`},
		{"LogisticRegression", `"solver": "liblinear"`},
		{"SVC", `"probability": true, "random_state": 1`},
		{"NuSVC", `"nu": 0.3`},
		{"LinearSVC", `"max_iter": 5000`},
		{"RidgeClassifier", `"alpha": 2`},
		{"SGDClassifier", `"random_state": 3`},
		{"Perceptron", `"random_state": 3`},
		{"PassiveAggressiveClassifier", `"random_state": 3`},
		{"RandomForestClassifier", `"n_estimators": 5, "random_state": 0`},
		{"ExtraTreesClassifier", `"n_estimators": 5, "random_state": 0`},
	} {
		t.Run(c.class, func(t *testing.T) {
			src := func(cw string) string {
				return `{"name": "cw", "data": {"train": "iris.csv", "target": "target", "split": {"test_size": 0.3, "seed": 1}},
					"model": {"class": "` + c.class + `", "params": {` + c.params + cw + `}}, "output": %q}`
			}
			resL, byLabel := fitted(t, irisRoot, src(`, "class_weight": {"setosa": 0.2, "virginica": 5}`))
			resC, byCode := fitted(t, irisRoot, src(`, "class_weight": {"0": 0.2, "2": 5}`))
			if !reflect.DeepEqual(byLabel, byCode) {
				t.Errorf("keyed by label, the model scores\n%v\nkeyed by class value\n%v", byLabel, byCode)
			}
			if !reflect.DeepEqual(resL.Metrics, resC.Metrics) {
				t.Errorf("metrics %v by label, %v by class value", resL.Metrics, resC.Metrics)
			}
			if c.class == "NuSVC" { // scikit-learn 1.2's ν problem ignores class_weight
				return
			}
			if _, none := fitted(t, irisRoot, src("")); reflect.DeepEqual(none, byLabel) {
				t.Errorf("the weights change nothing: the unweighted model scores the same")
			}
		})
	}
	t.Run("VotingClassifier", func(t *testing.T) {
		src := func(cw string) string {
			return `{"name": "cw", "data": {"train": "iris.csv", "target": "target"}, "model": {"class": "VotingClassifier", "params": {"voting": "soft", "estimators": [
				{"name": "lr", "class": "LogisticRegression", "params": {"max_iter": 500, "class_weight": ` + cw + `}},
				{"name": "rf", "class": "RandomForestClassifier", "params": {"n_estimators": 3, "class_weight": ` + cw + `}}]}}, "output": %q}`
		}
		_, byLabel := fitted(t, irisRoot, src(`{"versicolor": 4, "virginica": 0.5}`))
		_, byCode := fitted(t, irisRoot, src(`{"1": 4, "2": 0.5}`))
		if !reflect.DeepEqual(byLabel, byCode) {
			t.Errorf("members keyed by label score\n%v\nby class value\n%v", byLabel, byCode)
		}
	})
}

// TestClassWeightLabelsInSearch: a search's grid and a validation curve
// take class_weight objects keyed by label: cv_results_ equals the grid of
// class values' (the candidates' params as written), the refit model too.
func TestClassWeightLabelsInSearch(t *testing.T) {
	src := func(grid string) string {
		return `{"name": "cw", "data": {"train": "iris.csv", "target": "target", "split": {"test_size": 0.3, "seed": 1}},
			"model": {"class": "LogisticRegression", "params": {"max_iter": 300, "C": 0.05}},
			"search": {"type": "GridSearchCV", "param_grid": {"class_weight": ` + grid + `}, "cv": 3}, "output": %q}`
	}
	resL, byLabel := fitted(t, irisRoot, src(`[null, {"setosa": 0.1, "versicolor": 9}, "balanced", {"virginica": 7}]`))
	resC, byCode := fitted(t, irisRoot, src(`[null, {"0": 0.1, "1": 9}, "balanced", {"2": 7}]`))
	if !reflect.DeepEqual(byLabel, byCode) {
		t.Errorf("the refit model keyed by label scores\n%v\nby class value\n%v", byLabel, byCode)
	}
	for i, r := range resL.Search.Results {
		c := resC.Search.Results[i]
		if !reflect.DeepEqual(r.SplitTestScore, c.SplitTestScore) || r.RankTestScore != c.RankTestScore {
			t.Errorf("candidate %d: %v rank %d by label, %v rank %d by class value", i, r.SplitTestScore, r.RankTestScore, c.SplitTestScore, c.RankTestScore)
		}
	}
	if got := string(resL.Search.Results[1].Params["class_weight"]); got != `{"setosa":0.1,"versicolor":9}` {
		t.Errorf("cv_results_ params %s, want the grid's value as written", got)
	}
	if s0, s1 := resL.Search.Results[0].MeanTestScore, resL.Search.Results[1].MeanTestScore; s0 == s1 {
		t.Errorf("null and {setosa: 0.1, versicolor: 9} score the same %v: the weights did nothing", s0)
	}

	curve := func(r string) []float64 {
		res, _ := fitted(t, irisRoot, `{"name": "cw", "data": {"train": "iris.csv", "target": "target"},
			"model": {"class": "LogisticRegression", "params": {"max_iter": 300, "C": 0.05}},
			"validation_curve": {"param_name": "class_weight", "param_range": `+r+`, "cv": 3}, "output": %q}`)
		var out []float64
		for _, pt := range res.Curve.Points {
			out = append(out, pt.TestScores...)
		}
		return out
	}
	if a, b := curve(`[{"setosa": 0.1, "versicolor": 9}, {"virginica": 7}]`), curve(`[{"0": 0.1, "1": 9}, {"2": 7}]`); !reflect.DeepEqual(a, b) {
		t.Errorf("validation curve %v by label, %v by class value", a, b)
	}
}

// TestClassWeightKeyRules: the keys' rules where labels read as numbers
// (the label wins; a key that is no label is a class value), numeric
// targets (keys compared as numbers) and the errors, each naming the field
// and the key and listing the classes.
func TestClassWeightKeyRules(t *testing.T) {
	dir := t.TempDir()
	iris, err := os.ReadFile(filepath.Join(irisRoot, "iris.csv"))
	if err != nil {
		t.Fatal(err)
	}
	write := func(name string, labels [3]string) {
		s := string(iris)
		for i, l := range []string{"setosa", "versicolor", "virginica"} {
			s = strings.ReplaceAll(s, ","+l+"\n", ","+labels[i]+"\n")
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("iris.csv", [3]string{"1", "2", "x"}) // text: class values 0 ("1"), 1 ("2"), 2 ("x")
	src := func(cw string) string {
		return `{"name": "cw", "data": {"train": "iris.csv", "target": "target"}, "model": {"class": "LogisticRegression", "params": {"max_iter": 500, "class_weight": ` + cw + `}}, "output": %q}`
	}
	_, labels := fitted(t, dir, src(`{"1": 0.2, "x": 5}`)) // the labels "1" and "x"
	_, codes := fitted(t, dir, src(`{"0": 0.2, "x": 5}`))  // "0" is no label: the class value 0, labelled "1"
	if !reflect.DeepEqual(labels, codes) {
		t.Errorf(`{"1", "x"} scores %v, {"0", "x"} %v`, labels, codes)
	}
	if _, two := fitted(t, dir, src(`{"2": 0.2, "x": 5}`)); reflect.DeepEqual(two, labels) { // the label "2", class value 1
		t.Errorf(`{"2", "x"} scores as {"1", "x"}: the label "2" taken as the class value 2?`)
	}

	write("iris.csv", [3]string{"1", "2", "3"}) // numbers
	_, a := fitted(t, dir, src(`{"1": 0.2, "3": 5}`))
	_, b := fitted(t, dir, src(`{"1.0": 0.2, " 3e0": 5}`))
	if !reflect.DeepEqual(a, b) {
		t.Errorf(`numeric target: {"1", "3"} scores %v, {"1.0", " 3e0"} %v`, a, b)
	}

	write("text.csv", [3]string{"setosa", "versicolor", "virginica"})
	for _, c := range []struct{ file, params, extra, want string }{
		{"text.csv", `"class_weight": {"setosa": 1, "setsa": 2}`, "",
			`model.params.class_weight: names class "setsa", which text.csv does not have; its classes are 0 (setosa), 1 (versicolor), 2 (virginica) (a key is a label or its class value)`},
		{"text.csv", `"class_weight": {"setosa": 1, "0": 2}`, "",
			`model.params.class_weight: names the class 0 (setosa) twice, as "0" and "setosa"; give each class one weight`},
		{"iris.csv", `"class_weight": {"setosa": 1}`, "",
			`model.params.class_weight: names class "setosa", which iris.csv does not have; its classes are 1, 2, 3 (the target holds numbers: a key is a class value)`},
		{"iris.csv", `"class_weight": {"1": 1, "1.0": 2}`, "",
			`model.params.class_weight: the keys "1" and "1.0" name the same class 1; give each class one weight`},
		{"text.csv", "", `, "search": {"type": "GridSearchCV", "param_grid": [{"C": [1]}, {"class_weight": ["balanced", {"virginca": 2}]}], "cv": 3}`,
			`search.param_grid[1].class_weight[1]: names class "virginca", which text.csv does not have`},
		{"text.csv", "", `, "validation_curve": {"param_name": "model__class_weight", "param_range": [{"7": 1}], "cv": 3}`,
			`validation_curve.param_range[0]: names class 7, which text.csv does not have`},
		{"text.csv", `"estimators": [{"name": "a", "class": "SVC", "params": {"class_weight": {"setosa": 1, "Setosa": 2}}}]`, "",
			`model.params.estimators[0].params.class_weight: names class "Setosa", which text.csv does not have`},
	} {
		class := "LogisticRegression"
		if strings.Contains(c.params, "estimators") {
			class = "VotingClassifier"
		}
		_, err := runSpec(t, `{"name": "cw", "data": {"train": "`+c.file+`", "target": "target"}, "model": {"class": "`+class+`", "params": {`+c.params+`}}`+c.extra+`, "output": "`+filepath.Join(dir, "m")+`"}`, train.Options{Root: dir})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %s%s: %v\nwant %s", c.file, c.params, c.extra, err, c.want)
		} else if !ml.IsBadInput(err) {
			t.Errorf("%s: not bad input: %v", c.want, err)
		}
	}
}

// TestClassWeightLabelsSweep: a search over class_weight objects keyed by
// label, fanned out as child runs (PlanSweep, RunTrial) and gathered, has
// the in-process search's cv_results_ keyed by class value.
func TestClassWeightLabelsSweep(t *testing.T) {
	src := func(grid string) string {
		return fmt.Sprintf(`{"name": "sw", "data": {"train": "builtin:iris"}, "model": {"class": "LogisticRegression", "params": {"max_iter": 300, "C": 0.05}},
			"search": {"type": "GridSearchCV", "param_grid": {"class_weight": %s}, "cv": 3}, "output": %q}`, grid, filepath.Join(t.TempDir(), "m"))
	}
	want, err := runSpec(t, src(`[{"0": 0.1, "1": 9}, null, {"2": 7}]`), train.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, _ := runTrials(t, src(`[{"setosa": 0.1, "versicolor": 9}, null, {"virginica": 7}]`), nil)
	for i, r := range got.Search.Results {
		if w := want.Search.Results[i]; !reflect.DeepEqual(r.SplitTestScore, w.SplitTestScore) || r.RankTestScore != w.RankTestScore {
			t.Errorf("candidate %d: %v rank %d from child runs by label, %v rank %d in process by class value", i, r.SplitTestScore, r.RankTestScore, w.SplitTestScore, w.RankTestScore)
		}
	}
	if !reflect.DeepEqual(got.Metrics["test"], want.Metrics["test"]) {
		t.Errorf("test metrics %v, %v", got.Metrics["test"], want.Metrics["test"])
	}
}
