package server

import (
	"encoding/json"
	"testing"
)

// TestNetworkAPI covers the network catalogues, the layer shapes that
// /api/validate reports, and a small network run through the service, its
// epoch metrics and a prediction with its model.
func TestNetworkAPI(t *testing.T) {
	_, ts := newTestServer(t, "sqlite", "")
	net := `{"name": "iris-net", "seed": 1, "data": {"train": "builtin:iris"},
		"model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": 16}, {"type": "Tanh"},
		                     {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
		"optimizer": {"type": "Adam", "lr": 0.05}, "batch_size": 16, "epochs": 30}`
	for _, sc := range []scenario{
		{name: "classes", method: "GET", path: "/api/classes", status: 200, contain: []string{
			`"layers":[`, `"name":"Conv2d"`, `"name":"in_channels","type":"int","default":"auto","min":1,"help":"channels of the input","auto":true,"n_labels":false}`,
			`"name":"out_features","type":"int","default":null,"min":1,"help":"size of each output sample","auto":false,"n_labels":true`,
			`"losses":[`, `"name":"CrossEntropyLoss"`, `"optimizers":[`, `"name":"momentum"`, `"schedulers":[`, `"name":"ReduceLROnPlateau"`,
			`"transforms":[`, `"name":"Normalize"`}},
		{name: "validate network", method: "POST", path: "/api/validate", body: net, status: 200, contain: []string{
			`"valid":true`, `"layers":[{"index":0,"type":"Linear","out_shape":[1,16]},{"index":1,"type":"Tanh","out_shape":[1,16]},{"index":2,"type":"Linear","out_shape":[1,3]}]`,
			`"input_shape":[4]`, `"n_labels":3`}},
		{name: "bad shapes", method: "POST", path: "/api/validate", body: `{"name": "x", "data": {"train": "builtin:iris"}, "model": {"layers": [{"type": "Linear", "in_features": 5, "out_features": "n_labels"}]}}`,
			status: 400, contain: []string{`"field":"model.layers[0]"`, `Linear expects input of shape (*, 5), got [1 4]`}},
		{name: "unknown layer", method: "POST", path: "/api/validate", body: `{"name": "x", "data": {"train": "builtin:iris"}, "model": {"layers": [{"type": "linear", "out_features": "n_labels"}]}}`,
			status: 400, contain: []string{`did you mean \"Linear\"`}},
	} {
		sc.run(t, ts.URL)
	}
	out := scenario{name: "create", method: "POST", path: "/api/runs", body: net, status: 202}.run(t, ts.URL)
	var created struct{ ID string }
	json.Unmarshal([]byte(out), &created)
	waitStatus(t, ts.URL, created.ID, "succeeded")
	for _, sc := range []scenario{
		{name: "metrics", method: "GET", path: "/api/runs/" + created.ID + "/metrics", status: 200, contain: []string{`"val_loss":[`, `"val_accuracy":[`, `"lr":[`}},
		{name: "predict", method: "POST", path: "/api/models/iris-net/predict", body: `{"rows": [{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}], "proba": true}`,
			status: 200, contain: []string{`"predictions":["setosa"]`}},
	} {
		sc.run(t, ts.URL)
	}
}
