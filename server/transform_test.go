package server

import (
	"encoding/json"
	"testing"
)

// TestPredictTransformer checks that predicting with a model whose final
// estimator transforms (PCA) answers the projected rows, as scikit-learn's
// transform does, and that asking it for probabilities is a 400.
func TestPredictTransformer(t *testing.T) {
	_, ts := newTestServer(t, "sqlite", "")
	spec := `{"name": "wine-pca", "data": {"train": "builtin:wine"}, "preprocess": [{"type": "StandardScaler"}],
		"model": {"class": "PCA", "params": {"n_components": 2}}}`
	out := scenario{name: "create", method: "POST", path: "/api/runs", body: spec, status: 202}.run(t, ts.URL)
	var created struct{ ID string }
	json.Unmarshal([]byte(out), &created)
	waitStatus(t, ts.URL, created.ID, "succeeded")
	row := `[14.23, 1.71, 2.43, 15.6, 127, 2.8, 3.06, 0.28, 2.29, 5.64, 1.04, 3.92, 1065]`
	body := scenario{name: "transform", method: "POST", path: "/api/models/wine-pca/predict",
		body: `{"instances": [` + row + `, ` + row + `]}`, status: 200}.run(t, ts.URL)
	var resp struct {
		Predictions [][]float64 `json:"predictions"`
	}
	if err := json.Unmarshal([]byte(body), &resp); err != nil {
		t.Fatalf("%v: %s", err, body)
	}
	if len(resp.Predictions) != 2 || len(resp.Predictions[0]) != 2 || resp.Predictions[0][0] != resp.Predictions[1][0] {
		t.Fatalf("want two identical rows of 2 components, got %s", body)
	}
	scenario{name: "proba", method: "POST", path: "/api/models/wine-pca/predict",
		body: `{"instances": [` + row + `], "proba": true}`, status: 400, contain: []string{"no predict_proba"}}.run(t, ts.URL)
}
