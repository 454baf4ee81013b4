package server

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mlforge/mlforge/api"
)

// e2eSpec trains a small CNN on the stored dataset quads, which its
// collect step fills first with 12 images of each of three labels (one of
// them written label:query).
const e2eSpec = `{"name": "quads-cnn", "seed": 1, "data": {"train": "dataset:quads"},
	"collect": {"labels": ["tl", "top-right:tr", "bl"], "limit": 12, "pages": 3, "min_width": 8},
	"transforms": [{"type": "Grayscale"}, {"type": "ToTensor"}],
	"model": {"layers": [{"type": "Conv2d", "in_channels": "auto", "out_channels": 4, "kernel_size": 3}, {"type": "ReLU"},
		{"type": "Flatten"}, {"type": "Linear", "in_features": "auto", "out_features": "n_labels"}]},
	"optimizer": {"type": "Adam", "lr": 0.05}, "batch_size": 8, "epochs": 15}`

// TestCollectE2E is the loop end to end, on SQLite and on PostgreSQL: a
// fake SerpApi on loopback serves three labels (quadrantPNG: the bright
// block in a different quadrant per label, 20 images each over two
// pages), a training spec's collect step creates the dataset and collects
// 12 images per label as the first step of the run (its events show it),
// a small CNN trains from "dataset:quads", and POST /api/runs/{id}/evaluate
// tests it on 5 random stored images per label. The images are separable
// by construction (see quadrantPNG): the reference runs of this test score
// accuracy 1 on both backends, and the test asks for at least 0.9 (one
// image in the 15 may go wrong, no more). A second run of the spec
// collects nothing: every label holds its 12.
func TestCollectE2E(t *testing.T) {
	for _, backend := range backendsToTest() {
		t.Run(backend, func(t *testing.T) {
			fakeThreeLabels(t, [3]string{"tl", "tr", "bl"}, 20, map[string][]map[string]any{
				"bl": {{"position": 0, "original": "http://[::ffff:127.0.0.1]/x.png"}},
			}, nil)
			t.Setenv("SERPAPI_KEY", serverSerpKey)
			s, ts := newTestServer(t, backend, "")

			// Validation: the dataset does not exist yet; the data checks wait.
			v := scenario{name: "validate", method: "POST", path: "/api/validate", body: e2eSpec, status: 200, contain: []string{`"valid":true`, `"deferred":"the data is checked after the collection step`}}.run(t, ts.URL)
			if strings.Contains(v, "srv-key") {
				t.Fatalf("validation: %s", v)
			}
			for _, sc := range []scenario{
				{name: "a key in the spec", method: "POST", path: "/api/runs", body: strings.Replace(e2eSpec, `"limit": 12`, `"limit": 12, "api_key": "x"`, 1), status: 400, contain: []string{`"field":"collect.api_key"`, "never holds an API key"}},
				{name: "no dataset source", method: "POST", path: "/api/validate", body: strings.Replace(e2eSpec, `"dataset:quads"`, `"images"`, 1), status: 400, contain: []string{`"field":"collect"`, `data.train must be \"dataset:NAME\"`}},
				{name: "bad limit", method: "POST", path: "/api/validate", body: strings.Replace(e2eSpec, `"limit": 12`, `"limit": 0`, 1), status: 400, contain: []string{`"field":"collect.limit"`}},
			} {
				sc.run(t, ts.URL)
			}

			var created struct{ ID string }
			json.Unmarshal([]byte(scenario{name: "train", method: "POST", path: "/api/runs", body: e2eSpec, status: 202}.run(t, ts.URL)), &created)
			body := waitStatus(t, ts.URL, created.ID, "succeeded")
			if !strings.Contains(body, `"data_manifest":"`) || !strings.Contains(body, `"labels":["bl","tl","top-right"]`) ||
				!strings.Contains(body, `"collected":{"dataset":"quads","provider":"serpapi","labels":[{"label":"tl","query":"tl","had":0,"stored":12,`) {
				t.Fatalf("the run: %s", body)
			}
			evs := runEvents(t, s, created.ID)
			for _, want := range []string{
				`collect step: dataset \"quads\" created`,
				`collect step: 3 of 3 labels of \"quads\" hold fewer than 12 images (min_per_label): \"tl\" (0), \"top-right\" (0), \"bl\" (0); collecting up to 12 each`,
				`collect \"top-right\": searching \"tr\"`,
				`collect \"bl\": skipped http://[::ffff:127.0.0.1]/x.png`,
				`collect \"tl\": 12 stored (0 before)`,
				`collect step: 36 images stored in 3 labels; training follows`,
			} {
				if !strings.Contains(evs, want) {
					t.Errorf("the events lack %q:\n%s", want, evs)
				}
			}
			// The collection comes first, then the training.
			if i, j := strings.Index(evs, "collect step: 36 images"), strings.LastIndex(evs, `"kind":"epoch"`); i < 0 || j < i {
				t.Errorf("the collection does not precede the training (%d, %d):\n%s", i, j, evs)
			}
			if strings.Contains(evs, "srv-key") {
				t.Errorf("the events hold the key")
			}
			scenario{name: "labels", method: "GET", path: "/api/datasets/quads", status: 200,
				contain: []string{`{"label":"bl","items":12}`, `{"label":"tl","items":12}`, `{"label":"top-right","items":12}`}}.run(t, ts.URL)

			var ev api.Evaluation
			json.Unmarshal([]byte(scenario{name: "evaluate", method: "POST", path: "/api/runs/" + created.ID + "/evaluate", body: `{"data": "dataset:quads", "limit": 5, "seed": 7}`, status: 200}.run(t, ts.URL)), &ev)
			if ev.Rows != 15 || ev.Metrics["accuracy"] == nil {
				t.Fatalf("evaluation = %+v", ev)
			}
			t.Logf("%s: accuracy %.4f on 15 random stored images, confusion %v", backend, *ev.Metrics["accuracy"], ev.Confusion)
			if acc := *ev.Metrics["accuracy"]; acc < 0.9 {
				t.Errorf("accuracy %.4f on 15 random stored images, want at least 0.9 (confusion %v)", acc, ev.Confusion)
			}

			// Again: every label holds enough; nothing is collected.
			json.Unmarshal([]byte(scenario{name: "train again", method: "POST", path: "/api/runs", body: e2eSpec, status: 202}.run(t, ts.URL)), &created)
			waitStatus(t, ts.URL, created.ID, "succeeded")
			if evs := runEvents(t, s, created.ID); !strings.Contains(evs, `every label of \"quads\" holds at least 12 images (min_per_label): nothing to collect`) || strings.Contains(evs, "searching") {
				t.Errorf("the second run's events:\n%s", evs)
			}
			scenario{name: "fsck", method: "GET", path: "/api/fsck", status: 200, contain: []string{`"items":36,"blobs":36,"missing":[],"corrupt":[],"unreferenced":[]`}}.run(t, ts.URL)

			// Without the server's key the run is refused before it is queued.
			t.Setenv("SERPAPI_KEY", "")
			scenario{name: "no key", method: "POST", path: "/api/runs", body: e2eSpec, status: 400, contain: []string{`"code":"no_search_key"`}}.run(t, ts.URL)
		})
	}
}

// TestCollectStepCancel: a run cancelled during its collect step is
// cancelled (no training), and keeps the images stored so far.
func TestCollectStepCancel(t *testing.T) {
	hold := make(chan struct{})
	defer close(hold)
	fakeThreeLabels(t, [3]string{"tl", "tr", "bl"}, 20, nil, hold)
	t.Setenv("SERPAPI_KEY", serverSerpKey)
	s, ts := newTestServer(t, "sqlite", "")
	var created struct{ ID string }
	json.Unmarshal([]byte(scenario{name: "train", method: "POST", path: "/api/runs", body: e2eSpec, status: 202}.run(t, ts.URL)), &created)
	waitItems(t, ts.URL, "quads", 9) // tl: page 0 but its third image, which is held (page 1 waits for it)
	scenario{name: "cancel", method: "POST", path: "/api/runs/" + created.ID + "/cancel", status: 202}.run(t, ts.URL)
	waitStatus(t, ts.URL, created.ID, "cancelled")
	if evs := runEvents(t, s, created.ID); strings.Contains(evs, `"kind":"epoch"`) || strings.Contains(evs, "training follows") {
		t.Errorf("a cancelled collect step went on to train:\n%s", evs)
	}
	scenario{name: "kept", method: "GET", path: "/api/datasets/quads", status: 200, contain: []string{`{"label":"tl","items":9}`}}.run(t, ts.URL)
}
