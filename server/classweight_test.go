package server

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestClassWeightLabelsAPI: through the service, a spec's class_weight
// keyed by the target's labels validates and trains, in the params and in
// a search's grid (which the service fans out as child runs); a key that
// is no class is refused by /api/validate naming the field, the key and
// the classes; a grid that mixes kernel "precomputed" with others is
// refused naming its key.
func TestClassWeightLabelsAPI(t *testing.T) {
	_, ts := newTestServer(t, "sqlite", "")
	spec := `{"name": "iris-cw", "data": {"train": "builtin:iris"}, "model": {"class": "LogisticRegression", "params": {"max_iter": 300, "class_weight": {"setosa": 0.5, "virginica": 3}}},
		"search": {"type": "GridSearchCV", "param_grid": {"class_weight": [{"versicolor": 4}, "balanced", null]}, "cv": 3}}`
	for _, sc := range []scenario{
		{name: "validate", method: "POST", path: "/api/validate", body: spec, status: 200, contain: []string{`"valid":true`}},
		{name: "unknown label", method: "POST", path: "/api/validate", body: strings.Replace(spec, `"versicolor": 4`, `"versicolour": 4`, 1), status: 400,
			contain: []string{`"field":"search.param_grid.class_weight[0]"`, `names class \"versicolour\", which builtin:iris does not have; its classes are 0 (setosa), 1 (versicolor), 2 (virginica)`}},
		{name: "mixed precomputed", method: "POST", path: "/api/validate", body: `{"name": "svc", "data": {"train": "builtin:iris"}, "model": {"class": "SVC"},
			"search": {"type": "GridSearchCV", "param_grid": {"kernel": ["precomputed", "linear"]}}}`, status: 400,
			contain: []string{`"field":"search.param_grid.kernel"`, `mixes \"precomputed\" with other values of kernel`}},
	} {
		sc.run(t, ts.URL)
	}
	out := scenario{name: "create", method: "POST", path: "/api/runs", body: spec, status: 202}.run(t, ts.URL)
	var created struct{ ID string }
	json.Unmarshal([]byte(out), &created)
	waitStatus(t, ts.URL, created.ID, "succeeded")
	scenario{name: "predict", method: "POST", path: "/api/models/iris-cw/predict",
		body: `{"rows": [{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}]}`, status: 200, contain: []string{`setosa`}}.run(t, ts.URL)
}
