package spec_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/spec"
)

func TestCVAndSearchRoundTrip(t *testing.T) {
	for _, src := range []string{
		`{"name": "a", "data": {"train": "builtin:iris"}, "model": {"class": "KNeighborsClassifier"}, "cv": 5}`,
		`{"name": "a", "data": {"train": "builtin:iris"}, "model": {"class": "KNeighborsClassifier"}, "cv": {"type": "GroupKFold", "groups": "sepal_width", "n_splits": 3}}`,
		`{"name": "a", "data": {"train": "builtin:iris"}, "model": {"class": "KNeighborsClassifier"}, "cv": {"type": "StratifiedKFold", "n_splits": 3, "shuffle": true, "random_state": 0}}`,
		`{"name": "a", "data": {"train": "builtin:iris"}, "preprocess": [{"type": "StandardScaler"}], "model": {"class": "KNeighborsClassifier"},
		  "search": {"type": "GridSearchCV", "param_grid": [{"n_neighbors": [1, 3], "StandardScaler__with_mean": [true, false]}, {"weights": ["distance"]}], "cv": 3, "scoring": "f1_macro"}}`,
		`{"name": "a", "data": {"train": "builtin:iris"}, "model": {"class": "KNeighborsClassifier"},
		  "search": {"type": "RandomizedSearchCV", "param_distributions": {"n_neighbors": {"type": "randint", "low": 1, "high": 20}}, "n_iter": 4, "random_state": 3}}`,
		`{"name": "a", "data": {"train": "builtin:iris"}, "model": {"class": "KNeighborsClassifier"}, "cv": {"type": "GroupKFold", "groups": "sepal_width", "n_splits": 3, "max_parallel": 2}}`,
		`{"name": "a", "data": {"train": "builtin:iris"}, "model": {"class": "KNeighborsClassifier"},
		  "search": {"type": "GridSearchCV", "param_grid": {"n_neighbors": [1, 3]}, "max_parallel": 4}}`,
	} {
		s, err := spec.Parse([]byte(src))
		if err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		if err := s.Validate(spec.Env{}); err != nil {
			t.Fatalf("%s: %v", src, err)
		}
		b, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		s2, err := spec.Parse(b)
		if err != nil {
			t.Fatalf("%s: reparse: %v", b, err)
		}
		if err := s2.Validate(spec.Env{}); err != nil {
			t.Fatal(err)
		}
		b2, _ := json.Marshal(s2)
		if string(b) != string(b2) {
			t.Errorf("round trip:\n%s\n%s", b, b2)
		}
	}
}

func TestCVAndSearchErrors(t *testing.T) {
	const base = `{"name": "a", "data": {"train": "builtin:iris"}, "preprocess": [{"type": "StandardScaler"}], "model": {"class": "%s"}, %s}`
	cases := []struct{ class, extra, want string }{
		{"KNeighborsClassifier", `"cv": 1`, "cv: expected a number of folds ≥ 2"},
		{"KNeighborsClassifier", `"cv": {"type": "KFlod"}`, `cv.type: unknown cross-validator "KFlod" (did you mean "KFold"?)`},
		{"KNeighborsClassifier", `"cv": {"type": "KFold", "n_split": 3}`, `did you mean "n_splits"`},
		{"KNeighborsClassifier", `"cv": {"type": "KFold", "random_state": 3}`, "cv.random_state: setting a random_state has no effect"},
		{"KNeighborsRegressor", `"cv": {"type": "StratifiedKFold"}`, "cv.type: StratifiedKFold splits by class labels, but the model is a regressor"},
		{"KNeighborsClassifier", `"cv": {"type": "GroupKFold"}`, "cv.groups: required: GroupKFold keeps the rows of each group in one fold"},
		{"KNeighborsClassifier", `"cv": {"type": "KFold", "groups": "g"}`, "cv.groups: KFold takes no groups; GroupKFold does"},
		{"KNeighborsClassifier", `"cv": {"type": "GroupKFold", "groups": 3}`, "cv.groups: expected a string, got 3"},
		{"KNeighborsClassifier", `"cv": "five"`, `cv: expected a number of folds or {"type": "KFold", "n_splits": 5}, got "five"`},
		{"KNeighborsClassifier", `"search": {"type": "GridSearchCV", "param_grid": {"n_neighbor": [1, 3]}}`,
			`search.param_grid.n_neighbor: KNeighborsClassifier has no parameter "n_neighbor" (did you mean "n_neighbors"?)`},
		{"KNeighborsClassifier", `"search": {"type": "GridSearchCV", "param_grid": {"StandardScaler__with_man": [true]}}`,
			`search.param_grid.StandardScaler__with_man: StandardScaler has no parameter "with_man" (did you mean "with_mean"?)`},
		{"KNeighborsClassifier", `"search": {"type": "GridSearchCV", "param_grid": {"Scaler__with_mean": [true]}}`, `"Scaler" names no step of the pipeline`},
		{"KNeighborsClassifier", `"search": {"type": "GridSearchCV", "param_grid": {}}`, "search.param_grid: the grid is empty"},
		{"KNeighborsClassifier", `"search": {"type": "GridSearchCV", "param_grid": {"n_neighbors": []}}`, "search.param_grid.n_neighbors: the list of values is empty"},
		{"KNeighborsClassifier", `"search": {"type": "GridSearchCV"}`, "search.param_grid: required"},
		{"KNeighborsClassifier", `"search": {"type": "GridSearchCV", "param_grid": {"model__n_neighbors": [3, 0]}}`, "search.param_grid.model__n_neighbors[1]: expected an integer ≥ 1"},
		{"KNeighborsClassifier", `"search": {"type": "GridSerchCV", "param_grid": {"n_neighbors": [3]}}`, `did you mean "GridSearchCV"`},
		{"KNeighborsClassifier", `"search": {"type": "GridSearchCV", "param_grid": {"n_neighbors": [3]}, "scoring": "r2"}`, `search.scoring: "r2" is a regression metric`},
		{"KNeighborsClassifier", `"search": {"type": "GridSearchCV", "param_grid": {"n_neighbors": [3]}, "refit": false}`, "search.refit"},
		{"KNeighborsClassifier", `"search": {"type": "RandomizedSearchCV", "param_distributions": {"n_neighbors": {"type": "randint", "low": 5, "high": 5}}}`, "randint needs low < high"},
		{"KNeighborsClassifier", `"search": {"type": "RandomizedSearchCV", "param_distributions": {"n_neighbors": {"type": "poisson"}}}`, "expected a distribution"},
		{"KNeighborsClassifier", `"search": {"type": "RandomizedSearchCV", "param_distributions": {"n_neighbors": {"type": "uniform", "loc": 1, "scale": 10}}}`,
			"search.param_distributions.n_neighbors: the distribution draws values such as 4.7, and expected an integer"},
		{"KNeighborsClassifier", `"search": {"type": "HalvingGridSearchCV", "param_grid": {"n_neighbors": [3]}, "factor": 1}`, "search.factor: expected a number > 1"},
		{"KNeighborsClassifier", `"search": {"type": "HalvingGridSearchCV", "param_grid": {"n_neighbors": [3]}, "min_resources": "most"}`, `search.min_resources: expected "exhaust" or "smallest" or a number of rows`},
		{"KNeighborsClassifier", `"search": {"type": "GridSearchCV", "param_grid": {"n_neighbors": [3]}, "factor": 2}`, "search.factor: belongs to HalvingGridSearchCV"},
		{"KNeighborsClassifier", `"cv": 3, "search": {"type": "GridSearchCV", "param_grid": {"n_neighbors": [3]}}`, "cv: a spec with a search"},
		{"KNeighborsClassifier", `"cv": {"type": "KFold", "max_parallel": -1}`, "cv.max_parallel: expected how many trials the service trains at once, 1 to 1000, got -1"},
		{"KNeighborsClassifier", `"cv": {"type": "KFold", "max_parallel": "all"}`, "cv.max_parallel: expected an integer"},
		{"KNeighborsClassifier", `"search": {"type": "GridSearchCV", "param_grid": {"n_neighbors": [3]}, "max_parallel": 1001}`, "search.max_parallel: expected how many trials the service trains at once, 1 to 1000, got 1001"},
		{"KNeighborsClassifier", `"search": {"type": "GridSearchCV", "param_grid": {"n_neighbors": [3]}, "cv": {"type": "KFold", "max_parallel": 2}}`, "search.cv.max_parallel: a search's max_parallel counts candidates"},
	}
	for _, c := range cases {
		src := strings.Replace(strings.Replace(base, "%s", c.class, 1), "%s", c.extra, 1)
		s, err := spec.Parse([]byte(src))
		if err == nil {
			err = s.Validate(spec.Env{})
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s:\n got %v\nwant %q", c.extra, err, c.want)
		}
	}
}

func TestCurveErrors(t *testing.T) {
	const base = `{"name": "a", "data": {"train": "builtin:iris"}, "model": {"class": "KNeighborsClassifier"}, %s}`
	for _, c := range []struct{ extra, want string }{
		{`"validation_curve": {"param_range": [1]}`, "validation_curve.param_name: required"},
		{`"validation_curve": {"param_name": "n_neighbors"}`, "validation_curve.param_range: required"},
		{`"validation_curve": {"param_name": "n_neigbors", "param_range": [1, 2]}`, `did you mean "n_neighbors"`},
		{`"validation_curve": {"param_name": "n_neighbors", "param_range": [1, 0]}`, "validation_curve.param_range[1]: expected an integer ≥ 1"},
		{`"learning_curve": {"train_sizes": [0, 0.5]}`, "learning_curve.train_sizes[0]: expected a fraction in (0, 1]"},
		{`"learning_curve": {"train_sizes": [10, 20.5]}`, "learning_curve.train_sizes[1]: expected a whole number of rows"},
		{`"learning_curve": {"scoring": "r2"}`, `learning_curve.scoring: "r2" is a regression metric`},
		{`"learning_curve": {}, "cv": 3`, "cv: a run does one of cv, search, validation_curve and learning_curve; this spec also has learning_curve"},
	} {
		s, err := spec.Parse([]byte(strings.Replace(base, "%s", c.extra, 1)))
		if err == nil {
			err = s.Validate(spec.Env{})
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s:\n got %v\nwant %q", c.extra, err, c.want)
		}
	}
}

// TestNetworkSearchKeys: a search over a network names the fields it sets
// by their path in the spec; data and other keys cannot be searched.
func TestNetworkSearchKeys(t *testing.T) {
	const base = `{"name": "a", "data": {"train": "builtin:iris"}, "optimizer": {"type": "SGD", "lr": 0.1}, "epochs": 2,
	  "model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": 16}, {"type": "ReLU"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
	  "search": %s}`
	for _, good := range []string{
		`{"type": "GridSearchCV", "param_grid": {"optimizer.lr": [0.1, 0.01], "batch_size": [16, 32], "epochs": [1, 2], "model.layers[2].in_features": [16], "optimizer.momentum": [0, 0.9]}, "scoring": "f1_macro"}`,
		`{"type": "RandomizedSearchCV", "param_distributions": {"optimizer.lr": {"type": "loguniform", "a": 0.001, "b": 0.1}}, "n_iter": 3}`,
		`{"type": "GridSearchCV", "param_grid": {"optimizer.lr": [0.1, 0.01]}, "cv": 3}`,
		`{"type": "GridSearchCV", "param_grid": {"optimizer.lr": [0.1, 0.01]}, "cv": {"type": "KFold", "n_splits": 3, "shuffle": true, "random_state": 0}}`,
		`{"type": "HalvingGridSearchCV", "param_grid": {"optimizer.lr": [0.1, 0.01, 0.001]}, "cv": 2, "factor": 2}`,
	} {
		s, err := spec.Parse([]byte(strings.Replace(base, "%s", good, 1)))
		if err != nil {
			t.Fatalf("%s: %v", good, err)
		}
		if err := s.Validate(spec.Env{}); err != nil {
			t.Errorf("%s: %v", good, err)
		}
	}
	for _, c := range []struct{ search, want string }{
		{`{"type": "GridSearchCV", "param_grid": {"optimzer.lr": [0.1]}}`, `search.param_grid["optimzer.lr"]: unknown key "optimzer.lr" (did you mean "optimizer.lr"?)`},
		{`{"type": "GridSearchCV", "param_grid": {"data.split.test_size": [0.2]}}`, `search.param_grid["data.split.test_size"]: "data.split.test_size" cannot be searched: a search over a network sets optimizer.PARAM`},
		{`{"type": "GridSearchCV", "param_grid": {"seed": [1, 2]}}`, `search.param_grid.seed: "seed" cannot be searched`},
		{`{"type": "GridSearchCV", "param_grid": {"model.layers[7].out_features": [8]}}`, `model.layers has 3 entries`},
		{`{"type": "GridSearchCV", "param_grid": {"model.layers[0].type": ["Conv2d"]}}`, `cannot be searched: a candidate changes parameters`},
		{`{"type": "GridSearchCV", "param_grid": {"scheduler.gamma": [0.5]}}`, `the spec has no scheduler to search`},
		{`{"type": "GridSearchCV", "param_grid": {"optimizer.lr": [0.1]}, "cv": 1}`, `search.cv: expected a number of folds ≥ 2`},
		{`{"type": "GridSearchCV", "param_grid": {"optimizer.lr": [0.1]}, "cv": {"type": "GroupKFold", "n_splits": 3, "groups": "g"}}`, `search.cv.groups: a search over a network splits its training samples without groups`},
		{`{"type": "RandomizedSearchCV", "param_distributions": {"optimizer.lr": {"type": "loguniform", "a": 0, "b": 1}}}`, `loguniform needs 0 < a < b`},
		{`{"type": "GridSearchCV", "param_grid": {"batch_size": []}}`, `search.param_grid.batch_size: the list of values is empty`},
		{`{"type": "HalvingGridSearchCV", "param_grid": {"optimizer.lr": [0.1]}, "factor": 1}`, `search.factor: expected a number > 1`},
		{`{"type": "GridSearchCV", "param_grid": {"optimizer.lr": [0.1]}, "scoring": "r2"}`, `"r2" is a regression metric but the network is a classifier`},
	} {
		s, err := spec.Parse([]byte(strings.Replace(base, "%s", c.search, 1)))
		if err == nil {
			err = s.Validate(spec.Env{})
		}
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.search, err, c.want)
		}
	}
}
