package server

import (
	"encoding/json"
	"testing"
)

// TestModelSelectionRuns runs a cross-validation, a grid search and a
// learning curve through
// POST /api/runs (the same train code as `mlforge train`) and checks that
// the run's metrics hold one point per fold, candidate or training size,
// and its result the folds, cv_results_ or the curve.
func TestModelSelectionRuns(t *testing.T) {
	_, ts := newTestServer(t, "sqlite", "")
	for _, c := range []struct {
		body, series string
		points       int
		result       []string
	}{
		{`{"name": "iris-cv", "data": {"train": "builtin:iris"}, "preprocess": [{"type": "StandardScaler"}], "model": {"class": "KNeighborsClassifier"},
			"cv": {"type": "StratifiedKFold", "n_splits": 5, "shuffle": true, "random_state": 0}}`,
			"cv_accuracy", 5, []string{`"splitter":"StratifiedKFold(n_splits=5, shuffle=true, random_state=0)"`, `"folds":[{"n_train":`, `"cv":{"accuracy":`}},
		{`{"name": "iris-gs", "data": {"train": "builtin:iris"}, "preprocess": [{"type": "StandardScaler"}], "model": {"class": "KNeighborsClassifier"},
			"search": {"type": "GridSearchCV", "param_grid": {"n_neighbors": [1, 3, 5, 7, 9, 11], "weights": ["uniform", "distance"]}}}`,
			"search_mean_test_score", 12, []string{`"cv_results":[{"params":{"n_neighbors":1,"weights":"uniform"}`, `"best_params":{`, `"rank_test_score":`}},
		{`{"name": "iris-lc", "data": {"train": "builtin:iris"}, "model": {"class": "KNeighborsClassifier"},
			"learning_curve": {"train_sizes": [0.3, 0.6, 1.0], "cv": {"type": "KFold", "n_splits": 3, "shuffle": true, "random_state": 0}}}`,
			"learning_curve_test_score", 3, []string{`"curve":{"kind":"learning_curve"`, `"n_train":`}},
		{`{"name": "iris-net-gs", "seed": 2, "data": {"train": "builtin:iris"}, "optimizer": {"type": "Adam", "lr": 0.05}, "epochs": 4, "batch_size": 16,
			"model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": 16}, {"type": "ReLU"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
			"search": {"type": "GridSearchCV", "param_grid": {"optimizer.lr": [0.05, 0.01], "model.layers[0].out_features": [8, 16]}}}`,
			"search_mean_test_score", 4, []string{`"cv_results":[{"params":{"model.layers[0].out_features":8,"optimizer.lr":0.05}`, `"best_params":{`, `"rank_test_score":`, `hold-out`}},
	} {
		out := scenario{name: "create", method: "POST", path: "/api/runs", body: c.body, status: 202}.run(t, ts.URL)
		var created struct{ ID string }
		json.Unmarshal([]byte(out), &created)
		waitStatus(t, ts.URL, created.ID, "succeeded")
		scenario{name: "run", method: "GET", path: "/api/runs/" + created.ID, status: 200, contain: c.result}.run(t, ts.URL)
		var m struct {
			Series map[string][]any `json:"series"`
		}
		json.Unmarshal([]byte(scenario{name: "metrics", method: "GET", path: "/api/runs/" + created.ID + "/metrics", status: 200}.run(t, ts.URL)), &m)
		if got := len(m.Series[c.series]); got != c.points {
			t.Errorf("%s: %d points of %s, want %d (series: %v)", created.ID, got, c.series, c.points, keys(m.Series))
		}
	}
	scenario{name: "bad grid", method: "POST", path: "/api/runs", status: 400,
		body:    `{"name": "x", "data": {"train": "builtin:iris"}, "model": {"class": "KNeighborsClassifier"}, "search": {"type": "GridSearchCV", "param_grid": {"n_neigbors": [1]}}}`,
		contain: []string{`"field":"search.param_grid.n_neigbors"`, `did you mean \"n_neighbors\"`}}.run(t, ts.URL)
	scenario{name: "bad network grid", method: "POST", path: "/api/runs", status: 400,
		body: `{"name": "x", "data": {"train": "builtin:iris"}, "model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
			"search": {"type": "GridSearchCV", "param_grid": {"data.target": ["species"]}}}`,
		contain: []string{`"field":"search.param_grid[\"data.target\"]"`, `cannot be searched`}}.run(t, ts.URL)
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}
