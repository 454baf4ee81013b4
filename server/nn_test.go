package server

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
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
	id := created.ID
	waitStatus(t, ts.URL, id, "succeeded")
	for _, sc := range []scenario{
		{name: "metrics", method: "GET", path: "/api/runs/" + id + "/metrics", status: 200, contain: []string{`"val_loss":[`, `"val_accuracy":[`, `"lr":[`}},
		{name: "predict", method: "POST", path: "/api/models/iris-net/predict", body: `{"rows": [{"sepal_length": 5.1, "sepal_width": 3.5, "petal_length": 1.4, "petal_width": 0.2}], "proba": true}`,
			status: 200, contain: []string{`"predictions":["setosa"]`}},
	} {
		sc.run(t, ts.URL)
	}
}

// TestNetworkResumesAfterSIGKILL kills the server with SIGKILL while it
// trains a network, starts it again on the same data folder and checks that
// the run resumes from its last checkpoint (rather than from epoch 1) and
// finishes.
func TestNetworkResumesAfterSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs a server process")
	}
	bin := buildSlowServer(t)
	dir := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	start := func() *exec.Cmd { return startServer(t, bin, addr, dir) }
	srv := start()
	const epochs = 400
	body := fmt.Sprintf(`{"name": "digits-net", "seed": 1, "data": {"train": "builtin:digits"},
		"model": {"layers": [{"type": "Linear", "in_features": "auto", "out_features": 32}, {"type": "ReLU"},
		                     {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
		"optimizer": {"type": "SGD", "lr": 0.001}, "batch_size": 16, "epochs": %d}`, epochs)
	id := postRun(t, base, body)
	epochPoints := func() int {
		var m struct {
			Series map[string][]any `json:"series"`
		}
		json.Unmarshal([]byte(get(t, base+"/api/runs/"+id+"/metrics")), &m)
		return len(m.Series["val_loss"])
	}
	var before int
	deadline := time.Now().Add(60 * time.Second)
	for before < 10 && time.Now().Before(deadline) {
		before = epochPoints()
		time.Sleep(30 * time.Millisecond)
	}
	if before < 10 {
		t.Fatal("the run recorded no epochs")
	}
	if err := srv.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	srv.Wait()
	start()
	run := waitDone(t, base, id, 120*time.Second)
	if run["status"] != "succeeded" {
		t.Fatalf("after the restart the run is %v", run)
	}
	events := get(t, base+"/api/runs/"+id+"/events")
	if !strings.Contains(events, "resuming after epoch") {
		t.Fatalf("the second attempt did not resume from a checkpoint:\n%.2000s", events)
	}
	// From scratch, the second attempt would add all the epochs again.
	if after := epochPoints(); after >= before+epochs {
		t.Errorf("%d epoch points before the kill and %d after: the run started over", before, after)
	}
}
