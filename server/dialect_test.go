package server

import (
	"encoding/json"
	"testing"
)

// TestValidateAndRunsDialect: /api/validate and /api/runs take a service
// dictionary (spec/dialect.go) unchanged, name the field of a bad one, and
// a run stores the native spec it maps to; /api/classes lists the image
// operations.
func TestValidateAndRunsDialect(t *testing.T) {
	_, ts := newTestServer(t, "sqlite", "")
	dict := `{"model_name": "iris-dict", "seed": 1, "n_epoch": 20, "batch_size": 16, "n_labels": 3,
		"data": {"train": "builtin:iris"},
		"criterion": {"name": "CrossEntropyLoss"}, "optimizer": {"name": "Adam", "lr": 0.05},
		"model": {"layers": [{"name": "Linear", "in_features": "auto", "out_features": 16}, {"name": "Tanh"},
		                     {"name": "Linear", "in_features": "auto", "out_features": "n_labels"}]}}`
	for _, sc := range []scenario{
		{name: "validate dictionary", method: "POST", path: "/api/validate", body: dict, status: 200,
			contain: []string{`"valid":true`, `"n_labels":3`}},
		{name: "unknown key in a dictionary", method: "POST", path: "/api/validate", body: `{"model_name": "m", "n_epochs": 3, "data": {"train": "builtin:iris"}}`,
			status: 400, contain: []string{`"field":"n_epochs"`, `did you mean \"n_epoch\"`}},
		{name: "label_names without data", method: "POST", path: "/api/runs", body: `{"model_name": "m", "label_names": ["a", "b"], "model": {"name": "ResNet18"}}`,
			status: 400, contain: []string{`"field":"label_names"`, `a stored dataset \"dataset:NAME\"`}},
		{name: "image ops catalogue", method: "GET", path: "/api/classes", status: 200,
			contain: []string{`"image_ops":[`, `"name":"resize"`, `"name":"effect_spread"`}},
	} {
		sc.run(t, ts.URL)
	}
	out := scenario{name: "create", method: "POST", path: "/api/runs", body: dict, status: 202}.run(t, ts.URL)
	var created struct{ ID string }
	json.Unmarshal([]byte(out), &created)
	waitStatus(t, ts.URL, created.ID, "succeeded")
	scenario{name: "stored native spec", method: "GET", path: "/api/runs/" + created.ID, status: 200,
		contain: []string{`"name":"iris-dict"`, `"epochs":20`, `"type":"Adam"`}}.run(t, ts.URL)
}
